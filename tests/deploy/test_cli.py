"""`skyinfra up | refresh | destroy` and `preview --live`: the missing CLI, setup errors,
options, and a whole run against a fake workspace (compile, order, summary, exit code)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from skyinfra import api
from skyinfra.cli import deploy as deploy_cli
from skyinfra.cli import main
from skyinfra.deploy.project import DeployProject
from tests.deploy.fakes import FakePulumi, FakeWorkspace, tiny_spec

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


RETIRED = {"gcp-asia-east1": 6, "peer-aws-us-east-1--gcp-asia-east1": 2}


def _up_with_retired(
    tmp_path: Path, fake_workspace: dict[str, Any], *args: str, answer: str | None = None
) -> Result:
    fake_workspace["deployed"].update({**dict.fromkeys(STACKS, 3), **RETIRED})
    return CliRunner().invoke(main, ["up", str(tiny_spec(tmp_path)), *args], input=answer)


def _starts(fake_workspace: dict[str, Any]) -> list[tuple[str, str]]:
    return [(op, n) for k, n, op in fake_workspace["log"] if k == "start"]


def test_up_shows_retired_stacks_and_destroys_them_after_the_update_when_confirmed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = _up_with_retired(tmp_path, fake_workspace, answer="y\n")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "gcp-asia-east1 0 0 0 6 retired: no longer in the plan" in out
    assert (
        "Retired: 2 stack(s) of this project are in the backend but no longer in the plan: "
        "gcp-asia-east1 (6 resources), peer-aws-us-east-1--gcp-asia-east1 (2 resources)."
    ) in out
    assert "perform this update, then destroy the 2 retired stack(s)? [y/N]: y" in out
    starts = _starts(fake_workspace)
    assert starts[:10] == [("preview", n) for n in STACKS] + [("up", n) for n in STACKS]
    # after every stack is up, the peering stack first (it reads the cloud stack)
    assert starts[10:] == [
        ("destroy", "peer-aws-us-east-1--gcp-asia-east1"),
        ("destroy", "gcp-asia-east1"),
    ]
    assert fake_workspace["retired"] is not fake_workspace["workspace"]


def test_declining_runs_neither_the_update_nor_the_retirement(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = _up_with_retired(tmp_path, fake_workspace, answer="n\n")
    assert result.exit_code == 1
    assert {op for op, _ in _starts(fake_workspace)} == {"preview"}
    assert "retired" not in fake_workspace


def test_up_yes_destroys_the_retired_stacks_without_asking(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = _up_with_retired(tmp_path, fake_workspace, "-y")
    assert result.exit_code == 0, result.output
    assert [op for op, _ in _starts(fake_workspace)][-3:] == ["up", "destroy", "destroy"]
    assert "[y/N]" not in result.stdout


def test_retired_stacks_are_kept_when_the_update_fails(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    fake_workspace["fail"].add(PEER)
    result = _up_with_retired(tmp_path, fake_workspace, "--skip-preview", "--yes")
    assert result.exit_code == 1
    assert "destroy" not in {op for op, _ in _starts(fake_workspace)}
    errors = flat(result.stderr)
    assert "retired stacks kept: gcp-asia-east1, peer-aws-us-east-1--gcp-asia-east1" in errors
    assert "(the new stacks are not all up)" in errors


def test_skip_preview_without_yes_keeps_retired_stacks_and_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    """--skip-preview confirms the update (as in Pulumi), not the destruction of stacks."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = _up_with_retired(tmp_path, fake_workspace, "--skip-preview")
    assert result.exit_code == 0, result.output
    assert {op for op, _ in _starts(fake_workspace)} == {"up"}
    assert "gcp-asia-east1 (6 resources)" in flat(result.stdout)
    assert "retired stacks kept, still holding resources" in flat(result.stderr)


def test_skip_preview_on_a_terminal_asks_about_the_retired_stacks_only(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = _up_with_retired(tmp_path, fake_workspace, "--skip-preview", answer="y\n")
    assert result.exit_code == 0, result.output
    assert "Destroy the 2 retired stack(s) once the update is done? [y/N]: y" in result.stdout
    assert [op for op, _ in _starts(fake_workspace)] == ["up"] * 5 + ["destroy"] * 2


def test_a_narrowed_up_leaves_retired_stacks_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    result = _up_with_retired(tmp_path, fake_workspace, "--yes", "--stack", "aws-us-east-1")
    assert result.exit_code == 0, result.output
    assert _starts(fake_workspace) == [("preview", "aws-us-east-1"), ("up", "aws-us-east-1")]
    assert "Retired" not in result.stdout


# Under the real Automation API, with a fake `pulumi` first on PATH recording every call.


@pytest.fixture
def fake_pulumi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pulumi_settings: None
) -> FakePulumi:
    fake = FakePulumi(tmp_path / "fake-pulumi")
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    return fake


def test_pulumi_is_never_run_by_up_without_a_terminal_and_without_yes(
    tmp_path: Path, fake_pulumi: FakePulumi
) -> None:
    result = invoke("up", str(tiny_spec(tmp_path)))
    assert result.exit_code == 2
    assert fake_pulumi.calls() == []  # not even `pulumi version`
    assert not (tmp_path / ".skyinfra").exists() and not (tmp_path / "tiny.lock").exists()


def test_up_yes_previews_then_updates_through_the_cli(
    tmp_path: Path, fake_pulumi: FakePulumi
) -> None:
    result = invoke("up", str(tiny_spec(tmp_path)), "--yes")
    assert result.exit_code == 0, result.output
    ops = fake_pulumi.ops()
    previews = [n for op, n in ops if op == "preview"]
    assert sorted(previews) == ["aws-us-east-1", "gcp-europe-west4"]  # the others read them
    assert ops[: len(previews)] == [("preview", n) for n in previews]  # every preview first
    assert sorted(n for op, n in ops if op == "up") == sorted(STACKS)
    assert fake_pulumi.backend == dict.fromkeys(STACKS, 3)


def test_declining_the_question_runs_no_pulumi_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_pulumi: FakePulumi
) -> None:
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = CliRunner().invoke(main, ["up", str(tiny_spec(tmp_path))], input="n\n")
    assert result.exit_code == 1
    assert {op for op, _ in fake_pulumi.ops()} == {"preview"}
    assert "Plan: 6 to add, 0 to change, 0 to destroy" in result.stdout


def _retire_eu(spec: Path) -> None:
    """Drop the compute group in europe-west4 and the replica there: its stack and the
    replication stack leave the plan."""
    text = spec.read_text().replace("    replicate_to: [eu]\n", "")
    eu = "  eu:\n    instance_type: n1-standard-2\n    network: core\n"
    eu += "    placement: {cloud: gcp, region: europe-west4}\n"
    assert eu in text
    spec.write_text(text.replace(eu, ""))


def test_a_retired_stack_is_destroyed_with_its_own_settings_after_the_new_stacks_are_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_pulumi: FakePulumi
) -> None:
    spec = tiny_spec(tmp_path)
    assert invoke("up", str(spec), "--yes").exit_code == 0
    _retire_eu(spec)
    retired = ["repl-data--gcp-europe-west4", "gcp-europe-west4"]
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    before = len(fake_pulumi.calls())

    declined = CliRunner().invoke(main, ["up", str(spec)], input="n\n")
    assert declined.exit_code == 1
    assert {c["args"][0] for c in fake_pulumi.calls()[before:]} <= {"version", "stack", "preview"}
    assert all(name in fake_pulumi.backend for name in retired)
    before = len(fake_pulumi.calls())

    result = CliRunner().invoke(main, ["up", str(spec)], input="y\n")
    assert result.exit_code == 0, result.output
    calls = fake_pulumi.calls()[before:]
    ops = [(c["args"][0], c["args"][-1]) for c in calls if c["args"][0] in ("up", "destroy")]
    ups = [i for i, (op, _) in enumerate(ops) if op == "up"]
    destroys = [(i, n) for i, (op, n) in enumerate(ops) if op == "destroy"]
    assert [n for _, n in destroys] == retired  # the replication stack reads the other
    assert max(ups) < min(i for i, _ in destroys)
    root = tmp_path.resolve() / ".skyinfra" / "tiny"
    for call in calls:
        if call["args"][0] == "destroy":
            assert call["cwd"] == str(root / "retired")
            assert call["fallback"] == "true"
            stack = call["args"][call["args"].index("--stack") + 1]
            assert f"v1:salt-of-{stack}" in call["settings"]  # what `stack init` wrote
    removed = [c["args"][-1] for c in calls if c["args"][:2] == ["stack", "rm"]]
    assert removed == retired
    assert fake_pulumi.backend == {"aws-us-east-1": 3, "gcp-us-central1": 3, PEER: 3}
    assert sorted(p.name for p in (root / "retired").iterdir()) == ["Pulumi.yaml"]


def test_destroys_question_counts_what_the_backend_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_pulumi: FakePulumi
) -> None:
    spec = tiny_spec(tmp_path)
    assert invoke("up", str(spec), "--yes").exit_code == 0
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: True)
    result = CliRunner().invoke(main, ["destroy", str(spec)], input="n\n")
    assert result.exit_code == 1
    for name in STACKS:
        assert f"  {name}: 3 resources\n" in result.stdout
    assert "Destroy these 5 stack(s) and their 15 resources? [y/N]" in result.stdout
    assert "destroy" not in {op for op, _ in fake_pulumi.ops()}


def test_json_summaries_of_up_and_destroy_leave_stdout_to_the_json(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    fake_workspace["deployed"].update({"aws-us-east-1": 3, **RETIRED})
    spec = str(tiny_spec(tmp_path))
    result = invoke("up", spec, "--yes", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["operation"] == "up"
    assert summary["plan"]["add"] == 4 and summary["plan"]["destroy"] == 0
    assert {
        "stack": PEER,
        "changes": None,
        "note": ("not previewed: reads gcp-us-central1, not deployed yet"),
    } in summary["plan"]["stacks"]
    assert summary["retired"] == [
        {"stack": "gcp-asia-east1", "resources": 6},
        {"stack": "peer-aws-us-east-1--gcp-asia-east1", "resources": 2},
    ]
    assert [r["status"] for r in summary["results"]] == ["succeeded"] * 5
    assert [r["stack"] for r in summary["retired_results"]] == list(RETIRED)[::-1]
    assert "Plan: 4 to add" in result.stderr

    result = invoke("destroy", spec, "--yes", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["stacks"] == [{"stack": "aws-us-east-1", "resources": 3}]
    assert len(summary["results"]) == 5 and len(summary["retired_results"]) == 2


def _shrink_tiny(tmp_path: Path) -> Path:
    """Plan the tiny spec (its lock records every stack), then drop everything on AWS: the
    AWS stack, the peering stack and the replication stack leave the plan."""
    spec = tiny_spec(tmp_path)
    api.save_lock(spec, api.plan_spec(spec))
    text = spec.read_text(encoding="utf-8")
    text = text.split("buckets:")[0] + "compute:" + text.split("compute:")[1]
    text = text.replace(
        "  api:\n    instance_type: m6i.large\n    network: core\n"
        "    placement: {cloud: aws, region: us-east-1}\n",
        "",
    ).replace(
        "  - {from: api, to: us, gb_per_month: 10}\n", "  - {from: eu, to: us, gb_per_month: 10}\n"
    )
    spec.write_text(text, encoding="utf-8")
    return spec


def _lock_retired(spec: Path) -> list[str]:
    return sorted(r.stack for r in api.retired_stacks(api.plan_spec(spec)))


def test_up_forgets_retired_stacks_in_the_lock_once_they_are_gone_from_the_backend(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    spec = _shrink_tiny(tmp_path)
    peer, repl = PEER, "repl-data--gcp-europe-west4"
    assert _lock_retired(spec) == ["aws-us-east-1", peer, repl]
    # the replication stack was never deployed: the backend holds only two of the three
    fake_workspace["deployed"].update({"aws-us-east-1": 5, peer: 2})
    result = CliRunner().invoke(main, ["up", str(spec), "-y"])
    assert result.exit_code == 0, result.output
    assert [op for op, _ in _starts(fake_workspace)][-2:] == ["destroy", "destroy"]
    assert _lock_retired(spec) == []


def test_retired_stacks_kept_in_the_backend_stay_in_the_lock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pulumi_on_path: None,
    fake_workspace: dict[str, Any],
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(deploy_cli, "_interactive", lambda: False)
    spec = _shrink_tiny(tmp_path)
    fake_workspace["deployed"].update({"aws-us-east-1": 5, PEER: 2})
    result = CliRunner().invoke(main, ["up", str(spec), "--skip-preview"])
    assert result.exit_code == 0, result.output
    assert "destroy" not in {op for op, _ in _starts(fake_workspace)}
    assert _lock_retired(spec) == ["aws-us-east-1", PEER]  # the undeployed one is forgotten
