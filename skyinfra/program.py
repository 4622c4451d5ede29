"""The Pulumi program: lowers one stack of a Topology into cloud resources.

`run()` is what a compiled project's `__main__.py` calls under the real engine; `lower_stack`
is the same work, used by `preview` under the mock engine. Both build the Topology from the
spec and lock file stored in the project, so a deployed stack never depends on the catalog
or anything else on the machine that runs `pulumi up`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from skyinfra.clouds import get_cloud
from skyinfra.components import Bucket, ComputeGroup, Gateway, Network
from skyinfra.plan import load_project_topology
from skyinfra.references import output, stack_reference
from skyinfra.stacks import kind_in, stack_names
from skyinfra.topology import NetworkPlan, StackPlan, Topology


def lower_stack(stack: StackPlan) -> dict[str, Any]:
    """Register every resource of `stack`; return the stack outputs (also what peering reads)."""
    cloud = get_cloud(stack.site.cloud)
    networks = {n.name: Network(n, cloud, stack, network=_home(n)) for n in stack.networks}
    buckets = {b.name: Bucket(b, cloud, stack) for b in stack.buckets}
    groups = {
        c.name: ComputeGroup(c, cloud, stack, network=networks[c.network].outputs)
        for c in stack.compute
    }
    gateways = {
        g.network: Gateway(g, cloud, stack, network=networks[g.network].outputs)
        for g in stack.gateways
    }
    return {
        "cloud": stack.site.cloud,
        "region": stack.site.region,
        "networks": {name: n.outputs for name, n in networks.items()},
        "buckets": {name: b.outputs for name, b in buckets.items()},
        "compute": {name: g.outputs for name, g in groups.items()},
        "gateways": {name: g.outputs for name, g in gateways.items()},
    }


def lower_cloud_stack(topology: Topology, name: str) -> dict[str, Any]:
    """The program of cloud stack `name` (`skyinfra.stacks.CLOUD`)."""
    return lower_stack(topology.stack(name))


def _home(plan: NetworkPlan) -> pulumi.Output[Any] | None:
    """The outputs of a network another stack creates (`plan.home`), by StackReference."""
    if plan.home is None:
        return None
    return output(stack_reference(plan.home), "networks", plan.name)


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
