"""The `skyinfra` command: one library call per command; formatting lives here only.

User errors (`SkyinfraError`) print one clean message to stderr and exit with the error's
code (2 for bad input); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from skyinfra import api
from skyinfra.catalog import Catalog, load_catalog
from skyinfra.errors import SkyinfraError

F = TypeVar("F", bound=Callable[..., Any])

spec_argument = click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
catalog_option = click.option(
    "--catalog",
    "catalog_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SKYINFRA_CATALOG",
    help="Directory with a newer price catalog (SkyPilot vms.csv layout). Env: SKYINFRA_CATALOG.",
)


def reports_errors(fn: F) -> F:
    """Turn skyinfra errors into a message on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SkyinfraError as err:
            Console(stderr=True, highlight=False).print(
                f"[bold red]error:[/] {err}", markup=True, soft_wrap=True
            )
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


def _console() -> Console:
    """A terminal console; when piped, wide enough that tables are not cropped."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def _catalog(catalog_dir: Path | None) -> Catalog:
    return load_catalog(catalog_dir)


@click.group()
@click.version_option(package_name="skyinfra")
def main() -> None:
    """skyinfra: one neutral spec, placed across AWS, GCP and Azure, compiled to Pulumi."""


@main.command()
@spec_argument
@catalog_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@reports_errors
def plan(spec: Path, catalog_dir: Path | None, as_json: bool) -> None:
    """Show where every resource runs, its instance type and cost."""
    result = api.plan_spec(spec, _catalog(catalog_dir))
    rows = _placement_rows(result)
    if as_json:
        total = sum(r["monthly_cost"] or 0 for r in rows.values())
        click.echo(
            json.dumps({"placements": rows, "total_monthly_cost": round(total, 2)}, indent=2)
        )
        return
    table = Table(title=f"{result.spec.name}: placement")
    for column in ("resource", "kind", "stack", "instance type", "count", "$/hour", "$/month"):
        table.add_column(column, justify="right" if column.startswith(("$", "count")) else "left")
    for name, row in rows.items():
        table.add_row(
            name,
            row["kind"],
            row["stack"],
            row.get("instance_type") or "-",
            str(row.get("count", "-")),
            _money(row["hourly_cost"]),
            _money(row["monthly_cost"]),
        )
    _console().print(table)


def _placement_rows(result: api.Plan) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for name, d in sorted(result.placement.decisions.items()):
        row: dict[str, Any] = {
            "kind": d.kind,
            "cloud": d.site.cloud,
            "region": d.site.region,
            "stack": d.site.stack,
        }
        if d.kind == "compute":
            row.update(instance_type=d.instance_type, count=result.spec.compute[name].count)
        row.update(hourly_cost=d.hourly_cost, monthly_cost=d.monthly_cost)
        rows[name] = row
    return rows


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


@main.command("compile")
@spec_argument
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Project directory to (re)write.",
)
@catalog_option
@reports_errors
def compile_command(spec: Path, out_dir: Path, catalog_dir: Path | None) -> None:
    """Write the Pulumi project (one stack per cloud-region) for SPEC."""
    files = api.compile_project(spec, out_dir, _catalog(catalog_dir))
    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")]
        for p in files
        if p.name.startswith("Pulumi.") and p.name != "Pulumi.yaml"
    )
    click.echo(f"wrote {len(files)} files to {out_dir}")
    click.echo(f"stacks: {', '.join(stacks)}")
    click.echo(f"deploy: cd {out_dir} && pulumi stack init <stack> && pulumi up -s <stack>")


@main.command()
@spec_argument
@catalog_option
@click.option("--stack", help="Preview only this stack.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--show-secrets", is_flag=True, help="Show secret values (marked as secret).")
@reports_errors
def preview(
    spec: Path, catalog_dir: Path | None, stack: str | None, as_json: bool, show_secrets: bool
) -> None:
    """List every resource each stack would create (offline, Pulumi's mock engine)."""
    previews = api.preview_project(spec, _catalog(catalog_dir), stack)
    if as_json:
        click.echo(
            json.dumps(
                {"stacks": [p.to_json(show_secrets) for p in previews]}, indent=2, default=str
            )
        )
        return
    console = _console()
    for p in previews:
        console.print(_tree(p))
    total = sum(1 for p in previews for r in p.resources if r.custom)
    console.print(f"[bold]{total}[/] resources in {len(previews)} stack(s) would be created.")


def _tree(preview: Any) -> Tree:
    root = Tree(f"[bold]{preview.name}[/] ({preview.site.cloud}, {preview.site.region})")
    nodes: dict[str, Tree] = {}
    for r in preview.resources:
        parent = nodes.get(r.parent, root)
        label = f"{r.type} [cyan]{r.name}[/]" + (" [yellow](protected)[/]" if r.protect else "")
        nodes[r.urn] = parent.add(label if r.custom else f"[bold]{r.type}[/] [cyan]{r.name}[/]")
    return root


if __name__ == "__main__":  # pragma: no cover
    main()
