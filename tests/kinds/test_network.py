"""The network kind's egress plan: NAT by default, public subnets only where the cloud needs
them, carved after the workload subnets (whose CIDRs do not move) inside the planned range."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from skyinfra.api import plan_spec
from skyinfra.clouds import get_cloud
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
