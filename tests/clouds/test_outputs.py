"""The typed outputs (`skyinfra.clouds.outputs`) are what every cloud's stacks really export.

Previews of the examples and of hand-built link topologies (native peerings, interconnects in
both phases), every stack kind: for each output a cloud exports, every required key of its
TypedDict is there and no key is undeclared; across the clouds, every declared key is set by
some cloud (no dead declaration), where the stack exports the whole dict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from itertools import permutations
from typing import Any

import pytest

from skyinfra.api import plan_spec
from skyinfra.build import build_topology, stack_config
from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.outputs import (
    BucketOutputs,
    ComputeOutputs,
    GatewayOutputs,
    InterconnectHalfOutputs,
    NetworkOutputs,
    PeeringOutputs,
    ReplicationOutputs,
    VpnHalfOutputs,
)
from skyinfra.peering.model import InterconnectLink, NativePeering, VpnLink
from skyinfra.preview import StackPreview, final_phase, preview_topology
from skyinfra.site import Site
from skyinfra.topology import Topology
from tests.guardrails.previews import EXAMPLES, PREVIEWED
from tests.peering import linkspec
from tests.peering.linkspec import linked_spec

# Cloud-stack output section -> the TypedDict of each of its entries.
SECTIONS: dict[str, Any] = {
    "networks": NetworkOutputs,
    "buckets": BucketOutputs,
    "compute": ComputeOutputs,
    "gateways": GatewayOutputs,
}
# The ordering config of an interconnect's peering stack (values only the providers know).
ORDERED = {
    "skyinfra:interconnect-location-1": "iad-zone1-1",
    "skyinfra:interconnect-location-2": "iad-zone2-1",
    "skyinfra:interconnect-remote-location-1": "ashburn-1",
    "skyinfra:interconnect-remote-location-2": "ashburn-2",
    "skyinfra:directconnect-location-1": "EqDC2",
    "skyinfra:directconnect-location-2": "CSVA1",
    "skyinfra:expressroute-peering-location": "Equinix-Ashburn-DC2",
}
# What a stack exports of these is a projection: `post_deploy` of a mover, `tunnels` and
# `bgp_peers` of a VPN half (`addresses` stays inside the peering stack's program).
PROJECTED = (ReplicationOutputs, VpnHalfOutputs)
ALL = (*SECTIONS.values(), InterconnectHalfOutputs, PeeringOutputs, *PROJECTED)

Seen = dict[tuple[Any, str], list[frozenset[str]]]


def _example(name: str) -> list[tuple[Topology, StackPreview]]:
    plan = plan_spec(EXAMPLES / f"{name}.yaml")
    topology = plan.topology
    previews = preview_topology(topology, final_phase(topology, plan.stack_configs()))
    return [(topology, p) for p in previews]


def _linked(a: Site, b: Site, mode: str, ready: bool) -> list[tuple[Topology, StackPreview]]:
    spec, placement = linked_spec([a, b], [(a, b)], mode=mode)
    topology = build_topology(spec, placement)
    configs = {s.name: stack_config(s) for s in topology.stacks}
    for link in topology.links.links:
        configs[link.stack] = {**ORDERED, "skyinfra:interconnect-ready": str(ready).lower()}
    return [(topology, p) for p in preview_topology(topology, configs)]


def _sites() -> dict[str, list[Site]]:
    """The hand-built specs' sites, by cloud."""
    found: dict[str, list[Site]] = defaultdict(list)
    for value in vars(linkspec).values():
        if isinstance(value, Site):
            found[value.cloud].append(value)
    return found


def _links() -> Iterator[tuple[Site, Site, str]]:
    """Two regions of every cloud that peers them natively; every cloud with a dedicated
    interconnect to every hub that runs one (the outputs no example exports)."""
    sites = _sites()
    for name in cloud_names():
        if get_cloud(name).cross_region_link is not None:
            yield sites[name][0], sites[name][1], "vpn"
    for edge, hub in permutations(cloud_names(), 2):
        ours, theirs = get_cloud(edge).interconnect, get_cloud(hub).interconnect
        if ours is not None and theirs is not None and theirs.hub and not ours.hub:
            yield sites[edge][0], sites[hub][0], "interconnect"


@cache
def seen() -> Seen:
    """(TypedDict, cloud) -> the key sets of every such output in the previews."""
    found: Seen = defaultdict(list)
    # `tpu`: a group of Cloud TPU slices exports its nodes instead of a managed group.
    previews = [p for name in (*PREVIEWED, "tpu") for p in _example(name)]
    for a, b, mode in _links():
        for ready in (False, True) if mode == "interconnect" else (False,):
            previews += _linked(a, b, mode, ready)
    for topology, preview in previews:
        for kind, cloud, value in _outputs(topology, preview):
            found[kind, cloud].append(frozenset(value))
    return found


def _outputs(topology: Topology, p: StackPreview) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    out = p.outputs
    for section, kind in SECTIONS.items():
        for value in out.get(section, {}).values():
            yield kind, p.site.cloud, value
    links = {link.name: link for link in topology.links.links}
    for name, value in out.get("links", {}).items():
        link = links[name]
        if isinstance(link, NativePeering):
            yield PeeringOutputs, link.a.cloud, value
            continue
        kind = VpnHalfOutputs if isinstance(link, VpnLink) else InterconnectHalfOutputs
        assert isinstance(link, VpnLink | InterconnectLink)
        for site in (link.a, link.b):
            yield kind, site.cloud, value[site.stack]
    if "replication" in out:
        target = topology.replication(p.name).target
        yield ReplicationOutputs, target.cloud, {"post_deploy": out["post_deploy"]}


def _declared(kind: Any) -> frozenset[str]:
    return frozenset(kind.__required_keys__ | kind.__optional_keys__)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_every_exported_output_has_the_required_keys_and_only_declared_ones(kind: Any) -> None:
    observed = {cloud: keys for (k, cloud), keys in seen().items() if k is kind}
    assert observed, f"no {kind.__name__} in the previews"
    for cloud, key_sets in observed.items():
        for keys in key_sets:
            assert kind.__required_keys__ <= keys, (cloud, kind.__required_keys__ - keys)
            if kind in PROJECTED:
                continue
            assert keys <= _declared(kind), (cloud, keys - _declared(kind))


@pytest.mark.parametrize("kind", [k for k in ALL if k not in PROJECTED], ids=lambda k: k.__name__)
def test_every_declared_key_is_set_by_some_cloud(kind: Any) -> None:
    used = frozenset().union(*(keys for (k, _), ks in seen().items() if k is kind for keys in ks))
    assert used == _declared(kind), _declared(kind) - used


def test_every_cloud_exports_every_cloud_stack_output() -> None:
    for kind in SECTIONS.values():
        assert {cloud for k, cloud in seen() if k is kind} == set(cloud_names()), kind.__name__
