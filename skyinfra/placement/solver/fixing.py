"""Reduced-cost fixing: the LP relaxation's bound drops options that cannot beat a known
choice."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np

from skyinfra.placement.problem import evaluate, feasible
from skyinfra.placement.solver.model import _Model
from skyinfra.placement.solver.moves import _descended
from skyinfra.placement.solver.presolve import _Cut, _Reduced, _SetCut
from skyinfra.site import Site

#
# The LP relaxation of the model, with the link cuts its own solutions violate added until
# none is, is a relaxation of the whole problem: its optimum LB bounds every choice, and LB
# plus the reduced cost rc of x[g,s] bounds every choice putting g on s. A choice rounded from
# the LP, priced exactly, gives UB; every option with LB + rc > UB can only be in choices
# dearer than that one, so it goes (the rounded choice's own options have rc = 0 and stay).
# The catalog's prices make the LP nearly integral, so most options go, and the MIP that
# follows is small. Exact for any prices; skipped when the LP or the rounding fails.

LP_CUT_ROUNDS = 50  # separation rounds before the LP bound is used as it is


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


def _rounded(x: dict[Site, int], values: np.ndarray, fixed: Site | None) -> Site:
    if fixed is not None:
        return fixed
    return max(x, key=lambda s: (values[x[s]], s))
