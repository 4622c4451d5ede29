"""Link planning: which concrete networks are joined, how, and with which BGP values.

Which pairs (`peering.links`):
- `auto`: two concrete networks of one spec network are linked when a flow runs between
  compute groups attached to that network at their two sites. A flow that involves a bucket
  never asks for a link: buckets are reached through the provider's public storage endpoint
  (and managed replication runs there too), so such a flow costs egress, not a tunnel. A flow
  between groups on different spec networks asks for none either: networks are separate.
  The optimiser prices exactly these flows as `linked` (both ask `modes.linked_network`).
- an explicit list of `[stack, stack]` pairs: every spec network present at both stacks.

How: the link mode (`peering/modes/`) between the two sites plans the record: two regions
of one cloud use that cloud's `cross_region_link` (none at all when its network is global);
two clouds the spec's `peering.mode` (a `VpnLink`, or an `InterconnectLink` when one of them
is an interconnect hub; under `auto`, the mode the optimiser chose for that pair of sites). Which flows ask for a link and which sites get a gateway are the
registry's rules (`modes.linked_network`, `modes.gateway_ends`), shared with the optimiser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.base import tunnel_count
from skyinfra.errors import Problem, SpecError
from skyinfra.peering.bgp import allocate_asns
from skyinfra.peering.ipam import ConcreteNetwork
from skyinfra.peering.model import Link, LinkPlan, NetworkRecord, VpnGateway
from skyinfra.peering.modes import (
    gateway_ends,
    gateway_flags,
    linked_network,
    mode_between,
    mode_of,
)
from skyinfra.peering.modes.base import Pair
from skyinfra.peering.modes.interconnect import INTERCONNECT
from skyinfra.peering.tunnels import allocate_inside
from skyinfra.placement.decision import Placement
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean

__all__ = ["Pair", "linked_pairs", "plan_links", "tunnel_count"]


def plan_links(
    spec: Spec,
    placement: Placement,
    networks: Sequence[ConcreteNetwork],
    recorded: NetworkRecord | None = None,
) -> LinkPlan:
    """The links the spec asks for, with ASNs and tunnel addresses decided (and sticky)."""
    recorded = recorded or NetworkRecord()
    pairs = linked_pairs(spec, placement, networks)
    dedicated = [p for p, m in placement.link_modes.items() if m == INTERCONNECT.name]
    modes = [mode_between(a, b, spec.peering.mode, dedicated) for _, a, b in pairs]
    for mode in dict.fromkeys(modes):
        mode.check([p for p, m in zip(pairs, modes, strict=True) if m is mode])
    ends = [(n, s) for n, a, b in pairs for s in gateway_ends(a, b, spec.peering.mode, dedicated)]
    reserved = frozenset().union(*(get_cloud(c).reserved_asns for c in cloud_names()))
    asns = allocate_asns(ends, recorded.asns, reserved)
    requests = [
        r for p, m in zip(pairs, modes, strict=True) if (r := m.inside_request(p)) is not None
    ]
    inside = allocate_inside(requests, recorded.inside, _reserved_inside())
    links = [m.plan(p, asns, inside) for p, m in zip(pairs, modes, strict=True)]
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
            net = linked_network(spec, f)
            a, b = placement.site_of(f.source), placement.site_of(f.to)
            if net is not None and a != b:
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


def _reserved_inside() -> list[str]:
    return [c for name in cloud_names() for c in get_cloud(name).reserved_inside_cidrs]


def _gateways(links: Sequence[Link], asns: Mapping[ConcreteNetwork, int]) -> tuple[VpnGateway, ...]:
    """One gateway per concrete network at a gateway end; its BGP addresses from all its
    links, and a capability flag (`VpnGateway.vpn`, `.interconnect`) per mode it carries."""
    addresses: dict[ConcreteNetwork, dict[int, list[str]]] = {key: {} for key in asns}
    flags: dict[ConcreteNetwork, set[str]] = {key: set() for key in asns}
    for link in links:
        mode = mode_of(link)
        if mode.gateway is None:
            continue
        for site in (link.a, link.b):
            flags[(link.network, site)].add(mode.gateway)
            for interface, ip in mode.bgp_addresses(link, site):
                addresses[(link.network, site)].setdefault(interface, []).append(ip)
    return tuple(
        VpnGateway(
            net,
            site,
            asns[(net, site)],
            _per_interface(addresses[(net, site)]),
            **{flag: flag in flags[(net, site)] for flag in gateway_flags()},
        )
        for net, site in sorted(asns, key=lambda k: (k[0], k[1].stack))
    )


def _per_interface(by_interface: Mapping[int, list[str]]) -> tuple[tuple[str, ...], ...]:
    if not by_interface:
        return ()
    return tuple(tuple(by_interface.get(i, ())) for i in range(max(by_interface) + 1))
