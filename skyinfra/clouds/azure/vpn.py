"""Azure side of cross-cloud VPN links (peering reference sections 1.6, 2, 4 and 5).

Site (cloud stack): two Standard static public IPs (their addresses exist at creation, so
peers need not wait for the gateway) and one active-active VPN gateway with BGP, both
zone-redundant where the region has zones. A VNet has a single VPN gateway, so its custom
BGP (APIPA) addresses list this side's inside address of every tunnel of ALL its links, as
the planner decided them. Per link (peering stack): per tunnel, a local network gateway for
the peer's tunnel address and BGP address, and a connection using this side's planned APIPA
address and the one IKEv2 proposal of `skyinfra.peering.ipsec` as its IPsec/IKE policy.
Azure does not open BGP from APIPA addresses: connections are responder-only and the peer
initiates. Two regions of Azure: global VNet peering in both directions (peering stack).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import authorization, network

from skyinfra.clouds.azure import limits
from skyinfra.clouds.azure.interconnect import lower_expressroute_gateway
from skyinfra.clouds.azure.public_ip import gateway_public_ip
from skyinfra.clouds.base import Context, LinkSide
from skyinfra.clouds.outputs import GatewayOutputs, NetworkOutputs, PeeringOutputs, VpnHalfOutputs
from skyinfra.clouds.records import PeeringPair
from skyinfra.peering.ipsec import PROPOSAL, IpsecProposal
from skyinfra.peering.model import GATEWAY_IPS, VpnGateway
from skyinfra.site import Site

__all__ = ["ipsec_policy", "lower_gateway", "lower_half", "lower_peering", "provider"]

# VpnGw1AZ in every region, zones or not. Microsoft, "VPN Gateway SKU consolidation and
# migration" (https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-consolidation): new
# gateways with the non-AZ VpnGw1-5 SKUs cannot be created since 2025-01-01 (existing ones are
# migrated to the AZ SKUs, non-AZ retired 2026-09), and the AZ SKUs deploy in all regions: in
# one without zones the gateway is regional. Only its public IPs must drop their zones there.
_SKU = "VpnGw1AZ"
_CREATE_TIMEOUT = "90m"  # gateways take 45 minutes or more


def lower_gateway(plan: VpnGateway, ctx: Context) -> GatewayOutputs:
    """The network's VPN gateway for VPN links, its ExpressRoute gateway for interconnects."""
    net = ctx.attached_network()
    outputs: GatewayOutputs = {
        "asn": plan.asn,
        "resource_group_name": net["resource_group_name"],
        "location": net["location"],
        "public_ips": [],
    }
    if plan.vpn:
        outputs.update(_vpn_gateway(plan, ctx, net))
    if plan.interconnect:
        outputs.update(lower_expressroute_gateway(plan, ctx, net))
    return outputs


class _VpnGateway(TypedDict):
    """The VPN gateway's part of `GatewayOutputs`."""

    gateway_id: Any
    public_ips: Any
    ip_configuration_ids: Any


def _vpn_gateway(plan: VpnGateway, ctx: Context, net: NetworkOutputs) -> _VpnGateway:
    """The VPN gateway; its ipConfiguration ids are strings built before it exists (the BGP
    settings must name them, and `gateway.id` would refer to itself)."""
    name = ctx.child("gateway")
    config_names = [f"ipconfig{i}" for i in range(GATEWAY_IPS)]
    ips = [gateway_public_ip(ctx, net, f"ip-{i}") for i in range(GATEWAY_IPS)]
    config_ids = [_ip_configuration_id(net["resource_group_name"], name, c) for c in config_names]
    gateway = network.VirtualNetworkGateway(
        name,
        virtual_network_gateway_name=name,
        resource_group_name=net["resource_group_name"],
        location=net["location"],
        gateway_type="Vpn",
        vpn_type="RouteBased",
        sku={"name": _SKU, "tier": _SKU},
        vpn_gateway_generation="Generation1",
        active_active=True,
        enable_bgp=True,
        ip_configurations=[
            {
                "name": config,
                "public_ip_address": {"id": ip.id},
                "subnet": {"id": net["gateway_subnet_id"]},
                "private_ip_allocation_method": "Dynamic",
            }
            for config, ip in zip(config_names, ips, strict=True)
        ],
        bgp_settings={
            "asn": plan.asn,
            "bgp_peering_addresses": [
                {"ipconfiguration_id": config_id, "custom_bgp_ip_addresses": list(addresses)}
                for config_id, addresses in zip(config_ids, _addresses(plan), strict=True)
            ],
        },
        tags=limits.tags(ctx),
        opts=ctx.opts(custom_timeouts=pulumi.CustomTimeouts(create=_CREATE_TIMEOUT)),
    )
    return {
        "gateway_id": gateway.id,
        "public_ips": [ip.ip_address for ip in ips],
        "ip_configuration_ids": config_ids,
    }


def _addresses(plan: VpnGateway) -> list[tuple[str, ...]]:
    """This side's APIPA addresses per instance (padded: both instances are always listed)."""
    return [
        plan.bgp_addresses[i] if i < len(plan.bgp_addresses) else () for i in range(GATEWAY_IPS)
    ]


def _ip_configuration_id(group: pulumi.Input[str], gateway: str, config: str) -> pulumi.Output[str]:
    subscription = authorization.get_client_config_output().subscription_id
    return pulumi.Output.concat(
        "/subscriptions/",
        subscription,
        "/resourceGroups/",
        group,
        "/providers/Microsoft.Network/virtualNetworkGateways/",
        gateway,
        "/ipConfigurations/",
        config,
    )


def lower_half(side: LinkSide, ctx: Context) -> VpnHalfOutputs:
    """One local network gateway and connection per tunnel (an LNG carries one BGP peer)."""
    gateway = side.gateway
    connections = []
    for tunnel, (own, peer) in zip(side.link.tunnels, side.ends, strict=True):
        k = tunnel.index
        local = network.LocalNetworkGateway(
            ctx.child(f"peer-{k}"),
            resource_group_name=gateway["resource_group_name"],
            location=gateway["location"],
            gateway_ip_address=side.peer_addresses[peer.outside_index],
            bgp_settings={"asn": side.peer_asn, "bgp_peering_address": peer.inside_ip},
            tags=limits.tags(ctx),
            opts=ctx.opts(),
        )
        connection = network.VirtualNetworkGatewayConnection(
            ctx.child(f"connection-{k}"),
            resource_group_name=gateway["resource_group_name"],
            location=gateway["location"],
            connection_type="IPsec",
            connection_protocol="IKEv2",
            connection_mode="ResponderOnly",
            ipsec_policies=[ipsec_policy(PROPOSAL)],
            enable_bgp=True,
            virtual_network_gateway1={"id": gateway["gateway_id"]},
            local_network_gateway2={"id": local.id},
            # The SDK does not mark it secret (unlike AWS's and GCP's keys): do it here.
            shared_key=pulumi.Output.secret(side.keys[k]),
            gateway_custom_bgp_ip_addresses=[
                {
                    "ip_configuration_id": gateway["ip_configuration_ids"][i],
                    "custom_bgp_ip_address": _custom_address(side, i, own.interface, own.inside_ip),
                }
                for i in range(GATEWAY_IPS)
            ],
            tags=limits.tags(ctx),
            opts=ctx.opts(),
        )
        connections.append(connection.id)
    return {"tunnels": connections, "bgp_peers": [peer.inside_ip for _, peer in side.ends]}


# Neutral (IKEv2 transform) names and IANA DH groups -> Azure IpsecPolicy values. Azure names
# DH group 20 "ECP384" in both roles, group 14 "DHGroup14"/"PFS2048" ("Configure custom
# IPsec/IKE connection policies", Diffie-Hellman groups table:
# https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto).
_ENCRYPTION = {"AES-CBC-128": "AES128", "AES-CBC-192": "AES192", "AES-CBC-256": "AES256"}
_INTEGRITY = {"HMAC-SHA1-96": "SHA1", "HMAC-SHA2-256-128": "SHA256"}
_IKE_INTEGRITY = {**_INTEGRITY, "HMAC-SHA2-384-192": "SHA384"}
_DH_GROUP = {2: "DHGroup2", 14: "DHGroup14", 19: "ECP256", 20: "ECP384", 24: "DHGroup24"}
_PFS_GROUP = {2: "PFS2", 14: "PFS2048", 19: "ECP256", 20: "ECP384", 24: "PFS24"}


def ipsec_policy(proposal: IpsecProposal) -> network.IpsecPolicyArgsDict:
    """The connection's custom IPsec/IKE policy: Azure then proposes and accepts only this
    (all fields are required). Its IKE SA lifetime is fixed at 28,800 s, which the proposal
    uses too; the SA lifetimes here are the IPsec (child) SA's."""
    return {
        "ike_encryption": _ENCRYPTION[proposal.ike_encryption],
        "ike_integrity": _IKE_INTEGRITY[proposal.ike_integrity],
        "dh_group": _DH_GROUP[proposal.dh_group],
        "ipsec_encryption": _ENCRYPTION[proposal.esp_encryption],
        "ipsec_integrity": _INTEGRITY[proposal.esp_integrity],
        "pfs_group": _PFS_GROUP[proposal.pfs_group],
        "sa_life_time_seconds": proposal.child_lifetime_seconds,
        "sa_data_size_kilobytes": proposal.child_lifetime_kilobytes,
    }


def _custom_address(side: LinkSide, instance: int, used: int, address: str) -> str:
    """This tunnel's APIPA address on the instance it uses; the API also wants one for the
    other instance, which does not carry the tunnel: any of that instance's addresses."""
    if instance == used:
        return address
    return side.gateway_plan.bgp_addresses[instance][0]


def provider(name: str, site: Site, settings: Mapping[str, str]) -> pulumi.ProviderResource:
    return azure_native.Provider(
        name,
        location=site.region,
        subscription_id=settings.get("subscriptionId"),
        tenant_id=settings.get("tenantId"),
    )


def lower_peering(pair: PeeringPair, ctx: Context) -> PeeringOutputs:
    """Global VNet peering, one peering resource in each VNet (Azure needs both directions);
    routes follow automatically, and the NSGs already admit the peer's CIDR."""
    peerings = []
    for side, other in (pair.sides, pair.sides[::-1]):
        peering = network.VirtualNetworkPeering(
            ctx.child(f"peering-{side.site.stack}"),
            resource_group_name=side.network["resource_group_name"],
            virtual_network_name=side.network["name"],
            remote_virtual_network={"id": other.network["id"]},
            allow_virtual_network_access=True,
            allow_forwarded_traffic=False,
            opts=ctx.opts(provider=side.provider),
        )
        peerings.append(peering.id)
    return {"peerings": peerings}
