"""The records a cloud's lowerings are called with: one frozen type per thing to lower.

`Cloud.lower(record, ctx)` dispatches on the record's type, so everything a cloud lowers is a
neutral type here or in the plan (`NetworkPlan`, `BucketPlan`, `ComputePlan`, `VpnGateway`):
a VPN link half (`LinkSide`), an interconnect half (`InterconnectHalf`), a native peering
(`PeeringPair`) and the four steps of a bucket replication (`ReplicateWithin`, `Reader`,
`IssueCredential`, `FillFromForeign`). Plain data: no pulumi at import time (the SDK is
imported by the lowerings, lazily), so the planning stages can name these types too.

Values read from another stack by StackReference (`LinkSide.network`, ...) are pulumi
Outputs of that stack's dict; pulumi lifts indexing over an Output, so they are typed as the
dict (`skyinfra.clouds.outputs`) and mypy checks every key a lowering reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from skyinfra.clouds.outputs import (
    BucketOutputs,
    CredentialOutputs,
    GatewayOutputs,
    NetworkOutputs,
    ReaderOutputs,
    TrustOutputs,
    WorkloadIdentity,
)
from skyinfra.peering.model import (
    Attachment,
    InterconnectLink,
    NativePeering,
    TunnelEnd,
    VpnGateway,
    VpnLink,
)
from skyinfra.replication.model import Replication
from skyinfra.site import Site
from skyinfra.topology import ComputePlan, Grant, Labels, StackPlan

if TYPE_CHECKING:
    import pulumi

__all__ = [
    "ByCredential",
    "Context",
    "FillFromForeign",
    "ForeignTrust",
    "InterconnectHalf",
    "InterconnectSide",
    "IssueCredential",
    "LinkSide",
    "LoginPath",
    "LoginTarget",
    "LoginTrace",
    "Lowering",
    "NoLoweringError",
    "Outputs",
    "PeeringPair",
    "PeeringSide",
    "Reader",
    "ReplicateWithin",
    "ReplicationContext",
    "ReplicationFacts",
    "Trusting",
]

# An open dict of outputs (what a lowering returns, before `skyinfra.clouds.outputs` types it).
Outputs = dict[str, Any]

R = TypeVar("R")


class NoLoweringError(TypeError):
    """A cloud was asked to lower a type (or a credential kind) its table does not cover."""


@dataclass(frozen=True)
class Context:
    """What a lowering function needs besides its record.

    `parent` is the neutral ComponentResource the cloud resources hang under; `name` is the
    component's logical name, which prefixes every child's logical name (stable URNs).
    `network` holds the lowered outputs of the network a compute group or a VPN gateway
    attaches to; for a network that another stack creates (`NetworkPlan.home`), that stack's
    outputs of it (read through a StackReference).
    """

    parent: pulumi.Resource
    name: str
    stack: StackPlan
    network: NetworkOutputs | None = None
    # The neutral resource's labels (`resource_labels`: the user's and skyinfra's own), which
    # the cloud puts on every taggable resource it creates for it.
    labels: Labels = ()
    # A compute group's granted buckets on its own cloud (`ComputePlan.grants_within`): their
    # `buckets.<name>` outputs, from this stack or read from the bucket's stack.
    buckets: Mapping[str, BucketOutputs] = field(default_factory=dict)
    # A compute group's grants on other clouds' buckets (`ComputePlan.grants_federated`),
    # set by the program: called by the group's lowering once its identity exists, it has
    # each bucket's cloud lower its trust (`ForeignTrust`) and returns the credential
    # recipes the group's VMs must be configured with.
    trusting: Trusting | None = None

    def trust(self, identity: WorkloadIdentity) -> list[TrustOutputs]:
        """The foreign buckets' clouds trust `identity` (the group's own); their recipes."""
        return [] if self.trusting is None else self.trusting(self, identity)

    def opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        import pulumi

        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    @property
    def project(self) -> str:
        """The spec's name (as `ReplicationContext.project`: label helpers take either)."""
        return self.stack.project

    def granted_bucket(self, bucket: str) -> BucketOutputs:
        """The outputs of a bucket this group is granted (set by the program)."""
        if bucket not in self.buckets:
            raise ValueError(f"{self.name} was lowered without granted bucket {bucket}")
        return self.buckets[bucket]

    def attached_network(self) -> NetworkOutputs:
        """The outputs of the network a compute group attaches to (set by the component)."""
        if self.network is None:
            raise ValueError(f"{self.name} was lowered without the network it attaches to")
        return self.network

    def child(self, suffix: str) -> str:
        """Logical name of a child resource: `<component>-<suffix>`."""
        return f"{self.name}-{suffix}"


@dataclass(frozen=True)
class ReplicationContext:
    """What a replication step needs: the plan and both buckets' cloud-stack outputs.

    `source` and `replica` are the `buckets.<name>` outputs of the two cloud stacks, read
    through `StackReference` (Outputs of the dicts: index them, `source["arn"]`).
    """

    parent: pulumi.Resource
    name: str
    project: str
    replication: Replication
    source: BucketOutputs
    replica: BucketOutputs
    # The replication's labels (`topology.replication_labels`), on every taggable resource.
    labels: Labels = ()

    def opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        import pulumi

        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    def child(self, suffix: str) -> str:
        return f"{self.name}-{suffix}"


# The program's hook that lowers a group's federated grants (`Context.trusting`).
Trusting = Callable[[Context, WorkloadIdentity], list[TrustOutputs]]


@dataclass(frozen=True)
class ForeignTrust:
    """What a bucket's cloud lowers, in a compute group's stack, to trust a group of another
    cloud (`Cloud.trusts`): its grants on this cloud's buckets, the group's identity, the
    granted buckets' outputs and the explicit provider for this cloud (the first bucket's
    region and the spec's `accounts.<cloud>`). Returns a `TrustOutputs` recipe."""

    group: ComputePlan
    grants: tuple[Grant, ...]
    identity: WorkloadIdentity
    buckets: Mapping[str, BucketOutputs]
    provider: Any


# A lowering: (record, Context or ReplicationContext) -> the outputs it declares.
Lowering = Callable[[Any, Any], Mapping[str, Any]]


@dataclass(frozen=True)
class LinkSide:
    """What one cloud's half of a VPN link is lowered from (in the link's peering stack).

    `network` and `gateway` are this side's cloud-stack outputs (read by StackReference);
    `peer_addresses` the peer's tunnel outside addresses, indexed by the peer end's
    `outside_index`; `keys` the tunnels' pre-shared keys (secret Outputs), by tunnel index.
    """

    link: VpnLink
    site: Site
    peer: Site
    gateway_plan: VpnGateway
    network: NetworkOutputs
    gateway: GatewayOutputs
    peer_addresses: Any
    keys: tuple[Any, ...]

    @property
    def ends(self) -> list[tuple[TunnelEnd, TunnelEnd]]:
        """(own end, peer end) of every tunnel, in tunnel order."""
        return self.link.ends(self.site)

    @property
    def peer_asn(self) -> int:
        return self.link.asn_of(self.peer)


@dataclass(frozen=True)
class PeeringSide:
    """One network of a native (same-cloud) peering: its site, its cloud-stack outputs (read
    by StackReference), its planned CIDR and the explicit provider for its region."""

    site: Site
    network: NetworkOutputs
    cidr: str
    provider: Any
    # The network's public subnets have a route table of their own (`NetworkPlan.
    # public_subnets`, AWS with NAT egress): routes to peers go into both tables.
    public_routes: bool = False
    # The network's workload route tables (`Cloud.nat_gateways`, at least 1: AWS has one
    # per NAT gateway): routes to peers go into each.
    private_route_tables: int = 1


@dataclass(frozen=True)
class PeeringPair:
    """Both networks of one native peering between two regions of a cloud (peering stack):
    the cloud lowers both directions at once, since each needs the other network's id."""

    link: NativePeering
    sides: tuple[PeeringSide, PeeringSide]


@dataclass(frozen=True)
class InterconnectSide:
    """A cloud's part in a dedicated cross-cloud link (peering-reference section 7).

    A `hub` cloud can run the link itself to another cloud's edge (GCP Cross-Cloud
    Interconnect); two clouds that are not hubs have no first-party link between them.
    `config` lists the peering-stack config keys (under `skyinfra:`) the user must set because
    only the provider's ordering process knows them (colocation facilities, port locations).
    `edge_asn` is the ASN this cloud's edge speaks on the link when the provider fixes it
    (ExpressRoute: Microsoft's 12076); None: the site's planned ASN. `distinct` pairs config
    keys whose values must differ (the two connections' facilities). `phase_one` says what
    the first `pulumi up` declares (the ports), `phase_two` what needs them provisioned.
    """

    product: str
    resources: tuple[str, ...]  # Pulumi types this side declares (its cloud stack's included)
    order: str  # what must be ordered from the provider out of band
    phase_one: str
    phase_two: str
    hub: bool = False
    config: tuple[tuple[str, str], ...] = ()
    distinct: tuple[tuple[str, str], ...] = ()
    edge_asn: int | None = None


@dataclass(frozen=True)
class InterconnectHalf:
    """What one cloud's half of an interconnect link is lowered from (in its peering stack).

    `gateway` and `network` are this side's cloud-stack outputs (StackReference); `config`
    the values of the link's `InterconnectSide.config` keys; `key` the link's BGP MD5 key (a
    secret Output); `cidr` this side's network CIDR (what it may advertise); `ready`: the
    connections are provisioned, so phase 2 (what needs them active) is declared too.
    """

    link: InterconnectLink
    site: Site
    gateway: GatewayOutputs
    network: NetworkOutputs
    config: Mapping[str, Any]
    key: Any
    cidr: str
    ready: bool = False
    public_routes: bool = False  # as `PeeringSide.public_routes`
    private_route_tables: int = 1  # as `PeeringSide.private_route_tables`

    @property
    def peer(self) -> Site:
        return self.link.peer_of(self.site)

    @property
    def peer_asn(self) -> int:
        return self.link.asn_of(self.peer)

    @property
    def asn(self) -> int:
        return self.link.asn_of(self.site)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self.link.attachments


@dataclass(frozen=True)
class ReplicationFacts:
    """How this cloud fills a replica bucket (peering-reference section 10).

    The mover always belongs to the replica's cloud: S3 replication or DataSync into S3,
    Storage Transfer Service into GCS, object replication or Data Factory into Azure. Across
    clouds the mover reads the source through a credential the source's cloud issues: the
    mover lists the credential kinds it can use (`reads`, preferred first), the source cloud
    those it can issue (`issues`); the first match decides. `refused` explains the kinds the
    mover could use in principle but skyinfra cannot deploy. `post_deploy` is the step Pulumi
    cannot take after `pulumi up` of a cross-cloud mover, if any.
    """

    within: str  # mechanism between two of this cloud's buckets (different regions)
    foreign: str  # mechanism filling this cloud's bucket from another cloud
    reads: tuple[str, ...]
    issues: tuple[str, ...]
    refused: Mapping[str, str] = field(default_factory=dict)
    source_versioning: bool = False  # `within` needs versioning on the source bucket too
    within_per_source: int | None = None  # how many `within` replications one bucket may feed
    post_deploy: tuple[str, ...] = ()


# -- the steps of a replication (replication stack; see `replication_stack.py`) -------------


@dataclass(frozen=True)
class ReplicateWithin:
    """The replica's cloud fills it from a bucket of the same cloud (`ReplicationFacts.within`)."""

    replication: Replication


@dataclass(frozen=True)
class Reader:
    """The replica's cloud names the identity its mover reads the foreign source with."""

    replication: Replication


@dataclass(frozen=True)
class IssueCredential:
    """The source's cloud issues a credential of `kind` (`Replication.credential`) to the
    mover's identity (`given`: what `Reader` returned)."""

    kind: str
    given: ReaderOutputs


@dataclass(frozen=True)
class FillFromForeign:
    """The replica's cloud fills it from the foreign source with the credential of `kind`
    (`given`: what `IssueCredential` returned)."""

    kind: str
    given: CredentialOutputs


@dataclass(frozen=True)
class ByCredential(Generic[R]):
    """The lowering of a credential step (`IssueCredential`, `FillFromForeign`): one function
    per credential kind this cloud handles; `kinds` is what a test compares with the facts."""

    cloud: str
    steps: Mapping[str, Callable[[ReplicationContext, Any], R]]

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.steps)

    def __call__(self, step: IssueCredential | FillFromForeign, ctx: ReplicationContext) -> R:
        if step.kind not in self.steps:
            raise NoLoweringError(
                f"cloud {self.cloud!r} cannot {type(step).__name__} for credential kind "
                f"{step.kind!r} (it handles: {', '.join(sorted(self.steps)) or 'none'})"
            )
        return self.steps[step.kind](ctx, step.given)


# -- the way in (`Cloud.login`; `skyinfra ssh` and tests/clouds/contract.py read it) ---------


@dataclass(frozen=True)
class LoginTrace:
    """An input a login path needs in what the engine receives: some resource of `type` under
    the compute group's component has, at input `path` (camelCase keys, lists fanned out), the
    value `value` (equal, or an item of a list there); `value=None`: the input is set."""

    type: str
    path: tuple[str, ...]
    value: Any = None


@dataclass(frozen=True)
class LoginPath:
    """How a user gets a shell on a compute group's VMs without a public IP: the mechanism,
    its documentation, what the user's machine needs, and what the lowering must create for
    it (`traces`, checked on every cloud by the contract suite)."""

    method: str
    title: str
    docs: str
    prerequisites: tuple[str, ...]
    traces: tuple[LoginTrace, ...]


@dataclass(frozen=True)
class LoginTarget:
    """One deployed compute group to log in to: its site, its `compute.<name>` stack outputs
    (plain values read from the backend), the `accounts.<cloud>` settings, and which VM."""

    group: str
    site: Site
    outputs: Mapping[str, Any]
    settings: Mapping[str, str]
    index: int = 0
