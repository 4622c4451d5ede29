"""Spec + placement + network plan (addresses, links) -> Topology, the per-stack description."""

from __future__ import annotations

from collections.abc import Mapping

from skyinfra.clouds import get_cloud
from skyinfra.errors import Problem, SpecError
from skyinfra.peering.ipam import ConcreteNetwork, allocate_cidrs, gateway_subnet, subnet_cidrs
from skyinfra.peering.links import plan_links
from skyinfra.peering.model import LinkPlan, NetworkRecord
from skyinfra.peering.replica import Replication
from skyinfra.peering.replication import plan_replications
from skyinfra.placement import Placement, arch_of
from skyinfra.site import Site
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan, Topology


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
    stacks = tuple(
        _stack(spec, placement, cidrs, links, homes, replications, site) for site in placement.sites
    )
    check_plans(stacks)
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
        plans: list[NetworkPlan | BucketPlan | ComputePlan] = [
            *stack.networks,
            *stack.buckets,
            *stack.compute,
        ]
        problems += [problem for plan in plans for problem in cloud.check(plan)]
    if problems:
        raise SpecError(problems)


def _stack(
    spec: Spec,
    placement: Placement,
    cidrs: Mapping[ConcreteNetwork, str],
    links: LinkPlan,
    homes: Mapping[ConcreteNetwork, str],
    replications: tuple[Replication, ...],
    site: Site,
) -> StackPlan:
    here = [n for n, d in placement.decisions.items() if d.site == site]
    groups = [g for g in spec.compute if g in here]
    return StackPlan(
        project=spec.name,
        site=site,
        settings=dict(spec.accounts.get(site.cloud, {})),
        networks=tuple(
            _network(
                spec,
                name,
                site,
                cidrs,
                links,
                homes.get((name, site)),
            )
            for (name, net_site) in cidrs
            if net_site == site
        ),
        buckets=tuple(
            [_bucket(spec, b, site) for b in spec.buckets if b in here]
            + [_replica(spec, r) for r in replications if r.target == site]
        ),
        compute=tuple(_compute(spec, g, site, placement) for g in groups),
        gateways=tuple(g for g in links.gateways if g.site == site),
    )


def _network(
    spec: Spec,
    name: str,
    site: Site,
    cidrs: Mapping[ConcreteNetwork, str],
    links: LinkPlan,
    home: str | None,
) -> NetworkPlan:
    cloud, cidr = get_cloud(site.cloud), cidrs[(name, site)]
    prefix = cloud.gateway_subnet_prefix if links.gateway(name, site) else None
    return NetworkPlan(
        name=name,
        site=site,
        cidr=cidr,
        subnets=subnet_cidrs(cidr, cloud.subnets_per_network),
        peer_cidrs=tuple(cidrs[(name, peer)] for peer in links.peers(name, site)),
        gateway_subnet=gateway_subnet(cidr, prefix) if prefix else None,
        home=None if home == site.stack else home,
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


def _bucket(spec: Spec, name: str, site: Site) -> BucketPlan:
    bucket = spec.buckets[name]
    return BucketPlan(name, site, versioning=bucket.versioning, protect=bucket.protect)


def _replica(spec: Spec, replication: Replication) -> BucketPlan:
    """The replica: a bucket like any other, always versioned (movers within a cloud need
    it and it keeps what replication overwrites), protected unless its source is not."""
    return BucketPlan(
        replication.replica,
        replication.target,
        versioning=True,
        protect=spec.buckets[replication.source].protect,
        replica_of=replication.source,
    )


def _compute(spec: Spec, name: str, site: Site, placement: Placement) -> ComputePlan:
    group = spec.compute[name]
    instance_type = placement.decisions[name].instance_type or ""
    image, custom_image = group.image_for(site.cloud)
    return ComputePlan(
        name=name,
        site=site,
        network=spec.network_of(name),
        count=group.count,
        instance_type=instance_type,
        accelerator=group.resources.accelerators,
        image=image,
        custom_image=custom_image,
        arch=arch_of(get_cloud(site.cloud), instance_type),
        disk_gb=group.resources.disk_gb,
        spot=group.spot,
        ssh_public_key=group.ssh_public_key,
        ports=tuple(sorted(set(group.ports))),
        public=group.public,
    )


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
        on_cloud = [n for n in spec.workloads if placement.site_of(n).cloud == cloud_name]
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
    section = spec.kind_of(name) or "compute"
    if spec.workloads[name].placement.cloud is not None:
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
