"""`skyinfra up | refresh | destroy SPEC`; `run_operation` also drives `skyinfra preview --live`.

Each compiles SPEC into its deploy directory (`project.py`), then drives every stack through
the Automation API (`automation.py`) in dependency order (`orchestrator.py`), showing progress
(`progress.py`). Exit codes: 0 every stack succeeded; 1 a stack failed (the summary and stderr
name it and the dependants that were skipped), or the Pulumi CLI is missing; 2 bad input or
setup (a spec error, no passphrase for a self-managed backend, an unknown `--stack`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from skyinfra.cliutil import catalog_option, make_console, reports_errors, spec_argument
from skyinfra.deploy.graph import StackGraph, stack_graph
from skyinfra.deploy.orchestrator import DEFAULT_PARALLEL, Operation, Workspace, run_stacks
from skyinfra.deploy.progress import Progress, failure_lines, summary_table
from skyinfra.deploy.project import (
    DeployProject,
    SetupError,
    check_secrets,
    choose_backend,
    default_root,
    prepare,
)
from skyinfra.suggest import did_you_mean

F = TypeVar("F", bound=Callable[..., Any])


def make_workspace(project: DeployProject, resource_parallel: int | None) -> Workspace:
    """The Automation API workspace over the compiled project (tests replace this)."""
    from skyinfra.deploy.automation import AutomationWorkspace  # pulumi.automation: on use

    return AutomationWorkspace(
        project.project_dir,
        project.backend,
        logs_dir=project.logs_dir,
        resource_parallel=resource_parallel,
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


def run_operation(
    operation: Operation,
    spec: Path,
    out_dir: Path | None,
    backend: str | None,
    parallel: int,
    resource_parallel: int | None,
    catalog_dir: Path | None,
    stacks: Sequence[str] = (),
) -> None:
    """Compile, run `operation` over the stacks, print the summary, exit with its code."""
    from skyinfra.catalog import load_catalog
    from skyinfra.deploy.automation import require_pulumi_cli

    require_pulumi_cli()
    root = out_dir or default_root(spec)
    chosen = choose_backend(backend, os.environ, root)
    check_secrets(chosen, os.environ)
    project = prepare(spec, root, chosen, load_catalog(catalog_dir))
    graph = _selected(stack_graph(project.plan.topology), stacks)
    console = make_console()
    console.print(
        f"{operation}: {len(graph.names)} stack(s) of {escape(project.plan.spec.name)} "
        f"from {escape(str(project.project_dir))}, state in {escape(chosen.url)}",
        highlight=False,
    )
    workspace = make_workspace(project, resource_parallel)
    order = graph.reversed().order() if operation is Operation.DESTROY else graph.order()
    with Progress(console, operation, order) as progress:
        report = run_stacks(graph, workspace, operation, parallel, progress)
    console.print(summary_table(report))
    errors = Console(stderr=True, highlight=False)
    for line in failure_lines(report):
        errors.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True)
    if report.exit_code:
        sys.exit(report.exit_code)


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


@click.command()
@_run_options
def up(**run: Any) -> None:
    """Create or update every stack of SPEC (cloud stacks first, then the stacks reading them)."""
    run_operation(Operation.UP, **run)


@click.command()
@_run_options
def refresh(**run: Any) -> None:
    """Bring the state of every deployed stack of SPEC in line with the clouds."""
    run_operation(Operation.REFRESH, **run)


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_run_options
def destroy(yes: bool, **run: Any) -> None:
    """Delete every stack's resources, in reverse order (the stacks reading others go first).

    Protected resources (buckets unless `protect: false`) make their stack's destroy fail:
    unprotect them first (`pulumi state unprotect`) if they are really to go.
    """
    if not yes:
        if not sys.stdin.isatty():
            raise SetupError("destroy deletes cloud resources: pass --yes to confirm")
        click.confirm(f"Destroy the resources of {run['spec']}?", abort=True)
    run_operation(Operation.DESTROY, **run)
