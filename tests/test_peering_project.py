"""The compiled project's peering stacks: config files, the program under mocks, preview output."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from skyinfra.api import compile_project, load_project_topology, plan_spec
from skyinfra.preview import SkyMocks, _RecordingMonitor, preview_topology
from skyinfra.program import run
from tests.test_cli import example, invoke

PEER = "peer-azure-eastus--gcp-us-central1"


def test_compile_writes_one_peering_stack_per_link(tmp_path: Path) -> None:
    out = tmp_path / "p"
    plan, _ = compile_project(example("sky-three-clouds", tmp_path), out)
    assert plan.topology.peering_stack_names == [
        "peer-aws-us-east-1--azure-eastus",
        "peer-aws-us-east-1--gcp-us-central1",
        PEER,
    ]
    config = (out / f"Pulumi.{PEER}.yaml").read_text()
    assert 'skyinfra:stack-a: "azure-eastus"' in config
    assert 'skyinfra:stack-b: "gcp-us-central1"' in config
    assert PEER in (out / "Pulumi.yaml").read_text()
    assert "psk" not in config.lower() and "secret" not in config.lower()


def test_run_lowers_a_peering_stack_reading_the_cloud_stacks(tmp_path: Path) -> None:
    spec = example("sky-three-clouds", tmp_path)
    compile_project(spec, tmp_path / "p")
    plan = plan_spec(spec)
    clouds = [p for p in preview_topology(plan.topology, plan.stack_configs()) if p.peer is None]
    references = {p.name: p.outputs for p in clouds}
    topology = load_project_topology(tmp_path / "p")
    a, b = topology.peering_sites(PEER)
    mocks = SkyMocks(a, b, references=references)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="sky-three-clouds", stack=PEER, monitor=monitor, organization="acme"
    )
    pulumi.runtime.set_all_config(
        {"skyinfra:stack-a": "azure-eastus", "skyinfra:stack-b": "gcp-us-central1"}
    )

    @pulumi.runtime.test
    def program() -> None:
        run(tmp_path / "p")

    program()
    types = [r.type for r in monitor.recorded]
    assert types.count("gcp:compute/vPNTunnel:VPNTunnel") == 2
    assert types.count("azure-native:network:VirtualNetworkGatewayConnection") == 2
    refs = [r for r in monitor.resources.values() if "StackReference" in r.urn]
    assert sorted(r.id for r in refs) == [
        "acme/sky-three-clouds/azure-eastus",
        "acme/sky-three-clouds/gcp-us-central1",
    ]


def test_preview_json_of_a_peering_stack(tmp_path: Path) -> None:
    spec = str(example("sky-three-clouds", tmp_path))
    code, out = invoke("preview", spec, "--json", "--stack", PEER)
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert stack["name"] == PEER and stack["kind"] == "peering"
    assert stack["sites"] == [
        {"cloud": "azure", "region": "eastus"},
        {"cloud": "gcp", "region": "us-central1"},
    ]
    connections = [r for r in stack["resources"] if r["type"].endswith("GatewayConnection")]
    assert {c["inputs"]["sharedKey"] for c in connections} == {"[secret]"}
    code, out = invoke("preview", spec, "--json", "--stack", PEER, "--show-secrets")
    (stack,) = json.loads(out)["stacks"]
    tunnels = [r for r in stack["resources"] if r["type"] == "gcp:compute/vPNTunnel:VPNTunnel"]
    connections = [r for r in stack["resources"] if r["type"].endswith("GatewayConnection")]
    keys = [t["inputs"]["sharedSecret"] for t in tunnels]
    assert [c["inputs"]["sharedKey"] for c in connections] == keys
    assert all(set(k) == {"secret"} and k["secret"].startswith("k") for k in keys)


LINKED_AND_REPLICATED = """\
name: both
accounts:
  gcp: {project: demo}
networks: {core: {}}
buckets:
  data: {size_gb: 100, placement: {cloud: aws, region: us-east-1}, replicate_to: [trainer]}
compute:
  api: {network: core, instance_type: m6i.large, placement: {cloud: aws, region: us-east-1}}
  trainer:
    network: core
    instance_type: e2-standard-4
    placement: {cloud: gcp, region: us-central1}
flows:
  - {from: trainer, to: api, gb_per_month: 10}
"""


def test_preview_runs_cloud_then_peering_then_replication_stacks(tmp_path: Path) -> None:
    spec = tmp_path / "both.yaml"
    spec.write_text(LINKED_AND_REPLICATED)
    code, out = invoke("preview", str(spec), "--json")
    assert code == 0, out
    stacks = json.loads(out)["stacks"]
    names = [s["name"] for s in stacks]
    assert names == [
        "aws-us-east-1",
        "gcp-us-central1",
        "peer-aws-us-east-1--gcp-us-central1",
        "repl-data--gcp-us-central1",
    ]
    types = {s["name"]: {r["type"] for r in s["resources"]} for s in stacks}
    assert "gcp:compute/vPNTunnel:VPNTunnel" in types["peer-aws-us-east-1--gcp-us-central1"]
    assert "aws:ec2/vpnConnection:VpnConnection" in types["peer-aws-us-east-1--gcp-us-central1"]
    assert "gcp:storage/transferJob:TransferJob" in types["repl-data--gcp-us-central1"]
