"""GCP side of cross-cloud VPN links (peering reference sections 2, 3 and 5).

Site (cloud stack): a Cloud Router with the site's ASN and an HA VPN gateway (two public
interfaces) in the stack's region of the network (both auto-named, so Pulumi suffixes a
replacement's name). The router advertises exactly this
region's CIDR (custom mode): the default would advertise every region's subnets of the
global network, routing peers to networks they are not linked with. Per link (peering
stack): an external gateway holding the peer's tunnel addresses, then per tunnel a VPN
tunnel, a router interface on this side's inside address and a BGP peer. These carry
explicit names, which GCP keeps unique per project (and region): Pulumi's default
create-before-replace would fail with "already exists", so they delete before replacing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds.base import Context, LinkSide
from skyinfra.clouds.gcp.limits import labels
from skyinfra.clouds.outputs import GatewayOutputs, VpnHalfOutputs
from skyinfra.peering.model import VpnGateway
from skyinfra.site import Site

__all__ = ["bgp_session", "gcp_name", "lower_gateway", "lower_half", "provider"]

# How many distinct peer addresses the tunnels use -> the external gateway's redundancy type.
_REDUNDANCY = {
    1: "SINGLE_IP_INTERNALLY_REDUNDANT",
    2: "TWO_IPS_REDUNDANCY",
    4: "FOUR_IPS_REDUNDANCY",
}
_NAME_MAX = 63


def lower_gateway(plan: VpnGateway, ctx: Context) -> GatewayOutputs:
    """The region's Cloud Router (BGP) and, for VPN links, HA VPN gateway on the network."""
    network = ctx.attached_network()
    region = plan.site.region
    router = gcp.compute.Router(
        ctx.child("router"),
        network=network["id"],
        region=region,
        bgp={
            "asn": plan.asn,
            "advertise_mode": "CUSTOM",
            "advertised_ip_ranges": [{"range": network["cidr"]}],
        },
        opts=ctx.opts(),
    )
    outputs: GatewayOutputs = {
        "asn": plan.asn,
        "region": region,
        "router_id": router.id,
        "router_name": router.name,
        "public_ips": [],
    }
    if plan.vpn:  # interconnect attachments need only the router
        gateway = gcp.compute.HaVpnGateway(
            ctx.child("ha-gateway"),
            network=network["id"],
            region=region,
            labels=labels(ctx),
            opts=ctx.opts(),
        )
        outputs["ha_vpn_gateway_id"] = gateway.id
        outputs["public_ips"] = gateway.vpn_interfaces.apply(_interface_ips)
    return outputs


def _interface_ips(interfaces: Any) -> list[str]:
    return [str(_field(i, "ip_address")) for i in sorted(interfaces, key=lambda i: _field(i, "id"))]


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


def lower_half(side: LinkSide, ctx: Context) -> VpnHalfOutputs:
    """Tunnel k runs from HA interface `own.interface` to peer address `peer.outside_index`."""
    region, gateway = side.site.region, side.gateway
    count = len({peer.outside_index for _, peer in side.ends})
    external = gcp.compute.ExternalVpnGateway(
        ctx.child("peer-gateway"),
        name=gcp_name(ctx.child("peer-gateway")),
        redundancy_type=_REDUNDANCY[count],
        interfaces=[{"id": i, "ip_address": side.peer_addresses[i]} for i in range(count)],
        labels=labels(ctx),
        opts=ctx.opts(delete_before_replace=True),
    )
    tunnels, peers = [], []
    for tunnel, (own, peer) in zip(side.link.tunnels, side.ends, strict=True):
        k = tunnel.index
        vpn = gcp.compute.VPNTunnel(
            ctx.child(f"tunnel-{k}"),
            name=gcp_name(ctx.child(f"tunnel-{k}")),
            region=region,
            vpn_gateway=gateway["ha_vpn_gateway_id"],
            vpn_gateway_interface=own.interface,
            peer_external_gateway=external.id,
            peer_external_gateway_interface=peer.outside_index,
            router=gateway["router_id"],
            ike_version=2,
            shared_secret=side.keys[k],
            labels=labels(ctx),
            opts=ctx.opts(delete_before_replace=True),
        )
        bgp = bgp_session(
            ctx,
            gateway,
            region,
            k,
            own_ip=own.inside_ip,
            peer_ip=peer.inside_ip,
            peer_asn=side.peer_asn,
            vpn_tunnel=vpn.name,
        )
        tunnels.append(vpn.id)
        peers.append(bgp.peer_ip_address)
    return {"tunnels": tunnels, "bgp_peers": peers}


def bgp_session(
    ctx: Context,
    gateway: GatewayOutputs,
    region: str,
    k: int,
    *,
    own_ip: str,
    peer_ip: str,
    peer_asn: int,
    prefix: int = 30,
    md5_key: pulumi.Input[str] | None = None,
    **link: Any,
) -> gcp.compute.RouterPeer:
    """A Cloud Router interface on `own_ip`/`prefix` over `link` (`vpn_tunnel=` or
    `interconnect_attachment=`) and the BGP peer behind it: what a VPN tunnel and an
    interconnect attachment both need."""
    interface = gcp.compute.RouterInterface(
        ctx.child(f"bgp-interface-{k}"),
        name=gcp_name(ctx.child(f"bgp-interface-{k}")),
        router=gateway["router_name"],
        region=region,
        ip_range=f"{own_ip}/{prefix}",
        **link,
        opts=ctx.opts(delete_before_replace=True),
    )
    name = gcp_name(ctx.child(f"bgp-peer-{k}"))
    return gcp.compute.RouterPeer(
        ctx.child(f"bgp-peer-{k}"),
        name=name,
        router=gateway["router_name"],
        region=region,
        interface=interface.name,
        peer_asn=peer_asn,
        peer_ip_address=peer_ip,
        ip_address=own_ip,
        md5_authentication_key=None if md5_key is None else {"name": name, "key": md5_key},
        opts=ctx.opts(delete_before_replace=True),
    )


def gcp_name(text: str) -> str:
    """A GCP resource name (RFC 1035, at most 63): long ones end in a hash of the whole."""
    label = re.sub(r"[^a-z0-9-]", "-", text.lower())
    if len(label) <= _NAME_MAX:
        return label
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return f"{label[: _NAME_MAX - 9].rstrip('-')}-{digest}"


def provider(name: str, site: Site, settings: Mapping[str, str]) -> pulumi.ProviderResource:
    return gcp.Provider(name, project=settings.get("project"), region=site.region)
