"""The summary a run ends with and the lines stderr gets."""

from __future__ import annotations

from rich.console import Console

from skyinfra.deploy.orchestrator import Operation, Report, StackResult, Status
from skyinfra.deploy.progress import failure_lines, format_changes, summary_table

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
    rows = [" ".join(line.replace("│", " ").split()) for line in console.export_text().splitlines()]
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
