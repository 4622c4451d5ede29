"""The compiled project's program, run as `pulumi up` would run it (under mocks)."""

from __future__ import annotations

from pathlib import Path

import pulumi

from skyinfra.api import compile_project, load_project_topology
from skyinfra.preview import SkyMocks, _RecordingMonitor
from skyinfra.program import run
from skyinfra.site import Site

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_project_topology_needs_only_the_project_files(tmp_path: Path) -> None:
    compile_project(EXAMPLES / "three-clouds.yaml", tmp_path / "p")
    topology = load_project_topology(tmp_path / "p")
    assert topology.stack_names == ["aws-us-east-1", "azure-westeurope", "gcp-us-central1"]
    assert topology.stack("aws-us-east-1").compute[0].instance_type == "m6i.xlarge"


def test_run_lowers_the_selected_stack(tmp_path: Path) -> None:
    compile_project(EXAMPLES / "minimal.yaml", tmp_path / "p")
    mocks = SkyMocks(Site("aws", "eu-west-1"))
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="minimal", stack="aws-eu-west-1", monitor=monitor)

    @pulumi.runtime.test
    def program() -> None:
        run(tmp_path / "p")

    program()
    types = {r.type for r in monitor.recorded}
    assert {"aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket", "aws:autoscaling/group:Group"} <= types
    vpc = next(r for r in monitor.recorded if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.1.0.0/16"
