"""`peering.mode: auto`: per link between clouds, VPN or interconnect, whichever costs less."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyinfra.catalog import Catalog
from skyinfra.errors import SpecError
from skyinfra.loader import parse_spec
from skyinfra.peering.links import plan_links
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement.decision import Placement
from skyinfra.placement.lock import dump_lock, load_lock
from skyinfra.placement.place import MODE_MIN_SAVING, MODE_MIN_SHARE, mode_threshold, place
from skyinfra.plan import load_project_topology
from skyinfra.site import Site

CATALOG = Catalog.bundled()
ROOT = Path(__file__).resolve().parents[2]
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


def _place(heavy: float = 300_000, spec: str = SPEC) -> Placement:
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


def _replan(heavy: float, locked: Placement) -> Placement:
    """Plan again at `heavy` GB a month from `locked`, read back from its lock file."""
    relocked, _ = load_lock(dump_lock(locked, NetworkRecord()))
    return place(parse_spec(SPEC.replace("HEAVY", str(heavy))), CATALOG, relocked)


def _mode(placement: Placement) -> str:
    return placement.link_modes[(AWS_US, GCP_US)]


def test_the_lock_records_every_link_mode_and_reads_it_back() -> None:
    placement = _place()
    assert placement.link_modes == {(AWS_US, GCP_US): "interconnect", (AWS_EU, GCP_EU): "vpn"}
    text = dump_lock(placement, NetworkRecord())
    assert "aws-us-east-1--gcp-us-east4: interconnect" in text
    assert load_lock(text)[0].link_modes == placement.link_modes


def test_a_recorded_vpn_stays_until_the_interconnect_saves_more_than_the_threshold() -> None:
    vpn = _place(heavy=100_000)
    assert _mode(vpn) == "vpn"
    fresh = _place(heavy=195_000)  # just past the break-even (about 190,000 GB)
    assert _mode(fresh) == "interconnect"
    assert _mode(_replan(195_000, vpn)) == "vpn"  # saves less than 10% of the VPN month
    assert _mode(_replan(300_000, vpn)) == "interconnect"  # saves about $6,600 of $24,200


def test_a_recorded_interconnect_stays_until_the_vpn_saves_more_than_the_threshold() -> None:
    interconnect = _place(heavy=300_000)
    assert _mode(interconnect) == "interconnect"
    assert _mode(_place(heavy=180_000)) == "vpn"
    assert _mode(_replan(180_000, interconnect)) == "interconnect"
    assert _mode(_replan(20_000, interconnect)) == "vpn"


def test_the_threshold_is_a_share_of_the_recorded_month_and_a_floor() -> None:
    assert mode_threshold(0.0) == MODE_MIN_SAVING
    assert mode_threshold(50_000.0) == pytest.approx(MODE_MIN_SHARE * 50_000.0)


def test_the_compiled_project_builds_the_modes_its_lock_records() -> None:
    """The stacks rebuild their topology from spec and lock, without the catalog: the lock's
    `link_modes` is what makes the US link an interconnect there too."""
    topology = load_project_topology(ROOT / "stacks" / "auto-links")
    modes = {(x.a.stack, x.b.stack): x.mode for x in topology.links.links}
    assert modes == {
        ("aws-eu-west-1", "gcp-europe-west1"): "vpn",
        ("aws-us-east-1", "gcp-us-east4"): "interconnect",
    }
