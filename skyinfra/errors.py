"""Every error skyinfra raises on purpose, and the exit code each maps to.

```
SkyinfraError                 exit 1: something outside the user's spec went wrong
├── SpecError                 exit 2: the spec (or a flag) is wrong; carries located Problems
│   ├── UnsupportedError      exit 2: valid request that skyinfra cannot honour (yet); says why
│   ├── CatalogError          exit 2: the price catalog (--catalog) cannot be read
│   └── LockError             exit 2: the spec's lock file cannot be read
├── InputError                exit 2: another input is unusable (such as compile's -o DIR)
└── ToolError                 exit 1: an external tool (Pulumi CLI, ...) is missing or failed
```

The CLI prints `str(error)` without a traceback; everything else is a bug and keeps one.
Later stages (placement, catalog resolution) raise `SpecError`s that name a *key path* but
not a position: the public API attaches the positions recorded by the loader (`located`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "CatalogError",
    "InputError",
    "LockError",
    "Problem",
    "SkyinfraError",
    "SourceMap",
    "SpecError",
    "ToolError",
    "UnsupportedError",
    "located",
]

MAX_PROBLEMS_SHOWN = 10

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where (file:line:col and key path), what, and a hint."""

    message: str
    path: KeyPath = ()
    hint: str | None = None
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    @property
    def dotted_path(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        key = f" {self.dotted_path}:" if self.path else ""
        head = f"{where}:{key}" if where else key.strip()
        text = f"{head} {self.message}".strip()
        return f"{text}\n    hint: {self.hint}" if self.hint else text


def format_path(path: KeyPath) -> str:
    """`("compute", "api", "ports", 0)` -> `compute.api.ports[0]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SkyinfraError(Exception):
    """Base of every deliberate skyinfra error."""

    exit_code = 1


class InputError(SkyinfraError):
    """An input other than the spec is unusable (an output directory, ...): exit 2."""

    exit_code = 2


class ToolError(SkyinfraError):
    """An external tool is missing or failed (exit 1)."""


@dataclass
class SourceMap:
    """Where each key path of a spec came from (1-based line and column)."""

    file: str
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: KeyPath) -> tuple[int, int] | None:
        """Position of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None

    def locate(self, problem: Problem) -> Problem:
        pos = self.position(problem.path)
        line, column = pos if pos else (None, None)
        return replace(problem, file=self.file, line=line, column=column)


class SpecError(SkyinfraError):
    """The user's input is wrong (exit 2); holds every problem found, not just the first."""

    exit_code = 2
    about = "spec"  # what the problems are in: "error in spec:"
    in_spec = True  # problems without a position are located in the spec (`with_source`)

    def __init__(
        self, problems: Sequence[Problem] | str, *, path: KeyPath = (), hint: str | None = None
    ):
        if isinstance(problems, str):
            problems = [Problem(problems, path, hint)]
        # The same problem found twice (once per resource, say) is shown once.
        self.problems: tuple[Problem, ...] = tuple(dict.fromkeys(problems))
        super().__init__(self.render())

    def render(self) -> str:
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        lines = [str(p) for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"... and {len(self.problems) - len(shown)} more problem(s)")
        count = len(self.problems)
        title = "error" if count == 1 else f"{count} errors"
        return f"{title} in {self.about}:\n" + "\n".join(f"  {line}" for line in lines)

    def __str__(self) -> str:
        return self.render()

    def with_source(self, source: SourceMap) -> SpecError:
        """A copy of this error whose problems carry file/line/column from `source`."""
        if not self.in_spec:
            return self
        problems = [p if p.line is not None else source.locate(p) for p in self.problems]
        return type(self)(problems)


class UnsupportedError(SpecError):
    """A well-formed request that skyinfra does not implement; the message says why."""


class CatalogError(SpecError):
    """The price catalog is unusable (a missing file, a column, an unreadable line)."""

    about = "price catalog"
    in_spec = False


class LockError(SpecError):
    """The lock file beside the spec cannot be read; the hint says how to recover."""

    about = "lock file"
    in_spec = False


@contextmanager
def located(source: SourceMap | None) -> Iterator[None]:
    """Attach spec positions to any `SpecError` raised inside the block."""
    try:
        yield
    except SpecError as err:
        if source is None:
            raise
        raise err.with_source(source) from None
