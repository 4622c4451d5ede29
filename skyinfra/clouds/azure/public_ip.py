"""The gateways' public IPs: Standard and static (their address exists at creation, so peers
need not wait for the gateway), zone-redundant where the region has availability zones.

Standard is mandatory for new VPN and ExpressRoute gateways. In a region without zones Azure
refuses `zones` on the IP (`LocationNotSupportAvailabilityZones`), so it is left out there.
"""

from __future__ import annotations

from pulumi_azure_native import network

from skyinfra.clouds.azure import has_zones
from skyinfra.clouds.azure.limits import tags
from skyinfra.clouds.base import Context
from skyinfra.clouds.outputs import NetworkOutputs

ZONES = ["1", "2", "3"]


def gateway_public_ip(ctx: Context, net: NetworkOutputs, part: str) -> network.PublicIPAddress:
    """A Standard static public IP named `<ctx>-<part>` in `net`'s group, in zones 1-3 if the
    stack's region has zones."""
    zonal = has_zones(ctx.stack.site.region)
    return network.PublicIPAddress(
        ctx.child(part),
        resource_group_name=net["resource_group_name"],
        location=net["location"],
        sku={"name": "Standard", "tier": "Regional"},
        public_ip_allocation_method="Static",
        zones=ZONES if zonal else None,
        tags=tags(ctx),
        opts=ctx.opts(),
    )
