"""The library's entry points: one function per CLI command, no printing.

load -> place -> plan addresses and links -> build topology; `compile_project` renders it to disk,
`preview_project` runs it under the mock engine. Errors found after loading are located in
the spec file through the loader's source map.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from skyinfra.build import build_topology
from skyinfra.catalog.vms import Catalog, load_catalog
from skyinfra.errors import LockError, Problem, SpecError, located
from skyinfra.files import write_file
from skyinfra.loader import load_spec, read_spec_text, source_of
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement.decision import Placement
from skyinfra.placement.lock import RetiredStack, dump_lock, load_history, recovery_hint
from skyinfra.placement.place import REPLAN_ALL, place
from skyinfra.plan import LOCK_FILE, SPEC_FILE, Plan, load_project_topology
from skyinfra.suggest import did_you_mean

if TYPE_CHECKING:
    from skyinfra.preview import StackPreview

# Re-exported: `Plan`, the compiled project's file names and `load_project_topology` live in
# `skyinfra.plan` (below the stages that use them), and are reached through this module too.
__all__ = [
    "LOCK_FILE",
    "SPEC_FILE",
    "Plan",
    "compile_project",
    "forget_retired",
    "load_project_topology",
    "lock_path",
    "plan_spec",
    "preview_project",
    "retired_stacks",
    "save_lock",
]


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
        previous = _read_text(lock_path(path))
        locked, recorded = _read_lock(previous, lock_path(path))
        unreadable = None
    except LockError as err:
        if REPLAN_ALL not in replan:
            raise
        # `plan --replan` is a way out of a corrupt lock: plan afresh, then rewrite it.
        previous, locked, recorded, unreadable = None, None, NetworkRecord(), err.problems[0]
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
    return Plan(spec, text, path.name, placement, topology, catalog, previous)


def _read_text(path: Path) -> str | None:
    """A lock file's text, or None when there is none; unreadable is a `LockError`."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LockError(
            [Problem(f"unreadable ({err})", hint=recovery_hint(str(path)), file=str(path))]
        ) from None


def _read_lock(text: str | None, path: Path) -> tuple[Placement | None, NetworkRecord]:
    if text is None:
        return None, NetworkRecord()
    history = load_history(text, str(path))  # all of it is checked before anything is planned
    return history.placement, history.record


def retired_stacks(plan: Plan, previous_lock: str | None = None) -> list[RetiredStack]:
    """Stacks that `plan` no longer has but that may still run: those the lock it started
    from (or `previous_lock`, a lock file's text) records, and those retired earlier and not
    yet forgotten (`forget_retired`). For `skyinfra up` to show and destroy."""
    if previous_lock is not None and previous_lock != plan.previous_lock:
        plan = replace(plan, previous_lock=previous_lock)
    return list(plan.lifecycle.retired)


def forget_retired(spec_path: str | Path, done: Iterable[RetiredStack]) -> Path | None:
    """Drop retired stacks (destroyed, or found absent) from the spec's lock file.

    Everything else in the lock is kept as it is; returns the lock's path, or None when
    there is no lock file.
    """
    path = lock_path(spec_path)
    text = _read_text(path)
    if text is None:
        return None
    history = load_history(text, str(path))
    gone = {(r.project, r.stack) for r in done}
    kept = [r for r in history.retired if (r.project, r.stack) not in gone]
    lock = dump_lock(history.placement, history.record, history.project, history.stacks, kept)
    return write_file(path, lock)


def save_lock(spec_path: str | Path, plan: Plan) -> Path:
    """Record the plan's decisions next to the spec (rewritten only when they changed)."""
    return write_file(lock_path(spec_path), plan.lock_text)


def compile_project(
    spec_path: str | Path,
    out_dir: str | Path,
    catalog: Catalog | None = None,
    plan: Plan | None = None,
) -> tuple[Plan, list[Path]]:
    """Write the Pulumi project for the spec into `out_dir` (atomically): the plan and files.

    The decisions compiled are recorded in the spec's lock file, so stacks and lock agree.
    What Pulumi or the user added to existing stack files is kept (`kept_stack_settings`).
    `plan`, when given, is `plan_spec(spec_path, catalog)` already made (a deploy checks it
    before anything is written).
    """
    from skyinfra.render import kept_stack_settings, render_project, write_tree  # jinja2

    # Absolute first: when the spec lives in the project directory (`-o .` in a compiled
    # project), the directory is swapped for a new one and relative paths would dangle.
    spec_path, out_dir = Path(spec_path).resolve(), Path(out_dir).resolve()
    plan = plan or plan_spec(spec_path, catalog)
    files = write_tree(out_dir, kept_stack_settings(out_dir, render_project(plan)))
    save_lock(spec_path, plan)
    return plan, files


def preview_project(
    spec_path: str | Path,
    catalog: Catalog | None = None,
    stacks: str | Collection[str] = (),
    project_dir: str | Path | None = None,
) -> list[StackPreview]:
    """Run every stack of the spec (or only `stacks`) under the mock engine; with the config
    users set in the stack files of the compiled project in `project_dir`, if there is one."""
    from skyinfra.preview import preview_topology  # lazily: pulumi
    from skyinfra.render import with_user_config  # jinja2

    wanted = [stacks] if isinstance(stacks, str) else list(stacks)
    plan = plan_spec(spec_path, catalog)
    configs = plan.stack_configs()
    for stack in wanted:
        if stack not in configs:
            hint = did_you_mean(stack, list(configs))
            raise SpecError(
                f"no stack named {stack!r}"
                + (f" ({hint})" if hint else "")
                + f"; stacks: {', '.join(configs)}"
            )
    if project_dir is not None:
        configs = with_user_config(Path(project_dir), configs)
    return preview_topology(plan.topology, configs, only=wanted or None)
