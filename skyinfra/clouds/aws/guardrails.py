"""AWS's rows of the guardrail tables (`skyinfra.guardrails.table.CloudGuardrails`).

S3 buckets are private and encrypted through companion resources (a public access block, a
server-side encryption configuration); security groups hold ingress inline or through
standalone rules; EBS volumes must be encrypted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from skyinfra.guardrails.ingress import ALL_PORTS, Ingress
from skyinfra.guardrails.model import Intent, Resource, as_list, is_true, lookup
from skyinfra.guardrails.table import CloudGuardrails, Companion, IngressType, held_rules_reach

__all__ = ["GUARDRAILS"]

_S3_BUCKET = "aws:s3/bucket:Bucket"
_S3_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
_S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

# -- no-public-bucket -----------------------------------------------------------------------

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


# -- encryption-on --------------------------------------------------------------------------

_SSE_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse", "AES256"})


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


# -- no-open-admin-ports: security groups ---------------------------------------------------


def _rule(rule: Any) -> Ingress:
    protocol = str(lookup(rule, "protocol") or lookup(rule, "ipProtocol") or "").lower()
    ports = (
        ALL_PORTS
        if protocol in ("-1", "all")
        else (int(lookup(rule, "fromPort") or 0), int(lookup(rule, "toPort") or 0))
    )
    sources = [
        *as_list(lookup(rule, "cidrBlocks")),
        *as_list(lookup(rule, "ipv6CidrBlocks")),
        *[s for s in (lookup(rule, "cidrIpv4"), lookup(rule, "cidrIpv6")) if s],
    ]
    return Ingress(protocol, ports, tuple(str(s) for s in sources))


def _group(r: Resource) -> Iterator[Ingress]:
    return (_rule(rule) for rule in as_list(r.inputs.get("ingress")))


def _group_rule(r: Resource) -> Iterator[Ingress]:
    if r.inputs.get("type") == "ingress":
        yield _rule(r.inputs)


def _ingress_rule(r: Resource) -> Iterator[Ingress]:
    yield _rule(r.inputs)


# A security group's rules apply to every instance or template that names the group.
_HELD = held_rules_reach(frozenset({_SECURITY_GROUP}))

# -- cidrs-disjoint -------------------------------------------------------------------------


def _vpc_ranges(r: Resource) -> list[str]:
    return [str(r.inputs["cidrBlock"])] if r.inputs.get("cidrBlock") else []


# -- grants-scoped ---------------------------------------------------------------------------

# The one managed policy a group's role carries besides its grants (SSM Session Manager).
_ALLOWED_MANAGED = frozenset({"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"})


def _policy_statements(r: Resource, key: str = "policy") -> list[Any]:
    """The statements of the policy document at input `key` (JSON text or an object)."""
    policy = r.inputs.get(key)
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    return as_list(lookup(policy, "Statement")) if isinstance(policy, dict) else []


def _wide_policy(r: Resource, _: Intent) -> Iterator[str]:
    """An Allow of S3 actions on every resource or every bucket (`arn:aws:s3:::*`), or of
    all S3 actions. Other services' actions on `*` (KMS through S3 under a condition naming
    the bucket, as replication uses) are not bucket grants."""
    for statement in _policy_statements(r):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        resources = _strings(statement.get("Resource"))
        actions = _strings(statement.get("Action"))
        wide = [x for x in resources if x == "*" or x.startswith("arn:aws:s3:::*")]
        if wide and any(a == "*" or a.startswith("s3:") for a in actions):
            yield f"policy allows {', '.join(actions)} on {', '.join(wide)}"
        elif any(a in ("*", "s3:*") for a in actions):
            yield f"policy allows every S3 action ({', '.join(actions)})"


def _strings(value: Any) -> list[str]:
    """A policy element: one string or a list of them."""
    return [value] if isinstance(value, str) else [str(x) for x in as_list(value)]


def _open_trust(r: Resource, _: Intent) -> Iterator[str]:
    """A role assumable by web identity without its subject pinned: any identity of that
    issuer (every Google service account, for `accounts.google.com`) could assume it."""
    for statement in _policy_statements(r, "assumeRolePolicy"):
        if not isinstance(statement, dict):
            continue
        actions = _strings(statement.get("Action"))
        if statement.get("Effect") != "Allow" or "sts:AssumeRoleWithWebIdentity" not in actions:
            continue
        pinned = lookup(statement, "Condition", "StringEquals")
        if not isinstance(pinned, dict) or not any(str(k).endswith(":sub") for k in pinned):
            issuer = lookup(statement, "Principal", "Federated")
            yield f"trust lets any identity of {issuer} assume the role (no `:sub` condition)"


def _managed_policy(r: Resource, _: Intent) -> Iterator[str]:
    arn = r.inputs.get("policyArn")
    if isinstance(arn, str) and arn not in _ALLOWED_MANAGED:
        yield f"managed policy {arn} is not scoped to a bucket"


# -- private-vms ----------------------------------------------------------------------------


def _template_public_ip(r: Resource) -> bool:
    return any(
        is_true(lookup(nic, "associatePublicIpAddress"))
        for nic in as_list(r.inputs.get("networkInterfaces"))
    )


def _instance_public_ip(r: Resource) -> bool:
    return is_true(r.inputs.get("associatePublicIpAddress"))


GUARDRAILS = CloudGuardrails(
    public_bucket={
        _S3_BUCKET: _s3_acl,
        "aws:s3/bucketAcl:BucketAcl": _s3_acl,
        _S3_BLOCK: _s3_block,
    },
    public_bucket_companions=(Companion(_S3_BUCKET, _S3_BLOCK, "no public access block"),),
    encryption={
        _S3_ENCRYPTION: _sse_rules,
        _LAUNCH_TEMPLATE: _launch_template_disks,
        "aws:ebs/volume:Volume": _ebs_volume,
    },
    encryption_companions=(
        Companion(_S3_BUCKET, _S3_ENCRYPTION, "no server-side encryption configuration"),
    ),
    ingress={
        _SECURITY_GROUP: IngressType(_group, _HELD),
        "aws:ec2/securityGroupRule:SecurityGroupRule": IngressType(_group_rule, _HELD),
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": IngressType(
            _ingress_rule, _HELD
        ),
    },
    vms=frozenset({_LAUNCH_TEMPLATE, "aws:ec2/instance:Instance"}),
    vpn_keys={
        "aws:ec2/vpnConnection:VpnConnection": (("tunnel1PresharedKey",), ("tunnel2PresharedKey",)),
        # the BGP MD5 key of a Direct Connect virtual interface: the same kind of link secret
        "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface": (("bgpAuthKey",),),
    },
    credentials={
        "aws:datasync/locationObjectStorage:LocationObjectStorage": (("secretKey",),),
    },
    grants={
        "aws:iam/rolePolicy:RolePolicy": _wide_policy,
        "aws:iam/policy:Policy": _wide_policy,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _managed_policy,
        "aws:iam/role:Role": _open_trust,
    },
    long_lived_keys=frozenset({"aws:iam/accessKey:AccessKey"}),
    identities=frozenset({"aws:iam/instanceProfile:InstanceProfile"}),
    stateful=frozenset({_S3_BUCKET, "aws:rds/instance:Instance", "aws:rds/cluster:Cluster"}),
    ranges={"aws:ec2/vpc:Vpc": _vpc_ranges},
    public_address={
        _LAUNCH_TEMPLATE: _template_public_ip,
        "aws:ec2/instance:Instance": _instance_public_ip,
    },
    nat=frozenset({"aws:ec2/natGateway:NatGateway"}),
)
