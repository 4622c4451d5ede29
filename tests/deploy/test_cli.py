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


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


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
    """Replace the Automation API workspace; `seen` holds what it was built from."""
    seen: dict[str, Any] = {"fail": set()}

    def make(project: DeployProject, resource_parallel: int | None) -> FakeWorkspace:
        seen["project"] = project
        seen["resource_parallel"] = resource_parallel
        seen["workspace"] = FakeWorkspace(fail=seen["fail"])
        return seen["workspace"]

    monkeypatch.setattr(deploy_cli, "make_workspace", make)
    return seen


@pytest.mark.parametrize(
    "command", [["up"], ["refresh"], ["destroy", "--yes"], ["preview", "--live"]]
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
    result = invoke("up", str(tiny_spec(tmp_path)))
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
    result = invoke("up", str(tiny_spec(tmp_path)), "--parallel", "2", "--resource-parallel", "7")
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
    result = invoke("up", str(tiny_spec(tmp_path)), "-o", str(out))
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
    spec = str(tiny_spec(tmp_path))
    result = invoke("destroy", spec)
    assert result.exit_code == 2 and "pass --yes" in result.stderr
    result = invoke("destroy", spec, "--yes")
    assert result.exit_code == 0, result.output
    workspace: FakeWorkspace = fake_workspace["workspace"]
    assert workspace.index("end", PEER) < workspace.index("start", "gcp-us-central1")
    assert workspace.index("end", "gcp-us-central1") < workspace.index("start", "gcp-europe-west4")


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
