"""Spec + placement + network plan (addresses, links) -> Topology, the per-stack description."""

from __future__ import annotations

from collections.abc import Mapping

from skyinfra import kinds
from skyinfra.clouds import get_cloud
from skyinfra.errors import Problem, SpecError
from skyinfra.kinds.base import PlanInputs
from skyinfra.peering.ipam import ConcreteNetwork, allocate_cidrs
from skyinfra.peering.links import plan_links
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement.decision import Placement
from skyinfra.replication.model import Replication
from skyinfra.replication.plan import plan_replications
from skyinfra.site import Site
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import StackPlan, Topology


def concrete_networks(spec: Spec, placement: Placement) -> list[ConcreteNetwork]:
    """(network, site) for every site that hosts a compute group attached to the network."""
    return sorted(
        {(spec.network_of(name), placement.site_of(name)) for name in spec.compute},
        key=lambda c: (c[0], c[1].stack),
    )


def plan_addresses(
    spec: Spec, placement: Placement, recorded: Mapping[ConcreteNetwork, str] | None = None
) -> dict[ConcreteNetwork, str]:
    wanted = {name: net.cidr for name, net in spec.networks.items()}
    return allocate_cidrs(
        wanted, concrete_networks(spec, placement), recorded, spec.peering.supernet
    )


def build_topology(
    spec: Spec, placement: Placement, recorded: NetworkRecord | None = None
) -> Topology:
    """One StackPlan per site used, in stack-name order, and the links between them.

    Addresses, ASNs and tunnel addresses in `recorded` (the lock file) are kept.
    """
    recorded = recorded or NetworkRecord()
    check_accounts(spec, placement)
    cidrs = plan_addresses(spec, placement, recorded.cidrs)
    links = plan_links(spec, placement, list(cidrs), recorded)
    replications = plan_replications(spec, placement)
    homes = _homes(cidrs, recorded.homes)
    inputs = PlanInputs(spec, placement, cidrs, links, homes, replications)
    stacks = tuple(_stack(inputs, site) for site in placement.sites)
    check_plans(stacks)
    check_limits(spec, stacks)
    return Topology(spec.name, stacks, links, replications)


def network_record(topology: Topology) -> NetworkRecord:
    """What the lock file records of a topology's network plan."""
    cidrs = {(n.name, s.site): n.cidr for s in topology.stacks for n in s.networks}
    homes: dict[str, list[str]] = {}
    for stack in topology.stacks:
        for n in stack.networks:
            if n.home is None and get_cloud(stack.site.cloud).network_spans_regions:
                homes.setdefault(n.name, []).append(stack.name)
    return NetworkRecord(
        cidrs,
        topology.links.asns,
        topology.links.inside_cidrs,
        {name: tuple(sorted(stacks)) for name, stacks in sorted(homes.items())},
    )


def check_plans(stacks: tuple[StackPlan, ...]) -> None:
    """Each cloud's own objections to the plans it will lower, all at once."""
    problems: list[Problem] = []
    for stack in stacks:
        cloud = get_cloud(stack.site.cloud)
        plans = [plan for kind in kinds.KINDS for plan in kind.plans(stack)]
        problems += [problem for plan in plans for problem in cloud.check(plan)]
    if problems:
        raise SpecError(problems)


def check_limits(spec: Spec, stacks: tuple[StackPlan, ...]) -> None:
    """Each cloud's limits on labels and startup scripts, for the plans placed on it."""
    problems = [
        problem
        for stack in stacks
        for kind in kinds.KINDS
        for plan in kind.plans(stack)
        for problem in get_cloud(stack.site.cloud).limits(plan, spec, kind.section)
    ]
    if problems:
        raise SpecError(problems)


def _stack(inputs: PlanInputs, site: Site) -> StackPlan:
    """Every kind's plans at `site` (in `KINDS` order), and the gateways its links share."""
    plans = {kind.section: kind.stack_plans(inputs, site) for kind in kinds.KINDS}
    return StackPlan(
        project=inputs.spec.name,
        site=site,
        settings=dict(inputs.spec.accounts.get(site.cloud, {})),
        gateways=tuple(g for g in inputs.links.gateways if g.site == site),
        **plans,
    )


def _homes(
    cidrs: Mapping[ConcreteNetwork, str], recorded: Mapping[str, tuple[str, ...]]
) -> dict[ConcreteNetwork, str]:
    """Where each network spanning a cloud's regions is created: the stack the lock records
    for it while that stack still hosts it, else its first stack (by name) on that cloud.

    The other stacks of that cloud read it by StackReference, so the home deploys first;
    recording it means a new region never takes the network over (which would replace it).
    """
    homes: dict[ConcreteNetwork, str] = {}
    for name, site in cidrs:
        if not get_cloud(site.cloud).network_spans_regions:
            continue
        stacks = sorted(s.stack for n, s in cidrs if n == name and s.cloud == site.cloud)
        kept = [h for h in recorded.get(name, ()) if h in stacks]
        homes[(name, site)] = kept[0] if kept else stacks[0]
    return homes


def check_accounts(spec: Spec, placement: Placement) -> None:
    """`accounts:` names known clouds and keys; clouds in use have their required keys.

    A missing key is reported at the first resource placed on that cloud: that is the line
    which made the account necessary.
    """
    problems: list[Problem] = []
    for cloud_name, settings in spec.accounts.items():
        try:
            cloud = get_cloud(cloud_name, ("accounts", cloud_name))
        except SpecError as err:
            problems.extend(err.problems)
            continue
        for key in settings:
            if key not in cloud.account_keys:
                hint = (
                    did_you_mean(key, cloud.account_keys)
                    or f"known keys: {', '.join(cloud.account_keys) or 'none'}"
                )
                problems.append(
                    Problem(
                        f"unknown {cloud_name} account setting {key!r}",
                        ("accounts", cloud_name, key),
                        hint,
                    )
                )
    for cloud_name in sorted({s.cloud for s in placement.sites}):
        cloud = get_cloud(cloud_name)
        on_cloud = [n for n in kinds.workloads(spec) if placement.site_of(n).cloud == cloud_name]
        others = f" (and {len(on_cloud) - 1} more)" if len(on_cloud) > 1 else ""
        for key in sorted(cloud.required_account_keys - set(spec.accounts.get(cloud_name, {}))):
            problems.append(
                Problem(
                    f"{on_cloud[0]!r}{others} is placed on {cloud_name}, which needs "
                    f"accounts.{cloud_name}.{key}",
                    _placed_at(spec, on_cloud[0]),
                    f"accounts: {{{cloud_name}: {{{key}: ...}}}} ({cloud.account_keys[key]})",
                )
            )
    if problems:
        raise SpecError(problems)


def _placed_at(spec: Spec, name: str) -> tuple[str, ...]:
    """Key path of what chose a resource's cloud: its `placement.cloud`, else the resource."""
    kind = kinds.kind_of(spec, name)
    assert kind is not None  # only placed resources are asked about
    section = kind.section
    if kind.resources(spec)[name].placement.cloud is not None:
        return (section, name, "placement", "cloud")
    return (section, name)


def replication_config(topology: Topology, replication: Replication) -> dict[str, str]:
    """Pulumi config of a replication stack: both sites' provider settings (the source's
    region is the default one; every regional resource names its region explicitly)."""
    target = stack_config(topology.stack(replication.target.stack))
    source = stack_config(topology.stack(replication.source_site.stack))
    config = {k: v for k, v in {**target, **source}.items() if not k.startswith("skyinfra:")}
    config["skyinfra:replication"] = replication.name
    return dict(sorted(config.items()))


def stack_config(stack: StackPlan) -> dict[str, str]:
    """Pulumi config of a cloud stack: the provider's settings and skyinfra's own."""
    config = get_cloud(stack.site.cloud).stack_config(stack.site, stack.settings)
    config.update({"skyinfra:cloud": stack.site.cloud, "skyinfra:region": stack.site.region})
    return dict(sorted(config.items()))


REFERENCE_KEYS = ("stack-a", "stack-b")  # peering stack config: the two cloud stacks it reads


def peering_config(topology: Topology, name: str) -> dict[str, str]:
    """Pulumi config of a peering stack: the cloud stacks it reads (its providers are
    explicit, built from the spec). A value may be `org/project/stack` to read elsewhere."""
    sites = topology.peering_sites(name)
    return {f"skyinfra:{key}": site.stack for key, site in zip(REFERENCE_KEYS, sites, strict=True)}
