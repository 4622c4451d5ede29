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
- egress of the flows A->B: sum_s net(s) x[A,s] - sum_s (net(s) - far(s)) v[s]
  - sum_s (far(s) - inter(s)) r[s] - sum_s inter(s) u[s], with v[s] = x[A,s] Z[B,cloud(s)]
  (same cloud), r[s] = x[A,s] Y[B,group(s)] (same region group; Y like Z over the group's
  sites) and u[s] = x[A,s] x[B,s] (same site; one u per site shared by both directions).
  Each product is bounded on the side its cost sign needs (w <= p, w <= q for a saving;
  w >= p + q - 1 for a surcharge), so the linearisation is exact for prices of any sign; the
  saving v's of one cloud (r's of one group) share the row sum v <= Z[B,k] instead of one row
  each. When 0 <= inter <= far <= net at every source site, the same cost is written as
  surcharges for being apart (site, group, cloud), which bounds fractional points better;
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

Modules, in the order a solve uses them: `presolve` (groups, summed flows, pruning), `fixing`
(reduced-cost fixing), `model` (the MIP over the reduced problem and its cut separation, on
`highs`: the HiGHS instance, batched columns and rows, solves and warm starts), `moves` (local
search) and `lazy` (the loop). This module is the entry point: `solve` and the baselines.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass

from skyinfra.placement.problem import (
    AutoTooLarge,
    PlacementProblem,
    Solution,
    evaluate,
    feasible,
)
from skyinfra.placement.solver.auto import AUTO_PLACEMENT_LIMIT, solve_auto
from skyinfra.placement.solver.fixing import _fix_by_reduced_costs, _Fixing
from skyinfra.placement.solver.highs import MIP_REL_GAP
from skyinfra.placement.solver.lazy import _lazy_loop
from skyinfra.placement.solver.model import _Model
from skyinfra.placement.solver.presolve import (
    Infeasible,
    _check_avoid,
    _choice_of,
    _merge,
    _prune,
    _reduce,
)
from skyinfra.site import Site

__all__ = [
    "AUTO_PLACEMENT_LIMIT",
    "BRUTE_FORCE_LIMIT",
    "MIP_REL_GAP",
    "AutoTooLarge",
    "Infeasible",
    "Stats",
    "brute_force",
    "greedy",
    "solve",
    "solve_with_stats",
]

BRUTE_FORCE_LIMIT = 200_000  # combinations `brute_force` accepts to enumerate


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
    """`solve`, with how it went; `prune=False` skips option pruning (to test it is exact).
    `peering.mode: auto` (`problem.auto`) is enumerated instead (`solver.auto`)."""
    start = time.monotonic()
    if problem.auto is not None:
        return _auto_stats(problem, start)
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


def _auto_stats(problem: PlacementProblem, start: float) -> tuple[Solution, Stats]:
    solution = solve_auto(problem)
    options = sum(len(o) for o in problem.options.values())
    seconds = time.monotonic() - start
    return solution, Stats(0, solution.total, True, options, options, 0, 0, 0, seconds)


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
