"""YAML text -> plain data, remembering where every key and list item came from.

PyYAML's composer (libyaml's, when available: it is several times faster than pure-Python
parsers on large specs) yields nodes with positions; we construct plain dicts, lists and
scalars from them ourselves so that each key path gets a (line, column), duplicate keys are
errors (YAML parsers silently keep the last one), and merge keys (`<<: *defaults`) work.
"""

from __future__ import annotations

from typing import Any

import yaml

from skyinfra.errors import KeyPath, Problem, SpecError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"

Positions = dict[KeyPath, tuple[int, int]]


def load_yaml(text: str, filename: str) -> tuple[Any, Positions]:
    """The document in `text` as plain data, and the 1-based position of each key path."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        problem = _syntax_problem(err, filename)
        raise SpecError([_tab_problem(text, filename, problem.line) or problem]) from None
    builder = _Builder(filename)
    data = None if node is None else builder.build(node, ())
    if builder.problems:
        raise SpecError(builder.problems)
    return data, builder.positions


def _syntax_problem(err: yaml.MarkedYAMLError, filename: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    what = " ".join(str(p) for p in (err.context, err.problem) if p)
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return Problem(f"invalid YAML: {what}", file=filename, line=line, column=column)


def _tab_problem(text: str, filename: str, until: int | None) -> Problem | None:
    """The first line up to the error's (`until`) indented with a tab: YAML forbids tabs in
    indentation, and the parser's own message does not say so."""
    lines = text.splitlines()[:until]
    for number, line in enumerate(lines, start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            return Problem(
                "a tab in the indentation: YAML indents with spaces only",
                hint="replace the tabs with spaces (most editors: convert indentation to spaces)",
                file=filename,
                line=number,
                column=indent.index("\t") + 1,
            )
    return None


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Walks composed nodes; records positions and duplicate keys as it goes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.positions: Positions = {}
        self.problems: list[Problem] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path)
        return self._scalars.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.update(self._merge_source(value_node, path))
                continue
            key = str(self._scalars.construct_object(key_node))
            if key in out:
                line, _ = self.positions[(*path, key)]
                self._problem(
                    key_node, (*path, key), f"duplicate key {key!r} (first given on line {line})"
                )
                continue
            self.positions[(*path, key)] = _at(key_node)
            out[key] = self.build(value_node, (*path, key))
        return {**merged, **out}

    def _merge_source(self, node: yaml.Node, path: KeyPath) -> dict[str, Any]:
        """`<<: *a` or `<<: [*a, *b]` (earlier sources win, as YAML specifies)."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self._problem(
                    source, path, "a merge key (<<) needs a mapping or a list of mappings"
                )
                continue
            merged.update(self._mapping(source, path))
        return merged

    def _sequence(self, node: yaml.SequenceNode, path: KeyPath) -> list[Any]:
        items = []
        for i, item in enumerate(node.value):
            self.positions[(*path, i)] = _at(item)
            items.append(self.build(item, (*path, i)))
        return items

    def _problem(self, node: yaml.Node, path: KeyPath, message: str) -> None:
        line, column = _at(node)
        self.problems.append(Problem(message, path, file=self.filename, line=line, column=column))
