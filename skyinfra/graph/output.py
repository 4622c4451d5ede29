"""Which file a suffix asks for, and writing it: DOT and Mermaid as text, SVG/PNG via `dot`.

The picture is rendered by Graphviz's own `dot` (Debian's `graphviz` package), run as a
subprocess with the DOT text on stdin; without it only `.dot` and `.mmd` can be written.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skyinfra.errors import ToolError
from skyinfra.graph.dot import to_dot
from skyinfra.graph.mermaid import to_mermaid
from skyinfra.graph.model import Graph

INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install "
    "graphviz`), or write `.dot` or `.mmd`, which need no renderer"
)


@dataclass(frozen=True)
class Format:
    """How one suffix is produced: an emitter, then optionally `dot -T<renderer>`."""

    emit: Callable[[Graph], str]
    renderer: str | None = None


FORMATS: dict[str, Format] = {
    ".dot": Format(to_dot),
    ".mmd": Format(to_mermaid),
    ".png": Format(to_dot, "png"),
    ".svg": Format(to_dot, "svg"),
}


def output_format(path: Path) -> Format | None:
    """The format `path`'s suffix asks for (case-insensitive), None when there is none."""
    return FORMATS.get(path.suffix.lower())


def render(graph: Graph, fmt: Format) -> bytes:
    """The bytes of `graph` in `fmt`."""
    text = fmt.emit(graph)
    if fmt.renderer is None:
        return text.encode("utf-8")
    return run_dot(text, fmt.renderer)


def run_dot(text: str, renderer: str) -> bytes:
    """`dot -T<renderer>` of `text`; a `ToolError` (exit 1) when Graphviz is missing or fails."""
    dot = shutil.which("dot")
    if dot is None:
        raise ToolError(f"Graphviz's `dot` is not on PATH: {INSTALL_HINT}")
    result = subprocess.run(
        [dot, f"-T{renderer}"], input=text.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace").strip()
        raise ToolError(
            f"Graphviz's `dot -T{renderer}` failed (exit {result.returncode}): {stderr}"
        )
    return result.stdout
