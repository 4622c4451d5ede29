"""The exact placement optimiser: one mixed-integer program, solved by HiGHS.

Why a MIP: flows couple resources (egress pulls a group next to its data) and a link is a
fixed cost shared by every flow between two sites, so the best choice is not per resource.

Reduction, exact, before any model is built:
- colocated resources merge into one *group* whose options are the sites all members offer,
  at the sum of their costs; flows inside a group cost nothing and are dropped;
- flows between the same two groups are summed per source site;
- dominated options are pruned (`_prune`): option s of a group is dropped when moving the
  group from s to the cheapest site of its cloud can never cost more, wherever the other
  groups are;
- reduced-cost fixing (`_fix_by_reduced_costs`): the LP relaxation bounds every option's
  best possible total; options whose bound exceeds the cost of a known choice are dropped.

Model (x binary; every other column continuous in [0, 1], integral once x is):
- x[g,s] per option, sum_s x[g,s] = 1; a group left with one option is a constant;
  Z[g,k] = sum of x[g,s] over the sites s of cloud k (an expression, not a column);
- egress of the flows A->B: sum_s net(s) x[A,s] - sum_s (net(s) - inter(s)) v[s]
  - sum_s inter(s) u[s], with v[s] = x[A,s] Z[B,cloud(s)] (same cloud) and
  u[s] = x[A,s] x[B,s] (same site; one u per site shared by both directions). Each product
  is bounded on the side its cost sign needs (w <= p, w <= q for a saving; w >= p + q - 1 for
  a surcharge), so the linearisation is exact for prices of any sign; the saving v's of one
  cloud share the row sum v <= Z[B,k] instead of one row each;
- avoid: Z[A,k] + Z[B,k] <= 1 for every cloud k;
- links: L[s,t] (cost link(s,t)) and G[s] (cost gateway(s)) with G[s] >= L[s,t] for
  cross-cloud pairs, and L[s,t] >= x[A,s] + x[B,t] - 1 for linked groups A, B: O(S^2) per
  pair, so generated lazily (`_Model.missing_cuts`).

Lazy loop: solve, find the site pairs the incumbent's linked flows use whose cuts are
missing, add them, re-solve. The model holds only valid cuts, so it relaxes the full problem
and its bound bounds every choice. Stop when the incumbent misses no cut (the model then
prices it exactly, so it is optimal to `MIP_REL_GAP`), or when the best choice known costs no
more than the bound. An incumbent that misses cuts is repaired by local moves (`_descended`);
when that beats the best known choice, fixing drops more and the next model is smaller.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np

from skyinfra.placement.problem import (
    LinkModel,
    Option,
    PlacementProblem,
    Solution,
    evaluate,
    feasible,
)
from skyinfra.topology import Site

__all__ = [
    "BRUTE_FORCE_LIMIT",
    "MIP_REL_GAP",
    "Infeasible",
    "Stats",
    "brute_force",
    "greedy",
    "solve",
    "solve_with_stats",
]

MIP_REL_GAP = 1e-7  # HiGHS stops within this relative gap of the proven bound
BRUTE_FORCE_LIMIT = 200_000  # combinations `brute_force` accepts to enumerate
EAGER_LINK_PAIRS = 16  # linked groups with at most this many site pairs get every cut upfront
EAGER_CUT_BUDGET = 100_000  # ... and every linked pair does when all of them need no more cuts
PRUNE_ROUNDS = 4  # each round prunes against the previous round's (smaller) option sets


_Cut = tuple[int, int, Site, Site]  # linked groups i < j on sites s (of i) and t (of j)
_SetCut = tuple[int, int, Site, str]  # linked group g on site s, its partner h in cloud k


class Infeasible(Exception):
    """The colocate / avoid constraints cannot all be met with the options offered."""


@dataclass(frozen=True)
class Stats:
    """How a solve went: for benchmarks and tests, not for users."""

    rounds: int  # MIP solves of the lazy link loop
    bound: float  # the last MIP's proven lower bound on every choice
    optimal: bool  # False when the time limit stopped the search
    options: int  # options in the problem
    kept: int  # options left after merging colocated resources and pruning
    columns: int
    rows: int
    link_cuts: int
    seconds: float


def solve(problem: PlacementProblem, time_limit: float | None = None) -> Solution:
    """The cheapest feasible choice, priced by `evaluate`.

    With `time_limit` (seconds) the best choice found so far is returned when time runs out;
    TimeoutError if none was found. Raises Infeasible when colocate/avoid cannot be met.
    """
    return solve_with_stats(problem, time_limit)[0]


def solve_with_stats(
    problem: PlacementProblem, time_limit: float | None = None, *, prune: bool = True
) -> tuple[Solution, Stats]:
    """`solve`, with how it went; `prune=False` skips option pruning (to test it is exact)."""
    start = time.monotonic()
    red = _reduce(problem)
    options = sum(len(o) for o in problem.options.values())
    fixing = _Fixing()
    if prune:
        _prune(red)
        fixing = _fix_by_reduced_costs(red)
    deadline = None if time_limit is None else start + time_limit
    model = _Model(red, fixing.cuts, fixing.set_cuts)
    sites, optimal, model, rounds = _lazy_loop(red, model, deadline, fixing)
    stats = Stats(
        rounds=rounds,
        bound=model.bound(),
        optimal=optimal,
        options=options,
        kept=sum(len(g.costs) for g in red.groups),
        columns=model.h.getNumCol(),
        rows=model.h.getNumRow(),
        link_cuts=len(model.cuts),
        seconds=time.monotonic() - start,
    )
    return evaluate(problem, red.choice(sites)), stats


def greedy(problem: PlacementProblem) -> Solution:
    """The baseline: every colocated group takes its cheapest site, blind to flows and links.

    Anti-affinity is honoured in name order: a group skips the clouds its already placed
    avoid-partners took, and Infeasible is raised if that leaves it nothing (even when
    another order would have worked: it is a baseline, not a solver).
    """
    groups, group_of = _merge(problem)
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in problem.avoid:
        _check_avoid(groups, group_of[a], group_of[b], a, b)
        partners[group_of[a]].add(group_of[b])
        partners[group_of[b]].add(group_of[a])
    sites: list[Site] = []
    for g, group in enumerate(groups):
        taken = {sites[p].cloud for p in partners[g] if p < g}
        allowed = [s for s in group.costs if s.cloud not in taken]
        if not allowed:
            raise Infeasible(f"greedy: {group.members[0]!r} has no site left by its avoid rules")
        sites.append(min(allowed, key=lambda s: (group.costs[s], s)))
    return evaluate(problem, _choice_of(problem, groups, sites))


def brute_force(problem: PlacementProblem, limit: int = BRUTE_FORCE_LIMIT) -> Solution:
    """The reference optimum by enumeration: every combination priced by `evaluate`.

    Only for tiny instances (tests): ValueError beyond `limit` combinations.
    """
    names = sorted(problem.options)
    size = math.prod(len(problem.options[n]) for n in names)
    if size > limit:
        raise ValueError(f"{size} combinations to enumerate (limit {limit})")
    best: Solution | None = None
    for combo in itertools.product(*(problem.options[n] for n in names)):
        choice = dict(zip(names, combo, strict=True))
        if feasible(problem, choice):
            solution = evaluate(problem, choice)
            if best is None or solution.total < best.total:
                best = solution
    if best is None:
        raise Infeasible("no combination meets the colocate and avoid constraints")
    return best


# --- reduction: groups of colocated resources, summed flows --------------------------------


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
    inter: dict[Site, float]  # to another region of the same cloud
    net: dict[Site, float]  # to another cloud

    def price(self, src: Site, dst: Site) -> float:
        if src == dst:
            return 0.0
        return self.inter[src] if src.cloud == dst.cloud else self.net[src]


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
        return a.cloud == b.cloud and self.link(a, b) == 0


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
    edges: dict[tuple[int, int], _Edge] = {}
    linked: set[tuple[int, int]] = set()
    for f in problem.flows:
        src, dst = group_of[f.source], group_of[f.target]
        if src == dst:
            continue  # one site: no egress, no link
        if (src, dst) not in edges:
            zero = dict.fromkeys(groups[src].costs, 0.0)
            edges[(src, dst)] = _Edge(src, dst, zero, dict(zero))
        edge = edges[(src, dst)]
        for s in groups[src].costs:
            edge.inter[s] += problem.egress.inter_region(s, f.gb)
            edge.net[s] += problem.egress.internet(s, f.gb)
        if f.linked:
            linked.add(_pair(src, dst))
    prices = _Prices(problem.links)
    return _Reduced(problem, groups, group_of, list(edges.values()), linked, avoid, prices)


def _check_avoid(groups: list[_Group], i: int, j: int, a: str, b: str) -> None:
    if i == j:
        raise Infeasible(f"{a!r} must avoid {b!r}'s cloud but must share its site")
    clouds = {s.cloud for s in groups[i].costs} | {s.cloud for s in groups[j].costs}
    if len(clouds) == 1:
        raise Infeasible(f"{a!r} must avoid {b!r}'s cloud but both can only run on {clouds.pop()}")


def _pair(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


# --- pruning: drop options another option of the same group dominates ---------------------
#
# Moving group A from site s to t, another site of the same cloud, changes only A's cost,
# the egress of A's flows and the links of A's linked flows (links can only be added at t:
# those at s may vanish, which, with non-negative prices, never costs). With the partner on
# u, a flow A->B changes by inter(t) if u = s, -inter(s) if u = t, inter(t) - inter(s)
# elsewhere in the cloud, net(t) - net(s) in another cloud; a flow B->A by inter(s) if u = s,
# -inter(t) if u = t, 0 elsewhere (prices by the source's site). A linked partner on v may
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
    a: np.ndarray  # edge -> source group
    b: np.ndarray  # edge -> target group
    link: np.ndarray  # site x site: link price, plus the far site's gateway across clouds
    gateway: np.ndarray  # site -> gateway price

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
        for e, edge in enumerate(red.edges):
            cols = [index[s] for s in edge.inter]
            inter[e, cols] = list(edge.inter.values())
            net[e, cols] = list(edge.net.values())
        gateway = np.zeros(len(sites))
        link = np.zeros((len(sites), len(sites)))
        if red.linked:
            gateway = np.array([red.prices.gateway(s) for s in sites])
            for i, j in itertools.combinations(range(len(sites)), 2):
                link[i, j] = link[j, i] = red.prices.link(sites[i], sites[j])
            link += np.where(cloud[:, None] != cloud[None, :], gateway[None, :], 0.0)
        a = np.array([e.a for e in red.edges], dtype=np.int64)
        b = np.array([e.b for e in red.edges], dtype=np.int64)
        return cls(sites, cloud, cost, inter, net, a, b, link, gateway)


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
    for g, group in enumerate(red.groups):
        if g not in touched:
            best = _cheapest(group.costs)
            group.costs = {best: group.costs[best]}


def _dominated(d: _Dense, partners: list[list[int]]) -> np.ndarray:
    """group x site: the options this round drops."""
    offered = np.isfinite(d.cost)
    n_groups, n_sites = d.cost.shape
    n_clouds = int(d.cloud.max()) + 1
    per_cloud = np.stack([offered[:, d.cloud == k].sum(axis=1) for k in range(n_clouds)], 1)
    anchor = np.zeros((n_groups, n_clouds), dtype=np.int64)  # cheapest site per cloud
    for k in range(n_clouds):
        in_k = np.flatnonzero(d.cloud == k)
        anchor[:, k] = in_k[np.argmin(d.cost[:, in_k], axis=1)]  # ties: the first site
    t = anchor[:, d.cloud]  # group x site: the anchor of the site's cloud
    grow = _link_growth(d, offered, anchor, partners)
    if len(d.a):
        np.add.at(grow, d.a, _out_growth(d, offered, per_cloud, t[d.a]))
        np.add.at(grow, d.b, _in_growth(d, offered, per_cloud, t[d.b]))
    rows = np.arange(n_groups)[:, None]
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
    inter_t, net_t = d.inter[rows, t], d.net[rows, t]
    out = np.full(t.shape, -np.inf)
    out = np.where(at_s, np.maximum(out, inter_t), out)
    out = np.where(at_t, np.maximum(out, -d.inter), out)
    out = np.where(same > 0, np.maximum(out, inter_t - d.inter), out)
    out = np.where(other > 0, np.maximum(out, net_t - d.net), out)
    return np.where(moved, out, 0.0)


def _in_growth(d: _Dense, offered: np.ndarray, per_cloud: np.ndarray, t: np.ndarray) -> np.ndarray:
    """edge x s: the most moving the target from s to t adds to the edge's egress."""
    rows = np.arange(len(d.a))[:, None]
    at_s, at_t = offered[d.a], offered[d.a][rows, t]
    moved = t != np.arange(t.shape[1])[None, :]
    elsewhere = per_cloud[d.a].sum(axis=1)[:, None] - at_s - (at_t & moved)
    out = np.where(elsewhere > 0, 0.0, -np.inf)
    out = np.where(at_s, np.maximum(out, d.inter), out)
    out = np.where(at_t, np.maximum(out, -d.inter[rows, t]), out)
    return np.where(moved, out, 0.0)


def _link_growth(
    d: _Dense, offered: np.ndarray, anchor: np.ndarray, partners: list[list[int]]
) -> np.ndarray:
    """group x site: the most moving to the anchor of the site's cloud adds in links."""
    grow = np.zeros(d.cost.shape)
    for g, mine in enumerate(partners):
        if not mine:
            continue
        for k, t in enumerate(anchor[g]):
            total = sum(float(d.link[t, offered[p]].max()) for p in mine)
            if any((d.cloud[offered[p]] != k).any() for p in mine):
                total += d.gateway[t]
            grow[g, d.cloud == k] = total
    return grow


# --- reduced-cost fixing: the LP bound drops options that cannot beat a known choice ---------
#
# The LP relaxation of the model, with the link cuts its own solutions violate added until
# none is, is a relaxation of the whole problem: its optimum LB bounds every choice, and LB
# plus the reduced cost rc of x[g,s] bounds every choice putting g on s. A choice rounded from
# the LP, priced exactly, gives UB; every option with LB + rc > UB can only be in choices
# dearer than that one, so it goes (the rounded choice's own options have rc = 0 and stay).
# The catalog's prices make the LP nearly integral, so most options go, and the MIP that
# follows is small. Exact for any prices; skipped when the LP or the rounding fails.

LP_CUT_ROUNDS = 50  # separation rounds before the LP bound is used as it is
CLOUD_CUTS = 400  # a violated pair's cuts for its two clouds at once, up to this many


@dataclass
class _Fixing:
    """What reduced-cost fixing learnt: the link cuts it found (valid for the MIP too, they
    start it closer) and, per option still kept, the LP bound on any choice using it, so
    that every cheaper choice found later can drop more (`refix`)."""

    cuts: set[_Cut] = field(default_factory=set)
    set_cuts: set[_SetCut] = field(default_factory=set)
    bounds: dict[tuple[int, Site], float] = field(default_factory=dict)
    incumbent: tuple[float, list[Site]] | None = None  # the best choice known, priced

    def refix(self, red: _Reduced, upper: float, sites: list[Site]) -> bool:
        """Drop the options whose bound exceeds `upper` (the cost of `sites`); whether any."""
        slack = upper + 1e-6 * max(1.0, abs(upper))
        changed = False
        for g, group in enumerate(red.groups):
            kept = {
                s: c
                for s, c in group.costs.items()
                if s == sites[g] or self.bounds.get((g, s), -math.inf) <= slack
            }
            changed |= len(kept) < len(group.costs)
            group.costs = kept
        return changed


def _fix_by_reduced_costs(red: _Reduced) -> _Fixing:
    """Drop the options the LP bound rules out."""
    if all(len(g.costs) == 1 for g in red.groups):
        return _Fixing()
    model = _Model(red)
    model.relax()
    values = None
    for _ in range(LP_CUT_ROUNDS):
        if model.run(None) != highspy.HighsModelStatus.kOptimal:
            return _Fixing()
        values = np.array(model.h.getSolution().col_value)
        violated = model.violated_cuts(values)
        spread = model.violated_set_cuts(values)
        if not violated and not spread:
            break
        for cut in violated:
            for tied in model.clouds_of(*cut):
                model.cut(*tied)
        for g, h, site, k in spread:  # the cloud's other sites next: the LP hops there
            for other in model.options_in(g, site.cloud):
                model.set_cut(g, h, other, k)
    assert values is not None
    sites = [_rounded(x, values, f) for x, f in zip(model.x, model.fixed, strict=True)]
    if not feasible(red.problem, red.choice(sites)):
        return _Fixing(model.cuts, model.set_cuts)
    # Groups the LP left fractional move to whichever of their LP sites lowers the total.
    fractional = [[s for s, c in x.items() if 1e-6 < values[c] < 1 - 1e-6] for x in model.x]
    sites = _descended(red, sites, fractional, passes=1)
    choice = red.choice(sites)
    reduced = np.array(model.h.getSolution().col_dual)
    bounds = {
        (g, s): model.objective + float(reduced[c])
        for g, x in enumerate(model.x)
        for s, c in x.items()
    }
    total = evaluate(red.problem, choice).total
    fixing = _Fixing(model.cuts, model.set_cuts, bounds, (total, sites))
    fixing.refix(red, total, sites)
    better = _descended(red, sites, [list(g.costs) for g in red.groups], compound=True)
    if better != sites:  # every option left is a candidate move now: a lower UB fixes more
        lower = evaluate(red.problem, red.choice(better)).total
        if lower < total:
            fixing.incumbent = (lower, better)
            fixing.refix(red, lower, better)
    return fixing


def _descended(
    red: _Reduced,
    sites: list[Site],
    options: list[list[Site]],
    passes: int = 5,
    compound: bool = False,
) -> list[Site]:
    """The feasible choice `sites` after moving single groups, each to the one of its
    `options` that lowers the total most, while a pass moves any (a tighter UB fixes more);
    with `compound`, a pass of `_compound` moves follows whenever single moves are stuck."""
    moves = _Moves(red, sites)
    for _ in range(passes):
        moved = False
        for g, candidates in enumerate(options):
            gains = [(moves.delta(g, s), s) for s in candidates if s != moves.sites[g]]
            best = min(gains, default=None)
            if best is not None and best[0] < -1e-9:
                moves.apply(g, best[1])
                moved = True
        if not moved and not (compound and _compound(moves)):
            break
    return moves.sites


def _compound(moves: _Moves) -> bool:
    """One pass of the moves `_Moves.attempt` tries; whether any lowered the total."""
    red, sites = moves.red, moves.sites
    improved = False
    for i, j in sorted(red.linked):
        # a linked pair, together to a site one of them or one of their partners uses
        if sites[i] == sites[j]:
            continue
        near = {sites[p] for g in (i, j) for p in moves.partners[g]} | {sites[i], sites[j]}
        for t in sorted(near):
            if t in red.groups[i].costs and t in red.groups[j].costs:
                improved |= moves.attempt([(i, t), (j, t)])
    on: dict[Site, list[int]] = defaultdict(list)
    for g, s in enumerate(sites):
        if len(red.groups[g].costs) > 1:
            on[s].append(g)
    for s in sorted(on):  # every group off site s to t
        for t in sorted(on):
            if t != s and t.cloud == s.cloud and on[s] and moves.attempt([(g, t) for g in on[s]]):
                improved = True
                for site in (s, t):
                    on[site] = [g for g in on[s] + on[t] if sites[g] == site]
    return improved


class _Moves:
    """A complete choice that prices moving one group incrementally (egress of its flows,
    the links its linked partners share with others, gateways): `evaluate` would re-price
    every flow for every trial."""

    def __init__(self, red: _Reduced, sites: list[Site]) -> None:
        self.red, self.sites = red, list(sites)
        self.edges: list[list[_Edge]] = [[] for _ in red.groups]
        for e in red.edges:
            self.edges[e.a].append(e)
            self.edges[e.b].append(e)
        self.partners: list[list[int]] = [[] for _ in red.groups]
        for i, j in red.linked:
            self.partners[i].append(j)
            self.partners[j].append(i)
        self.avoid: list[list[int]] = [[] for _ in red.groups]
        for i, j in red.avoid:
            self.avoid[i].append(j)
            self.avoid[j].append(i)
        self.uses: dict[tuple[Site, Site], int] = defaultdict(int)  # linked pairs per link
        self.cross: dict[Site, int] = defaultdict(int)  # cross-cloud links in use per site
        for i, j in red.linked:
            self._use(sites[i], sites[j], 1)

    def delta(self, g: int, b: Site) -> float:
        """How much moving group g to site b changes the total (inf if it breaks avoid)."""
        a, sites = self.sites[g], self.sites
        if any(sites[h].cloud == b.cloud for h in self.avoid[g]):
            return math.inf
        change = self.red.groups[g].costs[b] - self.red.groups[g].costs[a]
        for e in self.edges[g]:
            if e.a == g:
                change += e.price(b, sites[e.b]) - e.price(a, sites[e.b])
            else:
                change += e.price(sites[e.a], b) - e.price(sites[e.a], a)
        counts: dict[tuple[Site, Site], int] = defaultdict(int)
        for p in self.partners[g]:
            for site, step in ((a, -1), (b, 1)):
                if site != sites[p]:
                    counts[_key(site, sites[p])] += step
        cross = dict(self.cross)
        prices = self.red.prices
        for key, step in counts.items():
            before, after = self.uses[key] > 0, self.uses[key] + step > 0
            if before == after:
                continue
            change += prices.link(*key) if after else -prices.link(*key)
            if key[0].cloud != key[1].cloud:
                for site in key:
                    was = cross.get(site, 0)
                    cross[site] = was + (1 if after else -1)
                    if (was > 0) != (cross[site] > 0):
                        change += prices.gateway(site) if cross[site] > 0 else -prices.gateway(site)
        return change

    def attempt(self, moves: list[tuple[int, Site]]) -> bool:
        """Make the moves, one after the other, if together they lower the total; whether
        they did. Finds what single moves cannot: a linked pair to a common site, every
        group off a site (its gateway goes only with its last link)."""
        undo: list[tuple[int, Site]] = []
        change = 0.0
        for g, b in moves:
            if b == self.sites[g] or b not in self.red.groups[g].costs:
                continue
            step = self.delta(g, b)
            if step == math.inf:
                change = math.inf
                break
            undo.append((g, self.sites[g]))
            change += step
            self.apply(g, b)
        if change < -1e-9:
            return True
        for g, a in reversed(undo):
            self.apply(g, a)
        return False

    def apply(self, g: int, b: Site) -> None:
        a = self.sites[g]
        for p in self.partners[g]:
            self._use(a, self.sites[p], -1)
            self._use(b, self.sites[p], 1)
        self.sites[g] = b

    def _use(self, s: Site, t: Site, step: int) -> None:
        if s == t:
            return
        key = _key(s, t)
        before = self.uses[key] > 0
        self.uses[key] += step
        if s.cloud != t.cloud and before != (self.uses[key] > 0):
            for site in key:
                self.cross[site] += 1 if step > 0 else -1


def _key(s: Site, t: Site) -> tuple[Site, Site]:
    return (s, t) if s < t else (t, s)


def _rounded(x: dict[Site, int], values: np.ndarray, fixed: Site | None) -> Site:
    if fixed is not None:
        return fixed
    return max(x, key=lambda s: (values[x[s]], s))


# --- the model ----------------------------------------------------------------------------

_Expr = tuple[list[int], float]  # sum of columns (coefficient 1 each) plus a constant


def _quiet_highs() -> highspy.Highs:
    """A silent HiGHS instance. Its C++ constructor prints a banner to file descriptor 1
    before any option can be set, which would corrupt `plan --json`: hide fd 1 meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class _Model:
    """The MIP in a HiGHS instance, grown in place as link cuts are added."""

    def __init__(
        self, red: _Reduced, cuts: Iterable[_Cut] = (), set_cuts: Iterable[_SetCut] = ()
    ) -> None:
        self.red = red
        self.h = _quiet_highs()
        self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self.rounds, self.objective = 0, math.nan
        self.fixed: list[Site | None] = []
        self.x: list[dict[Site, int]] = []
        self.links: dict[tuple[Site, Site], int] = {}
        self.gateways: dict[Site, int] = {}
        self.cuts: set[_Cut] = set()
        self._start: np.ndarray | None = None  # handed to HiGHS for the next solve
        self._presolve = "choose"
        self.set_cuts: set[_SetCut] = set()
        self._flushed = 0
        self._costs: list[float] = []
        self._integer: list[int] = []
        self._upper: list[float] = []
        self._rows: list[tuple[float, float, list[int], list[float]]] = []
        self._apart: list[int] = []  # (w, x[a,s], x[b,s]) triples of `_apart_sites` rows
        # rows staged as arrays: (lower, upper, length of each, column indices, values)
        self._blocks: list[tuple[np.ndarray, ...]] = []
        self._offset = 0.0
        self._build(cuts)
        for set_cut in sorted(set_cuts):
            g, _, s, _ = set_cut
            if s in self.red.groups[g].costs:
                self.set_cut(*set_cut)

    # building blocks

    def _col(self, cost: float, integer: bool = False, upper: float = 1.0) -> int:
        self._costs.append(cost)
        self._upper.append(upper)
        col = self._flushed + len(self._costs) - 1
        if integer:
            self._integer.append(col)
        return col

    def _objective(self, coef: float, expr: _Expr) -> None:
        for col in expr[0]:
            self._costs[col - self._flushed] += coef
        self._offset += coef * expr[1]

    def _constraint(self, parts: list[tuple[float, _Expr]], lo: float, hi: float) -> None:
        """lo <= sum of coef * expr <= hi, constants moved to the bounds."""
        cols = [c for _, (cs, _) in parts for c in cs]
        vals = [coef for coef, (cs, _) in parts for _ in cs]
        const = sum(coef * k for coef, (_, k) in parts)
        lo, hi = lo - const, hi - const
        if cols:
            self._rows.append((lo, hi, cols, vals))
        elif not (lo <= 1e-9 and hi >= -1e-9):
            raise Infeasible("the avoid constraints cannot all be met with the clouds offered")

    def _product(self, coef: float, p: _Expr, q: _Expr, bound_q: bool = True) -> int | None:
        """coef * p * q in the objective, for 0/1 expressions: a column only if both vary."""
        if not p[0] or not q[0]:
            self._objective(coef * (p[1] if not p[0] else q[1]), q if not p[0] else p)
            return None
        w = self._col(coef)
        if coef < 0:  # a saving: the minimiser pushes w up to min(p, q)
            self._constraint([(1, ([w], 0)), (-1, p)], -math.inf, 0)
            if bound_q:
                self._constraint([(1, ([w], 0)), (-1, q)], -math.inf, 0)
        else:  # a surcharge: pushed down to max(0, p + q - 1)
            self._constraint([(1, ([w], 0)), (-1, p), (-1, q)], -1, math.inf)
        return w

    def ind(self, g: int, s: Site) -> _Expr:
        """1 when group g is on site s."""
        fixed = self.fixed[g]
        if fixed is not None:
            return [], float(fixed == s)
        col = self.x[g].get(s)
        return ([], 0.0) if col is None else ([col], 0.0)

    def in_cloud(self, g: int, cloud: str) -> _Expr:
        """1 when group g is on cloud `cloud`."""
        fixed = self.fixed[g]
        if fixed is not None:
            return [], float(fixed.cloud == cloud)
        return [c for s, c in self.x[g].items() if s.cloud == cloud], 0.0

    # the model

    def _build(self, cuts: Iterable[_Cut]) -> None:
        for group in self.red.groups:
            self._add_group(group)
        shared: dict[tuple[int, int, Site], float] = defaultdict(float)
        for e in self.red.edges:
            self._add_edge(e, shared)
        for (i, j, s), coef in shared.items():
            if coef:
                self._product(coef, self.ind(i, s), self.ind(j, s))
        for i, j in sorted(self.red.avoid):
            clouds = {s.cloud for g in (i, j) for s in self.red.groups[g].costs}
            for k in sorted(clouds):
                self._constraint([(1, self.in_cloud(i, k)), (1, self.in_cloud(j, k))], 0, 1)
        groups = self.red.groups
        pairs = sum(len(groups[i].costs) * len(groups[j].costs) for i, j in self.red.linked)
        for i, j in sorted(self.red.linked):
            self._eager_cuts(i, j, pairs <= EAGER_CUT_BUDGET)
        for cut in sorted(cuts):
            i, j, s, t = cut
            if s in self.red.groups[i].costs and t in self.red.groups[j].costs:
                self.cut(*cut)

    def _add_group(self, group: _Group) -> None:
        if len(group.costs) == 1:
            [(site, cost)] = group.costs.items()
            self.fixed.append(site)
            self.x.append({})
            self._offset += cost
            return
        self.fixed.append(None)
        self.x.append({s: self._col(c, integer=True) for s, c in group.costs.items()})
        self._constraint([(1, (list(self.x[-1].values()), 0))], 1, 1)

    def _add_edge(self, e: _Edge, shared: dict[tuple[int, int, Site], float]) -> None:
        """Egress of A->B as net(src) minus the same-cloud and same-site savings."""
        sa, sb = self.red.groups[e.a].costs, self.red.groups[e.b].costs
        if all(0 <= e.inter[s] <= e.net[s] for s in sa):
            self._add_edge_apart(e)
            return
        for s in sa:
            self._objective(e.net[s], self.ind(e.a, s))
            if s in sb:
                shared[(*_pair(e.a, e.b), s)] -= e.inter[s]
        for k in sorted({t.cloud for t in sb}):
            z = self.in_cloud(e.b, k)
            saving = []
            for s in (s for s in sa if s.cloud == k and e.inter[s] != e.net[s]):
                w = self._product(e.inter[s] - e.net[s], self.ind(e.a, s), z, bound_q=False)
                if w is not None and e.inter[s] < e.net[s]:
                    saving.append(w)
            if saving:  # A is on one site: the savings of a cloud never exceed Z[B,k]
                self._constraint([(1, (saving, 0)), (-1, z)], -math.inf, 0)

    def _add_edge_apart(self, e: _Edge) -> None:
        """Egress of A->B as inter(src) [apart] + (net - inter)(src) [other cloud]."""
        sa = self.red.groups[e.a].costs
        if self.fixed[e.a] is None and self.fixed[e.b] is None:
            self._apart_sites(e)
        else:
            for s in sa:
                self._apart_site(e.inter[s], e.a, e.b, s)
        for k in sorted({s.cloud for s in sa}):
            self._apart_cloud(e.a, e.b, {s: e.net[s] - e.inter[s] for s in sa if s.cloud == k})

    def _apart_site(self, coef: float, a: int, b: int, s: Site) -> None:
        """coef when a is on s and b is not: w >= x[a,s] - x[b,s], pushed down to 0 or 1."""
        (pa, ka), (pb, kb) = self.ind(a, s), self.ind(b, s)
        if coef == 0 or (not pa and ka == 0) or (not pb and kb == 1):
            return
        if not pa:
            self._objective(-coef, (pb, kb - 1))
        elif not pb:
            self._objective(coef, (pa, ka))
        else:
            w = self._col(coef)
            self._rows.append((0.0, math.inf, [w, *pa, *pb], [1.0, -1.0, 1.0]))

    def _apart_sites(self, e: _Edge) -> None:
        """`_apart_site` for every site of A when neither group is fixed, batched: the
        largest models have a few hundred thousand of these rows."""
        xa, xb = self.x[e.a], self.x[e.b]
        costs, flushed = self._costs, self._flushed
        coefs: list[float] = []
        pairs: list[int] = []
        for s, ca in xa.items():
            coef = e.inter[s]
            if coef == 0:
                continue
            cb = xb.get(s)
            if cb is None:  # b is never on s: a on s always pays
                costs[ca - flushed] += coef
            else:
                coefs.append(coef)
                pairs += (ca, cb)
        if coefs:
            first = flushed + len(costs)
            costs += coefs
            self._upper += [1.0] * len(coefs)
            for k in range(len(coefs)):  # w >= x[a,s] - x[b,s]
                self._apart += (first + k, pairs[2 * k], pairs[2 * k + 1])

    def _apart_cloud(self, a: int, b: int, saving: dict[Site, float]) -> None:
        """saving[s] when a is on s and b on another cloud (all s of one cloud k)."""
        cloud = next(iter(saving)).cloud
        zb, kb = self.in_cloud(b, cloud)
        top = max(saving.values())
        if top == 0 or (not zb and kb == 1):
            return
        if not zb:
            for s, d in saving.items():
                self._objective(d, self.ind(a, s))
            return
        fixed = self.fixed[a]
        if fixed is not None:
            self._objective(-saving[fixed], (zb, -1.0))
            return
        # One row per price level θ: w >= sum min(saving[s], θ) x[a,s] - θ Z[b,k]. Each is
        # exact at integer points; together they bound fractional ones far better than the
        # top level alone (a spread over sites of k while b is partly in k still pays).
        w = self._col(1.0, upper=math.inf)
        cols = np.array([w, *(self.x[a][s] for s in saving), *zb], np.int32)
        prices = np.fromiter(saving.values(), float, len(saving))
        levels = np.unique(prices[prices > 0])[:, None]
        vals = np.empty((len(levels), len(cols)))
        vals[:, 0] = 1.0
        vals[:, 1 : 1 + len(prices)] = -np.minimum(prices[None, :], levels)
        vals[:, 1 + len(prices) :] = levels
        rows = len(levels)
        self._blocks.append(
            (
                np.zeros(rows),
                np.full(rows, np.inf),
                np.full(rows, len(cols)),
                np.tile(cols, rows),
                vals.ravel(),
            )
        )

    def _eager_cuts(self, i: int, j: int, every: bool) -> None:
        """All cuts of a linked pair upfront when few (or `every` pair's): each lazy round
        is a whole MIP solve, a few thousand rows more are cheaper."""
        si, sj = self.red.groups[i].costs, self.red.groups[j].costs
        if every or len(si) * len(sj) <= EAGER_LINK_PAIRS or len(si) == 1 or len(sj) == 1:
            for s, t in itertools.product(si, sj):
                if s != t:
                    self.cut(i, j, s, t)

    def cut(self, i: int, j: int, s: Site, t: Site) -> None:
        """L[s,t] >= x[i,s] + x[j,t] - 1: linked groups i on s and j on t pay the link."""
        key = (i, j, s, t)
        if key in self.cuts or self.red.prices.free(s, t):
            return
        self.cuts.add(key)
        link = ([self._link(s, t)], 0.0)
        self._constraint([(1, link), (-1, self.ind(i, s)), (-1, self.ind(j, t))], -1, math.inf)

    def _link(self, s: Site, t: Site) -> int:
        key = _key(s, t)
        if key not in self.links:
            self.links[key] = col = self._col(self.red.prices.link(s, t))
            if s.cloud != t.cloud:
                for site in key:
                    self._constraint(
                        [(1, ([self._gateway(site)], 0)), (-1, ([col], 0))], 0, math.inf
                    )
        return self.links[key]

    def _gateway(self, site: Site) -> int:
        if site not in self.gateways:
            self.gateways[site] = self._col(self.red.prices.gateway(site))
        return self.gateways[site]

    # solving

    def relax(self) -> None:
        """Make every column continuous: the LP relaxation, for reduced-cost fixing."""
        self._flush()
        n = self.h.getNumCol()
        self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, np.uint8))
        # Presolve is 90% of the first LP's time here and reduces little; the re-solves after
        # each round of cuts start from the previous basis anyway.
        self._presolve = "off"
        # Scaling costs a third of every re-solve here and the catalog's numbers need none.
        self.h.setOptionValue("simplex_scale_strategy", 0)

    def violated_cuts(self, values: np.ndarray) -> list[_Cut]:
        """The cuts the (fractional) point `values` violates: x[i,s] + x[j,t] - 1 > L[s,t]."""
        out = []
        support = self._supports(values)
        for i, j in sorted(self.red.linked):
            on_i, on_j = support[i], support[j]
            for (s, p), (t, q) in itertools.product(on_i, on_j):
                if s == t or (i, j, s, t) in self.cuts or self.red.prices.free(s, t):
                    continue
                link = self.links.get(_key(s, t))
                if p + q - 1 > (0.0 if link is None else values[link]) + 1e-9:
                    out.append((i, j, s, t))
        return out

    def violated_set_cuts(self, values: np.ndarray) -> list[_SetCut]:
        """Links and gateways a fractional point escapes by spreading a partner over the
        (often equally priced) sites of another cloud: with g on s and its partner h in
        cloud k, s links to some site of k, sum_t L[s,t] >= x[g,s] + Z[h,k] - 1, and has a
        gateway, G[s] >= x[g,s] + Z[h,k] - 1. Each L[s,t] alone only gets x[g,s] + x[h,t] - 1."""
        out = []
        support = self._supports(values)
        for i, j in sorted(self.red.linked):
            for g, h in ((i, j), (j, i)):
                clouds: dict[str, float] = defaultdict(float)
                for t, q in support[h]:
                    clouds[t.cloud] += q
                for s, p in support[g]:
                    for k, q in clouds.items():
                        if k == s.cloud or (g, h, s, k) in self.set_cuts or p + q - 1 <= 1e-6:
                            continue
                        far = [t for t in self._options(h) if t.cloud == k]
                        paid = sum(
                            values[c] for t in far if (c := self.links.get(_key(s, t))) is not None
                        )
                        gate = self.gateways.get(s)
                        gated = 0.0 if gate is None or gate >= len(values) else values[gate]
                        if p + q - 1 > min(paid, gated) + 1e-6:
                            out.append((g, h, s, k))
        return out

    def set_cut(self, g: int, h: int, s: Site, k: str) -> None:
        """The two rows of `violated_set_cuts` for g on s and h in cloud k."""
        far = [t for t in self._options(h) if t.cloud == k]
        if not far or s.cloud == k or (g, h, s, k) in self.set_cuts:
            return
        self.set_cuts.add((g, h, s, k))
        z = self.in_cloud(h, k)
        links = ([self._link(s, t) for t in far], 0.0)
        self._constraint([(1, links), (-1, self.ind(g, s)), (-1, z)], -1, math.inf)
        gateway = ([self._gateway(s)], 0.0)
        self._constraint([(1, gateway), (-1, self.ind(g, s)), (-1, z)], -1, math.inf)

    def options_in(self, g: int, cloud: str) -> list[Site]:
        """Group g's sites in `cloud`."""
        return [s for s in self._options(g) if s.cloud == cloud]

    def _options(self, g: int) -> list[Site]:
        fixed = self.fixed[g]
        return [fixed] if fixed is not None else list(self.x[g])

    def _supports(self, values: np.ndarray) -> list[list[tuple[Site, float]]]:
        """Per group, the sites the point `values` puts some of it on, with how much."""
        return [
            [(fixed, 1.0)]
            if fixed is not None
            else [(s, float(values[c])) for s, c in x.items() if values[c] > 1e-9]
            for fixed, x in zip(self.fixed, self.x, strict=True)
        ]

    def ties(self, i: int, j: int, s: Site, t: Site) -> list[_Cut]:
        """The cut (i, j, s, t) and those of the sites tied with s for i and with t for j:
        catalog prices are often equal across regions of a cloud, and without these cuts
        the next solve hops to an equally priced site pair whose link it does not charge."""
        return [(i, j, u, v) for u in self._tied(i, s) for v in self._tied(j, t) if u != v]

    def clouds_of(self, i: int, j: int, s: Site, t: Site) -> list[_Cut]:
        """The cut (i, j, s, t) and those of every site pair in the same two clouds, when
        there are not too many: one round then settles the pair for those clouds, where
        adding only the violated cut lets the next LP hop to a neighbouring region."""
        si = [u for u in self.red.groups[i].costs if u.cloud == s.cloud]
        sj = [v for v in self.red.groups[j].costs if v.cloud == t.cloud]
        if len(si) * len(sj) > CLOUD_CUTS:
            return self.ties(i, j, s, t)
        return [(i, j, u, v) for u in si for v in sj if u != v]

    def _tied(self, g: int, s: Site) -> list[Site]:
        costs = self.red.groups[g].costs
        return [u for u, c in costs.items() if u.cloud == s.cloud and abs(c - costs[s]) <= 1e-9]

    def missing_cuts(self, sites: list[Site]) -> list[_Cut]:
        """The cuts the choice `sites` violates: its links the model does not charge."""
        cuts = ((i, j, sites[i], sites[j]) for i, j in sorted(self.red.linked))
        return [
            c
            for c in cuts
            if c[2] != c[3] and c not in self.cuts and not self.red.prices.free(*c[2:])
        ]

    def _reports_its_solution(self) -> bool:
        """Whether the objective HiGHS reports is that of the solution it returns. Seen to
        fail (HiGHS 1.16) after a start was handed in: a value below the LP bound, reported
        optimal, with another solution returned."""
        info = self.h.getInfo()
        if info.primal_solution_status != 2:  # kSolutionStatusFeasible
            return True
        lp = self.h.getLp()
        values = np.array(self.h.getSolution().col_value)
        value = float(values @ np.array(lp.col_cost_)) + lp.offset_
        reported = info.objective_function_value
        return abs(value - reported) <= 1e-7 * max(1.0, abs(value))

    def _solve_cold(self, deadline: float | None) -> None:
        """Solve the same model again in a fresh HiGHS instance, without a start."""
        lp = self.h.getLp()
        self.h = _quiet_highs()
        self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        if deadline is not None:
            self.h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.0))
        self.h.passModel(lp)
        self.h.run()

    def warm_start(self, sites: list[Site]) -> None:
        """Start the next solve from the choice `sites`, every column valued: the LP with x
        fixed to the choice gives the others. (A partial start is unsafe: HiGHS 1.16 may
        complete it with continuous columns at 0, keep it priced too low and call it
        optimal.) A good start lets HiGHS skip its search for one: often most of a solve."""
        self._flush()
        n = self.h.getNumCol()
        if n == 0:
            return
        lp = _quiet_highs()
        lp.passModel(self.h.getLp())
        lp.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, np.uint8))
        for g, x in enumerate(self.x):
            for s, c in x.items():
                value = float(sites[g] == s)
                lp.changeColBounds(c, value, value)
        lp.run()
        if lp.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            values = np.array(lp.getSolution().col_value)
            self.h.setSolution(n, np.arange(n, dtype=np.int32), values)
            self._start = values

    def run(self, deadline: float | None) -> highspy.HighsModelStatus:
        self._flush()
        if deadline is not None:
            self.h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.0))
        self.h.setOptionValue("presolve", self._presolve)
        self.h.run()
        if self._start is not None and not self._reports_its_solution():
            # Seen with presolve on: "optimal" at a bound never reached, the start returned.
            # The same start without presolve has been right; cold is the last resort.
            self.h.setOptionValue("presolve", "off")
            self.h.setSolution(
                len(self._start), np.arange(len(self._start), dtype=np.int32), self._start
            )
            self.h.run()
            if not self._reports_its_solution():
                self._solve_cold(deadline)
        self._start = None
        self.rounds += 1
        empty = self.h.getNumCol() == 0  # HiGHS then reports 0, without the offset
        self.objective = self._offset if empty else self.h.getInfo().objective_function_value
        return self.h.getModelStatus()

    def bound(self) -> float:
        """The last solve's proven lower bound on the model, so on every choice: the model
        holds only valid cuts, a relaxation of the whole problem."""
        if self.h.getNumCol() == 0:
            return self.objective
        return float(self.h.getInfo().mip_dual_bound)

    def solution(self) -> list[Site] | None:
        """The incumbent's site per group, or None when HiGHS has none."""
        if all(f is not None for f in self.fixed):
            return [f for f in self.fixed if f is not None]
        if self.h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
            return None
        values = self.h.getSolution().col_value
        return [
            fixed if fixed is not None else max(x, key=lambda s, x=x: values[x[s]])  # type: ignore[misc]
            for fixed, x in zip(self.fixed, self.x, strict=True)
        ]

    def _flush(self) -> None:
        """Hand the staged columns and rows to HiGHS."""
        n = len(self._costs)
        if n:
            empty = np.zeros(0, np.int32)
            self.h.addCols(
                n,
                np.array(self._costs),
                np.zeros(n),
                np.array(self._upper),
                0,
                np.zeros(n, np.int32),
                empty,
                np.zeros(0),
            )
            if self._integer:
                cols = np.array(self._integer, np.int32)
                kinds = np.full(len(cols), highspy.HighsVarType.kInteger.value, np.uint8)
                self.h.changeColsIntegrality(len(cols), cols, kinds)
            self._flushed += n
            self._costs, self._integer, self._upper = [], [], []
        blocks = self._blocks
        if self._rows:
            rows = self._rows
            lengths = np.array([len(r[2]) for r in rows])
            index = np.array([c for r in rows for c in r[2]], np.int32)
            value = np.array([v for r in rows for v in r[3]])
            blocks.append(
                (
                    np.array([r[0] for r in rows]),
                    np.array([r[1] for r in rows]),
                    lengths,
                    index,
                    value,
                )
            )
        if self._apart:  # w - x[a,s] + x[b,s] >= 0
            index = np.array(self._apart, np.int32)
            n = len(index) // 3
            value = np.tile([1.0, -1.0, 1.0], n)
            blocks.append((np.zeros(n), np.full(n, np.inf), np.full(n, 3), index, value))
        if blocks:
            lower, upper, lengths, index, value = (
                np.concatenate(part) for part in zip(*blocks, strict=True)
            )
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int32)
            index = index.astype(np.int32)
            self.h.addRows(len(lower), lower, upper, len(index), starts, index, value)
        self._rows, self._apart, self._blocks = [], [], []
        self.h.changeObjectiveOffset(self._offset)


def _check_priced(objective: float, total: float) -> None:
    """With every cut of the incumbent present the model prices it exactly; a difference
    means the model (or the solver) is wrong, and "optimal" would be a lie."""
    if abs(objective - total) > 1e-6 * max(1.0, abs(total)):
        raise RuntimeError(f"optimiser: model objective {objective} != cost {total}")


def _lazy_loop(
    red: _Reduced, model: _Model, deadline: float | None, fixing: _Fixing
) -> tuple[list[Site], bool, _Model, int]:
    """Solve, add the link cuts the incumbent misses, repeat; (sites, proven optimal, the
    last model, MIP solves). A cheaper incumbent lets `fixing` drop more options: the model
    is then rebuilt smaller, with the cuts found so far."""
    best = fixing.incumbent
    rounds = 0
    while True:
        if best is not None:
            model.warm_start(best[1])
        status = model.run(deadline)
        rounds += 1
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise Infeasible("the avoid constraints cannot all be met with the clouds offered")
        sites = model.solution()
        improved = False
        if sites is not None:
            total = evaluate(red.problem, red.choice(sites)).total
            if best is None or total < best[0]:
                best, improved = (total, sites), True
        if best is None:
            raise TimeoutError(
                f"no placement found in time (HiGHS: {model.h.modelStatusToString(status)})"
            )
        done = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty)
        if status not in done or sites is None:
            return best[1], False, model, rounds
        missing = model.missing_cuts(sites)
        if not missing:
            _check_priced(model.objective, total)
            return best[1], True, model, rounds
        # The solution skipped links it needs; local moves from it often reach a choice
        # cheaper than any known (then fixing drops more and the next model is smaller).
        repaired = _descended(red, sites, [list(g.costs) for g in red.groups], compound=True)
        cost = evaluate(red.problem, red.choice(repaired)).total
        if cost < best[0]:
            best, improved = (cost, repaired), True
        if best[0] <= model.bound() + MIP_REL_GAP * max(1.0, abs(best[0])):
            return best[1], True, model, rounds  # the model relaxes the problem: a bound
        for cut in missing:
            for tied in model.clouds_of(*cut):
                model.cut(*tied)
        if improved and fixing.refix(red, *best):
            model = _Model(red, model.cuts, model.set_cuts)
