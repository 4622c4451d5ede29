"""The registry of neutral resource kinds: one descriptor each (`base.Kind`), in lowering order.

Adding a kind: a module here declaring its descriptor, listed in `KINDS`; its token in
`skyinfra/tokens.py`; its spec model and plan record; one lowering per cloud; its prices; one
test module. Every stage loops over `KINDS` (see `base.py`).
"""

from __future__ import annotations

from typing import Any

from skyinfra.diagram import NodeStyle
from skyinfra.kinds.base import Kind, PlanInputs
from skyinfra.kinds.bucket import BUCKET
from skyinfra.kinds.compute import COMPUTE
from skyinfra.kinds.network import NETWORK
from skyinfra.placement.decision import Decision
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean

__all__ = [
    "KINDS",
    "Kind",
    "PlanInputs",
    "is_stateful",
    "kind_for_plan",
    "kind_for_section",
    "kind_named",
    "kind_of",
    "monthly_cost",
    "node_styles",
    "placed_kinds",
    "placed_titles",
    "workloads",
]

# Lowering order: a kind's lowering may read the outputs of kinds before it (a compute group
# its network's).
KINDS: tuple[Kind, ...] = (NETWORK, BUCKET, COMPUTE)


def _lookup(value: str, key: str, what: str) -> Kind:
    for kind in KINDS:
        if getattr(kind, key) == value:
            return kind
    known = [str(getattr(k, key)) for k in KINDS]
    hint = did_you_mean(value, known) or f"known: {', '.join(known)}"
    raise KeyError(f"unknown {what} {value!r}: {hint}")


def kind_named(name: str) -> Kind:
    """The kind called `name` ("compute"); a KeyError with did-you-mean otherwise."""
    return _lookup(name, "name", "resource kind")


def kind_for_section(section: str) -> Kind:
    """The kind whose spec section is `section` ("buckets")."""
    return _lookup(section, "section", "spec section")


def kind_for_plan(plan: object) -> Kind:
    """The kind whose plan record `plan` is."""
    for kind in KINDS:
        if isinstance(plan, kind.plan_type):
            return kind
    raise KeyError(f"{type(plan).__name__} is the plan of no resource kind")


def placed_kinds() -> tuple[Kind, ...]:
    """The kinds the optimiser places, in `KINDS` order."""
    return tuple(k for k in KINDS if k.placed)


def kind_of(spec: Spec, name: str) -> Kind | None:
    """The kind of the resource called `name` in `spec` (names are unique across kinds)."""
    return next((k for k in KINDS if name in k.resources(spec)), None)


def workloads(spec: Spec) -> dict[str, Any]:
    """Every placeable resource by name, kind by kind in `KINDS` order (buckets, groups)."""
    return {name: res for k in placed_kinds() for name, res in k.resources(spec).items()}


def monthly_cost(decision: Decision) -> float | None:
    """What a decided resource costs per month, by its kind's rule."""
    return kind_named(decision.kind).monthly_cost(decision)


def is_stateful(decision: Decision) -> bool:
    """Moving it loses data: it is destroyed in one place and created empty in another."""
    return kind_named(decision.kind).stateful


def node_styles() -> dict[str, NodeStyle]:
    """Every graph node kind's style, kind by kind in `draw_order`."""
    ordered = sorted(KINDS, key=lambda k: k.draw_order)
    return {node: style for kind in ordered for node, style in kind.styles.items()}


def placed_titles() -> str:
    """`bucket or compute group`: the placed kinds' titles, for messages."""
    return " or ".join(k.title for k in placed_kinds())
