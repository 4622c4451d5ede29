"""The two rules the optimiser and the link planner share (`peering.modes`): which flows need
a link and which sites get a gateway. Each is asked of both consumers over a table of cases:
they must answer what the rule says, so they cannot drift apart again."""

from __future__ import annotations

import itertools

import pytest

from skyinfra.build import concrete_networks
from skyinfra.catalog import Catalog
from skyinfra.clouds import cloud_names
from skyinfra.loader import parse_spec
from skyinfra.peering.links import linked_pairs, plan_links
from skyinfra.peering.modes import gateway_ends, linked_network
from skyinfra.placement.decision import Decision, Placement
from skyinfra.placement.place import problem_of
from skyinfra.placement.problem import Flow, Option, PlacementProblem, evaluate
from skyinfra.site import Site
from tests.peering.linkspec import linked_spec

SPEC = """\
name: rules
networks: {core: {}, other: {}}
buckets:
  data: {size_gb: 10}
compute:
  a: {network: core}
  b: {network: core}
  c: {network: other}
flows:
  - {from: a, to: b, gb_per_month: 1}
  - {from: a, to: c, gb_per_month: 1}
  - {from: a, to: data, gb_per_month: 1}
  - {from: data, to: b, gb_per_month: 1}
"""
# Only the flow between two groups on one network asks for a link.
EXPECTED = [True, False, False, False]


def test_the_optimiser_and_the_planner_link_exactly_the_flows_the_rule_names() -> None:
    spec = parse_spec(SPEC)
    assert [linked_network(spec, f) is not None for f in spec.flows] == EXPECTED
    problem = problem_of(spec, Catalog.bundled())
    assert [f.linked for f in problem.flows if not f.replication] == EXPECTED
    sites = {n: Site(c, "r") for n, c in zip(("a", "b", "c", "data"), _four_clouds(), strict=True)}
    kinds = {"data": "bucket"}
    placement = Placement({n: Decision(n, kinds.get(n, "compute"), s) for n, s in sites.items()})
    pairs = linked_pairs(spec, placement, concrete_networks(spec, placement))
    assert pairs == [("core", *sorted((sites["a"], sites["b"])))]


def _four_clouds() -> list[str]:
    names = cloud_names()
    return [names[i % len(names)] for i in range(4)]


def _site_pairs() -> list[tuple[Site, Site]]:
    sites = [Site(c, r) for c in cloud_names() for r in ("r1", "r2")]
    return list(itertools.combinations(sites, 2))


class _Prices:
    def inter_region(self, src: Site, gb: float) -> float:
        return 0.0

    def inter_group(self, src: Site, gb: float) -> float:
        return 0.0

    def group(self, site: Site) -> str:
        return site.cloud

    def internet(self, src: Site, gb: float) -> float:
        return 0.0

    def link(self, a: Site, b: Site) -> float:
        return 1.0

    def gateway(self, site: Site) -> float:
        return 1.0


@pytest.mark.parametrize(("a", "b"), _site_pairs(), ids=lambda s: s.stack)
def test_the_optimiser_and_the_planner_put_gateways_where_the_rule_does(a: Site, b: Site) -> None:
    problem = PlacementProblem(
        options={"x": [Option(a, 0.0)], "y": [Option(b, 0.0)]},
        flows=[Flow("x", "y", 1.0, linked=True)],
        egress=_Prices(),
        links=_Prices(),
    )
    priced = evaluate(problem, {"x": problem.options["x"][0], "y": problem.options["y"][0]})
    spec, placement = linked_spec([a, b], [(a, b)])
    planned = plan_links(spec, placement, concrete_networks(spec, placement))
    assert priced.gateways == {g.site for g in planned.gateways} == set(gateway_ends(a, b))
