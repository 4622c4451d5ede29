"""The `skyinfra` command: one library call per command; formatting lives here only.

User errors (`SkyinfraError`) print one clean message to stderr and exit with the error's
code (2 for bad input); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from skyinfra import api
from skyinfra.catalog import Catalog, load_catalog
from skyinfra.cliutil import catalog_option, make_console, reports_errors, spec_argument
from skyinfra.deploy.cli import deploy_options, run_operation
from skyinfra.deploy.orchestrator import Operation
from skyinfra.deploy.project import PROJECT_DIR, default_root
from skyinfra.peering.model import InterconnectLink
from skyinfra.placement import REPLAN_ALL
from skyinfra.report import plan_report


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
@click.option(
    "--replan",
    "replan",
    multiple=True,
    is_flag=False,
    flag_value=REPLAN_ALL,
    metavar="[NAME]",
    help="Re-plan what the lock file pins: every compute group, or the resource NAME (needed to move a bucket).",
)
@click.option(
    "--dry-run",
    "--no-lock",
    "dry_run",
    is_flag=True,
    help="Plan without writing the lock file.",
)
@reports_errors
def plan(
    spec: Path, catalog_dir: Path | None, as_json: bool, replan: tuple[str, ...], dry_run: bool
) -> None:
    """Decide where every resource runs, at what cost; record it in SPEC's lock file."""
    result = api.plan_spec(spec, _catalog(catalog_dir), replan)
    lock = None if dry_run else api.save_lock(spec, result)
    report = plan_report(result)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    console = make_console()
    console.print(_placements_table(result.spec.name, report))
    _print_details(console, report)
    _print_lifecycle(console, report)
    console.print(
        f"decisions recorded in {lock}"
        if lock
        else f"dry run: decisions not recorded ({api.lock_path(spec)} left as it was)"
    )


def _print_lifecycle(console: Console, report: dict[str, Any]) -> None:
    """Every move, and the stacks that left the plan but still run until destroyed."""
    for move in report["moves"]:
        console.print(escape(_move_line(move)))
    for stack in report["retired_stacks"]:
        console.print(f"[bold yellow]warning:[/] {escape(_retired_line(stack))}")


def _move_line(move: dict[str, Any]) -> str:
    lost = " (stateful: its data does not follow)" if move["stateful"] else ""
    return f"move {move['kind']} {move['resource']}: {move['from']} -> {move['to']}{lost}"


def _retired_line(stack: dict[str, Any]) -> str:
    held = ", ".join(stack["resources"]) or "nothing recorded"
    return (
        f"stack {stack['project']}/{stack['stack']} left the plan ({stack['reason']}) and still "
        f"holds {held}: it runs, and bills, until destroyed (`skyinfra up` destroys it once "
        "you confirm)"
    )


def _placements_table(project: str, report: dict[str, Any]) -> Table:
    table = Table(title=f"{project}: placement")
    for column in (
        "resource",
        "kind",
        "stack",
        "instance type",
        "count",
        "$/hour",
        "$/month",
        "best alternatives",
    ):
        table.add_column(column, justify="right" if column.startswith(("$", "count")) else "left")
    for name, row in report["placements"].items():
        alts = (
            "\n".join(
                f"{a['stack']} +${a['delta_monthly_cost']:,.2f}: {a['reason']}"
                for a in row["alternatives"]
            )
            or "-"
        )
        table.add_row(
            name + (" (locked)" if row["locked"] else ""),
            row["kind"],
            row["stack"],
            row.get("instance_type") or "-",
            str(row.get("count", "-")),
            _money(row.get("hourly_cost")),
            _money(row["monthly_cost"]),
            alts,
        )
    return table


def _print_details(console: Console, report: dict[str, Any]) -> None:
    for flow in report["flows"]:
        console.print(
            f"flow {flow['from']} -> {flow['to']}: {flow['gb_per_month']:,.0f} GB/month, {flow['from_stack']} -> {flow['to_stack']}, egress ${flow['monthly_cost']:,.2f}/month"
        )
    for link in report["links"]:
        console.print(f"link {escape(_link_line(link))}")
    for row in report["replications"]:
        console.print(f"replication {escape(_replication_line(row))}")
        for step in row["post_deploy"]:
            console.print(f"  after pulumi up: {escape(step['action'])}: `{step['how']}`")
    for gateway in report["gateways"]:
        cost = gateway["monthly_cost"]
        money = "cost n/a (not in the catalog)" if cost is None else f"${cost:,.2f}/month"
        console.print(
            f"{gateway['kind']} of {gateway['network']} in {gateway['stack']} (BGP {gateway['asn']}): {money}"
        )
    for warning in report["warnings"]:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}")
    breakdown = report.get("cost_breakdown")
    parts = (
        f" (compute and storage ${breakdown['resources']:,.2f}, egress ${breakdown['egress']:,.2f}, links ${breakdown['links']:,.2f}"
        + (f", replication ${breakdown['replication']:,.2f}" if report["replications"] else "")
        + ")"
        if breakdown
        else ""
    )
    unpriced = [f"{x['a']} <-> {x['b']}" for x in report["links"] if x["monthly_cost"] is None]
    if unpriced:  # never let a missing price read as free
        parts += f", not counted: {', '.join(unpriced)} (prices n/a)"
    console.print(f"[bold]total ${report['total_monthly_cost']:,.2f}/month[/]{parts}")


def _replication_line(row: dict[str, Any]) -> str:
    cost = row["monthly_cost"]
    money = (
        f"${cost:,.2f}/month (egress ${row['egress_monthly_cost']:,.2f}, replica storage ${row['storage_monthly_cost']:,.2f})"
        if cost is not None
        else "cost n/a"
    )
    return (
        f"{row['from']} {row['from_stack']} -> {row['to_stack']} ({row['replica']}, for "
        f"{', '.join(row['targets'])}): {row['mechanism']} in stack {row['stack']}, "
        f"{row['gb_per_month']:,.0f} GB/month, {money}"
    )


def _link_line(link: dict[str, Any]) -> str:
    """`aws-eu-west-1 <-> gcp-europe-west4: HA VPN, 4 tunnels, BGP 64512/64513, $N/month`."""
    parts = [link["kind"]]
    if link["tunnels"]:
        parts.append(f"{link['tunnels']} tunnels")
    if "bgp_asns" in link:
        parts.append("BGP " + "/".join(str(n) for n in link["bgp_asns"]))
    if "attachments" in link:
        vlans = sorted({x["vlan"] for x in link["attachments"]})
        parts.append(
            f"{len(link['attachments'])} connections, VLAN {'/'.join(map(str, vlans))}, BGP "
            + " ".join(x["cidr"] for x in link["attachments"])
        )
    cost = link["monthly_cost"]
    parts.append(
        "cost n/a (port, attachment and interconnect egress prices are not in the catalog)"
        if cost is None
        else f"${cost:,.2f}/month"
    )
    text = f"{link['a']} <-> {link['b']}: {', '.join(parts)}"
    for step in link.get("out_of_band", []):
        text += f"\n  order: {step}"
    for item in link.get("config", []):
        text += f"\n  config: pulumi config set -s {link['stack']} {item['key']} VALUE  # {item['what']}"
    for phase in link.get("phases", []):
        text += f"\n  {_phase_line(phase)}"
    return text


def _phase_line(phase: dict[str, Any]) -> str:
    """`phase 1: ... orders the ports (aws: ...; gcp: ...)` / `phase 2 after ...: `cmd` adds`."""
    declares = "; ".join(phase["declares"])
    if "command" not in phase:
        return f"phase {phase['phase']}: {phase['when']} ({declares})"
    return f"phase {phase['phase']} {phase['when']}: `{phase['command']}` adds {declares}"


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
    result, files = api.compile_project(spec, out_dir, _catalog(catalog_dir))
    click.echo(f"wrote {len(files)} files to {out_dir}")
    topology = result.topology
    click.echo(f"stacks: {', '.join(topology.stack_names)}")
    if topology.peering_stack_names:
        click.echo(f"peering stacks: {', '.join(topology.peering_stack_names)}")
    replications = [r.stack for r in topology.replications]
    if replications:
        click.echo(f"replication stacks (deploy after the cloud stacks): {', '.join(replications)}")
    click.echo(f"deploy: cd {out_dir} && pulumi stack init <stack> && pulumi up -s <stack>")
    if topology.peering_stack_names:
        click.echo("deploy the cloud stacks first (in the order listed), then the peering stacks")
    for link in topology.links.links:
        if isinstance(link, InterconnectLink):
            click.echo(
                f"before `pulumi up -s {link.stack}` (dedicated interconnect {link.name}; "
                "what to order: `skyinfra plan`), set:"
            )
            for key, why in link.config:
                click.echo(f"  pulumi config set -s {link.stack} skyinfra:{key} VALUE  # {why}")
            click.echo(
                f"  phase 1: `pulumi up -s {link.stack}` orders the ports only "
                f"({'; '.join(link.phase_one)})"
            )
            click.echo(
                "  phase 2 after the providers report both connections provisioned: "
                f"`{link.ready_command}` then `pulumi up -s {link.stack}` adds "
                f"{'; '.join(link.phase_two)}"
            )


@main.command()
@spec_argument
@catalog_option
@click.option("--stack", help="Preview only this stack.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--show-secrets", is_flag=True, help="Show secret values (marked as secret).")
@click.option(
    "--live",
    is_flag=True,
    help="Run the real `pulumi preview` against the clouds (needs the Pulumi CLI and credentials).",
)
@deploy_options
@reports_errors
def preview(
    spec: Path,
    catalog_dir: Path | None,
    stack: str | None,
    as_json: bool,
    show_secrets: bool,
    live: bool,
    **deploy: Any,
) -> None:
    """List every resource each stack would create (offline, Pulumi's mock engine).

    The offline preview uses the config set with `pulumi config set` in the deploy
    directory's stack files (-o), such as an interconnect's `skyinfra:interconnect-ready`.
    With --live, run `pulumi preview` on every stack through the Automation API instead
    (options as for `skyinfra up`)."""
    if live:
        if as_json or show_secrets:
            raise click.UsageError("--json and --show-secrets are for the offline preview")
        stacks = () if stack is None else (stack,)
        run_operation(Operation.PREVIEW, spec, catalog_dir=catalog_dir, stacks=stacks, **deploy)
        return
    project_dir = (deploy["out_dir"] or default_root(spec)) / PROJECT_DIR
    previews = api.preview_project(spec, _catalog(catalog_dir), stack, project_dir)
    if as_json:
        click.echo(
            json.dumps(
                {"stacks": [p.to_json(show_secrets) for p in previews]}, indent=2, default=str
            )
        )
        return
    console = make_console()
    for p in previews:
        console.print(_tree(p))
    total = sum(1 for p in previews for r in p.resources if r.custom)
    console.print(f"[bold]{total}[/] resources in {len(previews)} stack(s) would be created.")


def _tree(preview: Any) -> Tree:
    sites = [preview.site] if preview.peer is None else [preview.site, preview.peer]
    where = " <-> ".join(f"{s.cloud}, {s.region}" for s in sites)
    root = Tree(f"[bold]{preview.name}[/] ({where})")
    urns = {r.urn for r in preview.resources}
    by_parent: dict[str, list[Any]] = {}
    for r in preview.resources:
        by_parent.setdefault(r.parent if r.parent in urns else "", []).append(r)
    _add_children(root, "", by_parent)
    if preview.invokes:  # what a deploy looks up before it creates anything
        lookups = root.add("[bold]lookups[/]")
        for call in preview.invokes:
            args = json.dumps(call.args, sort_keys=True, separators=(", ", ": "), default=str)
            lookups.add(f"{call.token} [dim]{escape(args)}[/]")
    return root


def _add_children(node: Tree, parent: str, by_parent: dict[str, list[Any]]) -> None:
    """Children under their component, whatever order they were registered in."""
    for r in by_parent.get(parent, []):
        label = f"{r.type} [cyan]{r.name}[/]" + (" [yellow](protected)[/]" if r.protect else "")
        child = node.add(label if r.custom else f"[bold]{r.type}[/] [cyan]{r.name}[/]")
        _add_children(child, r.urn, by_parent)


from skyinfra.authoring_cli import init, schema  # noqa: E402
from skyinfra.catalog_cli import catalog  # noqa: E402
from skyinfra.deploy import cli as deploy_cli  # noqa: E402
from skyinfra.graph.cli import graph  # noqa: E402
from skyinfra.guardrails.cli import check  # noqa: E402

main.add_command(catalog)
main.add_command(deploy_cli.up)
main.add_command(deploy_cli.refresh)
main.add_command(deploy_cli.destroy)
main.add_command(graph)
main.add_command(schema)
main.add_command(init)
main.add_command(check)

if __name__ == "__main__":  # pragma: no cover
    main()
