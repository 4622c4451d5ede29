"""The spec's intent for the guardrails: what each resource kind grants on purpose."""

from __future__ import annotations

from functools import reduce

from skyinfra import kinds
from skyinfra.guardrails.model import Intent
from skyinfra.topology import Topology


def intent_of(topology: Topology) -> Intent:
    """The exceptions the spec grants, and every stack's planned network ranges."""
    parts = (
        kind.intent(topology.project, stack, plan)
        for stack in topology.stacks
        for kind in kinds.KINDS
        for plan in kind.plans(stack)
    )
    return reduce(Intent.merge, parts, Intent())
