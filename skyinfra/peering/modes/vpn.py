"""Site-to-site HA VPN between two clouds: 2 x max(tunnels per peer IP) tunnels with BGP, on
a gateway per concrete network shared by all its links (`peering.mode: vpn`, the default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyinfra.clouds import get_cloud
from skyinfra.clouds.base import tunnel_count
from skyinfra.peering.model import Tunnel, TunnelEnd, VpnLink, link_name
from skyinfra.peering.modes.base import (
    ConcreteNetwork,
    EdgeStyle,
    LinkMode,
    LinkPrices,
    Pair,
    hosts,
)
from skyinfra.peering.tunnels import InsideRequest, link_pool
from skyinfra.site import Site
from skyinfra.tokens import VPN_LINK_TOKEN


class Vpn(LinkMode[VpnLink]):
    name = VpnLink.mode
    record = VpnLink
    token = VPN_LINK_TOKEN
    selectable = True
    gateway = "vpn"
    edge = EdgeStyle(
        dot={"color": "#1f5fbf", "penwidth": "2", "dir": "both"},
        arrow="<-->",
        mermaid="stroke:#1f5fbf,stroke-width:2px",
    )

    def inside_request(self, pair: Pair) -> InsideRequest:
        """/30s where both gateways accept BGP addresses, one per tunnel."""
        net, a, b = pair
        clouds = (get_cloud(a.cloud), get_cloud(b.cloud))
        pool = link_pool(c.bgp_inside_ranges for c in clouds)
        return InsideRequest(link_name(net, a, b), tunnel_count(*clouds), pool)

    def plan(
        self,
        pair: Pair,
        asns: Mapping[ConcreteNetwork, int],
        inside: Mapping[str, tuple[str, ...]],
    ) -> VpnLink:
        net, a, b = pair
        tunnels = _tunnels(pair, inside[link_name(net, a, b)])
        return VpnLink(net, a, b, asns[(net, a)], asns[(net, b)], tunnels)

    def bgp_addresses(self, link: VpnLink, site: Site) -> list[tuple[int, str]]:
        return [(own.interface, own.inside_ip) for own, _ in link.ends(site)]

    def kind(self, link: VpnLink, prices: LinkPrices | None) -> str:
        return prices.kind(link.a, link.b) if prices else "VPN"

    def report(self, link: VpnLink) -> dict[str, Any]:
        return {
            "stack": link.stack,
            "bgp_asns": [link.a_asn, link.b_asn],
            "inside_cidrs": [t.inside_cidr for t in link.tunnels],
        }

    def gateway_row(self, site: Site, prices: LinkPrices) -> tuple[str, float | None]:
        return "VPN gateway", prices.gateway(site)


def _tunnels(pair: Pair, cidrs: tuple[str, ...]) -> tuple[Tunnel, ...]:
    """Tunnel k uses interface k // per on both sides (per: tunnels per peer IP) and, on a
    side running several tunnels per peer IP, slot k % per: the reference's fixed mapping."""
    net, a, b = pair
    ca, cb = get_cloud(a.cloud), get_cloud(b.cloud)
    per = max(ca.vpn_tunnels_per_peer_ip, cb.vpn_tunnels_per_peer_ip)
    a_first = ca.inside_first_host_rank <= cb.inside_first_host_rank
    tunnels = []
    for k, cidr in enumerate(cidrs):
        first, second = hosts(cidr)
        a_ip, b_ip = (first, second) if a_first else (second, first)
        tunnels.append(
            Tunnel(
                index=k,
                inside_cidr=cidr,
                a=_end(k, per, ca.vpn_tunnels_per_peer_ip, a_ip),
                b=_end(k, per, cb.vpn_tunnels_per_peer_ip, b_ip),
                key_name=f"{link_name(net, a, b)}-psk-{k}",
            )
        )
    return tuple(tunnels)


def _end(k: int, per: int, own: int, inside_ip: str) -> TunnelEnd:
    interface, slot = k // per, k % own
    return TunnelEnd(interface, slot, inside_ip, interface * own + slot)


VPN = Vpn()
