"""The neutral description of every concrete stack: what each cloud lowers.

A `Topology` is pure data derived from a `Spec` plus a `Placement` (which site each resource
runs on, which offer each compute group uses) plus the address plan. Nothing here knows a
cloud: lowering modules read these records and emit their own resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from skyinfra.peering.model import Link, LinkPlan, VpnGateway
from skyinfra.replication.model import Replication
from skyinfra.site import Site
from skyinfra.spec import Accelerator

__all__ = [
    "LINK_ARROW",
    "PROJECT_LABEL",
    "RESOURCE_LABEL",
    "BucketPlan",
    "ComputePlan",
    "Grant",
    "Labels",
    "NetworkPlan",
    "Site",
    "StackPlan",
    "Topology",
    "component_name",
    "gateway_labels",
    "link_labels",
    "replication_labels",
    "resource_labels",
]


Labels = tuple[tuple[str, str], ...]
"""Key/value pairs in the order they apply (later keys win), hashable as plans must be."""

PROJECT_LABEL = "skyinfra-project"
RESOURCE_LABEL = "skyinfra-resource"
LINK_ARROW = "<->"  # joins a link's two sites in its `skyinfra-resource` value


def resource_labels(project: str, name: str, given: Mapping[str, str]) -> Labels:
    """The labels of neutral resource `name`: the user's (`Spec.labels_of`), then skyinfra's
    own, which let a console user find what the project made and always win."""
    merged = {**given, PROJECT_LABEL: project, RESOURCE_LABEL: name}
    return tuple(merged.items())


def gateway_labels(stack: StackPlan, gateway: VpnGateway) -> Labels:
    """A network's VPN gateway (and its public IPs) belongs to the network it serves: the
    network's labels, `skyinfra-resource` naming it."""
    return stack.network(gateway.network).labels


def link_labels(topology: Topology, link: Link) -> Labels:
    """A link's resources (both halves, in its peering stack): the labels of the spec network
    it joins (the same on both sites), `skyinfra-resource` naming the link
    `<network>:<site a><-><site b>`; clouds whose rules refuse `<>:` respell it
    (`clouds/<cloud>/limits.py`)."""
    network = topology.stack(link.a.stack).network(link.network)
    name = f"{link.network}:{link.a.stack}{LINK_ARROW}{link.b.stack}"
    return _renamed(network.labels, name)


def replication_labels(topology: Topology, replication: Replication) -> Labels:
    """A replication's resources (mover, credential) belong to the bucket they copy: the
    source bucket's labels, `skyinfra-resource` naming that bucket."""
    stack = topology.stack(replication.source_site.stack)
    (source,) = [b for b in stack.buckets if b.name == replication.source]
    return source.labels


def _renamed(labels: Labels, name: str) -> Labels:
    """`labels` with `skyinfra-resource` set to `name` (skyinfra's own keys stay last)."""
    return tuple((k, name if k == RESOURCE_LABEL else v) for k, v in labels)


def component_name(project: str, name: str) -> str:
    """The logical name of the component of a neutral resource, link or replication:
    it is in the URN of every resource under it, so it must never change."""
    return f"{project}-{name}"


@dataclass(frozen=True)
class NetworkPlan:
    """One concrete VPC / VPC network / VNet: a spec network at one site."""

    name: str
    site: Site
    cidr: str
    subnets: tuple[str, ...]  # workload subnet CIDRs, inside `cidr`, in order
    peer_cidrs: tuple[str, ...] = ()  # CIDRs of the networks linked to this one (peering/)
    gateway_subnet: str | None = None  # the VPN gateway's own subnet, where the cloud needs one
    # The stack that creates the network when one network spans this cloud's regions (GCP)
    # and another stack owns it; this stack then adds only its regional subnets and rules.
    home: str | None = None
    labels: Labels = ()  # on every taggable resource it creates (`resource_labels`)
    egress: str = "nat"  # `nat`: managed NAT for private VMs; `none`: no internet route
    # Subnets routed to the internet gateway (NAT gateway, public groups), after `subnets`;
    # only on clouds whose routes are per subnet (`Cloud.public_subnets_per_network`).
    public_subnets: tuple[str, ...] = ()
    nat: str = "single"  # `single` NAT gateway, or one `per_zone` (`Network.nat`)

    @property
    def trusted_cidrs(self) -> tuple[str, ...]:
        """Private sources a group's ports admit (`ComputePlan.ports`): this network and its
        peers. Ingress is per group: the network itself opens nothing."""
        return (self.cidr, *self.peer_cidrs)


@dataclass(frozen=True)
class BucketPlan:
    """An object-storage bucket at one site."""

    name: str
    site: Site
    versioning: bool = True
    protect: bool = True
    replica_of: str | None = None  # the bucket this one is a replica of (replication/plan.py)
    labels: Labels = ()  # on every taggable resource it creates (`resource_labels`)


@dataclass(frozen=True)
class Grant:
    """Access of a compute group's identity to one bucket (`skyinfra.grants`): `read`
    (get, list), `write` (create and overwrite, no delete) or `admin` (also delete)."""

    bucket: str
    access: str
    site: Site  # where the bucket is: its stack's outputs name it
    why: str = "flow"  # "flow" (implied by a flow) or "grants" (asked for in the spec)
    # On another cloud's bucket: how the bucket's cloud trusts the group's identity
    # (`Cloud.trusts`, e.g. "web identity"); "" when it cannot (nothing is deployed).
    federation: str = ""
    # `accounts.<bucket cloud>` of the spec: the explicit provider the group's stack makes
    # for the bucket's cloud to lower the trust (a federated grant only).
    account: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ComputePlan:
    """A managed group of identical VMs at one site."""

    name: str
    site: Site
    network: str
    count: int
    instance_type: str
    accelerator: Accelerator | None = None  # what the instance type must carry
    image: str = "ubuntu-22.04"  # neutral image name (the cloud maps it)
    custom_image: str | None = None  # the user's own image on this cloud, used as given
    arch: str = "x86_64"
    disk_gb: int = 100
    spot: bool = False
    ssh_public_key: str | None = None
    ports: tuple[int, ...] = ()  # TCP ports this group's VMs admit from the trusted CIDRs
    public: bool = False  # `public: true`: `ports` also admit the internet, on this group only
    labels: Labels = ()  # on every taggable resource it creates (`resource_labels`)
    startup_script: str | None = None  # run on each VM's first boot (the text, never a path)
    grants: tuple[Grant, ...] = ()  # its identity's access to buckets, on any cloud

    @property
    def grants_within(self) -> tuple[Grant, ...]:
        """The grants on buckets of this group's own cloud: the ones its identity carries.
        Grants on other clouds' buckets need federation (`plan` lists them as not deployed)."""
        return tuple(g for g in self.grants if g.site.cloud == self.site.cloud)

    @property
    def grants_federated(self) -> tuple[Grant, ...]:
        """The grants on other clouds' buckets that the bucket's cloud trusts this group's
        identity for (keyless federation, lowered in this group's stack)."""
        return tuple(g for g in self.grants if g.site.cloud != self.site.cloud and g.federation)

    @property
    def public_ports(self) -> tuple[int, ...]:
        """TCP ports open to the internet on this group's VMs (and no other group's)."""
        return self.ports if self.public else ()


@dataclass(frozen=True)
class StackPlan:
    """Everything one cloud stack creates."""

    project: str
    site: Site
    settings: dict[str, str] = field(default_factory=dict)  # accounts.<cloud> from the spec
    networks: tuple[NetworkPlan, ...] = ()
    buckets: tuple[BucketPlan, ...] = ()
    compute: tuple[ComputePlan, ...] = ()
    gateways: tuple[VpnGateway, ...] = ()  # BGP gateways shared by this site's links

    @property
    def name(self) -> str:
        return self.site.stack

    def network(self, name: str) -> NetworkPlan:
        return next(n for n in self.networks if n.name == name)

    def groups_on(self, network: str) -> tuple[ComputePlan, ...]:
        """This stack's compute groups attached to `network`, in plan order."""
        return tuple(c for c in self.compute if c.network == network)


@dataclass(frozen=True)
class Topology:
    """All stacks of a project, sorted by name, and the links between their networks."""

    project: str
    stacks: tuple[StackPlan, ...]
    links: LinkPlan = field(default_factory=LinkPlan)
    replications: tuple[Replication, ...] = ()  # each one its own stack (`Replication.stack`)

    def stack(self, name: str) -> StackPlan:
        for stack in self.stacks:
            if stack.name == name:
                return stack
        raise KeyError(name)

    @property
    def stack_names(self) -> list[str]:
        return [s.name for s in self.stacks]

    def replication(self, stack: str) -> Replication:
        """The replication deployed by the stack called `stack` (KeyError if none)."""
        for replication in self.replications:
            if replication.stack == stack:
                return replication
        raise KeyError(stack)

    @property
    def peering_stack_names(self) -> list[str]:
        """One peering stack per pair of sites with links between them, sorted."""
        return sorted({x.stack for x in self.links.links})

    def peering_sites(self, name: str) -> tuple[Site, Site]:
        """The two sites whose links peering stack `name` holds."""
        for link in self.links.links:
            if link.stack == name:
                return link.a, link.b
        raise KeyError(name)
