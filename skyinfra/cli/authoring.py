"""`skyinfra schema` and `skyinfra init`: help for writing a spec; `skyinfra.cli` registers them."""

from __future__ import annotations

from pathlib import Path

import click

from skyinfra.cli.util import DEFAULT_SPEC


@click.command("schema")
def schema() -> None:
    """Print the JSON Schema of the spec (editors autocomplete specs that name it)."""
    from skyinfra.schema import schema_text

    click.echo(schema_text(), nl=False)


@click.command("init")
@click.argument(
    "path",
    required=False,
    default=DEFAULT_SPEC,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter spec to PATH (default: ./skyinfra.yaml)."""
    from skyinfra.starter import write_starter

    try:
        spec, schema_file = write_starter(path, force)
    except (FileExistsError, IsADirectoryError) as err:
        raise click.UsageError(str(err)) from None
    click.echo(f"wrote {spec} (and {schema_file.name}, its JSON Schema, beside it)")
    click.echo(f"next: skyinfra plan {spec} && skyinfra graph {spec} -o topology.svg")
