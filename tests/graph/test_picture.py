"""The graph model holds what `skyinfra plan` decides: sites, networks, resources, costs."""

from __future__ import annotations

from skyinfra.graph import build_graph
from skyinfra.graph.model import Edge, Graph
from tests.graph.specs import INTERCONNECT, SAME_CLOUD, VPN_AND_REPLICA, money, planned


def _graph(text: str) -> Graph:
    return build_graph(planned(text)[0])


def _edges(graph: Graph, kind: str) -> list[Edge]:
    return [e for e in graph.edges if e.kind == kind]


def test_clusters_nest_cloud_site_network() -> None:
    graph = _graph(VPN_AND_REPLICA)
    parents = {c.id: (c.kind, c.parent) for c in graph.clusters}
    assert parents == {
        "cloud:aws": ("cloud", None),
        "cloud:gcp": ("cloud", None),
        "site:aws-us-east-1": ("site", "cloud:aws"),
        "site:gcp-us-central1": ("site", "cloud:gcp"),
        "network:core@aws-us-east-1": ("network", "site:aws-us-east-1"),
        "network:core@gcp-us-central1": ("network", "site:gcp-us-central1"),
    }
    labels = {c.id: c.label for c in graph.clusters}
    assert labels["cloud:aws"] == "Amazon Web Services (aws)"
    assert labels["site:gcp-us-central1"] == "gcp-us-central1"


def test_compute_groups_show_type_count_and_monthly_cost() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    nodes = {n.id: n for n in build_graph(plan).nodes}
    api, row = nodes["aws-us-east-1/api"], report["placements"]["api"]
    assert (api.kind, api.cluster) == ("compute", "network:core@aws-us-east-1")
    assert api.lines == ("api", f"{row['instance_type']} \u00d7 2", money(row["monthly_cost"]))
    bucket = nodes["gcp-us-central1/data"]
    assert (bucket.kind, bucket.cluster) == ("bucket", "site:gcp-us-central1")
    assert bucket.lines[1] == "bucket, 100 GB"


def test_networks_show_cidr_and_vpn_gateway_cost() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    nodes = {n.id: n for n in build_graph(plan).nodes}
    for gateway in report["gateways"]:
        node = nodes[f"network:core@{gateway['stack']}/"]
        cidr = plan.topology.stack(gateway["stack"]).network("core").cidr
        assert node.lines == (
            "core",
            cidr,
            f"VPN gateway, BGP {gateway['asn']}, {money(gateway['monthly_cost'])}",
        )
    assert len(report["gateways"]) == 2


def test_vpn_link_between_the_two_networks_with_tunnels_asns_and_cost() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    [link] = report["links"]
    [edge] = _edges(build_graph(plan), "vpn")
    assert (edge.source, edge.target) == (
        "network:core@aws-us-east-1/",
        "network:core@gcp-us-central1/",
    )
    asns = "/".join(str(n) for n in link["bgp_asns"])
    assert edge.lines == ("HA VPN, 4 tunnels", f"BGP {asns}", money(link["monthly_cost"]))
    assert link["monthly_cost"] > 0 and not edge.directed


def test_flows_and_replications_are_directed_edges_with_volume_and_cost() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    graph = build_graph(plan)
    [flow] = _edges(graph, "flow")
    assert (flow.source, flow.target) == ("gcp-us-central1/trainer", "aws-us-east-1/api")
    assert flow.lines == ("50 GB/month", f"egress {money(report['flows'][0]['monthly_cost'])}")
    [replication] = _edges(graph, "replication")
    [row] = report["replications"]
    assert (replication.source, replication.target) == (
        "gcp-us-central1/data",
        "aws-us-east-1/data-replica",
    )
    assert replication.lines == (
        f"replication: {row['mechanism']}",
        "100 GB/month",
        money(row["monthly_cost"]),
    )
    replica = next(n for n in graph.nodes if n.id == "aws-us-east-1/data-replica")
    assert replica.kind == "replica" and replica.lines[1] == "replica of data"
    assert flow.directed and replication.directed


def test_same_cloud_regions_native_peering_and_global_network() -> None:
    graph = _graph(SAME_CLOUD)
    [peering] = _edges(graph, "peering")
    assert (peering.source, peering.target) == (
        "network:core@aws-us-east-1/",
        "network:core@aws-us-west-2/",
    )
    assert "peering" in peering.lines[0].lower()
    [global_] = _edges(graph, "global")
    assert global_.lines == ("one global network, no link needed",)
    assert not _edges(graph, "vpn")


def test_the_model_is_sorted_and_title_carries_the_total() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    graph = build_graph(plan)
    assert [n.id for n in graph.nodes] == sorted(n.id for n in graph.nodes)
    assert [c.id for c in graph.clusters] == sorted(c.id for c in graph.clusters)
    assert graph.title == f"tiny: ${report['total_monthly_cost']:,.2f}/month"
    assert build_graph(plan) == graph


def test_interconnect_link_is_its_own_kind_with_its_price() -> None:
    _, report = planned(INTERCONNECT)
    graph = _graph(INTERCONNECT)
    [edge] = _edges(graph, "interconnect")
    [row] = report["links"]
    assert edge.lines[0] == "Cross-Cloud Interconnect"
    assert edge.lines[-1] == f"${row['monthly_cost']:,.2f}/month"
    assert row["ports_monthly_cost"] > 0  # priced from its ports, not n/a
    assert not _edges(graph, "vpn")
