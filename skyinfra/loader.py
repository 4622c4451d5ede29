"""YAML -> `Spec`, with every problem located at file:line:column and a did-you-mean.

`yamlsource` turns the text into plain data plus a `SourceMap` (key path -> position); we
validate with pydantic and translate each validation error's `loc` back into a position and
a key path. Problems found later (placement, catalog) are located through the same map.
"""

from __future__ import annotations

import codecs
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from skyinfra.errors import KeyPath, Problem, SourceMap, SpecError
from skyinfra.spec import NAME_MAX, NAME_PATTERN, NAME_RULE, ScriptFile, Spec, script_problem
from skyinfra.spec_checks import check_references
from skyinfra.suggest import did_you_mean
from skyinfra.yamlsource import load_yaml

__all__ = ["EXTENSION_PREFIX", "SourceMap", "load_spec", "parse_spec", "read_spec_text"]


def load_spec(path: str | Path) -> Spec:
    """Read and validate the spec at `path`; raise `SpecError` listing every problem found."""
    path = Path(path)
    return parse_spec(read_spec_text(path), str(path))


def read_spec_text(path: Path) -> str:
    """The text of the spec file at `path`: UTF-8 (a byte-order mark is dropped).

    A directory, an unreadable file or another encoding is a `SpecError` that says what
    to do; UTF-16 is what PowerShell's `>` and `Out-File` write by default.
    """
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.y*ml"))
        hint = f"spec files there: {', '.join(found[:5])}" if found else None
        raise SpecError([Problem(f"{path} is a directory, not a spec file", hint=hint)])
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SpecError(f"cannot read spec {path}: {err.strerror or err}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:200]:
        problem = Problem(
            "the file is UTF-16 (PowerShell's `>` writes that), not UTF-8",
            hint="save it as UTF-8, e.g. `Get-Content IN | Set-Content -Encoding utf8 OUT`",
        )
        raise SpecError([replace(problem, file=str(path), line=1, column=1)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = data[: err.start]
        line, column = before.count(b"\n") + 1, err.start - (before.rfind(b"\n") + 1) + 1
        problem = Problem(f"not UTF-8 text (byte 0x{data[err.start]:02x})", hint="save it as UTF-8")
        raise SpecError([replace(problem, file=str(path), line=line, column=column)]) from None


def parse_spec(text: str, filename: str = "<spec>", files_dir: Path | None = None) -> Spec:
    """Validate YAML `text` as a spec; `filename` is used in messages and, unless `files_dir`
    says otherwise, its directory is where `{file:}` startup scripts are read from."""
    source = SourceMap(filename)
    data = _parse_yaml(text, source)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as err:
        raise SpecError(_validation_problems(err, data, source)) from None
    problems = check_references(spec)
    problems += read_script_files(spec, Path(filename).parent if files_dir is None else files_dir)
    if problems:
        raise SpecError([source.locate(p) for p in problems])
    spec._source = source
    return spec


def read_script_files(spec: Spec, base: Path) -> list[Problem]:
    """Read each `startup_script: {file: PATH}` (relative to `base`) into the spec, so the
    plan carries the script's text; what cannot be read is a problem at its `file` key."""
    problems = []
    for name, group in spec.compute.items():
        script = group.startup_script
        if isinstance(script, ScriptFile):
            try:
                script._text = _script_text(base, script.file)
            except ValueError as err:
                problems.append(
                    Problem(str(err), ("compute", name, "startup_script", "file"), _FILE_HINT)
                )
    return problems


_FILE_HINT = "give a UTF-8 text file, as a path relative to the spec file's directory"


def _script_text(base: Path, relative: str) -> str:
    """The UTF-8 text of `base/relative`, which must stay inside `base` (symlinks resolved)."""
    root = base.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{relative!r} leads outside the spec's directory ({root})")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"startup script file {relative!r} not found in {root}") from None
    except OSError as err:
        raise ValueError(
            f"cannot read startup script {relative!r}: {err.strerror or err}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"startup script {relative!r} is not UTF-8 text (byte 0x{data[err.start]:02x} at "
            f"offset {err.start})"
        ) from None
    why = script_problem(text)
    if why:
        raise ValueError(f"{relative!r}: {why}")
    return text


def source_of(spec: Spec) -> SourceMap | None:
    """The `SourceMap` recorded when `spec` was loaded (None for specs built in code)."""
    source = spec._source
    return source if isinstance(source, SourceMap) else None


# -- YAML ---------------------------------------------------------------------------------

# Top-level keys skyinfra ignores, as in Compose and OpenAPI: a home for YAML anchors
# (`x-defaults: &defaults ...`, merged with `<<: *defaults`) and for other tools' settings.
EXTENSION_PREFIX = "x-"


def _parse_yaml(text: str, source: SourceMap) -> dict[str, Any]:
    data, positions = load_yaml(text, source.file)
    source.positions.update(positions)
    if data is None:
        problem = Problem("the spec is empty", hint="start with `name: my-project`")
        raise SpecError([replace(problem, file=source.file, line=1, column=1)])
    if not isinstance(data, dict):
        problem = Problem("the spec must be a mapping of keys (name, networks, ...)")
        raise SpecError([replace(problem, file=source.file, line=1, column=1)])
    return {k: v for k, v in data.items() if not str(k).startswith(EXTENSION_PREFIX)}


# -- validation errors --------------------------------------------------------------------


def _validation_problems(err: ValidationError, data: Any, source: SourceMap) -> list[Problem]:
    problems: dict[tuple[KeyPath, str], Problem] = {}
    for error in err.errors(include_url=False):
        path = _data_path(error["loc"], data)
        problem = _problem_for(error, path, data)
        problems.setdefault((problem.path, problem.message), source.locate(problem))
    return list(problems.values())


def _data_path(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Keep the parts of a pydantic `loc` that address the document (drop union branch tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _addresses(node, part):
            node = node[part]
            path.append(part)
    return tuple(path)


def _addresses(node: Any, part: Any) -> bool:
    """Whether `part` is a key of mapping `node` or an index of list `node`."""
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _problem_for(error: Any, path: KeyPath, data: Any) -> Problem:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(path[:-1] if path and path[-1] == key else path)
        hint = did_you_mean(key, allowed) or (
            f"allowed keys: {', '.join(allowed)}" if allowed else None
        )
        return Problem(f"unknown key {key!r}", path, hint)
    if kind == "missing":
        return Problem(f"missing required key {str(loc[-1])!r}", path)
    if "[key]" in loc:
        return Problem(
            f"invalid name {path[-1]!r}: {_clean(error['msg'])}",
            path,
            NAME_RULE,
        )
    got = _value_at(data, path)
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        return Problem(f"invalid name {got!r}: {NAME_RULE}", path, _name_hint(str(got)))
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
    if isinstance(got, str) and "PRIVATE KEY" in got:  # never echo a pasted private key
        shown = ""
    return Problem(f"{_clean(error['msg'])}{shown}", path)


def _name_hint(name: str) -> str | None:
    """`My_Project` -> "try 'my-project'", when the name can be fixed that simply."""
    fixed = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:NAME_MAX]
    return f"try {fixed!r}" if re.fullmatch(NAME_PATTERN, fixed) else None


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _value_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]  # the path was built from this very document
    return data


def _allowed_keys(path: KeyPath) -> list[str]:
    """The keys the model accepts at `path` (for did-you-mean on unknown keys)."""
    model: Any = Spec
    for part in path:
        model = _step(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one level below `annotation` for a key or index `part`."""
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            fields = {f.alias or n: f for n, f in candidate.model_fields.items()}
            if isinstance(part, str) and part in fields:
                return fields[part].annotation
        origin = typing.get_origin(candidate)
        if origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
    return None


def _unwrap(annotation: Any) -> Iterable[Any]:
    """Members of Optional/Union/Annotated annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _unwrap(typing.get_args(annotation)[0])
    elif origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            yield from _unwrap(arg)
    else:
        yield annotation
