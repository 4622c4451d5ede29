"""`skyinfra graph`: a picture of a plan (clouds, sites, networks, resources, links, costs).

`build.py` turns a plan into a neutral `Graph` (`model.py`); `dot.py` and `mermaid.py` emit
it; `output.py` picks the format from the output file's suffix and renders SVG/PNG with
Graphviz. `graph_spec` is the library call behind the command (`skyinfra/cli/graph.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from skyinfra.errors import SpecError
from skyinfra.files import write_atomically
from skyinfra.graph.dot import to_dot
from skyinfra.graph.mermaid import to_mermaid
from skyinfra.graph.model import Cluster, Edge, Graph, Node
from skyinfra.graph.output import FORMATS, output_format, render
from skyinfra.suggest import did_you_mean

if TYPE_CHECKING:
    from skyinfra.catalog.vms import Catalog
    from skyinfra.graph.picture import build_graph

__all__ = [
    "FORMATS",
    "Cluster",
    "Edge",
    "Graph",
    "Node",
    "build_graph",
    "graph_spec",
    "suffix_problem",
    "to_dot",
    "to_mermaid",
]


def suffix_problem(path: Path) -> str | None:
    """Why `path` names no format we write (with a did-you-mean), or None when it does."""
    if output_format(path) is not None:
        return None
    suffix = path.suffix or "(none)"
    known = ", ".join(FORMATS)
    hint = did_you_mean(path.suffix, FORMATS)
    return f"unknown picture format {suffix!r} in {str(path)!r}: use {known}" + (
        f"; {hint}" if hint else ""
    )


def graph_spec(spec_path: Path, out: Path, catalog: Catalog | None = None) -> Graph:
    """Plan the spec (its lock file is read, not written) and write its picture to `out`."""
    from skyinfra import api
    from skyinfra.graph.picture import build_graph

    fmt = output_format(out)
    if fmt is None:
        raise SpecError(suffix_problem(out) or "")
    graph = build_graph(api.plan_spec(spec_path, catalog))
    write_atomically(out, render(graph, fmt))
    return graph


def __getattr__(name: str) -> Any:
    """`build_graph` on first use: it plans (pydantic, numpy), which `skyinfra --help` and
    the suffix check of `skyinfra graph -o` do not need."""
    if name == "build_graph":
        from skyinfra.graph.picture import build_graph

        return build_graph
    raise AttributeError(f"module 'skyinfra.graph' has no attribute {name!r}")
