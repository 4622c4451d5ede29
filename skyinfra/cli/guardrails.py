"""`skyinfra check SPEC`: the guardrails over the offline preview; exit 1 on violations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from skyinfra.cli.util import (
    catalog_option,
    json_option,
    make_console,
    reports_errors,
    spec_argument,
)

if TYPE_CHECKING:
    from skyinfra.guardrails.check import CheckReport

VIOLATIONS_EXIT = 1  # 0: clean, 1: violations found, 2: bad input (as every command)


@click.command("check")
@spec_argument
@catalog_option
@json_option
@reports_errors
def check(spec: Path, catalog_dir: Path | None, as_json: bool) -> None:
    """Run the secure-by-default guardrails over every stack of SPEC (offline preview).

    Exit codes: 0 no violation, 1 violations found, 2 bad input.
    """
    from skyinfra.catalog.vms import load_catalog
    from skyinfra.guardrails.check import check_project

    report = check_project(spec, load_catalog(catalog_dir))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print(report)
    if report.findings:
        sys.exit(VIOLATIONS_EXIT)


def _print(report: CheckReport) -> None:
    console = make_console()
    for warning in report.warnings:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    for f in report.findings:
        console.print(
            f"[bold red]{escape(f.rule)}[/] {escape(f.stack)}: {escape(f.type)} "
            f"[cyan]{escape(f.name)}[/]: {escape(f.message)}",
            soft_wrap=True,
        )
        console.print(f"    fix: {escape(f.hint)}", soft_wrap=True, highlight=False)
    checked = f"{report.resources} resources in {len(report.stacks)} stack(s)"
    if report.findings:
        rules = len({f.rule for f in report.findings})
        console.print(
            f"[bold]{len(report.findings)}[/] violation(s) of {rules} rule(s) in {checked}"
        )
    else:
        console.print(f"no violations: {checked} pass every guardrail")
