"""The local search prices a move exactly as `evaluate` prices the two choices."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyinfra.placement.problem import PlacementProblem, evaluate, feasible
from skyinfra.placement.solver.moves import _Moves
from skyinfra.placement.solver.presolve import Infeasible, _reduce
from tests.placement.test_optimality import problems


@settings(max_examples=150, deadline=None)
@given(problems(), st.data())
def test_a_move_costs_what_evaluate_says(problem: PlacementProblem, data: st.DataObject) -> None:
    try:
        red = _reduce(problem)
    except Infeasible:  # colocation or avoid cannot hold: nothing to move
        return
    sites = [data.draw(st.sampled_from(sorted(g.costs))) for g in red.groups]
    if not feasible(problem, red.choice(sites)):
        return
    moves = _Moves(red, sites)
    for _ in range(3):
        g = data.draw(st.integers(0, len(red.groups) - 1))
        b = data.draw(st.sampled_from(sorted(red.groups[g].costs)))
        if b == moves.sites[g]:
            continue
        trial = [*moves.sites[:g], b, *moves.sites[g + 1 :]]
        delta = moves.delta(g, b)
        if not feasible(problem, red.choice(trial)):
            assert delta == math.inf
            continue
        before = evaluate(problem, red.choice(moves.sites)).total
        after = evaluate(problem, red.choice(trial)).total
        assert delta == pytest.approx(after - before, abs=1e-6)
        moves.apply(g, b)
        assert moves.sites == trial


@settings(max_examples=150, deadline=None)
@given(problems(), st.data())
def test_a_compound_move_is_made_only_when_it_lowers_the_total(
    problem: PlacementProblem, data: st.DataObject
) -> None:
    try:
        red = _reduce(problem)
    except Infeasible:
        return
    sites = [data.draw(st.sampled_from(sorted(g.costs))) for g in red.groups]
    if not feasible(problem, red.choice(sites)):
        return
    moves = _Moves(red, sites)
    picked = data.draw(st.lists(st.integers(0, len(red.groups) - 1), min_size=1, max_size=3))
    wanted = [(g, data.draw(st.sampled_from(sorted(red.groups[g].costs)))) for g in picked]
    before = evaluate(problem, red.choice(sites)).total
    made = moves.attempt(wanted)
    after = evaluate(problem, red.choice(moves.sites))
    if made:
        assert feasible(problem, red.choice(moves.sites))
        assert after.total < before - 1e-9
    else:
        assert moves.sites == sites  # undone, every move
    # the incremental state still prices the next move like `evaluate`
    g = picked[0]
    for b in sorted(red.groups[g].costs):
        trial = [*moves.sites[:g], b, *moves.sites[g + 1 :]]
        if b != moves.sites[g] and feasible(problem, red.choice(trial)):
            expected = evaluate(problem, red.choice(trial)).total - after.total
            assert moves.delta(g, b) == pytest.approx(expected, abs=1e-6)
