"""AWS side of dedicated interconnects: Direct Connect facing GCP's Cross-Cloud Interconnect
(peering reference section 7).

Per link (peering stack): a Direct Connect gateway speaking the site's planned ASN, associated
with the VPC's virtual private gateway (the site's, from the cloud stack) and allowed to
advertise exactly this VPC's CIDR, then route propagation from the VGW into the VPC's route
table (AWS asks for it only after the association); per redundant connection, a LAG
(Cross-Cloud Interconnect for AWS requires one per connection) of one 10 Gbps port at that
connection's Direct Connect location (`directconnect-location-1` / `-2`: two facilities).
Phase 2 only (the LAGs are available): a private virtual interface on each LAG with the
planned VLAN, /30 (the Cloud Router on host 1, AWS on host 2), GCP's ASN, the link's BGP MD5
key and MTU 1500. AWS refuses a VIF on a connection that is not available yet.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from skyinfra.clouds.aws import limits
from skyinfra.clouds.aws.vpn import route_tables
from skyinfra.clouds.base import Context, InterconnectHalf
from skyinfra.clouds.outputs import InterconnectHalfOutputs
from skyinfra.peering.model import Attachment

__all__ = ["lower_half"]

PORT_BANDWIDTH = "10Gbps"  # matches the Cross-Cloud Interconnect's 10G ports
PREFIX = 30
# A private VIF takes 1500 or 9001 (pulumi_aws PrivateVirtualInterface `mtu` docstring; AWS
# Direct Connect "Network MTU for private virtual interfaces"); 1500 is what the GCP VLAN
# attachment (set explicitly: it defaults to 1440) and ExpressRoute (fixed) use.
MTU = 1500


def lower_half(side: InterconnectHalf, ctx: Context) -> InterconnectHalfOutputs:
    """The Direct Connect gateway and its association, then a LAG and a VIF per connection."""
    dx_gateway = aws.directconnect.Gateway(
        ctx.child("dx-gateway"),
        name=ctx.child("dx-gateway"),
        amazon_side_asn=str(side.asn),
        tags=limits.tags(ctx, ctx.child("dx-gateway")),
        opts=ctx.opts(),
    )
    association = aws.directconnect.GatewayAssociation(
        ctx.child("dx-association"),
        dx_gateway_id=dx_gateway.id,
        associated_gateway_id=side.gateway["vpn_gateway_id"],
        allowed_prefixes=[side.cidr],
        opts=ctx.opts(),
    )
    # AWS: enable propagation only once the VGW is associated with the DX gateway.
    tables = route_tables(side.network, side.public_routes, side.private_route_tables)
    for suffix, table in tables.items():
        aws.ec2.VpnGatewayRoutePropagation(
            ctx.child(f"propagation{suffix}"),
            vpn_gateway_id=side.gateway["vpn_gateway_id"],
            route_table_id=table,
            opts=ctx.opts(depends_on=[association]),
        )
    lags, interfaces = [], []
    for att in side.attachments:
        i = att.index
        lag = aws.directconnect.LinkAggregationGroup(
            ctx.child(f"lag-{i}"),
            name=ctx.child(f"lag-{i}"),
            connections_bandwidth=PORT_BANDWIDTH,
            location=side.config[f"directconnect-location-{i + 1}"],
            tags=limits.tags(ctx, ctx.child(f"lag-{i}")),
            opts=ctx.opts(),
        )
        lags.append(lag.id)
        if side.ready:
            interfaces.append(_private_vif(side, ctx, att, lag, dx_gateway).id)
    return {
        "dx_gateway_id": dx_gateway.id,
        "lags": lags,
        "attachments": interfaces,
        "bgp_peers": [att.hub_ip for att in side.attachments] if side.ready else [],
    }


def _private_vif(
    side: InterconnectHalf,
    ctx: Context,
    att: Attachment,
    lag: aws.directconnect.LinkAggregationGroup,
    dx_gateway: aws.directconnect.Gateway,
) -> aws.directconnect.PrivateVirtualInterface:
    """Phase 2: the BGP session to the Cloud Router over the LAG's VLAN."""
    i = att.index
    return aws.directconnect.PrivateVirtualInterface(
        ctx.child(f"vif-{i}"),
        name=ctx.child(f"vif-{i}"),
        connection_id=lag.id,
        dx_gateway_id=dx_gateway.id,
        vlan=att.vlan,
        address_family="ipv4",
        bgp_asn=side.peer_asn,
        amazon_address=f"{att.edge_ip}/{PREFIX}",
        customer_address=f"{att.hub_ip}/{PREFIX}",
        bgp_auth_key=pulumi.Output.secret(side.key),
        mtu=MTU,
        tags=limits.tags(ctx, ctx.child(f"vif-{i}")),
        opts=ctx.opts(),
    )
