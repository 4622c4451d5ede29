"""Site resources of dedicated interconnects in the cloud stacks (the VPN ones are in
test_vpn_gateways.py): what a gateway plan with `interconnect` and without `vpn` becomes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from skyinfra.clouds import get_cloud
from skyinfra.clouds.azure.interconnect import check_gateway_subnet
from skyinfra.components import GATEWAY_TOKEN
from skyinfra.errors import UnsupportedError
from skyinfra.peering.ipam import gateway_subnet
from skyinfra.preview import StackPreview
from skyinfra.topology import StackPlan
from tests.stacks import bgp_router, gateway_public_ips, in_region, run, stack_plan, with_gateway


def interconnect_only(stack: StackPlan) -> StackPlan:
    stack = with_gateway(stack)
    gateways = tuple(replace(g, vpn=False, interconnect=True) for g in stack.gateways)
    return replace(stack, gateways=gateways)


def _children(p: StackPreview) -> list[str]:
    (component,) = p.by_type(GATEWAY_TOKEN)
    return sorted(r.type for r in p.resources if r.parent == component.urn)


def test_gcp_keeps_the_cloud_router_and_drops_the_ha_vpn_gateway() -> None:
    p = run(interconnect_only(stack_plan("gcp")))
    assert _children(p) == ["gcp:compute/router:Router"]
    out = p.outputs["gateways"]["core"]
    assert out["router_id"] == bgp_router(p).id
    assert out["public_ips"] == [] and "ha_vpn_gateway_id" not in out


def test_aws_keeps_the_vgw_and_leaves_propagation_to_the_peering_stack() -> None:
    p = run(interconnect_only(stack_plan("aws")))
    assert _children(p) == ["aws:ec2/vpnGateway:VpnGateway"]
    out = p.outputs["gateways"]["core"]
    assert out["vpn_gateway_id"] == p.one("aws:ec2/vpnGateway:VpnGateway").id


def test_azure_expressroute_gateway_beside_the_vpn_gateway() -> None:
    stack = with_gateway(stack_plan("azure"))
    both = replace(stack, gateways=tuple(replace(g, interconnect=True) for g in stack.gateways))
    p = run(both)
    gateways = {
        g.inputs["gatewayType"]: g for g in p.by_type("azure-native:network:VirtualNetworkGateway")
    }
    assert sorted(gateways) == ["ExpressRoute", "Vpn"]
    subnet_ids = {
        c["subnet"]["id"] for g in gateways.values() for c in g.inputs["ipConfigurations"]
    }
    assert len(subnet_ids) == 1  # both in the one GatewaySubnet
    out = p.outputs["gateways"]["core"]
    assert out["expressroute_gateway_id"] == gateways["ExpressRoute"].id
    assert out["gateway_id"] == gateways["Vpn"].id


@pytest.mark.parametrize(
    ("region", "sku", "zones"),
    [("westeurope", "ErGw1AZ", ["1", "2", "3"]), ("westus", "Standard", None)],
)
def test_azure_expressroute_gateway_is_zonal_only_where_the_region_has_zones(
    region: str, sku: str, zones: list[str] | None
) -> None:
    p = run(in_region(interconnect_only(stack_plan("azure")), region))
    gateway = p.one("azure-native:network:VirtualNetworkGateway")
    assert gateway.inputs["gatewayType"] == "ExpressRoute"
    assert gateway.inputs["sku"] == {"name": sku, "tier": sku}
    (ip,) = gateway_public_ips(p)
    assert ip.inputs.get("zones") == zones
    assert gateway.inputs["ipConfigurations"][0]["publicIPAddress"] == {"id": ip.id}


@pytest.mark.parametrize("cidr", ["10.1.255.0/28", "10.1.255.0/29", None])
def test_expressroute_needs_a_gateway_subnet_of_27_or_more(cidr: str | None) -> None:
    with pytest.raises(UnsupportedError, match="/27 or larger") as err:
        check_gateway_subnet(cidr, "core")
    assert err.value.problems[0].path == ("networks", "core")


def test_a_27_gateway_subnet_is_enough() -> None:
    check_gateway_subnet("10.1.255.0/27", "core")
    check_gateway_subnet("10.1.255.0/26", "core")


@pytest.mark.parametrize("cidr", ["10.1.0.0/16", "10.1.0.0/24"])  # the spec's largest, smallest
def test_the_planned_gateway_subnet_always_suits_expressroute(cidr: str) -> None:
    """The lowering's GatewaySubnet refusal is a second line of defence that no spec can
    reach: every network with a gateway is planned a `gateway_subnet_prefix` subnet, large
    enough for ExpressRoute. Shrinking the prefix fails here, not in `pulumi up`."""
    prefix = get_cloud("azure").gateway_subnet_prefix
    assert prefix is not None
    check_gateway_subnet(gateway_subnet(cidr, prefix), "core")
