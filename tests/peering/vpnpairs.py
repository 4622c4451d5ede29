"""Preview a two-site linked topology (both cloud stacks, then the peering stack), cached."""

from __future__ import annotations

import ipaddress
from functools import cache

from skyinfra.build import build_topology, stack_config
from skyinfra.preview import Registered, StackPreview, preview_topology
from skyinfra.site import Site
from skyinfra.topology import Topology
from tests.peering.linkspec import linked_spec

PORT = 22


@cache
def vpn_topology(a: Site, b: Site) -> Topology:
    spec, placement = linked_spec([a, b], [(a, b)], ports=[PORT])
    return build_topology(spec, placement)


@cache
def vpn_previews(a: Site, b: Site) -> dict[str, StackPreview]:
    """Stack name -> preview, for the cloud stacks of `a` and `b` and their peering stack."""
    topology = vpn_topology(a, b)
    configs = {s.name: stack_config(s) for s in topology.stacks}
    return {p.name: p for p in preview_topology(topology, configs)}


def ordered(p: StackPreview, token: str) -> list[Registered]:
    """Resources of one type, in the numeric order of their name's last part (`-0`, `-1`...)."""
    return sorted(p.by_type(token), key=lambda r: int(r.name.rsplit("-", 1)[-1]))


def host(cidr: str, n: int) -> str:
    return str(ipaddress.ip_network(cidr)[n])
