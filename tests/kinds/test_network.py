"""The network kind's egress plan: NAT by default, public subnets only where the cloud needs
them, carved after the workload subnets (whose CIDRs do not move) inside the planned range."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path

import pytest

from skyinfra.api import plan_spec
from skyinfra.clouds import get_cloud
from skyinfra.errors import SpecError
from skyinfra.report import plan_report
from skyinfra.topology import NetworkPlan

REGIONS = {"aws": "us-east-1", "gcp": "us-central1", "azure": "westeurope"}


def _network(tmp_path: Path, cloud: str, egress: str | None = None) -> NetworkPlan:
    network = "{}" if egress is None else f"{{egress: {egress}}}"
    spec = tmp_path / "sky.yaml"
    spec.write_text(
        "name: demo\n"
        + ("accounts: {gcp: {project: demo-project}}\n" if cloud == "gcp" else "")
        + f"networks: {{core: {network}}}\n"
        "compute:\n"
        "  app:\n"
        "    resources: {cpus: 2}\n"
        f"    placement: {{cloud: {cloud}, region: {REGIONS[cloud]}}}\n"
    )
    (stack,) = plan_spec(spec).topology.stacks
    (plan,) = stack.networks
    return plan


@pytest.mark.parametrize("cloud", sorted(REGIONS))
def test_nat_is_the_default_and_public_subnets_follow_the_workload_ones(
    tmp_path: Path, cloud: str
) -> None:
    plan = _network(tmp_path, cloud)
    assert plan.egress == "nat"
    assert len(plan.public_subnets) == get_cloud(cloud).public_subnets_per_network
    subnets = [ipaddress.IPv4Network(c) for c in (*plan.subnets, *plan.public_subnets)]
    network = ipaddress.IPv4Network(plan.cidr)
    assert all(s.subnet_of(network) for s in subnets)
    assert len(set(subnets)) == len(subnets)
    assert all(not a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])
    # The workload subnets are where they always were: the first /20s of the /16.
    first = list(network.subnets(new_prefix=network.prefixlen + 4))
    assert [str(s) for s in first[: len(plan.subnets)]] == list(plan.subnets)


def test_aws_carves_one_public_subnet_per_workload_zone(tmp_path: Path) -> None:
    plan = _network(tmp_path, "aws")
    base = ipaddress.IPv4Network(plan.cidr).network_address
    assert plan.public_subnets == (f"{base + 32 * 256}/20", f"{base + 48 * 256}/20")


@pytest.mark.parametrize("cloud", sorted(REGIONS))
def test_egress_none_has_no_public_subnets(tmp_path: Path, cloud: str) -> None:
    plan = _network(tmp_path, cloud, "none")
    assert (plan.egress, plan.public_subnets) == ("none", ())


# -- nat: per_zone ----------------------------------------------------------------------------


def _spec(tmp_path: Path, cloud: str, network: str, groups: str = "") -> Path:
    spec = tmp_path / "sky.yaml"
    spec.write_text(
        "name: demo\n"
        + ("accounts: {gcp: {project: demo-project}}\n" if cloud == "gcp" else "")
        + f"networks: {{core: {network}}}\n"
        "compute:\n"
        "  app:\n"
        "    resources: {cpus: 2}\n"
        f"    placement: {{cloud: {cloud}, region: {REGIONS[cloud]}}}\n" + groups
    )
    return spec


@pytest.mark.parametrize(("cloud", "gateways"), [("aws", 2), ("gcp", 1)])
def test_per_zone_is_planned_with_one_nat_per_zone_where_the_nat_is_zonal(
    tmp_path: Path, cloud: str, gateways: int
) -> None:
    (stack,) = plan_spec(_spec(tmp_path, cloud, "{nat: per_zone}")).topology.stacks
    (plan,) = stack.networks
    assert plan.nat == "per_zone"
    assert get_cloud(cloud).nat_gateways(plan) == gateways
    assert get_cloud(cloud).nat_gateways(replace(plan, nat="single")) == 1
    assert get_cloud(cloud).nat_gateways(replace(plan, egress="none")) == 0


def test_per_zone_is_refused_on_azure_with_the_reason_at_the_key(tmp_path: Path) -> None:
    path = _spec(tmp_path, "azure", "{nat: per_zone}")
    with pytest.raises(SpecError) as caught:
        plan_spec(path)
    (problem,) = caught.value.problems
    assert problem.path == ("networks", "core", "nat")
    assert "NAT gateway is zonal" in problem.message and "nat: single" in problem.message
    line = path.read_text().splitlines().index("networks: {core: {nat: per_zone}}") + 1
    assert (problem.file, problem.line) == (str(path), line)


def test_per_zone_without_nat_egress_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        plan_spec(_spec(tmp_path, "aws", "{egress: none, nat: per_zone}"))
    (problem,) = caught.value.problems
    assert problem.path == ("networks", "core", "nat")
    assert "needs egress: nat" in problem.message


# -- egress: none warnings --------------------------------------------------------------------

SCRIPTED = (
    "  boot:\n"
    '    startup_script: "#!/bin/sh\\napt-get install -y nginx\\n"\n'
    "    resources: {cpus: 2}\n"
    "    placement: {cloud: CLOUD, region: REGION}\n"
)


def _offline_warnings(tmp_path: Path, cloud: str, network: str) -> dict[str, str]:
    groups = SCRIPTED.replace("CLOUD", cloud).replace("REGION", REGIONS[cloud])
    report = plan_report(plan_spec(_spec(tmp_path, cloud, network, groups)))
    return {w.split()[2]: w for w in report["warnings"] if w.startswith("compute group ")}


@pytest.mark.parametrize(
    ("cloud", "plain_breaks"),
    [("aws", "ssm, ssmmessages and ec2messages"), ("azure", "AADSSHLoginForLinux"), ("gcp", None)],
)
def test_egress_none_warns_per_group_what_breaks_and_what_to_do(
    tmp_path: Path, cloud: str, plain_breaks: str | None
) -> None:
    warnings = _offline_warnings(tmp_path, cloud, "{egress: none}")
    # A startup script fetching packages breaks on every cloud.
    boot = warnings["boot"]
    assert f"({cloud}-" in boot and "network core with egress: none" in boot
    assert "startup_script cannot fetch" in boot and "egress: nat" in boot
    # The cloud's own login path needs the internet on AWS and Azure (GCP: IAP comes in).
    if plain_breaks is None:
        assert "app" not in warnings
    else:
        assert plain_breaks in warnings["app"] and plain_breaks in boot
        assert "startup_script" not in warnings["app"]


def test_nat_egress_warns_about_nothing(tmp_path: Path) -> None:
    assert _offline_warnings(tmp_path, "aws", "{}") == {}
