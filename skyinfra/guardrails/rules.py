"""Secure-by-default rules over resources as the engine receives them: the one source of truth.

Each rule is a pure function of `Resource` records (type token, camelCase inputs, which
top-level inputs are secret, protect, parent and dependency URNs), so `skyinfra check` (the
mock engine's records) and the CrossGuard pack (pulumi_policy's argument objects) run the
same code. Per-cloud knowledge is data: each registered cloud's `CloudGuardrails` (in
`skyinfra/clouds/<cloud>/guardrails.py`), keyed by type token; a cloud without one fails
closed (`MissingGuardrails`).

What the spec deliberately asks for is not a violation: ports a `public: true` group opens
to the internet, buckets with `protect: false`. `Intent` carries those exceptions, keyed by
(stack, component logical name), the component being the neutral resource a cloud resource
is parented to (`<project>-<name>`, see `components.py`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.guardrails.ingress import PORT_PROTOCOLS, Ingress
from skyinfra.guardrails.intent import intent_of
from skyinfra.guardrails.model import (
    BUCKET_COMPONENT,
    COMPUTE_COMPONENT,
    Finding,
    Intent,
    PlannedNetwork,
    Resource,
    ResourceCheck,
    Rule,
    lookup,
)
from skyinfra.guardrails.table import CloudGuardrails, Companion, KeyPaths

__all__ = [
    "ADMIN_PORTS",
    "RULES",
    "Finding",
    "Intent",
    "MissingGuardrails",
    "PlannedNetwork",
    "Resource",
    "Rule",
    "check_resource",
    "check_resources",
    "check_stack",
    "cloud_guardrails",
    "ingress_rules",
    "intent_of",
    "internet_sources",
]

ADMIN_PORTS = (22, 3389)  # SSH, RDP


class MissingGuardrails(LookupError):
    """A registered cloud declares no guardrail table: its resources would go unchecked."""

    def __init__(self, cloud: str) -> None:
        super().__init__(
            f"cloud {cloud!r} has no guardrail table (GUARDRAILS in its guardrails module): "
            "refusing to check, since its resources would pass every rule unexamined"
        )
        self.cloud = cloud


def cloud_guardrails() -> CloudGuardrails:
    """Every registered cloud's guardrail rows, merged; `MissingGuardrails` if one has none."""
    return _merged(tuple(cloud_names()))


@cache
def _merged(names: tuple[str, ...]) -> CloudGuardrails:
    tables = []
    for name in names:
        table = get_cloud(name).guardrails()
        if table is None:
            raise MissingGuardrails(name)
        tables.append(table)
    return CloudGuardrails(
        public_bucket={k: v for t in tables for k, v in t.public_bucket.items()},
        public_bucket_companions=tuple(c for t in tables for c in t.public_bucket_companions),
        encryption={k: v for t in tables for k, v in t.encryption.items()},
        encryption_companions=tuple(c for t in tables for c in t.encryption_companions),
        ingress={k: v for t in tables for k, v in t.ingress.items()},
        vms=frozenset(v for t in tables for v in t.vms),
        vpn_keys={k: v for t in tables for k, v in t.vpn_keys.items()},
        credentials={k: v for t in tables for k, v in t.credentials.items()},
        stateful=frozenset(v for t in tables for v in t.stateful),
        stateful_under_bucket=frozenset(v for t in tables for v in t.stateful_under_bucket),
        ranges={k: v for t in tables for k, v in t.ranges.items()},
        grants={k: v for t in tables for k, v in t.grants.items()},
        long_lived_keys=frozenset(v for t in tables for v in t.long_lived_keys),
        identities=frozenset(v for t in tables for v in t.identities),
        public_address={k: v for t in tables for k, v in t.public_address.items()},
        nat=frozenset(v for t in tables for v in t.nat),
    )


# -- no-public-bucket, encryption-on: companions --------------------------------------------


def _companions(
    resources: Sequence[Resource], companions: Iterable[Companion]
) -> Iterator[tuple[Resource, str]]:
    """Every owner (an S3 bucket) needs a companion resource for it (the per-resource part of
    the rule checks that resource's settings): one that depends on it, or, should the engine
    not pass dependencies, one in the same skyinfra bucket component (it holds one bucket)."""
    for companion in companions:
        for owner in resources:
            if owner.type == companion.owner and not any(
                r.type == companion.token and _belongs_to(r, owner) for r in resources
            ):
                yield owner, companion.missing


def _belongs_to(setting: Resource, bucket: Resource) -> bool:
    if bucket.urn in setting.dependencies:
        return True
    return bucket.component_type == BUCKET_COMPONENT and setting.parent == bucket.parent


def _blocked_buckets(resources: Sequence[Resource], _: Intent) -> Iterator[tuple[Resource, str]]:
    return _companions(resources, cloud_guardrails().public_bucket_companions)


def _encrypted_buckets(resources: Sequence[Resource], _: Intent) -> Iterator[tuple[Resource, str]]:
    return _companions(resources, cloud_guardrails().encryption_companions)


# -- no-open-admin-ports --------------------------------------------------------------------
#
# Internet ingress is for `public: true` groups, on their own ports and their own VMs. Per
# resource (all a CrossGuard resource policy sees), a rule is judged by what owns it: a
# compute group's rules may open that group's public ports; a network's rules that name a
# target (a tag, an ASG) the ports some group of the network opens, and untargeted ones only
# ports every group of it opens. Across a stack, a rule is judged by the VMs it reaches.
# Resources of neither kind may not open SSH or RDP.


def _allowed_here(r: Resource, rule: Ingress, intent: Intent) -> frozenset[int] | None:
    """Ports `rule` of `r` may open to the internet, judging by `r` alone; None when `r`
    belongs to no compute group or network of the spec."""
    owner = (r.stack, r.component)
    if owner in intent.public_ports:
        return intent.public_ports[owner]
    if owner not in intent.members:
        return None
    opened = [intent.public_ports.get((r.stack, m), frozenset()) for m in intent.members[owner]]
    if not opened:
        return frozenset()
    if rule.targets is None:
        return frozenset.intersection(*opened)
    return frozenset.union(*opened)


def _unasked(rule: Ingress, allowed: frozenset[int] | None) -> list[str]:
    """The ports of `rule` outside `allowed` (None: only SSH and RDP are checked)."""
    low, high = rule.ports
    if allowed is None:
        return [f"port {p}" for p in ADMIN_PORTS if low <= p <= high]
    if high - low < len(allowed) and all(p in allowed for p in range(low, high + 1)):
        return []
    return [f"port {low}" if low == high else f"ports {low}-{high}"]


def ingress_rules(r: Resource) -> Iterable[Ingress]:
    """`r`'s allow-ingress rules, or none for a type that holds none."""
    kind = cloud_guardrails().ingress.get(r.type)
    return kind.parse(r) if kind is not None else ()


def internet_sources(r: Resource, rule: Ingress) -> tuple[str, ...]:
    """The sources of `rule` that are the internet: "anywhere" (0.0.0.0/0, Internet) and any
    public range that `r`'s type does not declare as its provider's proxy (`proxies`)."""
    kind = cloud_guardrails().ingress.get(r.type)
    proxies = kind.proxies if kind is not None else {}
    public = {s for s in rule.sources if s not in proxies and _is_public(s)}
    return tuple(sorted({*rule.internet, *public}))


def _is_public(source: str) -> bool:
    """A globally routable address range (a service tag or a name is not a range here)."""
    try:
        return ipaddress.ip_network(source, strict=False).is_global
    except ValueError:
        return False


def _internet_rules(r: Resource) -> Iterator[tuple[Ingress, tuple[str, ...]]]:
    for rule in ingress_rules(r):
        sources = internet_sources(r, rule)
        if sources and rule.protocol in PORT_PROTOCOLS:
            yield rule, sources


def _open_admin_ports(r: Resource, intent: Intent) -> Iterator[str]:
    for rule, sources in _internet_rules(r):
        for ports in _unasked(rule, _allowed_here(r, rule, intent)):
            yield f"admits {', '.join(sources)} on {ports} ({rule.protocol})"


def _exposed_groups(
    resources: Sequence[Resource], intent: Intent
) -> Iterator[tuple[Resource, str]]:
    """Internet rules that reach VMs of a group on ports that group does not open publicly
    (those the per-resource part already reports are left to it)."""
    types = cloud_guardrails().vms
    vms = [
        vm
        for vm in resources
        if vm.type in types and (vm.stack, vm.component) in intent.public_ports
    ]
    by_urn = {r.urn: r for r in resources}
    for r in resources:
        for rule, sources in _internet_rules(r):
            if _unasked(rule, _allowed_here(r, rule, intent)):
                continue
            for vm in vms:
                if not _reaches(r, rule, vm, by_urn):
                    continue
                opened = intent.public_ports[(vm.stack, vm.component)]
                for ports in _unasked(rule, opened):
                    why = f"opens only {_ports(opened)}" if opened else "is not `public: true`"
                    yield (
                        r,
                        (
                            f"admits {', '.join(sources)} on {ports} ({rule.protocol}) to "
                            f"the VMs of {vm.component}, which {why}"
                        ),
                    )


def _ports(ports: frozenset[int]) -> str:
    return f"port{'s' if len(ports) > 1 else ''} {', '.join(str(p) for p in sorted(ports))}"


def _reaches(r: Resource, rule: Ingress, vm: Resource, by_urn: Mapping[str, Resource]) -> bool:
    """Whether `rule` of `r` applies to `vm` (as `r`'s cloud says)."""
    kind = cloud_guardrails().ingress.get(r.type)
    return kind is not None and kind.reaches(r, rule, vm, by_urn)


# -- private-vms ----------------------------------------------------------------------------


def _public_address(r: Resource, intent: Intent) -> Iterator[str]:
    """A compute group's VMs get a public IP only if the group is `public: true` (the others
    go out through their network's NAT)."""
    gives = cloud_guardrails().public_address.get(r.type)
    group = (r.stack, r.component)
    if gives and group in intent.public_ports and group not in intent.public_groups and gives(r):
        yield f"gives the VMs of {r.component} a public IP, but it is not `public: true`"


# -- vpn-keys-secret, credentials-secret ---------------------------------------------------


def _plaintext(table: Callable[[CloudGuardrails], KeyPaths], what: str) -> ResourceCheck:
    def check(r: Resource, _: Intent) -> Iterator[str]:
        secret = r.secret_keys or frozenset()
        for path in table(cloud_guardrails()).get(r.type, ()):
            if lookup(r.inputs, *path) is not None and path[0] not in secret:
                where = ".".join(path)
                yield f"{what} {where} is not a secret (it would be stored in plain text)"

    return check


# -- stateful-protected ---------------------------------------------------------------------


def _unprotected(r: Resource, intent: Intent) -> Iterator[str]:
    tables = cloud_guardrails()
    stateful = r.type in tables.stateful or (
        r.type in tables.stateful_under_bucket and r.component_type == BUCKET_COMPONENT
    )
    if stateful and not r.protect and (r.stack, r.component) not in intent.unprotected:
        yield "holds data but is not protected: `pulumi destroy` or a replacement would delete it"


# -- cidrs-disjoint -------------------------------------------------------------------------


def _overlapping(resources: Sequence[Resource], intent: Intent) -> Iterator[tuple[Resource, str]]:
    """Ranges of different networks (any stacks) must be disjoint: the address plan makes every
    pair disjoint because gateways re-advertise routes (transit), so any pair may be routed.
    Stacks not among `resources` are represented by their planned ranges (`intent`)."""
    seen: list[tuple[tuple[str, str], str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    present = {r.stack for r in resources}
    for p in intent.networks:
        if p.stack not in present:
            label = f"planned network {p.component} in {p.stack}"
            seen.append(((p.stack, p.component), label, ipaddress.ip_network(p.cidr, strict=False)))
    for r in resources:
        ranges = cloud_guardrails().ranges.get(r.type)
        for cidr in ranges(r) if ranges is not None else []:
            net = ipaddress.ip_network(cidr, strict=False)
            owner = (r.stack, r.component)
            for other, label, taken in seen:
                if other != owner and net.version == taken.version and net.overlaps(taken):
                    yield r, f"{net} overlaps {taken} of {label}"
            seen.append((owner, f"{r.type} {r.name} in {r.stack}", net))


# -- the table ------------------------------------------------------------------------------


def _compute_key(r: Resource, _: Intent) -> Iterator[str]:
    """A long-lived key under a compute group: its VMs have an identity of their own."""
    if r.type in cloud_guardrails().long_lived_keys and r.component_type == COMPUTE_COMPONENT:
        yield f"a long-lived key is created for compute group {r.component}"


def _by_type(table: Callable[[CloudGuardrails], Mapping[str, ResourceCheck]]) -> ResourceCheck:
    def check(r: Resource, intent: Intent) -> Iterable[str]:
        found = table(cloud_guardrails()).get(r.type)
        return found(r, intent) if found is not None else ()

    return check


RULES: tuple[Rule, ...] = (
    Rule(
        "no-public-bucket",
        "Buckets are private: S3 public access block all on and no public ACL; GCS public "
        "access prevention enforced with uniform access; Azure accounts and containers private",
        "keep skyinfra's bucket settings: set the flags above back on (S3 block flags true, "
        "GCS publicAccessPrevention=enforced, Azure allowBlobPublicAccess=false)",
        resource=_by_type(lambda t: t.public_bucket),
        stack=_blocked_buckets,
    ),
    Rule(
        "encryption-on",
        "Data is encrypted: S3 server-side encryption, encrypted EBS volumes, Azure storage "
        "over HTTPS only with TLS 1.2 or later",
        "use SSE-KMS (or AES256) on S3, encrypted=true on EBS mappings, and "
        "enableHttpsTrafficOnly=true with minimumTlsVersion=TLS1_2 on Azure storage accounts",
        resource=_by_type(lambda t: t.encryption),
        stack=_encrypted_buckets,
    ),
    Rule(
        "no-open-admin-ports",
        "Internet ingress (0.0.0.0/0, ::/0, Internet, any public range but a provider's "
        "declared proxy such as GCP IAP's) reaches a compute group's VMs only on "
        "the ports of that group, and only if it says `public: true`; SSH (22) and RDP (3389) "
        "are open to the internet nowhere else",
        "admit a group's ports from the network's own and peered CIDRs only, on that group's "
        "VMs only (its own security group, network tag or ASG); set `public: true` on the "
        "compute group that must be reachable from the internet",
        resource=_open_admin_ports,
        stack=_exposed_groups,
    ),
    Rule(
        "private-vms",
        "Compute groups get private addresses only; a `public: true` group alone gets public IPs",
        "drop the VMs' public IP (AWS associatePublicIpAddress, GCP accessConfigs, Azure "
        "publicIPAddressConfiguration): private VMs reach the internet through the network's "
        "NAT; or set `public: true` on the group",
        resource=_public_address,
    ),
    Rule(
        "vpn-keys-secret",
        "VPN pre-shared keys and interconnect BGP keys are Pulumi secrets (encrypted in state, masked in output)",
        "wrap the key in pulumi.Output.secret(...) (or pass additional_secret_outputs)",
        resource=_plaintext(lambda t: t.vpn_keys, "pre-shared key"),
        needs_secrets=True,
    ),
    Rule(
        "credentials-secret",
        "Credentials skyinfra creates (replication keys and SAS tokens, generated VM "
        "passwords) are Pulumi secrets",
        "wrap the credential in pulumi.Output.secret(...) before passing it to the resource",
        resource=_plaintext(lambda t: t.credentials, "credential"),
        needs_secrets=True,
    ),
    Rule(
        "stateful-protected",
        "Stateful resources (buckets, storage accounts, their resource groups, databases) are "
        "protected unless the spec says `protect: false`",
        "pass opts=ResourceOptions(protect=True), or set `protect: false` on the bucket in "
        "the spec to opt out deliberately",
        resource=_unprotected,
    ),
    Rule(
        "grants-scoped",
        "A compute group's access is scoped to the buckets it is granted: no policy on `*` "
        "or all of S3, no project-level storage role, no role assignment at subscription or "
        "resource-group scope",
        "let skyinfra derive grants from flows and `grants:`: one policy or role per bucket "
        "(the bucket ARN and `arn/*`, a bucket IAM member, a role assignment on the container)",
        resource=_by_type(lambda t: t.grants),
    ),
    Rule(
        "no-compute-keys",
        "No long-lived key (AWS access key, GCP service-account or HMAC key) is created for a "
        "compute group: its VMs use their own identity's short-lived credentials",
        "remove the key; grant the group's identity instead (`grants:` on the group, or a flow)",
        resource=_compute_key,
    ),
    Rule(
        "cidrs-disjoint",
        "Network address ranges do not overlap across the spec's stacks",
        "use `cidr: auto` (skyinfra allocates disjoint /16s) or pick a non-overlapping "
        "explicit cidr",
        stack=_overlapping,
    ),
)


def check_resource(rule: Rule, resource: Resource, intent: Intent) -> list[Finding]:
    """`rule`'s per-resource findings for `resource`."""
    if rule.resource is None:
        return []
    return [_finding(rule, resource, m) for m in rule.resource(resource, intent)]


def check_stack(rule: Rule, resources: Sequence[Resource], intent: Intent) -> list[Finding]:
    """`rule`'s stack-wide findings over `resources` (one stack, or all of a spec's)."""
    if rule.stack is None:
        return []
    return [_finding(rule, r, m) for r, m in rule.stack(resources, intent)]


def check_resources(
    resources: Sequence[Resource], intent: Intent, rules: Sequence[Rule] = RULES
) -> list[Finding]:
    """Every finding of every rule, resource by resource, then stack-wide."""
    cloud_guardrails()  # fail closed before any rule, even with no resources
    findings = [f for rule in rules for r in resources for f in check_resource(rule, r, intent)]
    findings += [f for rule in rules for f in check_stack(rule, resources, intent)]
    return findings


def _finding(rule: Rule, r: Resource, message: str) -> Finding:
    return Finding(rule.id, r.stack, r.type, r.name, message, rule.hint, r.urn)
