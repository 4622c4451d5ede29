"""The `Kind` descriptor: everything the stages need to know about one neutral resource kind.

A kind (network, bucket, compute group; later a managed database, a load balancer, ...) is
declared once, in its own module of this package: its spec section and model, its plan
record, its frozen component token and stack-output key, whether moving it loses data, and
its behaviour in each stage (candidates and decisions, topology plans, report row, graph
node, guardrail intent). The stages (`spec_checks`, `placement.place`, `build`, `program`,
`report`, `graph`, `guardrails`) loop over `skyinfra.kinds.KINDS` and never name a kind.

Layering: descriptors sit above the pure records and helpers they use (spec models, topology
plans, tokens, catalog, candidate helpers) and below the drivers that loop over them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skyinfra.catalog.vms import Catalog
from skyinfra.diagram import Node, NodeStyle
from skyinfra.errors import KeyPath, Problem
from skyinfra.guardrails.model import Intent
from skyinfra.peering.ipam import ConcreteNetwork
from skyinfra.peering.model import LinkPlan
from skyinfra.placement.candidates import Scope
from skyinfra.placement.decision import Decision, Placement
from skyinfra.placement.problem import Option
from skyinfra.replication.model import Replication
from skyinfra.site import Site
from skyinfra.spec import Model, Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import Grant, StackPlan

__all__ = ["Kind", "PlanInputs", "unknown_name"]


@dataclass(frozen=True)
class PlanInputs:
    """What building a stack's plans reads: the spec, its placement and the network plan."""

    spec: Spec
    placement: Placement
    cidrs: Mapping[ConcreteNetwork, str]  # every concrete network's address range
    links: LinkPlan
    homes: Mapping[ConcreteNetwork, str]  # networks spanning regions: the stack creating them
    replications: tuple[Replication, ...] = ()


@dataclass(frozen=True, eq=False)
class Kind:
    """One neutral resource kind; subclasses override the stages it takes part in.

    `name` is what decisions, lock files (`kind:`), report rows and graph nodes call it;
    `section` is both the spec's key and the `StackPlan` field holding its plans; `output_key`
    the stack output other stacks read its lowered outputs from. `placed` kinds are sited by
    the optimiser (they have candidates and decisions); the others are derived from them
    (a network exists wherever a group attached to it runs).
    """

    name: str
    section: str
    title: str  # in messages and the report: "compute group"
    model: type[Model]
    plan_type: type
    token: str  # frozen: in every URN (`skyinfra.tokens`)
    output_key: str
    stateful: bool = False  # moving it destroys its data
    placed: bool = True
    styles: Mapping[str, NodeStyle] = field(default_factory=dict)  # graph node kind -> style
    draw_order: int = 0  # where its styles come in emitted pictures (kept: outputs are stable)

    # -- spec -------------------------------------------------------------------------------

    def resources(self, spec: Spec) -> Mapping[str, Any]:
        """This kind's resources in `spec`, by name, in spec order."""
        resources: Mapping[str, Any] = getattr(spec, self.section)
        return resources

    def reference_problems(self, spec: Spec, known: Mapping[str, Any]) -> list[Problem]:
        """Cross-references of this kind's resources that `spec` does not satisfy
        (`known`: every placed resource of the spec, by name)."""
        return []

    # -- placement --------------------------------------------------------------------------

    def options(self, spec: Spec, name: str, scope: Scope, catalog: Catalog) -> list[Option]:
        """Every site resource `name` may run on within `scope`, priced (placed kinds)."""
        raise NotImplementedError(f"{self.title}s are not placed by the optimiser")

    def decide(self, spec: Spec, name: str, option: Option) -> Decision:
        """The decision recording that `name` runs as `option` says."""
        return Decision(name, self.name, option.site)

    def monthly_cost(self, decision: Decision) -> float | None:
        """USD per month of a decided resource (None: not in the catalog)."""
        return None

    def keep_offer(
        self, spec: Spec, catalog: Catalog, name: str, old: Decision, option: Option
    ) -> Option:
        """`option` at a locked site, adjusted to keep what the lock recorded there."""
        return option

    def placement_problems(self, spec: Spec, decisions: Mapping[str, Decision]) -> list[Problem]:
        """What the chosen sites cannot provide for this kind's resources."""
        return []

    # -- topology and lowering --------------------------------------------------------------

    def stack_plans(self, inputs: PlanInputs, site: Site) -> tuple[Any, ...]:
        """The plans of this kind that the stack at `site` lowers."""
        here = {n for n, d in inputs.placement.decisions.items() if d.site == site}
        return tuple(
            self.plan(inputs, name, site) for name in self.resources(inputs.spec) if name in here
        )

    def plan(self, inputs: PlanInputs, name: str, site: Site) -> Any:
        """The plan of resource `name` placed at `site`."""
        raise NotImplementedError(self.name)

    def plans(self, stack: StackPlan) -> tuple[Any, ...]:
        """This kind's plans in `stack`."""
        plans: tuple[Any, ...] = getattr(stack, self.section)
        return plans

    def attached_to(self, plan: Any) -> tuple[str, str] | None:
        """(kind name, resource name) whose lowered outputs this plan's lowering receives."""
        return None

    def granted(self, plan: Any) -> tuple[Grant, ...]:
        """The grants on buckets (of its own cloud, or federated from another) whose outputs
        its lowering receives."""
        return ()

    def home(self, plan: Any) -> str | None:
        """The stack that creates this resource when another stack does (read by reference)."""
        return None

    # -- presentation and guardrails --------------------------------------------------------

    def report_row(self, spec: Spec, decision: Decision) -> dict[str, Any]:
        """This kind's own columns of its `plan --json` placement row."""
        return {}

    def graph_nodes(
        self, plans: tuple[Any, ...], stack: StackPlan, report: Mapping[str, Any]
    ) -> list[Node]:
        """The graph nodes of this kind's `plans` in `stack` (`report`: `plan --json`)."""
        return []

    def intent(self, project: str, stack: StackPlan, plan: Any) -> Intent:
        """What the spec grants this resource on purpose, which guardrails must not flag."""
        return Intent()


def unknown_name(what: str, name: str, known: list[str], path: KeyPath) -> Problem:
    """`unknown network 'x' (known: a, b)`, with a did-you-mean hint."""
    hint = did_you_mean(name, known)
    listing = ", ".join(sorted(known)) or "none defined"
    return Problem(f"unknown {what} {name!r} (known: {listing})", path, hint)
