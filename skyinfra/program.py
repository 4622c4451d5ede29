"""The Pulumi program: lowers one stack of a Topology into cloud resources.

`run()` is what a compiled project's `__main__.py` calls under the real engine; `lower_stack`
is the same work, used by `preview` under the mock engine. Both build the Topology from the
spec and lock file stored in the project, so a deployed stack never depends on the catalog
or anything else on the machine that runs `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

from skyinfra import kinds
from skyinfra.clouds import Context, get_cloud
from skyinfra.clouds.outputs import TrustOutputs, WorkloadIdentity
from skyinfra.clouds.records import ForeignTrust, NoLoweringError, Trusting
from skyinfra.components import Gateway, Neutral
from skyinfra.kinds.base import Kind
from skyinfra.kinds.bucket import BUCKET
from skyinfra.kinds.network import NETWORK
from skyinfra.plan import load_project_topology
from skyinfra.references import bucket_of, output, qualified, stack_reference
from skyinfra.stacks import kind_in, stack_names
from skyinfra.tokens import GATEWAYS_OUTPUT
from skyinfra.topology import ComputePlan, Grant, StackPlan, Topology


def lower_stack(stack: StackPlan) -> dict[str, Any]:
    """Register every resource of `stack`; return the stack outputs (also what peering reads).

    Kinds are lowered in `KINDS` order, so a resource's lowering can receive the outputs of
    the one it attaches to (a compute group its network's).
    """
    cloud = get_cloud(stack.site.cloud)
    lowered: dict[str, dict[str, Neutral]] = {}
    refs: dict[str, pulumi.StackReference] = {}
    for kind in kinds.KINDS:
        lowered[kind.name] = {
            plan.name: Neutral(
                kind,
                plan,
                cloud,
                stack,
                network=_input(kind, plan, lowered),
                buckets=_granted(kind, plan, stack, lowered, refs),
                trusting=_trusting(plan),
            )
            for plan in kind.plans(stack)
        }
    networks = lowered[NETWORK.name]
    gateways = {
        g.network: Gateway(g, cloud, stack, network=networks[g.network].outputs)
        for g in stack.gateways
    }
    return {
        "cloud": stack.site.cloud,
        "region": stack.site.region,
        **{
            kind.output_key: {name: c.outputs for name, c in lowered[kind.name].items()}
            for kind in kinds.KINDS
        },
        GATEWAYS_OUTPUT: {name: g.outputs for name, g in gateways.items()},
    }


def _input(kind: Kind, plan: Any, lowered: Mapping[str, Mapping[str, Neutral]]) -> Any:
    """What `plan`'s lowering receives as `Context.network`: the outputs of the resource it
    attaches to, or its own outputs in the stack that creates it (`Kind.home`)."""
    home = kind.home(plan)
    if home is not None:
        return output(stack_reference(home), kind.output_key, plan.name)
    attached = kind.attached_to(plan)
    if attached is None:
        return None
    other, name = attached
    return lowered[other][name].outputs


def _granted(
    kind: Kind,
    plan: Any,
    stack: StackPlan,
    lowered: Mapping[str, Mapping[str, Neutral]],
    refs: dict[str, pulumi.StackReference],
) -> dict[str, Any]:
    """The outputs of the buckets `plan` is granted on its cloud (`Kind.granted`): lowered in
    this stack (buckets come before compute in `KINDS`) or read from the bucket's stack
    (one StackReference per stack, `ref-<stack>-buckets`: `ref-<stack>` may read a network)."""
    buckets: dict[str, Any] = {}
    for grant in kind.granted(plan):
        if grant.site.stack == stack.name:
            buckets[grant.bucket] = lowered[BUCKET.name][grant.bucket].outputs
            continue
        if grant.site.stack not in refs:
            refs[grant.site.stack] = pulumi.StackReference(
                f"ref-{grant.site.stack}-buckets", qualified(grant.site.stack)
            )
        buckets[grant.bucket] = bucket_of(refs[grant.site.stack], grant.bucket)
    return buckets


def _trusting(plan: Any) -> Trusting | None:
    """The hook a compute group's lowering calls with its identity once it exists, when the
    group has federated grants (`ComputePlan.grants_federated`): each bucket's cloud lowers
    its trust under the group's component, with an explicit provider for that cloud (the
    region of its first bucket, the spec's `accounts.<cloud>`), and returns a recipe."""
    if not isinstance(plan, ComputePlan) or not plan.grants_federated:
        return None
    by_cloud: dict[str, list[Grant]] = {}
    for grant in plan.grants_federated:
        by_cloud.setdefault(grant.site.cloud, []).append(grant)

    def trust(ctx: Context, identity: WorkloadIdentity) -> list[TrustOutputs]:
        recipes = []
        for name, grants in by_cloud.items():
            cloud, first = get_cloud(name), grants[0]
            provider = cloud.provider(
                ctx.child(f"{name}-provider"), first.site, dict(first.account)
            )
            buckets = {g.bucket: ctx.granted_bucket(g.bucket) for g in grants}
            record = ForeignTrust(plan, tuple(grants), identity, buckets, provider)
            recipe = cloud.lower(record, ctx)
            if recipe["kind"] not in get_cloud(plan.site.cloud).consumes:
                raise NoLoweringError(
                    f"{ctx.name}: {plan.site.cloud} VMs cannot use {name}'s credential "
                    f"recipe {recipe['kind']!r} (`Cloud.consumes`)"
                )
            recipes.append(recipe)
        return recipes

    return trust


def lower_cloud_stack(topology: Topology, name: str) -> dict[str, Any]:
    """The program of cloud stack `name` (`skyinfra.stacks.CLOUD`)."""
    return lower_stack(topology.stack(name))


def run(project_dir: str | Path = ".") -> None:
    """Entry point of a compiled project: lower the stack named by `pulumi stack select`."""
    topology = load_project_topology(Path(project_dir))
    stack_name = pulumi.get_stack()
    kind = kind_in(topology, stack_name)
    if kind is None:
        known = ", ".join(stack_names(topology))
        raise pulumi.RunError(f"stack {stack_name!r} is not part of this project (stacks: {known})")
    for key, value in kind.lower(topology, stack_name).items():
        pulumi.export(key, value)
