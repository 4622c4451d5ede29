"""Placement of pinned resources and instance-type resolution from the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyinfra.catalog import load_catalog
from skyinfra.errors import SpecError
from skyinfra.kinds import monthly_cost
from skyinfra.loader import parse_spec
from skyinfra.placement.place import place
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH

CATALOG = load_catalog(None)


def spec(compute: str, extra: str = "") -> str:
    return f"name: demo\nnetworks: {{core: {{}}}}\ncompute:\n  web:\n{compute}{extra}"


def test_pinned_group_gets_cheapest_matching_offer_and_cost() -> None:
    s = parse_spec(
        spec(
            '    count: 3\n    resources: {cpus: "4+", memory: "16+"}\n    placement: {cloud: aws, region: us-east-1}\n'
        )
    )
    decision = place(s, CATALOG).decisions["web"]
    assert decision.site == Site("aws", "us-east-1")
    cheapest = CATALOG.cheapest("aws", "us-east-1", s.compute["web"].resources, False)
    assert decision.instance_type == cheapest.instance_type
    assert cheapest.price is not None
    assert decision.hourly_cost == pytest.approx(cheapest.price * 3)
    assert monthly_cost(decision) == pytest.approx(cheapest.price * 3 * HOURS_PER_MONTH, abs=0.01)


def test_spot_groups_are_priced_at_spot() -> None:
    s = parse_spec(
        spec(
            '    spot: true\n    resources: {cpus: "4+", memory: "16+"}\n    placement: {cloud: aws, region: us-east-1}\n'
        )
    )
    decision = place(s, CATALOG).decisions["web"]
    offer = CATALOG.find("aws", "us-east-1", decision.instance_type or "")
    assert offer is not None and decision.hourly_cost == pytest.approx(offer.spot_price)


def test_instance_type_per_cloud_wins_over_resources() -> None:
    s = parse_spec(
        spec(
            "    instance_type: {aws: c7i.2xlarge, gcp: n2-standard-8}\n    placement: {cloud: gcp, region: us-central1}\n"
        )
    )
    assert place(s, CATALOG).decisions["web"].instance_type == "n2-standard-8"


def test_an_instance_type_missing_from_the_catalog_is_deployed_without_a_price() -> None:
    s = parse_spec(
        spec("    instance_type: m4.large\n    placement: {cloud: aws, region: us-east-1}\n")
    )
    decision = place(s, CATALOG).decisions["web"]
    assert (decision.instance_type, decision.hourly_cost) == ("m4.large", None)  # legacy family


def test_gpu_group_on_gcp_joins_host_and_gpu_prices() -> None:
    s = parse_spec(
        spec(
            '    resources: {accelerators: "A100:8"}\n    placement: {cloud: gcp, region: europe-west4}\n'
        )
    )
    decision = place(s, CATALOG).decisions["web"]
    assert decision.instance_type == "a2-highgpu-8g"
    assert decision.hourly_cost == pytest.approx(6.51251 + 12.90919)


def test_all_problems_are_collected() -> None:
    text = spec(
        '    resources: {accelerators: "A100:3"}\n    placement: {cloud: aws, region: us-east-1}\n',
        "  api:\n    placement: {cloud: gpc, region: x}\nbuckets:\n  b:\n    placement: {cloud: azure, region: mars}\n",
    )
    with pytest.raises(SpecError) as err:
        place(parse_spec(text), CATALOG)
    paths = sorted(p.path for p in err.value.problems)
    assert paths == [
        ("buckets", "b", "placement", "region"),
        ("compute", "api", "placement", "cloud"),
        ("compute", "web", "resources"),
    ]


# -- the full AWS catalog: GPU, Graviton and pinned families it used to lack ------------------


def test_an_l4_group_on_aws_plans_on_g6() -> None:
    s = parse_spec(spec('    resources: {accelerators: "L4:1"}\n    placement: {cloud: aws}\n'))
    decision = place(s, CATALOG).decisions["web"]
    # aws_vms.csv: g6.xlarge (4 vCPU, 1 L4) 0.8048 $/h in us-east-1, us-east-2 and us-west-2.
    assert (decision.site.cloud, decision.instance_type) == ("aws", "g6.xlarge")
    assert decision.hourly_cost == pytest.approx(0.8048)


def test_an_arm64_group_plans_on_graviton() -> None:
    s = parse_spec(
        spec(
            "    resources: {cpus: 4, memory: 16, arch: arm64}\n"
            "    placement: {cloud: aws, region: us-east-1}\n"
        )
    )
    decision = place(s, CATALOG).decisions["web"]
    # m6g.xlarge 0.154 $/h (then m7g.xlarge 0.1632): Graviton, arm64 per the source's arch.
    assert (decision.instance_type, decision.hourly_cost) == ("m6g.xlarge", pytest.approx(0.154))
    offer = CATALOG.find("aws", "us-east-1", "m6g.xlarge")
    assert offer is not None and offer.arch == "arm64"


def test_a_pinned_graviton_type_is_priced() -> None:
    s = parse_spec(
        spec(
            "    instance_type: {aws: m7g.xlarge}\n"
            "    resources: {arch: arm64}\n"
            "    placement: {cloud: aws, region: us-east-1}\n"
        )
    )
    decision = place(s, CATALOG).decisions["web"]
    assert (decision.instance_type, decision.hourly_cost) == ("m7g.xlarge", pytest.approx(0.1632))


def test_a_catalog_directory_with_only_aws_still_places_on_gcp_and_azure(tmp_path: Path) -> None:
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "vms.csv").write_text(
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region\n"
        "c5.large,,,2,4,0.07,0.03,us-east-1\n",
        encoding="utf-8",
    )
    user = load_catalog(tmp_path)
    s = parse_spec(
        spec('    resources: {cpus: 2, memory: "4+"}\n    placement: {cloud: aws}\n')
        + '  gpu:\n    network: core\n    resources: {accelerators: "A100:8"}\n'
        + "    placement: {cloud: gcp, region: europe-west4}\n"
        + '  az:\n    network: core\n    resources: {cpus: "4+"}\n    placement: {cloud: azure}\n'
    )
    decisions = place(s, user).decisions
    assert (decisions["web"].instance_type, decisions["web"].hourly_cost) == ("c5.large", 0.07)
    assert decisions["gpu"].hourly_cost == pytest.approx(6.51251 + 12.90919)  # bundled GCP
    assert decisions["az"].site.cloud == "azure"
