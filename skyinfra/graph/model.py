"""The topology picture as plain data: nested clusters, nodes and edges, no renderer in sight.

Emitters (`dot.py`, `mermaid.py`) only translate this model, so both formats show the same
picture. Ids are opaque, stable strings; emitters escape them for their own syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ClusterKind = Literal["cloud", "site", "network"]
NodeKind = Literal["compute", "bucket", "replica", "network"]
# A link edge's kind is its link mode's name (`peering.modes`: the cloud's own peering, a VPN
# over the internet, a dedicated interconnect), or "global" (nothing to build: one network
# spanning the cloud's regions); other edges are "flow" or "replication".
EdgeKind = str


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

    def children(self, parent: str | None) -> list[Cluster]:
        return [c for c in self.clusters if c.parent == parent]

    def nodes_in(self, cluster: str) -> list[Node]:
        return [n for n in self.nodes if n.cluster == cluster]
