"""The library's entry points: one function per CLI command, no printing.

load -> place -> plan addresses and links -> build topology; `compile_project` renders it to disk,
`preview_project` runs it under the mock engine. Errors found after loading are located in
the spec file through the loader's source map.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from skyinfra.build import (
    build_topology,
    network_record,
    peering_config,
    replication_config,
    stack_config,
)
from skyinfra.catalog import Catalog, load_catalog
from skyinfra.errors import LockError, Problem, SpecError, located
from skyinfra.loader import load_spec, parse_spec, read_spec_text, source_of
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement import REPLAN_ALL, Placement, place
from skyinfra.placement.lock import dump_lock, load_lock, recovery_hint
from skyinfra.spec import Spec
from skyinfra.topology import Topology

if TYPE_CHECKING:
    from skyinfra.preview import StackPreview

SPEC_FILE = "skyinfra.yaml"
LOCK_FILE = "skyinfra.lock"


@dataclass(frozen=True)
class Plan:
    """Everything decided for a spec: placement, and the per-stack topology with its links."""

    spec: Spec
    spec_text: str
    spec_name: str
    placement: Placement
    topology: Topology
    catalog: Catalog | None = None

    @property
    def lock_text(self) -> str:
        return dump_lock(self.placement, network_record(self.topology))

    def stack_configs(self) -> dict[str, dict[str, str]]:
        """Config of every stack: cloud stacks, then peering and replication stacks."""
        configs = {s.name: stack_config(s) for s in self.topology.stacks}
        for name in self.topology.peering_stack_names:
            configs[name] = peering_config(self.topology, name)
        for r in self.topology.replications:
            configs[r.stack] = replication_config(self.topology, r)
        return configs


def lock_path(spec_path: str | Path) -> Path:
    """Where a spec's decisions are recorded: `sky.yaml` -> `sky.lock`, beside it."""
    return Path(spec_path).with_suffix(".lock")


def plan_spec(
    spec_path: str | Path, catalog: Catalog | None = None, replan: Collection[str] = ()
) -> Plan:
    """Load, validate and place the spec at `spec_path`, keeping what its lock file records."""
    path = Path(spec_path)
    spec = load_spec(path)
    catalog = catalog or load_catalog(None)
    try:
        locked, recorded = _read_lock(lock_path(path))
        unreadable = None
    except LockError as err:
        if REPLAN_ALL not in replan:
            raise
        # `plan --replan` is a way out of a corrupt lock: plan afresh, then rewrite it.
        locked, recorded, unreadable = None, NetworkRecord(), err.problems[0]
    with located(source_of(spec)):
        placement = place(spec, catalog, locked, replan)
        topology = build_topology(spec, placement, recorded)
    if unreadable is not None:
        warning = (
            f"{lock_path(path)} could not be read ({unreadable.message}): every placement and "
            "address range was decided afresh"
        )
        placement = replace(placement, warnings=(warning, *placement.warnings))
    text = read_spec_text(path)
    return Plan(spec, text, path.name, placement, topology, catalog)


def _read_lock(path: Path) -> tuple[Placement | None, NetworkRecord]:
    if not path.is_file():
        return None, NetworkRecord()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LockError(
            [Problem(f"unreadable ({err})", hint=recovery_hint(str(path)), file=str(path))]
        ) from None
    return load_lock(text, str(path))


def save_lock(spec_path: str | Path, plan: Plan) -> Path:
    """Record the plan's decisions next to the spec (rewritten only when they changed)."""
    from skyinfra.render import write_file

    return write_file(lock_path(spec_path), plan.lock_text)


def compile_project(
    spec_path: str | Path, out_dir: str | Path, catalog: Catalog | None = None
) -> tuple[Plan, list[Path]]:
    """Write the Pulumi project for the spec into `out_dir` (atomically): the plan and files.

    The decisions compiled are recorded in the spec's lock file, so stacks and lock agree.
    What Pulumi or the user added to existing stack files is kept (`kept_stack_settings`).
    """
    from skyinfra.render import kept_stack_settings, render_project, write_tree

    # Absolute first: when the spec lives in the project directory (`-o .` in a compiled
    # project), the directory is swapped for a new one and relative paths would dangle.
    spec_path, out_dir = Path(spec_path).resolve(), Path(out_dir).resolve()
    plan = plan_spec(spec_path, catalog)
    files = write_tree(out_dir, kept_stack_settings(out_dir, render_project(plan)))
    save_lock(spec_path, plan)
    return plan, files


def preview_project(
    spec_path: str | Path, catalog: Catalog | None = None, stack: str | None = None
) -> list[StackPreview]:
    """Run every stack (or `stack`) of the spec under the mock engine."""
    from skyinfra.preview import preview_topology

    plan = plan_spec(spec_path, catalog)
    names = list(plan.stack_configs())
    if stack is not None and stack not in names:
        raise SpecError(f"no stack named {stack!r}; stacks: {', '.join(names)}")
    return preview_topology(plan.topology, plan.stack_configs(), only=stack)


def load_project_topology(project_dir: Path) -> Topology:
    """The Topology of a compiled project, from its spec copy and lock file (no catalog)."""
    spec_path = project_dir / SPEC_FILE
    spec = parse_spec(spec_path.read_text(encoding="utf-8"), str(spec_path))
    lock = project_dir / LOCK_FILE
    placement, recorded = load_lock(
        lock.read_text(encoding="utf-8"),
        str(lock),
        recover="this is the compiled project's copy: recompile the project (`skyinfra compile`)",
    )
    with located(source_of(spec)):
        return build_topology(spec, placement, recorded)
