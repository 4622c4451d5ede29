"""Plan -> `Graph`: the same placement, links, replications and prices `skyinfra plan` prints.

Structure comes from the topology (what `compile` builds: sites, concrete networks with their
CIDRs, compute groups, buckets and replicas); money comes from `report.plan_report`, so the
picture and the plan table never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyinfra.clouds import get_cloud
from skyinfra.graph.model import Cluster, Edge, EdgeKind, Graph, Node
from skyinfra.peering.model import link_name
from skyinfra.report import plan_report
from skyinfra.site import Site
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan

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
    )


def cloud_id(cloud: str) -> str:
    return f"cloud:{cloud}"


def site_id(site: Site) -> str:
    return f"site:{site.stack}"


def network_id(name: str, site: Site) -> str:
    """The concrete network `name` at `site`: its cluster's id and, with `/`, its node's."""
    return f"network:{name}@{site.stack}"


def resource_id(name: str, stack: str) -> str:
    return f"{stack}/{name}"


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
    gateways = {g["network"]: g for g in report["gateways"] if g["stack"] == stack.name}
    replicas = {(r["replica"], r["to_stack"]): r for r in report["replications"]}
    return [
        *(_network_node(n, gateways.get(n.name)) for n in stack.networks),
        *(_compute_node(g, report["placements"][g.name]) for g in stack.compute),
        *(
            _replica_node(b, replicas[(b.name, stack.name)])
            if b.replica_of
            else _bucket_node(b, report["placements"][b.name])
            for b in stack.buckets
        ),
    ]


def _network_node(network: NetworkPlan, gateway: dict[str, Any] | None) -> Node:
    """Where links attach: the network's name and CIDR, and the gateway its links share
    (as `plan` lists it: kind, BGP ASN, monthly cost)."""
    lines = [network.name, network.cidr]
    if gateway is not None:
        kind = gateway.get("kind", "VPN gateway")
        lines.append(f"{kind}, BGP {gateway['asn']}, {_money(gateway['monthly_cost'])}")
    node_id = network_id(network.name, network.site)
    return Node(f"{node_id}/", tuple(lines), "network", node_id)


def _compute_node(group: ComputePlan, row: dict[str, Any]) -> Node:
    lines = [
        group.name,
        f"{group.instance_type} {TIMES} {group.count}" + (" (spot)" if group.spot else ""),
    ]
    lines.append(_money(row["monthly_cost"]))
    cluster = network_id(group.network, group.site)
    return Node(resource_id(group.name, group.site.stack), tuple(lines), "compute", cluster)


def _bucket_node(bucket: BucketPlan, row: dict[str, Any]) -> Node:
    size = row.get("size_gb") or 0
    lines = (bucket.name, f"bucket, {size:,.0f} GB", _money(row["monthly_cost"]))
    return Node(resource_id(bucket.name, bucket.site.stack), lines, "bucket", site_id(bucket.site))


def _replica_node(bucket: BucketPlan, row: dict[str, Any]) -> Node:
    storage = row["storage_monthly_cost"]
    lines = (bucket.name, f"replica of {bucket.replica_of}", f"storage {_money(storage)}")
    return Node(resource_id(bucket.name, bucket.site.stack), lines, "replica", site_id(bucket.site))


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
        lines.append("cost n/a (ordered from the providers)" if cost is None else _money(cost))
    source, target = (f"{network_id(network, s)}/" for s in sites)
    return Edge(source, target, tuple(lines), kind)


def _flow_edge(row: dict[str, Any]) -> Edge:
    source = resource_id(row["from"], row["from_stack"])
    target = resource_id(row["to"], row["to_stack"])
    lines = (f"{row['gb_per_month']:,.0f} GB/month", f"egress {_money(row['monthly_cost'])}")
    return Edge(source, target, lines, "flow")


def _replication_edge(row: dict[str, Any]) -> Edge:
    source = resource_id(row["from"], row["from_stack"])
    target = resource_id(row["replica"], row["to_stack"])
    lines = (
        f"replication: {row['mechanism']}",
        f"{row['gb_per_month']:,.0f} GB/month",
        _money(row["monthly_cost"]),
    )
    return Edge(source, target, lines, "replication")


def _money(value: float | None) -> str:
    return "cost n/a" if value is None else f"${value:,.2f}/month"
