"""The contract every cloud implements: facts for planning, and one lowering table.

A cloud is a `Cloud` subclass in `skyinfra/clouds/<cloud>/__init__.py` (registered in
`skyinfra/clouds/__init__.py`) holding only its deltas, plus three modules beside it:

- `lowerings.py`: `LOWERINGS`, one function per neutral type it lowers, each
  `(record, context) -> outputs`: the kinds (`NetworkPlan`, `BucketPlan`, `ComputePlan`), the
  VPN gateway (`VpnGateway`), the link halves (`LinkSide`, `InterconnectHalf`, `PeeringPair`
  where `cross_region_link` is set) and the replication steps (`ReplicateWithin`, `Reader`,
  `IssueCredential`, `FillFromForeign`); `required_lowerings()` says which, `CONTRACT` what
  each returns (`skyinfra.clouds.outputs`: the keys other stacks read). Also `provider`, the
  explicit provider a peering stack makes for one of the cloud's sites.
- `mocks.py`: `FAKES`, the offline preview's fake provider behaviour (`clouds/fakes.py`).
- `guardrails.py`: `GUARDRAILS`, the cloud's rows of the guardrail tables; a cloud without
  it fails every guardrail check closed.

Features a cloud cannot provide are declared in `UNSUPPORTED` with the reason and refused at
plan time by `check`, so a plan that passes lowers. Nothing outside `skyinfra/clouds/`
switches on a cloud's name: stages ask the registry for a `Cloud`. Pulumi SDKs are heavy, so
`lowerings.py` and `mocks.py` are imported only when first asked for.
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, cast, overload

from skyinfra.clouds.limits import LabelRules, ScriptLimit, label_problems, script_problems
from skyinfra.clouds.outputs import (
    BucketOutputs,
    ComputeOutputs,
    CredentialOutputs,
    GatewayOutputs,
    InterconnectHalfOutputs,
    NetworkOutputs,
    PeeringOutputs,
    ReaderOutputs,
    ReplicationOutputs,
    TrustOutputs,
    VpnHalfOutputs,
)
from skyinfra.clouds.records import (
    Context,
    FillFromForeign,
    ForeignTrust,
    InterconnectHalf,
    InterconnectSide,
    IssueCredential,
    LinkSide,
    LoginPath,
    LoginTarget,
    Lowering,
    NoLoweringError,
    Outputs,
    PeeringPair,
    PeeringSide,
    Reader,
    ReplicateWithin,
    ReplicationContext,
    ReplicationFacts,
)
from skyinfra.errors import KeyPath, Problem
from skyinfra.offer import Offer, Row
from skyinfra.peering.model import GATEWAY_IPS, NativePeering, VpnGateway
from skyinfra.site import Site
from skyinfra.spec import Accelerator, Spec
from skyinfra.ssh_keys import KEY_TYPES
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

if TYPE_CHECKING:
    import pulumi

    from skyinfra.clouds.fakes import CloudFakes
    from skyinfra.guardrails.table import CloudGuardrails

__all__ = [
    "CONTRACT",
    "GPU_ATTACH",
    "GPU_PATH_TAIL",
    "NON_NVIDIA_ACCELERATORS",
    "TPU",
    "Cloud",
    "Context",
    "InterconnectHalf",
    "InterconnectSide",
    "LinkSide",
    "LoginPath",
    "LoginTarget",
    "Lowering",
    "NoLoweringError",
    "Outputs",
    "PeeringPair",
    "PeeringSide",
    "ReplicationContext",
    "ReplicationFacts",
    "compute_outputs",
    "is_tpu",
    "with_lookup",
]

# Catalog accelerators that are not NVIDIA GPUs (AMD Instinct on Azure NVv4 / ND MI300X v5,
# AWS Inferentia / Trainium chips, which run the Neuron SDK): no NVIDIA driver applies to them.
NON_NVIDIA_ACCELERATORS = frozenset(
    {"MI25", "MI300X", "Inferentia", "Inferentia2", "Trainium", "Trainium2"}
)
_NON_NVIDIA = frozenset(name.lower() for name in NON_NVIDIA_ACCELERATORS)

#: Every type a cloud may lower -> the outputs its lowering returns.
CONTRACT: Mapping[type, type] = {
    NetworkPlan: NetworkOutputs,
    BucketPlan: BucketOutputs,
    ComputePlan: ComputeOutputs,
    VpnGateway: GatewayOutputs,
    LinkSide: VpnHalfOutputs,
    InterconnectHalf: InterconnectHalfOutputs,
    PeeringPair: PeeringOutputs,
    ReplicateWithin: ReplicationOutputs,
    Reader: ReaderOutputs,
    IssueCredential: CredentialOutputs,
    FillFromForeign: ReplicationOutputs,
    ForeignTrust: TrustOutputs,
}

# The modules beside a cloud's class (see the module docstring), imported on first use.
_LOWERINGS, _MOCKS, _GUARDRAILS = "lowerings", "mocks", "guardrails"


def compute_outputs(plan: ComputePlan, group_id: Any, **extra: Any) -> ComputeOutputs:
    """The outputs every cloud's compute group exports, plus its own `extra` ones (the
    cloud-specific `NotRequired` keys of `ComputeOutputs`, checked against the previews)."""
    outputs = {"group_id": group_id, "instance_type": plan.instance_type, "count": plan.count}
    return cast(ComputeOutputs, {**outputs, **extra})


def with_lookup(command: Sequence[str], lookup: str, rest: Sequence[str] = ()) -> str:
    """`command "$(lookup)" rest`, every fixed word quoted for POSIX sh: a login command whose
    target (an instance id, a VM's URI or address) the cloud's CLI looks up when it runs, since
    the VMs of a group come and go and no stack output names them."""
    tail = f" {shlex.join(rest)}" if rest else ""
    return f'{shlex.join(command)} "$({lookup})"{tail}'


#: `Cloud.UNSUPPORTED` key: a GPU request the group's instance type cannot carry.
GPU_ATTACH = "compute.accelerators.attach"
GPU_PATH_TAIL = ("resources", "accelerators")
#: `Cloud.UNSUPPORTED` key: a Cloud TPU (`tpu-v6e-8`) asked of a cloud that has none. Refused
#: when candidates are built (`accelerator_refusal`), before the catalog is searched.
TPU = "compute.accelerators.tpu"


def is_tpu(accelerator: str) -> bool:
    """Whether a catalog accelerator name (`tpu-v6e-8`) is a Cloud TPU slice."""
    return accelerator.lower().startswith("tpu-")


#: `Cloud.UNSUPPORTED` key: one NAT gateway per zone (`networks.<name>.nat: per_zone`).
NAT_PER_ZONE = "network.nat.per_zone"


class Cloud:
    """One cloud: facts for the planning stages (class variables; defaults suit most clouds),
    refusals declared in `UNSUPPORTED` and found by `check`, and access to the modules beside
    it (`lowerings`, `provider`, `mock_fakes`, `guardrails`). See the module docstring."""

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
    #: How many workload subnets a concrete network gets (AWS spreads over 2 zones).
    subnets_per_network: ClassVar[int] = 1
    #: Subnets routed to the internet gateway, carved after the workload ones, for a network
    #: with NAT egress: where the NAT gateway and `public: true` groups live (AWS: a route is
    #: per subnet). 0: public IPs and NAT work from any subnet (GCP, Azure).
    public_subnets_per_network: ClassVar[int] = 0
    #: Its NAT gateway lives in one zone, so `nat: per_zone` makes one per zone (one per
    #: public subnet) and `plan` prices each. False: its NAT is already regional and survives
    #: a zone (GCP Cloud NAT), so `per_zone` is what `single` is, at the same price.
    nat_zonal: ClassVar[bool] = False
    #: Its buckets in the network's own region are reached without the NAT (AWS: the S3
    #: gateway endpoint on every route table; Azure: the subnet's storage service endpoint),
    #: so that traffic pays no NAT processing.
    regional_storage_endpoint: ClassVar[bool] = False
    #: Neutral image names -> this cloud's image reference, per CPU architecture.
    images: ClassVar[Mapping[tuple[str, str], Any]] = {}
    #: What NVIDIA GPU groups boot instead, per (neutral image, arch): the provider's image with
    #: the driver, or the plain image where a driver extension installs it (`gpu_driver`).
    #: A GPU group whose image has no entry is refused at plan time.
    gpu_images: ClassVar[Mapping[tuple[str, str], Any]] = {}
    #: SSH public key types this cloud's VMs accept (all that the spec accepts by default).
    ssh_key_types: ClassVar[tuple[str, ...]] = KEY_TYPES
    #: What each compute group's own identity is on this cloud (`plan` lists grants with it).
    identity_kind: ClassVar[str] = "identity"
    #: How a user names this cloud's own image in `image: {<cloud>: ...}` (for messages).
    custom_image_format: ClassVar[str] = "an image reference"
    #: Text shown when the bundled catalog is known to be partial for this cloud.
    catalog_coverage: ClassVar[str | None] = None
    #: What one resource accepts as tags/labels (checked at plan time by `limits`).
    label_rules: ClassVar[LabelRules]
    #: The largest startup script a VM takes, and where it goes (checked by `limits`).
    startup_script: ClassVar[ScriptLimit]

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
    #: Its tunnel outside addresses exist only once a link's own resources do (AWS: two per
    #: VPN connection); otherwise they are its gateway's public IPs, known from its stack.
    tunnel_addresses_per_link: ClassVar[bool] = False
    #: How users get a shell on a compute group's VMs without a public IP (`skyinfra ssh`).
    login: ClassVar[LoginPath]
    #: Keyless federation: what identity this cloud's VMs present to other clouds (an OIDC
    #: token issuer, a signed request), named neutrally so other clouds can trust it.
    workload_identity: ClassVar[str] = ""
    #: The foreign workload identities this cloud's buckets can be granted to (identity ->
    #: the mechanism `plan` names). The trust is lowered by this cloud (`ForeignTrust`) in the
    #: group's stack; the group's cloud turns what it returns into the VMs' credential
    #: configuration. A cloud decides whom it trusts: a pair is supported exactly when the
    #: bucket's cloud lists the group's cloud's `workload_identity`.
    trusts: ClassVar[Mapping[str, str]] = {}
    #: Why a foreign workload identity cannot be trusted, and how to proceed (identity ->
    #: text), for `plan`'s warning; one absent from both tables gets a generic warning.
    untrusted: ClassVar[Mapping[str, str]] = {}
    #: The credential recipes (`TrustOutputs.kind`) this cloud's VMs can be configured with.
    consumes: ClassVar[frozenset[str]] = frozenset()
    #: Other provider packages this cloud's code uses beside `provider_namespace` (Azure:
    #: "azuread", the Entra ID application of a group federated into GCS). Their type tokens
    #: are this cloud's too: its fakes and guardrail rows, never a literal outside clouds/.
    extra_namespaces: ClassVar[tuple[str, ...]] = ()

    def namespaces(self) -> tuple[str, ...]:
        """Every provider namespace whose type tokens belong to this cloud."""
        return (self.provider_namespace, *self.extra_namespaces)

    def login_command(self, target: LoginTarget) -> str:
        """The one shell command (POSIX sh) that opens a session on VM `target.index` of a
        deployed group, from its stack outputs: what `skyinfra ssh` prints or runs."""
        raise NotImplementedError(f"cloud {self.name!r} declares no login command")

    @property
    def network_spans_regions(self) -> bool:
        """One network serves every region (GCP): no link between regions, one owner stack."""
        return self.cross_region_link is None

    # -- lowering (the cloud's `lowerings.py`, `mocks.py` and `guardrails.py`) -------------

    def lowerings(self) -> Mapping[type, Lowering]:
        """Neutral type -> this cloud's lowering of it: `LOWERINGS` of its `lowerings.py`
        (imports the Pulumi SDK on first use)."""
        table: Mapping[type, Lowering] = self._own(_LOWERINGS).LOWERINGS
        return table

    def required_lowerings(self) -> frozenset[type]:
        """The types this cloud's table must cover: every `CONTRACT` type, but a native
        peering only where two of its regions need a link (`cross_region_link`)."""
        skipped = {PeeringPair} if self.network_spans_regions else set()
        return frozenset(CONTRACT) - skipped

    @overload
    def lower(self, record: NetworkPlan, ctx: Context) -> NetworkOutputs: ...
    @overload
    def lower(self, record: BucketPlan, ctx: Context) -> BucketOutputs: ...
    @overload
    def lower(self, record: ComputePlan, ctx: Context) -> ComputeOutputs: ...
    @overload
    def lower(self, record: VpnGateway, ctx: Context) -> GatewayOutputs: ...
    @overload
    def lower(self, record: LinkSide, ctx: Context) -> VpnHalfOutputs: ...
    @overload
    def lower(self, record: InterconnectHalf, ctx: Context) -> InterconnectHalfOutputs: ...
    @overload
    def lower(self, record: PeeringPair, ctx: Context) -> PeeringOutputs: ...
    @overload
    def lower(
        self, record: ReplicateWithin | FillFromForeign, ctx: ReplicationContext
    ) -> ReplicationOutputs: ...
    @overload
    def lower(self, record: Reader, ctx: ReplicationContext) -> ReaderOutputs: ...
    @overload
    def lower(self, record: IssueCredential, ctx: ReplicationContext) -> CredentialOutputs: ...
    @overload
    def lower(self, record: ForeignTrust, ctx: Context) -> TrustOutputs: ...
    def lower(self, record: object, ctx: Context | ReplicationContext) -> Mapping[str, Any]:
        """Lower `record` with this cloud's function for its exact type."""
        lowering = self.lowerings().get(type(record))
        if lowering is None:
            raise NoLoweringError(
                f"cloud {self.name!r} has no lowering for {type(record).__name__} (its "
                f"{type(self).__module__}.{_LOWERINGS} covers: "
                f"{', '.join(sorted(t.__name__ for t in self.lowerings()))})"
            )
        return lowering(record, ctx)

    def lower_vpn_half(self, side: LinkSide, ctx: Context) -> VpnHalfOutputs:
        """This cloud's resources of one VPN link; `addresses` if `tunnel_addresses_per_link`."""
        return self.lower(side, ctx)

    def lower_interconnect_half(
        self, side: InterconnectHalf, ctx: Context
    ) -> InterconnectHalfOutputs:
        """This cloud's resources of one dedicated interconnect link (peering stack)."""
        return self.lower(side, ctx)

    def lower_native_peering(
        self, link: NativePeering, sides: tuple[PeeringSide, PeeringSide], ctx: Context
    ) -> PeeringOutputs:
        """Both directions of a peering between two regions of this cloud (peering stack)."""
        return self.lower(PeeringPair(link, sides), ctx)

    def provider(
        self, name: str, site: Site, settings: Mapping[str, str]
    ) -> pulumi.ProviderResource:
        """An explicit provider for `site` (a peering stack serves two sites at once):
        `provider` of the cloud's `lowerings.py`."""
        made: pulumi.ProviderResource = self._own(_LOWERINGS).provider(name, site, settings)
        return made

    def mock_fakes(self) -> CloudFakes:
        """Fake provider behaviour for the offline preview: `FAKES` of the cloud's `mocks.py`."""
        fakes: CloudFakes = self._own(_MOCKS).FAKES
        return fakes

    def guardrails(self) -> CloudGuardrails | None:
        """`GUARDRAILS` of the cloud's `guardrails.py`; None if it has none (every guardrail
        check then fails closed)."""
        try:
            module = self._own(_GUARDRAILS)
        except ModuleNotFoundError as error:
            if error.name != f"{type(self).__module__}.{_GUARDRAILS}":
                raise
            return None
        table: CloudGuardrails | None = getattr(module, "GUARDRAILS", None)
        return table

    def _own(self, name: str) -> ModuleType:
        """Module `name` beside this cloud's class (in its package), imported on first use."""
        return importlib.import_module(f"{type(self).__module__}.{name}")

    @classmethod
    def unsupported(cls, feature: str, detail: str, path: KeyPath) -> Problem:
        """The declared refusal `UNSUPPORTED[feature]`, at `path`, after what hit it (`detail`).

        A KeyError for an undeclared feature: every refusal must be declared (and tested).
        """
        return Problem(f"{detail}: {cls.UNSUPPORTED[feature]}", path)

    #: Instance types whose accelerators come with the type, on clouds that attach none to
    #: any other type (`GPU_ATTACH` declared); None: the cloud decides in its own `check`.
    accelerated_types: ClassVar[re.Pattern[str] | None] = None
    #: What such a type carries, as the refusal words it ("GPU", "accelerator").
    accelerator_noun: ClassVar[str] = "accelerator"

    def check(self, plan: NetworkPlan | BucketPlan | ComputePlan) -> list[Problem]:
        """Problems this cloud has with a plan, found at compile time (no SDK needed): each
        an `UNSUPPORTED` entry worded by `unsupported`. By default, an accelerator request on
        a type outside `accelerated_types`.

        Lowering relies on it: a plan that passes must lower, so users learn of a GPU that
        cannot attach from `compile`, not halfway through `pulumi up`.
        """
        if isinstance(plan, NetworkPlan):
            return self._network_problems(plan)
        pattern = self.accelerated_types
        if (
            pattern is None
            or not isinstance(plan, ComputePlan)
            or not plan.accelerator
            or pattern.match(plan.instance_type)
        ):
            return []
        noun = self.accelerator_noun
        detail = f"{plan.instance_type} has no {noun} to provide {plan.accelerator}"
        return [self.unsupported(GPU_ATTACH, detail, ("compute", plan.name, *GPU_PATH_TAIL))]

    def accelerator_refusal(self, accelerator: Accelerator, path: KeyPath) -> Problem | None:
        """The declared refusal of an accelerator this cloud has none of (a Cloud TPU where
        `TPU` is in `UNSUPPORTED`), so placement says why instead of "no offer"."""
        if TPU in self.UNSUPPORTED and is_tpu(accelerator.name):
            return self.unsupported(TPU, f"{accelerator} is a Cloud TPU", path)
        return None

    def _network_problems(self, plan: NetworkPlan) -> list[Problem]:
        """`nat: per_zone` where this cloud declares it cannot make one NAT per zone."""
        if plan.nat != "per_zone" or NAT_PER_ZONE not in self.UNSUPPORTED:
            return []
        detail = f"network {plan.name!r} at {plan.site.stack} asks for a NAT per zone"
        return [self.unsupported(NAT_PER_ZONE, detail, ("networks", plan.name, "nat"))]

    def nat_gateways(self, plan: NetworkPlan) -> int:
        """How many NAT gateways `plan` gets (what `plan` prices, the lowering makes)."""
        return self.nat_gateway_count(plan.egress, plan.nat)

    def nat_gateway_count(self, egress: str, nat: str) -> int:
        """NAT gateways of a network site with `egress` and `nat`: none without NAT egress,
        one per zone (public subnet) for `per_zone` on a `nat_zonal` cloud, else one."""
        if egress != "nat":
            return 0
        if nat == "per_zone" and self.nat_zonal:
            return max(1, self.public_subnets_per_network)
        return 1

    def offline_breaks(self, plan: ComputePlan) -> list[str]:
        """What stops working for a group of `plan` on a network with `egress: none` (no
        internet): its startup script's downloads here; clouds add what their own boot and
        login paths fetch (`plan` and `check` warn with it)."""
        if plan.startup_script is None:
            return []
        return ["its startup_script cannot fetch packages or files from the internet"]

    def limits(
        self, plan: NetworkPlan | BucketPlan | ComputePlan, spec: Spec, section: str
    ) -> list[Problem]:
        """Where `plan` (of spec section `section`) breaks this cloud's limits on labels and
        startup scripts, located at the spec key that set the value."""
        return [
            *label_problems(self.label_rules, self.name, plan, spec, section),
            *script_problems(self.startup_script, self.name, plan),
        ]

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
        # Case-insensitive, as the catalog matches requests (`inferentia2:1` is Inferentia2).
        return accelerator is not None and accelerator.name.lower() not in _NON_NVIDIA

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
        """An `Offer` for `row`, classified by this cloud's arch/burstable rules (the row's own
        arch, where its file has one, beats the name rule)."""
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
            "arch": row.arch or ("arm64" if self.is_arm64(row.instance_type) else "x86_64"),
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
