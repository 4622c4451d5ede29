"""Secure-by-default rules over resources as the engine receives them: the one source of truth.

Each rule is a pure function of `Resource` records (type token, camelCase inputs, which
top-level inputs are secret, protect, parent and dependency URNs), so `skyinfra check` (the
mock engine's records) and the CrossGuard pack (pulumi_policy's argument objects) run the
same code. Per-cloud knowledge is data: one table per rule, keyed by type token.

What the spec deliberately asks for is not a violation: ports a `public: true` group opens
to the internet, buckets with `protect: false`. `Intent` carries those exceptions, keyed by
(stack, component logical name), the component being the neutral resource a cloud resource
is parented to (`<project>-<name>`, see `components.py`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from skyinfra.guardrails.ingress import PORT_PROTOCOLS, Ingress, ingress_rules
from skyinfra.guardrails.model import (
    BUCKET_COMPONENT,
    Finding,
    Intent,
    PlannedNetwork,
    Resource,
    ResourceCheck,
    Rule,
    as_list,
    intent_of,
    is_true,
    lookup,
)

__all__ = [
    "ADMIN_PORTS",
    "RULES",
    "Finding",
    "Intent",
    "PlannedNetwork",
    "Resource",
    "Rule",
    "check_resource",
    "check_resources",
    "check_stack",
    "intent_of",
]

ADMIN_PORTS = (22, 3389)  # SSH, RDP

# -- no-public-bucket -----------------------------------------------------------------------

_S3_BUCKET = "aws:s3/bucket:Bucket"
_S3_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
_S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
_PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _s3_acl(r: Resource, _: Intent) -> Iterator[str]:
    acl = r.inputs.get("acl")
    if acl in _PUBLIC_ACLS:
        yield f"canned ACL {acl!r} grants public access"


def _s3_block(r: Resource, _: Intent) -> Iterator[str]:
    off = [flag for flag in _BLOCK_FLAGS if not is_true(r.inputs.get(flag))]
    if off:
        yield f"public access block leaves {', '.join(off)} off"


def _gcs_private(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("publicAccessPrevention") != "enforced":
        yield "public access prevention is not enforced"
    if not is_true(r.inputs.get("uniformBucketLevelAccess")):
        yield "uniform bucket-level access is off (object ACLs may grant public reads)"


def _account_private(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("allowBlobPublicAccess") is not False:
        yield "allowBlobPublicAccess is not false"


def _container_private(r: Resource, _: Intent) -> Iterator[str]:
    access = r.inputs.get("publicAccess")
    if access not in (None, "None"):
        yield f"container public access is {access!r}"


_PUBLIC_BUCKET: dict[str, ResourceCheck] = {
    _S3_BUCKET: _s3_acl,
    "aws:s3/bucketAcl:BucketAcl": _s3_acl,
    _S3_BLOCK: _s3_block,
    "gcp:storage/bucket:Bucket": _gcs_private,
    "azure-native:storage:StorageAccount": _account_private,
    "azure-native:storage:BlobContainer": _container_private,
}


def _companions(
    resources: Sequence[Resource], token: str, missing: str
) -> Iterator[tuple[Resource, str]]:
    """Every S3 bucket needs a `token` resource for it (the per-resource part of the rule
    checks that resource's settings): one that depends on it, or, should the engine not pass
    dependencies, one in the same skyinfra bucket component (it holds one bucket)."""
    for bucket in resources:
        if bucket.type == _S3_BUCKET and not any(
            r.type == token and _belongs_to(r, bucket) for r in resources
        ):
            yield bucket, missing


def _belongs_to(setting: Resource, bucket: Resource) -> bool:
    if bucket.urn in setting.dependencies:
        return True
    return bucket.component_type == BUCKET_COMPONENT and setting.parent == bucket.parent


def _blocked_buckets(resources: Sequence[Resource], _: Intent) -> Iterator[tuple[Resource, str]]:
    return _companions(resources, _S3_BLOCK, "no public access block")


# -- encryption-on --------------------------------------------------------------------------

_SSE_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse", "AES256"})
_TLS_OK = frozenset({"TLS1_2", "TLS1_3"})


def _sse_algorithms(r: Resource) -> list[Any]:
    return [
        lookup(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        for rule in as_list(r.inputs.get("rules"))
    ]


def _sse_rules(r: Resource, _: Intent) -> Iterator[str]:
    algorithms = _sse_algorithms(r)
    if not algorithms or any(a not in _SSE_ALGORITHMS for a in algorithms):
        yield f"server-side encryption algorithm {algorithms or 'unset'} is not KMS or AES256"


def _launch_template_disks(r: Resource, _: Intent) -> Iterator[str]:
    disks = [
        m for m in as_list(r.inputs.get("blockDeviceMappings")) if lookup(m, "ebs") is not None
    ]
    if not disks:
        yield "no EBS block device mapping: the root volume's encryption is left to the AMI"
    for mapping in disks:
        if not is_true(lookup(mapping, "ebs", "encrypted")):
            yield f"EBS volume {lookup(mapping, 'deviceName')!r} is not encrypted"


def _ebs_volume(r: Resource, _: Intent) -> Iterator[str]:
    if not is_true(r.inputs.get("encrypted")):
        yield "EBS volume is not encrypted"


def _account_transport(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("enableHttpsTrafficOnly") is not True:
        yield "enableHttpsTrafficOnly is not true"
    if r.inputs.get("minimumTlsVersion") not in _TLS_OK:
        yield f"minimumTlsVersion is {r.inputs.get('minimumTlsVersion')!r}, not TLS1_2 or later"


_ENCRYPTION: dict[str, ResourceCheck] = {
    _S3_ENCRYPTION: _sse_rules,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template_disks,
    "aws:ebs/volume:Volume": _ebs_volume,
    "azure-native:storage:StorageAccount": _account_transport,
}


def _encrypted_buckets(resources: Sequence[Resource], _: Intent) -> Iterator[tuple[Resource, str]]:
    return _companions(resources, _S3_ENCRYPTION, "no server-side encryption configuration")


# -- no-open-admin-ports --------------------------------------------------------------------
#
# Internet ingress is for `public: true` groups, on their own ports and their own VMs. Per
# resource (all a CrossGuard resource policy sees), a rule is judged by what owns it: a
# compute group's rules may open that group's public ports; a network's rules that name a
# target (a tag, an ASG) the ports some group of the network opens, and untargeted ones only
# ports every group of it opens. Across a stack, a rule is judged by the VMs it reaches.
# Resources of neither kind may not open SSH or RDP.

_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
_SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
_GCE_VMS = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance"}
)
_VMS = frozenset({_TEMPLATE, "aws:ec2/instance:Instance", _SCALE_SET, *_GCE_VMS})
# Resources whose rules apply to every VM that names them (directly or through a subnet).
_RULE_HOLDERS = frozenset(
    {"aws:ec2/securityGroup:SecurityGroup", "azure-native:network:NetworkSecurityGroup"}
)


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


def _internet_rules(r: Resource) -> Iterator[Ingress]:
    return (i for i in ingress_rules(r) if i.internet and i.protocol in PORT_PROTOCOLS)


def _open_admin_ports(r: Resource, intent: Intent) -> Iterator[str]:
    for rule in _internet_rules(r):
        for ports in _unasked(rule, _allowed_here(r, rule, intent)):
            yield f"admits {', '.join(rule.internet)} on {ports} ({rule.protocol})"


def _exposed_groups(
    resources: Sequence[Resource], intent: Intent
) -> Iterator[tuple[Resource, str]]:
    """Internet rules that reach VMs of a group on ports that group does not open publicly
    (those the per-resource part already reports are left to it)."""
    vms = [
        vm
        for vm in resources
        if vm.type in _VMS and (vm.stack, vm.component) in intent.public_ports
    ]
    by_urn = {r.urn: r for r in resources}
    for r in resources:
        for rule in _internet_rules(r):
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
                            f"admits {', '.join(rule.internet)} on {ports} ({rule.protocol}) to "
                            f"the VMs of {vm.component}, which {why}"
                        ),
                    )


def _ports(ports: frozenset[int]) -> str:
    return f"port{'s' if len(ports) > 1 else ''} {', '.join(str(p) for p in sorted(ports))}"


def _reaches(r: Resource, rule: Ingress, vm: Resource, by_urn: Mapping[str, Resource]) -> bool:
    """Whether `rule` of `r` applies to `vm` (a launch template, instance, instance template
    or scale set)."""
    if r.type == "gcp:compute/firewall:Firewall":
        return vm.type in _GCE_VMS and _gce_targets(rule, r, vm)
    if rule.targets is not None:  # Azure: to the NICs in the named ASGs
        asgs = {str(lookup(asg, "id")) for asg in rule.targets}
        return vm.type == _SCALE_SET and bool(asgs & _scale_set_asgs(vm))
    holders = (
        {r.urn}
        if r.type in _RULE_HOLDERS
        else {d for d in r.dependencies if _type_of(d) in _RULE_HOLDERS}
    )
    return any(_governs(h, vm, by_urn) for h in holders)


def _governs(holder: str, vm: Resource, by_urn: Mapping[str, Resource]) -> bool:
    """A security group or NSG applies to `vm` if `vm` names it, or names a subnet that does."""
    if holder in vm.dependencies:
        return True
    subnets = (by_urn[d] for d in vm.dependencies if d in by_urn)
    return any(holder in s.dependencies for s in subnets if s.type == "azure-native:network:Subnet")


def _gce_targets(rule: Ingress, firewall: Resource, vm: Resource) -> bool:
    """GCP: a firewall applies to the VMs of its network carrying one of its target tags or
    service accounts; without targets, to all of them."""
    nics = as_list(vm.inputs.get("networkInterfaces"))
    networks = {_network_name(lookup(n, "network")) for n in nics}
    if _network_name(firewall.inputs.get("network")) not in networks:
        return False
    if rule.targets is None:
        return True
    account = lookup(vm.inputs, "serviceAccount", "email")  # one per template or instance
    named = {str(t) for t in [*as_list(vm.inputs.get("tags")), account] if t}
    return bool(set(rule.targets) & named)


def _network_name(ref: Any) -> str:
    """`projects/p/global/networks/n`, its self link, or a bare name -> `n`."""
    return str(ref).rsplit("/networks/", 1)[-1]


def _scale_set_asgs(vm: Resource) -> set[str]:
    nics = lookup(
        vm.inputs, "virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations"
    )
    return {
        str(lookup(asg, "id"))
        for nic in as_list(nics)
        for ip in as_list(lookup(nic, "ipConfigurations"))
        for asg in as_list(lookup(ip, "applicationSecurityGroups"))
    }


def _type_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<parent types$type>::<name>` -> `<type>`."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""


# -- vpn-keys-secret, credentials-secret ---------------------------------------------------

# Where a key sits in a resource's inputs. The SDK marks a whole top-level input secret when
# a secret is nested anywhere inside it, so the first key of the path is what must be secret.
KeyPaths = dict[str, tuple[tuple[str, ...], ...]]

_VPN_KEYS: KeyPaths = {
    "aws:ec2/vpnConnection:VpnConnection": (("tunnel1PresharedKey",), ("tunnel2PresharedKey",)),
    "gcp:compute/vPNTunnel:VPNTunnel": (("sharedSecret",),),
    "azure-native:network:VirtualNetworkGatewayConnection": (("sharedKey",),),
    # the BGP MD5 keys of dedicated interconnects: the same kind of link secret
    "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface": (("bgpAuthKey",),),
    "gcp:compute/routerPeer:RouterPeer": (("md5AuthenticationKey",),),
    "azure-native:network:ExpressRouteCircuitPeering": (("sharedKey",),),
}
_CREDENTIALS: KeyPaths = {
    "aws:datasync/locationObjectStorage:LocationObjectStorage": (("secretKey",),),
    "gcp:storage/transferJob:TransferJob": (
        ("transferSpec", "azureBlobStorageDataSource", "azureCredentials", "sasToken"),
    ),
    "azure-native:datafactory:LinkedService": (("properties", "secretAccessKey"),),
    "azure-native:compute:VirtualMachineScaleSet": (
        ("virtualMachineProfile", "osProfile", "adminPassword"),
    ),
}


def _plaintext(table: KeyPaths, what: str) -> ResourceCheck:
    def check(r: Resource, _: Intent) -> Iterator[str]:
        secret = r.secret_keys or frozenset()
        for path in table.get(r.type, ()):
            if lookup(r.inputs, *path) is not None and path[0] not in secret:
                where = ".".join(path)
                yield f"{what} {where} is not a secret (it would be stored in plain text)"

    return check


# -- stateful-protected ---------------------------------------------------------------------

_STATEFUL = frozenset(
    {
        _S3_BUCKET,
        "gcp:storage/bucket:Bucket",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "gcp:sql/databaseInstance:DatabaseInstance",
    }
)
# Deleting an Azure resource group deletes everything in it: a bucket's group is stateful.
_STATEFUL_UNDER_BUCKET = frozenset({"azure-native:resources:ResourceGroup"})


def _unprotected(r: Resource, intent: Intent) -> Iterator[str]:
    stateful = r.type in _STATEFUL or (
        r.type in _STATEFUL_UNDER_BUCKET and r.component_type == BUCKET_COMPONENT
    )
    if stateful and not r.protect and (r.stack, r.component) not in intent.unprotected:
        yield "holds data but is not protected: `pulumi destroy` or a replacement would delete it"


# -- cidrs-disjoint -------------------------------------------------------------------------


def _vpc_ranges(r: Resource) -> list[str]:
    return [str(r.inputs["cidrBlock"])] if r.inputs.get("cidrBlock") else []


def _vnet_ranges(r: Resource) -> list[str]:
    return [str(p) for p in as_list(lookup(r.inputs, "addressSpace", "addressPrefixes"))]


def _subnetwork_ranges(r: Resource) -> list[str]:
    return [str(r.inputs["ipCidrRange"])] if r.inputs.get("ipCidrRange") else []


# A network's own address ranges (GCP networks have none: their regional subnetworks do).
_RANGES: dict[str, Callable[[Resource], list[str]]] = {
    "aws:ec2/vpc:Vpc": _vpc_ranges,
    "azure-native:network:VirtualNetwork": _vnet_ranges,
    "gcp:compute/subnetwork:Subnetwork": _subnetwork_ranges,
}


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
        for cidr in _RANGES.get(r.type, lambda _: [])(r):
            net = ipaddress.ip_network(cidr, strict=False)
            owner = (r.stack, r.component)
            for other, label, taken in seen:
                if other != owner and net.version == taken.version and net.overlaps(taken):
                    yield r, f"{net} overlaps {taken} of {label}"
            seen.append((owner, f"{r.type} {r.name} in {r.stack}", net))


# -- the table ------------------------------------------------------------------------------


def _by_type(table: Mapping[str, ResourceCheck]) -> ResourceCheck:
    def check(r: Resource, intent: Intent) -> Iterable[str]:
        found = table.get(r.type)
        return found(r, intent) if found is not None else ()

    return check


RULES: tuple[Rule, ...] = (
    Rule(
        "no-public-bucket",
        "Buckets are private: S3 public access block all on and no public ACL; GCS public "
        "access prevention enforced with uniform access; Azure accounts and containers private",
        "keep skyinfra's bucket settings: set the flags above back on (S3 block flags true, "
        "GCS publicAccessPrevention=enforced, Azure allowBlobPublicAccess=false)",
        resource=_by_type(_PUBLIC_BUCKET),
        stack=_blocked_buckets,
    ),
    Rule(
        "encryption-on",
        "Data is encrypted: S3 server-side encryption, encrypted EBS volumes, Azure storage "
        "over HTTPS only with TLS 1.2 or later",
        "use SSE-KMS (or AES256) on S3, encrypted=true on EBS mappings, and "
        "enableHttpsTrafficOnly=true with minimumTlsVersion=TLS1_2 on Azure storage accounts",
        resource=_by_type(_ENCRYPTION),
        stack=_encrypted_buckets,
    ),
    Rule(
        "no-open-admin-ports",
        "Internet ingress (0.0.0.0/0, ::/0, Internet) reaches a compute group's VMs only on "
        "the ports of that group, and only if it says `public: true`; SSH (22) and RDP (3389) "
        "are open to the internet nowhere else",
        "admit a group's ports from the network's own and peered CIDRs only, on that group's "
        "VMs only (its own security group, network tag or ASG); set `public: true` on the "
        "compute group that must be reachable from the internet",
        resource=_open_admin_ports,
        stack=_exposed_groups,
    ),
    Rule(
        "vpn-keys-secret",
        "VPN pre-shared keys and interconnect BGP keys are Pulumi secrets (encrypted in state, masked in output)",
        "wrap the key in pulumi.Output.secret(...) (or pass additional_secret_outputs)",
        resource=_plaintext(_VPN_KEYS, "pre-shared key"),
        needs_secrets=True,
    ),
    Rule(
        "credentials-secret",
        "Credentials skyinfra creates (replication keys and SAS tokens, generated VM "
        "passwords) are Pulumi secrets",
        "wrap the credential in pulumi.Output.secret(...) before passing it to the resource",
        resource=_plaintext(_CREDENTIALS, "credential"),
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
    findings = [f for rule in rules for r in resources for f in check_resource(rule, r, intent)]
    findings += [f for rule in rules for f in check_stack(rule, resources, intent)]
    return findings


def _finding(rule: Rule, r: Resource, message: str) -> Finding:
    return Finding(rule.id, r.stack, r.type, r.name, message, rule.hint, r.urn)
