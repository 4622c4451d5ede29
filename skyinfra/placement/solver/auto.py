"""`peering.mode: auto` solved exactly by enumeration, within a bound.

Each placement's links get their best modes (`problem.evaluate`, which enumerates the modes
of the links an interconnect could serve, since a site's VPN gateway is shared between its
links), and every placement of the colocated groups is priced: the optimum is exact, joint
in placement and modes. The MIP (`solver.model`) does not model the mode choice yet, so a
problem with more placements than `AUTO_PLACEMENT_LIMIT` is refused (`AutoTooLarge`)
rather than solved by a heuristic.
"""

from __future__ import annotations

import itertools
import math

from skyinfra.placement.problem import (
    AutoTooLarge,
    PlacementProblem,
    Solution,
    evaluate,
    feasible,
)
from skyinfra.placement.solver.presolve import Infeasible, _choice_of, _merge

AUTO_PLACEMENT_LIMIT = 20_000  # placements of the colocated groups `auto` enumerates


def solve_auto(problem: PlacementProblem, limit: int = AUTO_PLACEMENT_LIMIT) -> Solution:
    """The cheapest feasible placement with its links' best modes; AutoTooLarge beyond
    `limit` placements, Infeasible when colocate/avoid cannot be met."""
    groups, _ = _merge(problem)
    size = math.prod(len(g.costs) for g in groups)
    if size > limit:
        raise AutoTooLarge(
            f"{size:,} placements to weigh (auto is solved exactly by enumeration, up to {limit:,})"
        )
    best: Solution | None = None
    for sites in itertools.product(*(sorted(g.costs) for g in groups)):
        choice = _choice_of(problem, groups, list(sites))
        if not feasible(problem, choice):
            continue
        solution = evaluate(problem, choice)
        if best is None or solution.total < best.total - 1e-9:
            best = solution
    if best is None:
        raise Infeasible("no placement meets the colocate and avoid constraints")
    return best
