"""The summary a run ends with and the lines stderr gets."""

from __future__ import annotations

from rich.console import Console

from skyinfra.deploy.orchestrator import Operation, Report, StackResult, Status
from skyinfra.deploy.progress import (
    failure_lines,
    format_changes,
    plan_counts,
    plan_line,
    plan_table,
    plan_totals,
    summary_table,
)

REPORT = Report(
    Operation.UP,
    (
        StackResult("aws-us-east-1", Status.SUCCEEDED, {"create": 12, "same": 0}, seconds=61),
        StackResult("gcp-us-central1", Status.FAILED, message="quota exceeded", seconds=3),
        StackResult(
            "peer-a--b",
            Status.SKIPPED,
            message="not run: needs gcp-us-central1, which failed",
            blocked_by=("gcp-us-central1",),
        ),
    ),
)


def test_summary_table_has_a_row_per_stack_with_changes_time_and_reason() -> None:
    console = Console(width=200, record=True)
    console.print(summary_table(REPORT))
    text = console.export_text().replace("│", " ")
    rows = [" ".join(line.split()) for line in text.splitlines()]
    assert "aws-us-east-1 succeeded create 12 61s" in rows
    assert "gcp-us-central1 failed - 3s quota exceeded" in rows
    assert "peer-a--b skipped - - not run: needs gcp-us-central1, which failed" in rows


def test_failure_lines_name_the_failed_and_the_skipped() -> None:
    assert failure_lines(REPORT) == [
        "gcp-us-central1 failed: quota exceeded",
        "skipped because of those failures: peer-a--b",
    ]
    assert REPORT.exit_code == 1


def test_format_changes_drops_zero_counts() -> None:
    assert format_changes({"update": 1, "create": 3, "same": 0}) == "create 3, update 1"
    assert format_changes({}) == ""


PREVIEW = Report(
    Operation.PREVIEW,
    (
        StackResult("a", Status.SUCCEEDED, {"create": 2, "update": 1, "same": 9}),
        StackResult("b", Status.SUCCEEDED, {"replace": 1, "create-replacement": 1, "delete": 3}),
        StackResult("c", Status.SUCCEEDED, {"same": 4}),
    ),
)


def test_the_plan_counts_a_replacement_once_as_an_add_and_a_destroy() -> None:
    assert plan_counts(PREVIEW.results[1].changes) == {
        "create": 0,
        "update": 0,
        "replace": 1,
        "delete": 3,
    }
    assert plan_totals(PREVIEW) == (3, 1, 4)
    assert plan_line(PREVIEW) == "Plan: 3 to add, 1 to change, 4 to destroy."


def test_the_plan_table_lists_previewed_waiting_and_retired_stacks() -> None:
    console = Console(width=200, record=True)
    console.print(plan_table(PREVIEW, {"p": "not previewed: reads a"}, {"old": 7}, "retired"))
    text = console.export_text().replace("│", " ")
    rows = [" ".join(line.split()) for line in text.splitlines()]
    assert "a 2 1 0 0" in rows
    assert "b 0 0 1 3" in rows
    assert "c 0 0 0 0 no changes" in rows
    assert "p ? ? ? ? not previewed: reads a" in rows
    assert "old 0 0 0 7 retired" in rows
