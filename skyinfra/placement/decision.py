"""The records placement produces: a `Decision` per resource and the `Placement` of them all.

Pure data: what a decision costs and whether moving it loses data come from its kind's
descriptor (`skyinfra.kinds`), which sits above these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skyinfra.placement.problem import Option, PlacementProblem, Solution
from skyinfra.site import Site


@dataclass(frozen=True)
class Decision:
    """Where one resource runs; for compute groups also the VM type and its price."""

    name: str
    kind: str  # the name of its kind (`skyinfra.kinds`): "bucket", "compute"
    site: Site
    instance_type: str | None = None
    hourly_cost: float | None = None  # whole compute group, USD/h; None = not in the catalog
    storage_monthly: float | None = None  # buckets: USD per month for their size


@dataclass(frozen=True)
class Placement:
    """A decision per resource; with the optimisation it came from, when there was one."""

    decisions: dict[str, Decision]
    problem: PlacementProblem | None = None
    solution: Solution | None = None
    moves: dict[str, tuple[Site, Site]] = field(default_factory=dict)  # name -> (from, to)
    warnings: tuple[str, ...] = ()
    candidates: dict[str, list[Option]] = field(default_factory=dict)  # before locks narrowed them
    sticky: frozenset[str] = frozenset()  # resources held at their locked site
    # `peering.mode: auto`: the mode chosen for each link between clouds, (a, b) with a < b
    link_modes: dict[tuple[Site, Site], str] = field(default_factory=dict)

    def site_of(self, name: str) -> Site:
        return self.decisions[name].site

    @property
    def sites(self) -> list[Site]:
        return sorted({d.site for d in self.decisions.values()})
