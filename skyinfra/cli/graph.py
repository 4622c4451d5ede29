"""`skyinfra graph SPEC -o FILE`: the picture of a plan; `skyinfra.cli` registers it.

The format follows FILE's suffix; a suffix we do not write is a usage error (exit 2) before
anything is planned.
"""

from __future__ import annotations

from pathlib import Path

import click

from skyinfra.cli.util import catalog_option, reports_errors, spec_argument
from skyinfra.graph import FORMATS, graph_spec, suffix_problem


def _known_suffix(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    problem = suffix_problem(value)
    if problem is not None:
        raise click.BadParameter(problem, ctx, param)
    return value


@click.command("graph")
@spec_argument
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_known_suffix,
    help=f"Picture to write; the suffix picks the format: {', '.join(FORMATS)} "
    "(.svg and .png need Graphviz's `dot`).",
)
@catalog_option
@reports_errors
def graph(spec: Path, out: Path, catalog_dir: Path | None) -> None:
    """Draw SPEC's plan: clouds, sites, networks, resources, links, flows, replicas, costs."""
    from skyinfra.catalog.vms import load_catalog

    drawn = graph_spec(spec, out, load_catalog(catalog_dir))
    click.echo(f"wrote {out}: {len(drawn.nodes)} nodes, {len(drawn.edges)} edges ({drawn.title})")
