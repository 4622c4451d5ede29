"""The real `Workspace`: Pulumi's Automation API over the compiled project directory.

One `LocalWorkspace` (work_dir = the compiled project, whose `Pulumi.<stack>.yaml` files hold
each stack's config) serves every stack. Stacks are named exactly as compiled (`aws-us-east-1`,
`peer-...`, `repl-...`): Pulumi qualifies a plain name with the organization the stack runs in
(`organization` on a self-managed backend, the user's default organization on Pulumi Cloud),
which is the organization `references.qualified` puts in every StackReference.

The backend URL goes to the CLI as `PULUMI_BACKEND_URL`; on a self-managed backend stacks are
created with the passphrase secrets provider (the passphrase itself stays in the user's
environment, which the CLI inherits). The program runs under this interpreter
(`PULUMI_PYTHON_CMD`), the one skyinfra is installed in.

Stacks that left the plan are destroyed in a workspace of their own (`retiring=True`, over
`project.retired_project`): each is removed from the backend once empty, and should its
settings file be lost the CLI takes the secrets provider recorded in the stack's state
(`PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER`, pulumi/pulumi#17236) rather than minting a new
passphrase salt that cannot read it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from skyinfra.deploy.orchestrator import Operation, Outcome, StackFailure, StackRunner
from skyinfra.deploy.project import Backend
from skyinfra.errors import ToolError
from skyinfra.files import write_file

INSTALL_URL = "https://www.pulumi.com/docs/install/"
INSTALL_SCRIPT = "curl -fsSL https://get.pulumi.com | sh"
PASSPHRASE_PROVIDER = "passphrase"
FALLBACK_SECRETS_ENV = "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"


def require_pulumi_cli() -> str:
    """The `pulumi` executable on PATH, or a ToolError saying how to get one."""
    found = shutil.which("pulumi")
    if found is None:
        raise ToolError(
            "the Pulumi CLI is not on PATH; deploying needs it. Install it "
            f"({INSTALL_URL}), for example with `{INSTALL_SCRIPT}` (then add ~/.pulumi/bin to "
            "PATH). `skyinfra preview SPEC` (without --live) works offline, without the CLI."
        )
    return found


def workspace_env(backend: Backend, environ: Mapping[str, str]) -> dict[str, str]:
    """What the CLI gets on top of the user's environment."""
    return {
        "PULUMI_BACKEND_URL": backend.url,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_PYTHON_CMD": environ.get("PULUMI_PYTHON_CMD") or sys.executable,
    }


class AutomationWorkspace:
    """`orchestrator.Workspace` on a `pulumi.automation.LocalWorkspace`."""

    def __init__(
        self,
        project_dir: Path,
        backend: Backend,
        *,
        logs_dir: Path | None = None,
        resource_parallel: int | None = None,
        pulumi_command: auto.PulumiCommand | None = None,
        retiring: bool = False,
    ) -> None:
        env = workspace_env(backend, os.environ)
        if retiring:
            env[FALLBACK_SECRETS_ENV] = "true"
        self.workspace = auto.LocalWorkspace(
            work_dir=str(project_dir),
            env_vars=env,
            secrets_provider=PASSPHRASE_PROVIDER if backend.self_managed else None,
            pulumi_command=pulumi_command or _pulumi_command(),
        )
        self.logs_dir = logs_dir
        self.resource_parallel = resource_parallel
        self.retiring = retiring
        # `stack select` / `stack init` record the current stack in the workspace: one at a time.
        self._selecting = threading.Lock()

    def stack(self, name: str, operation: Operation) -> StackRunner:
        """Select the stack; `up` and `preview` create it when it does not exist yet."""
        with self._selecting:
            try:
                if operation in (Operation.REFRESH, Operation.DESTROY):
                    stack = auto.Stack.select(name, self.workspace)
                else:
                    stack = auto.Stack.create_or_select(name, self.workspace)
            except auto.StackNotFoundError:
                return _NotDeployed()
            except auto.CommandError as err:
                raise StackFailure(failure_message(err, [])) from err
        log = None if self.logs_dir is None else self.logs_dir / f"{name}.{operation}.log"
        return AutomationStack(stack, self.resource_parallel, log, remove=self.retiring)

    def deployed(self) -> dict[str, int | None]:
        """The stacks of this project the backend holds (`pulumi stack ls`, which lists the
        project of the work directory's `Pulumi.yaml`), with their resource counts."""
        try:
            summaries = self.workspace.list_stacks()
        except auto.CommandError as err:
            raise ToolError(
                f"listing the stacks in the backend failed: {failure_message(err, [])}"
            ) from err
        project = self.workspace.project_settings().name
        found: dict[str, int | None] = {}
        for summary in summaries:
            name = plain_stack_name(summary.name, project)
            if name is not None:
                found[name] = summary.resource_count
        return found

    def outputs(self, name: str) -> dict[str, Any]:
        """Stack `name`'s outputs as plain values (`pulumi stack output --json`; reading runs
        no program and changes nothing)."""
        try:
            found = self.workspace.stack_outputs(name)
        except auto.CommandError as err:
            raise ToolError(
                f"reading the outputs of stack {name} failed: {failure_message(err, [])}"
            ) from err
        return {key: output.value for key, output in found.items()}


def plain_stack_name(listed: str, project: str) -> str | None:
    """`stack`, `org/stack` or `org/project/stack` (as `stack ls` prints them, depending on
    the backend) -> `stack`; None for a stack of another project."""
    parts = listed.split("/")
    if len(parts) == 3 and parts[1] != project:
        return None
    return parts[-1]


def _pulumi_command() -> auto.PulumiCommand:
    """The CLI on PATH, its version checked by the SDK (`pulumi version`)."""
    try:
        return auto.PulumiCommand()
    except (OSError, subprocess.CalledProcessError, auto.InvalidVersionError) as err:
        raise ToolError(
            f"`pulumi version` failed ({err}); reinstall the Pulumi CLI ({INSTALL_URL})"
        ) from err


class _NotDeployed:
    """A stack that does not exist: nothing to refresh or destroy."""

    def run(self, operation: Operation, output: Callable[[str], None]) -> Outcome:
        return Outcome(note="not deployed, nothing to do")


class AutomationStack:
    """One selected stack: runs an operation, streams its events, reports its changes."""

    def __init__(
        self,
        stack: auto.Stack,
        resource_parallel: int | None,
        log: Path | None,
        remove: bool = False,
    ) -> None:
        self.stack = stack
        self.resource_parallel = resource_parallel
        self.log = log
        self.remove = remove  # a destroyed stack is also removed from the backend

    def run(self, operation: Operation, output: Callable[[str], None]) -> Outcome:
        errors: list[str] = []
        lines: list[str] = []

        def on_event(event: auto.EngineEvent) -> None:
            line = event_line(event)
            if line:
                output(line)
            diagnostic = event.diagnostic_event
            if diagnostic is not None and diagnostic.severity == "error":
                errors.append(diagnostic.message.strip())

        common: dict[str, Any] = {
            "on_output": lines.append,
            "on_event": on_event,
            "color": "never",
        }
        if self.resource_parallel:
            common["parallel"] = self.resource_parallel
        try:
            changes = self._run(operation, common)
        except auto.CommandError as err:
            self._write_log(lines, err)
            raise StackFailure(failure_message(err, errors, self.log)) from err
        self._write_log(lines)
        return Outcome(changes=changes)

    def _run(self, operation: Operation, kwargs: dict[str, Any]) -> dict[str, int]:
        if operation is Operation.PREVIEW:
            return _changes(self.stack.preview(**kwargs).change_summary)
        if operation is Operation.UP:
            summary = self.stack.up(**kwargs).summary
        elif operation is Operation.REFRESH:
            summary = self.stack.refresh(**kwargs).summary
        else:
            summary = self.stack.destroy(remove=self.remove, **kwargs).summary
        return _changes(summary.resource_changes if summary else None)

    def _write_log(self, lines: list[str], err: auto.CommandError | None = None) -> None:
        if self.log is None:
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(lines) + "\n"
        if err is not None:
            text += f"\n{err}\n"
        write_file(self.log, text)


def _changes(summary: Mapping[Any, int] | None) -> dict[str, int]:
    """`{OpType.CREATE: 3}` (or plain keys, as parsed from JSON) -> `{"create": 3}`."""
    return {str(getattr(op, "value", op)): n for op, n in (summary or {}).items()}


def event_line(event: auto.EngineEvent) -> str | None:
    """A short progress line for the events worth showing (a step started, done, failed)."""
    for step, verb in (
        (event.resource_pre_event, "..."),
        (event.res_outputs_event, "done"),
        (event.res_op_failed_event, "FAILED"),
    ):
        if step is not None:
            meta = step.metadata
            name = meta.urn.rsplit("::", 1)[-1]
            return f"{meta.op.value} {meta.type} {name} {verb}"
    return None


def failure_message(err: auto.CommandError, errors: list[str], log: Path | None = None) -> str:
    """The engine's error diagnostics, else the CLI's `error:` lines, else its last line."""
    text = str(err)
    found = list(dict.fromkeys(e for e in errors if e))
    if not found:
        found = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")]
    if not found:
        tail = [ln.strip() for ln in text.splitlines() if ln.strip()]
        found = tail[-1:] or ["pulumi failed"]
    message = "; ".join(found[:3])
    return message + (f" (full output: {log})" if log is not None else "")
