"""GCP side of dedicated interconnects: Cross-Cloud Interconnect (peering reference section 7).

GCP is the hub: it runs the physical link to the other cloud's edge. Per link (peering stack),
for each of the two redundant connections: a DEDICATED `Interconnect` whose `remote_location`
(the peer cloud's facility) is what makes it a Cross-Cloud Interconnect, a DEDICATED VLAN
attachment on the region's Cloud Router with the planned VLAN and /30 (Cloud Router on host 1,
the peer's edge on host 2), and a router interface and BGP peer with the link's MD5 key.
The Cloud Router itself is the site's (cloud stack): it advertises exactly this region's CIDR.
Where the ports are and which remote location they face only the ordering process knows:
they come from the peering stack's config (`skyinfra:interconnect-location`, ...).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_gcp as gcp

from skyinfra.clouds.base import Context, InterconnectHalf, Outputs
from skyinfra.clouds.gcp.vpn import bgp_session, gcp_name

__all__ = ["location_url", "lower_half"]

COMPUTE_API = "https://www.googleapis.com/compute/v1/"

LINK_TYPE = "LINK_TYPE_ETHERNET_10G_LR"  # one 10 Gbps port per connection
BANDWIDTH = "BPS_10G"
SUBNET_LENGTH = 30  # /30s: the only length CCI for Azure accepts, and allowed towards AWS


def location_url(location: str, settings: Mapping[str, str]) -> str:
    """The API wants the InterconnectLocation's URL; users know its name (`iad-zone1-1`)."""
    if "/" in location:
        return location
    project = settings.get("project", "")
    return f"{COMPUTE_API}projects/{project}/global/interconnectLocations/{location}"


def lower_half(side: InterconnectHalf, ctx: Context) -> Outputs:
    """Two ports, each with one VLAN attachment and one BGP session to the peer's edge."""
    region, gateway = side.site.region, side.gateway
    attachments, peers, ports = [], [], []
    for att in side.attachments:
        i = att.index
        port = gcp.compute.Interconnect(
            ctx.child(f"interconnect-{i}"),
            name=gcp_name(ctx.child(f"interconnect-{i}")),
            interconnect_type="DEDICATED",
            link_type=LINK_TYPE,
            requested_link_count=1,
            location=location_url(side.config["interconnect-location"], ctx.stack.settings),
            remote_location=side.config["interconnect-remote-location"],
            admin_enabled=True,
            description=f"skyinfra {side.link.name}: connection {i} to {side.peer.cloud}",
            opts=ctx.opts(),
        )
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
            admin_enabled=True,
            opts=ctx.opts(),
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
        ports.append(port.id)
        attachments.append(attachment.id)
        peers.append(peer.peer_ip_address)
    return {"interconnects": ports, "attachments": attachments, "bgp_peers": peers}
