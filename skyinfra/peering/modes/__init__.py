"""The registry of link modes, and the two rules every stage asks it.

`MODES` lists one descriptor per mode (`base.LinkMode`); stages look modes up here rather
than switching on record types. Its order is the order of the graph's Mermaid `linkStyle`
lines and, for a gateway carrying several modes, which one names and prices it.

The rules, decided here once for the optimiser (`placement`) and the link planner
(`peering.links`) alike:
- which flows need a link (`linked_network`): a flow between two compute groups on one spec
  network. A flow that involves a bucket never does: buckets are reached through the
  provider's public storage endpoint (managed replication runs there too), so it costs
  egress, not a tunnel; groups on different spec networks are separate networks.
- which sites get a gateway (`gateway_ends`): both ends of a link whose mode needs a BGP
  gateway. Within a cloud the mode is the cloud's own peering (no gateway); between clouds
  the spec's `peering.mode`, which the optimiser prices by that mode's descriptor
  (`placement.linkprices`; a `PRICED` link stands in where the mode has no price).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from skyinfra.peering.model import Link
from skyinfra.peering.modes.base import EdgeStyle, LinkMode, Pair
from skyinfra.peering.modes.interconnect import INTERCONNECT
from skyinfra.peering.modes.native import NATIVE
from skyinfra.peering.modes.vpn import VPN
from skyinfra.site import Site
from skyinfra.spec import Flow, Spec

__all__ = [
    "AUTO",
    "AUTO_CHOICES",
    "MODES",
    "PRICED",
    "WITHIN_CLOUD",
    "EdgeStyle",
    "LinkMode",
    "Pair",
    "all_modes",
    "gateway_ends",
    "gateway_flags",
    "linked_network",
    "mode_between",
    "mode_named",
    "mode_of",
    "selectable_modes",
]

MODES: tuple[LinkMode[Any], ...] = (VPN, NATIVE, INTERCONNECT)
WITHIN_CLOUD = NATIVE.name  # chosen automatically between two regions of one cloud
PRICED = VPN.name  # what stands in for a link between clouds that its mode cannot price
AUTO = "auto"  # `peering.mode`: VPN or interconnect per link, chosen by the optimiser
AUTO_CHOICES = (VPN.name, INTERCONNECT.name)  # what `auto` chooses between


def all_modes() -> tuple[LinkMode[Any], ...]:
    """Every mode, in registry order (read at call time, so a test may register one)."""
    return MODES


def mode_named(name: str) -> LinkMode[Any]:
    """The mode called `name` (a record's `mode`, a report row's `mode`); KeyError if none."""
    for mode in all_modes():
        if mode.name == name:
            return mode
    raise KeyError(name)


def mode_of(link: Link) -> LinkMode[Any]:
    """The descriptor of a planned link record."""
    return mode_named(link.mode)


def selectable_modes() -> tuple[str, ...]:
    """The values of `peering.mode`."""
    return tuple(m.name for m in all_modes() if m.selectable)


def gateway_flags() -> tuple[str, ...]:
    """The `VpnGateway` capability flags the modes set (one field of it per flag)."""
    return tuple(dict.fromkeys(m.gateway for m in all_modes() if m.gateway))


def mode_between(
    a: Site, b: Site, selected: str, dedicated: Collection[tuple[Site, Site]] = ()
) -> LinkMode[Any]:
    """How sites `a` and `b` are joined: natively within a cloud, else `selected`; under
    `auto` an interconnect where the placement made the link (a, b) `dedicated`, else a VPN."""
    if a.cloud != b.cloud and selected == AUTO:
        selected = INTERCONNECT.name if (min(a, b), max(a, b)) in dedicated else VPN.name
    return mode_named(WITHIN_CLOUD if a.cloud == b.cloud else selected)


def gateway_ends(
    a: Site, b: Site, selected: str = PRICED, dedicated: Collection[tuple[Site, Site]] = ()
) -> tuple[Site, ...]:
    """The sites a link between `a` and `b` puts a BGP gateway on: both or none."""
    return (a, b) if mode_between(a, b, selected, dedicated).gateway else ()


def linked_network(spec: Spec, flow: Flow) -> str | None:
    """The spec network `flow` needs a private link on, or None (see the module docstring)."""
    if flow.source not in spec.compute or flow.to not in spec.compute:
        return None
    network = spec.network_of(flow.source)
    return network if network == spec.network_of(flow.to) else None
