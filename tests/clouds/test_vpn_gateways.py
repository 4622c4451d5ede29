"""Site resources of the VPN layer: the gateway each cloud stack creates for a linked network."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from skyinfra.components import GATEWAY_TOKEN
from skyinfra.preview import StackPreview
from tests.stacks import (
    BGP_ADDRESSES,
    GATEWAY_ASN,
    bgp_router,
    gateway_public_ips,
    in_region,
    run,
    stack_plan,
    with_gateway,
)


@cache
def preview(cloud: str) -> StackPreview:
    return run(with_gateway(stack_plan(cloud)))


def _children(p: StackPreview) -> list[str]:
    (component,) = p.by_type(GATEWAY_TOKEN)
    assert component.name == "demo-core-vpn"
    return sorted(r.type for r in p.resources if r.parent == component.urn)


def test_aws_virtual_private_gateway_on_the_vpc_with_route_propagation() -> None:
    """Into both route tables: the workload subnets' and the public subnets' (public groups
    reach the peers too); the workload table's propagation keeps its name of old."""
    p = preview("aws")
    propagation_token = "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"
    assert _children(p) == ["aws:ec2/vpnGateway:VpnGateway", propagation_token, propagation_token]
    vgw = p.one("aws:ec2/vpnGateway:VpnGateway")
    assert vgw.inputs["amazonSideAsn"] == str(GATEWAY_ASN)  # a string on the wire
    assert vgw.inputs["vpcId"] == p.one("aws:ec2/vpc:Vpc").id
    tables = {r.name: r.id for r in p.by_type("aws:ec2/routeTable:RouteTable")}
    workload, public = tables["demo-core-rt"], tables["demo-core-public-rt"]
    assert {r.name: r.inputs for r in p.by_type(propagation_token)} == {
        "demo-core-vpn-propagation-0": {"vpnGatewayId": vgw.id, "routeTableId": workload},
        "demo-core-vpn-propagation-public": {"vpnGatewayId": vgw.id, "routeTableId": public},
    }
    out = p.outputs["gateways"]["core"]
    assert out["vpn_gateway_id"] == vgw.id and out["asn"] == GATEWAY_ASN
    assert out["route_table_ids"] == [workload, public]


def test_gcp_router_advertises_exactly_this_regions_cidr() -> None:
    p = preview("gcp")
    assert _children(p) == ["gcp:compute/haVpnGateway:HaVpnGateway", "gcp:compute/router:Router"]
    network = p.one("gcp:compute/network:Network").id
    router = bgp_router(p)
    assert router.inputs["network"] == network and router.inputs["region"] == "us-central1"
    assert router.inputs["bgp"] == {
        "asn": GATEWAY_ASN,
        "advertiseMode": "CUSTOM",
        "advertisedIpRanges": [{"range": "10.1.0.0/16"}],
    }
    ha = p.one("gcp:compute/haVpnGateway:HaVpnGateway")
    # Beside its labels (the network's: the contract suite checks them), nothing else is set.
    assert {k: v for k, v in ha.inputs.items() if k != "labels"} == {
        "network": network,
        "region": "us-central1",
    }
    out = p.outputs["gateways"]["core"]
    assert out["router_name"] == router.outputs["name"] and out["router_id"] == router.id
    assert out["ha_vpn_gateway_id"] == ha.id
    assert out["public_ips"] == [i["ipAddress"] for i in ha.outputs["vpnInterfaces"]]
    assert len(set(out["public_ips"])) == 2


def test_azure_active_active_zone_redundant_gateway_with_every_apipa_address() -> None:
    p = preview("azure")
    assert _children(p) == [
        "azure-native:network:PublicIPAddress",
        "azure-native:network:PublicIPAddress",
        "azure-native:network:VirtualNetworkGateway",
    ]
    subnet = next(
        r for r in p.by_type("azure-native:network:Subnet") if r.name == "demo-core-gateway-subnet"
    )
    assert subnet.inputs["subnetName"] == "GatewaySubnet"
    assert subnet.inputs["addressPrefix"] == "10.1.255.0/27"
    assert "networkSecurityGroup" not in subnet.inputs  # Azure forbids an NSG there
    ips = gateway_public_ips(p)
    for ip in ips:
        assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
        assert ip.inputs["publicIPAllocationMethod"] == "Static"
        assert ip.inputs["zones"] == ["1", "2", "3"]
    vng = p.one("azure-native:network:VirtualNetworkGateway")
    inputs = vng.inputs
    assert (inputs["gatewayType"], inputs["vpnType"]) == ("Vpn", "RouteBased")
    assert inputs["sku"] == {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}
    assert inputs["activeActive"] is True and inputs["enableBgp"] is True
    assert vng.create_timeout == "90m"  # gateways take 45 minutes or more
    configs = inputs["ipConfigurations"]
    assert [c["publicIPAddress"]["id"] for c in configs] == [ip.id for ip in ips]
    assert {c["subnet"]["id"] for c in configs} == {subnet.id}
    # ipConfiguration ids are built as strings, and match what Azure will call them
    expected_ids = [f"{vng.id}/ipConfigurations/{c['name']}" for c in configs]
    peering = inputs["bgpSettings"]["bgpPeeringAddresses"]
    assert [x["ipconfigurationId"] for x in peering] == expected_ids
    assert [tuple(x["customBgpIpAddresses"]) for x in peering] == list(BGP_ADDRESSES)
    assert inputs["bgpSettings"]["asn"] == GATEWAY_ASN
    out = p.outputs["gateways"]["core"]
    assert out["gateway_id"] == vng.id and out["ip_configuration_ids"] == expected_ids
    assert out["public_ips"] == [ip.outputs["ipAddress"] for ip in ips]


@pytest.mark.parametrize("region", ["westus", "northcentralus", "ukwest"])
def test_azure_region_without_zones_gets_regional_ips_and_still_an_az_sku(region: str) -> None:
    """Zones on a public IP are refused where the region has none; the VPN gateway keeps its
    AZ SKU (non-AZ VpnGw1-5 cannot be created since 2025; AZ SKUs deploy regionally there)."""
    p = run(in_region(with_gateway(stack_plan("azure")), region))
    ips = gateway_public_ips(p)
    assert len(ips) == 2
    for ip in ips:
        assert "zones" not in ip.inputs
        assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
        assert ip.inputs["publicIPAllocationMethod"] == "Static"
        assert ip.inputs["location"] == region
    vng = p.one("azure-native:network:VirtualNetworkGateway")
    assert vng.inputs["sku"] == {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}
    # the same table decides the storage redundancy
    account = p.one("azure-native:storage:StorageAccount")
    assert account.inputs["sku"] == {"name": "Standard_LRS"}


def test_aws_propagates_into_every_zones_table_with_nat_per_zone() -> None:
    stack = with_gateway(stack_plan("aws"))
    (network,) = stack.networks
    p = run(replace(stack, networks=(replace(network, nat="per_zone"),)))
    tables = {r.name: r.id for r in p.by_type("aws:ec2/routeTable:RouteTable")}
    propagations = p.by_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
    assert {r.name: r.inputs["routeTableId"] for r in propagations} == {
        "demo-core-vpn-propagation-0": tables["demo-core-rt"],
        "demo-core-vpn-propagation-1": tables["demo-core-rt-1"],
        "demo-core-vpn-propagation-public": tables["demo-core-public-rt"],
    }
    assert p.outputs["gateways"]["core"]["route_table_ids"] == [
        tables["demo-core-rt"],
        tables["demo-core-rt-1"],
        tables["demo-core-public-rt"],
    ]
