"""`skyinfra up | refresh | destroy SPEC`; `run_operation` also drives `skyinfra preview --live`.

Each checks its setup (CLI, backend, passphrase, spec, `--stack`) with the plan in memory,
then compiles SPEC into its deploy directory (`project.py`) and drives every stack through
the Automation API (`automation.py`) in dependency order (`orchestrator.py`), showing progress
(`progress.py`).

`up` previews first and asks (`--yes` does not ask; `--skip-preview` neither previews nor asks,
as in Pulumi); `destroy` asks naming every stack and what it holds. Neither asks without a
terminal: they need `--yes` there, and stop before anything is written. Stacks of the project
that the backend holds but the plan no longer has (retired) are never dropped silently: `up`
lists them and destroys them after the new stacks are up when confirmed, `destroy` with the
rest.

Exit codes: 0 every stack succeeded; 1 a stack (or a preview) failed (the summary and stderr
name it and the dependants that were skipped), the question was declined, or the Pulumi CLI is
missing; 2 bad input or setup (a spec error, no passphrase for a self-managed backend, an
unknown `--stack`, no terminal and no `--yes`).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from skyinfra.cli.util import catalog_option, make_console, reports_errors, spec_argument
from skyinfra.deploy.orchestrator import (
    DEFAULT_PARALLEL,
    Operation,
    Report,
    Status,
    Workspace,
    run_stacks,
)
from skyinfra.deploy.order import StackGraph, retired_graph, stack_graph
from skyinfra.deploy.progress import (
    Progress,
    failure_lines,
    held_json,
    plan_json,
    plan_line,
    plan_table,
    resource_count,
    results_json,
    summary_table,
)
from skyinfra.deploy.project import (
    DeployProject,
    SetupError,
    check_secrets,
    choose_backend,
    default_root,
    prepare,
    retired_project,
)
from skyinfra.suggest import did_you_mean

F = TypeVar("F", bound=Callable[..., Any])


def make_workspace(
    project: DeployProject, resource_parallel: int | None, retired: Path | None = None
) -> Workspace:
    """The Automation API workspace over the compiled project, or over `retired`, the project
    stacks that left the plan are destroyed in (tests replace this)."""
    from skyinfra.deploy.automation import AutomationWorkspace  # pulumi.automation: on use

    return AutomationWorkspace(
        retired or project.project_dir,
        project.backend,
        logs_dir=project.logs_dir,
        resource_parallel=resource_parallel,
        retiring=retired is not None,
    )


def deploy_options(fn: F) -> F:
    """Where the project and its state go, and how many stacks run at once."""
    options = [
        click.option(
            "-o",
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Deploy directory (compiled project, local state, logs). Default: .skyinfra/<spec file stem>/ beside SPEC.",
        ),
        click.option(
            "--backend",
            metavar="URL",
            help="Pulumi state backend (file://DIR, s3://..., https://api.pulumi.com). Default: $PULUMI_BACKEND_URL, else file://<deploy dir>/.pulumi-state.",
        ),
        click.option(
            "--parallel",
            type=click.IntRange(min=1),
            default=DEFAULT_PARALLEL,
            show_default=True,
            help="Stacks run at once (each waits for the stacks it reads).",
        ),
        click.option(
            "--resource-parallel",
            type=click.IntRange(min=1),
            help="Resource operations Pulumi runs at once within a stack (pulumi --parallel).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@dataclass
class Session:
    """A compiled project and its workspace, ready to run operations over its stacks."""

    project: DeployProject
    whole: StackGraph  # every stack of the plan
    graph: StackGraph  # the stacks this run is about (`--stack` narrows it)
    parallel: int
    resource_parallel: int | None
    console: Console  # stderr under --json: stdout is for the JSON
    workspace: Workspace
    as_json: bool = False

    @property
    def narrowed(self) -> bool:
        return self.graph.names != self.whole.names

    def run(
        self, graph: StackGraph, operation: Operation, workspace: Workspace | None = None
    ) -> Report:
        """Run `operation` over `graph` with live progress; print the summary and failures."""
        report = self.quiet_run(graph, operation, workspace)
        if not self.as_json:
            self.console.print(summary_table(report))
        _print_failures(report)
        return report

    def quiet_run(
        self, graph: StackGraph, operation: Operation, workspace: Workspace | None = None
    ) -> Report:
        order = graph.reversed().order() if operation is Operation.DESTROY else graph.order()
        with Progress(self.console, operation, order) as progress:
            return run_stacks(
                graph, workspace or self.workspace, operation, self.parallel, progress
            )

    def retired(self, deployed: Mapping[str, int | None]) -> dict[str, int | None]:
        """Stacks of the project the backend holds that the plan no longer has (none when
        `--stack` narrows the run: it is about those stacks only)."""
        if self.narrowed:
            return {}
        return {n: c for n, c in sorted(deployed.items()) if n not in self.whole.needs}

    def destroy_retired(self, retired: Mapping[str, int | None]) -> Report:
        """Destroy the stacks that left the plan, then remove them from the backend."""
        self.console.print(f"destroying {len(retired)} retired stack(s): {', '.join(retired)}")
        work_dir = retired_project(self.project, retired)
        workspace = make_workspace(self.project, self.resource_parallel, work_dir)
        graph = retired_graph(retired, self.project.previous)
        return self.run(graph, Operation.DESTROY, workspace)


def open_session(
    operation: Operation,
    spec: Path,
    out_dir: Path | None,
    backend: str | None,
    parallel: int,
    resource_parallel: int | None,
    catalog_dir: Path | None,
    stacks: Sequence[str] = (),
    as_json: bool = False,
) -> Session:
    """Check everything that can be checked (the CLI, backend, passphrase, spec, `--stack`),
    then compile: a setup error leaves nothing written."""
    from skyinfra import api
    from skyinfra.catalog.vms import load_catalog
    from skyinfra.deploy.automation import require_pulumi_cli

    require_pulumi_cli()
    root = out_dir or default_root(spec)
    chosen = choose_backend(backend, os.environ, root)
    check_secrets(chosen, os.environ)
    plan = api.plan_spec(spec, load_catalog(catalog_dir))
    whole = stack_graph(plan.topology)
    graph = _selected(whole, stacks)
    project = prepare(spec, root, chosen, plan=plan)
    console = Console(stderr=True) if as_json else make_console()
    console.print(
        f"{operation}: {len(graph.names)} stack(s) of {escape(plan.spec.name)} "
        f"from {escape(str(project.project_dir))}, state in {escape(chosen.url)}",
        highlight=False,
    )
    workspace = make_workspace(project, resource_parallel)
    return Session(project, whole, graph, parallel, resource_parallel, console, workspace, as_json)


def run_operation(operation: Operation, spec: Path, **run: Any) -> None:
    """Compile, run `operation` over the stacks, print the summary, exit with its code."""
    session = open_session(operation, spec, **run)
    _exit(session.run(session.graph, operation))


def _exit(*reports: Report | None) -> None:
    code = max((r.exit_code for r in reports if r is not None), default=0)
    if code:
        sys.exit(code)


def _print_failures(report: Report) -> None:
    errors = Console(stderr=True, highlight=False)
    for line in failure_lines(report):
        errors.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True)


def _warn(text: str) -> None:
    Console(stderr=True, highlight=False).print(
        f"[yellow]warning:[/] {escape(text)}", soft_wrap=True
    )


def _interactive() -> bool:
    """Whether there is someone to ask (tests pretend there is)."""
    return sys.stdin.isatty()


def _selected(graph: StackGraph, stacks: Sequence[str]) -> StackGraph:
    """`--stack` narrows the run to those stacks (their order among themselves kept)."""
    if not stacks:
        return graph
    for name in stacks:
        if name not in graph.needs:
            hint = did_you_mean(name, graph.names)
            raise SetupError(
                f"no stack named {name!r}"
                + (f" ({hint})" if hint else "")
                + f"; stacks: {', '.join(graph.names)}"
            )
    return graph.only(stacks)


_STACK_HELP = "Only this stack (repeatable); the others are left alone."


def _run_options(fn: F) -> F:
    """SPEC and the options every stack run takes, named as `run_operation`'s parameters."""
    fn = reports_errors(fn)
    fn = click.option("--stack", "stacks", multiple=True, help=_STACK_HELP)(fn)
    return spec_argument(deploy_options(catalog_option(fn)))


_YES_HELP = "Do not ask for confirmation."
_JSON_HELP = "Print a JSON summary on stdout at the end (progress and questions go to stderr)."


def _emit(session: Session, summary: dict[str, Any]) -> None:
    if session.as_json:
        click.echo(json.dumps(summary, indent=2))


@click.command()
@click.option("--yes", "-y", is_flag=True, help=_YES_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@click.option(
    "--skip-preview",
    is_flag=True,
    help="Update without previewing first; as with `pulumi up --skip-preview`, this is also "
    "taken as confirmation (retired stacks are still destroyed only with --yes or when you "
    "answer yes on a terminal).",
)
@_run_options
def up(yes: bool, skip_preview: bool, **run: Any) -> None:
    """Create or update every stack of SPEC (cloud stacks first, then the stacks reading them).

    Previews every stack first and asks before changing anything; stacks of the project that
    left the plan (retired) are destroyed after the new ones are up, only when confirmed.
    """
    if not (yes or skip_preview or _interactive()):
        raise SetupError(
            "up changes cloud resources and there is no terminal to ask on: pass --yes to "
            "confirm (`skyinfra preview SPEC --live` shows what would change)"
        )
    session = open_session(Operation.UP, **run)
    deployed = session.workspace.deployed()
    retired = session.retired(deployed)
    summary: dict[str, Any] = {"operation": "up", "plan": None, "retired": held_json(retired)}
    if not skip_preview:
        summary["plan"] = _preview(session, deployed, retired)
    destroy_retired = _confirm_up(session, yes, skip_preview, retired)
    report = session.run(session.graph, Operation.UP)
    retired_report = _retire(session, retired, destroy_retired, report)
    _forget_gone(session, run["spec"], deployed, retired_report)
    summary["results"] = results_json(report)
    summary["retired_results"] = results_json(retired_report)
    _emit(session, summary)
    _exit(report, retired_report)


def _confirm_up(
    session: Session, yes: bool, skip_preview: bool, retired: Mapping[str, int | None]
) -> bool:
    """Ask before the update unless told not to (abort on a no); whether the retired stacks
    are to be destroyed after it: `--skip-preview` confirms the update, not that."""
    if yes:
        return True
    if not skip_preview:
        click.confirm(_up_question(retired), abort=True, err=session.as_json)
        return True
    if not retired:
        return False
    _list_retired(session.console, retired)
    return _interactive() and click.confirm(
        f"Destroy the {len(retired)} retired stack(s) once the update is done?",
        err=session.as_json,
    )


def _retire(
    session: Session, retired: Mapping[str, int | None], wanted: bool, report: Report
) -> Report | None:
    """Destroy the retired stacks once every stack of the plan is up, if that is wanted;
    say so when they are kept."""
    if not retired:
        return None
    if not wanted:
        _warn(
            f"retired stacks kept, still holding resources: {', '.join(retired)}; "
            "run `skyinfra up` again and confirm (or pass --yes) to destroy them"
        )
        return None
    if report.exit_code:
        _warn(f"retired stacks kept: {', '.join(retired)} (the new stacks are not all up)")
        return None
    return session.destroy_retired(retired)


def _forget_gone(
    session: Session, spec: Path, deployed: Mapping[str, int | None], report: Report | None
) -> None:
    """The lock keeps listing stacks that left the plan (`plan` warns about them) until they
    are gone from the backend: destroyed now, or never deployed there. Stacks of another
    project name (a renamed spec) live under that project and stay listed."""
    from skyinfra import api

    if session.narrowed:
        return
    destroyed = set() if report is None else {r.name for r in report.with_status(Status.SUCCEEDED)}
    project = session.project.plan.spec.name
    gone = [
        r
        for r in api.retired_stacks(session.project.plan)
        if r.project == project and (r.stack not in deployed or r.stack in destroyed)
    ]
    if gone:
        api.forget_retired(spec, gone)


_RETIRED_NOTE = "retired: no longer in the plan; destroyed after the update"


def _preview(
    session: Session, deployed: Mapping[str, int | None], retired: Mapping[str, int | None]
) -> dict[str, object]:
    """Preview the stacks whose reads are deployed; print the plan and return it (as JSON),
    or exit 1 on a failure."""
    waiting = {}
    for name in session.graph.names:
        missing = sorted(n for n in session.whole.needs[name] if deployed.get(n, 0) == 0)
        if missing:
            waiting[name] = f"not previewed: reads {', '.join(missing)}, not deployed yet"
    graph = session.graph.only(n for n in session.graph.names if n not in waiting)
    report = session.quiet_run(graph, Operation.PREVIEW)
    session.console.print(plan_table(report, waiting, retired, _RETIRED_NOTE))
    unknown = f" ({len(waiting)} stack(s) not previewed)" if waiting else ""
    session.console.print(plan_line(report).removesuffix(".") + unknown + ".", highlight=False)
    if retired:
        _list_retired(session.console, retired)
    plan = plan_json(report, waiting)
    if report.exit_code:
        _print_failures(report)
        _warn("the preview failed: nothing was changed")
        _emit(session, {"operation": "up", "plan": plan, "preview": results_json(report)})
        sys.exit(report.exit_code)
    return plan


def _list_retired(console: Console, retired: Mapping[str, int | None]) -> None:
    held = ", ".join(f"{n} ({resource_count(c)})" for n, c in retired.items())
    console.print(
        f"Retired: {len(retired)} stack(s) of this project are in the backend but no longer "
        f"in the plan: {escape(held)}.",
        highlight=False,
    )


def _up_question(retired: Mapping[str, int | None]) -> str:
    if not retired:
        return "Do you want to perform this update?"
    return f"Do you want to perform this update, then destroy the {len(retired)} retired stack(s)?"


@click.command()
@_run_options
def refresh(**run: Any) -> None:
    """Bring the state of every deployed stack of SPEC in line with the clouds."""
    run_operation(Operation.REFRESH, **run)


@click.command()
@click.option("--yes", "-y", is_flag=True, help=_YES_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@_run_options
def destroy(yes: bool, **run: Any) -> None:
    """Delete every stack's resources, in reverse order (the stacks reading others go first).

    Stacks of the project that the backend holds but SPEC no longer has (retired) are
    destroyed too, first, and removed from the backend. Protected resources (buckets unless
    `protect: false`) make their stack's destroy fail: unprotect them first
    (`pulumi state unprotect`) if they are really to go.
    """
    if not (yes or _interactive()):
        raise SetupError("destroy deletes cloud resources: pass --yes to confirm")
    session = open_session(Operation.DESTROY, **run)
    deployed = session.workspace.deployed()
    retired = session.retired(deployed)
    held = {n: deployed[n] for n in session.graph.reversed().order() if n in deployed}
    summary: dict[str, Any] = {
        "operation": "destroy",
        "stacks": held_json(held),
        "retired": held_json(retired),
    }
    if not held and not retired:
        session.console.print("Nothing to destroy: none of these stacks is deployed.")
        _emit(session, {**summary, "results": [], "retired_results": []})
        return
    _list_destroyed(session.console, held, retired)
    if not yes:
        click.confirm(_destroy_question(held, retired), abort=True, err=session.as_json)
    retired_report = session.destroy_retired(retired) if retired else None
    report = session.run(session.graph, Operation.DESTROY)
    _forget_gone(session, run["spec"], deployed, retired_report)
    summary["results"] = results_json(report)
    summary["retired_results"] = results_json(retired_report)
    _emit(session, summary)
    _exit(report, retired_report)


def _destroy_question(held: Mapping[str, int | None], retired: Mapping[str, int | None]) -> str:
    counts = [*held.values(), *retired.values()]
    total = "" if None in counts else f" and their {sum(c or 0 for c in counts)} resources"
    return f"Destroy these {len(counts)} stack(s){total}?"


def _list_destroyed(
    console: Console, held: Mapping[str, int | None], retired: Mapping[str, int | None]
) -> None:
    """Every stack destroy will delete, with the resources the backend counts in it."""
    console.print("To destroy (resources as the backend counts them):", highlight=False)
    for name, count in retired.items():
        console.print(
            f"  {name}: {resource_count(count)} (retired: no longer in the spec)", highlight=False
        )
    for name, count in held.items():
        console.print(f"  {name}: {resource_count(count)}", highlight=False)
