"""The optimiser prices links by the spec's `peering.mode` (the mode descriptor's prices)."""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.place import place, problem_of
from skyinfra.placement.problem import flow_cost
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH

CATALOG = Catalog.bundled()
AWS, GCP = Site("aws", "us-east-1"), Site("gcp", "us-east4")
SPEC = """\
name: ic
accounts: {gcp: {project: p}}
networks: {core: {}}
compute:
  trainer: {resources: {cpus: "2+"}, placement: {cloud: gcp, region: us-east4}}
  inference: {resources: {cpus: "2+"}, placement: {cloud: aws, region: us-east-1}}
flows:
  - {from: trainer, to: inference, gb_per_month: 50000}
peering: {mode: MODE}
"""


def _problem(mode: str):  # type: ignore[no-untyped-def]
    return problem_of(parse_spec(SPEC.replace("MODE", mode)), CATALOG)


def test_an_interconnect_is_priced_by_its_ports_and_carries_data_at_its_own_rate() -> None:
    problem = _problem("interconnect")
    assert problem.links.link(AWS, GCP) == pytest.approx(
        (2 * 2.25 + 2 * 5.60 + 2 * 0.10) * HOURS_PER_MONTH
    )
    assert problem.links.gateway(GCP) == 0.0  # Cloud Router: not priced, n/a in the plan
    [flow] = problem.flows
    assert flow_cost(problem, flow, GCP, AWS) == pytest.approx(0.02 * 50_000)


def test_a_vpn_link_keeps_internet_egress_and_its_gateways() -> None:
    problem = _problem("vpn")
    assert problem.linked_egress is None
    assert problem.links.link(AWS, GCP) == CATALOG.links.link(AWS, GCP)
    assert problem.links.gateway(GCP) == CATALOG.links.gateway(GCP)
    [flow] = problem.flows
    assert flow_cost(problem, flow, GCP, AWS) == CATALOG.egress.internet(GCP, 50_000)


def test_the_plan_solution_counts_the_interconnect() -> None:
    placement = place(parse_spec(SPEC.replace("MODE", "interconnect")), CATALOG)
    solution = placement.solution
    assert solution is not None
    assert solution.links_cost == pytest.approx(CATALOG.links.interconnect(AWS, GCP, {}).fixed)
    assert solution.egress_cost == pytest.approx(0.02 * 50_000)
    assert not [w for w in placement.warnings if "priced" in w]  # no stand-in was needed
