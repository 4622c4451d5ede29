"""Keyless federation with AWS on both ends of a grant across clouds.

Bucket side (`lower_trust`): a GCP compute group granted an S3 bucket gets an IAM role that
trusts Google's OIDC issuer for exactly its service account, by web identity; its inline
policies are the in-cloud grant's, scoped to each bucket and its objects. No access key.

VM side (`credential_parts`): an AWS group granted a GCS bucket gets a Google
`external_account` credential file whose source is the VM's own role from IMDSv2, and
`GOOGLE_APPLICATION_CREDENTIALS` pointing at it, so gcloud and Google's client libraries
work unchanged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from skyinfra.clouds.aws.identity import bucket_policy
from skyinfra.clouds.outputs import TrustOutputs
from skyinfra.clouds.records import Context, ForeignTrust
from skyinfra.clouds.startup import gcp_credential_script

__all__ = ["AUDIENCE", "GOOGLE", "credential_parts", "google_trust", "lower_trust"]

#: The federated principal of Google ID tokens in an IAM trust policy.
GOOGLE = "accounts.google.com"
#: The audience the group's Google ID tokens are minted for (`accounts.google.com:oaud`).
AUDIENCE = "sts.amazonaws.com"


def google_trust(unique_id: str) -> str:
    """A trust policy for `sts:AssumeRoleWithWebIdentity` by one Google service account.

    For Google ID tokens that carry `azp` (a service account's do: its unique id), IAM's
    `accounts.google.com:aud` key is the `azp` claim and `accounts.google.com:oaud` the
    token's own `aud`; `accounts.google.com:sub` is the subject, the same unique id. All three
    are pinned ("Available keys for AWS web identity federation",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": GOOGLE},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{GOOGLE}:aud": unique_id,
                            f"{GOOGLE}:oaud": AUDIENCE,
                            f"{GOOGLE}:sub": unique_id,
                        }
                    },
                }
            ],
        }
    )


def lower_trust(trust: ForeignTrust, ctx: Context) -> TrustOutputs:
    """The role a GCP group's VMs assume with their Google ID token, and its grants."""
    opts = ctx.opts(provider=trust.provider)
    unique_id = pulumi.Output.from_input(trust.identity["service_account_id"])
    role = aws.iam.Role(
        ctx.child("federated-role"),
        assume_role_policy=unique_id.apply(google_trust),
        description=f"skyinfra compute group {trust.group.name} (GCP, web identity)",
        tags={**dict(ctx.labels), "Name": ctx.child("federated-role")},
        opts=opts,
    )
    for grant in trust.grants:
        arn = pulumi.Output.from_input(trust.buckets[grant.bucket]["arn"])
        aws.iam.RolePolicy(
            ctx.child(f"grant-{grant.bucket}-{grant.access}"),
            role=role.id,
            policy=arn.apply(functools.partial(bucket_policy, access=grant.access)),
            opts=opts,
        )
    return {
        "kind": "aws-web-identity",
        "role_arn": role.arn,
        "region": trust.grants[0].site.region,
        "audience": AUDIENCE,
    }


# -- the VM side: an AWS group's credentials for other clouds ---------------------------------

_IMDS = "http://169.254.169.254"


def external_account(audience: str) -> dict[str, Any]:
    """Google's credential configuration for an AWS workload (what `gcloud iam
    workload-identity-pools create-cred-config --aws --enable-imdsv2` writes): the VM signs a
    GetCallerIdentity request with its role's credentials from IMDSv2 (the launch template
    requires v2), which Google's STS exchanges for a token of the federated principal
    (https://cloud.google.com/iam/docs/workload-identity-federation-with-other-clouds)."""
    return {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {
            "environment_id": "aws1",
            "region_url": f"{_IMDS}/latest/meta-data/placement/availability-zone",
            "url": f"{_IMDS}/latest/meta-data/iam/security-credentials",
            "regional_cred_verification_url": (
                "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
            ),
            "imdsv2_session_token_url": f"{_IMDS}/latest/api/token",
        },
    }


def credential_script(recipes: Sequence[Mapping[str, Any]]) -> str:
    """The boot script that writes the credential configuration of resolved `recipes` (plain
    values): the file, and the variable in /etc/environment and /etc/profile.d. Only
    `gcp-external-account` is consumed here (`Aws.consumes`)."""
    (recipe,) = [r for r in recipes if r["kind"] == "gcp-external-account"]
    return gcp_credential_script(external_account(recipe["audience"]), "role")


def credential_parts(recipes: Sequence[TrustOutputs]) -> pulumi.Output[str] | None:
    """The credential script of a group's recipes, once their values are known; None
    without recipes."""
    if not recipes:
        return None
    return pulumi.Output.all(*[dict(r) for r in recipes]).apply(credential_script)
