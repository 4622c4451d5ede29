"""GCP resources with explicit names in the VPN peering stacks delete before they are
replaced: GCP keeps names unique, so Pulumi's default (create the replacement, then delete)
fails with "already exists". Auto-named ones (Cloud Router, HA VPN gateway) get a suffix.
The interconnect side of this is in test_interconnect_links.py."""

from __future__ import annotations

import pytest

from skyinfra.site import Site
from tests.peering.linkspec import AWS, AZURE, GCP
from tests.peering.vpnpairs import vpn_previews

EXTERNAL = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
INTERFACE = "gcp:compute/routerInterface:RouterInterface"
PEER = "gcp:compute/routerPeer:RouterPeer"
ROUTER = "gcp:compute/router:Router"
HA = "gcp:compute/haVpnGateway:HaVpnGateway"


@pytest.mark.parametrize("pair", [(AWS, GCP), (AZURE, GCP)], ids=["aws-gcp", "azure-gcp"])
def test_named_vpn_resources_delete_before_replacing(pair: tuple[Site, Site]) -> None:
    a, b = sorted(pair)
    previews = vpn_previews(a, b)
    peering = previews[f"peer-{a.stack}--{b.stack}"]
    gcp = [r for r in peering.resources if r.type.startswith("gcp:")]
    named = [r for r in gcp if "name" in r.inputs]
    assert {r.type for r in named} == {EXTERNAL, TUNNEL, INTERFACE, PEER}
    assert named == gcp  # every GCP resource of the link is named explicitly
    assert all(r.delete_before_replace for r in named)
    for token in (ROUTER, HA):  # the site's (BGP and NAT routers), in the cloud stack: auto-named
        assert all("name" not in r.inputs for r in previews[GCP.stack].by_type(token))
