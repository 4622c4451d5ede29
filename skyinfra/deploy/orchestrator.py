"""Run one operation over every stack of a project, in dependency order, a few at a time.

Pure scheduling: what running a stack means is behind the `Workspace` / `StackRunner`
protocol (`automation.py` drives Pulumi; tests use a fake). The rules:

- a stack starts only once every stack it needs has succeeded (`graph.StackGraph`);
  `destroy` walks the graph backwards, so a stack goes after everything that reads it;
- at most `parallel` stacks run at once (threads: each waits on a `pulumi` process);
- a stack that fails stops its dependants (reported as skipped, naming the failure), while
  stacks that do not depend on it run to the end;
- the exit code is 0 when every stack succeeded, 1 otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skyinfra.deploy.order import StackGraph

DEFAULT_PARALLEL = 4


class Operation(StrEnum):
    UP = "up"
    PREVIEW = "preview"
    REFRESH = "refresh"
    DESTROY = "destroy"


class Status(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    """What a stack run that succeeded reports: resource changes by kind, and a note."""

    changes: Mapping[str, int] = field(default_factory=dict)
    note: str = ""


class StackFailure(Exception):
    """A stack operation failed; the message says why (what the user should read)."""


class StackRunner(Protocol):
    """One stack of the project, ready for an operation."""

    def run(self, operation: Operation, output: Callable[[str], None]) -> Outcome:
        """Run `operation`, streaming progress lines to `output`; raise on failure."""
        ...


class Workspace(Protocol):
    """The project: hands out the stack called `name` (selected, or created if it must be)."""

    def stack(self, name: str, operation: Operation) -> StackRunner: ...

    def deployed(self) -> Mapping[str, int | None]:
        """The project's stacks the backend holds, with their resource counts (when known)."""
        ...


class Listener(Protocol):
    """Who watches a run (`progress.py`). `output` is called from worker threads."""

    def started(self, name: str) -> None: ...

    def output(self, name: str, line: str) -> None: ...

    def finished(self, result: StackResult) -> None: ...


@dataclass(frozen=True)
class StackResult:
    name: str
    status: Status
    changes: Mapping[str, int] = field(default_factory=dict)
    message: str = ""  # why it failed, the note of a success, or why it was skipped
    seconds: float = 0.0
    blocked_by: tuple[str, ...] = ()  # for a skipped stack: the failed stacks it waited for


@dataclass(frozen=True)
class Report:
    """Every stack's result, in the order the stacks were (or would have been) run."""

    operation: Operation
    results: tuple[StackResult, ...]

    def with_status(self, status: Status) -> list[StackResult]:
        return [r for r in self.results if r.status is status]

    @property
    def exit_code(self) -> int:
        return 0 if all(r.status is Status.SUCCEEDED for r in self.results) else 1


class _Silent:
    def started(self, name: str) -> None:
        pass

    def output(self, name: str, line: str) -> None:
        pass

    def finished(self, result: StackResult) -> None:
        pass


def run_stacks(
    graph: StackGraph,
    workspace: Workspace,
    operation: Operation,
    parallel: int = DEFAULT_PARALLEL,
    listener: Listener | None = None,
) -> Report:
    """Run `operation` on every stack of `graph` (see the module docstring for the rules)."""
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    watch: Listener = listener or _Silent()
    walk = graph.reversed() if operation is Operation.DESTROY else graph
    order = walk.order()
    pending = list(order)
    results: dict[str, StackResult] = {}
    running: dict[Future[StackResult], str] = {}

    def finish(result: StackResult) -> None:
        results[result.name] = result
        watch.finished(result)

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="stack") as pool:
        while pending or running:
            for name in list(pending):
                blocked = _blocked_by(walk.needs[name], results)
                if blocked:
                    pending.remove(name)
                    finish(_skipped(name, blocked, operation))
            succeeded = {n for n, r in results.items() if r.status is Status.SUCCEEDED}
            for name in [n for n in pending if walk.needs[n] <= succeeded]:
                if len(running) >= parallel:
                    break
                pending.remove(name)
                watch.started(name)
                running[pool.submit(_run_one, workspace, name, operation, watch)] = name
            if not running:
                break  # everything left was skipped above
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: order.index(running[f])):
                del running[future]
                finish(future.result())
    return Report(operation, tuple(results[n] for n in order))


def _run_one(workspace: Workspace, name: str, operation: Operation, watch: Listener) -> StackResult:
    start = time.monotonic()
    try:
        outcome = workspace.stack(name, operation).run(
            operation, lambda line: watch.output(name, line)
        )
    except Exception as err:  # a stack's failure is reported, never raised past the others
        message = str(err) if isinstance(err, StackFailure) else f"{type(err).__name__}: {err}"
        return StackResult(name, Status.FAILED, message=message, seconds=time.monotonic() - start)
    return StackResult(
        name, Status.SUCCEEDED, dict(outcome.changes), outcome.note, time.monotonic() - start
    )


def _blocked_by(needs: frozenset[str], results: Mapping[str, StackResult]) -> tuple[str, ...]:
    """The failed stacks behind any unsuccessful dependency (a skipped one passes its own on)."""
    roots: set[str] = set()
    for dep in needs:
        result = results.get(dep)
        if result is None or result.status is Status.SUCCEEDED:
            continue
        roots.update(result.blocked_by if result.status is Status.SKIPPED else (dep,))
    return tuple(sorted(roots))


def _skipped(name: str, blocked: tuple[str, ...], operation: Operation) -> StackResult:
    names = ", ".join(blocked)
    message = (
        f"kept: read by {names}, whose destroy failed"
        if operation is Operation.DESTROY
        else f"not run: needs {names}, which failed"
    )
    return StackResult(name, Status.SKIPPED, message=message, blocked_by=blocked)


__all__ = [
    "DEFAULT_PARALLEL",
    "Listener",
    "Operation",
    "Outcome",
    "Report",
    "StackFailure",
    "StackResult",
    "StackRunner",
    "Status",
    "Workspace",
    "run_stacks",
]
