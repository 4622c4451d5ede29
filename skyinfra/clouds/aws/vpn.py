"""AWS side of cross-cloud VPN links (peering reference sections 2-4).

Site (cloud stack): one virtual private gateway attached to the VPC, with the BGP ASN the
planner gave the site, and route propagation into the VPC's route table, so prefixes learned
over BGP reach the subnets. Per link (peering stack): a customer gateway per peer public IP
and one two-tunnel VPN connection to each, with the planned inside /30s, the link's keys and
the one IKEv2 proposal of `skyinfra.peering.ipsec` (one algorithm per role); AWS initiates
and restarts its tunnels itself. Two regions of AWS: VPC peering and a route each way
(peering stack).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from skyinfra.clouds.aws import limits
from skyinfra.clouds.base import Context, LinkSide
from skyinfra.clouds.outputs import (
    GatewayOutputs,
    NetworkOutputs,
    PeeringOutputs,
    VpnHalfOutputs,
)
from skyinfra.clouds.records import PeeringPair
from skyinfra.peering.ipsec import PROPOSAL, IpsecProposal
from skyinfra.peering.model import Tunnel, TunnelEnd, VpnGateway
from skyinfra.site import Site

__all__ = ["lower_gateway", "lower_half", "lower_peering", "provider", "tunnel_options"]

_MAX_BGP_ASN = 2147483647  # larger peer ASNs go into `bgp_asn_extended`
# Neutral (IKEv2 transform) names -> AWS tunnel option values (VpnTunnelOptionsSpecification).
_ENCRYPTION = {"AES-CBC-128": "AES128", "AES-CBC-256": "AES256"}
_INTEGRITY = {
    "HMAC-SHA1-96": "SHA1",
    "HMAC-SHA2-256-128": "SHA2-256",
    "HMAC-SHA2-384-192": "SHA2-384",
    "HMAC-SHA2-512-256": "SHA2-512",
}


def lower_gateway(plan: VpnGateway, ctx: Context) -> GatewayOutputs:
    """The VPC's virtual private gateway (AWS attaches one per VPC) and, for VPN links, route
    propagation (AWS: enabling it before a Direct Connect gateway association can propagate
    routes incorrectly, so interconnect links add it in the peering stack, after that)."""
    network = ctx.attached_network()
    gateway = aws.ec2.VpnGateway(
        ctx.child("vgw"),
        vpc_id=network["id"],
        amazon_side_asn=str(plan.asn),
        tags=limits.tags(ctx, ctx.child("vgw")),
        opts=ctx.opts(),
    )
    tables = route_tables(network)
    if plan.vpn:  # for Direct Connect, propagation waits for the DX gateway association
        for suffix, table in tables.items():
            aws.ec2.VpnGatewayRoutePropagation(
                ctx.child(f"propagation{suffix}"),
                vpn_gateway_id=gateway.id,
                route_table_id=table,
                opts=ctx.opts(),
            )
    return {
        "vpn_gateway_id": gateway.id,
        "asn": plan.asn,
        "public_ips": [],  # a VGW has none: each VPN connection brings two tunnel addresses
        "route_table_ids": list(tables.values()),
    }


def route_tables(
    network: NetworkOutputs, public: bool | None = None, private: int | None = None
) -> dict[str, Any]:
    """Logical-name suffix -> route table that routes to peers go into: every workload
    subnets' table (`-0`, as the only one always was, then `-1`... with `nat: per_zone`) and,
    with NAT egress, the public subnets' (`-public`), so public groups reach peers too.
    `public` and `private` (how many workload tables) say what exists when `network` is read
    by StackReference (keys unknown until deploy); else the outputs' keys tell."""
    has_public = "public_route_table_id" in network if public is None else public
    if private is None:
        private = len(network["route_table_ids"]) if "route_table_ids" in network else 1
    tables = {"-0": network["route_table_id"]}
    tables.update({f"-{i}": network["route_table_ids"][i] for i in range(1, private)})
    if has_public:
        tables["-public"] = network["public_route_table_id"]
    return tables


def lower_half(side: LinkSide, ctx: Context) -> VpnHalfOutputs:
    """Per own interface (one VPN connection), a customer gateway on the peer IP it faces."""
    connections = []
    for interface, tunnels in _by_interface(side).items():
        peer_ip = side.peer_addresses[tunnels[0][2].outside_index]
        cgw = aws.ec2.CustomerGateway(
            ctx.child(f"cgw-{interface}"),
            type="ipsec.1",
            ip_address=peer_ip,
            **_asn(side.peer_asn),
            tags=limits.tags(ctx, ctx.child(f"cgw-{interface}")),
            opts=ctx.opts(),
        )
        connections.append(_connection(side, ctx, interface, cgw, tunnels))
    addresses = [
        (conn.tunnel1_address, conn.tunnel2_address)[own.slot]
        for own, _ in sorted(side.ends, key=lambda e: e[0].outside_index)
        for conn in [connections[own.interface]]
    ]
    return {
        "addresses": pulumi.Output.all(*addresses),
        "tunnels": [conn.id for conn in connections],
        "bgp_peers": [peer.inside_ip for _, peer in side.ends],
    }


Grouped = list[tuple[Tunnel, TunnelEnd, TunnelEnd]]


def _by_interface(side: LinkSide) -> dict[int, Grouped]:
    """(tunnel, own end, peer end) per own interface, in slot order."""
    grouped: dict[int, Grouped] = {}
    for tunnel, (own, peer) in zip(side.link.tunnels, side.ends, strict=True):
        grouped.setdefault(own.interface, []).append((tunnel, own, peer))
    return {k: sorted(v, key=lambda e: e[1].slot) for k, v in sorted(grouped.items())}


def _asn(asn: int) -> dict[str, str]:
    return {"bgp_asn": str(asn)} if asn <= _MAX_BGP_ASN else {"bgp_asn_extended": str(asn)}


def tunnel_options(proposal: IpsecProposal) -> dict[str, Any]:
    """One tunnel's IKE options (without the `tunnelN_` prefix): the proposal, one value per
    role, and who brings the tunnel up.

    AWS initiates (`startup_action: start`) and, on a dead-peer-detection timeout, restarts
    the negotiation itself (`dpd_timeout_action: restart`; the default `clear` ends the IKE
    session and waits for the peer). Needed for a responder-only peer (Azure never initiates,
    so a cleared tunnel would stay down), and set for every peer: GCP initiates and responds,
    so AWS initiating too costs nothing, and recovery never depends on the peer. `start`
    needs IKEv2, which every tunnel uses. EC2 API VpnTunnelOptionsSpecification:
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnTunnelOptionsSpecification.html
    """
    return {
        "ike_versions": ["ikev2"],
        "phase1_encryption_algorithms": [_ENCRYPTION[proposal.ike_encryption]],
        "phase1_integrity_algorithms": [_INTEGRITY[proposal.ike_integrity]],
        "phase1_dh_group_numbers": [proposal.dh_group],
        "phase1_lifetime_seconds": proposal.ike_lifetime_seconds,
        "phase2_encryption_algorithms": [_ENCRYPTION[proposal.esp_encryption]],
        "phase2_integrity_algorithms": [_INTEGRITY[proposal.esp_integrity]],
        "phase2_dh_group_numbers": [proposal.pfs_group],
        "phase2_lifetime_seconds": proposal.child_lifetime_seconds,
        "startup_action": "start",
        "dpd_timeout_action": "restart",
    }


def _connection(
    side: LinkSide,
    ctx: Context,
    interface: int,
    cgw: aws.ec2.CustomerGateway,
    tunnels: Grouped,
) -> aws.ec2.VpnConnection:
    """Two BGP tunnels with the planned inside /30s, the link's keys and the proposal."""
    options: dict[str, Any] = {}
    for tunnel, own, _ in tunnels:
        prefix = f"tunnel{own.slot + 1}_"
        options[prefix + "inside_cidr"] = tunnel.inside_cidr
        options[prefix + "preshared_key"] = side.keys[tunnel.index]
        for key, value in tunnel_options(PROPOSAL).items():
            options[prefix + key] = value
    return aws.ec2.VpnConnection(
        ctx.child(f"vpn-{interface}"),
        type="ipsec.1",
        vpn_gateway_id=side.gateway["vpn_gateway_id"],
        customer_gateway_id=cgw.id,
        static_routes_only=False,
        tags=limits.tags(ctx, ctx.child(f"vpn-{interface}")),
        opts=ctx.opts(),
        **options,
    )


def provider(name: str, site: Site, settings: Mapping[str, str]) -> pulumi.ProviderResource:
    return aws.Provider(name, region=site.region, profile=settings.get("profile"))


def lower_peering(pair: PeeringPair, ctx: Context) -> PeeringOutputs:
    """Cross-region VPC peering: requested from `a`'s region, accepted in `b`'s, and a route
    to the other VPC's CIDR in each route table (security groups already admit peers)."""
    a, b = pair.sides
    connection = aws.ec2.VpcPeeringConnection(
        ctx.child("peering"),
        vpc_id=a.network["id"],
        peer_vpc_id=b.network["id"],
        peer_region=b.site.region,
        auto_accept=False,  # cross-region: only the accepter side can accept
        tags=limits.tags(ctx, ctx.child("peering")),
        opts=ctx.opts(provider=a.provider),
    )
    accepter = aws.ec2.VpcPeeringConnectionAccepter(
        ctx.child("accepter"),
        vpc_peering_connection_id=connection.id,
        auto_accept=True,
        tags=limits.tags(ctx, ctx.child("peering")),
        opts=ctx.opts(provider=b.provider),
    )
    for side, other in ((a, b), (b, a)):
        tables = route_tables(side.network, side.public_routes, side.private_route_tables)
        for suffix, table in tables.items():
            aws.ec2.Route(
                # The workload table's route keeps its name of old: `route-<stack>`.
                ctx.child(f"route-{side.site.stack}{'' if suffix == '-0' else suffix}"),
                route_table_id=table,
                destination_cidr_block=other.cidr,
                vpc_peering_connection_id=connection.id,
                opts=ctx.opts(provider=side.provider, depends_on=[accepter]),
            )
    return {"peering_connection_id": connection.id}
