"""Replication stacks in the compiled project: config, the program's dispatch, preview."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
from click.testing import CliRunner

from skyinfra.api import compile_project
from skyinfra.cli import main
from skyinfra.preview import SkyMocks, _RecordingMonitor
from skyinfra.program import run
from skyinfra.replication_stack import REPLICATION_TOKEN
from skyinfra.site import Site
from tests.replicas import preview, spec_text

STACK = "repl-src--azure-westeurope"


def write(tmp_path: Path) -> Path:
    spec = tmp_path / "sky.yaml"
    spec.write_text(spec_text("gcp", "azure"))
    return spec


def test_compile_writes_a_replication_stack_with_both_providers_config(tmp_path: Path) -> None:
    compile_project(write(tmp_path), tmp_path / "p")
    config = (tmp_path / "p" / f"Pulumi.{STACK}.yaml").read_text()
    assert 'gcp:project: "demo-project"' in config
    assert 'azure-native:location: "westeurope"' in config
    assert 'gcp:region: "us-central1"' in config
    assert STACK in (tmp_path / "p" / "Pulumi.yaml").read_text()


def test_the_program_lowers_a_replication_stack_from_stack_references(tmp_path: Path) -> None:
    compile_project(write(tmp_path), tmp_path / "p")
    p = preview("gcp", "azure")
    outputs = {p.source.name: p.source.outputs, p.target.name: p.target.outputs}
    mocks = SkyMocks(Site("azure", "westeurope"), references=outputs)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="demo", stack=STACK, monitor=monitor)
    pulumi.runtime.set_all_config({"gcp:project": "demo-project"})

    @pulumi.runtime.test
    def program() -> None:
        run(tmp_path / "p")

    program()
    types = {r.type for r in monitor.recorded}
    assert {
        REPLICATION_TOKEN,
        "azure-native:datafactory:Trigger",
        "gcp:storage/hmacKey:HmacKey",
    } <= types
    # Both buckets come from the cloud stacks' outputs, read by StackReference.
    (data,) = [r for r in monitor.recorded if r.name.endswith("-source-data")]
    location = data.inputs["properties"]["location"]
    assert location["bucketName"] == p.source.outputs["buckets"]["src"]["name"]
    (grant,) = [r for r in monitor.recorded if r.name.endswith("-factory-writer")]
    assert grant.inputs["scope"] == p.target.outputs["buckets"]["src-replica"]["id"]
    assert {u.rsplit("::", 1)[-1] for u in data.dependencies} >= {"ref-gcp-us-central1"}


def test_preview_of_one_replication_stack(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", str(write(tmp_path)), "--stack", STACK, "--json"])
    assert result.exit_code == 0, result.output
    (stack,) = json.loads(result.output)["stacks"]
    assert stack["name"] == STACK
    assert stack["outputs"]["replication"]["mechanism"] == "azure-data-factory"
    assert stack["outputs"]["post_deploy"][0]["action"].startswith("start the Data Factory trigger")


def test_plan_refuses_azure_to_s3_with_exit_code_2(tmp_path: Path) -> None:
    spec = tmp_path / "sky.yaml"
    spec.write_text(spec_text("azure", "aws"))
    result = CliRunner().invoke(main, ["plan", str(spec)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "sky.yaml:" in output and "buckets.src.replicate_to[0]" in output
    assert "replicating src from azure-westeurope to aws-us-east-1 is not supported" in output
    assert "DataSync agent" in output


def test_the_stack_references_honour_the_organization_config(tmp_path: Path) -> None:
    """`skyinfra:organization` names the cloud stacks' organization, as in a peering stack
    (`references.qualified`); the deployment's own organization is only the default."""
    compile_project(write(tmp_path), tmp_path / "p")
    p = preview("gcp", "azure")
    outputs = {p.source.name: p.source.outputs, p.target.name: p.target.outputs}
    mocks = SkyMocks(Site("azure", "westeurope"), references=outputs)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="demo", stack=STACK, monitor=monitor, organization="deployer"
    )
    pulumi.runtime.set_all_config({"gcp:project": "demo-project", "skyinfra:organization": "acme"})

    @pulumi.runtime.test
    def program() -> None:
        run(tmp_path / "p")

    program()
    refs = [r for r in monitor.resources.values() if "StackReference" in r.urn]
    assert sorted(r.id for r in refs) == ["acme/demo/azure-westeurope", "acme/demo/gcp-us-central1"]
