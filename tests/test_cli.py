"""The command line: output formats per the contract, secrets, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


LINKED = """\
name: linked
accounts: {gcp: {project: demo-project}}
networks: {core: {}}
compute:
  web: {resources: {cpus: "2+", memory: "8+"}, placement: {cloud: aws, region: us-east-1}}
  ml: {resources: {cpus: "2+", memory: "8+"}, placement: {cloud: gcp, region: us-central1}}
  jobs: {resources: {cpus: "2+", memory: "8+"}, placement: {cloud: azure, region: westeurope}}
flows:
  - {from: web, to: ml, gb_per_month: 100}
  - {from: ml, to: jobs, gb_per_month: 100}
"""


def test_plan_lists_links_with_tunnels_asns_and_cost(tmp_path: Path) -> None:
    spec = tmp_path / "linked.yaml"
    spec.write_text(LINKED)
    code, out = invoke("plan", str(spec), "--json")
    assert code == 0, out
    doc = json.loads(out)
    rows = {(x["a"], x["b"]): x for x in doc["links"]}
    assert set(rows) == {
        ("aws-us-east-1", "gcp-us-central1"),
        ("azure-westeurope", "gcp-us-central1"),
    }
    aws_gcp = rows[("aws-us-east-1", "gcp-us-central1")]
    assert (aws_gcp["mode"], aws_gcp["tunnels"], aws_gcp["kind"]) == ("vpn", 4, "HA VPN")
    assert aws_gcp["stack"] == "peer-aws-us-east-1--gcp-us-central1"
    assert len(set(aws_gcp["bgp_asns"])) == 2 and aws_gcp["monthly_cost"] > 0
    assert rows[("azure-westeurope", "gcp-us-central1")]["tunnels"] == 2
    assert doc["cost_breakdown"]["links"] == round(
        sum(x["monthly_cost"] for x in doc["links"] + doc["gateways"]), 2
    )
    lock = (tmp_path / "linked.lock").read_text()
    assert "bgp_asns:" in lock and "core-aws-us-east-1--gcp-us-central1: [169.254.64.0/30" in lock

    code, text = invoke("plan", str(spec))
    asns = "/".join(str(n) for n in aws_gcp["bgp_asns"])
    cost = f"${aws_gcp['monthly_cost']:,.2f}/month"
    line = f"link aws-us-east-1 <-> gcp-us-central1: HA VPN, 4 tunnels, BGP {asns}, {cost}"
    assert code == 0 and line in text


def test_interconnect_between_aws_and_azure_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "ic.yaml"
    spec.write_text(
        LINKED.replace("ml, to: jobs", "web, to: jobs") + "peering: {mode: interconnect}\n"
    )
    code, out = invoke("plan", str(spec))
    assert code == 2
    assert f"{spec}:11:" in out and "no first-party dedicated interconnect" in out


def test_plan_lists_what_to_order_and_the_config_of_an_interconnect(tmp_path: Path) -> None:
    spec = tmp_path / "ic.yaml"
    spec.write_text(LINKED + "peering: {mode: interconnect}\n")
    code, out = invoke("plan", str(spec), "--json")
    assert code == 0, out
    rows = {(x["a"], x["b"]): x for x in json.loads(out)["links"]}
    azure = rows[("azure-westeurope", "gcp-us-central1")]
    assert azure["kind"] == "Cross-Cloud Interconnect" and azure["monthly_cost"] is None
    assert 12076 in azure["bgp_asns"]
    assert [x["key"] for x in azure["config"]] == [
        "skyinfra:expressroute-peering-location",
        "skyinfra:interconnect-location-1",
        "skyinfra:interconnect-location-2",
        "skyinfra:interconnect-remote-location-1",
        "skyinfra:interconnect-remote-location-2",
    ]
    assert [x["vlan"] for x in azure["attachments"]] == [100, 100]
    first, second = azure["phases"]
    assert (first["phase"], second["phase"]) == (1, 2) and "command" not in first
    assert any("port pair" in x for x in first["declares"])
    assert second["command"] == (
        f"pulumi config set -s {azure['stack']} skyinfra:interconnect-ready true"
        f" && pulumi up -s {azure['stack']}"
    )
    assert any("circuit" in x for x in second["declares"])
    code, text = invoke("plan", str(spec))
    stack = "peer-aws-us-east-1--gcp-us-central1"
    assert code == 0 and "order: aws: pulumi up (phase 1) creates 2 Direct Connect LAGs" in text
    for n in (1, 2):
        assert (
            f"config: pulumi config set -s {stack} skyinfra:directconnect-location-{n} VALUE"
            in text
        )
    flat = " ".join(text.split())
    assert f"phase 1: `pulumi up -s {stack}` orders the ports (aws: " in flat
    assert (
        f"phase 2 after the providers report both connections provisioned: `pulumi config set "
        f"-s {stack} skyinfra:interconnect-ready true && pulumi up -s {stack}` adds aws: 2 "
        "private virtual interfaces" in flat
    )
    assert "interconnect gateway of core in azure-westeurope" in text
    total = next(line for line in text.splitlines() if line.startswith("total $"))
    flat = " ".join(text.split())
    assert "not counted: aws-us-east-1 <-> gcp-us-central1" in flat  # never shown as free
    assert "placement priced links between clouds as HA VPN links" in flat
    assert total


def test_compile_of_an_interconnect_names_the_config_to_set(tmp_path: Path) -> None:
    code, out = invoke("compile", str(example("interconnect", tmp_path)), "-o", str(tmp_path / "o"))
    assert code == 0, out
    assert "cannot be deployed" not in out
    stack = "peer-aws-us-east-1--gcp-us-east4"
    for key in ("directconnect-location", "interconnect-location", "interconnect-remote-location"):
        for n in (1, 2):
            assert f"pulumi config set -s {stack} skyinfra:{key}-{n} VALUE" in out
    assert f"phase 1: `pulumi up -s {stack}` orders the ports only" in out
    assert f"`pulumi config set -s {stack} skyinfra:interconnect-ready true` then" in out


def test_offline_preview_honours_the_ready_key_of_the_compiled_stack_file(tmp_path: Path) -> None:
    """Phase 2 shows in `preview` once `pulumi config set` wrote the key into the deploy
    directory's stack file; without it (or without a compiled project) phase 1."""
    spec, stack = example("interconnect", tmp_path), "peer-aws-us-east-1--gcp-us-east4"
    vif = "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface"

    def declared() -> list[dict[str, Any]]:
        args = ("preview", str(spec), "--stack", stack, "--json", "-o", str(tmp_path / "d"))
        code, out = invoke(*args)
        assert code == 0, out
        (peering,) = json.loads(out)["stacks"]
        return list(peering["resources"])

    assert not [r for r in declared() if r["type"] == vif]  # no compiled project yet
    code, out = invoke("compile", str(spec), "-o", str(tmp_path / "d" / "project"))
    assert code == 0, out
    path = tmp_path / "d" / "project" / f"Pulumi.{stack}.yaml"
    locations = {"directconnect-location-1": "EqDC2", "directconnect-location-2": "CSVA1"}
    with path.open("a") as f:  # what `pulumi config set` adds
        f.writelines(f"  skyinfra:{k}: {v}\n" for k, v in locations.items())
    lags = [r for r in declared() if r["type"].endswith("LinkAggregationGroup")]
    assert sorted(r["inputs"]["location"] for r in lags) == ["CSVA1", "EqDC2"]
    assert not [r for r in declared() if r["type"] == vif]
    with path.open("a") as f:
        f.write('  skyinfra:interconnect-ready: "true"\n')
    assert len([r for r in declared() if r["type"] == vif]) == 2


def test_preview_lists_each_stacks_lookups_with_their_arguments(tmp_path: Path) -> None:
    spec = example("minimal", tmp_path)
    code, out = invoke("preview", str(spec), "--json")
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    tokens = [i["token"] for i in stack["invokes"]]
    assert tokens == [
        "aws:ec2/getAmi:getAmi",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
    ]
    ami = stack["invokes"][0]["args"]
    assert ami["owners"] == ["099720109477"] and ami["mostRecent"] is True
    assert {"name": "architecture", "values": ["x86_64"]} in ami["filters"]
    assert list(ami) == sorted(ami)  # canonical: sorted keys, so the JSON is deterministic
    assert invoke("preview", str(spec), "--json")[1] == out
    code, text = invoke("preview", str(spec))
    assert code == 0
    lookups = text[text.index("lookups") :]
    assert "aws:ec2/getAmi:getAmi" in lookups and "099720109477" in lookups
    assert "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*" in lookups
