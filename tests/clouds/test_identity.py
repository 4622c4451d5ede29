"""Each cloud's identity of a compute group and its grants, as the engine receives them;
regressions that widen a grant or add a key fail `skyinfra check`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from skyinfra.clouds.aws import identity as aws_identity
from skyinfra.clouds.azure import identity as azure_identity
from skyinfra.clouds.gcp import identity as gcp_identity
from skyinfra.clouds.records import Context
from skyinfra.guardrails.check import check_previews
from skyinfra.guardrails.model import Resource
from skyinfra.guardrails.rules import Intent, check_resources
from skyinfra.preview import Registered, StackPreview, preview_topology
from skyinfra.tokens import COMPUTE_TOKEN
from tests.clouds.conftest import grants_spec, plan_of, project, site


def _stack(cloud: str) -> StackPreview:
    return project(grants_spec(cloud)).cloud_stack(site(cloud))


def _named(stack: StackPreview, suffix: str) -> Registered:
    [found] = [r for r in stack.resources if r.name.endswith(f"-trainer-{suffix}")]
    return found


def _rules(cloud: str) -> set[str]:
    """The rules `check` finds broken, lowering now (`project` is cached: patches apply)."""
    plan = plan_of(grants_spec(cloud))
    previews = preview_topology(plan.topology, plan.stack_configs())
    return {f.rule for f in check_previews(previews, plan.topology)}


# -- AWS ------------------------------------------------------------------------------------


def test_aws_role_trusts_ec2_carries_ssm_and_reaches_the_vms() -> None:
    stack = _stack("aws")
    role = _named(stack, "role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    ssm = _named(stack, "ssm")
    assert ssm.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert ssm.inputs["role"] == role.outputs["name"]
    profile = _named(stack, "profile")
    assert profile.inputs["role"] == role.outputs["name"]
    assert _named(stack, "lt").inputs["iamInstanceProfile"] == {"arn": profile.outputs["arn"]}
    assert stack.outputs["compute"]["trainer"]["role_arn"] == role.outputs["arn"]


def test_aws_policies_name_the_bucket_and_its_objects_only() -> None:
    stack = _stack("aws")
    buckets = stack.outputs["buckets"]
    statements = {
        access: json.loads(_named(stack, f"grant-{bucket}-{access}").inputs["policy"])["Statement"]
        for bucket, access in (("datasets", "read"), ("results", "write"), ("scratch", "admin"))
    }
    arn = buckets["datasets"]["arn"]
    assert statements["read"] == [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{arn}/*"},
    ]
    results = buckets["results"]["arn"]
    assert statements["write"] == [
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": f"{results}/*",
        }
    ]
    admin = {a for s in statements["admin"] for a in s["Action"]}
    assert "s3:DeleteObject" in admin
    assert all("Delete" not in a for s in statements["write"] for a in s["Action"])


def test_aws_a_policy_on_star_fails_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = aws_identity.bucket_policy
    monkeypatch.setattr(aws_identity, "bucket_policy", lambda arn, access: real("*", access))
    assert "grants-scoped" in _rules("aws")


def test_aws_an_access_key_for_a_group_fails_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = aws_identity.instance_profile

    def with_key(plan: Any, ctx: Context, tags: dict[str, str]) -> Any:
        import pulumi_aws as aws

        user = aws.iam.User(ctx.child("user"), opts=ctx.opts())
        aws.iam.AccessKey(ctx.child("key"), user=user.name, opts=ctx.opts())
        return real(plan, ctx, tags)

    monkeypatch.setattr("skyinfra.clouds.aws.lowering.instance_profile", with_key)
    assert "no-compute-keys" in _rules("aws")


# -- GCP ------------------------------------------------------------------------------------

_ACCOUNT_ID = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])$")


@pytest.mark.parametrize(
    "name",
    ["a-b", "demo-trainer", "x" * 80, "Proj_1-GPU.box", "9lives-a", "a--b---c", "p-" + "-" * 40],
)
def test_gcp_account_ids_are_valid(name: str) -> None:
    account = gcp_identity.account_id(name)
    assert 6 <= len(account) <= 30 and _ACCOUNT_ID.match(account), account
    assert gcp_identity.account_id(name) == account  # stable


def test_gcp_account_ids_differ_for_names_sharing_a_prefix() -> None:
    long = "p" * 40
    assert gcp_identity.account_id(f"{long}-a") != gcp_identity.account_id(f"{long}-b")
    assert gcp_identity.account_id("foo-bar-baz") != gcp_identity.account_id("foo-bar_baz")


def test_gcp_template_runs_as_the_groups_account_with_bucket_roles() -> None:
    stack = _stack("gcp")
    account = _named(stack, "sa")
    assert _ACCOUNT_ID.match(account.inputs["accountId"])
    template = _named(stack, "template")
    assert template.inputs["serviceAccount"] == {
        "email": account.outputs["email"],
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
    }
    out = stack.outputs["compute"]["trainer"]
    assert (out["service_account"], out["service_account_id"]) == (
        account.outputs["email"],
        account.outputs["uniqueId"],
    )
    buckets = stack.outputs["buckets"]
    for bucket, access, role in (
        ("datasets", "read", "roles/storage.objectViewer"),
        ("results", "write", "roles/storage.objectCreator"),
        ("scratch", "admin", "roles/storage.objectAdmin"),
    ):
        member = _named(stack, f"grant-{bucket}-{access}")
        assert member.type == "gcp:storage/bucketIAMMember:BucketIAMMember"
        assert (member.inputs["bucket"], member.inputs["role"]) == (buckets[bucket]["name"], role)
        assert member.inputs["member"] == f"serviceAccount:{account.outputs['email']}"


def test_gcp_a_project_level_grant_fails_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def on_project(ctx: Context, grant: Any, member: Any) -> Any:
        import pulumi_gcp as gcp

        return gcp.projects.IAMMember(
            ctx.child(f"grant-{grant.bucket}-{grant.access}"),
            project="demo-project",
            role=gcp_identity.ROLES[grant.access],
            member=member,
            opts=ctx.opts(),
        )

    monkeypatch.setattr(gcp_identity, "_grant", on_project)
    assert "grants-scoped" in _rules("gcp")


def test_a_service_account_key_on_a_compute_group_is_flagged() -> None:
    parent = f"urn:pulumi:s::p::{COMPUTE_TOKEN}::p-trainer"
    key = Resource(
        "gcp:serviceaccount/key:Key", "p-trainer-key", f"{parent}$x::k", {}, parent=parent
    )
    elsewhere = Resource("gcp:serviceaccount/key:Key", "k", "urn:pulumi:s::p::x::k", {})
    findings = check_resources([key, elsewhere], Intent())
    assert [(f.rule, f.name) for f in findings] == [("no-compute-keys", "p-trainer-key")]


@pytest.mark.parametrize(
    "token",
    [
        "azuread:index/applicationPassword:ApplicationPassword",
        "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
    ],
)
def test_an_entra_secret_on_a_compute_group_is_flagged(token: str) -> None:
    """The Entra application of a group federated into GCS never gets a secret."""
    parent = f"urn:pulumi:s::p::{COMPUTE_TOKEN}::p-trainer"
    key = Resource(token, "p-trainer-entra-secret", f"{parent}$x::k", {}, parent=parent)
    findings = check_resources([key], Intent())
    assert [(f.rule, f.name) for f in findings] == [("no-compute-keys", "p-trainer-entra-secret")]


# -- Azure ----------------------------------------------------------------------------------


def test_azure_scale_set_has_the_identity_and_container_scoped_roles() -> None:
    stack = _stack("azure")
    identity = _named(stack, "identity")
    vmss = _named(stack, "vmss")
    assert identity.id and "/userAssignedIdentities/" in identity.id
    out = stack.outputs["compute"]["trainer"]
    assert (out["identity_client_id"], out["identity_principal_id"]) == (
        identity.outputs["clientId"],
        identity.outputs["principalId"],
    )
    assert vmss.inputs["identity"] == {
        "type": "SystemAssigned, UserAssigned",  # + Entra ID login's
        "userAssignedIdentities": [identity.id],
    }
    buckets = stack.outputs["buckets"]
    for bucket, access, role in (
        ("datasets", "read", azure_identity.ROLES["read"]),
        ("results", "write", azure_identity.ROLES["write"]),
        ("scratch", "admin", azure_identity.ROLES["admin"]),
    ):
        assignment = _named(stack, f"grant-{bucket}-{access}")
        assert assignment.inputs["scope"] == buckets[bucket]["id"]
        assert "/blobServices/default/containers/" in assignment.inputs["scope"]
        assert assignment.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{role}")
        assert assignment.inputs["principalId"] == identity.outputs["principalId"]
        assert ("condition" in assignment.inputs) == (access == "write")
    write = _named(stack, "grant-results-write")
    assert write.inputs["conditionVersion"] == "2.0" and "blobs/delete" in write.inputs["condition"]


def test_azure_a_subscription_wide_grant_fails_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Context.granted_bucket

    def wide(self: Context, bucket: str) -> Any:
        return {**real(self, bucket), "id": "/subscriptions/00000000-0000-0000-0000-000000000000"}

    monkeypatch.setattr(Context, "granted_bucket", wide)
    assert "grants-scoped" in _rules("azure")
