"""The command line: output formats per the contract, secrets, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from skyinfra.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# A VPN link between two clouds: its pre-shared keys are the preview's secret inputs.
WITH_SECRETS = """\
name: pw
accounts:
  gcp: {project: my-project}
networks: {core: {}}
compute:
  a: {instance_type: m6i.large, network: core, placement: {cloud: aws, region: us-east-1}}
  b: {instance_type: n1-standard-2, network: core, placement: {cloud: gcp, region: us-central1}}
flows:
  - {from: a, to: b, gb_per_month: 10}
peering: {links: auto}
"""


def _secret_input(out: str) -> tuple[str, str, str]:
    """(resource name, input key, value) of the first secret input of a `preview --json`."""
    for stack in json.loads(out)["stacks"]:
        for r in stack["resources"]:
            for key, value in r["inputs"].items():
                if value == "[secret]" or (isinstance(value, dict) and set(value) == {"secret"}):
                    return r["name"], key, value
    raise AssertionError("no secret input in the preview")


def example(name: str, where: Path) -> Path:
    """A copy of an example spec, its lock and the scripts examples read (`{file:}`): plan
    and compile rewrite the lock beside it."""
    for suffix in (".yaml", ".lock"):
        shutil.copy(EXAMPLES / f"{name}{suffix}", where)
    shutil.copytree(EXAMPLES / "scripts", where / "scripts", dirs_exist_ok=True)
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
    # The group, and the NAT gateway its private VMs go out through (32.85 a month).
    (nat,) = doc["nat"]
    assert (nat["stack"], nat["vms"], nat["monthly_cost"]) == ("aws-eu-west-1", 2, 32.85)
    assert doc["total_monthly_cost"] == round(app["monthly_cost"] + nat["monthly_cost"], 2)


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
    spec.write_text(WITH_SECRETS)
    code, out = invoke("preview", str(spec), "--json")
    assert code == 0
    name, key, masked = _secret_input(out)
    assert masked == "[secret]"
    code, out = invoke("preview", str(spec), "--json", "--show-secrets")
    assert code == 0
    assert _secret_input(out)[:2] == (name, key)
    assert _secret_input(out)[2]["secret"]


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
    assert "azure ExpressRoute Direct 10 Gbps port pair" in azure["unpriced"]
    aws = rows[("aws-us-east-1", "gcp-us-central1")]
    assert aws["unpriced"] == [] and aws["monthly_cost"] == pytest.approx(
        aws["ports_monthly_cost"] + aws["egress_monthly_cost"]
    )
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
    assert (first["phase"], second["phase"]) == (1, 2)
    assert first["command"] == f"pulumi up -s {azure['stack']}"
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
    assert "phase 1, now: it orders the ports, declaring aws: " in flat
    assert f"\n    pulumi up -s {stack}\n" in text  # a command to copy: a line of its own
    assert (
        "phase 2, after the providers report both connections provisioned, declaring aws: 2 "
        "private virtual interfaces" in flat
    )
    ready = f"pulumi config set -s {stack} skyinfra:interconnect-ready true && pulumi up -s {stack}"
    assert f"\n    {ready}\n" in text
    assert "interconnect gateway of core in azure-westeurope" in text
    total = next(line for line in text.splitlines() if line.startswith("total $"))
    flat = " ".join(text.split())
    # ExpressRoute Direct has no sourced price: n/a, named, never free; the AWS link is priced.
    assert "not counted: azure-westeurope <-> gcp-us-central1" in flat
    assert "aws-us-east-1 <-> gcp-us-central1 (prices n/a)" not in flat
    assert "cost n/a (not in the catalog: azure ExpressRoute Direct 10 Gbps port pair;" in flat
    assert (
        "placement priced azure-westeurope <-> gcp-us-central1 as an HA VPN link: the catalog "
        "has no interconnect price for it" in flat
    )
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


# -- conventions: -h, the default SPEC, --json errors, layout, startup -----------------------


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command under `group` (`("catalog", "find")`, ...)."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


COMMANDS = _commands(main)
SPEC_COMMANDS = [path for path in COMMANDS if any(p.name == "spec" for p in _command(path).params)]
JSON_COMMANDS = [
    path for path in COMMANDS if any(p.name == "as_json" for p in _command(path).params)
]


def test_every_command_is_listed() -> None:  # the lists below are not vacuous
    assert ("plan",) in SPEC_COMMANDS and ("up",) in SPEC_COMMANDS and ("check",) in SPEC_COMMANDS
    assert ("catalog", "find") in JSON_COMMANDS and ("preview",) in JSON_COMMANDS


@pytest.mark.parametrize("path", [(), *COMMANDS, ("catalog",)], ids=" ".join)
def test_dash_h_is_help(path: tuple[str, ...]) -> None:
    code, out = invoke(*path, "-h")
    assert code == 0 and out.startswith("Usage: ")
    assert invoke(*path, "--help") == (code, out)


@pytest.mark.parametrize("path", SPEC_COMMANDS, ids=" ".join)
def test_without_spec_or_skyinfra_yaml_is_a_usage_error(
    path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = [*path, "-o", "out.svg"] if path == ("graph",) else list(path)
    args += ["-o", "out"] if path == ("compile",) else []
    args += ["api"] if path == ("ssh",) else []  # NAME comes before SPEC
    code, out = invoke(*args, "--yes") if path == ("destroy",) else invoke(*args)
    assert code == 2
    assert "no SPEC given and no ./skyinfra.yaml here" in out and "skyinfra init" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_spec_defaults_to_skyinfra_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(EXAMPLES / "minimal.yaml", tmp_path / "skyinfra.yaml")
    monkeypatch.chdir(tmp_path)
    code, out = invoke("plan", "--json")
    assert code == 0, out
    assert json.loads(out)["placements"]["app"]["stack"] == "aws-eu-west-1"
    assert (tmp_path / "skyinfra.lock").is_file()
    code, out = invoke("check")
    assert code == 0 and "no violations" in out


def test_replan_all_is_the_placement_constant() -> None:  # the cli keeps a copy, for --help
    from skyinfra import cli
    from skyinfra.placement import place

    assert cli.REPLAN_ALL == place.REPLAN_ALL


def test_catalog_find_help_lists_the_clouds() -> None:
    from skyinfra.clouds import cloud_names

    code, out = invoke("catalog", "find", "-h")
    assert code == 0 and f"({', '.join(cloud_names())})" in " ".join(out.split())


HEAVY = ("pulumi", "pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "highspy", "numpy")


@pytest.mark.parametrize("args", [["--help"], ["plan", "-h"], ["up", "--help"], ["ssh", "--help"]])
def test_help_imports_no_sdk_nor_solver(args: list[str]) -> None:
    """`--help` stays fast by importing the library lazily (benchmarks/cli_startup.py times it)."""
    probe = (
        "import json, sys\n"
        "from skyinfra.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert "Usage:" in done.stdout
    assert json.loads(done.stdout.splitlines()[-1]) == []


def _json_error(result: Result) -> dict[str, Any]:
    assert result.stdout == ""  # nothing a script would parse as output
    doc: dict[str, Any] = json.loads(result.stderr)
    return doc


def test_json_spec_errors_go_to_stderr_as_json(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "name: bad\nnetworks: {main: {}}\ncompute:\n  app:\n    instance_type: m6i.large\n"
        "    placement: {cloud: azure, region: west-europe}\n"
    )
    for path in (("plan",), ("preview",), ("check",)):
        result = CliRunner().invoke(main, [*path, str(spec), "--json"])
        assert result.exit_code == 2
        doc = _json_error(result)
        (problem,) = doc["problems"]
        assert problem["key"] == "compute.app.placement.region"
        assert problem["path"] == ["compute", "app", "placement", "region"]
        assert (problem["file"], problem["line"]) == (str(spec), 6)
        assert problem["column"] > 0 and "westeurope" in problem["hint"]
        assert doc["error"] == problem["message"]


@pytest.mark.parametrize("path", JSON_COMMANDS, ids=" ".join)
def test_json_usage_errors_go_to_stderr_as_json(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--json", "--no-such-flag"])
    assert result.exit_code == 2
    assert "--no-such-flag" in _json_error(result)["error"]


def test_json_bad_option_value_names_the_option() -> None:
    result = CliRunner().invoke(main, ["catalog", "find", "--geo", "atlantis", "--json"])
    assert result.exit_code == 2
    (problem,) = _json_error(result)["problems"]
    assert problem["key"] == "'--geo'" and "atlantis" in problem["message"]


def test_json_missing_spec_is_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "nope.yaml"), "--json"])
    assert result.exit_code == 2
    assert "cannot read spec" in json.dumps(_json_error(result))


def test_preview_stack_is_repeatable(tmp_path: Path) -> None:
    spec = str(example("three-clouds", tmp_path))
    code, out = invoke("preview", spec, "--stack", "gcp-us-central1", "--stack", "aws-us-east-1")
    assert code == 0, out
    assert "gcp-us-central1 (gcp" in out and "aws-us-east-1 (aws" in out
    assert "azure-westeurope" not in out and "in 2 stack(s)" in out
    code, out = invoke("preview", spec, "--stack", "aws-us-east-1", "--stack", "gcp-us-centrl1")
    assert code == 2 and "no stack named 'gcp-us-centrl1'" in out and "gcp-us-central1" in out


def test_show_secrets_shows_secret_values_in_the_text_preview(tmp_path: Path) -> None:
    spec = tmp_path / "pw.yaml"
    spec.write_text(WITH_SECRETS)
    code, out = invoke("preview", str(spec), "--json", "--show-secrets")
    _, key, value = _secret_input(out)
    secret = value["secret"]
    assert isinstance(secret, str) and secret
    code, text = invoke("preview", str(spec), "--show-secrets")
    assert code == 0 and secret in text and f"secret {key} = " in text
    code, text = invoke("preview", str(spec))
    assert code == 0 and secret not in text and "secret " not in text


def test_negative_deltas_print_as_minus_dollars(tmp_path: Path) -> None:
    """A locked resource whose alternatives are cheaper: `-$8.03`, never `+$-8.03`."""
    spec = tmp_path / "neg.yaml"
    pinned = "    placement: {cloud: aws, region: eu-west-1}\n"
    head = "name: neg\nnetworks: {main: {}}\ncompute:\n  app:\n    resources: {cpus: '2+', memory: '8+'}\n"
    spec.write_text(head + pinned)
    assert invoke("plan", str(spec))[0] == 0
    spec.write_text(head + pinned.replace(", region: eu-west-1", ""))  # the lock keeps eu-west-1
    code, doc = invoke("plan", str(spec), "--json")
    deltas = [a["delta_monthly_cost"] for a in json.loads(doc)["placements"]["app"]["alternatives"]]
    assert code == 0 and min(deltas) < 0
    code, out = invoke("plan", str(spec))
    assert code == 0 and f"-${-min(deltas):,.2f}" in out and "$-" not in out


def test_money_deltas_carry_their_sign_in_front() -> None:
    from skyinfra.money import usd, usd_delta

    assert (usd_delta(-43.41), usd_delta(13.94), usd_delta(-0.001)) == (
        "-$43.41",
        "+$13.94",
        "+$0.00",
    )
    assert (usd(-1234.5), usd(2.0)) == ("-$1,234.50", "$2.00")


def _plan_text(spec: Path, columns: str | None) -> tuple[str, dict[str, Any]]:
    env = {"COLUMNS": columns} if columns else {}
    result = CliRunner().invoke(main, ["plan", str(spec)], env=env)
    assert result.exit_code == 0, result.output
    return result.output, json.loads(invoke("plan", str(spec), "--json")[1])


@pytest.mark.parametrize("name", ["interconnect", "replication", "ml-platform"])
def test_plan_reads_in_80_columns(name: str, tmp_path: Path) -> None:
    text, doc = _plan_text(example(name, tmp_path), "80")
    commands = [line for line in text.splitlines() if "pulumi " in line and "# " in line]
    commands += [line for line in text.splitlines() if line.startswith("    pulumi ")]
    long_words = [line for line in text.splitlines() if " " not in line.strip()]  # a tmp path
    wrapped = [line for line in text.splitlines() if line not in commands + long_words]
    assert all(len(line) <= 80 for line in wrapped), text
    for row in doc["placements"].values():  # never split, never cut
        assert row["stack"] in text and (row.get("instance_type") or "") in text
    for link in doc["links"]:  # the commands to copy: one line each, whole
        for item in link.get("config", []):
            assert f"  config: pulumi config set -s {link['stack']} {item['key']} VALUE" in text
    for row in doc["replications"]:
        for step in row["post_deploy"]:
            assert f"\n    {step['how']}\n" in text


def test_plan_in_a_pipe_keeps_a_row_per_line(tmp_path: Path) -> None:
    text, doc = _plan_text(example("replication", tmp_path), None)
    lines = text.splitlines()
    for name, row in doc["placements"].items():
        assert any(
            line.startswith(name) and row["stack"] in line and "$/hour" not in line
            for line in lines
        )
    assert "$/hour" in text  # wide enough for every column


def test_plan_drops_the_hourly_column_before_splitting_names(tmp_path: Path) -> None:
    text, _ = _plan_text(example("replication", tmp_path), "80")
    assert "$/hour" not in text and "dashboards-backup*" in text


def test_shell_completion_completes_commands_and_options() -> None:
    env = {"_SKYINFRA_COMPLETE": "bash_complete", "COMP_WORDS": "skyinfra preview --st"}
    result = CliRunner().invoke(main, [], prog_name="skyinfra", env={**env, "COMP_CWORD": "2"})
    assert result.output.splitlines() == ["plain,--stack"]
    env = {"_SKYINFRA_COMPLETE": "bash_source"}
    script = CliRunner().invoke(main, [], prog_name="skyinfra", env=env).output
    assert "complete -o nosort -F _skyinfra_completion skyinfra" in script


def test_an_interconnect_bills_the_egress_it_carries_once_in_its_link(tmp_path: Path) -> None:
    code, out = invoke("plan", str(example("interconnect", tmp_path)), "--json")
    assert code == 0, out
    doc = json.loads(out)
    [flow] = doc["flows"]
    [link] = doc["links"]
    assert flow["carried_by"] == "core-aws-us-east-1--gcp-us-east4"
    assert link["egress_monthly_cost"] == flow["monthly_cost"] == pytest.approx(0.02 * 20_000)
    assert link["monthly_cost"] == pytest.approx(
        link["ports_monthly_cost"] + link["egress_monthly_cost"]
    )
    parts = doc["cost_breakdown"]
    assert parts["egress"] == 0.0  # counted in the link, not twice
    assert doc["total_monthly_cost"] == pytest.approx(
        parts["resources"] + parts["egress"] + parts["links"] + parts["nat"]
    )
    code, text = invoke("plan", str(example("interconnect", tmp_path)))
    flat = " ".join(text.split())
    assert "egress $400.00/month over the interconnect (in its link's cost)" in flat
    assert "(ports and attachments $11,607.00: 2 aws Direct Connect dedicated 10 Gbps ports" in flat


def test_plan_explains_vpn_against_interconnect_for_a_link_between_clouds(tmp_path: Path) -> None:
    code, out = invoke("plan", str(example("interconnect", tmp_path)), "--json")
    assert code == 0, out
    [link] = json.loads(out)["links"]
    choice = link["choice"]
    assert choice["interconnect_monthly_cost"] == link["monthly_cost"]
    assert choice["cheaper"] == "vpn" and choice["vpn_monthly_cost"] < link["monthly_cost"]
    assert choice["break_even_gb_per_month"] > choice["gb_per_month"] == 20_000
    code, text = invoke("plan", str(example("interconnect", tmp_path)))
    assert "interconnect: costs $" in text and "break-even" in text


def test_plan_says_which_mode_auto_chose_for_each_link(tmp_path: Path) -> None:
    code, out = invoke("plan", str(example("auto-links", tmp_path)), "--json")
    assert code == 0, out
    links = {x["b"]: x for x in json.loads(out)["links"]}
    heavy, light = links["gcp-us-east4"], links["gcp-europe-west1"]
    assert heavy["mode"] == heavy["choice"]["chosen"] == heavy["choice"]["cheaper"]
    assert heavy["mode"] == "interconnect"
    assert light["mode"] == light["choice"]["chosen"] == light["choice"]["cheaper"] == "vpn"
    assert heavy["choice"]["explanation"].startswith("auto chose interconnect; interconnect: saves")
    code, text = invoke("plan", str(example("auto-links", tmp_path)))
    assert "auto chose vpn; interconnect: costs $" in " ".join(text.split())
