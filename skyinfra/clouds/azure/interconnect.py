"""Azure side of dedicated interconnects: ExpressRoute Direct facing GCP's Cross-Cloud
Interconnect for Azure (peering reference section 7).

Site (cloud stack): an ExpressRoute virtual network gateway (zone-redundant `ErGw1AZ` where
the region has zones, `Standard` elsewhere; one Standard static public IP) in the VNet's
`GatewaySubnet`, which it can share with a VPN gateway when the subnet is a /27 or larger.
Per link (peering stack): an ExpressRoute Direct port pair (its two links, on two Microsoft
routers, are the two redundant connections).
Phase 2, once both links are patched: the port's links enabled (a disabled link passes no
traffic), a circuit on it, Azure private peering with GCP's ASN, the link's VLAN, the two
planned /30s (primary, secondary: the Cloud Router on host 1, Microsoft on host 2) and the
link's MD5 key, and the connection from the ExpressRoute gateway to the circuit. Microsoft's
edge speaks ASN 12076. Microsoft's ExpressRoute workflow ("ExpressRoute workflows for circuit
provisioning", Direct model) orders it so: reserve the ports, get the LOA and cross-connects,
enable the links' admin state, and only then create the circuit.
"""

from __future__ import annotations

import ipaddress
from typing import Any, TypedDict

import pulumi
from pulumi_azure_native import network

from skyinfra.clouds.azure import has_zones
from skyinfra.clouds.azure.limits import tags
from skyinfra.clouds.azure.public_ip import gateway_public_ip
from skyinfra.clouds.base import Context, InterconnectHalf
from skyinfra.clouds.outputs import InterconnectHalfOutputs, NetworkOutputs
from skyinfra.errors import UnsupportedError
from skyinfra.peering.model import VpnGateway

__all__ = ["check_gateway_subnet", "lower_expressroute_gateway", "lower_half"]

# Zone-redundant ErGw1AZ where the region has zones; elsewhere its non-zonal equivalent
# Standard (same tier: 4 circuit connections, coexists with a VPN gateway), which Azure still
# lists for new ExpressRoute gateways ("About ExpressRoute virtual network gateways", gateway
# SKUs: https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways).
ZONAL_SKU = "ErGw1AZ"
REGIONAL_SKU = "Standard"
LARGEST_SHARED_PREFIX = 27  # ExpressRoute + VPN gateways share a GatewaySubnet of /27 or more
PORT_GBPS = 10
# ExpressRoutePort `links[].name` as Azure creates them (`az network express-route port
# show`: link1 primary, link2 secondary); admin state starts Disabled.
PORT_LINKS = ("link1", "link2")
_CREATE_TIMEOUT = "90m"


class ExpressRouteGateway(TypedDict):
    """The ExpressRoute gateway's part of `GatewayOutputs`."""

    expressroute_gateway_id: Any


def check_gateway_subnet(cidr: str | None, network_name: str) -> None:
    """An ExpressRoute gateway needs a GatewaySubnet of /27 or larger (shared with VPN)."""
    if cidr is None or ipaddress.ip_network(cidr).prefixlen > LARGEST_SHARED_PREFIX:
        raise UnsupportedError(
            f"network {network_name!r}: the ExpressRoute gateway needs a GatewaySubnet of "
            f"/{LARGEST_SHARED_PREFIX} or larger, got {cidr or 'none'}",
            path=("networks", network_name),
        )


def lower_expressroute_gateway(
    plan: VpnGateway, ctx: Context, net: NetworkOutputs
) -> ExpressRouteGateway:
    """The VNet's ExpressRoute gateway (its connections live in the peering stacks)."""
    check_gateway_subnet(ctx.stack.network(plan.network).gateway_subnet, plan.network)
    name = ctx.child("er-gateway")
    ip = gateway_public_ip(ctx, net, "er-ip")
    sku = ZONAL_SKU if has_zones(ctx.stack.site.region) else REGIONAL_SKU
    gateway = network.VirtualNetworkGateway(
        name,
        virtual_network_gateway_name=name,
        resource_group_name=net["resource_group_name"],
        location=net["location"],
        gateway_type="ExpressRoute",
        sku={"name": sku, "tier": sku},
        ip_configurations=[
            {
                "name": "default",
                "public_ip_address": {"id": ip.id},
                "subnet": {"id": net["gateway_subnet_id"]},
                "private_ip_allocation_method": "Dynamic",
            }
        ],
        tags=tags(ctx),
        opts=ctx.opts(custom_timeouts=pulumi.CustomTimeouts(create=_CREATE_TIMEOUT)),
    )
    return {"expressroute_gateway_id": gateway.id}


def lower_half(side: InterconnectHalf, ctx: Context) -> InterconnectHalfOutputs:
    """Port pair; in phase 2, its links enabled, the circuit, private peering over both /30s
    and the gateway's connection."""
    gateway = side.gateway
    group, location = gateway["resource_group_name"], gateway["location"]
    port = network.ExpressRoutePort(
        ctx.child("er-port"),
        express_route_port_name=ctx.child("er-port"),
        resource_group_name=group,
        location=location,
        peering_location=side.config["expressroute-peering-location"],
        bandwidth_in_gbps=PORT_GBPS,
        encapsulation="Dot1Q",
        billing_type="MeteredData",
        # Phase 1 leaves the links as Azure creates them (Disabled); phase 2 enables both.
        links=[{"name": n, "admin_state": "Enabled"} for n in PORT_LINKS] if side.ready else None,
        tags=tags(ctx),
        opts=ctx.opts(),
    )
    if not side.ready:
        return {"port_id": port.id, "attachments": [], "bgp_peers": []}
    return {"port_id": port.id, **_circuit(side, ctx, port)}


def _circuit(
    side: InterconnectHalf, ctx: Context, port: network.ExpressRoutePort
) -> InterconnectHalfOutputs:
    """Phase 2: the circuit on the enabled port, its private peering and the connection."""
    gateway = side.gateway
    group, location = gateway["resource_group_name"], gateway["location"]
    primary, secondary = side.attachments
    circuit_name = ctx.child("er-circuit")
    circuit = network.ExpressRouteCircuit(
        circuit_name,
        circuit_name=circuit_name,
        resource_group_name=group,
        location=location,
        express_route_port={"id": port.id},
        bandwidth_in_gbps=PORT_GBPS,
        sku={"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
        tags=tags(ctx),
        opts=ctx.opts(),
    )
    peering = network.ExpressRouteCircuitPeering(
        ctx.child("er-private-peering"),
        resource_group_name=group,
        circuit_name=circuit_name,
        peering_name="AzurePrivatePeering",
        peering_type="AzurePrivatePeering",
        peer_asn=side.peer_asn,
        vlan_id=primary.vlan,
        primary_peer_address_prefix=primary.cidr,
        secondary_peer_address_prefix=secondary.cidr,
        # The SDK does not mark it secret: do it here.
        shared_key=pulumi.Output.secret(side.key),
        opts=ctx.opts(depends_on=[circuit]),
    )
    connection = network.VirtualNetworkGatewayConnection(
        ctx.child("er-connection"),
        resource_group_name=group,
        location=location,
        connection_type="ExpressRoute",
        virtual_network_gateway1={"id": gateway["expressroute_gateway_id"]},
        peer={"id": circuit.id},
        routing_weight=0,
        tags=tags(ctx),
        opts=ctx.opts(depends_on=[peering]),
    )
    return {
        "circuit_id": circuit.id,
        "attachments": [peering.id],
        "connection_id": connection.id,
        "bgp_peers": [att.hub_ip for att in side.attachments],
    }
