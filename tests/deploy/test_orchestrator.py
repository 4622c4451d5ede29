"""Scheduling over a fake workspace: order, bounded parallelism, failures, reverse destroy."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from skyinfra.deploy.orchestrator import Operation, StackResult, Status, run_stacks
from skyinfra.deploy.order import StackGraph
from skyinfra.stacks import CLOUD
from tests.deploy.fakes import FakeWorkspace, tiny_graph

PEER = "peer-aws-us-east-1--gcp-us-central1"
REPL = "repl-data--gcp-europe-west4"
WAIT = 10  # seconds a test waits for an event that must happen (a failure, not a pace)


def flat(*names: str) -> StackGraph:
    """Independent stacks."""
    return StackGraph(dict.fromkeys(names, frozenset()), dict.fromkeys(names, CLOUD))


class Recorder:
    """A listener keeping every call, in order; given the graph a run walks, it checks that the
    scheduler starts a stack only after reporting every stack it needs as succeeded."""

    def __init__(self, walk: StackGraph | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.walk = walk
        self.early: list[str] = []

    def started(self, name: str) -> None:
        with self.lock:
            self.calls.append(("started", name))
            done = {n for kind, n in self.calls if kind == "succeeded"}
            if self.walk is not None and not self.walk.needs[name] <= done:
                self.early.append(name)

    def output(self, name: str, line: str) -> None:
        with self.lock:
            self.calls.append(("output", name))

    def finished(self, result: StackResult) -> None:
        with self.lock:
            self.calls.append((result.status.value, result.name))


@pytest.mark.parametrize("parallel", [1, 2, 5])
def test_no_stack_starts_before_its_dependencies_succeeded(tmp_path: Path, parallel: int) -> None:
    graph = tiny_graph(tmp_path)
    workspace = FakeWorkspace()
    listener = Recorder(graph)
    report = run_stacks(graph, workspace, Operation.UP, parallel, listener)
    assert report.exit_code == 0
    assert listener.early == []
    assert {r.name: r.status for r in report.results} == dict.fromkeys(
        graph.names, Status.SUCCEEDED
    )
    assert sorted(workspace.events("start")) == sorted(graph.names)  # each ran once
    for name, deps in graph.needs.items():
        for dep in deps:
            assert workspace.index("end", dep) < workspace.index("start", name), (dep, name)
    assert report.results[0].changes == {"create": 2, "same": 0}
    assert ("output", PEER) in listener.calls and ("succeeded", PEER) in listener.calls


def test_parallelism_is_used_up_to_the_bound_and_never_beyond() -> None:
    names = [f"s{i}" for i in range(6)]
    release = {n: threading.Event() for n in names}
    workspace = FakeWorkspace(hold=lambda name: release[name].wait(WAIT))
    listener = Recorder()
    result: list[int] = []
    runner = threading.Thread(
        target=lambda: result.append(
            run_stacks(flat(*names), workspace, Operation.UP, 3, listener).exit_code
        )
    )
    runner.start()
    for _ in names:
        with workspace.changed:
            # Nothing ends before the test releases it: a scheduler that uses its threads
            # reaches 3 running (or all that are left), one that ignores the bound exceeds it.
            left = len(names) - len(workspace.events("end"))
            assert workspace.changed.wait_for(
                lambda left=left: workspace.active >= min(3, left), WAIT
            )
            assert workspace.active <= 3
            running = [n for n in workspace.events("start") if n not in workspace.events("end")]
        release[running[0]].set()
        with workspace.changed:
            workspace.changed.wait_for(lambda n=running[0]: n in workspace.events("end"), WAIT)
    runner.join(WAIT)
    assert result == [0]
    assert workspace.max_active == 3
    # What the user is shown as running is what runs: never more than 3 started, unfinished.
    shown = 0
    for kind, _ in listener.calls:
        shown += {"started": 1, "succeeded": -1}.get(kind, 0)
        assert shown <= 3


def test_a_failure_skips_its_dependants_and_independent_stacks_finish(tmp_path: Path) -> None:
    graph = tiny_graph(tmp_path)
    failed = threading.Event()
    listener = Recorder()

    class Watch(Recorder):
        def finished(self, result: StackResult) -> None:
            listener.finished(result)
            if result.status is Status.FAILED:
                failed.set()

    # aws-us-east-1 is still running when gcp-europe-west4 fails: it must run to the end.
    workspace = FakeWorkspace(
        fail=["gcp-europe-west4"],
        hold=lambda name: name == "aws-us-east-1" and failed.wait(WAIT),
    )
    report = run_stacks(graph, workspace, Operation.UP, parallel=2, listener=Watch())
    status = {r.name: r.status for r in report.results}
    assert status == {
        "aws-us-east-1": Status.SUCCEEDED,
        "gcp-europe-west4": Status.FAILED,
        "gcp-us-central1": Status.SKIPPED,
        PEER: Status.SKIPPED,  # through gcp-us-central1: the root cause is named
        REPL: Status.SKIPPED,
    }
    skipped = {r.name: r for r in report.with_status(Status.SKIPPED)}
    assert all(r.blocked_by == ("gcp-europe-west4",) for r in skipped.values())
    assert skipped[PEER].message == "not run: needs gcp-europe-west4, which failed"
    assert sorted(workspace.events("start")) == ["aws-us-east-1", "gcp-europe-west4"]
    assert report.exit_code == 1
    assert failed.is_set() and workspace.index("end", "gcp-europe-west4") < workspace.index(
        "end", "aws-us-east-1"
    )
    failure = next(r for r in report.results if r.status is Status.FAILED)
    assert failure.message == "gcp-europe-west4 broke"


def test_destroy_runs_readers_first_and_a_failure_keeps_what_it_reads(tmp_path: Path) -> None:
    graph = tiny_graph(tmp_path)
    workspace = FakeWorkspace()
    listener = Recorder(graph.reversed())
    report = run_stacks(graph, workspace, Operation.DESTROY, parallel=3, listener=listener)
    assert report.exit_code == 0
    assert listener.early == []
    assert [r.name for r in report.results] == graph.reversed().order()
    for name, deps in graph.needs.items():
        for dep in deps:  # `name` reads `dep`: `dep` goes only after `name` is gone
            assert workspace.index("end", name) < workspace.index("start", dep), (name, dep)
    assert {op for _, _, op in workspace.log} == {"destroy"}

    workspace = FakeWorkspace(fail=[PEER])
    report = run_stacks(graph, workspace, Operation.DESTROY, parallel=3)
    status = {r.name: r.status for r in report.results}
    assert status == {
        PEER: Status.FAILED,
        REPL: Status.SUCCEEDED,
        "aws-us-east-1": Status.SKIPPED,  # still read by the peering stack
        "gcp-us-central1": Status.SKIPPED,
        "gcp-europe-west4": Status.SKIPPED,  # read by gcp-us-central1, which is kept
    }
    kept = {r.name: r.message for r in report.with_status(Status.SKIPPED)}
    assert kept["gcp-europe-west4"] == f"kept: read by {PEER}, whose destroy failed"
    assert report.exit_code == 1


def test_an_unexpected_runner_error_is_a_failure_not_a_crash() -> None:
    report = run_stacks(flat("a", "b"), FakeWorkspace(crash=["a"]), Operation.REFRESH, 1)
    assert [(r.name, r.status) for r in report.results] == [
        ("a", Status.FAILED),
        ("b", Status.SUCCEEDED),
    ]
    assert report.results[0].message == "RuntimeError: bug in the runner"
    assert report.exit_code == 1


def test_parallel_must_be_positive() -> None:
    with pytest.raises(ValueError):
        run_stacks(flat("a"), FakeWorkspace(), Operation.UP, 0)
