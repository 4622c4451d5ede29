"""`skyinfra up | refresh | destroy` and `preview --live`: the missing CLI, setup errors,
options, and a whole run against a fake workspace (compile, order, summary, exit code)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from skyinfra.cli import main
from skyinfra.deploy import cli as deploy_cli
from skyinfra.deploy.project import DeployProject
from tests.deploy.fakes import FakeWorkspace, tiny_spec

PEER = "peer-aws-us-east-1--gcp-us-central1"
STACKS = [
    "aws-us-east-1",
    "gcp-europe-west4",
    "gcp-us-central1",
    "repl-data--gcp-europe-west4",
    PEER,
]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def flat(text: str) -> str:
    """Output with table borders and line breaks made single spaces."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def no_pulumi_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pulumi_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pulumi_settings: None
) -> None:
    """An executable called `pulumi` first on PATH (never run: the workspace is faked)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text("#!/bin/sh\nexit 99\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def fake_workspace(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the Automation API workspace; `seen` holds what it was built from. The
    workspace of retired stacks (`seen["retired"]`) shares the project workspace's log."""
    seen: dict[str, Any] = {"fail": set(), "deployed": {}, "log": []}

    def make(
        project: DeployProject, resource_parallel: int | None, retired: Path | None = None
    ) -> FakeWorkspace:
        workspace = FakeWorkspace(fail=seen["fail"], deployed=seen["deployed"], log=seen["log"])
        if retired is not None:
            seen["retired_dir"] = retired
            seen["retired"] = workspace
            return workspace
        seen["project"] = project
        seen["resource_parallel"] = resource_parallel
        seen["workspace"] = workspace
        return workspace

    monkeypatch.setattr(deploy_cli, "make_workspace", make)
    return seen


@pytest.mark.parametrize(
    "command", [["up", "--yes"], ["refresh"], ["destroy", "--yes"], ["preview", "--live"]]
)
def test_without_the_pulumi_cli_the_commands_exit_1_and_say_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    spec = tiny_spec(tmp_path)
    result = invoke(*command, str(spec))
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert "the Pulumi CLI is not on PATH" in text
    assert "https://www.pulumi.com/docs/install/" in text
    assert "curl -fsSL https://get.pulumi.com | sh" in text
    assert "`skyinfra preview SPEC` (without --live) works offline" in text
    assert not (tmp_path / ".skyinfra").exists()  # nothing compiled


def test_the_offline_preview_needs_no_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = invoke("preview", str(tiny_spec(tmp_path)), "--stack", "aws-us-east-1")
    assert result.exit_code == 0, result.output
    assert "aws:ec2/vpc:Vpc" in result.stdout


def test_a_file_backend_without_a_passphrase_exits_2_naming_the_variable(
    tmp_path: Path, pulumi_on_path: None, fake_workspace: dict[str, Any]
) -> None:
    result = invoke("up", str(tiny_spec(tmp_path)), "--yes")
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert "PULUMI_CONFIG_PASSPHRASE" in text and "PULUMI_CONFIG_PASSPHRASE_FILE" in text
    assert f"file://{(tmp_path / '.skyinfra' / 'tiny' / '.pulumi-state').resolve()}" in text
    assert "workspace" not in fake_workspace


def test_up_compiles_beside_the_spec_and_runs_every_stack(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")  # an empty passphrase is a passphrase
    result = invoke(
        "up", str(tiny_spec(tmp_path)), "--yes", "--parallel", "2", "--resource-parallel", "7"
    )
    assert result.exit_code == 0, result.output
    project: DeployProject = fake_workspace["project"]
    root = (tmp_path / ".skyinfra" / "tiny").resolve()
    assert project.project_dir == root / "project"
    assert (root / "project" / f"Pulumi.{PEER}.yaml").is_file()
    assert project.backend.url == f"file://{root / '.pulumi-state'}"
    assert fake_workspace["resource_parallel"] == 7
    workspace: FakeWorkspace = fake_workspace["workspace"]
    assert workspace.index("end", "gcp-us-central1") < workspace.index("start", PEER)
    assert "summary" in result.stdout and result.stdout.count("succeeded") >= 5


def test_a_failed_stack_is_named_with_its_skipped_dependants_and_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "https://api.pulumi.com")  # no passphrase needed
    fake_workspace["fail"].add("gcp-us-central1")
    out = tmp_path / "elsewhere"
    result = invoke("up", str(tiny_spec(tmp_path)), "-o", str(out), "--skip-preview")
    assert result.exit_code == 1
    assert fake_workspace["project"].root == out
    assert fake_workspace["project"].backend.url == "https://api.pulumi.com"
    errors = " ".join(result.stderr.split())
    assert "gcp-us-central1 failed: gcp-us-central1 broke" in errors
    assert f"skipped because of those failures: {PEER}" in errors
    assert "not run: needs gcp-us-central1, which failed" in " ".join(result.stdout.split())


def test_stack_option_runs_only_those_and_suggests_on_a_typo(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    spec = str(tiny_spec(tmp_path))
    result = invoke("refresh", spec, "--stack", "aws-us-east-1", "--stack", PEER)
    assert result.exit_code == 0, result.output
    assert fake_workspace["workspace"].events("start") == ["aws-us-east-1", PEER]
    assert {op for _, _, op in fake_workspace["workspace"].log} == {"refresh"}

    result = invoke("preview", spec, "--live", "--stack", "aws-us-east-2")
    assert result.exit_code == 2
    assert "no stack named 'aws-us-east-2' (did you mean 'aws-us-east-1'?)" in result.stderr


def test_destroy_runs_in_reverse_and_needs_confirmation_when_not_interactive(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    fake_workspace["deployed"].update(dict.fromkeys(STACKS, 4))
    spec = str(tiny_spec(tmp_path))
    result = invoke("destroy", spec)
    assert result.exit_code == 2 and "pass --yes" in result.stderr
    assert "workspace" not in fake_workspace  # refused before compiling or asking the backend
    assert not (tmp_path / ".skyinfra").exists()
    result = invoke("destroy", spec, "--yes")
    assert result.exit_code == 0, result.output
    workspace: FakeWorkspace = fake_workspace["workspace"]
    assert workspace.index("end", PEER) < workspace.index("start", "gcp-us-central1")
    assert workspace.index("end", "gcp-us-central1") < workspace.index("start", "gcp-europe-west4")


def test_destroys_question_names_every_stack_with_its_resources(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    deployed = {"aws-us-east-1": 7, "gcp-us-central1": 1, PEER: 5, "gcp-asia-east1": 9}
    fake_workspace["deployed"].update(deployed)
    spec = str(tiny_spec(tmp_path))

    result = CliRunner().invoke(main, ["destroy", spec], input="n\n")
    assert result.exit_code == 1
    assert fake_workspace["log"] == []  # declined: nothing destroyed
    lines = result.stdout.splitlines()
    listed = lines[lines.index("To destroy (resources as the backend counts them):") + 1 :]
    assert listed[:4] == [
        "  gcp-asia-east1: 9 resources (retired: no longer in the spec)",
        f"  {PEER}: 5 resources",
        "  aws-us-east-1: 7 resources",
        "  gcp-us-central1: 1 resource",
    ]
    assert "Destroy these 4 stack(s) and their 22 resources? [y/N]" in result.stdout

    result = CliRunner().invoke(main, ["destroy", spec], input="y\n")
    assert result.exit_code == 0, result.output
    destroyed = [(n, op) for k, n, op in fake_workspace["log"] if k == "start"]
    assert destroyed[0] == ("gcp-asia-east1", "destroy")  # retired first, in its own workspace
    assert {n for n, _ in destroyed[1:]} == set(STACKS)
    assert fake_workspace["retired_dir"] == tmp_path.resolve() / ".skyinfra" / "tiny" / "retired"
    assert fake_workspace["retired"] is not fake_workspace["workspace"]


def test_destroy_with_nothing_deployed_asks_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = invoke("destroy", str(tiny_spec(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "Nothing to destroy" in result.stdout and "[y/N]" not in result.stdout
    assert fake_workspace["log"] == []


def test_up_without_a_terminal_and_without_yes_exits_2_before_anything(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = invoke("up", str(tiny_spec(tmp_path)))
    assert result.exit_code == 2
    assert "pass --yes" in " ".join(result.stderr.split())
    assert "workspace" not in fake_workspace
    assert not (tmp_path / ".skyinfra").exists() and not (tmp_path / "tiny.lock").exists()


def test_up_previews_what_it_can_then_asks_and_declining_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    """Stacks reading stacks not deployed yet (the GCP stack sharing the network of
    gcp-europe-west4, the peering and replication stacks) are listed as previewed later, not
    previewed against outputs that do not exist."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    fake_workspace["deployed"].update({"aws-us-east-1": 3})
    result = CliRunner().invoke(main, ["up", str(tiny_spec(tmp_path))], input="n\n")
    assert result.exit_code == 1
    log = fake_workspace["log"]
    assert {op for _, _, op in log} == {"preview"}
    assert {n for k, n, _ in log if k == "start"} == {"aws-us-east-1", "gcp-europe-west4"}
    out = flat(result.stdout)
    waits = "? ? ? ? not previewed: reads gcp-europe-west4, not deployed yet"
    assert f"gcp-us-central1 {waits}" in out
    assert f"{PEER} ? ? ? ? not previewed: reads gcp-us-central1, not deployed yet" in out
    assert "aws-us-east-1 2 0 0 0" in out  # the fake creates 2 resources per stack
    assert "Plan: 4 to add, 0 to change, 0 to destroy (3 stack(s) not previewed)." in out
    assert "Do you want to perform this update? [y/N]" in out
    assert "Retired" not in out


def test_up_yes_previews_every_stack_before_updating_any(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    fake_workspace["deployed"].update(dict.fromkeys(STACKS, 3))
    result = invoke("up", str(tiny_spec(tmp_path)), "--yes")
    assert result.exit_code == 0, result.output
    ops = [op for k, _, op in fake_workspace["log"] if k == "start"]
    assert ops == ["preview"] * 5 + ["up"] * 5
    assert "[y/N]" not in result.stdout


def test_a_failed_preview_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    fake_workspace["fail"].add("aws-us-east-1")
    result = invoke("up", str(tiny_spec(tmp_path)), "--yes")
    assert result.exit_code == 1
    assert {op for _, _, op in fake_workspace["log"]} == {"preview"}
    errors = " ".join(result.stderr.split())
    assert "aws-us-east-1 failed: aws-us-east-1 broke" in errors
    assert "the preview failed: nothing was changed" in errors


def test_skip_preview_neither_previews_nor_asks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    """As `pulumi up --skip-preview`: no preview, and no question even without a terminal."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = invoke("up", str(tiny_spec(tmp_path)), "--skip-preview")
    assert result.exit_code == 0, result.output
    assert [op for k, _, op in fake_workspace["log"] if k == "start"] == ["up"] * 5


@pytest.mark.parametrize(
    "command", [["up", "--yes"], ["destroy", "--yes"], ["refresh"], ["preview", "--live"]]
)
def test_an_unknown_stack_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
    command: list[str],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = invoke(*command, str(tiny_spec(tmp_path)), "--stack", "nope")
    assert result.exit_code == 2
    assert "no stack named 'nope'" in result.stderr
    assert not (tmp_path / ".skyinfra").exists()
    assert not (tmp_path / "tiny.lock").exists()
    assert "workspace" not in fake_workspace


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "{spec}", "--parallel", "0"], "0 is not in the range x>=1"),
        (
            ["preview", "{spec}", "--live", "--json"],
            "--json and --show-secrets are for the offline preview",
        ),
        (["up", "{spec}", "--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    spec = str(tiny_spec(tmp_path))
    result = invoke(*(a.format(spec=spec) for a in args))
    assert result.exit_code == 2
    assert message in result.stderr


def test_live_preview_previews_every_stack_in_order(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = invoke("preview", str(tiny_spec(tmp_path)), "--live", "--parallel", "1")
    assert result.exit_code == 0, result.output
    workspace: FakeWorkspace = fake_workspace["workspace"]
    assert {op for _, _, op in workspace.log} == {"preview"}
    assert workspace.events("start") == [
        "aws-us-east-1",
        "gcp-europe-west4",
        "gcp-us-central1",
        "repl-data--gcp-europe-west4",
        PEER,
    ]
    assert "aws-us-east-1: succeeded (create 2)" in result.stdout
