"""What the user sees while stacks run: a live table on a terminal, plain lines otherwise
(CI logs), and a summary table at the end.

`Progress` is the orchestrator's `Listener`; `output` arrives from worker threads, so state
changes are taken under a lock and the live table renders a snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from types import TracebackType

from rich.console import Console, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from skyinfra.deploy.orchestrator import Operation, Report, StackResult, Status

_STYLE = {
    "waiting": "dim",
    "running": "cyan",
    Status.SUCCEEDED: "green",
    Status.FAILED: "bold red",
    Status.SKIPPED: "yellow",
}


class Progress:
    """Live per-stack status: waiting, running (with its latest step), then the result."""

    def __init__(self, console: Console, operation: Operation, names: list[str]) -> None:
        self.console = console
        self.operation = operation
        self.names = names
        self.state: dict[str, str] = dict.fromkeys(names, "waiting")
        self.latest: dict[str, str] = {}
        self.started_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def started(self, name: str) -> None:
        with self._lock:
            self.state[name] = "running"
            self.started_at[name] = time.monotonic()
        self._plain(f"{name}: {self.operation} started")

    def output(self, name: str, line: str) -> None:
        with self._lock:
            self.latest[name] = line
        self._plain(f"{name}: {line}")

    def finished(self, result: StackResult) -> None:
        with self._lock:
            self.state[result.name] = result.status
            self.latest[result.name] = result.message or format_changes(result.changes)
        detail = result.message or format_changes(result.changes)
        self._plain(f"{result.name}: {result.status}" + (f" ({detail})" if detail else ""))

    def _plain(self, text: str) -> None:
        if self._live is None:
            self.console.print(escape(text), highlight=False, soft_wrap=True)

    def __rich__(self) -> RenderableType:
        with self._lock:
            rows = [
                (n, self.state[n], self.latest.get(n, ""), self.started_at.get(n))
                for n in self.names
            ]
        table = Table(title=f"skyinfra {self.operation}", expand=False)
        for column in ("stack", "status", "time", "latest"):
            table.add_column(column)
        now = time.monotonic()
        for name, state, latest, start in rows:
            took = f"{now - start:,.0f}s" if start is not None and state == "running" else ""
            table.add_row(name, f"[{_STYLE[state]}]{state}[/]", took, escape(latest[:100]))
        return table


def format_changes(changes: Mapping[str, int]) -> str:
    """`{"create": 3, "same": 0}` -> `create 3`; empty when nothing changed."""
    return ", ".join(f"{op} {n}" for op, n in sorted(changes.items()) if n)


def summary_table(report: Report) -> Table:
    """One row per stack, in run order: status, changes, duration, why it failed or waited."""
    table = Table(title=f"skyinfra {report.operation}: summary")
    for column in ("stack", "status", "changes", "time", "details"):
        table.add_column(column, justify="right" if column == "time" else "left")
    for r in report.results:
        took = f"{r.seconds:,.0f}s" if r.status is not Status.SKIPPED else "-"
        table.add_row(
            r.name,
            f"[{_STYLE[r.status]}]{r.status}[/]",
            format_changes(r.changes) or "-",
            took,
            escape(r.message),
        )
    return table


def failure_lines(report: Report) -> list[str]:
    """For stderr: each failed stack with its reason, then the stacks that did not run."""
    lines = [f"{r.name} failed: {r.message}" for r in report.with_status(Status.FAILED)]
    skipped = report.with_status(Status.SKIPPED)
    if skipped:
        lines.append("skipped because of those failures: " + ", ".join(r.name for r in skipped))
    return lines


PLAN_COLUMNS = ("create", "update", "replace", "delete")
# The steps of one replacement: counted once, whichever of them the engine's summary reports.
_REPLACE_STEPS = ("replace", "create-replacement", "delete-replaced")


def plan_counts(changes: Mapping[str, int]) -> dict[str, int]:
    """A preview's change summary as the plan's columns."""
    counts = {op: changes.get(op, 0) for op in PLAN_COLUMNS}
    counts["replace"] = max(changes.get(op, 0) for op in _REPLACE_STEPS)
    return counts


def plan_totals(report: Report) -> tuple[int, int, int]:
    """(to add, to change, to destroy) over the previewed stacks; a replacement is one add
    and one destroy, as Terraform counts it."""
    add = change = destroy = 0
    for r in report.results:
        counts = plan_counts(r.changes)
        add += counts["create"] + counts["replace"]
        change += counts["update"]
        destroy += counts["delete"] + counts["replace"]
    return add, change, destroy


def plan_line(report: Report) -> str:
    add, change, destroy = plan_totals(report)
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


def resource_count(count: int | None) -> str:
    return "? resources" if count is None else f"{count} resource{'' if count == 1 else 's'}"


def plan_table(
    preview: Report,
    not_previewed: Mapping[str, str],
    retired: Mapping[str, int | None],
    retired_note: str,
) -> Table:
    """What `up` would do, per stack: the previewed changes, the stacks that could not be
    previewed (and why), then the retired stacks with what they hold."""
    table = Table(title="skyinfra up: plan")
    table.add_column("stack")
    for op in PLAN_COLUMNS:
        table.add_column(f"to {op}", justify="right")
    table.add_column("details")
    for r in preview.results:
        counts = plan_counts(r.changes)
        detail = "" if any(counts.values()) else "no changes"
        table.add_row(r.name, *(str(n) for n in counts.values()), detail)
    for name, why in not_previewed.items():
        table.add_row(name, *["?"] * len(PLAN_COLUMNS), escape(why))
    for name, count in retired.items():
        held = "?" if count is None else str(count)
        table.add_row(f"[yellow]{name}[/]", "0", "0", "0", held, escape(retired_note))
    return table


def results_json(report: Report | None) -> list[dict[str, object]]:
    """Every stack's result, for `--json`."""
    if report is None:
        return []
    return [
        {
            "stack": r.name,
            "status": str(r.status),
            "changes": dict(r.changes),
            "message": r.message,
            "seconds": round(r.seconds, 1),
        }
        for r in report.results
    ]


def plan_json(preview: Report, not_previewed: Mapping[str, str]) -> dict[str, object]:
    """The plan of `up` for `--json`: per stack its counts (null: not previewed)."""
    add, change, destroy = plan_totals(preview)
    stacks: list[dict[str, object]] = [
        {"stack": r.name, "changes": plan_counts(r.changes)} for r in preview.results
    ]
    stacks += [{"stack": n, "changes": None, "note": why} for n, why in not_previewed.items()]
    return {"stacks": stacks, "add": add, "change": change, "destroy": destroy}


def held_json(held: Mapping[str, int | None]) -> list[dict[str, object]]:
    """Stacks with the resources the backend counts in them, for `--json`."""
    return [{"stack": n, "resources": c} for n, c in held.items()]
