"""The command line: output formats per the contract, secrets, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from skyinfra.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

AZURE_WITHOUT_KEY = """\
name: pw
networks: {core: {}}
compute:
  vm:
    instance_type: Standard_D2s_v5
    placement: {cloud: azure, region: westeurope}
"""


def example(name: str, where: Path) -> Path:
    """A copy of an example spec and its lock: plan and compile rewrite the lock beside it."""
    for suffix in (".yaml", ".lock"):
        shutil.copy(EXAMPLES / f"{name}{suffix}", where)
    return where / f"{name}.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_plan_json_lists_placements_and_total(tmp_path: Path) -> None:
    code, out = invoke("plan", str(example("minimal", tmp_path)), "--json")
    assert code == 0
    doc = json.loads(out)
    app = doc["placements"]["app"]
    assert (app["kind"], app["cloud"], app["region"], app["stack"]) == (
        "compute",
        "aws",
        "eu-west-1",
        "aws-eu-west-1",
    )
    assert app["count"] == 2 and app["instance_type"] == "m6i.large"
    assert doc["total_monthly_cost"] == app["monthly_cost"]


def test_plan_json_is_clean_on_the_real_stdout(tmp_path: Path) -> None:
    # HiGHS prints a banner on file descriptor 1 from C++, which CliRunner cannot see.
    script = "from skyinfra.cli import main; main()"
    args = ["plan", str(example("ml-platform", tmp_path)), "--json", "--replan"]
    out = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out)["total_monthly_cost"] > 0


def test_compile_prints_the_stacks(tmp_path: Path) -> None:
    code, out = invoke("compile", str(example("three-clouds", tmp_path)), "-o", str(tmp_path / "p"))
    assert code == 0
    assert "stacks: aws-us-east-1, azure-westeurope, gcp-us-central1" in out


def test_preview_json_follows_the_contract(tmp_path: Path) -> None:
    code, out = invoke("preview", str(example("minimal", tmp_path)), "--json")
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert (stack["name"], stack["cloud"], stack["region"]) == ("aws-eu-west-1", "aws", "eu-west-1")
    vpc = next(r for r in stack["resources"] if r["type"] == "aws:ec2/vpc:Vpc")
    assert vpc["name"] == "minimal-main-vpc"
    assert vpc["inputs"]["cidrBlock"] == "10.1.0.0/16"
    assert vpc["id"].startswith("vpc-")
    subnet = next(r for r in stack["resources"] if r["type"] == "aws:ec2/subnet:Subnet")
    assert subnet["inputs"]["vpcId"] == vpc["id"]  # references resolve to the referenced id
    assert all({"type", "name", "inputs", "id", "outputs"} <= set(r) for r in stack["resources"])


def test_preview_masks_secrets_unless_asked(tmp_path: Path) -> None:
    spec = tmp_path / "pw.yaml"
    spec.write_text(AZURE_WITHOUT_KEY)
    code, out = invoke("preview", str(spec), "--json")
    assert code == 0
    vmss = next(
        r
        for r in json.loads(out)["stacks"][0]["resources"]
        if r["type"].endswith("VirtualMachineScaleSet")
    )
    assert vmss["inputs"]["virtualMachineProfile"] == "[secret]"
    assert "[secret]" in out
    code, out = invoke("preview", str(spec), "--json", "--show-secrets")
    vmss = next(
        r
        for r in json.loads(out)["stacks"][0]["resources"]
        if r["type"].endswith("VirtualMachineScaleSet")
    )
    profile = vmss["inputs"]["virtualMachineProfile"]["secret"]
    assert profile["osProfile"]["adminPassword"]


def test_preview_tree_and_stack_filter(tmp_path: Path) -> None:
    code, out = invoke(
        "preview", str(example("three-clouds", tmp_path)), "--stack", "gcp-us-central1"
    )
    assert code == 0
    assert "gcp-us-central1" in out and "aws-us-east-1" not in out
    assert (
        "skyinfra:compute:ComputeGroup" in out
        and "gcp:compute/instanceTemplate:InstanceTemplate" in out
    )


def test_unknown_stack_is_exit_2(tmp_path: Path) -> None:
    code, out = invoke("preview", str(example("minimal", tmp_path)), "--stack", "aws-mars-1")
    assert code == 2
    assert "no stack named 'aws-mars-1'" in out


def test_missing_spec_file_is_exit_2(tmp_path: Path) -> None:
    code, out = invoke("plan", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "cannot read spec" in out


def test_catalog_directory_from_environment(tmp_path: Path) -> None:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "vms.csv").write_text(
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone\n"
        "m9.large,,,2,8,,0.01,0.005,eu-west-1,eu-west-1a\n"
    )
    result = CliRunner().invoke(
        main,
        ["plan", str(example("minimal", spec_dir)), "--json"],
        env={"SKYINFRA_CATALOG": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["placements"]["app"]["instance_type"] == "m9.large"
