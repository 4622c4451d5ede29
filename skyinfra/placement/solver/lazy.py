"""The lazy link loop: solve, add the link cuts the incumbent misses, repeat."""

from __future__ import annotations

import highspy

from skyinfra.placement.problem import evaluate
from skyinfra.placement.solver.fixing import _Fixing
from skyinfra.placement.solver.highs import MIP_REL_GAP
from skyinfra.placement.solver.model import _Model
from skyinfra.placement.solver.moves import _descended
from skyinfra.placement.solver.presolve import Infeasible, _Reduced
from skyinfra.site import Site


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
