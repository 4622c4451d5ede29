"""GCP side of dedicated interconnects: Cross-Cloud Interconnect (peering reference section 7).

GCP is the hub: it runs the physical link to the other cloud's edge. Per link (peering stack),
for each of the two redundant connections: a DEDICATED `Interconnect` whose `remote_location`
(the peer cloud's facility) is what makes it a Cross-Cloud Interconnect, in its own edge
availability domain; phase 2 only (the Interconnect is ACTIVE: Google creates VLAN
attachments on ready connections only), a DEDICATED VLAN attachment on the region's Cloud
Router with the planned VLAN, /30 (Cloud Router on host 1, the peer's edge on host 2) and MTU
1500, and a router interface and BGP peer with the link's MD5 key.
The Cloud Router itself is the site's (cloud stack): it advertises exactly this region's CIDR.
Where the ports are and which remote location they face only the ordering process knows:
they come from the peering stack's config (`skyinfra:interconnect-location-1`, ...).
Every resource here has an explicit name, so a replacement deletes the old one first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds.base import Context, InterconnectHalf
from skyinfra.clouds.gcp.limits import labels
from skyinfra.clouds.gcp.vpn import bgp_session, gcp_name
from skyinfra.clouds.outputs import InterconnectHalfOutputs
from skyinfra.peering.model import Attachment

__all__ = ["location_url", "lower_half"]

COMPUTE_API = "https://www.googleapis.com/compute/v1/"

LINK_TYPE = "LINK_TYPE_ETHERNET_10G_LR"  # one 10 Gbps port per connection
BANDWIDTH = "BPS_10G"
SUBNET_LENGTH = 30  # /30s: the only length CCI for Azure accepts, and allowed towards AWS
# VLAN attachments default to 1440 (pulumi_gcp InterconnectAttachment `mtu` docstring: 1440,
# 1460, 1500 or 8896); the peer's edge runs 1500 (AWS private VIF default, ExpressRoute's
# fixed MTU), and mismatched MTUs drop full-size packets: set it to the peer's. The API
# field is a string in the SDK.
MTU = "1500"
# `iad-zone1-1`: a location's name carries its edge availability domain (zone1 / zone2).
_EDGE_DOMAIN = re.compile(r"-(zone\d+)-")


def location_url(location: str, settings: Mapping[str, str]) -> str:
    """The API wants the InterconnectLocation's URL; users know its name (`iad-zone1-1`)."""
    if "/" in location:
        return location
    project = settings.get("project", "")
    return f"{COMPUTE_API}projects/{project}/global/interconnectLocations/{location}"


def lower_half(side: InterconnectHalf, ctx: Context) -> InterconnectHalfOutputs:
    """Two ports; in phase 2, each with one VLAN attachment and one BGP session to the peer's
    edge."""
    _check_edge_domains(side.config)
    attachments, peers, ports = [], [], []
    for att in side.attachments:
        i = att.index
        n = i + 1
        port = gcp.compute.Interconnect(
            ctx.child(f"interconnect-{i}"),
            name=gcp_name(ctx.child(f"interconnect-{i}")),
            interconnect_type="DEDICATED",
            link_type=LINK_TYPE,
            requested_link_count=1,
            location=location_url(side.config[f"interconnect-location-{n}"], ctx.stack.settings),
            remote_location=side.config[f"interconnect-remote-location-{n}"],
            admin_enabled=True,
            description=f"skyinfra {side.link.name}: connection {i} to {side.peer.cloud}",
            labels=labels(ctx),
            opts=ctx.opts(delete_before_replace=True),
        )
        ports.append(port.id)
        if side.ready:
            attachment, peer = _vlan_attachment(side, ctx, att, port)
            attachments.append(attachment.id)
            peers.append(peer.peer_ip_address)
    return {"interconnects": ports, "attachments": attachments, "bgp_peers": peers}


def _vlan_attachment(
    side: InterconnectHalf, ctx: Context, att: Attachment, port: gcp.compute.Interconnect
) -> tuple[gcp.compute.InterconnectAttachment, gcp.compute.RouterPeer]:
    """Phase 2: the attachment on the site's Cloud Router, its interface and BGP peer."""
    i, region, gateway = att.index, side.site.region, side.gateway
    attachment = gcp.compute.InterconnectAttachment(
        ctx.child(f"attachment-{i}"),
        name=gcp_name(ctx.child(f"attachment-{i}")),
        region=region,
        type="DEDICATED",
        interconnect=port.id,
        router=gateway["router_id"],
        vlan_tag8021q=att.vlan,
        bandwidth=BANDWIDTH,
        subnet_length=SUBNET_LENGTH,
        candidate_cloud_router_ip_address=f"{att.hub_ip}/{SUBNET_LENGTH}",
        candidate_customer_router_ip_address=f"{att.edge_ip}/{SUBNET_LENGTH}",
        mtu=MTU,
        admin_enabled=True,
        labels=labels(ctx),
        opts=ctx.opts(delete_before_replace=True),
    )
    peer = bgp_session(
        ctx,
        gateway,
        region,
        i,
        own_ip=att.hub_ip,
        peer_ip=att.edge_ip,
        peer_asn=side.peer_asn,
        prefix=SUBNET_LENGTH,
        md5_key=side.key,
        interconnect_attachment=attachment.name,
    )
    return attachment, peer


def _check_edge_domains(config: Mapping[str, str]) -> None:
    """Both ports in one edge availability domain share its maintenance windows and faults:
    Google's redundant topology puts them in two (`zone1` / `zone2` of a metro)."""
    names = [config[f"interconnect-location-{n}"].rstrip("/").rsplit("/", 1)[-1] for n in (1, 2)]
    domains = [m.group(1) if (m := _EDGE_DOMAIN.search(name)) else None for name in names]
    if domains[0] is not None and domains[0] == domains[1]:
        raise pulumi.RunError(
            "skyinfra:interconnect-location-1 and skyinfra:interconnect-location-2 "
            f"({names[0]!r}, {names[1]!r}) are both in edge availability domain {domains[0]}: "
            "put the two connections in two (e.g. iad-zone1-1 and iad-zone2-1)"
        )
