"""What every `skyinfra` command shares: common options, error reporting, the console.

Kept apart from `cli.py` so command groups in their own modules (`catalog_cli.py`) use the
same pieces without importing `cli.py` back.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

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
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def reports_errors(fn: F) -> F:
    """Turn skyinfra errors into one message on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SkyinfraError as err:
            message = escape(str(err))  # messages quote lists like [ch]: not markup
            # No emoji codes either: an Azure image URN `a:b:c:d` is not `:b:` (an emoji).
            Console(stderr=True, highlight=False, emoji=False).print(
                f"[bold red]error:[/] {message}", soft_wrap=True
            )
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


def make_console() -> Console:
    """A terminal console; when piped, wide enough that tables are not cropped."""
    return Console() if sys.stdout.isatty() else Console(width=160)
