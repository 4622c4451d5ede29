"""Link planning: which concrete networks are joined, how, and with which BGP values.

Which pairs (`peering.links`):
- `auto`: two concrete networks of one spec network are linked when a flow runs between
  compute groups attached to that network at their two sites. A flow that involves a bucket
  never asks for a link: buckets are reached through the provider's public storage endpoint
  (and managed replication runs there too), so such a flow costs egress, not a tunnel. A flow
  between groups on different spec networks asks for none either: networks are separate.
  The optimiser prices exactly these flows as `linked`.
- an explicit list of `[stack, stack]` pairs: every spec network present at both stacks.

How (`peering.mode` and the clouds' facts): two regions of one cloud use that cloud's
`cross_region_link` (none at all when its network is global); two clouds a `VpnLink` with
2 x max(tunnels per peer IP) tunnels, or in `interconnect` mode an `InterconnectLink` when
one of them is an interconnect hub.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from skyinfra.clouds import Cloud, cloud_names, get_cloud
from skyinfra.errors import Problem, SpecError, UnsupportedError
from skyinfra.peering.bgp import allocate_asns
from skyinfra.peering.ipam import ConcreteNetwork
from skyinfra.peering.model import (
    GATEWAY_IPS,
    Attachment,
    InterconnectLink,
    Link,
    LinkPlan,
    NativePeering,
    NetworkRecord,
    Tunnel,
    TunnelEnd,
    VpnGateway,
    VpnLink,
    link_name,
)
from skyinfra.peering.tunnels import DEFAULT_POOL, InsideRequest, allocate_inside, link_pool
from skyinfra.placement.decision import Placement
from skyinfra.site import Site
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean

Pair = tuple[str, Site, Site]  # (network, a, b) with a < b

# Every interconnect link has ports of its own, so one VLAN tag per link is unique on each
# port; ExpressRoute private peering carries a single VLAN over both its links anyway.
INTERCONNECT_VLAN = 100
INTERCONNECT_CONNECTIONS = 2  # two ports / attachments: the reference's redundant pair


def plan_links(
    spec: Spec,
    placement: Placement,
    networks: Sequence[ConcreteNetwork],
    recorded: NetworkRecord | None = None,
) -> LinkPlan:
    """The links the spec asks for, with ASNs and tunnel addresses decided (and sticky)."""
    recorded = recorded or NetworkRecord()
    pairs = linked_pairs(spec, placement, networks)
    cross = [p for p in pairs if p[1].cloud != p[2].cloud]
    if spec.peering.mode == "interconnect":
        _check_interconnect(cross)
    reserved = frozenset().union(*(get_cloud(c).reserved_asns for c in cloud_names()))
    asns = allocate_asns([(n, s) for n, a, b in cross for s in (a, b)], recorded.asns, reserved)
    requests = [_inside_request(spec.peering.mode, p) for p in cross]
    inside = allocate_inside(requests, recorded.inside, _reserved_inside())
    links = [_link(spec.peering.mode, p, asns, inside) for p in pairs]
    present = tuple(x for x in links if x is not None)
    return LinkPlan(present, _gateways(present, asns), tuple(pairs))


def linked_pairs(
    spec: Spec, placement: Placement, networks: Sequence[ConcreteNetwork]
) -> list[Pair]:
    """(network, a, b) for every pair of concrete networks to link, sorted."""
    present = set(networks)
    if spec.peering.links != "auto":
        pairs = _explicit_pairs(spec.peering.links, present)
    else:
        pairs = set()
        for f in spec.flows:
            if f.source not in spec.compute or f.to not in spec.compute:
                continue
            net, a, b = (
                spec.network_of(f.source),
                placement.site_of(f.source),
                placement.site_of(f.to),
            )
            if net == spec.network_of(f.to) and a != b:
                pairs.add((net, min(a, b), max(a, b)))
    return sorted(
        (p for p in pairs if (p[0], p[1]) in present and (p[0], p[2]) in present),
        key=lambda p: (p[0], p[1].stack, p[2].stack),
    )


def _explicit_pairs(wanted: list[list[str]], present: set[ConcreteNetwork]) -> set[Pair]:
    """Every spec network at both stacks of each listed pair; unknown stacks are errors."""
    sites = {site.stack: site for _, site in present}
    problems: list[Problem] = []
    pairs: set[Pair] = set()
    for i, pair in enumerate(wanted):
        for j, stack in enumerate(pair):
            if stack not in sites:
                hint = did_you_mean(stack, sites) or f"stacks: {', '.join(sorted(sites))}"
                problems.append(
                    Problem(
                        f"no stack {stack!r} has a network to link",
                        ("peering", "links", i, j),
                        hint,
                    )
                )
        if any(stack not in sites for stack in pair):
            continue
        a, b = sorted(sites[stack] for stack in pair)
        common = sorted({n for n, s in present if s == a} & {n for n, s in present if s == b})
        if a == b or not common:
            why = "names one stack twice" if a == b else f"{a} and {b} share no network"
            problems.append(Problem(f"this link {why}", ("peering", "links", i)))
        pairs |= {(n, a, b) for n in common if a != b}
    if problems:
        raise SpecError(problems)
    return pairs


def _check_interconnect(cross: Sequence[Pair]) -> None:
    """A dedicated link needs a hub cloud on one end; say what to do otherwise."""
    problems = []
    for net, a, b in cross:
        sides = [get_cloud(s.cloud).interconnect for s in (a, b)]
        if not any(side is not None and side.hub for side in sides):
            hubs = [c for c in cloud_names() if (x := get_cloud(c).interconnect) and x.hub]
            problems.append(
                Problem(
                    f"{a} <-> {b} (network {net!r}): {a.cloud} and {b.cloud} have no first-party "
                    "dedicated interconnect between them",
                    ("peering", "mode"),
                    "use `mode: vpn`; or route through "
                    f"{' / '.join(hubs)} with two interconnects; or order a partner fabric "
                    "(Equinix, Megaport) joining both providers' dedicated-circuit services, "
                    "outside skyinfra",
                )
            )
    if problems:
        raise UnsupportedError(problems)


def _inside_request(mode: str, pair: Pair) -> InsideRequest:
    """VPN tunnels take /30s where both gateways accept BGP addresses; interconnect
    attachments (one /30 each) any link-local /30 clear of the others."""
    net, a, b = pair
    if mode == "interconnect":
        return InsideRequest(link_name(net, a, b), INTERCONNECT_CONNECTIONS, DEFAULT_POOL)
    clouds = (get_cloud(a.cloud), get_cloud(b.cloud))
    pool = link_pool(c.bgp_inside_ranges for c in clouds)
    return InsideRequest(link_name(net, a, b), tunnel_count(*clouds), pool)


def tunnel_count(a: Cloud, b: Cloud) -> int:
    """Tunnels of a VPN link: each gateway IP of one side to the other's, times the most
    tunnels either side runs per peer IP (AWS: one 2-tunnel connection per peer IP)."""
    return GATEWAY_IPS * max(a.vpn_tunnels_per_peer_ip, b.vpn_tunnels_per_peer_ip)


def _reserved_inside() -> list[str]:
    return [c for name in cloud_names() for c in get_cloud(name).reserved_inside_cidrs]


def _link(
    mode: str,
    pair: Pair,
    asns: Mapping[ConcreteNetwork, int],
    inside: Mapping[str, tuple[str, ...]],
) -> Link | None:
    net, a, b = pair
    if a.cloud == b.cloud:
        kind = get_cloud(a.cloud).cross_region_link
        return NativePeering(net, a, b, kind) if kind else None
    a_asn, b_asn = asns[(net, a)], asns[(net, b)]
    cidrs = inside[link_name(net, a, b)]
    if mode == "interconnect":
        return _interconnect(pair, a_asn, b_asn, cidrs)
    return VpnLink(net, a, b, a_asn, b_asn, _tunnels(pair, cidrs))


def _tunnels(pair: Pair, cidrs: tuple[str, ...]) -> tuple[Tunnel, ...]:
    """Tunnel k uses interface k // per on both sides (per: tunnels per peer IP) and, on a
    side running several tunnels per peer IP, slot k % per: the reference's fixed mapping."""
    net, a, b = pair
    ca, cb = get_cloud(a.cloud), get_cloud(b.cloud)
    per = max(ca.vpn_tunnels_per_peer_ip, cb.vpn_tunnels_per_peer_ip)
    a_first = ca.inside_first_host_rank <= cb.inside_first_host_rank
    tunnels = []
    for k, cidr in enumerate(cidrs):
        first, second = _hosts(cidr)
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


def _hosts(cidr: str) -> tuple[str, str]:
    first, second = list(ipaddress.IPv4Network(cidr).hosts())[:2]
    return str(first), str(second)


def _interconnect(pair: Pair, a_asn: int, b_asn: int, cidrs: tuple[str, ...]) -> InterconnectLink:
    """Both sides' facts; the hub's Cloud Router on host 1 of each attachment's /30."""
    net, a, b = pair
    sides = [(s, get_cloud(s.cloud).interconnect) for s in (a, b)]
    known = [(s, side) for s, side in sides if side is not None]
    hub_site, hub = next((s, side) for s, side in known if side.hub)  # checked before
    asns = [
        side.edge_asn if side is not None and side.edge_asn else asn
        for (_, side), asn in zip(sides, (a_asn, b_asn), strict=True)
    ]
    return InterconnectLink(
        net,
        a,
        b,
        asns[0],
        asns[1],
        provider=hub.product,
        resources=tuple(r for _, side in known for r in side.resources),
        out_of_band=tuple(f"{s.cloud}: {side.order}" for s, side in known),
        hub=hub_site,
        attachments=tuple(
            Attachment(
                index=i,
                vlan=INTERCONNECT_VLAN,
                cidr=cidr,
                hub_ip=_hosts(cidr)[0],
                edge_ip=_hosts(cidr)[1],
            )
            for i, cidr in enumerate(cidrs)
        ),
        config=tuple(item for _, side in known for item in side.config),
        distinct=tuple(pair for _, side in known for pair in side.distinct),
        phase_one=tuple(f"{s.cloud}: {side.phase_one}" for s, side in known),
        phase_two=tuple(f"{s.cloud}: {side.phase_two}" for s, side in known),
    )


def _gateways(links: Sequence[Link], asns: Mapping[ConcreteNetwork, int]) -> tuple[VpnGateway, ...]:
    """One gateway per concrete network with a cross-cloud link; its BGP addresses from all."""
    addresses: dict[ConcreteNetwork, dict[int, list[str]]] = {key: {} for key in asns}
    for link in links:
        if isinstance(link, VpnLink):
            for site in (link.a, link.b):
                for own, _ in link.ends(site):
                    addresses[(link.network, site)].setdefault(own.interface, []).append(
                        own.inside_ip
                    )
    kinds: dict[ConcreteNetwork, set[str]] = {key: set() for key in asns}
    for link in links:
        if isinstance(link, VpnLink | InterconnectLink):
            for site in (link.a, link.b):
                kinds[(link.network, site)].add(link.mode)
    return tuple(
        VpnGateway(
            net,
            site,
            asns[(net, site)],
            _per_interface(addresses[(net, site)]),
            vpn="vpn" in kinds[(net, site)],
            interconnect="interconnect" in kinds[(net, site)],
        )
        for net, site in sorted(asns, key=lambda k: (k[0], k[1].stack))
    )


def _per_interface(by_interface: Mapping[int, list[str]]) -> tuple[tuple[str, ...], ...]:
    if not by_interface:
        return ()
    return tuple(tuple(by_interface.get(i, ())) for i in range(max(by_interface) + 1))
