"""AWS identity of a compute group: an IAM role its VMs assume through an instance profile.

The role trusts EC2 only; it carries the SSM core policy (Session Manager login without a
public IP or SSH key) and one inline policy per grant, scoped to the bucket's ARN and its
objects. No access keys: the VMs get short-lived credentials from the instance metadata.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from skyinfra.clouds.records import Context
from skyinfra.topology import ComputePlan, Grant

__all__ = ["ACTIONS", "SSM_POLICY", "instance_profile"]

# The managed policy Systems Manager needs on an instance (Session Manager included):
# https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
SSM_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

# S3 actions per access (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html):
# listing is a bucket action, the others object actions. PutObject creates and overwrites;
# DeleteObject is admin's alone.
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "read": (("s3:ListBucket",), ("s3:GetObject",)),
    "write": ((), ("s3:PutObject", "s3:AbortMultipartUpload")),
    "admin": (
        ("s3:ListBucket",),
        ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"),
    ),
}

_EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def instance_profile(
    plan: ComputePlan, ctx: Context, tags: dict[str, str]
) -> tuple[aws.iam.InstanceProfile, aws.iam.Role]:
    """The profile that hands the group's role to the launch template's VMs, and the role
    (EC2 trust, SSM core, its grants)."""
    role = aws.iam.Role(
        ctx.child("role"),
        assume_role_policy=_EC2_TRUST,
        description=f"skyinfra compute group {plan.name}",
        tags=tags,
        opts=ctx.opts(),
    )
    aws.iam.RolePolicyAttachment(
        ctx.child("ssm"), role=role.name, policy_arn=SSM_POLICY, opts=ctx.opts()
    )
    for grant in plan.grants_within:
        _grant(ctx, role, grant)
    profile = aws.iam.InstanceProfile(
        ctx.child("profile"), role=role.name, tags=tags, opts=ctx.opts()
    )
    return profile, role


def _grant(ctx: Context, role: aws.iam.Role, grant: Grant) -> aws.iam.RolePolicy:
    """An inline policy on the role: `grant.access` on the bucket and its objects only."""
    arn = ctx.granted_bucket(grant.bucket)["arn"]
    return aws.iam.RolePolicy(
        ctx.child(f"grant-{grant.bucket}-{grant.access}"),
        role=role.id,
        policy=pulumi.Output.from_input(arn).apply(lambda a: bucket_policy(a, grant.access)),
        opts=ctx.opts(),
    )


def bucket_policy(arn: str, access: str) -> str:
    """The policy document of one grant: statements on `arn` (bucket) and `arn/*` (objects)."""
    on_bucket, on_objects = ACTIONS[access]
    statements: list[dict[str, Any]] = []
    if on_bucket:
        statements.append({"Effect": "Allow", "Action": list(on_bucket), "Resource": arn})
    statements.append({"Effect": "Allow", "Action": list(on_objects), "Resource": f"{arn}/*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
