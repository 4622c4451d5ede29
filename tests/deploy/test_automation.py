"""What the real Automation API objects send to the Pulumi CLI for each operation.

`RecordingCommand` is a `pulumi.automation.PulumiCommand` whose `run` records the argv, the
working directory and the extra environment, and answers like the CLI would (stack select
fails for an unknown stack, an operation writes its engine events to `--event-log`). The
LocalWorkspace, Stack and event plumbing in between are the SDK's own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

from skyinfra.deploy.automation import AutomationWorkspace, failure_message
from skyinfra.deploy.orchestrator import Operation, StackFailure, run_stacks
from skyinfra.deploy.project import Backend, choose_backend, prepare
from skyinfra.errors import ToolError
from tests.deploy.fakes import tiny_spec

TYPE = "aws:ec2/vpc:Vpc"


@dataclass
class Call:
    args: list[str]
    cwd: str
    env: dict[str, str]


class RecordingCommand(auto.PulumiCommand):
    """A Pulumi CLI that is never executed. The version is one that takes `--event-log` as a
    file (the SDK then tails it), so canned events reach the SDK's own event parser."""

    def __init__(self, existing: set[str] | None = None, failing: set[str] | None = None):
        # PulumiCommand.__init__ would run `pulumi version`: set what it would have found.
        self.command = "pulumi"
        self.version = VersionInfo.parse("3.200.0")
        self.calls: list[Call] = []
        self.existing = set() if existing is None else existing
        self.failing = failing or set()
        self.listed: list[str] = []  # what `stack ls` prints

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Any = None,
        on_error: Any = None,
    ) -> auto.CommandResult:
        self.calls.append(Call(list(args), cwd, dict(additional_env)))
        stack = _flag(args, "--stack") if "--stack" in args else ""
        if args[:2] == ["stack", "select"]:
            if stack not in self.existing:
                return _fail(f"error: no stack named '{stack}' found")
        elif args[:2] == ["stack", "init"]:
            self.existing.add(args[2])
        elif args[:2] == ["stack", "output"]:
            return _ok("{}")
        elif args[:2] == ["stack", "ls"]:
            listed = [{"name": n, "current": False, "resourceCount": 4} for n in self.listed]
            return _ok(json.dumps(listed))
        elif args[:2] == ["stack", "history"]:
            return _ok(json.dumps([HISTORY]))
        elif args[0] in ("up", "preview", "refresh", "destroy"):
            return self._operation(args[0], stack, _flag(args, "--event-log"), on_output)
        return _ok("")

    def _operation(self, op: str, stack: str, log: str, on_output: Any) -> auto.CommandResult:
        urn = f"urn:pulumi:{stack}::tiny::{TYPE}::tiny-core-vpc"
        meta = {"op": "create", "urn": urn, "type": TYPE, "provider": ""}
        events: list[dict[str, Any]] = [{"resourcePreEvent": {"metadata": meta}}]
        if stack in self.failing:
            events.append(
                {
                    "diagnosticEvent": {
                        "message": "error: creating VPC: AccessDenied\n",
                        "severity": "error",
                    }
                }
            )
        else:
            events.append({"resOutputsEvent": {"metadata": meta}})
            events.append({"summaryEvent": {"resourceChanges": {"create": 1, "same": 4}}})
        events.append({"cancelEvent": {}})
        with open(log, "a", encoding="utf-8") as handle:
            for i, event in enumerate(events):
                handle.write(json.dumps({"sequence": i, "timestamp": 0, **event}) + "\n")
        on_output(f"Updating ({stack})")
        if stack in self.failing:
            return _fail("error: update failed")
        return _ok("")

    def ops(self) -> list[Call]:
        return [c for c in self.calls if c.args[0] in ("up", "preview", "refresh", "destroy")]


HISTORY = {
    "kind": "update",
    "startTime": "2026-01-01T00:00:00.000000Z",
    "endTime": "2026-01-01T00:01:00.000000Z",
    "message": "",
    "environment": {},
    "config": {},
    "result": "succeeded",
    "resourceChanges": {"create": 1, "same": 4},
}


def _flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def _ok(stdout: str) -> auto.CommandResult:
    return auto.CommandResult(stdout=stdout, stderr="", code=0)


def _fail(stderr: str) -> auto.CommandResult:
    raise create_command_error(auto.CommandResult(stdout="", stderr=stderr, code=255))


FILE_BACKEND = Backend("file:///state/dir", "--backend")
CLOUD_BACKEND = Backend("https://api.pulumi.com", "--backend")


def workspace(
    project: Path, backend: Backend = FILE_BACKEND, **kwargs: Any
) -> tuple[AutomationWorkspace, RecordingCommand]:
    command = RecordingCommand(kwargs.pop("existing", None), kwargs.pop("failing", None))
    ws = AutomationWorkspace(project, backend, pulumi_command=command, **kwargs)
    return ws, command


def test_up_creates_the_stack_with_the_passphrase_provider_and_runs_in_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
    ws, command = workspace(tmp_path, resource_parallel=8, logs_dir=tmp_path / "logs")
    lines: list[str] = []
    outcome = ws.stack("aws-us-east-1", Operation.UP).run(Operation.UP, lines.append)

    assert command.calls[0].args == ["stack", "select", "--stack", "aws-us-east-1"]
    assert command.calls[1].args == [
        "stack", "init", "aws-us-east-1", "--secrets-provider", "passphrase"
    ]  # fmt: skip
    up = command.ops()[0]
    log = _flag(up.args, "--event-log")
    assert up.args == [
        "up", "--yes", "--skip-preview", "--parallel", "8", "--color", "never",
        "--exec-kind", "auto.local", "--event-log", log, "--stack", "aws-us-east-1",
    ]  # fmt: skip
    for call in command.calls:
        assert call.cwd == str(tmp_path)
        assert call.env["PULUMI_BACKEND_URL"] == "file:///state/dir"
        assert call.env["PULUMI_PYTHON_CMD"] == sys.executable
        assert "PULUMI_CONFIG_PASSPHRASE" not in call.env  # inherited, never copied around
    assert outcome.changes == {"create": 1, "same": 4}
    assert lines == [f"create {TYPE} tiny-core-vpc ...", f"create {TYPE} tiny-core-vpc done"]
    assert (tmp_path / "logs" / "aws-us-east-1.up.log").read_text() == "Updating (aws-us-east-1)\n"


def test_preview_refresh_and_destroy_select_an_existing_stack(tmp_path: Path) -> None:
    ws, command = workspace(tmp_path, existing={"gcp-us-central1"})
    for op in (Operation.PREVIEW, Operation.REFRESH, Operation.DESTROY):
        outcome = ws.stack("gcp-us-central1", op).run(op, lambda line: None)
        assert outcome.changes == {"create": 1, "same": 4}
    assert not [c for c in command.calls if c.args[:2] == ["stack", "init"]]
    for op, call in zip(("preview", "refresh", "destroy"), command.ops(), strict=True):
        head = [op] if op == "preview" else [op, "--skip-preview", "--yes"]
        assert call.args == [
            *head, "--color", "never", "--exec-kind", "auto.local",
            "--event-log", _flag(call.args, "--event-log"), "--stack", "gcp-us-central1",
        ]  # fmt: skip


def test_refresh_and_destroy_leave_a_stack_that_was_never_deployed(tmp_path: Path) -> None:
    ws, command = workspace(tmp_path)
    outcome = ws.stack("aws-us-east-1", Operation.DESTROY).run(Operation.DESTROY, print)
    assert outcome.note == "not deployed, nothing to do"
    assert [c.args[:2] for c in command.calls] == [["stack", "select"]]


def test_pulumi_cloud_keeps_its_own_secrets_provider(tmp_path: Path) -> None:
    ws, command = workspace(tmp_path, CLOUD_BACKEND)
    ws.stack("aws-us-east-1", Operation.UP).run(Operation.UP, lambda line: None)
    init = next(c for c in command.calls if c.args[:2] == ["stack", "init"])
    assert init.args == ["stack", "init", "aws-us-east-1"]
    assert init.env["PULUMI_BACKEND_URL"] == "https://api.pulumi.com"


def test_a_failed_update_reports_the_engine_error(tmp_path: Path) -> None:
    ws, _ = workspace(tmp_path, failing={"aws-us-east-1"}, logs_dir=tmp_path / "logs")
    with pytest.raises(StackFailure) as caught:
        ws.stack("aws-us-east-1", Operation.UP).run(Operation.UP, lambda line: None)
    log = tmp_path / "logs" / "aws-us-east-1.up.log"
    assert str(caught.value) == f"error: creating VPC: AccessDenied (full output: {log})"
    assert "error: update failed" in log.read_text()


def test_failure_message_falls_back_to_the_cli_error_lines() -> None:
    err = create_command_error(
        auto.CommandResult(stdout="x", stderr="warning: a\nerror: b\nerror: c", code=1)
    )
    assert failure_message(err, []) == "error: b; error: c"


def test_a_whole_run_over_a_compiled_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compile the tiny spec into its deploy directory and `up` it: every stack is created in
    the compiled project with the default file backend, readers after what they read."""
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    spec = tiny_spec(tmp_path)
    root = tmp_path / "deploy"
    backend = choose_backend(None, {}, root)
    project = prepare(spec, root, backend)
    from skyinfra.deploy.order import stack_graph

    graph = stack_graph(project.plan.topology)
    ws, command = workspace(project.project_dir, backend, failing={"gcp-europe-west4"})
    report = run_stacks(graph, ws, Operation.UP, parallel=2)
    assert backend.url == f"file://{root.resolve() / '.pulumi-state'}"
    assert (root / ".pulumi-state").is_dir()
    assert {c.cwd for c in command.calls} == {str(project.project_dir)}
    assert (project.project_dir / "Pulumi.gcp-us-central1.yaml").is_file()
    ran = [_flag(c.args, "--stack") for c in command.ops()]
    assert sorted(ran) == ["aws-us-east-1", "gcp-europe-west4"]
    assert report.exit_code == 1


def test_a_pulumi_cli_that_does_not_run_is_a_tool_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "bin" / "pulumi"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", str(broken.parent))
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)
    with pytest.raises(ToolError, match="`pulumi version` failed") as caught:
        AutomationWorkspace(tmp_path, FILE_BACKEND)
    assert caught.value.exit_code == 1


def test_deployed_lists_the_projects_stacks_as_named_in_the_project(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    ws, command = workspace(tmp_path)
    command.listed = ["aws-us-east-1", "organization/tiny/gcp-us-central1", "acme/other/x"]
    assert ws.deployed() == {"aws-us-east-1": 4, "gcp-us-central1": 4}
    assert command.calls[0].args == ["stack", "ls", "--json"]
    assert command.calls[0].env["PULUMI_BACKEND_URL"] == "file:///state/dir"


def test_a_retired_stack_is_removed_once_destroyed_and_may_use_the_states_secrets(
    tmp_path: Path,
) -> None:
    ws, command = workspace(tmp_path, existing={"gcp-asia-east1"}, retiring=True)
    ws.stack("gcp-asia-east1", Operation.DESTROY).run(Operation.DESTROY, lambda line: None)
    assert [c.args[:2] for c in command.calls][-2:] == [["stack", "history"], ["stack", "rm"]]
    assert command.calls[-1].args == ["stack", "rm", "--yes", "gcp-asia-east1"]
    assert {c.env.get("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER") for c in command.calls} == {
        "true"
    }


def test_a_stack_of_the_plan_is_never_removed(tmp_path: Path) -> None:
    ws, command = workspace(tmp_path, existing={"gcp-us-central1"})
    ws.stack("gcp-us-central1", Operation.DESTROY).run(Operation.DESTROY, lambda line: None)
    assert not [c for c in command.calls if c.args[:2] == ["stack", "rm"]]
    assert all("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER" not in c.env for c in command.calls)
