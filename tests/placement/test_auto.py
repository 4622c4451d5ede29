"""`peering.mode: auto`: per link between clouds, VPN or interconnect, whichever costs less."""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.errors import SpecError
from skyinfra.loader import parse_spec
from skyinfra.peering.links import plan_links
from skyinfra.placement.place import place
from skyinfra.site import Site

CATALOG = Catalog.bundled()
AWS_US, GCP_US = Site("aws", "us-east-1"), Site("gcp", "us-east4")
AWS_EU, GCP_EU = Site("aws", "eu-west-1"), Site("gcp", "europe-west1")
SPEC = """\
name: auto
accounts: {gcp: {project: p}}
networks: {core: {}}
compute:
  trainer: {resources: {cpus: "2+"}, placement: {cloud: gcp, region: us-east4}}
  inference: {resources: {cpus: "2+"}, placement: {cloud: aws, region: us-east-1}}
  web: {resources: {cpus: "2+"}, placement: {cloud: gcp, region: europe-west1}}
  api: {resources: {cpus: "2+"}, placement: {cloud: aws, region: eu-west-1}}
flows:
  - {from: trainer, to: inference, gb_per_month: HEAVY}
  - {from: web, to: api, gb_per_month: 500}
peering: {mode: auto}
"""


def _place(heavy: float = 300_000, spec: str = SPEC):  # type: ignore[no-untyped-def]
    return place(parse_spec(spec.replace("HEAVY", str(heavy))), CATALOG)


def test_the_heavy_pair_gets_an_interconnect_and_the_light_one_a_vpn() -> None:
    placement = _place()
    assert placement.solution is not None
    assert placement.solution.interconnects == {(AWS_US, GCP_US)}
    spec = parse_spec(SPEC.replace("HEAVY", "300000"))
    links = plan_links(spec, placement, [("core", s) for s in placement.sites])
    assert {(x.a, x.b): x.mode for x in links.links} == {
        (AWS_US, GCP_US): "interconnect",
        (AWS_EU, GCP_EU): "vpn",
    }


def test_a_light_pair_stays_a_vpn_and_the_month_is_the_vpn_month() -> None:
    auto = _place(heavy=1_000)
    vpn = place(parse_spec(SPEC.replace("HEAVY", "1000").replace("auto}", "vpn}")), CATALOG)
    assert auto.solution is not None and vpn.solution is not None
    assert auto.solution.interconnects == frozenset()
    assert auto.solution.total == pytest.approx(vpn.solution.total)


def test_the_auto_month_is_below_either_mode_everywhere() -> None:
    totals = {}
    for mode in ("vpn", "interconnect", "auto"):
        spec = SPEC.replace("HEAVY", "300000").replace("auto}", f"{mode}}}")
        solution = place(parse_spec(spec), CATALOG).solution
        assert solution is not None
        totals[mode] = solution.total
    assert totals["auto"] < min(totals["vpn"], totals["interconnect"]) - 1.0


def test_an_unpriced_interconnect_is_never_chosen() -> None:
    spec = SPEC.replace("cloud: aws, region: us-east-1", "cloud: azure, region: eastus")
    placement = _place(heavy=10_000_000, spec=spec)
    assert placement.solution is not None
    assert all("azure" not in (a.cloud, b.cloud) for a, b in placement.solution.interconnects)


def test_too_many_placements_to_enumerate_are_refused_at_peering_mode() -> None:
    spec = """\
name: big
accounts: {gcp: {project: p}}
networks: {core: {}}
compute:
  a: {resources: {cpus: "2+"}}
  b: {resources: {cpus: "2+"}}
  c: {resources: {cpus: "2+"}}
flows:
  - {from: a, to: b, gb_per_month: 100}
peering: {mode: auto}
"""
    with pytest.raises(SpecError) as err:
        place(parse_spec(spec), CATALOG)
    text = str(err.value)
    assert "peering" in text and "mode" in text and "enumeration" in text
