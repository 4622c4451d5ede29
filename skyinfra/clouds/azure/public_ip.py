"""The gateways' public IPs: Standard, static and zone-redundant, as Azure requires of an
active-active VPN gateway and of a zone-redundant (`...AZ`) ExpressRoute gateway."""

from __future__ import annotations

from pulumi_azure_native import network

from skyinfra.clouds.base import Context, Outputs

ZONES = ["1", "2", "3"]


def gateway_public_ip(ctx: Context, net: Outputs, part: str) -> network.PublicIPAddress:
    """A zone-redundant Standard static public IP named `<ctx>-<part>` in `net`'s group."""
    return network.PublicIPAddress(
        ctx.child(part),
        resource_group_name=net["resource_group_name"],
        location=net["location"],
        sku={"name": "Standard", "tier": "Regional"},
        public_ip_allocation_method="Static",
        zones=ZONES,
        opts=ctx.opts(),
    )
