"""`public: true` opens only that group: a public bastion and a private database on one
network, on each cloud, read off what the engine receives (which rules reach whose VMs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi.runtime import rpc

from skyinfra.clouds.gcp import IAP_RANGE, SSH_PORT
from skyinfra.preview import Registered, StackPreview
from tests.exposure import BASTION_PORTS, DB_PORT, preview

Reach = set[tuple[str, int]]  # (source, port) pairs that the VMs of a group admit
INTERNET = {"0.0.0.0/0", "Internet"}


def vm_of(p: StackPreview, token: str, group: str) -> Registered:
    """The `token` resource (template, scale set) of compute group `group`."""
    (vm,) = [r for r in p.by_type(token) if r.parent.endswith(f"::exposure-{group}")]
    return vm


def cidr(p: StackPreview) -> str:
    (network,) = p.outputs["networks"].values()
    return str(network["cidr"])


# -- AWS: the security groups the launch template names -------------------------------------


def aws_reach(p: StackPreview, group: str) -> Reach:
    template = vm_of(p, "aws:ec2/launchTemplate:LaunchTemplate", group)
    (nic,) = template.inputs["networkInterfaces"]
    named = [
        r for r in p.by_type("aws:ec2/securityGroup:SecurityGroup") if r.id in nic["securityGroups"]
    ]
    assert len(named) == len(nic["securityGroups"]) == 2  # the network's, the group's
    return {
        (source, port)
        for sg in named
        for rule in sg.inputs["ingress"]
        for source in rule["cidrBlocks"]
        for port in range(int(rule["fromPort"]), int(rule["toPort"]) + 1)
    }


# -- GCP: the firewall rules of the network that target the template's tags -----------------


def gcp_reach(p: StackPreview, group: str) -> Reach:
    template = vm_of(p, "gcp:compute/instanceTemplate:InstanceTemplate", group)
    tags = set(template.inputs["tags"])
    (nic,) = template.inputs["networkInterfaces"]
    reach: Reach = set()
    for fw in p.by_type("gcp:compute/firewall:Firewall"):
        if not nic["network"].endswith(fw.inputs["network"]):
            continue
        if fw.inputs.get("targetTags") and not tags & set(fw.inputs["targetTags"]):
            continue
        assert fw.inputs["direction"] == "INGRESS" and "targetServiceAccounts" not in fw.inputs
        reach |= {
            (source, int(port))
            for allow in fw.inputs["allows"]
            for port in allow["ports"]
            for source in fw.inputs["sourceRanges"]
        }
    return reach


# -- Azure: the NSG's allow rules to the NIC's ASGs (or to every NIC) -----------------------


def azure_ip_config(p: StackPreview, group: str) -> dict[str, Any]:
    profile = vm_of(p, "azure-native:compute:VirtualMachineScaleSet", group).inputs[
        "virtualMachineProfile"
    ]
    if profile.get(rpc._special_sig_key) == rpc._special_secret_sig:
        profile = profile["value"]
    (nic,) = profile["networkProfile"]["networkInterfaceConfigurations"]
    (ip,) = nic["ipConfigurations"]
    assert nic["networkSecurityGroup"] == {
        "id": p.one("azure-native:network:NetworkSecurityGroup").id
    }
    return dict(ip)


def azure_reach(p: StackPreview, group: str) -> Reach:
    asgs = {a["id"] for a in azure_ip_config(p, group)["applicationSecurityGroups"]}
    reach: Reach = set()
    for rule in p.one("azure-native:network:NetworkSecurityGroup").inputs["securityRules"]:
        if (rule["direction"], rule["access"]) != ("Inbound", "Allow"):
            continue
        targets = {a["id"] for a in rule.get("destinationApplicationSecurityGroups", [])}
        if not (targets & asgs or rule.get("destinationAddressPrefix") == "*"):
            continue
        sources = rule.get("sourceAddressPrefixes") or [rule["sourceAddressPrefix"]]
        reach |= {(s, int(port)) for port in rule["destinationPortRanges"] for s in sources}
    return reach


REACH: dict[str, Callable[[StackPreview, str], Reach]] = {
    "aws": aws_reach,
    "gcp": gcp_reach,
    "azure": azure_reach,
}
CLOUDS = sorted(REACH)
# The way in each cloud's login path opens on every group: GCP's IAP proxy on SSH (Gcp.login);
# Session Manager and Entra ID login (through the network's own routes) open nothing more.
WAY_IN: dict[str, Reach] = {"aws": set(), "gcp": {(IAP_RANGE, SSH_PORT)}, "azure": set()}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_no_internet_ingress_reaches_the_private_database(cloud: str) -> None:
    p = preview(cloud)
    reach = REACH[cloud](p, "db")
    assert {(s, port) for s, port in reach if s in INTERNET} == set()
    # its own port, from its network only, and the cloud's way in
    assert reach == {(cidr(p), DB_PORT)} | WAY_IN[cloud]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_public_bastion_keeps_its_internet_ingress(cloud: str) -> None:
    p = preview(cloud)
    reach = REACH[cloud](p, "bastion")
    internet = "Internet" if cloud == "azure" else "0.0.0.0/0"
    opened = {(s, port) for port in BASTION_PORTS for s in (cidr(p), internet)}
    assert reach == opened | WAY_IN[cloud]


def test_azure_only_the_public_bastion_gets_a_public_ip() -> None:
    """The database's VMs have no public IP beside a public bastion (they go out through the
    network's NAT gateway); the bastion's VMs each get a Standard one."""
    p = preview("azure")
    assert "publicIPAddressConfiguration" not in azure_ip_config(p, "db")
    bastion = azure_ip_config(p, "bastion")["publicIPAddressConfiguration"]
    assert bastion["sku"] == {"name": "Standard", "tier": "Regional"}
