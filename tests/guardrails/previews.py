"""Previews of the examples, cached, as guardrail records; doctoring one record at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from skyinfra.api import plan_spec
from skyinfra.guardrails.check import resource_of
from skyinfra.guardrails.rules import Intent, Resource, intent_of
from skyinfra.preview import final_phase, preview_topology

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
# Between them: buckets on all three clouds (and replicas), VPN links between every pair of
# clouds, security groups, firewalls and NSGs; an AWS-GCP dedicated interconnect; the
# federated trusts of grants across clouds.
PREVIEWED = ("sky-three-clouds", "replication", "interconnect", "federation")


@cache
def example(name: str) -> tuple[tuple[Resource, ...], Intent]:
    """Every custom resource of every stack of `examples/<name>.yaml` (interconnects in phase
    2, as `skyinfra check` previews them), and its intent."""
    plan = plan_spec(EXAMPLES / f"{name}.yaml")
    previews = preview_topology(plan.topology, final_phase(plan.topology, plan.stack_configs()))
    records = tuple(resource_of(r) for p in previews for r in p.resources if r.custom)
    return records, intent_of(plan.topology)


def first(token: str, where: Callable[[Resource], bool] = lambda r: True) -> Resource:
    """The first previewed resource of type `token` (across PREVIEWED) satisfying `where`."""
    for name in PREVIEWED:
        for r in example(name)[0]:
            if r.type == token and where(r):
                return r
    raise AssertionError(f"no {token} in the previews of {PREVIEWED}")


def resources_with(r: Resource) -> tuple[list[Resource], Intent]:
    """The example `r` comes from, with `r` in place of the resource of the same URN."""
    for name in PREVIEWED:
        records, intent = example(name)
        if any(x.urn == r.urn for x in records):
            return [r if x.urn == r.urn else x for x in records], intent
    raise AssertionError(f"{r.urn} is in no previewed example")


def without(r: Resource) -> tuple[list[Resource], Intent]:
    records, intent = resources_with(r)
    return [x for x in records if x.urn != r.urn], intent


def with_inputs(r: Resource, **changes: Any) -> Resource:
    """`r` with top-level inputs replaced (a value of None removes the input)."""
    inputs = {**r.inputs, **changes}
    return replace(r, inputs={k: v for k, v in inputs.items() if v is not None})


def example_of(r: Resource) -> str:
    """The name of the previewed example `r` comes from."""
    for name in PREVIEWED:
        if any(x.urn == r.urn for x in example(name)[0]):
            return name
    raise AssertionError(f"{r.urn} is in no previewed example")
