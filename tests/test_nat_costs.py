"""NAT in `plan`: one row per network site with NAT egress, priced from the catalog's `nat`
items (gateway hours, VMs behind it, addresses, data processed), and counted in the total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from skyinfra.api import plan_spec
from skyinfra.catalog.nat import NatPrice
from skyinfra.cli import main
from skyinfra.report import plan_report
from skyinfra.units import HOURS_PER_MONTH

SPEC = """\
name: natty
accounts: {gcp: {project: demo-project}}
networks:
  core: {}
  vault: {egress: none}
buckets:
  datasets: {placement: {cloud: gcp, region: us-central1}}
  local: {placement: {cloud: gcp, region: us-central1}}
compute:
  worker:
    network: core
    count: 2
    resources: {cpus: 2}
    placement: {cloud: aws, region: us-east-1}
  web:
    network: core
    public: true
    ports: [443]
    resources: {cpus: 2}
    placement: {cloud: aws, region: us-east-1}
  reader:
    network: core
    count: 3
    resources: {cpus: 2}
    placement: {cloud: gcp, region: us-central1}
  sealed:
    network: vault
    resources: {cpus: 2}
    placement: {cloud: azure, region: westeurope}
flows:
  - {from: datasets, to: worker, gb_per_month: 1000}
  - {from: local, to: reader, gb_per_month: 500}
  - {from: worker, to: web, gb_per_month: 70}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nat") / "natty.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def report(spec: Path) -> dict[str, Any]:
    return plan_report(plan_spec(spec))


def _rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["stack"]: row for row in report["nat"]}


def test_one_row_per_network_site_with_nat_egress(report: dict[str, Any]) -> None:
    rows = _rows(report)
    assert set(rows) == {"aws-us-east-1", "gcp-us-central1"}  # vault has egress: none
    assert {row["network"] for row in rows.values()} == {"core"}


def test_aws_nat_gateway_hours_and_the_cross_cloud_flow_it_processes(
    report: dict[str, Any],
) -> None:
    row = _rows(report)["aws-us-east-1"]
    assert (row["kind"], row["vms"]) == ("NAT gateway", 2)  # the public web has its own IPs
    assert row["gateway_monthly_cost"] == round(0.045 * HOURS_PER_MONTH, 2)
    # datasets (GCS) -> worker enters through the NAT; worker -> web is a private link.
    assert (row["gb_per_month"], row["per_gb"]) == (1000, 0.045)
    assert row["data_monthly_cost"] == 45.0
    assert row["monthly_cost"] == round(0.045 * HOURS_PER_MONTH + 45.0, 2)


def test_gcp_cloud_nat_per_vm_and_gcs_bypassing_it(report: dict[str, Any]) -> None:
    row = _rows(report)["gcp-us-central1"]
    assert (row["kind"], row["vms"]) == ("Cloud NAT", 3)
    assert row["gateway_monthly_cost"] == round((3 * 0.0014 + 0.005) * HOURS_PER_MONTH, 2)
    assert row["gb_per_month"] == 0  # local (GCS) -> reader: Private Google Access


def test_nat_is_in_the_breakdown_and_the_total(report: dict[str, Any]) -> None:
    breakdown = report["cost_breakdown"]
    assert breakdown["nat"] == round(sum(r["monthly_cost"] for r in report["nat"]), 2)
    parts = ("resources", "egress", "links", "replication", "nat")
    assert report["total_monthly_cost"] == pytest.approx(sum(breakdown[k] for k in parts), abs=0.02)


def test_the_gcp_per_vm_charge_stops_at_its_cap() -> None:
    price = NatPrice("Cloud NAT", 0.0, 0.0014, 0.044, 0.005, 1, 0.045, "medium", True)
    assert price.hourly(10) == pytest.approx(0.014 + 0.005)
    assert price.hourly(100) == pytest.approx(0.044 + 0.005)


def test_plan_prints_each_nat_and_its_share_of_the_total(spec: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(spec)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (
        "NAT gateway of core in aws-us-east-1 (2 VMs behind it): $32.85/month + $0.045/GB "
        "processed (1,000 GB/month of flows through it: $45.00)"
    ) in result.output
    assert "Cloud NAT of core in gcp-us-central1 (3 VMs behind it)" in result.output
    assert ", NAT $" in result.output


ZONAL = """\
name: zonal
networks:
  core: {nat: per_zone}
compute:
  worker:
    network: core
    resources: {cpus: 2}
    placement: {cloud: aws, region: us-east-1}
"""


def test_per_zone_prices_a_gateway_and_its_address_per_zone(tmp_path: Path) -> None:
    path = tmp_path / "zonal.yaml"
    path.write_text(ZONAL)
    (row,) = plan_report(plan_spec(path))["nat"]
    assert row["gateways"] == 2  # one per zone of the AWS network
    assert row["gateway_monthly_cost"] == round(2 * 0.045 * HOURS_PER_MONTH, 2)
    result = CliRunner().invoke(main, ["plan", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "NAT gateway x2 (per zone) of core in aws-us-east-1 (1 VM behind it): $65.70" in (
        result.output
    )


def test_per_gateway_charges_multiply_and_the_per_vm_charge_does_not() -> None:
    price = NatPrice("NAT", 0.045, 0.001, None, 0.005, 1, 0.045, "high")
    assert price.hourly(3, gateways=2) == pytest.approx(2 * (0.045 + 0.005) + 3 * 0.001)
    assert price.hourly(3) == pytest.approx(0.045 + 0.005 + 3 * 0.001)


S3 = """\
name: s3
networks: {core: {}}
buckets:
  near: {placement: {cloud: aws, region: us-east-1}}
  far: {placement: {cloud: aws, region: eu-west-1}}
compute:
  worker:
    network: core
    resources: {cpus: 2}
    placement: {cloud: aws, region: us-east-1}
flows:
  - {from: near, to: worker, gb_per_month: 1000}
  - {from: far, to: worker, gb_per_month: 10}
"""


def test_same_region_s3_takes_the_gateway_endpoint_past_the_nat(tmp_path: Path) -> None:
    """Only the other region's bucket is processed by the NAT gateway."""
    path = tmp_path / "s3.yaml"
    path.write_text(S3)
    (row,) = plan_report(plan_spec(path))["nat"]
    assert row["gb_per_month"] == 10


def test_same_region_azure_storage_takes_the_service_endpoint_past_the_nat(
    tmp_path: Path,
) -> None:
    path = tmp_path / "blob.yaml"
    path.write_text(
        S3.replace("aws", "azure")
        .replace("us-east-1", "westeurope")
        .replace("eu-west-1", "eastus")
        .replace("name: s3", "name: blob")
    )
    (row,) = plan_report(plan_spec(path))["nat"]
    assert row["gb_per_month"] == 10  # only the other region's container
