"""Keyless federation into Azure: a GCP compute group granted a Blob container.

The bucket's cloud trusts the group (`lower_trust`, in the group's stack with an explicit
azure-native provider): a user-assigned identity for the foreign group in the bucket's
resource group, a federated identity credential on it that accepts Google ID tokens of
exactly the group's service account, and the in-cloud grant's role assignment per grant,
scoped to the container. The group's VMs exchange their Google ID token for the identity's
Entra ID token (azure-identity's WorkloadIdentityCredential); no secret exists.

The other way (`vm_credentials`), an Azure group granted a GCS bucket: Google's workload
identity federation accepts Entra ID access tokens issued for an application's ID URI, so the
group's stack makes an Entra application (with its service principal) for the group, GCP's
lowering trusts the group's managed identity's tokens for it, and the VMs get an
`external_account` credential file whose subject token comes from IMDS for that resource
("Configure Workload Identity Federation with AWS or Azure",
https://cloud.google.com/iam/docs/workload-identity-federation-with-other-clouds).
Deploying it needs `Application.ReadWrite.OwnedBy` (or `.All`) on Microsoft Graph, or the
Application Developer directory role for a user.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization, managedidentity

from skyinfra.clouds.azure.identity import grant_role
from skyinfra.clouds.outputs import TrustOutputs
from skyinfra.clouds.records import Context, ForeignTrust
from skyinfra.clouds.startup import gcp_credential_script

__all__ = [
    "EXCHANGE_AUDIENCE",
    "GOOGLE_ISSUER",
    "credential_script",
    "external_account",
    "lower_trust",
    "vm_credentials",
]

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


# -- the VM side: an Azure group's credentials for other clouds -------------------------------

# IMDS's managed identity token endpoint (API version of Google's generated configuration):
# https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
_IMDS_TOKEN = "http://169.254.169.254/metadata/identity/oauth2/token"


def vm_credentials(
    ctx: Context, identity: managedidentity.UserAssignedIdentity
) -> pulumi.Output[str] | None:
    """The boot script configuring the group's VMs for the foreign buckets trusting its
    managed identity (`Azure.consumes`), after lowering those trusts; None without any (and
    then no Entra application is made)."""
    if ctx.trusting is None:
        return None
    audience = _entra_application(ctx, identity)
    recipes = ctx.trust(
        {
            "cloud": "azure",
            "principal_id": identity.principal_id,
            "tenant_id": identity.tenant_id,
            "client_id": identity.client_id,
            "audience": audience,
        }
    )
    if not recipes:
        return None
    return pulumi.Output.all(audience, identity.client_id, *[dict(r) for r in recipes]).apply(
        lambda a: credential_script(a[2:], resource=a[0], client_id=a[1])
    )


def _entra_application(
    ctx: Context, identity: managedidentity.UserAssignedIdentity
) -> pulumi.Output[str]:
    """An Entra application (single tenant, no secret) whose ID URI is the resource the
    group's VMs ask IMDS a token for, and its service principal (without one the tenant
    issues no token for it); both owned by the deploying principal, as
    `Application.ReadWrite.OwnedBy` requires. The URI is `api://<tenant id>/<name>`, one of
    the formats Entra ID accepts for new applications
    (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions)."""
    provider = azuread.Provider(
        ctx.child("azuread-provider"), tenant_id=identity.tenant_id, opts=ctx.opts()
    )
    opts = ctx.opts(provider=provider)
    me = azuread.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=provider)
    )
    uri = pulumi.Output.concat("api://", identity.tenant_id, "/skyinfra-", ctx.name)
    app = azuread.Application(
        ctx.child("entra-app"),
        display_name=f"skyinfra {ctx.name}",
        description=f"skyinfra: the audience of compute group {ctx.name}'s tokens for GCS",
        identifier_uris=[uri],
        sign_in_audience="AzureADMyOrg",
        owners=[me.object_id],
        opts=opts,
    )
    azuread.ServicePrincipal(
        ctx.child("entra-sp"), client_id=app.client_id, owners=[me.object_id], opts=opts
    )
    return uri


def external_account(audience: str, resource: str, client_id: str) -> dict[str, Any]:
    """Google's credential configuration for an Azure workload (what `gcloud iam
    workload-identity-pools create-cred-config --azure` writes): the subject token is the
    managed identity's access token for the Entra application `resource`, read from IMDS
    (`client_id` picks the group's user-assigned identity among the VM's identities)."""
    query = urllib.parse.urlencode(
        {"api-version": "2018-02-01", "resource": resource, "client_id": client_id}
    )
    return {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {
            "url": f"{_IMDS_TOKEN}?{query}",
            "headers": {"Metadata": "True"},
            "format": {"type": "json", "subject_token_field_name": "access_token"},
        },
    }


def credential_script(
    recipes: Sequence[Mapping[str, Any]], *, resource: str, client_id: str
) -> str:
    """The boot script writing the credential configuration of resolved `recipes` (only
    `gcp-external-account`, `Azure.consumes`), and `GOOGLE_APPLICATION_CREDENTIALS` in
    /etc/environment and /etc/profile.d. No secret: the file says where to get a token."""
    (recipe,) = [r for r in recipes if r["kind"] == "gcp-external-account"]
    config = external_account(recipe["audience"], resource, client_id)
    return gcp_credential_script(config, "managed identity")
