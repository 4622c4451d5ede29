"""Fakes for deploy tests.

`FakeWorkspace`: an `orchestrator.Workspace` that records when each stack starts and ends,
fails the stacks it is told to, can hold stacks until the test releases them, and reports the
stacks it is told the backend holds.

`FakePulumi`: a `pulumi` executable put first on PATH, under the real Automation API. It records
every invocation (argv, working directory, what the stack's settings file held) and keeps a
tiny backend (stack -> resource count, and the outputs `deploy` gives a stack) in a directory
of its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from skyinfra import api
from skyinfra.deploy.orchestrator import Operation, Outcome, StackFailure
from skyinfra.deploy.order import StackGraph, stack_graph

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
        deployed: Mapping[str, int | None] | None = None,
        log: list[tuple[str, str, str]] | None = None,
    ) -> None:
        self.fail = set(fail)
        self.crash = set(crash)
        self.hold = hold  # called inside a stack's run, before it ends: may block
        self.backend = dict(deployed or {})
        self.log: list[tuple[str, str, str]] = [] if log is None else log  # may be shared
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.changed = threading.Condition(self.lock)

    def stack(self, name: str, operation: Operation) -> FakeStack:
        return FakeStack(self, name)

    def deployed(self) -> dict[str, int | None]:
        return dict(self.backend)

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


FAKE_PULUMI = """\
import fcntl, json, os, sys
from pathlib import Path

home = Path(os.environ["FAKE_PULUMI_HOME"])
held_lock = open(home / "lock", "w")
fcntl.flock(held_lock, fcntl.LOCK_EX)  # stacks run in parallel: one fake at a time
args = [a for a in sys.argv[1:] if a != "--non-interactive"]
backend_file = home / "backend.json"
backend = json.loads(backend_file.read_text()) if backend_file.exists() else {}
stack = args[args.index("--stack") + 1] if "--stack" in args else ""
settings = Path.cwd() / f"Pulumi.{stack}.yaml"
call = {
    "args": args,
    "cwd": os.getcwd(),
    "settings": settings.read_text() if stack and settings.is_file() else None,
    "fallback": os.environ.get("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"),
}
with open(home / "calls.jsonl", "a") as log:
    log.write(json.dumps(call) + "\\n")
fail = set(filter(None, os.environ.get("FAKE_PULUMI_FAIL", "").split(",")))

def save():
    backend_file.write_text(json.dumps(backend))

def events(path, changes, ok):
    with open(path, "a") as out:
        if ok:
            out.write(json.dumps({"sequence": 0, "timestamp": 0,
                                  "summaryEvent": {"resourceChanges": changes}}) + "\\n")
        else:
            out.write(json.dumps({"sequence": 0, "timestamp": 0, "diagnosticEvent": {
                "message": f"error: {stack} broke", "severity": "error"}}) + "\\n")
        out.write(json.dumps({"sequence": 1, "timestamp": 0, "cancelEvent": {}}) + "\\n")

if args[:1] == ["version"]:
    print("v3.200.0")
elif args[:2] == ["stack", "ls"]:
    print(json.dumps([{"name": n, "current": False, "resourceCount": c}
                      for n, c in backend.items()]))
elif args[:2] == ["stack", "select"]:
    if stack not in backend:
        sys.exit(f"error: no stack named '{stack}' found")
elif args[:2] == ["stack", "init"]:
    backend[args[2]] = 0
    save()
    with open(Path.cwd() / f"Pulumi.{args[2]}.yaml", "a") as out:
        out.write(f"encryptionsalt: v1:salt-of-{args[2]}\\n")
elif args[:2] == ["stack", "rm"]:
    del backend[args[-1]]
    save()
    Path(Path.cwd() / f"Pulumi.{args[-1]}.yaml").unlink(missing_ok=True)
elif args[:2] == ["stack", "output"]:
    outputs_file = home / "outputs.json"
    outputs = json.loads(outputs_file.read_text()) if outputs_file.exists() else {}
    print(json.dumps(outputs.get(stack, {})))
elif args[:2] == ["stack", "history"]:
    print(json.dumps([{"kind": "update", "startTime": "2026-01-01T00:00:00.000000Z",
                       "endTime": "2026-01-01T00:01:00.000000Z", "message": "",
                       "environment": {}, "config": {}, "result": "succeeded",
                       "resourceChanges": {"create": 3}}]))
elif args[:1] in (["preview"], ["up"], ["destroy"], ["refresh"]):
    ok = stack not in fail
    log = args[args.index("--event-log") + 1]
    held = backend.get(stack, 0)
    if args[0] == "preview":
        events(log, {"create": 3 - min(held, 3), "same": min(held, 3)}, ok)
    elif args[0] == "destroy":
        events(log, {"delete": held}, ok)
        backend[stack] = 0 if ok else held
    else:
        events(log, {"create": 3}, ok)
        backend[stack] = 3 if ok and args[0] == "up" else held
    save()
    if not ok:
        sys.exit(f"error: {stack} broke")
"""


class FakePulumi:
    """The fake `pulumi` (see the module docstring): install it, then read what it did."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.bin = home / "bin"
        self.bin.mkdir(parents=True)
        script = self.bin / "pulumi"
        script.write_text(f"#!{sys.executable}\n{FAKE_PULUMI}", encoding="utf-8")
        script.chmod(0o755)

    def env(self) -> dict[str, str]:
        """What the environment needs for the fake to be the `pulumi` found and run."""
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_PULUMI_HOME": str(self.home),
        }

    def calls(self) -> list[dict[str, Any]]:
        log = self.home / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def ops(self, *names: str) -> list[tuple[str, str]]:
        """(operation, stack) of every preview/up/refresh/destroy, in the order run."""
        wanted = names or ("preview", "up", "refresh", "destroy")
        return [
            (c["args"][0], c["args"][c["args"].index("--stack") + 1])
            for c in self.calls()
            if c["args"][0] in wanted
        ]

    def deploy(self, stack: str, outputs: dict[str, Any], resources: int = 3) -> None:
        """Make the fake backend hold `stack`, deployed, with these stack outputs."""
        backend = self.backend | {stack: resources}
        (self.home / "backend.json").write_text(json.dumps(backend))
        path = self.home / "outputs.json"
        held = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(held | {stack: outputs}))

    @property
    def backend(self) -> dict[str, int]:
        path = self.home / "backend.json"
        return json.loads(path.read_text()) if path.exists() else {}
