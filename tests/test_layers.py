"""Layers only point down: no import cycle, counting function-local and TYPE_CHECKING imports.

`tools/import_graph.py` reads the sources with `ast` (nothing is imported), so a cycle hidden
behind a lazy import still counts. Run it directly to see each cycle's edges.
"""

from __future__ import annotations

from pathlib import Path

from tools.import_graph import cycles, import_graph


def _package(root: Path, modules: dict[str, str]) -> Path:
    for name, text in modules.items():
        path = root / "skyinfra" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_cycles_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_graph_counts_lazy_type_checking_submodule_and_package_imports(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "def f():\n    from skyinfra import high\n",  # function-local
            "high.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import skyinfra.mid\n",
            "mid.py": "from skyinfra.pkg import sub\n",  # a submodule, and its package
            "pkg/__init__.py": "from .sub import x\n",  # relative
            "pkg/sub.py": "from ..low import f\n",
        },
    )
    graph = import_graph(root)
    assert graph["skyinfra.low"] == {"skyinfra.high"}
    assert graph["skyinfra.high"] == {"skyinfra.mid"}
    assert graph["skyinfra.mid"] == {"skyinfra.pkg", "skyinfra.pkg.sub"}
    assert graph["skyinfra.pkg"] == {"skyinfra.pkg.sub"}
    assert graph["skyinfra.pkg.sub"] == {"skyinfra.low"}
    assert cycles(graph) == [
        ["skyinfra.high", "skyinfra.low", "skyinfra.mid", "skyinfra.pkg", "skyinfra.pkg.sub"]
    ]


def test_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []
