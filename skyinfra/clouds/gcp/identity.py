"""GCP identity of a compute group: its own service account on the instance template.

The template asks for the `cloud-platform` scope, so IAM alone decides what the VMs may do
(Google's recommendation for a dedicated service account:
https://cloud.google.com/compute/docs/access/service-accounts#accesscopesiam); each grant is
a `BucketIAMMember` on the bucket, never a project-wide role. No keys: the VMs get tokens
from the metadata server.
"""

from __future__ import annotations

import hashlib
import re

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds.records import Context
from skyinfra.topology import ComputePlan, Grant

__all__ = ["CLOUD_PLATFORM", "ROLES", "account_id", "attached", "service_account"]

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"

# Predefined Cloud Storage roles (https://cloud.google.com/storage/docs/access-control/iam-roles).
# Replacing an object needs storage.objects.delete besides create
# (https://cloud.google.com/storage/docs/access-control/iam-permissions), and no predefined
# role has create without delete but with overwrite: `write` is objectCreator (new objects
# only; an overwrite is refused), `admin` objectAdmin.
ROLES = {
    "read": "roles/storage.objectViewer",
    "write": "roles/storage.objectCreator",
    "admin": "roles/storage.objectAdmin",
}

_ID_PREFIX = 21  # 30 characters at most: 21, "-", 8 hex digits


def account_id(component: str) -> str:
    """A service-account id for the component: 6-30 characters matching
    `[a-z]([-a-z0-9]*[a-z0-9])`, unique in the GCP project and stable: a readable prefix of
    the name and a hash of the whole name (two projects deploying into one GCP project with
    names that read alike still get different accounts)."""
    digest = hashlib.sha256(component.encode()).hexdigest()[:8]
    prefix = re.sub(r"[^a-z0-9-]", "-", component.lower())
    prefix = re.sub(r"-+", "-", prefix if prefix[:1].isalpha() else f"sa-{prefix}")
    return f"{prefix[:_ID_PREFIX].rstrip('-')}-{digest}"


def service_account(plan: ComputePlan, ctx: Context) -> gcp.serviceaccount.Account:
    """The group's service account, with its grants."""
    account = gcp.serviceaccount.Account(
        ctx.child("sa"),
        account_id=account_id(ctx.name),
        display_name=f"skyinfra compute group {plan.name}",
        opts=ctx.opts(),
    )
    member = pulumi.Output.concat("serviceAccount:", account.email)
    for grant in plan.grants_within:
        _grant(ctx, grant, member)
    return account


def attached(
    account: gcp.serviceaccount.Account,
) -> gcp.compute.InstanceTemplateServiceAccountArgsDict:
    """What the instance template attaches: the account, with IAM deciding (`cloud-platform`)."""
    return {"email": account.email, "scopes": [CLOUD_PLATFORM]}


def _grant(ctx: Context, grant: Grant, member: pulumi.Output[str]) -> gcp.storage.BucketIAMMember:
    """One role on the bucket for the group's account."""
    return gcp.storage.BucketIAMMember(
        ctx.child(f"grant-{grant.bucket}-{grant.access}"),
        bucket=ctx.granted_bucket(grant.bucket)["name"],
        role=ROLES[grant.access],
        member=member,
        opts=ctx.opts(),
    )
