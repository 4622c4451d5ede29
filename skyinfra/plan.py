"""A plan: everything decided for a spec, and how a compiled project gets its topology back.

Neutral data plus the lock/config views of it; below the stages that consume a plan (render,
report, graph, the Pulumi program, the policy pack) and `api`, which sequences them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from skyinfra.build import build_topology, network_record
from skyinfra.catalog.vms import Catalog
from skyinfra.errors import located
from skyinfra.loader import parse_spec, source_of
from skyinfra.placement.decision import Placement
from skyinfra.placement.lock import dump_lock, load_history, load_lock
from skyinfra.placement.retired import Lifecycle, lifecycle, stack_contents
from skyinfra.spec import Spec
from skyinfra.stacks import stack_configs
from skyinfra.topology import Topology

SPEC_FILE = "skyinfra.yaml"
LOCK_FILE = "skyinfra.lock"
# Where a compiled project keeps the files its spec copy reads (`startup_script: {file:}`),
# under their paths relative to the spec: `pulumi up` needs nothing outside the project.
FILES_DIR = "files"


@dataclass(frozen=True)
class Plan:
    """Everything decided for a spec: placement, and the per-stack topology with its links."""

    spec: Spec
    spec_text: str
    spec_name: str
    placement: Placement
    topology: Topology
    catalog: Catalog | None = None
    previous_lock: str | None = None  # the lock file this plan started from, as it was read

    @property
    def lock_text(self) -> str:
        return dump_lock(
            self.placement,
            network_record(self.topology),
            self.spec.name,
            stack_contents(self.topology),
            self.lifecycle.retired,
        )

    @cached_property
    def lifecycle(self) -> Lifecycle:
        """Retired stacks and moves against the previous lock, with their warnings."""
        previous = None if self.previous_lock is None else load_history(self.previous_lock)
        homes = network_record(self.topology).homes
        return lifecycle(previous, self.spec, self.placement, self.topology, homes)

    def stack_configs(self) -> dict[str, dict[str, str]]:
        """Config of every stack: cloud stacks, then peering and replication stacks."""
        return stack_configs(self.topology)


def load_project_topology(project_dir: Path) -> Topology:
    """The Topology of a compiled project, from its spec copy and lock file (no catalog)."""
    spec_path = project_dir / SPEC_FILE
    text = spec_path.read_text(encoding="utf-8")
    spec = parse_spec(text, str(spec_path), files_dir=project_dir / FILES_DIR)
    lock = project_dir / LOCK_FILE
    placement, recorded = load_lock(
        lock.read_text(encoding="utf-8"),
        str(lock),
        recover="this is the compiled project's copy: recompile the project (`skyinfra compile`)",
    )
    with located(source_of(spec)):
        return build_topology(spec, placement, recorded)
