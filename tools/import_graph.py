"""Static import graph of the skyinfra package, to prove it has no cycles.

Every import is counted: module-level, function-local and ``TYPE_CHECKING``
ones, because a cycle hidden behind a lazy import is still a cycle in the
design (issue 12, item 4). ``from skyinfra.x import y`` counts as an import of
``skyinfra.x.y`` when ``y`` is a submodule, else of ``skyinfra.x``. Importing
``skyinfra.x.y`` also runs the package ``skyinfra.x`` (its ``__init__``), so that
counts as an import too, unless the importer lives inside ``skyinfra.x`` itself.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "skyinfra"
ROOT = Path(__file__).resolve().parent.parent


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Map each dotted module name under the package to its source file."""
    files: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Resolve a possibly relative ``from`` import to an absolute module name."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _owner(name: str, modules: set[str]) -> str | None:
    """The longest known module that ``name`` is or lies inside."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(module: str, path: Path, modules: set[str]) -> Iterator[str]:
    """Every internal module that ``module`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            owner = _owner(name, modules)
            if owner is not None:
                yield from _with_packages(owner, module)


def _with_packages(target: str, importer: str) -> Iterator[str]:
    """``target`` and the packages Python runs to import it, minus the importer's own."""
    parts = target.split(".")
    for end in range(2, len(parts) + 1):
        name = ".".join(parts[:end])
        if name != importer and not importer.startswith(name + "."):
            yield name


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Edges from each module to the package modules it imports."""
    files = module_files(root)
    known = set(files)
    return {mod: set(_targets(mod, path, known)) for mod, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def main() -> int:
    """Print each import cycle with its internal edges; exit 1 if any."""
    graph = import_graph()
    found = cycles(graph)
    for component in found:
        members = set(component)
        print(f"cycle of {len(component)}:")
        for mod in component:
            print(f"  {mod} -> {', '.join(sorted(graph[mod] & members))}")
    print(f"{len(found)} cycle(s)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
