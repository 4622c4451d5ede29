"""Presolve: the problem over groups of colocated resources, with dominated options pruned.

Everything here is exact: the reduced problem has the same optimum as the original.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from skyinfra.peering.modes import gateway_ends
from skyinfra.placement.problem import Charge, LinkModel, Option, PlacementProblem
from skyinfra.site import Site

PRUNE_ROUNDS = 4  # each round prunes against the previous round's (smaller) option sets


_Cut = tuple[int, int, Site, Site]  # linked groups i < j on sites s (of i) and t (of j)
_SetCut = tuple[int, int, Site, str]  # linked group g on site s, its partner h in cloud k


class Infeasible(Exception):
    """The colocate / avoid constraints cannot all be met with the options offered."""


# --- reduction: groups of colocated resources, summed flows --------------------------------
_Fee = tuple[tuple[int, ...], dict[Site, float]]  # groups sharing a fee, its price per site


@dataclass
class _Group:
    """Colocated resources: they run on one site, so they are one decision."""

    members: tuple[str, ...]
    costs: dict[Site, float]  # site -> the members' summed cost there; pruning shrinks it


@dataclass
class _Edge:
    """All flows from group `a` to group `b`, egress prices summed per source site."""

    a: int
    b: int
    inter: dict[Site, float]  # to another region of the same region group
    net: dict[Site, float]  # to another cloud
    far: dict[Site, float]  # to another region group of the same cloud
    zone: Mapping[Site, Hashable]  # site -> its region group

    def price(self, src: Site, dst: Site) -> float:
        """`problem.egress_cost`'s rule, on the edge's flows' prices summed per source site
        (kept apart, not summed through `egress_cost`: the MIP prices the sums)."""
        if src == dst:
            return 0.0
        if src.cloud != dst.cloud:
            return self.net[src]
        return self.inter[src] if self.zone[src] == self.zone[dst] else self.far[src]


class _Prices:
    """Link and gateway prices, cached: pruning and the model ask for the same ones often."""

    def __init__(self, links: LinkModel) -> None:
        self._model = links
        self._links: dict[tuple[Site, Site], float] = {}
        self._gateways: dict[Site, float] = {}

    def link(self, a: Site, b: Site) -> float:
        key = _key(a, b)
        if key not in self._links:
            self._links[key] = _non_negative(self._model.link(*key), f"link {a}-{b}")
        return self._links[key]

    def gateway(self, site: Site) -> float:
        if site not in self._gateways:
            self._gateways[site] = _non_negative(self._model.gateway(site), f"gateway {site}")
        return self._gateways[site]

    def free(self, a: Site, b: Site) -> bool:
        """A link that costs nothing and implies no gateway needs no cut."""
        return not gateway_ends(a, b) and self.link(a, b) == 0


def _non_negative(price: float, what: str) -> float:
    # A negative fixed price would make "pay for a link you do not use" profitable: the lazy
    # cuts only bound links from below, so the model would no longer be exact.
    if price < 0:
        raise ValueError(f"{what} has a negative price ({price})")
    return price


@dataclass
class _Reduced:
    """The problem over groups: what the model and the pruning work on."""

    problem: PlacementProblem
    groups: list[_Group]
    group_of: dict[str, int]
    edges: list[_Edge]
    linked: set[tuple[int, int]]  # (i, j), i < j: groups joined by a linked flow
    avoid: set[tuple[int, int]]  # (i, j), i < j
    prices: _Prices
    zone: Mapping[Site, Hashable]  # site -> its region group
    # `SiteFee`s of two groups or more (one group's is in its costs), prices non-negative
    fees: list[_Fee] = field(default_factory=list)

    def choice(self, sites: list[Site]) -> dict[str, Option]:
        return _choice_of(self.problem, self.groups, sites)


def _choice_of(
    problem: PlacementProblem, groups: list[_Group], sites: list[Site]
) -> dict[str, Option]:
    by_site = {n: {o.site: o for o in opts} for n, opts in problem.options.items()}
    return {m: by_site[m][site] for g, site in zip(groups, sites, strict=True) for m in g.members}


def _merge(problem: PlacementProblem) -> tuple[list[_Group], dict[str, int]]:
    """Union colocated resources; a group's options are the sites all its members offer."""
    _check_names(problem)
    parent = {n: n for n in problem.options}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in problem.colocate:
        parent[root(a)] = root(b)
    members: dict[str, list[str]] = defaultdict(list)
    for n in sorted(problem.options):
        members[root(n)].append(n)
    groups = [_group(problem, tuple(ms)) for ms in members.values()]
    group_of = {m: g for g, group in enumerate(groups) for m in group.members}
    return groups, group_of


def _group(problem: PlacementProblem, members: tuple[str, ...]) -> _Group:
    per_member = [{o.site: o.cost for o in problem.options[m]} for m in members]
    common = set.intersection(*(set(costs) for costs in per_member))
    if not common:
        what = (
            "has no options" if len(members) == 1 else "must share a site but have none in common"
        )
        raise Infeasible(f"{', '.join(map(repr, members))} {what}")
    return _Group(members, {s: sum(c[s] for c in per_member) for s in sorted(common)})


def _check_names(problem: PlacementProblem) -> None:
    named = [n for f in problem.flows for n in (f.source, f.target)]
    named += [n for pair in (*problem.colocate, *problem.avoid) for n in pair]
    unknown = sorted(set(named) - set(problem.options))
    if unknown:
        raise ValueError(f"flows or constraints name unknown resources: {', '.join(unknown)}")
    for name, opts in problem.options.items():
        if len({o.site for o in opts}) != len(opts):
            raise ValueError(f"{name!r} has two options on one site")


def _reduce(problem: PlacementProblem) -> _Reduced:
    groups, group_of = _merge(problem)
    avoid = set()
    for a, b in problem.avoid:
        i, j = group_of[a], group_of[b]
        _check_avoid(groups, i, j, a, b)
        avoid.add(_pair(i, j))
    egress = problem.egress
    zone = {s: egress.group(s) for g in groups for s in g.costs}
    edges: dict[tuple[int, int], _Edge] = {}
    linked: set[tuple[int, int]] = set()
    for f in problem.flows:
        src, dst = group_of[f.source], group_of[f.target]
        if src == dst:
            continue  # one site: no egress, no link
        if (src, dst) not in edges:
            zero = dict.fromkeys(groups[src].costs, 0.0)
            edges[(src, dst)] = _Edge(src, dst, zero, dict(zero), dict(zero), zone)
        edge = edges[(src, dst)]
        egress = problem.egress_of(f)
        for s in groups[src].costs:
            edge.inter[s] += egress.inter_region(s, f.gb)
            edge.far[s] += egress.inter_group(s, f.gb)
            edge.net[s] += egress.internet(s, f.gb)
        if f.linked:
            linked.add(_pair(src, dst))
    for charge in problem.charges:
        _add_charge(groups, group_of, edges, charge, zone)
    _alone_in_zone(edges.values(), zone)
    prices = _Prices(problem.links)
    fees = _fees(problem, groups, group_of)
    return _Reduced(
        problem, groups, group_of, list(edges.values()), linked, avoid, prices, zone, fees
    )


def _alone_in_zone(edges: Iterable[_Edge], zone: Mapping[Site, Hashable]) -> None:
    """A source site no other site shares a region group with never sends within its group:
    its within-group price becomes the to-another-group one, which drops that level from the
    model (AWS's regions are groups of their own)."""
    sizes = Counter(zone.values())
    for edge in edges:
        for s in edge.inter:
            if sizes[zone[s]] == 1:
                edge.inter[s] = edge.far[s]


def _add_charge(
    groups: list[_Group],
    group_of: dict[str, int],
    edges: dict[tuple[int, int], _Edge],
    charge: Charge,
    zone: Mapping[Site, Hashable],
) -> None:
    """A charge as what the model already prices: its same-site price on `at`'s group's
    costs, the rest as egress from it towards `other`'s group (the edge prices by source)."""
    g, h = group_of[charge.at], group_of[charge.other]
    same = {s: charge.same_site.get(s, 0.0) for s in groups[g].costs}
    for s, price in same.items():
        groups[g].costs[s] += price
    if g == h:
        return
    if (g, h) not in edges:
        zero = dict.fromkeys(groups[g].costs, 0.0)
        edges[(g, h)] = _Edge(g, h, zero, dict(zero), dict(zero), zone)
    edge = edges[(g, h)]
    for s in groups[g].costs:
        edge.inter[s] += charge.same_cloud.get(s, 0.0) - same[s]
        edge.far[s] += charge.same_cloud.get(s, 0.0) - same[s]  # any region of the cloud
        edge.net[s] += charge.other_cloud.get(s, 0.0) - same[s]


def _fees(problem: PlacementProblem, groups: list[_Group], group_of: dict[str, int]) -> list[_Fee]:
    """Fees shared by two groups or more; a fee of one group is one more cost of its options
    (colocated members share its site, so it is paid once)."""
    shared: list[_Fee] = []
    for fee in problem.fees:
        members = tuple(sorted({group_of[m] for m in fee.members}))
        prices = {s: _non_negative(price, f"fee at {s}") for s, price in fee.fees.items() if price}
        if len(members) == 1:
            costs = groups[members[0]].costs
            for s in costs:
                costs[s] += prices.get(s, 0.0)
        elif prices:
            shared.append((members, prices))
    return shared


def _check_avoid(groups: list[_Group], i: int, j: int, a: str, b: str) -> None:
    if i == j:
        raise Infeasible(f"{a!r} must avoid {b!r}'s cloud but must share its site")
    clouds = {s.cloud for s in groups[i].costs} | {s.cloud for s in groups[j].costs}
    if len(clouds) == 1:
        raise Infeasible(f"{a!r} must avoid {b!r}'s cloud but both can only run on {clouds.pop()}")


def _pair(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def _key(s: Site, t: Site) -> tuple[Site, Site]:
    return (s, t) if s < t else (t, s)


# --- pruning: drop options another option of the same group dominates ---------------------
#
# Moving group A from site s to t, another site of the same cloud, changes only A's cost,
# the egress of A's flows and the links of A's linked flows (links can only be added at t:
# those at s may vanish, which, with non-negative prices, never costs), and the shared fees
# (`SiteFee`) of A's networks at t (those at s may vanish likewise). With the partner on
# u, a flow A->B changes by p(t, s) if u = s, -p(s, t) if u = t, p(t, u) - p(s, u)
# elsewhere in the cloud, net(t) - net(s) in another cloud; a flow B->A by p(s, t) if u = s,
# -p(t, s) if u = t, p(u, t) - p(u, s) elsewhere (0 unless s and t are in different region
# groups), where p(x, y) is the source x's inter price if y is in x's region group, else
# its far price. A linked partner on v may
# need the new link (t, v), plus v's gateway across clouds, and t may need its gateway. If
#     cost(t) - cost(s) + (the most all of that adds, over the partners' options) <= 0,
# moving A from s to t never costs more wherever the others are, so some optimum avoids s.
# t is the cheapest site of s's cloud (its anchor), never dropped itself, so every move
# ends at a kept site, and a move within a cloud keeps every avoid rule. A round bounds
# against the option sets it started with (supersets of where the partners end up).
# Arrays over (group or edge) x site keep a round to a few numpy passes.


@dataclass
class _Dense:
    """The reduced problem as arrays over the sites any group may use."""

    sites: list[Site]
    cloud: np.ndarray  # site -> cloud number
    cost: np.ndarray  # group x site, inf where not an option
    inter: np.ndarray  # edge x source site (0 where not an option)
    net: np.ndarray
    far: np.ndarray
    zone: np.ndarray  # site -> region group number
    a: np.ndarray  # edge -> source group
    b: np.ndarray  # edge -> target group
    link: np.ndarray  # site x site: link price, plus the far site's gateway across clouds
    gateway: np.ndarray  # site -> gateway price
    fee: np.ndarray  # group x site: the shared fees a group may bring to the site

    @classmethod
    def of(cls, red: _Reduced) -> _Dense:
        sites = sorted({s for g in red.groups for s in g.costs})
        index = {s: i for i, s in enumerate(sites)}
        names = sorted({s.cloud for s in sites})
        cloud = np.array([names.index(s.cloud) for s in sites], dtype=np.int64)
        cost = np.full((len(red.groups), len(sites)), np.inf)
        for g, group in enumerate(red.groups):
            cost[g, [index[s] for s in group.costs]] = list(group.costs.values())
        inter = np.zeros((len(red.edges), len(sites)))
        net = np.zeros_like(inter)
        far = np.zeros_like(inter)
        for e, edge in enumerate(red.edges):
            cols = [index[s] for s in edge.inter]
            inter[e, cols] = list(edge.inter.values())
            net[e, cols] = list(edge.net.values())
            far[e, cols] = [edge.far[s] for s in edge.inter]
        zones = {z: i for i, z in enumerate(dict.fromkeys(red.zone[s] for s in sites))}
        zone = np.array([zones[red.zone[s]] for s in sites], dtype=np.int64)
        gateway = np.zeros(len(sites))
        link = np.zeros((len(sites), len(sites)))
        if red.linked:
            gateway = np.array([red.prices.gateway(s) for s in sites])
            for i, j in itertools.combinations(range(len(sites)), 2):
                link[i, j] = link[j, i] = red.prices.link(sites[i], sites[j])
            distant = np.array(
                [[t in gateway_ends(s, t) for t in sites] for s in sites], dtype=bool
            )
            link += np.where(distant, gateway[None, :], 0.0)
        a = np.array([e.a for e in red.edges], dtype=np.int64)
        b = np.array([e.b for e in red.edges], dtype=np.int64)
        fee = np.zeros(cost.shape)
        for members, prices in red.fees:
            for s, price in prices.items():
                if s in index:
                    fee[list(members), index[s]] += price
        return cls(sites, cloud, cost, inter, net, far, zone, a, b, link, gateway, fee)


def _prune(red: _Reduced) -> None:
    """Drop dominated options until a round drops nothing (or `PRUNE_ROUNDS`)."""
    _prune_isolated(red)
    dense = _Dense.of(red)
    partners: list[list[int]] = [[] for _ in red.groups]
    for i, j in sorted(red.linked):
        partners[i].append(j)
        partners[j].append(i)
    for _ in range(PRUNE_ROUNDS):
        dropped = _dominated(dense, partners)
        if not dropped.any():
            break
        dense.cost[dropped] = np.inf
    index = {s: i for i, s in enumerate(dense.sites)}
    for g, group in enumerate(red.groups):
        kept = np.isfinite(dense.cost[g])
        group.costs = {s: c for s, c in group.costs.items() if kept[index[s]]}


def _cheapest(costs: dict[Site, float]) -> Site:
    return min(costs, key=lambda s: (costs[s], s))


def _prune_isolated(red: _Reduced) -> None:
    """A group no flow, link or avoid rule touches costs the same wherever the others are:
    only its cheapest option matters (ties: the first site)."""
    touched = {g for e in red.edges for g in (e.a, e.b)}
    touched |= {g for pair in (*red.linked, *red.avoid) for g in pair}
    touched |= {g for members, _ in red.fees for g in members}
    for g, group in enumerate(red.groups):
        if g not in touched:
            best = _cheapest(group.costs)
            group.costs = {best: group.costs[best]}


def _dominated(d: _Dense, partners: list[list[int]]) -> np.ndarray:
    """group x site: the options this round drops: those a move to the cheapest site of
    their cloud, or of their region group, never makes cost more. The cloud's anchor is
    also its group's, so every chain of such moves ends at a kept site."""
    offered = np.isfinite(d.cost)
    n_clouds = int(d.cloud.max()) + 1
    per_cloud = np.stack([offered[:, d.cloud == k].sum(axis=1) for k in range(n_clouds)], 1)
    dropped = np.zeros(d.cost.shape, dtype=bool)
    for member in (d.cloud, d.zone):
        anchor = _anchors(d.cost, member)
        dropped |= _moves_to(d, offered, per_cloud, anchor, member, partners)
    return dropped


def _anchors(cost: np.ndarray, member: np.ndarray) -> np.ndarray:
    """group x set: the cheapest site of each set of sites (ties: the first site)."""
    anchor = np.zeros((cost.shape[0], int(member.max()) + 1), dtype=np.int64)
    for k in range(anchor.shape[1]):
        in_k = np.flatnonzero(member == k)
        if len(in_k):
            anchor[:, k] = in_k[np.argmin(cost[:, in_k], axis=1)]
    return anchor


def _moves_to(
    d: _Dense,
    offered: np.ndarray,
    per_cloud: np.ndarray,
    anchor: np.ndarray,
    member: np.ndarray,
    partners: list[list[int]],
) -> np.ndarray:
    """group x site: options that moving to the anchor of their set never makes cost more."""
    n_groups, n_sites = d.cost.shape
    t = anchor[:, member]  # group x site: the anchor of the site's set
    grow = _link_growth(d, offered, anchor, member, partners)
    if len(d.a):
        np.add.at(grow, d.a, _out_growth(d, offered, per_cloud, t[d.a]))
        np.add.at(grow, d.b, _in_growth(d, offered, per_cloud, t[d.b]))
    rows = np.arange(n_groups)[:, None]
    grow += d.fee[rows, t]  # the move may open the anchor's shared fees (leaving s saves)
    moved = t != np.arange(n_sites)[None, :]
    with np.errstate(invalid="ignore"):
        gain = d.cost - d.cost[rows, t] - grow
    return offered & moved & (gain >= 0)


def _out_growth(d: _Dense, offered: np.ndarray, per_cloud: np.ndarray, t: np.ndarray) -> np.ndarray:
    """edge x s: the most moving the source from s to t adds to the edge's egress."""
    rows = np.arange(len(d.a))[:, None]
    at_s, at_t = offered[d.b], offered[d.b][rows, t]
    moved = t != np.arange(t.shape[1])[None, :]
    same = per_cloud[d.b][:, d.cloud] - at_s - (at_t & moved)
    other = per_cloud[d.b].sum(axis=1)[:, None] - per_cloud[d.b][:, d.cloud]
    inter_t, far_t, net_t = d.inter[rows, t], d.far[rows, t], d.net[rows, t]
    together = d.zone[t] == d.zone[None, :]  # s and t in one region group
    out = np.full(t.shape, -np.inf)
    out = np.where(at_s, np.maximum(out, np.where(together, inter_t, far_t)), out)
    out = np.where(at_t, np.maximum(out, -np.where(together, d.inter, d.far)), out)
    # B elsewhere in the cloud: in s's and t's group, or outside it; across two groups, in
    # t's, in s's or in neither.
    within = np.maximum(inter_t - d.inter, far_t - d.far)
    apart = np.maximum(np.maximum(inter_t - d.far, far_t - d.inter), far_t - d.far)
    out = np.where(same > 0, np.maximum(out, np.where(together, within, apart)), out)
    out = np.where(other > 0, np.maximum(out, net_t - d.net), out)
    return np.where(moved, out, 0.0)


def _in_growth(d: _Dense, offered: np.ndarray, per_cloud: np.ndarray, t: np.ndarray) -> np.ndarray:
    """edge x s: the most moving the target from s to t adds to the edge's egress."""
    rows = np.arange(len(d.a))[:, None]
    at_s, at_t = offered[d.a], offered[d.a][rows, t]
    moved = t != np.arange(t.shape[1])[None, :]
    elsewhere = per_cloud[d.a].sum(axis=1)[:, None] - at_s - (at_t & moved)
    together = d.zone[t] == d.zone[None, :]
    # B elsewhere pays the same unless s and t are in different groups of its cloud: then at
    # most its largest gap between its two rates.
    gap = np.where(offered[d.a], np.abs(d.far - d.inter), 0.0).max(axis=1, initial=0.0)
    out = np.where(elsewhere > 0, np.where(together, 0.0, gap[:, None]), -np.inf)
    out = np.where(at_s, np.maximum(out, np.where(together, d.inter, d.far)), out)
    back = np.where(together, d.inter[rows, t], d.far[rows, t])
    out = np.where(at_t, np.maximum(out, -back), out)
    return np.where(moved, out, 0.0)


def _link_growth(
    d: _Dense,
    offered: np.ndarray,
    anchor: np.ndarray,
    member: np.ndarray,
    partners: list[list[int]],
) -> np.ndarray:
    """group x site: the most moving to the anchor of the site's set adds in links."""
    grow = np.zeros(d.cost.shape)
    for g, mine in enumerate(partners):
        if not mine:
            continue
        for k, t in enumerate(anchor[g]):
            if not np.isfinite(d.cost[g, t]):
                continue  # g has no site in set k
            total = sum(float(d.link[t, offered[p]].max()) for p in mine)
            if any((d.cloud[offered[p]] != d.cloud[t]).any() for p in mine):
                total += d.gateway[t]
            grow[g, member == k] = total
    return grow
