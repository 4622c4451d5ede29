"""The HiGHS side of the model: columns and rows staged in batches, solves, warm starts and
the workarounds for HiGHS reporting what it did not find."""

from __future__ import annotations

import math
import os
import sys
import time

import highspy
import numpy as np

from skyinfra.placement.solver.presolve import Infeasible
from skyinfra.site import Site

MIP_REL_GAP = 1e-7  # HiGHS stops within this relative gap of the proven bound

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


class _Program:
    """A HiGHS instance fed in batches (`_flush` hands the staged columns and rows over
    before each solve), with one binary column per option of each group (`x`) or the
    group's only site (`fixed`): what `_Model` builds the placement on."""

    def __init__(self) -> None:
        self.h = _quiet_highs()
        self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self.rounds, self.objective = 0, math.nan
        self.fixed: list[Site | None] = []
        self.x: list[dict[Site, int]] = []
        self._start: np.ndarray | None = None  # handed to HiGHS for the next solve
        self._presolve = "choose"
        self._flushed = 0
        self._costs: list[float] = []
        self._integer: list[int] = []
        self._upper: list[float] = []
        self._rows: list[tuple[float, float, list[int], list[float]]] = []
        self._apart: list[int] = []  # (w, x[a,s], x[b,s]) triples of `_apart_sites` rows
        # rows staged as arrays: (lower, upper, length of each, column indices, values)
        self._blocks: list[tuple[np.ndarray, ...]] = []
        self._offset = 0.0

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
