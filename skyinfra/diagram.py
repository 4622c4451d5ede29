"""The topology picture as plain data: nested clusters, nodes and edges, no renderer in sight.

Emitters (`graph/dot.py`, `graph/mermaid.py`) only translate this model, so both formats
show the same picture. Ids are opaque, stable strings; emitters escape them for their own
syntax. It lives outside the `graph` package, below the resource kinds (`skyinfra.kinds`),
which build their own nodes and declare their styles; `graph.model` re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from skyinfra.site import Site

ClusterKind = Literal["cloud", "site", "network"]
# A node's kind names its style: a resource kind's name, or a variant it declares
# (`skyinfra.kinds`: a bucket's replica is drawn as a dashed bucket).
NodeKind = str
# A link edge's kind is its link mode's name (`peering.modes`: the cloud's own peering, a VPN
# over the internet, a dedicated interconnect), or "global" (nothing to build: one network
# spanning the cloud's regions); other edges are "flow" or "replication".
EdgeKind = str


@dataclass(frozen=True)
class NodeStyle:
    """How one node kind is drawn: Graphviz attributes, Mermaid shape brackets and class."""

    dot: Mapping[str, str]
    mermaid_shape: tuple[str, str]  # opening and closing bracket of the node's label
    mermaid_class: str  # classDef style


def cloud_id(cloud: str) -> str:
    return f"cloud:{cloud}"


def site_id(site: Site) -> str:
    return f"site:{site.stack}"


def network_id(name: str, site: Site) -> str:
    """The concrete network `name` at `site`: its cluster's id and, with `/`, its node's."""
    return f"network:{name}@{site.stack}"


def resource_id(name: str, stack: str) -> str:
    return f"{stack}/{name}"


def money(value: float | None) -> str:
    return "cost n/a" if value is None else f"${value:,.2f}/month"


@dataclass(frozen=True)
class Cluster:
    """A box: a cloud, a site (cloud-region, one stack) inside it, a network inside that."""

    id: str
    label: str
    kind: ClusterKind
    parent: str | None = None


@dataclass(frozen=True)
class Node:
    """A resource (or a concrete network's endpoint, where links attach) in its cluster."""

    id: str
    lines: tuple[str, ...]  # first line is the name; the rest are details (type x count, cost)
    kind: NodeKind
    cluster: str


@dataclass(frozen=True)
class Edge:
    """A link between two networks, a flow between resources, or a replication."""

    source: str
    target: str
    lines: tuple[str, ...]
    kind: EdgeKind

    @property
    def directed(self) -> bool:
        """Links join two networks both ways; flows and replications move data one way."""
        return self.kind in ("flow", "replication")


@dataclass(frozen=True)
class Graph:
    """The whole picture, every collection sorted so emitted text is deterministic."""

    title: str
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    # How each node kind is drawn, in the order emitters define them (`kinds.node_styles`).
    styles: Mapping[str, NodeStyle] = field(default_factory=dict)

    def children(self, parent: str | None) -> list[Cluster]:
        return [c for c in self.clusters if c.parent == parent]

    def nodes_in(self, cluster: str) -> list[Node]:
        return [n for n in self.nodes if n.cluster == cluster]
