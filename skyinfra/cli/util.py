"""What every `skyinfra` command shares: common options, error reporting, the console.

Kept apart from `cli/__init__.py` so command groups in their own modules (`cli/catalog.py`)
use the same pieces without importing the package back. Only click and rich are imported here: the CLI
modules import the library (pydantic models, numpy, pulumi, ...) inside their commands, so
`skyinfra --help` and shell completion stay fast.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from skyinfra.errors import SkyinfraError, SpecError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "skyinfra.yaml"  # what `skyinfra init` writes; SPEC when none is named
JSON_FLAG = "--json"
PIPE_WIDTH = 160  # a pipe without $COLUMNS: wide, so tables keep one line per row


def _spec_or_default(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """SPEC as given, else `./skyinfra.yaml` when it exists, else a usage error (exit 2)."""
    if value is not None:
        return value
    default = Path(DEFAULT_SPEC)
    if default.is_file():
        return default
    raise click.UsageError(
        f"no SPEC given and no ./{DEFAULT_SPEC} here: name the spec file, "
        "or write a starter one with `skyinfra init`",
        ctx,
    )


spec_argument = click.argument(
    "spec",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_spec_or_default,
)
catalog_option = click.option(
    "--catalog",
    "catalog_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SKYINFRA_CATALOG",
    help="Directory of price files (SkyPilot's <cloud>/vms.csv layout): each cloud with a file "
    "there replaces its bundled prices, the others stay bundled. Env: SKYINFRA_CATALOG.",
)
json_option = click.option(JSON_FLAG, "as_json", is_flag=True, help="Machine-readable output.")


def error_document(err: Exception) -> dict[str, Any]:
    """`{"error": ..., "problems": [...]}`: what `--json` prints on stderr for `err`."""
    if isinstance(err, SpecError):
        problems = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "key": p.dotted_path or None,
                "path": list(p.path),
                "message": p.message,
                "hint": p.hint,
            }
            for p in err.problems
        ]
        count = len(problems)
        summary = err.problems[0].message if count == 1 else f"{count} errors in spec"
        return {"error": summary, "problems": problems}
    if isinstance(err, click.ClickException):
        key = _option_named(err) if isinstance(err, click.BadParameter) else None
        problem: dict[str, Any] = {"file": None, "line": None, "column": None, "key": key}
        problem |= {"path": [], "message": err.format_message(), "hint": None}
        return {"error": err.format_message(), "problems": [problem] if key else []}
    return {"error": str(err), "problems": []}


def _option_named(err: click.BadParameter) -> str | None:
    """The option or argument a bad value was given to, as click names it (`'--geo'`)."""
    if isinstance(err.param_hint, str):
        return err.param_hint
    if err.param is not None and err.ctx is not None:
        return err.param.get_error_hint(err.ctx)
    return None


def print_json_error(err: Exception) -> None:
    click.echo(json.dumps(error_document(err), indent=2), err=True)


def reports_errors(fn: F) -> F:
    """Turn skyinfra errors into one message on stderr (JSON under `--json`) and the error's
    exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SkyinfraError as err:
            if kwargs.get("as_json"):
                print_json_error(err)
            else:
                message = escape(str(err))  # messages quote lists like [ch]: not markup
                # No emoji codes either: an Azure image URN `a:b:c:d` is not `:b:` (an emoji).
                Console(stderr=True, highlight=False, emoji=False).print(
                    f"[bold red]error:[/] {message}", soft_wrap=True
                )
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


class SkyinfraGroup(click.Group):
    """The root group: with `--json` on the command line, click's own errors (unknown
    option, bad value, missing SPEC) go to stderr as the same JSON document as ours."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or JSON_FLAG not in argv:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as err:
            print_json_error(err)
            sys.exit(err.exit_code)
        except click.Abort:
            print_json_error(click.ClickException("aborted"))
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def make_console() -> Console:
    """A terminal console; in a pipe, $COLUMNS wide when set, else wide enough that tables
    keep one line per row."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit():
        return Console()
    return Console(width=PIPE_WIDTH)


def print_wrapped(console: Console, markup: str, hang: int = 4) -> None:
    """One logical line, wrapped at spaces only (so `gcp-europe-west4` and `n1-standard-8`
    are never split) to the console's width, its continuation lines indented by `hang` more
    than the line itself. A word longer than a line stays whole."""
    text = Text.from_markup(markup)
    plain = text.plain
    indent = len(plain) - len(plain.lstrip(" ")) + hang
    parts = text.divide(_breaks(plain, console.width, console.width - indent))
    for n, part in enumerate(parts):
        part.rstrip()
        console.print(Text(" " * indent) + part if n else part, soft_wrap=True)


def _breaks(plain: str, first: int, rest: int) -> list[int]:
    """Offsets of the words that start a new line: at most `first`, then `rest` columns."""
    offsets: list[int] = []
    start, limit = 0, first
    for word in re.finditer(r"\S+", plain):
        if word.end() - start > limit and plain[start : word.start()].strip():
            offsets.append(word.start())
            start, limit = word.start(), rest
    return offsets
