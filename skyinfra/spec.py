"""The neutral spec: what a user asks for, with no knowledge of any cloud.

Models are frozen and strict (unknown keys are errors). Cloud names are plain strings here;
the cloud registry validates them later, so this module never names a provider.
Cross-references (a compute group's network, flow endpoints, ...) are checked by
`spec_checks.check_references`, which loops over the resource kinds (`skyinfra.kinds`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from skyinfra.ssh_keys import check_public_key

NAME_MAX = 31
NAME_PATTERN = rf"^[a-z][a-z0-9-]{{0,{NAME_MAX - 1}}}$"
NAME_RULE = (
    f"a name is lowercase letters, digits and '-', starts with a letter and has at most "
    f"{NAME_MAX} characters"
)
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Port = Annotated[int, Field(ge=1, le=65535)]


@dataclass(frozen=True)
class Quantity:
    """`"4+"` (at least 4) or `"4"`/`4` (exactly 4): cpus and memory requests."""

    amount: float
    at_least: bool = False

    _RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\+?)\s*$")

    @classmethod
    def parse(cls, value: Any) -> Quantity:
        if isinstance(value, Quantity):
            return value
        if isinstance(value, bool):
            raise ValueError("expected a number such as 4 or a string such as '4+'")
        if isinstance(value, int | float):
            if value <= 0:
                raise ValueError("must be greater than 0")
            return cls(float(value))
        match = cls._RE.match(value) if isinstance(value, str) else None
        if not match or float(match.group(1)) <= 0:
            raise ValueError(
                f"{value!r} is not a quantity: use e.g. 4 (exactly) or '4+' (at least)"
            )
        return cls(float(match.group(1)), bool(match.group(2)))

    def satisfied_by(self, offered: float) -> bool:
        return offered >= self.amount if self.at_least else offered == self.amount

    def __str__(self) -> str:
        text = f"{self.amount:g}"
        return f"{text}+" if self.at_least else text


@dataclass(frozen=True)
class Accelerator:
    """`"A100:8"`: an accelerator name as the catalog spells it, and how many per VM."""

    name: str
    count: int = 1

    @classmethod
    def parse(cls, value: Any) -> Accelerator:
        if isinstance(value, Accelerator):
            return value
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*(?::\s*(\d+))?\s*", str(value))
        if not isinstance(value, str) or not match:
            raise ValueError(
                f"{value!r} is not an accelerator request: use NAME:COUNT, e.g. 'A100:8'"
            )
        count = int(match.group(2) or 1)
        if count < 1:
            raise ValueError("accelerator count must be at least 1")
        return cls(match.group(1), count)

    def __str__(self) -> str:
        return f"{self.name}:{self.count}"


QuantityField = Annotated[
    Quantity,
    PlainValidator(Quantity.parse),
    PlainSerializer(str),
    WithJsonSchema(
        {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\d+(\.\d+)?\+?$"}]}
    ),
]
AcceleratorField = Annotated[
    Accelerator,
    PlainValidator(Accelerator.parse),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*(:\d+)?$"}),
]


class Model(BaseModel):
    """Shared config: frozen, strict, unknown keys rejected."""

    # Attribute docstrings become field descriptions in the JSON Schema (`skyinfra schema`).
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


class PlacementSpec(Model):
    """Where a resource may run: narrows the spec's policy, or pins (cloud + region)."""

    cloud: str | None = None
    clouds: list[str] | None = None
    region: str | None = None
    regions: list[str] | None = None
    """Glob patterns over the providers' region names."""
    geo: list[str] | None = None
    """Jurisdictions / areas from the catalog's geo table."""
    colocate_with: Name | None = None
    """Same cloud and region as that resource."""
    avoid: list[Name] = []
    """A different cloud from each of these (HA across providers)."""
    max_hourly_price: float | None = Field(default=None, gt=0)
    """USD per VM-hour."""

    @property
    def pinned(self) -> bool:
        return self.cloud is not None and self.region is not None


class Policy(Model):
    """Defaults for every resource's placement."""

    clouds: list[str] | None = None
    regions: list[str] = ["*"]
    geo: list[str] | None = None
    objective: Literal["cost"] = "cost"
    max_hourly_price: float | None = Field(default=None, gt=0)
    """USD per VM-hour."""


# RFC 1918 space: `ipaddress`'s `is_private` also admits link-local, loopback and 0/8, which
# no cloud accepts as workload space.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def _check_private(net: ipaddress.IPv4Network, value: str) -> None:
    if not any(net.subnet_of(r) for r in PRIVATE_RANGES):
        raise ValueError(f"{value} is not a private range (10/8, 172.16/12 or 192.168/16)")


LABEL_PREFIX = "skyinfra"
"""skyinfra's own labels (`skyinfra-project`, `skyinfra-resource`) start with it: reserved."""


def _check_labels(value: dict[str, str]) -> dict[str, str]:
    """Neutral rules only (each cloud checks its own limits at plan time, `Cloud.limits`)."""
    for key in value:
        if not key:
            raise ValueError("a label key cannot be empty")
        if key.lower().startswith(LABEL_PREFIX):
            raise ValueError(
                f"label {key!r}: keys starting with {LABEL_PREFIX!r} are skyinfra's own "
                "(skyinfra-project, skyinfra-resource)"
            )
    return value


Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]
"""Key/values put on every taggable resource (AWS tags, GCP labels, Azure tags)."""


class Network(Model):
    """A private network; one concrete VPC/VNet per (cloud, region) that uses it."""

    cidr: str = "auto"
    labels: Labels = {}
    """Added to the spec's top-level `labels` (and overriding them) on this network's resources."""
    egress: Literal["nat", "none"] = "nat"
    """Outbound internet for the network's private VMs: `nat` (one managed NAT per site that
    hosts compute), or `none` (no NAT and no internet route: e.g. for regulated data; public
    groups cannot join such a network)."""
    nat: Literal["single", "per_zone"] = "single"
    """How many NAT gateways a site of the network gets: `single` (one), or `per_zone` (one in
    each zone of the network, each zone's private subnets routed to their own, so one zone's
    outage leaves the others' egress up) where the cloud's NAT gateway lives in one zone."""

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        if value == "auto":
            return value
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as err:
            raise ValueError(
                f"{value!r} is not 'auto' or an IPv4 CIDR such as 10.20.0.0/16 ({err})"
            ) from None
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(
                f"{value}: use a prefix between /16 and /24 (every cloud accepts those)"
            )
        _check_private(net, value)
        return str(net)

    @field_validator("nat")
    @classmethod
    def _nat(cls, value: str, info: ValidationInfo) -> str:
        """`per_zone` says how many NATs: meaningless without any (`egress: none`)."""
        if value == "per_zone" and info.data.get("egress") == "none":
            raise ValueError("nat: per_zone needs egress: nat (egress: none has no NAT)")
        return value


class Bucket(Model):
    """Object storage: private, encrypted, versioned and protected unless said otherwise."""

    placement: PlacementSpec = PlacementSpec()
    size_gb: float = Field(default=0, ge=0)
    versioning: bool = True
    protect: bool = True
    replicate_to: list[Name] = []
    """A replica next to each of these resources (peering layer)."""
    replication_gb_per_month: float | None = Field(default=None, ge=0)
    """GB written per month that replication copies; default: the whole `size_gb` each month."""
    labels: Labels = {}
    """Added to the spec's top-level `labels` (and overriding them) on this bucket's resources."""

    @property
    def replication_gb(self) -> float:
        """Monthly volume replication moves to each replica (prices its egress)."""
        return (
            self.size_gb if self.replication_gb_per_month is None else self.replication_gb_per_month
        )


REPLICA_SUFFIX = "-replica"


def replica_name(bucket: str) -> str:
    """The name of `bucket`'s replica bucket, in whichever stack it lives."""
    return f"{bucket}{REPLICA_SUFFIX}"


class Resources(Model):
    """What each VM of a compute group needs; matched against the price catalog."""

    cpus: QuantityField | None = None
    memory: QuantityField | None = None
    accelerators: AcceleratorField | None = None
    disk_gb: int = Field(default=100, ge=10, le=65536)
    arch: Literal["x86_64", "arm64"] = "x86_64"
    burstable: bool = False


DEFAULT_IMAGE = "ubuntu-22.04"


class ScriptFile(Model):
    """`{file: boot.sh}`: a startup script read from a UTF-8 file at plan time.

    `compile` copies it into the project (`files/`), so `pulumi up` never reads the original.
    """

    # The loader reads the file (`loader.read_script_files`) and keeps its text here.

    file: str = Field(min_length=1)
    """A path relative to the spec file's directory, inside it."""
    _text: str | None = PrivateAttr(default=None)

    @field_validator("file")
    @classmethod
    def _inside(cls, value: str) -> str:
        path = PurePosixPath(value.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or PureWindowsPath(value).drive:
            raise ValueError(
                f"{value!r}: give a path relative to the spec's directory, inside it (no '..')"
            )
        return path.as_posix()

    @property
    def text(self) -> str:
        if self._text is None:
            raise ValueError(f"startup script file {self.file!r} was not read (load the spec)")
        return self._text


def script_problem(text: str) -> str | None:
    """Why `text` cannot be a startup script: every cloud must run it as a program, and
    cloud-init (AWS user data, Azure custom data) runs only scripts with an interpreter line."""
    if not text.startswith("#!"):
        return "a startup script starts with an interpreter line, such as #!/bin/bash"
    return None


def _script_text(value: str) -> str:
    why = script_problem(value)
    if why:
        raise ValueError(why)
    return value


def _script_form(value: Any) -> str:
    """A mapping is `{file: ...}`; anything else must be the script's text."""
    return "file" if isinstance(value, dict | ScriptFile) else "text"


# One form per value (not a plain union): an error names only the form the user wrote.
StartupScript = Annotated[
    Annotated[
        str,
        AfterValidator(_script_text),
        WithJsonSchema({"type": "string", "pattern": "^#!"}),
        Tag("text"),
    ]
    | Annotated[ScriptFile, Tag("file")],
    Discriminator(_script_form),
]


class GrantSpec(Model):
    """Explicit access of a compute group to a bucket, on top of what its flows imply."""

    bucket: Name
    access: Literal["read", "write", "admin"] = "read"
    """read: get and list; write: create and overwrite, no delete; admin: also delete."""


class Compute(Model):
    """A managed group of identical VMs."""

    network: Name | None = None
    count: int = Field(default=1, ge=1, le=1000)
    resources: Resources = Resources()
    instance_type: str | dict[str, str] | None = None
    spot: bool = False
    image: str | dict[str, str] = DEFAULT_IMAGE
    """A neutral image name (ubuntu-22.04, ubuntu-24.04, debian-12; GPU groups get the cloud's
    NVIDIA-driver variant of it), or per cloud the provider's own image, used as given:
    `{aws: ami-..., gcp: projects/P/global/images/[family/]NAME, azure: PUBLISHER:OFFER:SKU:VERSION
    or an image resource id}`. A cloud not listed gets the default, ubuntu-22.04."""
    ports: list[Port] = []
    public: bool = False
    ssh_public_key: str | None = None
    """One OpenSSH public key line (ssh-ed25519, ssh-rsa of 2048+ bits, ecdsa-sha2-nistp*)."""
    placement: PlacementSpec = PlacementSpec()
    startup_script: StartupScript | None = None
    """Run once, as root, on each VM's first boot: the script's text (starting with `#!`), or
    `{file: path}` read at plan time (relative to the spec's directory) and stored in the
    compiled project. Anyone allowed to describe the VMs can read it: put no secret in it."""
    labels: Labels = {}
    """Added to the spec's top-level `labels` (and overriding them) on this group's resources."""
    grants: list[GrantSpec] = []
    """Buckets this group's identity may use besides the flows' (`{bucket, access}`)."""

    @field_validator("ssh_public_key")
    @classmethod
    def _ssh_key(cls, value: str | None) -> str | None:
        """Clouds refuse an unreadable key only at deploy time, after other resources exist."""
        if value is not None:
            check_public_key(value)
        return value

    @property
    def script(self) -> str | None:
        """The startup script's text (a `{file:}` one as the loader read it), or None."""
        given = self.startup_script
        return given.text if isinstance(given, ScriptFile) else given

    def image_for(self, cloud: str) -> tuple[str, str | None]:
        """(neutral image name, the provider's own image or None) for a group on `cloud`."""
        if isinstance(self.image, dict):
            return DEFAULT_IMAGE, self.image.get(cloud)
        return self.image, None


class Flow(Model):
    """Steady data movement between two resources, in GB per month."""

    source: Name = Field(alias="from")
    to: Name
    gb_per_month: float = Field(ge=0)


class Peering(Model):
    """How networks in different (cloud, region)s are connected."""

    mode: Literal["vpn", "interconnect", "auto"] = "vpn"
    """`auto`: per link between clouds, whichever of VPN and interconnect costs less a month
    with the egress of the flows it carries, decided with the placement."""
    links: Literal["auto"] | list[Annotated[list[str], Field(min_length=2, max_length=2)]] = "auto"
    supernet: str = "10.0.0.0/8"
    """Where `cidr: auto` networks get their /16s; one range for all clouds, so they never clash."""

    @field_validator("supernet")
    @classmethod
    def _supernet(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as err:
            raise ValueError(f"{value!r} is not an IPv4 CIDR such as 10.0.0.0/8 ({err})") from None
        if not 8 <= net.prefixlen <= 16:
            raise ValueError(f"{value}: use a prefix between /8 and /16 (auto networks are /16s)")
        _check_private(net, value)
        return str(net)


class Spec(Model):
    """The whole user-facing description (contract v1)."""

    name: Name
    accounts: dict[str, dict[str, str]] = {}
    policy: Policy = Policy()
    networks: dict[Name, Network] = {}
    buckets: dict[Name, Bucket] = {}
    compute: dict[Name, Compute] = {}
    flows: list[Flow] = []
    peering: Peering = Peering()
    labels: Labels = {}
    """Put on every taggable resource of the project; a resource's own `labels` override them."""

    # The loader's SourceMap (positions of keys), used to locate errors found after loading.
    _source: Any = PrivateAttr(default=None)

    def network_of(self, group: str) -> str:
        """The network a compute group attaches to (the only network when it names none)."""
        return self.compute[group].network or next(iter(self.networks))

    def labels_of(self, section: str, name: str) -> dict[str, str]:
        """The user's labels of resource `name` of spec section `section`: the top-level
        ones, then the resource's own (which win)."""
        own: dict[str, str] = getattr(self, section)[name].labels
        return {**self.labels, **own}

    def script_files(self) -> dict[str, str]:
        """Every `{file:}` startup script, path -> text (what a compiled project stores)."""
        return {
            g.startup_script.file: g.startup_script.text
            for g in self.compute.values()
            if isinstance(g.startup_script, ScriptFile)
        }
