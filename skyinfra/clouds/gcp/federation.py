"""Keyless federation with GCP on both ends of a grant across clouds.

Bucket side (`lower_trust`): an AWS compute group granted a GCS bucket gets a workload
identity pool with an AWS provider for its account that admits only the group's role, and
one `BucketIAMMember` per grant (additive, never authoritative) for the principal set of
that role's sessions. An Azure group gets a pool with an OIDC provider for its Entra ID
tenant that accepts tokens for the group's Entra application (made on the Azure side) and
admits only the group's managed identity, and the grants for that one principal. No service
account key, no impersonation: GCS accepts the federated principal directly.

VM side (`credential_script`): a GCP group granted an S3 bucket or an Azure container gets
Google ID tokens of its service account from the metadata server in token files refreshed by
a systemd timer, and the environment AWS's and Azure's SDKs read (`AWS_ROLE_ARN` +
`AWS_WEB_IDENTITY_TOKEN_FILE`; `AZURE_CLIENT_ID` + `AZURE_TENANT_ID` +
`AZURE_FEDERATED_TOKEN_FILE`).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds.gcp.identity import ROLES, account_id
from skyinfra.clouds.outputs import TrustOutputs
from skyinfra.clouds.records import Context, ForeignTrust

__all__ = [
    "aws_role_condition",
    "azure_issuer",
    "credential_script",
    "lower_trust",
    "principal_set",
    "subject_principal",
]

_AWS_PROVIDER_ID = "aws-account"
_AZURE_PROVIDER_ID = "azure-tenant"


def _role_session(role_arn: str) -> str:
    """`arn:aws:sts::<account>:assumed-role/<name>`: what the AWS provider's default mapping
    makes `attribute.aws_role` of the group's VMs' sessions (the role's name, its path
    dropped), from the role's ARN `arn:aws:iam::<account>:role/<path/><name>`."""
    account = role_arn.split(":")[4]
    return f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[-1]}"


def aws_role_condition(role_arn: str) -> str:
    """The provider's attribute condition: only sessions of this one role are accepted."""
    return f'attribute.aws_role == "{_role_session(role_arn)}"'


def principal_set(pool_name: str, role_arn: str) -> str:
    """The IAM member of every session of the role: `principalSet://iam.googleapis.com/
    projects/<number>/locations/global/workloadIdentityPools/<pool>/attribute.aws_role/<arn>`
    ("Configure Workload Identity Federation with AWS or Azure",
    https://cloud.google.com/iam/docs/workload-identity-federation-with-other-clouds)."""
    return f"principalSet://iam.googleapis.com/{pool_name}/attribute.aws_role/{_role_session(role_arn)}"


def azure_issuer(tenant_id: str) -> str:
    """The `iss` of the v1 access tokens a managed identity gets from IMDS for an Entra
    application (v1 unless the app asks for v2 tokens; skyinfra's does not): Google's
    "Configure Workload Identity Federation with AWS or Azure" names this issuer
    (https://cloud.google.com/iam/docs/workload-identity-federation-with-other-clouds)."""
    return f"https://sts.windows.net/{tenant_id}/"


def subject_principal(pool_name: str, subject: str) -> str:
    """The IAM member of one federated subject: `principal://iam.googleapis.com/<pool>/
    subject/<google.subject>` (an Azure managed identity's principal id)."""
    return f"principal://iam.googleapis.com/{pool_name}/subject/{subject}"


def lower_trust(trust: ForeignTrust, ctx: Context) -> TrustOutputs:
    """The pool, its provider for the group's cloud (AWS: its role; Azure: its managed
    identity) and the group's bucket grants for exactly that identity."""
    if "role_arn" in trust.identity:
        return _trust_aws(trust, ctx)
    return _trust_azure(trust, ctx)


def _pool(trust: ForeignTrust, ctx: Context, cloud: str) -> gcp.iam.WorkloadIdentityPool:
    # Pool ids are 4-32 of [a-z0-9-], not starting `gcp-`, and a deleted pool's id stays
    # taken for 30 days: the stable, hashed id of the service accounts fits (`account_id`).
    return gcp.iam.WorkloadIdentityPool(
        ctx.child("pool"),
        workload_identity_pool_id=account_id(f"sky-{ctx.child('pool')}"),
        display_name=f"skyinfra {trust.group.name}"[:32],
        description=f"skyinfra: {cloud} compute group {trust.group.name} reads and writes GCS",
        opts=ctx.opts(provider=trust.provider),
    )


def _grant(trust: ForeignTrust, ctx: Context, member: pulumi.Output[str]) -> None:
    for grant in trust.grants:
        gcp.storage.BucketIAMMember(
            ctx.child(f"grant-{grant.bucket}-{grant.access}"),
            bucket=trust.buckets[grant.bucket]["name"],
            role=ROLES[grant.access],
            member=member,
            opts=ctx.opts(provider=trust.provider),
        )


def _trust_aws(trust: ForeignTrust, ctx: Context) -> TrustOutputs:
    """The AWS provider (default attribute mapping: `attribute.aws_role` is the assumed
    role, see the SDK's `attribute_mapping`) admitting only the group's role."""
    role_arn = pulumi.Output.from_input(trust.identity["role_arn"])
    pool = _pool(trust, ctx, "AWS")
    provider = gcp.iam.WorkloadIdentityPoolProvider(
        ctx.child("pool-aws"),
        workload_identity_pool_id=pool.workload_identity_pool_id,
        workload_identity_pool_provider_id=_AWS_PROVIDER_ID,
        aws={"account_id": role_arn.apply(lambda arn: arn.split(":")[4])},
        attribute_condition=role_arn.apply(aws_role_condition),
        opts=ctx.opts(provider=trust.provider),
    )
    _grant(trust, ctx, pulumi.Output.all(pool.name, role_arn).apply(lambda a: principal_set(*a)))
    return {
        "kind": "gcp-external-account",
        "audience": pulumi.Output.concat("//iam.googleapis.com/", provider.name),
    }


def _trust_azure(trust: ForeignTrust, ctx: Context) -> TrustOutputs:
    """The OIDC provider for the group's tenant: tokens for its Entra application (the
    identity's `audience`), `google.subject` their `sub` (for a managed identity, its
    principal id), admitted only for the group's own identity."""
    principal = pulumi.Output.from_input(trust.identity["principal_id"])
    tenant = pulumi.Output.from_input(trust.identity["tenant_id"])
    pool = _pool(trust, ctx, "Azure")
    provider = gcp.iam.WorkloadIdentityPoolProvider(
        ctx.child("pool-azure"),
        workload_identity_pool_id=pool.workload_identity_pool_id,
        workload_identity_pool_provider_id=_AZURE_PROVIDER_ID,
        oidc={
            "issuer_uri": tenant.apply(azure_issuer),
            "allowed_audiences": [trust.identity["audience"]],
        },
        attribute_mapping={"google.subject": "assertion.sub"},
        attribute_condition=principal.apply(lambda p: f'assertion.sub == "{p}"'),
        opts=ctx.opts(provider=trust.provider),
    )
    member = pulumi.Output.all(pool.name, principal).apply(lambda a: subject_principal(*a))
    _grant(trust, ctx, member)
    return {
        "kind": "gcp-external-account",
        "audience": pulumi.Output.concat("//iam.googleapis.com/", provider.name),
    }


# -- the VM side: a GCP group's credentials for other clouds ----------------------------------

_TOKENS = "/var/lib/skyinfra/tokens"
_FETCH = "/usr/local/sbin/skyinfra-id-tokens"
# The metadata server's ID token of the VM's service account, for an audience
# (https://cloud.google.com/compute/docs/instances/verifying-instance-identity).
_IDENTITY = (
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity"
)
# ID tokens live one hour: refresh well before.
_REFRESH = "20min"

# What each recipe kind needs: its token file's name and the environment its SDKs read.
_AWS_ENV = ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION")
_AZURE_ENV = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE")


def _environment(recipe: Mapping[str, Any]) -> dict[str, str]:
    """The variables of one recipe: AWS's web identity provider chain, and what
    azure-identity's WorkloadIdentityCredential (in DefaultAzureCredential) reads."""
    token = f"{_TOKENS}/{recipe['kind']}"
    if recipe["kind"] == "aws-web-identity":
        values = (recipe["role_arn"], token, recipe["region"])
        return dict(zip(_AWS_ENV, values, strict=True))
    return dict(zip(_AZURE_ENV, (recipe["client_id"], recipe["tenant_id"], token), strict=True))


def credential_script(recipes: Sequence[Mapping[str, Any]]) -> str:
    """The boot script (run at every boot, as root) for resolved `recipes`: a token fetcher,
    its systemd service and timer, and the environment in /etc/environment and
    /etc/profile.d. The token files are readable by every user of the VM, as the metadata
    server is; no secret is written by skyinfra."""
    fetch = ["#!/bin/sh", "set -eu", f"mkdir -p {_TOKENS}"]
    env: dict[str, str] = {}
    for recipe in sorted(recipes, key=lambda r: str(r["kind"])):
        target = f"{_TOKENS}/{recipe['kind']}"
        fetch.append(
            f"curl -sfG -H 'Metadata-Flavor: Google' --data-urlencode "
            f"{shlex.quote('audience=' + recipe['audience'])} --data-urlencode format=full "
            f"{_IDENTITY} -o {target}.new && chmod 644 {target}.new && mv {target}.new {target}"
        )
        env.update(_environment(recipe))
    lines = "\n".join(f"{k}={v}" for k, v in env.items())
    exports = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())
    return "\n".join(
        [
            "# skyinfra: keyless credentials for buckets on other clouds (Google ID tokens).",
            f"cat > {_FETCH} <<'SKYINFRA_EOF'",
            *fetch,
            "SKYINFRA_EOF",
            f"chmod 755 {_FETCH}",
            "cat > /etc/systemd/system/skyinfra-id-tokens.service <<'SKYINFRA_EOF'",
            "[Unit]",
            "Description=skyinfra: refresh the ID tokens other clouds trust",
            "Wants=network-online.target",
            "After=network-online.target",
            "[Service]",
            "Type=oneshot",
            f"ExecStart={_FETCH}",
            "SKYINFRA_EOF",
            "cat > /etc/systemd/system/skyinfra-id-tokens.timer <<'SKYINFRA_EOF'",
            "[Unit]",
            "Description=skyinfra: refresh the ID tokens other clouds trust",
            "[Timer]",
            "OnBootSec=0",
            f"OnUnitActiveSec={_REFRESH}",
            "[Install]",
            "WantedBy=timers.target",
            "SKYINFRA_EOF",
            f"{_FETCH} || echo 'skyinfra: no ID token yet; the timer retries' >&2",
            "systemctl daemon-reload",
            "systemctl enable --now skyinfra-id-tokens.timer",
            "sed -i '/^AWS_ROLE_ARN=\\|^AWS_WEB_IDENTITY_TOKEN_FILE=\\|^AWS_REGION=\\|"
            "^AZURE_CLIENT_ID=\\|^AZURE_TENANT_ID=\\|^AZURE_FEDERATED_TOKEN_FILE=/d' "
            "/etc/environment",
            "cat >> /etc/environment <<'SKYINFRA_EOF'",
            lines,
            "SKYINFRA_EOF",
            "cat > /etc/profile.d/skyinfra-credentials.sh <<'SKYINFRA_EOF'",
            exports,
            "SKYINFRA_EOF",
            "",
        ]
    )


def credential_parts(recipes: Sequence[TrustOutputs]) -> pulumi.Output[str] | None:
    """The credential script of a group's recipes, once their values are known; None
    without recipes."""
    if not recipes:
        return None
    return pulumi.Output.all(*[dict(r) for r in recipes]).apply(credential_script)
