"""Azure identity of a compute group: a user-assigned managed identity on its scale set.

Each grant is a role assignment of a built-in Storage Blob Data role to the identity, scoped
to the bucket's container (never the account, resource group or subscription). No keys:
the VMs get tokens from the instance metadata service for the identity's client id.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, managedidentity

from skyinfra.clouds.records import Context
from skyinfra.topology import ComputePlan, Grant

__all__ = ["NO_DELETE", "ROLES", "grant_role", "user_assigned_identity"]

# Built-in role ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage):
# Storage Blob Data Reader, and Storage Blob Data Contributor (read, write, delete).
ROLES = {
    "read": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "write": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "admin": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
}
_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
# `write` takes the Contributor role without deletes: an ABAC condition (version 2.0) that is
# false for the role's one delete action, so it is denied and everything else the role allows
# is not (https://learn.microsoft.com/azure/role-based-access-control/conditions-format).
# Overwriting a blob is `blobs/write`, not a delete, so it stays allowed.
NO_DELETE = f"((!(ActionMatches{{'{_BLOBS}/delete'}})))"


def user_assigned_identity(
    plan: ComputePlan, ctx: Context, resource_group: pulumi.Input[str], tags: dict[str, str]
) -> managedidentity.UserAssignedIdentity:
    """The group's identity (in its network's resource group) with its grants."""
    identity = managedidentity.UserAssignedIdentity(
        ctx.child("identity"),
        resource_group_name=resource_group,
        location=plan.site.region,
        tags=tags,
        opts=ctx.opts(),
    )
    if plan.grants_within:
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=ctx.parent)
        )
        for grant in plan.grants_within:
            grant_role(ctx, grant, identity, client.subscription_id)
    return identity


def grant_role(
    ctx: Context,
    grant: Grant,
    identity: managedidentity.UserAssignedIdentity,
    subscription: pulumi.Output[str],
    provider: pulumi.ProviderResource | None = None,
) -> authorization.RoleAssignment:
    """The grant's role for the identity on the container alone (`provider`: the explicit
    one of a federated grant, lowered in another cloud's stack)."""
    condition = (
        {"condition": NO_DELETE, "condition_version": "2.0"} if grant.access == "write" else {}
    )
    return authorization.RoleAssignment(
        ctx.child(f"grant-{grant.bucket}-{grant.access}"),
        scope=ctx.granted_bucket(grant.bucket)["id"],
        principal_id=identity.principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/",
            subscription,
            "/providers/Microsoft.Authorization/roleDefinitions/",
            ROLES[grant.access],
        ),
        **condition,
        opts=ctx.opts(provider=provider),
    )
