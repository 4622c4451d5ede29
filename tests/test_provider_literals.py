"""No provider knowledge outside `skyinfra/clouds/` and the catalog data: no string literal
holding a provider type token (`aws:...`, `azure-native:...`) or naming a cloud ("gcp").

Docstrings and comments may mention clouds; code may not switch on them. A literal elsewhere
means per-cloud knowledge that fails open for a new cloud: move it into that cloud's package
(its lowering, fakes or guardrail table) and let the neutral code loop over the registry.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from skyinfra.clouds import cloud_names, get_cloud

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "skyinfra"
# Where provider knowledge belongs.
ALLOWED = (PACKAGE / "clouds", PACKAGE / "catalog" / "data")


def _namespaces() -> list[str]:
    """Every cloud's provider package namespace (its type tokens' first segment) and name."""
    spaces = {s for n in cloud_names() for s in get_cloud(n).namespaces()}
    return sorted(spaces | set(cloud_names()))


def _token_pattern() -> re.Pattern[str]:
    spaces = "|".join(re.escape(n) for n in _namespaces())
    return re.compile(rf"(?<![\w-])(?:{spaces}):\w")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants of every module, class and function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _offenders(path: Path, root: Path = ROOT) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    token = _token_pattern()
    names = {n.lower() for n in _namespaces()}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skip:
            continue
        if token.search(node.value) or node.value.lower() in names:
            yield f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"


def _sources() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if not any(p.is_relative_to(allowed) for allowed in ALLOWED)
    ]


def test_no_provider_literal_outside_the_clouds() -> None:
    found = [o for p in _sources() for o in _offenders(p)]
    assert not found, "provider knowledge outside skyinfra/clouds/:\n" + "\n".join(found)


def test_the_scan_reports_planted_literals(tmp_path: Path) -> None:
    """The scan is not vacuous: a cloud's name and a type token are reported, docstrings
    and neutral strings are not."""
    name, namespace = cloud_names()[0], get_cloud(cloud_names()[-1]).provider_namespace
    planted = tmp_path / "planted.py"
    planted.write_text(
        f'"""Mentions {name} freely."""\n'
        f"A = {name.upper()!r}\n"
        f'B = f"{namespace}:storage:{{kind}}"\n'
        'C = "neutral"\n'
    )
    found = list(_offenders(planted, tmp_path))
    assert [line.split(":")[1] for line in found] == ["2", "3"]


def test_the_scan_covers_the_package() -> None:
    sources = _sources()
    assert PACKAGE / "guardrails" / "rules.py" in sources
    assert not any(p.is_relative_to(PACKAGE / "clouds") for p in sources)
