"""Mermaid text: subgraphs per cloud/site/network, safe ids, escaped labels, link arrows."""

from __future__ import annotations

import re

from skyinfra.graph import build_graph, to_mermaid
from skyinfra.graph.mermaid import escape
from skyinfra.graph.model import Cluster, Edge, Graph, Node
from skyinfra.kinds import node_styles
from tests.graph.specs import VPN_AND_REPLICA, money, planned

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def test_flowchart_with_nested_subgraphs_and_nodes() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    lines = to_mermaid(build_graph(plan)).splitlines()
    assert lines[:4] == [
        "---",
        f'title: "tiny: ${report["total_monthly_cost"]:,.2f}/month"',
        "---",
        "flowchart TB",
    ]
    assert '  subgraph c_cloud_aws["Amazon Web Services (aws)"]' in lines
    assert '    subgraph c_site_aws_us_east_1["aws-us-east-1"]' in lines
    assert '      subgraph c_network_core_aws_us_east_1["network core"]' in lines
    row = report["placements"]["api"]
    assert (
        f'        n_aws_us_east_1_api["api<br/>{row["instance_type"]} \u00d7 2<br/>'
        f'{money(row["monthly_cost"])}"]'
    ) in lines
    assert lines.count("  end") == 2 and sum(line.strip() == "end" for line in lines) == 6


def test_link_flow_and_replication_arrows_with_labels() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    text = to_mermaid(build_graph(plan))
    [link] = report["links"]
    asns = "/".join(str(n) for n in link["bgp_asns"])
    assert (
        f'n_network_core_aws_us_east_1 <-->|"HA VPN, 4 tunnels<br/>BGP {asns}<br/>'
        f'{money(link["monthly_cost"])}"| n_network_core_gcp_us_central1'
    ) in text
    assert 'n_gcp_us_central1_trainer -->|"50 GB/month<br/>egress $' in text
    assert 'n_gcp_us_central1_data -.->|"replication: aws-datasync<br/>100 GB/month' in text
    assert "linkStyle " in text and "classDef replica " in text


def test_every_id_is_a_plain_word() -> None:
    text = to_mermaid(build_graph(planned(VPN_AND_REPLICA)[0]))
    for line in text.splitlines():
        match = re.match(r"\s*subgraph (\S+?)\[", line) or re.match(r"\s*(\S+?)[\[(]", line)
        if match and not line.strip().startswith(("title", "linkStyle", "classDef", "class ")):
            assert ID.match(match.group(1)), line


def test_keywords_collisions_and_hostile_labels() -> None:
    graph = Graph(
        title='t"',
        clusters=(Cluster("end", 'a "b" <c> #d & `e` |f|', "cloud"),),
        nodes=(
            Node("a-b", ("x",), "compute", "end"),
            Node("a_b", ("y",), "compute", "end"),
            Node("o", ("z",), "bucket", "end"),
        ),
        edges=(Edge("a-b", "o", ("1|2",), "flow"),),
        styles=node_styles(),
    )
    text = to_mermaid(graph)
    assert 'subgraph c_end["a #quot;b#quot; #lt;c#gt; #35;d #amp; #96;e#96; #124;f#124;"]' in text
    assert 'n_a_b["x"]' in text and 'n_a_b_2["y"]' in text
    assert 'n_a_b -->|"1#124;2"| n_o' in text
    assert 'title: "t\\""' in text


def test_escape_replaces_hash_before_adding_entities() -> None:
    assert escape('#"') == "#35;#quot;"
