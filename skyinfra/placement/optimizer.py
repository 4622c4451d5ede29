"""The exact placement optimiser: one mixed-integer program, solved by HiGHS.

Why a MIP: flows couple resources (egress pulls a group next to its data) and a link is a
fixed cost shared by every flow between two sites, so the best choice is not per resource.

Reduction, exact, before any model is built:
- colocated resources merge into one *group* whose options are the sites all members offer,
  at the sum of their costs; flows inside a group cost nothing and are dropped;
- flows between the same two groups are summed per source site;
- dominated options are pruned (`_prune`): option s of a group is dropped when moving the
  group from s to a kept option t can never cost more, wherever the other groups are.

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
missing, add them, re-solve warm-started from the best choice so far; stop when the incumbent
misses no cut. The model then holds only valid cuts (it relaxes the full problem) and prices
the incumbent exactly, so the incumbent is optimal (to `MIP_REL_GAP`).
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

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
PRUNE_ROUNDS = 4  # each round prunes against the previous round's (smaller) option sets


class Infeasible(Exception):
    """The colocate / avoid constraints cannot all be met with the options offered."""


@dataclass(frozen=True)
class Stats:
    """How a solve went: for benchmarks and tests, not for users."""

    rounds: int  # MIP solves of the lazy link loop
    objective: float  # the last MIP's objective (== the solution's total when optimal)
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
    if prune:
        _prune(red)
    model = _Model(red)
    sites, optimal = _lazy_loop(red, model, None if time_limit is None else start + time_limit)
    stats = Stats(
        rounds=model.rounds,
        objective=model.objective,
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
    avoids: bool = False  # bound by an avoid rule: pruning may not move it to another cloud


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
        key = (a, b) if a < b else (b, a)
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
        groups[i].avoids = groups[j].avoids = True
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
# Moving group A from site s to site t changes only A's cost, the egress of A's flows and the
# links of A's linked flows (links can only be added at t: those at s may vanish, which, with
# non-negative link prices, never costs). So if
#     cost(t) - cost(s) + sum over A's edges of max_u [price(t, u) - price(s, u)]
#                       + (the most the links from t can add)  <= 0,
# where u ranges over the partner's sites, moving A from s to t never costs more, wherever the
# others are: some optimum avoids s. t ranges over "anchors" (the cheapest site of each cloud),
# which are only dropped in favour of an earlier (cheaper) anchor, so every chain of moves ends
# at a kept site. Groups bound by an avoid rule only move within a cloud, so avoid still holds.


@dataclass(frozen=True)
class _Side:
    """A group's sites as its partners see them during one pruning round."""

    sites: frozenset[Site]
    clouds: Counter[str]

    def others(self, cloud: str, *excluded: Site) -> bool:
        """Whether it has a site in `cloud` other than `excluded`."""
        return self.clouds[cloud] > sum(s in self.sites and s.cloud == cloud for s in excluded)


def _prune(red: _Reduced) -> None:
    """Drop dominated options until a round drops nothing (or `PRUNE_ROUNDS`)."""
    pruner = _Pruner(red)
    for _ in range(PRUNE_ROUNDS):
        if not pruner.round():
            return


class _Pruner:
    """Each round bounds moves against the option sets the round started with, a superset
    of where the partners end up, so every drop of the round stays justified."""

    def __init__(self, red: _Reduced) -> None:
        self.red = red
        self.out_edges: dict[int, list[_Edge]] = defaultdict(list)
        self.in_edges: dict[int, list[_Edge]] = defaultdict(list)
        for e in red.edges:
            self.out_edges[e.a].append(e)
            self.in_edges[e.b].append(e)
        self.partners: dict[int, list[int]] = defaultdict(list)
        for i, j in red.linked:
            self.partners[i].append(j)
            self.partners[j].append(i)
        self.bounds = _link_bounds(red) if red.linked else {}
        self.sides: list[_Side] = []
        self.savings: dict[int, dict[str, tuple[float, float]]] = {}

    def round(self) -> bool:
        """One pass over the groups; whether it dropped anything."""
        groups = self.red.groups
        self.sides = [_Side(frozenset(g.costs), Counter(s.cloud for s in g.costs)) for g in groups]
        self.savings = {id(e): _savings(e, groups[e.a].costs) for e in self.red.edges}
        changed = False
        for g, group in enumerate(groups):
            if len(group.costs) > 1:
                dropped = _dominated(group, lambda s, t, g=g: self.delta(g, s, t))  # type: ignore[misc]
                for s in dropped:
                    del group.costs[s]
                changed |= bool(dropped)
        return changed

    def delta(self, g: int, s: Site, t: Site) -> float:
        """The most moving group g from s to t can add in egress and links."""
        sides = self.sides
        return (
            sum(_delta_out(e, s, t, sides[e.b]) for e in self.out_edges[g])
            + sum(_delta_in(e, s, t, sides[e.a], self.savings[id(e)]) for e in self.in_edges[g])
            + _link_growth(t, [sides[p] for p in self.partners[g]], self.bounds)
        )


def _dominated(group: _Group, delta: Callable[[Site, Site], float]) -> list[Site]:
    """Sites of `group` some anchor dominates (see the comment above `_Side`)."""
    order = sorted(group.costs, key=lambda s: (group.costs[s], s))
    rank = {s: i for i, s in enumerate(order)}
    anchors: dict[str, Site] = {}
    for s in order:
        anchors.setdefault(s.cloud, s)
    dropped = []
    for s in order[1:]:
        is_anchor = anchors[s.cloud] == s
        for t in anchors.values():
            if t == s or (group.avoids and t.cloud != s.cloud) or (is_anchor and rank[t] > rank[s]):
                continue
            if group.costs[t] - group.costs[s] + delta(s, t) <= 0:
                dropped.append(s)
                break
    return dropped


def _savings(e: _Edge, sites: Iterable[Site]) -> dict[str, tuple[float, float]]:
    """Per cloud, over the source's sites: max of (net - inter) and of (inter - net)."""
    out: dict[str, tuple[float, float]] = {}
    for u in sites:
        d = e.net[u] - e.inter[u]
        hi, lo = out.get(u.cloud, (-math.inf, -math.inf))
        out[u.cloud] = (max(hi, d), max(lo, -d))
    return out


def _delta_out(e: _Edge, s: Site, t: Site, target: _Side) -> float:
    """Max over the target's sites u of price(t, u) - price(s, u): A is the source."""
    diffs = []
    if s in target.sites:
        diffs.append(e.price(t, s))
    if t in target.sites:
        diffs.append(-e.price(s, t))
    for k in target.clouds:
        if target.others(k, s, t):
            at_t = e.inter[t] if t.cloud == k else e.net[t]
            at_s = e.inter[s] if s.cloud == k else e.net[s]
            diffs.append(at_t - at_s)
    return max(diffs)


def _delta_in(
    e: _Edge, s: Site, t: Site, source: _Side, savings: Mapping[str, tuple[float, float]]
) -> float:
    """Max over the source's sites u of price(u, t) - price(u, s): A is the target.

    For u in a third place the difference is 0 (same cloud as both, or neither) or the
    source's (net - inter) either way round; the per-cloud maxima may include u = s or t,
    which only loosens the bound.
    """
    diffs = []
    if s in source.sites:
        diffs.append(e.price(s, t))
    if t in source.sites:
        diffs.append(-e.price(t, s))
    for k in source.clouds:
        if not source.others(k, s, t):
            continue
        if s.cloud == t.cloud or k not in (s.cloud, t.cloud):
            diffs.append(0.0)
        else:
            diffs.append(savings[k][0] if k == s.cloud else savings[k][1])
    return max(diffs)


@dataclass(frozen=True)
class _LinkBound:
    """At one site: the dearest link to a site of its cloud, and to another cloud (with that
    site's gateway); its own gateway."""

    same: float
    cross: float
    gateway: float


def _link_bounds(red: _Reduced) -> dict[Site, _LinkBound]:
    """`_LinkBound` of every site a linked group may use, over all those sites."""
    linked = {g for pair in red.linked for g in pair}
    sites = sorted({s for g in linked for s in red.groups[g].costs})
    p = red.prices
    out = {}
    for t in sites:
        same = [p.link(t, u) for u in sites if u.cloud == t.cloud and u != t]
        cross = [p.link(t, u) + p.gateway(u) for u in sites if u.cloud != t.cloud]
        out[t] = _LinkBound(max(same, default=0.0), max(cross, default=0.0), p.gateway(t))
    return out


def _link_growth(t: Site, partners: list[_Side], bounds: Mapping[Site, _LinkBound]) -> float:
    """The most that moving to t can add in links and gateways for its linked partners."""
    if not partners:
        return 0.0
    bound, total, any_cross = bounds[t], 0.0, False
    for p in partners:
        grow = bound.same if p.others(t.cloud, t) else 0.0
        if any(k != t.cloud for k in p.clouds):
            grow, any_cross = max(grow, bound.cross), True
        total += grow
    return total + (bound.gateway if any_cross else 0.0)


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

    def __init__(self, red: _Reduced) -> None:
        self.red = red
        self.h = _quiet_highs()
        self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self.rounds, self.objective = 0, math.nan
        self.fixed: list[Site | None] = []
        self.x: list[dict[Site, int]] = []
        self.links: dict[tuple[Site, Site], int] = {}
        self.gateways: dict[Site, int] = {}
        self.cuts: set[tuple[int, int, Site, Site]] = set()
        self._flushed = 0
        self._costs: list[float] = []
        self._integer: list[int] = []
        self._upper: list[float] = []
        self._rows: list[tuple[float, float, list[int], list[float]]] = []
        self._offset = 0.0
        self._warm: list[Site] | None = None
        self._build()

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

    def _build(self) -> None:
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
        for i, j in sorted(self.red.linked):
            self._eager_cuts(i, j)

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

    def _apart_cloud(self, a: int, b: int, saving: dict[Site, float]) -> None:
        """saving[s] when a is on s and b on another cloud (all s of one cloud k):
        w >= sum saving[s] x[a,s] - max(saving) Z[b,k]."""
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
        w = self._col(1.0, upper=math.inf)
        cols = [w, *(self.x[a][s] for s in saving), *zb]
        vals = [1.0, *(-d for d in saving.values()), *(top for _ in zb)]
        self._rows.append((0.0, math.inf, cols, vals))

    def _eager_cuts(self, i: int, j: int) -> None:
        """All cuts of a linked pair upfront when few: saves lazy rounds for nothing."""
        si, sj = self.red.groups[i].costs, self.red.groups[j].costs
        if len(si) * len(sj) <= EAGER_LINK_PAIRS or len(si) == 1 or len(sj) == 1:
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
        key = (s, t) if s < t else (t, s)
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

    def missing_cuts(self, sites: list[Site]) -> list[tuple[int, int, Site, Site]]:
        """The cuts the choice `sites` violates: its links the model does not charge."""
        cuts = ((i, j, sites[i], sites[j]) for i, j in sorted(self.red.linked))
        return [
            c
            for c in cuts
            if c[2] != c[3] and c not in self.cuts and not self.red.prices.free(*c[2:])
        ]

    def warm_start(self, sites: list[Site]) -> None:
        """Hand HiGHS a known choice (with its links) so the next round starts bounded."""
        self._warm = sites

    def run(self, deadline: float | None) -> highspy.HighsModelStatus:
        self._flush()
        if deadline is not None:
            self.h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.0))
        if self._warm is not None:
            index, value = self._start(self._warm)
            self.h.setSolution(len(index), np.array(index, np.int32), np.array(value))
        self.h.run()
        self.rounds += 1
        self.objective = self.h.getInfo().objective_function_value
        return self.h.getModelStatus()

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

    def _start(self, sites: list[Site]) -> tuple[list[int], list[float]]:
        used = {
            (a, b) if a < b else (b, a)
            for i, j in self.red.linked
            if (a := sites[i]) != (b := sites[j])
        }
        gates = {s for a, b in used if a.cloud != b.cloud for s in (a, b)}
        pairs = [(c, float(sites[g] == s)) for g, x in enumerate(self.x) for s, c in x.items()]
        pairs += [(c, float(k in used)) for k, c in self.links.items()]
        pairs += [(c, float(s in gates)) for s, c in self.gateways.items()]
        return [c for c, _ in pairs], [v for _, v in pairs]

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
        if self._rows:
            starts = np.cumsum([0] + [len(r[2]) for r in self._rows[:-1]]).astype(np.int32)
            index = np.array([c for r in self._rows for c in r[2]], np.int32)
            value = np.array([v for r in self._rows for v in r[3]])
            lower = np.array([r[0] for r in self._rows])
            upper = np.array([r[1] for r in self._rows])
            self.h.addRows(len(self._rows), lower, upper, len(index), starts, index, value)
            self._rows = []
        self.h.changeObjectiveOffset(self._offset)


def _lazy_loop(red: _Reduced, model: _Model, deadline: float | None) -> tuple[list[Site], bool]:
    """Solve, add the link cuts the incumbent misses, repeat; (sites, proven optimal)."""
    best: tuple[float, list[Site]] | None = None
    while True:
        status = model.run(deadline)
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise Infeasible("the avoid constraints cannot all be met with the clouds offered")
        sites = model.solution()
        if sites is not None:
            total = evaluate(red.problem, red.choice(sites)).total
            if best is None or total < best[0]:
                best = (total, sites)
        if best is None:
            raise TimeoutError(
                f"no placement found in time (HiGHS: {model.h.modelStatusToString(status)})"
            )
        done = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty)
        if status not in done or sites is None:
            return best[1], False
        missing = model.missing_cuts(sites)
        if not missing:
            return best[1], True
        for cut in missing:
            model.cut(*cut)
        model.warm_start(best[1])
