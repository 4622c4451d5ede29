"""Keyless federation into Azure: a GCP compute group granted a Blob container.

The bucket's cloud trusts the group (`lower_trust`, in the group's stack with an explicit
azure-native provider): a user-assigned identity for the foreign group in the bucket's
resource group, a federated identity credential on it that accepts Google ID tokens of
exactly the group's service account, and the in-cloud grant's role assignment per grant,
scoped to the container. The group's VMs exchange their Google ID token for the identity's
Entra ID token (azure-identity's WorkloadIdentityCredential); no secret exists.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, managedidentity

from skyinfra.clouds.azure.identity import grant_role
from skyinfra.clouds.outputs import TrustOutputs
from skyinfra.clouds.records import Context, ForeignTrust

__all__ = ["EXCHANGE_AUDIENCE", "GOOGLE_ISSUER", "lower_trust"]

#: The issuer of Google ID tokens (the `iss` a federated identity credential must match).
GOOGLE_ISSUER = "https://accounts.google.com"
#: The audience Microsoft recommends for federated identity credentials
#: (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust-user-assigned-managed-identity).
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def lower_trust(trust: ForeignTrust, ctx: Context) -> TrustOutputs:
    """The identity a GCP group's VMs become on Azure, its credential and its grants."""
    opts = ctx.opts(provider=trust.provider)
    first = trust.grants[0]
    group_of_bucket = trust.buckets[first.bucket]["resource_group_name"]
    identity = managedidentity.UserAssignedIdentity(
        ctx.child("federated-identity"),
        resource_group_name=group_of_bucket,
        location=first.site.region,
        tags={**dict(ctx.labels), "skyinfra-project": ctx.stack.project, "skyinfra-name": ctx.name},
        opts=opts,
    )
    # The subject of a service account's Google ID token is its unique id (`sub`).
    managedidentity.FederatedIdentityCredential(
        ctx.child("federated-credential"),
        resource_group_name=group_of_bucket,
        resource_name_=identity.name,
        issuer=GOOGLE_ISSUER,
        subject=trust.identity["service_account_id"],
        audiences=[EXCHANGE_AUDIENCE],
        opts=opts,
    )
    client = authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=trust.provider)
    )
    for grant in trust.grants:
        grant_role(ctx, grant, identity, client.subscription_id, trust.provider)
    return {
        "kind": "azure-workload-identity",
        "client_id": identity.client_id,
        "tenant_id": identity.tenant_id,
        "audience": EXCHANGE_AUDIENCE,
    }
