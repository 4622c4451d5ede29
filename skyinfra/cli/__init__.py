"""The `skyinfra` command: one library call per command; formatting lives here only.

User errors (`SkyinfraError`) print one clean message to stderr and exit with the error's
code (2 for bad input); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from skyinfra.cli.deploy import deploy_options
from skyinfra.cli.util import (
    SkyinfraGroup,
    catalog_option,
    make_console,
    print_wrapped,
    reports_errors,
    spec_argument,
)
from skyinfra.deploy.orchestrator import Operation
from skyinfra.deploy.project import PROJECT_DIR, default_root
from skyinfra.money import usd_delta

if TYPE_CHECKING:
    from skyinfra.catalog.vms import Catalog
    from skyinfra.preview import Registered, StackPreview

REPLAN_ALL = "*"  # skyinfra.placement.place.REPLAN_ALL, without importing the optimiser for --help
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def _catalog(catalog_dir: Path | None) -> Catalog:
    from skyinfra.catalog.vms import load_catalog

    return load_catalog(catalog_dir)


@click.group(cls=SkyinfraGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="skyinfra")
def main() -> None:
    """skyinfra: one neutral spec, placed across AWS, GCP and Azure, compiled to Pulumi.

    SPEC, where a command takes one, defaults to ./skyinfra.yaml (what `skyinfra init`
    writes).
    """


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
    from skyinfra import api
    from skyinfra.report import plan_report

    result = api.plan_spec(spec, _catalog(catalog_dir), replan)
    lock = None if dry_run else api.save_lock(spec, result)
    report = plan_report(result)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    console = make_console()
    table = _placements_table(result.spec.name, report)
    # Too wide for the console ($/hour goes first; $/month stays)? Console.measure would clamp.
    if table.__rich_measure__(console, console.options).maximum > console.width:
        table = _placements_table(result.spec.name, report, hourly=False)
    console.print(table)
    if any(row["locked"] for row in report["placements"].values()):
        print_wrapped(
            console, f"{LOCKED} kept where the lock file records it (--replan to re-plan)"
        )
    alternatives = _alternatives_table(report)
    if alternatives.row_count:
        console.print(alternatives)
    _print_details(console, report)
    _print_lifecycle(console, report)
    recorded = (
        f"decisions recorded in {lock}"
        if lock
        else f"dry run: decisions not recorded ({api.lock_path(spec)} left as it was)"
    )
    print_wrapped(console, escape(recorded))


def _print_lifecycle(console: Console, report: dict[str, Any]) -> None:
    """Every move, and the stacks that left the plan but still run until destroyed."""
    for move in report["moves"]:
        print_wrapped(console, escape(_move_line(move)))
    for stack in report["retired_stacks"]:
        print_wrapped(console, f"[bold yellow]warning:[/] {escape(_retired_line(stack))}")


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


# The plan's text is read in 80 columns: stacks, instance types and amounts are never split
# (no_wrap columns; other lines wrap at spaces only), and commands to copy stay on one line.
LOCKED = "*"  # after a resource's name: its site comes from the lock file


def _placements_table(project: str, report: dict[str, Any], hourly: bool = True) -> Table:
    table = _table(f"{project}: placement")
    table.add_column("resource", overflow="fold")
    table.add_column("kind")
    for column in ("stack", "instance type"):
        table.add_column(column, no_wrap=True)
    for column in ("count", "$/hour", "$/month") if hourly else ("count", "$/month"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, row in report["placements"].items():
        cells = [
            escape(name) + (LOCKED if row["locked"] else ""),
            row["kind"],
            row["stack"],
            row.get("instance_type") or "-",
            str(row.get("count", "-")),
            _money(row.get("hourly_cost")),
            _money(row["monthly_cost"]),
        ]
        table.add_row(*(cells if hourly else cells[:5] + cells[6:]))
    return table


def _alternatives_table(report: dict[str, Any]) -> Table:
    """Per resource, the best other stacks: what each would add to the month, and why not."""
    table = _table("best alternatives")
    table.add_column("resource", overflow="fold")
    table.add_column("stack", no_wrap=True)
    table.add_column("vs plan", justify="right", no_wrap=True)
    table.add_column("why not")
    for name, row in report["placements"].items():
        for n, alt in enumerate(row["alternatives"]):
            delta = usd_delta(alt["delta_monthly_cost"])
            table.add_row("" if n else escape(name), alt["stack"], delta, escape(alt["reason"]))
    return table


def _table(title: str) -> Table:
    """A table without rules: the columns, not the frame, get the 80 columns."""
    return Table(title=title, box=None, pad_edge=False, header_style="bold")


def _print_details(console: Console, report: dict[str, Any]) -> None:
    say = functools.partial(print_wrapped, console)
    for flow in report["flows"]:
        via = " over the interconnect (in its link's cost)" if "carried_by" in flow else ""
        say(
            f"flow {flow['from']} -> {flow['to']}: {flow['gb_per_month']:,.0f} GB/month, {flow['from_stack']} -> {flow['to_stack']}, egress ${flow['monthly_cost']:,.2f}/month{via}"
        )
    for link in report["links"]:
        say(f"link {escape(_link_line(link))}")
        if "choice" in link:
            say(f"  {escape(link['choice']['explanation'])}")
        for step in link.get("out_of_band", []):
            say(f"  order: {escape(step)}")
        for item in link.get("config", []):  # a command to copy: one line, however long
            console.print(
                f"  config: pulumi config set -s {link['stack']} {item['key']} VALUE  # {item['what']}",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
        for phase in link.get("phases", []):
            say(f"  {escape(_phase_line(phase))}")
            console.print(f"    {phase['command']}", soft_wrap=True, markup=False, highlight=False)
    for row in report["replications"]:
        say(f"replication {escape(_replication_line(row))}")
        for step in row["post_deploy"]:
            say(f"  after pulumi up: {escape(step['action'])}:")
            console.print(f"    {step['how']}", soft_wrap=True, markup=False, highlight=False)
    for gateway in report["gateways"]:
        cost = gateway["monthly_cost"]
        money = "cost n/a (not in the catalog)" if cost is None else f"${cost:,.2f}/month"
        say(
            f"{gateway['kind']} of {gateway['network']} in {gateway['stack']} (BGP {gateway['asn']}): {money}"
        )
    for grant in report.get("grants", []):
        # `grant training -> datasets: read (aws, IAM role)`
        say(
            escape(
                f"grant {grant['group']} -> {grant['bucket']}: {grant['access']} ({grant['via']})"
            )
        )
    for nat in report.get("nat", []):
        say(escape(_nat_line(nat)))
    for warning in report["warnings"]:
        say(f"[bold yellow]warning:[/] {escape(warning)}")
    breakdown = report.get("cost_breakdown")
    parts = (
        f" (compute and storage ${breakdown['resources']:,.2f}, egress ${breakdown['egress']:,.2f}, links ${breakdown['links']:,.2f}"
        + (f", replication ${breakdown['replication']:,.2f}" if report["replications"] else "")
        + (f", NAT ${breakdown['nat']:,.2f}" if report.get("nat") else "")
        + ")"
        if breakdown
        else ""
    )
    unpriced = [f"{x['a']} <-> {x['b']}" for x in report["links"] if x["monthly_cost"] is None]
    if unpriced:  # never let a missing price read as free
        parts += f", not counted: {', '.join(unpriced)} (prices n/a)"
    say(f"[bold]total ${report['total_monthly_cost']:,.2f}/month[/]{escape(parts)}")


def _nat_line(row: dict[str, Any]) -> str:
    """`NAT gateway of core in aws-us-east-1 (2 VMs behind it): $32.85/month + $0.045/GB
    processed (0 GB/month of flows through it: $0.00)`."""
    vms = f"{row['vms']} VM{'' if row['vms'] == 1 else 's'}"
    kind = row["kind"] if row["gateways"] < 2 else f"{row['kind']} x{row['gateways']} (per zone)"
    where = f"{kind} of {row['network']} in {row['stack']} ({vms} behind it)"
    if row["monthly_cost"] is None:
        return f"{where}: cost n/a (not in the catalog)"
    return (
        f"{where}: ${row['gateway_monthly_cost']:,.2f}/month + ${row['per_gb']:g}/GB processed "
        f"({row['gb_per_month']:,.0f} GB/month of flows through it: ${row['data_monthly_cost']:,.2f})"
    )


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
    parts.append(_link_cost(link))
    return f"{link['a']} <-> {link['b']}: {', '.join(parts)}"


def _link_cost(link: dict[str, Any]) -> str:
    """`$12,007.00/month (ports and attachments $11,607.00: ...; egress of 20,000 GB/month
    $400.00)`, or which items have no price."""
    cost = link["monthly_cost"]
    if "items" not in link:
        return "cost n/a (not in the catalog)" if cost is None else f"${cost:,.2f}/month"
    if cost is None:
        return f"cost n/a (not in the catalog: {'; '.join(link['unpriced'])})"
    return (
        f"${cost:,.2f}/month (ports and attachments ${link['ports_monthly_cost']:,.2f}: "
        f"{link['items']}; egress of {link['gb_per_month']:,.0f} GB/month "
        f"${link['egress_monthly_cost']:,.2f})"
    )


def _phase_line(phase: dict[str, Any]) -> str:
    """`phase 1, now: it orders the ports, declaring aws: ...; gcp: ...; with:` (the command
    follows on a line of its own, unwrapped, to copy)."""
    declares = "; ".join(phase["declares"])
    return f"phase {phase['phase']}, {phase['when']}, declaring {declares}; with:"


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
    from skyinfra import api
    from skyinfra.peering.modes import mode_of
    from skyinfra.stacks import CLOUD, STACK_KINDS

    result, files = api.compile_project(spec, out_dir, _catalog(catalog_dir))
    click.echo(f"wrote {len(files)} files to {out_dir}")
    topology = result.topology
    for kind in STACK_KINDS:
        names = kind.names(topology)
        if names or kind is CLOUD:
            click.echo(f"{kind.listing}: {', '.join(names)}")
    click.echo(f"deploy: cd {out_dir} && pulumi stack init <stack> && pulumi up -s <stack>")
    if topology.peering_stack_names:
        click.echo("deploy the cloud stacks first (in the order listed), then the peering stacks")
    for link in topology.links.links:
        for line in mode_of(link).deploy_notes(link):
            click.echo(line)


@main.command()
@spec_argument
@catalog_option
@click.option("--stack", "stacks", multiple=True, help="Only this stack (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--show-secrets",
    is_flag=True,
    help='Show secret input values (text: under their resource; JSON: as {"secret": value}).',
)
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
    stacks: tuple[str, ...],
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
    from skyinfra import api

    if live:
        from skyinfra.cli.deploy import run_operation

        if as_json or show_secrets:
            raise click.UsageError("--json and --show-secrets are for the offline preview")
        run_operation(Operation.PREVIEW, spec, catalog_dir=catalog_dir, stacks=stacks, **deploy)
        return
    project_dir = (deploy["out_dir"] or default_root(spec)) / PROJECT_DIR
    previews = api.preview_project(spec, _catalog(catalog_dir), stacks, project_dir)
    if as_json:
        click.echo(
            json.dumps(
                {"stacks": [p.to_json(show_secrets) for p in previews]}, indent=2, default=str
            )
        )
        return
    console = make_console()
    for p in previews:
        console.print(_tree(p, show_secrets))
    total = sum(1 for p in previews for r in p.resources if r.custom)
    console.print(f"[bold]{total}[/] resources in {len(previews)} stack(s) would be created.")


def _tree(preview: StackPreview, show_secrets: bool = False) -> Tree:
    sites = [preview.site] if preview.peer is None else [preview.site, preview.peer]
    where = " <-> ".join(f"{s.cloud}, {s.region}" for s in sites)
    root = Tree(f"[bold]{preview.name}[/] ({where})")
    urns = {r.urn for r in preview.resources}
    by_parent: dict[str, list[Registered]] = {}
    for r in preview.resources:
        by_parent.setdefault(r.parent if r.parent in urns else "", []).append(r)
    _add_children(root, "", by_parent, show_secrets)
    if preview.invokes:  # what a deploy looks up before it creates anything
        lookups = root.add("[bold]lookups[/]")
        for call in preview.invokes:
            args = json.dumps(call.args, sort_keys=True, separators=(", ", ": "), default=str)
            lookups.add(f"{call.token} [dim]{escape(args)}[/]")
    return root


def _add_children(
    node: Tree, parent: str, by_parent: dict[str, list[Registered]], show_secrets: bool
) -> None:
    """Children under their component, whatever order they were registered in."""
    for r in by_parent.get(parent, []):
        label = f"{r.type} [cyan]{r.name}[/]" + (" [yellow](protected)[/]" if r.protect else "")
        child = node.add(label if r.custom else f"[bold]{r.type}[/] [cyan]{r.name}[/]")
        if show_secrets:
            for key in sorted(r.secret_inputs):
                value = json.dumps(r.inputs.get(key), sort_keys=True, default=str)
                child.add(f"[magenta]secret[/] {escape(key)} = {escape(value)}", highlight=False)
        _add_children(child, r.urn, by_parent, show_secrets)


from skyinfra.cli import deploy as deploy_cli  # noqa: E402
from skyinfra.cli.authoring import init, schema  # noqa: E402
from skyinfra.cli.catalog import catalog  # noqa: E402
from skyinfra.cli.graph import graph  # noqa: E402
from skyinfra.cli.guardrails import check  # noqa: E402
from skyinfra.cli.ssh import ssh  # noqa: E402

main.add_command(catalog)
main.add_command(deploy_cli.up)
main.add_command(deploy_cli.refresh)
main.add_command(deploy_cli.destroy)
main.add_command(graph)
main.add_command(schema)
main.add_command(init)
main.add_command(check)
main.add_command(ssh)
