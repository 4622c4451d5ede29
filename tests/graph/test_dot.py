"""DOT text: nested clusters, nodes with their labels, links/flows/replications styled by kind."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from skyinfra.graph import build_graph, to_dot
from skyinfra.graph.dot import quote
from skyinfra.graph.model import Cluster, Edge, Graph, Node
from skyinfra.kinds import node_styles
from tests.graph.specs import VPN_AND_REPLICA, money, planned


def _dot() -> str:
    return to_dot(build_graph(planned(VPN_AND_REPLICA)[0]))


def test_clusters_nest_cloud_then_site_then_network() -> None:
    text = _dot()
    opened = [
        text.index(f'subgraph "cluster_{cid}" {{')
        for cid in ("cloud:aws", "site:aws-us-east-1", "network:core@aws-us-east-1")
    ]
    assert opened == sorted(opened)
    assert 'label="Amazon Web Services (aws)"' in text
    # the network cluster holds the compute group, the site cluster the bucket
    network = text[opened[2] : text.index("}", opened[2])]
    assert '"aws-us-east-1/api" [label="api\\n' in network


def test_vpn_link_replication_and_flow_edges_with_costs() -> None:
    plan, report = planned(VPN_AND_REPLICA)
    text = to_dot(build_graph(plan))
    [link] = report["links"]
    asns = "/".join(str(n) for n in link["bgp_asns"])
    assert (
        '"network:core@aws-us-east-1/" -> "network:core@gcp-us-central1/" '
        f'[label="HA VPN, 4 tunnels\\nBGP {asns}\\n{money(link["monthly_cost"])}"'
    ) in text
    vpn_line = next(line for line in text.splitlines() if "HA VPN" in line)
    assert 'dir="both"' in vpn_line
    [row] = report["replications"]
    replication = next(line for line in text.splitlines() if "replication:" in line)
    assert replication.strip().startswith('"gcp-us-central1/data" -> "aws-us-east-1/data-replica"')
    assert money(row["monthly_cost"]) in replication and 'style="dashed"' in replication
    assert '"gcp-us-central1/trainer" -> "aws-us-east-1/api" [label="50 GB/month' in text
    assert "VPN gateway, BGP" in text


def test_quote_escapes_what_would_end_the_string() -> None:
    assert quote('a "b" \\n\nc') == '"a \\"b\\" \\\\n\\nc"'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_hostile_names_stay_inside_their_labels() -> None:
    nasty = 'x" -> "y"; evil [label="pwned'
    graph = Graph(
        title=nasty,
        clusters=(Cluster("c", nasty, "cloud"),),
        nodes=(Node("a", (nasty, "\\N"), "compute", "c"), Node("b", ("b",), "bucket", "c")),
        edges=(Edge("a", "b", (nasty,), "flow"),),
        styles=node_styles(),
    )
    result = subprocess.run(
        ["dot", "-Tplain"], input=to_dot(graph), capture_output=True, text=True, check=True
    )
    nodes = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("node ")]
    assert sorted(nodes) == ["a", "b"]
    assert len(re.findall(r"^edge ", result.stdout, re.M)) == 1
