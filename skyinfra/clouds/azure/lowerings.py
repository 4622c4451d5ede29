"""Azure's lowering table: every neutral type it lowers, declared once (`Cloud.lowerings`).

The functions live in per-theme modules: `lowering` (networks, buckets, compute groups),
`vpn` (gateway, VPN link halves, native peering, the peering stacks' provider), `interconnect`
and `replication`. Importing this module imports the Pulumi SDK.
"""

from __future__ import annotations

from skyinfra.clouds.azure import Azure, federation, interconnect, lowering, replication, vpn
from skyinfra.clouds.records import (
    ByCredential,
    FillFromForeign,
    ForeignTrust,
    InterconnectHalf,
    IssueCredential,
    LinkSide,
    Lowering,
    PeeringPair,
    Reader,
    ReplicateWithin,
)
from skyinfra.peering.model import VpnGateway
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

__all__ = ["LOWERINGS", "provider"]

LOWERINGS: dict[type, Lowering] = {
    NetworkPlan: lowering.lower_network,
    BucketPlan: lowering.lower_bucket,
    ComputePlan: lowering.lower_compute,
    VpnGateway: vpn.lower_gateway,
    LinkSide: vpn.lower_half,
    PeeringPair: vpn.lower_peering,
    InterconnectHalf: interconnect.lower_half,
    ReplicateWithin: replication.replicate_within,
    Reader: replication.reader,
    IssueCredential: ByCredential(Azure.name, replication.ISSUERS),
    FillFromForeign: ByCredential(Azure.name, replication.MOVERS),
    ForeignTrust: federation.lower_trust,
}

#: The explicit provider a peering stack makes for one of this cloud's sites.
provider = vpn.provider
