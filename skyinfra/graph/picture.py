"""Plan -> `Graph`: the same placement, links, replications and prices `skyinfra plan` prints.

Structure comes from the topology (what `compile` builds: sites, concrete networks with their
CIDRs, compute groups, buckets and replicas); money comes from `report.plan_report`, so the
picture and the plan table never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyinfra import kinds
from skyinfra.clouds import get_cloud
from skyinfra.graph.model import (
    Cluster,
    Edge,
    EdgeKind,
    Graph,
    Node,
    cloud_id,
    money,
    network_id,
    resource_id,
    site_id,
)
from skyinfra.peering.model import link_name
from skyinfra.report import plan_report
from skyinfra.site import Site
from skyinfra.topology import StackPlan

if TYPE_CHECKING:
    from skyinfra.plan import Plan

TIMES = "\N{MULTIPLICATION SIGN}"  # instance type times count


def build_graph(plan: Plan) -> Graph:
    """The picture of `plan`: clouds > sites > networks, resources, links, flows, replicas."""
    report = plan_report(plan)
    stacks = plan.topology.stacks
    clusters = [c for s in stacks for c in _site_clusters(s)]
    nodes = [n for s in stacks for n in _site_nodes(s, report)]
    edges = [
        *_link_edges(plan, report["links"]),
        *(_flow_edge(row) for row in report["flows"]),
        *(_replication_edge(row) for row in report["replications"]),
    ]
    clouds = sorted({s.site.cloud for s in stacks})
    return Graph(
        title=f"{plan.spec.name}: ${report['total_monthly_cost']:,.2f}/month",
        clusters=tuple(sorted({*map(_cloud_cluster, clouds), *clusters}, key=lambda c: c.id)),
        nodes=tuple(sorted(nodes, key=lambda n: n.id)),
        edges=tuple(sorted(edges, key=lambda e: (e.kind, e.source, e.target))),
        styles=kinds.node_styles(),
    )


def _cloud_cluster(cloud: str) -> Cluster:
    return Cluster(cloud_id(cloud), f"{get_cloud(cloud).title} ({cloud})", "cloud")


def _site_clusters(stack: StackPlan) -> list[Cluster]:
    site = stack.site
    site_cluster = Cluster(site_id(site), site.stack, "site", cloud_id(site.cloud))
    networks = [
        Cluster(network_id(n.name, site), f"network {n.name}", "network", site_id(site))
        for n in stack.networks
    ]
    return [site_cluster, *networks]


def _site_nodes(stack: StackPlan, report: dict[str, Any]) -> list[Node]:
    return [n for kind in kinds.KINDS for n in kind.graph_nodes(kind.plans(stack), stack, report)]


def _link_edges(plan: Plan, rows: list[dict[str, Any]]) -> list[Edge]:
    """One edge per routed pair of networks, of its link mode's kind (a pair without a link is
    "global": one network spanning the cloud's regions); `plan_report` lists them in order."""
    linked = {x.name for x in plan.topology.links.links}
    return [
        _link_edge(
            network,
            (a, b),
            row,
            row["mode"] if link_name(network, a, b) in linked else "global",
        )
        for (network, a, b), row in zip(plan.topology.links.pairs, rows, strict=True)
    ]


def _link_edge(network: str, sites: tuple[Site, Site], row: dict[str, Any], kind: EdgeKind) -> Edge:
    lines = [row["kind"] + (f", {row['tunnels']} tunnels" if row["tunnels"] else "")]
    if "bgp_asns" in row:
        lines.append("BGP " + "/".join(str(n) for n in row["bgp_asns"]))
    if row.get("attachments"):
        lines.append(f"{len(row['attachments'])} connections")
    if kind != "global":
        cost = row["monthly_cost"]
        lines.append("cost n/a (not in the catalog)" if cost is None else money(cost))
    source, target = (f"{network_id(network, s)}/" for s in sites)
    return Edge(source, target, tuple(lines), kind)


def _flow_edge(row: dict[str, Any]) -> Edge:
    source = resource_id(row["from"], row["from_stack"])
    target = resource_id(row["to"], row["to_stack"])
    lines = (f"{row['gb_per_month']:,.0f} GB/month", f"egress {money(row['monthly_cost'])}")
    return Edge(source, target, lines, "flow")


def _replication_edge(row: dict[str, Any]) -> Edge:
    source = resource_id(row["from"], row["from_stack"])
    target = resource_id(row["replica"], row["to_stack"])
    lines = (
        f"replication: {row['mechanism']}",
        f"{row['gb_per_month']:,.0f} GB/month",
        money(row["monthly_cost"]),
    )
    return Edge(source, target, lines, "replication")
