"""The contract every cloud implements: facts for planning, and a lowering table.

A cloud module holds only its deltas: names of its provider config keys, how it names
images, which instance types are arm64 or burstable, how its catalog rows become offers,
and one lowering function per neutral resource kind (`LOWERINGS`). Nothing outside
`skyinfra/clouds/` switches on a cloud's name: stages ask the registry for a `Cloud`.
Pulumi SDKs are heavy, so lowering modules are imported only when `lowerings()` is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from skyinfra.errors import KeyPath, Problem
from skyinfra.offer import Offer, Row
from skyinfra.peering.model import (
    GATEWAY_IPS,
    Attachment,
    InterconnectLink,
    NativePeering,
    TunnelEnd,
    VpnGateway,
    VpnLink,
)
from skyinfra.peering.replica import Replication
from skyinfra.site import Site
from skyinfra.spec import Accelerator
from skyinfra.ssh_keys import KEY_TYPES
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan

if TYPE_CHECKING:
    import pulumi

    from skyinfra.clouds.fakes import CloudFakes
    from skyinfra.guardrails.table import CloudGuardrails

# What a lowering returns: the component's outputs (plain values or pulumi Outputs).
Outputs = dict[str, Any]

# Catalog accelerators that are not NVIDIA GPUs (AMD Instinct on Azure NVv4 / ND MI300X v5):
# no NVIDIA driver applies to them.
NON_NVIDIA_ACCELERATORS = frozenset({"MI25", "MI300X"})


@dataclass(frozen=True)
class Context:
    """What a lowering function needs besides its plan.

    `parent` is the neutral ComponentResource the cloud resources hang under; `name` is the
    component's logical name, which prefixes every child's logical name (stable URNs).
    `network` holds the lowered outputs of the network a compute group or a VPN gateway
    attaches to; for a network that another stack creates (`NetworkPlan.home`), that stack's
    outputs of it (read through a StackReference).
    """

    parent: pulumi.Resource
    name: str
    stack: StackPlan
    network: Any = None  # Outputs, or an Output of them (another stack's)

    def opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        import pulumi

        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    def attached_network(self) -> Outputs:
        """The outputs of the network a compute group attaches to (set by the component)."""
        if self.network is None:
            raise ValueError(f"{self.name} was lowered without the network it attaches to")
        return self.network

    def child(self, suffix: str) -> str:
        """Logical name of a child resource: `<component>-<suffix>`."""
        return f"{self.name}-{suffix}"


Lowering = Callable[[Any, Context], Outputs]


@dataclass(frozen=True)
class ReplicationContext:
    """What a replication lowering needs: the plan and both buckets' cloud-stack outputs.

    `source` and `replica` are the `buckets.<name>` outputs of the two cloud stacks, read
    through `StackReference` (so `Output`s of dicts: index them, `source["arn"]`).
    """

    parent: pulumi.Resource
    name: str
    project: str
    replication: Replication
    source: Any
    replica: Any

    def opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        import pulumi

        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    def child(self, suffix: str) -> str:
        return f"{self.name}-{suffix}"


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
    network: Any
    gateway: Any
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
    network: Any
    cidr: str
    provider: Any


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
    gateway: Any
    network: Any
    config: Mapping[str, Any]
    key: Any
    cidr: str
    ready: bool = False

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


def compute_outputs(plan: ComputePlan, group_id: Any, **extra: Any) -> Outputs:
    """The outputs every cloud's compute group exports, plus its own `extra` ones."""
    return {"group_id": group_id, "instance_type": plan.instance_type, "count": plan.count, **extra}


#: `Cloud.UNSUPPORTED` key: a GPU request the group's instance type cannot carry.
GPU_ATTACH = "compute.accelerators.attach"
GPU_PATH_TAIL = ("resources", "accelerators")


class Cloud:
    """Base class of the three cloud definitions. Subclasses set the class variables."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: Pulumi config namespace of the cloud's provider package ("aws", "azure-native", ...).
    provider_namespace: ClassVar[str]
    #: Keys accepted under `accounts.<cloud>` with what they mean; `required` ones must be set.
    account_keys: ClassVar[Mapping[str, str]] = {}
    required_account_keys: ClassVar[frozenset[str]] = frozenset()
    #: Features this cloud cannot provide (neutral key -> the reason shown to users). Each
    #: entry is refused at plan time by `check` and, as a second line of defence, by the
    #: lowering; both word it through `unsupported`, so the message has one source.
    UNSUPPORTED: ClassVar[Mapping[str, str]] = {}
    #: Modules (relative to this cloud's package) holding LOWERINGS and the preview's
    #: FAKES (a `skyinfra.clouds.fakes.CloudFakes`); imported lazily.
    lowering_module: ClassVar[str] = "lowering"
    mocks_module: ClassVar[str] = "mocks"
    #: How many workload subnets a concrete network gets (AWS spreads over 2 zones).
    subnets_per_network: ClassVar[int] = 1
    #: Neutral image names -> this cloud's image reference, per CPU architecture.
    images: ClassVar[Mapping[tuple[str, str], Any]] = {}
    #: What NVIDIA GPU groups boot instead, per (neutral image, arch): the provider's image with
    #: the driver, or the plain image where a driver extension installs it (`gpu_driver`).
    #: A GPU group whose image has no entry is refused at plan time.
    gpu_images: ClassVar[Mapping[tuple[str, str], Any]] = {}
    #: SSH public key types this cloud's VMs accept (all that the spec accepts by default).
    ssh_key_types: ClassVar[tuple[str, ...]] = KEY_TYPES
    #: How a user names this cloud's own image in `image: {<cloud>: ...}` (for messages).
    custom_image_format: ClassVar[str] = "an image reference"
    #: Text shown when the bundled catalog is known to be partial for this cloud.
    catalog_coverage: ClassVar[str | None] = None

    # -- peering facts (skyinfra/peering reads them; see the design's peering reference) ---
    #: What joins two regions of this cloud; None: one network spans regions, no link needed.
    cross_region_link: ClassVar[str | None] = None
    #: Tunnels this cloud's VPN endpoint runs to each public IP of the peer's gateway (an AWS
    #: VPN connection always has 2). A cross-cloud link has 2 x the larger of the two sides.
    vpn_tunnels_per_peer_ip: ClassVar[int] = 1
    #: Where BGP inside addresses on this cloud's gateway must lie; None: any link-local /30.
    bgp_inside_ranges: ClassVar[tuple[str, ...] | None] = None
    #: Tunnel inside /30s this cloud refuses.
    reserved_inside_cidrs: ClassVar[tuple[str, ...]] = ()
    #: Against a peer of higher rank, this side takes host 1 of every /30 (AWS insists).
    inside_first_host_rank: ClassVar[int] = 9
    #: ASNs this cloud's gateway refuses from its BGP peers; skyinfra never allocates them.
    reserved_asns: ClassVar[frozenset[int]] = frozenset()
    #: Prefix of the gateway's own subnet carved from the network; None: it needs none.
    gateway_subnet_prefix: ClassVar[int | None] = None
    #: This cloud's side of a dedicated interconnect; None: it offers none.
    interconnect: ClassVar[InterconnectSide | None] = None
    #: How buckets of this cloud are filled from other buckets (`replicate_to`).
    replication: ClassVar[ReplicationFacts]
    #: Module (relative to this cloud's package) holding the replication lowering.
    replication_module: ClassVar[str] = "replication"
    #: Its tunnel outside addresses exist only once a link's own resources do (AWS: two per
    #: VPN connection); otherwise they are its gateway's public IPs, known from its stack.
    tunnel_addresses_per_link: ClassVar[bool] = False
    #: Module (relative to the cloud's package) holding `lower_half` and `provider`.
    vpn_module: ClassVar[str] = "vpn"
    #: Module (relative to the cloud's package) holding this cloud's interconnect `lower_half`.
    interconnect_module: ClassVar[str] = "interconnect"
    #: Module (relative to the cloud's package) holding `GUARDRAILS`, this cloud's rows of
    #: the guardrail tables; without it every guardrail check fails closed.
    guardrails_module: ClassVar[str] = "guardrails"

    @property
    def network_spans_regions(self) -> bool:
        """One network serves every region (GCP): no link between regions, one owner stack."""
        return self.cross_region_link is None

    # -- lowering -------------------------------------------------------------------------

    def lowerings(self) -> Mapping[type, Lowering]:
        """Neutral plan type -> lowering function (imports the Pulumi SDK on first use)."""
        table: Mapping[type, Lowering] = self._module(self.lowering_module).LOWERINGS
        return table

    def mock_fakes(self) -> CloudFakes:
        """Fake provider behaviour for the offline preview (ids, computed outputs, invokes)."""
        fakes: CloudFakes = self._module(self.mocks_module).FAKES
        return fakes

    def guardrails(self) -> CloudGuardrails | None:
        """This cloud's guardrail table; None if it declares none (the rules then refuse)."""
        module = f"{type(self).__module__}.{self.guardrails_module}"
        try:
            table: CloudGuardrails | None = getattr(
                importlib.import_module(module), "GUARDRAILS", None
            )
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
            return None
        return table

    def replication_lowering(self) -> Any:
        """This cloud's replication module (imports the Pulumi SDK on first use)."""
        return self._module(self.replication_module)

    def _module(self, name: str) -> Any:
        return importlib.import_module(f"{type(self).__module__}.{name}")

    def lower(
        self, plan: NetworkPlan | BucketPlan | ComputePlan | VpnGateway, ctx: Context
    ) -> Outputs:
        return self.lowerings()[type(plan)](plan, ctx)

    def lower_vpn_half(self, side: LinkSide, ctx: Context) -> Outputs:
        """This cloud's resources of one VPN link; `addresses` if `tunnel_addresses_per_link`."""
        outputs: Outputs = self._module(self.vpn_module).lower_half(side, ctx)
        return outputs

    def lower_interconnect_half(self, side: InterconnectHalf, ctx: Context) -> Outputs:
        """This cloud's resources of one dedicated interconnect link (peering stack)."""
        outputs: Outputs = self._module(self.interconnect_module).lower_half(side, ctx)
        return outputs

    def lower_native_peering(
        self, link: NativePeering, sides: tuple[PeeringSide, PeeringSide], ctx: Context
    ) -> Outputs:
        """Both directions of a peering between two regions of this cloud (peering stack)."""
        outputs: Outputs = self._module(self.vpn_module).lower_peering(link, sides, ctx)
        return outputs

    def provider(
        self, name: str, site: Site, settings: Mapping[str, str]
    ) -> pulumi.ProviderResource:
        """An explicit provider for `site` (a peering stack serves two sites at once)."""
        made: pulumi.ProviderResource = self._module(self.vpn_module).provider(name, site, settings)
        return made

    @classmethod
    def unsupported(cls, feature: str, detail: str, path: KeyPath) -> Problem:
        """The declared refusal `UNSUPPORTED[feature]`, at `path`, after what hit it (`detail`).

        A KeyError for an undeclared feature: every refusal must be declared (and tested).
        """
        return Problem(f"{detail}: {cls.UNSUPPORTED[feature]}", path)

    def check(self, plan: NetworkPlan | BucketPlan | ComputePlan) -> list[Problem]:
        """Problems this cloud has with a plan, found at compile time (no SDK needed).

        Lowering relies on it: a plan that passes must lower, so users learn of a GPU that
        cannot attach from `compile`, not halfway through `pulumi up`.
        """
        return []

    def stack_config(self, site: Site, settings: Mapping[str, str]) -> dict[str, str]:
        """Provider configuration for a stack at `site` (`aws:region: us-east-1`, ...)."""
        config = {f"{self.provider_namespace}:{self.region_config_key}": site.region}
        config.update({f"{self.provider_namespace}:{k}": v for k, v in sorted(settings.items())})
        return config

    region_config_key: ClassVar[str] = "region"

    def image(self, neutral: str, arch: str) -> Any:
        """This cloud's reference for a neutral image name (KeyError if unknown)."""
        return self.images[(neutral, arch)]

    def has_nvidia_gpus(self, instance_type: str, accelerator: Accelerator | None) -> bool:
        """Whether VMs of this plan carry NVIDIA GPUs, so they need the NVIDIA driver."""
        return accelerator is not None and accelerator.name not in NON_NVIDIA_ACCELERATORS

    def gpu_driver(self, plan: ComputePlan) -> bool:
        """Whether skyinfra provides the NVIDIA driver: an NVIDIA GPU group on a neutral image
        (a user's own image is used as given)."""
        return plan.custom_image is None and self.has_nvidia_gpus(
            plan.instance_type, plan.accelerator
        )

    def boot_image(self, plan: ComputePlan) -> Any:
        """The image a group's VMs boot: the user's own, the driver variant for NVIDIA GPU
        groups, else the plain image (placement has checked that the entry exists)."""
        if plan.custom_image is not None:
            return self.custom_image(plan.custom_image)
        table = self.gpu_images if self.gpu_driver(plan) else self.images
        return table[(plan.image, plan.arch)]

    def custom_image(self, reference: str) -> Any:
        """This cloud's image reference for what the user wrote in `image: {<cloud>: ...}`."""
        return reference

    def custom_image_problem(self, reference: str) -> str | None:
        """Why `reference` cannot be one of this cloud's images, or None."""
        return None

    @property
    def image_names(self) -> list[str]:
        return sorted({name for name, _ in self.images})

    # -- catalog facts ----------------------------------------------------------------------

    def is_arm64(self, instance_type: str) -> bool:
        return False

    def is_burstable(self, instance_type: str) -> bool:
        return False

    def offers_from_rows(self, rows: Iterable[Row]) -> Iterator[Offer]:
        """Default: one offer per priced row that names an instance type."""
        for row in rows:
            if row.instance_type and row.vcpus is not None and row.memory_gib is not None:
                yield self.offer(row)

    def offer(self, row: Row, **changes: Any) -> Offer:
        """An `Offer` for `row`, classified by this cloud's arch/burstable rules."""
        fields: dict[str, Any] = {
            "cloud": row.cloud,
            "region": row.region,
            "instance_type": row.instance_type,
            "vcpus": row.vcpus or 0.0,
            "memory_gib": row.memory_gib or 0.0,
            "accelerator": row.accelerator or None,
            "accelerator_count": row.accelerator_count or 0.0,
            "price": row.price,
            "spot_price": row.spot_price,
            "arch": "arm64" if self.is_arm64(row.instance_type) else "x86_64",
            "burstable": self.is_burstable(row.instance_type),
        }
        fields.update(changes)
        return Offer(**fields)


def tunnel_count(a: Cloud, b: Cloud) -> int:
    """Tunnels of a VPN link between `a` and `b`: each gateway IP of one side to the other's,
    times the most tunnels either side runs per peer IP (AWS: one 2-tunnel connection per
    peer IP). One rule for both users: the peering planner builds this many tunnels, the
    catalog prices this many (so it lives here, below both)."""
    return GATEWAY_IPS * max(a.vpn_tunnels_per_peer_ip, b.vpn_tunnels_per_peer_ip)
