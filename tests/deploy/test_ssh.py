"""`skyinfra ssh`: the command per cloud from a deployed stack's outputs, read through the
real Automation API from a fake `pulumi`; fake `aws`, `gcloud` and `az` on PATH show what
`--exec` runs (exactly the printed command) and that printing runs nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from skyinfra import api
from skyinfra.cli import main
from tests.deploy.fakes import FakePulumi

SPEC = """\
name: way
accounts:
  aws: {profile: dev}
  gcp: {project: my-project}
  azure: {subscriptionId: 00000000-0000-0000-0000-000000000000}
networks: {core: {}}
compute:
  api:
    instance_type: m6i.large
    count: 2
    network: core
    placement: {cloud: aws, region: us-east-1}
  train:
    instance_type: n1-standard-2
    network: core
    placement: {cloud: gcp, region: us-central1}
  web:
    instance_type: Standard_D2s_v5
    network: core
    placement: {cloud: azure, region: westeurope}
"""

AWS, GCP, AZURE = "aws-us-east-1", "gcp-us-central1", "azure-westeurope"
OUTPUTS = {  # `compute.<name>` as the lowerings export them
    AWS: {"api": {"group_id": "way-api-asg-5d2e1f0", "instance_type": "m6i.large", "count": 2}},
    GCP: {
        "train": {
            "group_id": "projects/my-project/regions/us-central1/instanceGroupManagers/way-train-group-a1",
            "name": "way-train-group-a1",
            "instance_type": "n1-standard-2",
            "count": 1,
        }
    },
    AZURE: {
        "web": {
            "group_id": "/subscriptions/0/resourceGroups/way-core-rg1/providers/Microsoft.Compute/virtualMachineScaleSets/way-web-vmss1",
            "name": "way-web-vmss1",
            "resource_group_name": "way-core-rg1",
            "admin_username": "skyinfra",
            "instance_type": "Standard_D2s_v5",
            "count": 1,
        }
    },
}
INSTANCE = "i-0123456789abcdef0"
VM_URI = "https://www.googleapis.com/compute/v1/projects/my-project/zones/us-central1-b/instances/way-train-group-a1-x7k2"
ADDRESS = "10.3.0.4"

# One fake for the three cloud CLIs: it logs its argv and answers the lookups.
FAKE_CLI = f"""\
import json, os, sys
from pathlib import Path
name = Path(sys.argv[0]).name
with open(os.environ["FAKE_CLI_LOG"], "a") as log:
    log.write(json.dumps([name, *sys.argv[1:]]) + "\\n")
args = sys.argv[1:]
if args[:2] == ["autoscaling", "describe-auto-scaling-groups"]:
    print({INSTANCE!r})
elif args[:1] == ["compute"] and "list-instances" in args:
    print({VM_URI!r})
    print({VM_URI.replace("x7k2", "zz99")!r})
elif args[:3] == ["vmss", "nic", "list"]:
    print({ADDRESS!r})
else:
    print("connected")
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """SPEC compiled into deploy dir `out` (as `skyinfra up` leaves it), the fake pulumi and
    fake cloud CLIs first on PATH, a passphrase set."""
    spec = tmp_path / "way.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "deploy"
    api.compile_project(spec, out / "project")
    pulumi = FakePulumi(tmp_path / "fake-pulumi")
    for cli in ("aws", "gcloud", "az"):
        path = pulumi.bin / cli
        path.write_text(f"#!{sys.executable}\n{FAKE_CLI}")
        path.chmod(0o755)
    log = tmp_path / "cli.jsonl"
    for key, value in pulumi.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FAKE_CLI_LOG", str(log))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test")
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return {"spec": spec, "out": out, "pulumi": pulumi, "log": log}


def deploy_all(world: dict[str, Any]) -> None:
    for stack, compute in OUTPUTS.items():
        world["pulumi"].deploy(stack, {"cloud": stack.split("-")[0], "compute": compute})


def ssh(world: dict[str, Any], *args: str) -> Result:
    return CliRunner().invoke(main, ["ssh", *args, str(world["spec"]), "-o", str(world["out"])])


def cli_calls(world: dict[str, Any]) -> list[list[str]]:
    log: Path = world["log"]
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def read_only(world: dict[str, Any]) -> None:
    """Only `pulumi version`, `stack ls` and `stack output` ran: nothing deployed or changed."""
    ran = {tuple(c["args"][:2]) for c in world["pulumi"].calls()}
    assert ran and ran <= {("version",), ("stack", "ls"), ("stack", "output")}, ran


EXPECTED = {
    "api": (
        'aws ssm start-session --target "$(aws autoscaling describe-auto-scaling-groups '
        "--auto-scaling-group-names way-api-asg-5d2e1f0 --region us-east-1 --profile dev "
        "--query 'sort_by(AutoScalingGroups[0].Instances, &InstanceId)[0].InstanceId' "
        '--output text)" --region us-east-1 --profile dev'
    ),
    "train": (
        'gcloud compute ssh "$(gcloud compute instance-groups managed list-instances '
        "way-train-group-a1 --region us-central1 --project my-project --uri "
        '--sort-by=instance | sed -n 1p)" --tunnel-through-iap --project my-project'
    ),
    "web": (
        'az ssh vm --ip "$(az vmss nic list --resource-group way-core-rg1 --vmss-name '
        "way-web-vmss1 --subscription 00000000-0000-0000-0000-000000000000 --query "
        "'sort_by(@, &id)[0].ipConfigurations[0].privateIPAddress' --output tsv)\""
    ),
}
# What running each command runs: the lookup, then the connection to what it found.
RUNS = {
    "api": [
        [
            *("aws", "autoscaling", "describe-auto-scaling-groups"),
            *("--auto-scaling-group-names", "way-api-asg-5d2e1f0", "--region", "us-east-1"),
            *("--profile", "dev", "--query"),
            "sort_by(AutoScalingGroups[0].Instances, &InstanceId)[0].InstanceId",
            *("--output", "text"),
        ],
        ["aws", "ssm", "start-session", "--target", INSTANCE, "--region", "us-east-1", "--profile", "dev"],
    ],
    "train": [
        [
            *("gcloud", "compute", "instance-groups", "managed", "list-instances"),
            *("way-train-group-a1", "--region", "us-central1", "--project", "my-project"),
            *("--uri", "--sort-by=instance"),
        ],
        ["gcloud", "compute", "ssh", VM_URI, "--tunnel-through-iap", "--project", "my-project"],
    ],
    "web": [
        [
            *("az", "vmss", "nic", "list", "--resource-group", "way-core-rg1"),
            *("--vmss-name", "way-web-vmss1"),
            *("--subscription", "00000000-0000-0000-0000-000000000000", "--query"),
            "sort_by(@, &id)[0].ipConfigurations[0].privateIPAddress",
            *("--output", "tsv"),
        ],
        ["az", "ssh", "vm", "--ip", ADDRESS],
    ],
}  # fmt: skip


@pytest.mark.parametrize("group", sorted(EXPECTED))
def test_prints_the_clouds_command_and_runs_nothing(world: dict[str, Any], group: str) -> None:
    deploy_all(world)
    result = ssh(world, group)
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED[group] + "\n"
    assert "needs: " in result.stderr  # the prerequisites, apart from the command
    assert cli_calls(world) == []  # printing runs no cloud CLI
    read_only(world)


@pytest.mark.parametrize("group", sorted(EXPECTED))
def test_exec_runs_exactly_the_printed_command(world: dict[str, Any], group: str) -> None:
    deploy_all(world)
    result = ssh(world, group, "--exec")
    assert result.exit_code == 0, result.output
    assert cli_calls(world) == RUNS[group]
    read_only(world)
    # The same calls as a shell running what was printed.
    world["log"].unlink()
    subprocess.run(
        ["/bin/sh", "-c", EXPECTED[group]], check=True, capture_output=True, env=os.environ
    )
    assert cli_calls(world) == RUNS[group]


def test_exec_exits_with_the_commands_code(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_all(world)
    (world["pulumi"].bin / "az").write_text("#!/bin/sh\nexit 7\n")
    assert ssh(world, "web", "--exec").exit_code == 7


def test_json_names_the_method_and_the_same_command(world: dict[str, Any]) -> None:
    deploy_all(world)
    result = ssh(world, "train", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["command"] == EXPECTED["train"]
    assert (doc["group"], doc["stack"], doc["cloud"], doc["index"]) == ("train", GCP, "gcp", 0)
    assert doc["method"] == "iap-tcp-forwarding"
    assert doc["docs"] == "https://cloud.google.com/iap/docs/using-tcp-forwarding"
    assert any("roles/iap.tunnelResourceAccessor" in p for p in doc["prerequisites"])
    assert ssh(world, "train", "--json", "--exec").exit_code == 2


def test_index_picks_a_vm_within_the_group(world: dict[str, Any]) -> None:
    deploy_all(world)
    result = ssh(world, "api", "--index", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED["api"].replace(")[0]", ")[1]") + "\n"
    gcp = ssh(world, "train", "--index", "0")
    assert "sed -n 1p" in gcp.stdout
    beyond = ssh(world, "api", "--index", "2")
    assert beyond.exit_code == 2
    assert "group 'api' has 2 VM(s): use an index from 0 to 1" in beyond.output
    assert cli_calls(world) == []


def test_an_unknown_group_suggests_the_closest(world: dict[str, Any]) -> None:
    deploy_all(world)
    result = ssh(world, "trian")
    assert result.exit_code == 2
    assert "no compute group 'trian'" in result.output and "did you mean 'train'?" in result.output
    assert world["pulumi"].calls() == []  # nothing read from the backend


def test_a_group_whose_stack_is_not_deployed_names_the_stack_and_how(world: dict[str, Any]) -> None:
    world["pulumi"].deploy(GCP, {"compute": OUTPUTS[GCP]})  # only the GCP stack is up
    result = ssh(world, "web")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"stack {AZURE} (compute group 'web') is not deployed" in message
    assert f"skyinfra up {world['spec']} --stack {AZURE} -o {world['out']}" in message
    assert cli_calls(world) == []
    read_only(world)


def test_a_group_missing_from_its_deployed_stack_says_to_update(world: dict[str, Any]) -> None:
    world["pulumi"].deploy(AWS, {"compute": {}})
    result = ssh(world, "api")
    assert result.exit_code == 1
    assert f"stack {AWS} is deployed without compute group 'api'" in " ".join(result.output.split())


def test_nothing_compiled_yet_is_not_deployed(tmp_path: Path) -> None:
    spec = tmp_path / "way.yaml"
    spec.write_text(SPEC)
    result = CliRunner().invoke(main, ["ssh", "api", str(spec)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"stack {AWS} (compute group 'api') is not deployed" in message
    assert f"skyinfra up {spec} --stack {AWS}" in message
