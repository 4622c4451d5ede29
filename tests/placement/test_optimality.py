"""The optimiser is exact: on small random instances it matches brute force."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyinfra.catalog import Catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.place import problem_of
from skyinfra.placement.problem import (
    AutoLinks,
    Charge,
    Flow,
    Option,
    PlacementProblem,
    SiteFee,
    evaluate,
    feasible,
)
from skyinfra.placement.solver import Infeasible, brute_force, greedy, solve, solve_with_stats
from skyinfra.site import Site

SITES = [
    Site("aws", "us-east-1"),
    Site("aws", "eu-west-1"),
    Site("gcp", "us-central1"),
    Site("gcp", "europe-west4"),
    Site("azure", "westeurope"),
    Site("aws", "us-east-2"),  # with us-east-1, a region group of two
    Site("gcp", "europe-west1"),  # with europe-west4
]


@dataclass(frozen=True)
class TableEgress:
    """Per source site: $/GB within its region group (the region name's first two letters),
    to another group of its cloud (`gap` more) and across clouds (`extra` more). Both may
    be negative: the optimiser must stay exact when prices do not rise with distance."""

    inter: dict[Site, float]
    extra: dict[Site, float]
    gap: dict[Site, float] = field(default_factory=dict)

    def inter_region(self, src: Site, gb: float) -> float:
        return self.inter[src] * gb

    def inter_group(self, src: Site, gb: float) -> float:
        return (self.inter[src] + self.gap.get(src, 0.0)) * gb

    def internet(self, src: Site, gb: float) -> float:
        return (self.inter[src] + self.extra[src]) * gb

    def group(self, site: Site) -> tuple[str, str]:
        return site.cloud, site.region[:2]


@dataclass(frozen=True)
class TableLinks:
    cross: float
    gateway_price: dict[Site, float]
    same: float = 0.0  # within a cloud: native peering, free in the catalog

    def link(self, a: Site, b: Site) -> float:
        return self.same if a.cloud == b.cloud else self.cross

    def gateway(self, site: Site) -> float:
        return self.gateway_price[site]


money = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def problems(draw: st.DrawFn) -> PlacementProblem:
    sites = draw(st.lists(st.sampled_from(SITES), min_size=1, max_size=4, unique=True))
    names = [f"r{i}" for i in range(draw(st.integers(2, 5)))]
    options = {
        n: [
            Option(s, draw(money))
            for s in draw(st.lists(st.sampled_from(sites), min_size=1, unique=True))
        ]
        for n in names
    }
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names)).filter(lambda p: p[0] != p[1])
    flows = [
        Flow(a, b, draw(st.floats(0, 2000).map(lambda x: round(x, 1))), draw(st.booleans()))
        for a, b in draw(st.lists(pairs, max_size=5))
    ]
    low = draw(st.sampled_from([0.0, 0.0, -0.05]))
    egress = TableEgress(
        {s: draw(st.floats(0, 0.05)) for s in SITES},
        {s: draw(st.floats(low, 0.1)) for s in SITES},
        {s: draw(st.floats(low, 0.05)) for s in SITES},
    )
    same = draw(st.sampled_from([0.0, 0.0, 10.0]))
    links = TableLinks(draw(money), {s: draw(money) for s in SITES}, same)
    colocate = draw(st.lists(pairs, max_size=1))
    avoid = draw(st.lists(pairs, max_size=1))
    # A link mode billing the data it carries (interconnect egress) prices linked flows
    # between clouds apart from the others.
    carried = None
    if draw(st.booleans()):
        carried = TableEgress(egress.inter, {s: draw(st.floats(low, 0.1)) for s in SITES})
    return PlacementProblem(options, flows, egress, links, colocate, avoid, carried)


@st.composite
def nat_problems(draw: st.DrawFn) -> PlacementProblem:
    """`problems` with NAT: fees shared by a few resources (a network's gateways per site)
    and per-flow-end charges (data processing) priced by where the other end is."""
    problem = draw(problems())
    names = sorted(problem.options)
    members = st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)
    fees = [
        SiteFee(tuple(group), {s: draw(money) for s in SITES if draw(st.booleans())})
        for group in draw(st.lists(members, min_size=1, max_size=2))
    ]
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names))  # one group: same site
    charges = [
        Charge(a, b, *({s: draw(money) for s in SITES} for _ in range(3)))
        for a, b in draw(st.lists(pairs, max_size=3))
    ]
    return replace(problem, fees=fees, charges=charges)


def _outcome(fn, problem: PlacementProblem) -> float | None:  # type: ignore[no-untyped-def]
    try:
        return fn(problem).total
    except Infeasible:
        return None


@settings(max_examples=150, deadline=None)
@given(problems())
def test_solve_equals_brute_force(problem: PlacementProblem) -> None:
    best = _outcome(brute_force, problem)
    got = _outcome(solve, problem)
    if best is None:
        assert got is None
        return
    assert got == pytest.approx(best, rel=1e-6, abs=1e-6)
    solution = solve(problem)
    assert feasible(problem, solution.choice)
    assert evaluate(problem, solution.choice).total == pytest.approx(solution.total)


@settings(max_examples=150, deadline=None)
@given(nat_problems())
def test_solve_equals_brute_force_with_shared_fees_and_charges(problem: PlacementProblem) -> None:
    best = _outcome(brute_force, problem)
    got = _outcome(solve, problem)
    if best is None:
        assert got is None
        return
    assert got == pytest.approx(best, rel=1e-6, abs=1e-6)
    # Without pruning and fixing too: the fees' growth bound keeps pruning exact.
    solution, _ = solve_with_stats(problem, prune=False)
    assert solution.total == pytest.approx(best, rel=1e-6, abs=1e-6)


def test_a_shared_fee_keeps_a_group_beside_its_network_over_a_cheaper_region() -> None:
    """Two otherwise-equal choices ranked by a network's NAT: `a` could move to the cheaper
    region of its cloud, but `b` (same network) stays, so the move opens a second NAT.
    Pruning must not call the dearer region dominated."""
    here, cheaper = SITES[0], SITES[1]
    options = {"a": [Option(here, 5.0), Option(cheaper, 4.0)], "b": [Option(here, 1.0)]}
    free = TableEgress({s: 0.0 for s in SITES}, {s: 0.0 for s in SITES})
    problem = PlacementProblem(
        options,
        [],
        free,
        TableLinks(0.0, {s: 0.0 for s in SITES}),
        fees=[SiteFee(("a", "b"), {here: 10.0, cheaper: 10.0})],
    )
    solution = solve(problem)
    assert solution.choice["a"].site == here
    assert solution.total == pytest.approx(5.0 + 1.0 + 10.0)
    alone = solve(replace(problem, fees=[]))
    assert alone.choice["a"].site == cheaper  # the NAT changed the decision


def test_a_shared_fee_is_paid_once_per_site_and_a_charge_by_where_the_other_end_is() -> None:
    a, b, c = SITES[0], SITES[1], SITES[2]  # aws, aws (another region), gcp
    options = {"x": [Option(a, 1.0)], "y": [Option(a, 2.0)], "z": [Option(c, 4.0)]}
    problem = PlacementProblem(
        options,
        [],
        TableEgress({s: 0.0 for s in SITES}, {s: 0.0 for s in SITES}),
        TableLinks(0.0, {s: 0.0 for s in SITES}),
        fees=[SiteFee(("x", "y", "z"), {a: 10.0, c: 20.0})],
        charges=[
            Charge("x", "z", {a: 1.0}, {a: 2.0}, {a: 3.0}),
            Charge("x", "y", {a: 5.0}, {}, {}),
        ],
    )
    choice = {n: opts[0] for n, opts in options.items()}
    assert evaluate(problem, choice).nat_cost == 10.0 + 20.0 + 3.0 + 5.0
    choice["y"] = Option(b, 2.0)
    assert evaluate(problem, choice).nat_cost == 10.0 + 20.0 + 3.0 + 0.0  # b has no fee


@settings(max_examples=60, deadline=None)
@given(problems())
def test_greedy_is_never_better_than_optimal(problem: PlacementProblem) -> None:
    best = _outcome(brute_force, problem)
    try:
        baseline = greedy(problem)
    except Infeasible:  # a heuristic may give up where a feasible plan exists
        return
    if best is not None and feasible(problem, baseline.choice):
        assert baseline.total >= best - 1e-6


def test_a_link_cost_keeps_chatty_groups_together() -> None:
    aws, gcp = SITES[0], SITES[2]
    problem = PlacementProblem(
        {"a": [Option(aws, 100.0)], "b": [Option(aws, 150.0), Option(gcp, 100.0)]},
        [Flow("a", "b", 1.0, linked=True)],
        TableEgress(dict.fromkeys(SITES, 0.0), dict.fromkeys(SITES, 0.0)),
        TableLinks(219.0, dict.fromkeys(SITES, 0.0)),
    )
    assert solve(problem).choice["b"].site == aws
    assert solve(problem).total == pytest.approx(250.0)


# `egress: none`: no NAT fee, whose once-per-site price would pull all six onto one site.
SPEC_OF_SIX = """\
name: six
networks: {core: {egress: none}}
compute:
  a: {network: core, resources: {cpus: "4+", memory: "16+"}}
  b: {network: core, count: 3, resources: {cpus: "2+", memory: "8+"}}
  c: {network: core, resources: {cpus: "16+", memory: "64+"}, spot: true}
  d: {network: core, resources: {accelerators: "T4:1"}}
  e: {network: core, count: 2, resources: {cpus: "8+", memory: "32+"}}
  f: {network: core, resources: {cpus: "2+", memory: "4+"}}
buckets:
  data: {size_gb: 2000}
flows:
  - {from: data, to: a, gb_per_month: 3000}
  - {from: a, to: b, gb_per_month: 800}
  - {from: b, to: c, gb_per_month: 5000}
  - {from: c, to: d, gb_per_month: 900}
  - {from: d, to: e, gb_per_month: 1200}
  - {from: e, to: f, gb_per_month: 40}
  - {from: data, to: f, gb_per_month: 10000}
"""


def test_pruning_and_fixing_keep_the_optimum_on_the_full_catalog() -> None:
    # ~120 sites per resource: far beyond brute force, so compare with the unreduced model.
    problem = problem_of(parse_spec(SPEC_OF_SIX), Catalog.bundled())
    reduced, stats = solve_with_stats(problem)
    full, full_stats = solve_with_stats(problem, prune=False)
    assert stats.optimal and full_stats.optimal
    assert stats.kept < full_stats.kept  # the reductions did something
    assert reduced.total == pytest.approx(full.total, rel=1e-7)
    assert reduced.links  # linked flows across sites: links are part of the optimum


@pytest.mark.parametrize("honest_after", [1, 2])
def test_a_solve_that_misreports_after_a_start_is_redone(
    monkeypatch: pytest.MonkeyPatch, honest_after: int
) -> None:
    # HiGHS 1.16 was seen reporting, after a start with presolve on, an objective that was
    # not its returned solution's: the round is redone with the start and presolve off, and
    # cold (no start) if that misreports too.
    from skyinfra.placement.solver import highs

    problem = problem_of(parse_spec(SPEC_OF_SIX), Catalog.bundled())
    expected = solve(problem).total
    checks: list[str] = []
    cold: list[bool] = []
    real_cold = highs._Program._solve_cold

    def misreports(self: highs._Program) -> bool:
        checks.append(self.h.getOptionValue("presolve")[1])
        return len(checks) > honest_after

    def solve_cold(self: highs._Program, deadline: float | None) -> None:
        cold.append(True)
        real_cold(self, deadline)

    monkeypatch.setattr(highs._Program, "_reports_its_solution", misreports)
    monkeypatch.setattr(highs._Program, "_solve_cold", solve_cold)
    assert solve(problem).total == pytest.approx(expected, rel=1e-9)
    assert checks[:2] == ["choose", "off"]  # the started round, then again without presolve
    assert bool(cold) == (honest_after == 2)


@st.composite
def auto_problems(draw: st.DrawFn) -> PlacementProblem:
    """`peering.mode: auto`: an interconnect price per pair of clouds (None: unpriced)."""
    base = draw(problems())
    clouds = sorted({s.cloud for s in SITES})
    fixed = {
        (a, b): draw(st.one_of(st.none(), money)) for a, b in itertools.combinations(clouds, 2)
    }

    def interconnect(a: Site, b: Site) -> float | None:
        return None if a.cloud == b.cloud else fixed[tuple(sorted((a.cloud, b.cloud)))]

    assert isinstance(base.egress, TableEgress)
    carried = TableEgress(base.egress.inter, {s: draw(st.floats(-0.02, 0.1)) for s in SITES})
    return replace(base, linked_egress=None, auto=AutoLinks(interconnect, carried))


def _joint_reference(problem: PlacementProblem) -> float | None:
    """min over every placement and every VPN/interconnect assignment of its links, priced
    here from scratch (not by `evaluate`)."""
    auto = problem.auto
    assert auto is not None
    names = sorted(problem.options)
    best: float | None = None
    for combo in itertools.product(*(problem.options[n] for n in names)):
        choice = dict(zip(names, combo, strict=True))
        if not feasible(problem, choice):
            continue
        site = {n: o.site for n, o in choice.items()}
        links = {
            tuple(sorted((site[f.source], site[f.target])))
            for f in problem.flows
            if f.linked and site[f.source] != site[f.target]
        }
        able = [p for p in sorted(links) if auto.interconnect(*p) is not None]
        for k in range(len(able) + 1):
            for dedicated in itertools.combinations(able, k):
                total = sum(o.cost for o in choice.values())
                for f in problem.flows:
                    src, dst = site[f.source], site[f.target]
                    if src == dst:
                        continue
                    if src.cloud == dst.cloud:
                        near = problem.egress.group(src) == problem.egress.group(dst)
                        parts = problem.egress
                        total += (parts.inter_region if near else parts.inter_group)(src, f.gb)
                    elif f.linked and tuple(sorted((src, dst))) in dedicated:
                        total += auto.carried.internet(src, f.gb)
                    else:
                        total += problem.egress.internet(src, f.gb)
                vpn_ends: set[Site] = set()
                for p in links:
                    if p in dedicated:
                        total += auto.interconnect(*p) or 0.0
                    else:
                        total += problem.links.link(*p)
                        if p[0].cloud != p[1].cloud:
                            vpn_ends |= set(p)
                total += sum(problem.links.gateway(s) for s in vpn_ends)
                best = total if best is None else min(best, total)
    return best


@settings(max_examples=120, deadline=None)
@given(auto_problems())
def test_auto_equals_the_joint_brute_force_over_placements_and_modes(
    problem: PlacementProblem,
) -> None:
    best = _joint_reference(problem)
    got = _outcome(solve, problem)
    if best is None:
        assert got is None
        return
    assert got == pytest.approx(best, rel=1e-6, abs=1e-6)
    solution = solve(problem)
    assert all(
        problem.auto and problem.auto.interconnect(*p) is not None for p in solution.interconnects
    )
    # Never worse than either mode everywhere: all VPN is one of the assignments weighed.
    vpn_only = _outcome(brute_force, replace(problem, auto=None))
    assert vpn_only is not None and got is not None and got <= vpn_only + 1e-6
