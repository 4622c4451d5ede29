"""The picture's records (`skyinfra.diagram`), where the emitters and tests expect them."""

from __future__ import annotations

from skyinfra.diagram import (
    Cluster,
    ClusterKind,
    Edge,
    EdgeKind,
    Graph,
    Node,
    NodeKind,
    NodeStyle,
    cloud_id,
    money,
    network_id,
    resource_id,
    site_id,
)

__all__ = [
    "Cluster",
    "ClusterKind",
    "Edge",
    "EdgeKind",
    "Graph",
    "Node",
    "NodeKind",
    "NodeStyle",
    "cloud_id",
    "money",
    "network_id",
    "resource_id",
    "site_id",
]
