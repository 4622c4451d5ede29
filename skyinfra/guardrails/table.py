"""The per-cloud half of the guardrails: what a cloud declares, type token by type token.

The rules (`rules.py`) are neutral: which resource types are buckets, security rules or VMs,
how to read their ingress and where their secrets sit is each cloud's knowledge, declared in
`skyinfra/clouds/<cloud>/guardrails.py` as one `CloudGuardrails` (its `GUARDRAILS`). The
rules loop over every registered cloud's table; a cloud without one fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from skyinfra.guardrails.ingress import Ingress
from skyinfra.guardrails.model import Resource, ResourceCheck

__all__ = [
    "CloudGuardrails",
    "Companion",
    "IngressType",
    "KeyPaths",
    "Ranges",
    "Reach",
    "held_rules_reach",
    "type_of",
]

# Where a key sits in a resource's inputs. The SDK marks a whole top-level input secret when
# a secret is nested anywhere inside it, so the first key of the path is what must be secret.
KeyPaths = Mapping[str, tuple[tuple[str, ...], ...]]
# Whether `rule` of a resource reaches a VM: (resource, rule, vm, every resource by URN).
Reach = Callable[[Resource, Ingress, Resource, Mapping[str, Resource]], bool]
# A network resource's own address ranges.
Ranges = Callable[[Resource], list[str]]


@dataclass(frozen=True)
class IngressType:
    """A resource type that holds allow-ingress rules: how to read them, and which VMs
    (`CloudGuardrails.vms`) a rule of it reaches. `proxies`: public source ranges that are
    the provider's own proxy, not the internet (range -> what it is), such as the range GCP's
    Identity-Aware Proxy connects from; every other public range counts as the internet."""

    parse: Callable[[Resource], Iterable[Ingress]]
    reaches: Reach
    proxies: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Companion:
    """A resource of type `owner` needs one of type `token` for it (one that depends on it,
    or one in the same skyinfra bucket component); `missing` is the finding without one."""

    owner: str
    token: str
    missing: str


@dataclass(frozen=True)
class CloudGuardrails:
    """One cloud's rows of every rule's table, keyed by its resource type tokens."""

    public_bucket: Mapping[str, ResourceCheck] = field(default_factory=dict)
    public_bucket_companions: tuple[Companion, ...] = ()
    encryption: Mapping[str, ResourceCheck] = field(default_factory=dict)
    encryption_companions: tuple[Companion, ...] = ()
    ingress: Mapping[str, IngressType] = field(default_factory=dict)
    vms: frozenset[str] = frozenset()  # VMs, instances or their templates / scale sets
    vpn_keys: KeyPaths = field(default_factory=dict)  # link pre-shared and BGP keys
    credentials: KeyPaths = field(default_factory=dict)  # credentials skyinfra creates
    stateful: frozenset[str] = frozenset()
    stateful_under_bucket: frozenset[str] = frozenset()  # stateful when a bucket's child
    ranges: Mapping[str, Ranges] = field(default_factory=dict)  # networks' own ranges
    # Access grants: a finding for a grant wider than one bucket (account, project, "*").
    grants: Mapping[str, ResourceCheck] = field(default_factory=dict)
    # Long-lived keys of an identity (access keys, service-account keys): never on a compute
    # group, whose VMs get short-lived credentials from their own identity.
    long_lived_keys: frozenset[str] = frozenset()
    # What carries a compute group's own identity onto its VMs (instance profile, service
    # account, managed identity): one per group, named by the VM resource.
    identities: frozenset[str] = frozenset()
    # VM types (of `vms`) -> whether the VMs it makes get a public IP address.
    public_address: Mapping[str, Callable[[Resource], bool]] = field(default_factory=dict)
    nat: frozenset[str] = frozenset()  # what gives a network's private VMs their way out


def held_rules_reach(holders: frozenset[str], subnets: frozenset[str] = frozenset()) -> Reach:
    """Reach of rules whose resource (one of `holders`, or a rule naming one) applies to every
    VM that names that holder, directly or through a subnet (of a type in `subnets`) that does.
    """

    def reaches(r: Resource, _: Ingress, vm: Resource, by_urn: Mapping[str, Resource]) -> bool:
        named = (
            {r.urn} if r.type in holders else {d for d in r.dependencies if type_of(d) in holders}
        )
        return any(_governs(h, vm, by_urn, subnets) for h in named)

    return reaches


def _governs(
    holder: str, vm: Resource, by_urn: Mapping[str, Resource], subnets: frozenset[str]
) -> bool:
    if holder in vm.dependencies:
        return True
    named = (by_urn[d] for d in vm.dependencies if d in by_urn)
    return any(holder in s.dependencies for s in named if s.type in subnets)


def type_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<parent types$type>::<name>` -> `<type>`."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""
