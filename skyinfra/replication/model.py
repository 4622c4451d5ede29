"""The neutral record of one bucket replication (planned in `plan.py`).

Kept apart from the planning pass so that `topology.py` can hold it without importing the
cloud registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from skyinfra.site import Site, replication_stack_name
from skyinfra.spec import replica_name


@dataclass(frozen=True)
class Replication:
    """One replica bucket at `target` kept filled from `source` at `source_site`."""

    source: str
    source_site: Site
    target: Site
    targets: tuple[str, ...]  # the resources at `target` this replica serves
    mechanism: str
    credential: str | None  # what the source cloud issues the mover; None within one cloud
    gb_per_month: float
    post_deploy: tuple[str, ...] = ()  # steps after `pulumi up` that Pulumi cannot take

    @property
    def replica(self) -> str:
        return replica_name(self.source)

    @property
    def stack(self) -> str:
        """The replication stack: `repl-<bucket>--<target stack>` (unique per replica)."""
        return replication_stack_name(self.source, self.target.stack)

    @property
    def name(self) -> str:
        """Logical name of the replication's component (prefixes its resources)."""
        return f"{self.source}-to-{self.target.stack}"
