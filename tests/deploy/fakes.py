"""A fake `Workspace` for orchestration tests: records when each stack starts and ends,
fails the stacks it is told to, and can hold stacks until the test releases them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from skyinfra import api
from skyinfra.deploy.graph import StackGraph, stack_graph
from skyinfra.deploy.orchestrator import Operation, Outcome, StackFailure

TINY = """\
name: tiny
accounts:
  gcp: {project: my-project}
networks:
  core: {cidr: auto}
buckets:
  data:
    placement: {cloud: aws, region: us-east-1}
    replicate_to: [eu]
compute:
  us:
    instance_type: n1-standard-2
    network: core
    placement: {cloud: gcp, region: us-central1}
  eu:
    instance_type: n1-standard-2
    network: core
    placement: {cloud: gcp, region: europe-west4}
  api:
    instance_type: m6i.large
    network: core
    placement: {cloud: aws, region: us-east-1}
flows:
  - {from: api, to: us, gb_per_month: 10}
peering: {links: auto}
"""


def tiny_spec(where: Path) -> Path:
    """Two GCP regions of one network (one owns it), an AWS site linked to one of them by
    VPN (a peering stack), and a bucket replicated from AWS to the other (a replication stack)."""
    path = where / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def tiny_graph(where: Path) -> StackGraph:
    return stack_graph(api.plan_spec(tiny_spec(where)).topology)


class FakeWorkspace:
    """`orchestrator.Workspace`: every run is logged as ("start"|"end", stack, operation)."""

    def __init__(
        self,
        fail: Iterable[str] = (),
        hold: Callable[[str], None] | None = None,
        crash: Iterable[str] = (),
    ) -> None:
        self.fail = set(fail)
        self.crash = set(crash)
        self.hold = hold  # called inside a stack's run, before it ends: may block
        self.log: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.changed = threading.Condition(self.lock)

    def stack(self, name: str, operation: Operation) -> FakeStack:
        return FakeStack(self, name)

    def events(self, kind: str) -> list[str]:
        return [name for k, name, _ in self.log if k == kind]

    def index(self, kind: str, name: str) -> int:
        return next(i for i, (k, n, _) in enumerate(self.log) if (k, n) == (kind, name))


class FakeStack:
    def __init__(self, workspace: FakeWorkspace, name: str) -> None:
        self.workspace = workspace
        self.name = name

    def run(self, operation: Operation, output: Callable[[str], None]) -> Outcome:
        ws = self.workspace
        with ws.changed:
            ws.log.append(("start", self.name, operation.value))
            ws.active += 1
            ws.max_active = max(ws.max_active, ws.active)
            ws.changed.notify_all()
        try:
            output(f"{operation} {self.name}")
            if ws.hold is not None:
                ws.hold(self.name)
            if self.name in ws.crash:
                raise RuntimeError("bug in the runner")
            if self.name in ws.fail:
                raise StackFailure(f"{self.name} broke")
            return Outcome(changes={"create": 2, "same": 0})
        finally:
            with ws.changed:
                ws.log.append(("end", self.name, operation.value))
                ws.active -= 1
                ws.changed.notify_all()
