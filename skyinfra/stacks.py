"""The table of stack kinds: cloud, peering and replication stacks, each declared once.

A kind says how its stacks are named (`format` / `parse`, from `skyinfra.site`), which of
them a topology holds, which stacks each one reads by StackReference, its Pulumi config and
the program that lowers it. Compile, preview, the program entry point and the deploy graph
loop over `STACK_KINDS` (in this order: cloud stacks first, since the others read them).

The programs import pulumi and the cloud SDKs, so a kind names its program as
`module:function` and imports it only when a stack is lowered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from skyinfra.peering.modes import mode_of
from skyinfra.site import (
    Site,
    cloud_stack_name,
    parse_cloud_stack,
    parse_peering_stack,
    parse_replication_stack,
    peering_stack_name,
    replication_stack_name,
)
from skyinfra.topology import Topology

Configs = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class StackKind:
    """One kind of stack. Every function takes the topology and the stack's name."""

    name: str
    listing: str  # how `skyinfra compile` introduces this kind's stacks
    format: Callable[[str, str], str]  # the name from its two parts (`parse` gives them back)
    parse: Callable[[str], tuple[str, str] | None]  # None: not a name of this kind
    names: Callable[[Topology], list[str]]  # this kind's stacks in the topology, in order
    reads: Callable[[Topology, str], set[str]]  # stacks read by StackReference
    config: Callable[[Topology, str], dict[str, str]]  # the Pulumi config skyinfra writes
    sites: Callable[[Topology, str], tuple[Site, ...]]  # its sites, the home site first
    program: str  # `module:function(topology, name) -> outputs`, run under the engine
    # The config the offline preview runs a stack with, from every stack's config.
    preview_config: Callable[[Topology, str, Configs], dict[str, str]]
    shows_peer: bool = False  # a preview names both sites (the stack belongs to neither)

    def lower(self, topology: Topology, name: str) -> dict[str, Any]:
        """Register the resources of stack `name` (under a Pulumi engine); its outputs."""
        module, _, function = self.program.partition(":")
        lower: Callable[[Topology, str], dict[str, Any]]
        lower = getattr(importlib.import_module(module), function)
        return lower(topology, name)


def _cloud_reads(topology: Topology, name: str) -> set[str]:
    """The home stacks of the networks this stack shares (GCP's global networks) and the
    stacks of the buckets its groups are granted, on their own cloud or federated from
    another (the grant names them)."""
    stack = topology.stack(name)
    granted = {g.site.stack for c in stack.compute for g in (*c.grants_within, *c.grants_federated)}
    return {n.home for n in stack.networks if n.home} | (granted - {name})


def _cloud_names(topology: Topology) -> list[str]:
    """The cloud stacks in topology order, moved after the cloud stacks they read (a granted
    bucket's stack, a shared network's home), so a preview has their outputs. A cycle keeps
    the rest in order; the deploy order rejects it (`deploy/order.py`)."""
    names = topology.stack_names
    left, ordered = list(names), []
    while left:
        ready = [n for n in left if not (_cloud_reads(topology, n) & set(left)) - {n}]
        ready = ready or left[:1]
        ordered.append(ready[0])
        left.remove(ready[0])
    return ordered


def _peering_reads(topology: Topology, name: str) -> set[str]:
    return {site.stack for site in topology.peering_sites(name)}


def _replication_reads(topology: Topology, name: str) -> set[str]:
    return {site.stack for site in _replication_sites(topology, name)}


def _replication_sites(topology: Topology, name: str) -> tuple[Site, ...]:
    replication = topology.replication(name)
    return replication.target, replication.source_site


# `skyinfra.build` loads the cloud registry and the solver (numpy); the CLI's `--help`, which
# imports the deploy graph and so this table, must not: build is imported when a config is.


def _cloud_config(topology: Topology, name: str) -> dict[str, str]:
    from skyinfra.build import stack_config

    return stack_config(topology.stack(name))


def _peering_config(topology: Topology, name: str) -> dict[str, str]:
    from skyinfra.build import peering_config

    return peering_config(topology, name)


def _replication_config(topology: Topology, name: str) -> dict[str, str]:
    from skyinfra.build import replication_config

    return replication_config(topology, topology.replication(name))


def _cloud_preview_config(topology: Topology, name: str, configs: Configs) -> dict[str, str]:
    return dict(configs.get(name, {}))


def _peering_preview_config(topology: Topology, name: str, configs: Configs) -> dict[str, str]:
    """Its sites' settings, plus stand-ins for what its links need from the user."""
    config = _merged_config(topology.peering_sites(name), name, configs)
    return {**_ordered_values(topology, name), **config}


def _replication_preview_config(topology: Topology, name: str, configs: Configs) -> dict[str, str]:
    replication = topology.replication(name)
    return _merged_config((replication.source_site, replication.target), name, configs)


def _merged_config(sites: tuple[Site, Site], name: str, configs: Configs) -> dict[str, str]:
    """A two-site stack's config plus its sites' provider settings: the program uses explicit
    providers, but the mocks read `gcp:project` / `azure-native:subscriptionId` for ids."""
    merged: dict[str, str] = {}
    for site in sites:
        merged.update(configs.get(site.stack, {}))
    merged.update(configs.get(name, {}))
    return merged


def _ordered_values(topology: Topology, name: str) -> dict[str, str]:
    """Stand-ins for the config a peering stack's links need from the user (an interconnect's
    port locations, known only once ordered), so the preview runs; they show as `<unset: ...>`."""
    links = [x for x in topology.links.links if x.stack == name]
    keys = {key for x in links for key, _ in mode_of(x).config_keys(x)}
    return {f"skyinfra:{key}": f"<unset: skyinfra:{key}>" for key in sorted(keys)}


CLOUD = StackKind(
    name="cloud",
    listing="stacks",
    format=cloud_stack_name,
    parse=parse_cloud_stack,
    names=_cloud_names,
    reads=_cloud_reads,
    config=_cloud_config,
    sites=lambda topology, name: (topology.stack(name).site,),
    program="skyinfra.program:lower_cloud_stack",
    preview_config=_cloud_preview_config,
)
PEERING = StackKind(
    name="peering",
    listing="peering stacks",
    format=peering_stack_name,
    parse=parse_peering_stack,
    names=lambda topology: topology.peering_stack_names,
    reads=_peering_reads,
    config=_peering_config,
    sites=lambda topology, name: topology.peering_sites(name),
    program="skyinfra.peering_stack:lower_peering_stack",
    preview_config=_peering_preview_config,
    shows_peer=True,
)
REPLICATION = StackKind(
    name="replication",
    listing="replication stacks (deploy after the cloud stacks)",
    format=replication_stack_name,
    parse=parse_replication_stack,
    names=lambda topology: [r.stack for r in topology.replications],
    reads=_replication_reads,
    config=_replication_config,
    sites=_replication_sites,
    program="skyinfra.replication_stack:lower_replication_stack",
    preview_config=_replication_preview_config,
)
STACK_KINDS = (CLOUD, PEERING, REPLICATION)


def kind_of(name: str) -> StackKind:
    """A stack's kind from its name alone (the formats cannot be mistaken for one another;
    a name none parses is taken for a cloud stack, as stacks no plan describes any more)."""
    return next((kind for kind in STACK_KINDS if kind.parse(name) is not None), CLOUD)


def stack_names(topology: Topology) -> list[str]:
    """Every stack of the topology: cloud stacks, then peering, then replication stacks."""
    return [name for kind in STACK_KINDS for name in kind.names(topology)]


def kind_in(topology: Topology, name: str) -> StackKind | None:
    """The kind of stack `name` in this topology; None if the topology has no such stack."""
    return next((kind for kind in STACK_KINDS if name in kind.names(topology)), None)


def reads(topology: Topology, name: str) -> set[str]:
    """The stacks `name` reads by StackReference (a peering stack its two sites' stacks, a
    replication stack its bucket's and its target's, a cloud stack the home stack of a
    network it shares): they must be deployed before it (and destroyed after it)."""
    return kind_of(name).reads(topology, name)


def stack_configs(topology: Topology) -> dict[str, dict[str, str]]:
    """Config of every stack: cloud stacks, then peering and replication stacks."""
    return {
        name: kind.config(topology, name) for kind in STACK_KINDS for name in kind.names(topology)
    }
