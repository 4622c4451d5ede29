"""Each supported cross-cloud pair, by what the engine receives (the generic promises are the
pair contract's): the trust and its exact conditions, the bucket-scoped grant, and the
credential configuration in the group's startup path, composed with the user's script."""

from __future__ import annotations

import base64
import email
import json
import urllib.parse
from typing import Any

import pytest

from skyinfra.clouds.aws.federation import AUDIENCE, credential_script
from skyinfra.clouds.azure.federation import credential_script as azure_credentials
from skyinfra.clouds.gcp.federation import principal_set
from skyinfra.preview import Registered, StackPreview
from tests.clouds.conftest import grants_spec, project, site

SCRIPT = "#!/bin/sh\\necho user-script"


def _with_script(group: str, bucket: str) -> tuple[StackPreview, StackPreview]:
    """`trainer` (on `group`) reads `datasets` (on `bucket`) and has a startup script; the
    group's stack and the bucket's."""
    text = grants_spec(group, site(bucket)).replace(
        "  trainer: {network: core, ", f'  trainer: {{network: core, startup_script: "{SCRIPT}", '
    )
    p = project(text)
    return p.cloud_stack(site(group)), p.cloud_stack(site(bucket))


def _one(stack: StackPreview, type_: str, suffix: str) -> Registered:
    (found,) = [r for r in stack.by_type(type_) if r.name == f"demo-trainer-{suffix}"]
    return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_gcp_group_on_s3_assumes_a_role_pinned_to_its_service_account() -> None:
    stack, there = _with_script("gcp", "aws")
    unique_id = stack.outputs["compute"]["trainer"]["service_account_id"]
    role = _one(stack, "aws:iam/role:Role", "federated-role")
    (statement,) = _json(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": "accounts.google.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "accounts.google.com:aud": unique_id,
            "accounts.google.com:oaud": AUDIENCE,
            "accounts.google.com:sub": unique_id,
        }
    }
    policy = _one(stack, "aws:iam/rolePolicy:RolePolicy", "grant-datasets-read")
    arn = there.outputs["buckets"]["datasets"]["arn"]
    assert policy.inputs["role"] == role.outputs["name"]
    resources = {
        str(x) for s in _json(policy.inputs["policy"])["Statement"] for x in [s["Resource"]]
    }
    assert resources == {arn, f"{arn}/*"}
    metadata = _one(stack, "gcp:compute/instanceTemplate:InstanceTemplate", "template").inputs[
        "metadata"
    ]
    boot = metadata["startup-script"]
    assert f"AWS_ROLE_ARN={role.outputs['arn']}" in boot
    assert "AWS_WEB_IDENTITY_TOKEN_FILE=/var/lib/skyinfra/tokens/aws-web-identity" in boot
    assert "audience=sts.amazonaws.com" in boot and "format=full" in boot
    assert "OnUnitActiveSec=20min" in boot and "enable --now skyinfra-id-tokens.timer" in boot
    # The user's script still runs once, after the credentials are in place.
    assert boot.index("AWS_ROLE_ARN") < boot.index("skyinfra-startup-script")
    assert metadata["skyinfra-startup-script"] == SCRIPT.replace("\\n", "\n")


def test_aws_group_on_gcs_is_a_pool_member_for_its_role_only() -> None:
    stack, there = _with_script("aws", "gcp")
    role_arn = stack.outputs["compute"]["trainer"]["role_arn"]
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    session = f"arn:aws:sts::{account}:assumed-role/{name}"
    pool = _one(stack, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pool")
    provider = _one(
        stack, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "pool-aws"
    )
    assert provider.inputs["aws"] == {"accountId": account}
    assert provider.inputs["attributeCondition"] == f'attribute.aws_role == "{session}"'
    assert provider.inputs["workloadIdentityPoolId"] == pool.inputs["workloadIdentityPoolId"]
    member = _one(stack, "gcp:storage/bucketIAMMember:BucketIAMMember", "grant-datasets-read")
    assert member.inputs == {
        "bucket": there.outputs["buckets"]["datasets"]["name"],
        "role": "roles/storage.objectViewer",
        "member": principal_set(pool.outputs["name"], role_arn),
    }
    assert member.inputs["member"].endswith(f"/attribute.aws_role/{session}")
    template = _one(stack, "aws:ec2/launchTemplate:LaunchTemplate", "lt")
    archive = email.message_from_bytes(base64.b64decode(template.inputs["userData"]))
    first, second = [part.get_payload() for part in archive.get_payload()]
    assert second.strip() == SCRIPT.replace("\\n", "\n")
    assert first + "\n" == credential_script(
        [
            {
                "kind": "gcp-external-account",
                "audience": f"//iam.googleapis.com/{provider.outputs['name']}",
            }
        ]
    )
    config = json.loads(first.split("<<'SKYINFRA_EOF'\n", 1)[1].split("\nSKYINFRA_EOF", 1)[0])
    assert config["type"] == "external_account"
    assert config["credential_source"]["environment_id"] == "aws1"
    assert config["credential_source"]["imdsv2_session_token_url"].endswith("/latest/api/token")
    assert "GOOGLE_APPLICATION_CREDENTIALS=/etc/skyinfra/gcp-credentials.json" in first


def test_gcp_group_on_azure_blob_is_a_federated_identity_on_the_container() -> None:
    stack, there = _with_script("gcp", "azure")
    unique_id = stack.outputs["compute"]["trainer"]["service_account_id"]
    identity = _one(
        stack, "azure-native:managedidentity:UserAssignedIdentity", "federated-identity"
    )
    container = there.outputs["buckets"]["datasets"]
    assert identity.inputs["resourceGroupName"] == container["resource_group_name"]
    credential = _one(
        stack, "azure-native:managedidentity:FederatedIdentityCredential", "federated-credential"
    )
    assert credential.inputs == {
        "resourceGroupName": container["resource_group_name"],
        "resourceName": identity.outputs["name"],
        "issuer": "https://accounts.google.com",
        "subject": unique_id,
        "audiences": ["api://AzureADTokenExchange"],
    }
    role = _one(stack, "azure-native:authorization:RoleAssignment", "grant-datasets-read")
    assert role.inputs["scope"] == container["id"]
    assert role.inputs["principalId"] == identity.outputs["principalId"]
    boot = _one(stack, "gcp:compute/instanceTemplate:InstanceTemplate", "template").inputs[
        "metadata"
    ]["startup-script"]
    assert f"AZURE_CLIENT_ID={identity.outputs['clientId']}" in boot
    assert f"AZURE_TENANT_ID={identity.outputs['tenantId']}" in boot
    assert "AZURE_FEDERATED_TOKEN_FILE=/var/lib/skyinfra/tokens/azure-workload-identity" in boot
    assert "audience=api://AzureADTokenExchange" in boot


@pytest.mark.parametrize(("group", "bucket"), [("gcp", "aws"), ("aws", "gcp"), ("azure", "gcp")])
def test_without_a_startup_script_the_credentials_alone_boot(group: str, bucket: str) -> None:
    p = project(grants_spec(group, site(bucket)))
    stack = p.cloud_stack(site(group))
    values = [
        str(v)
        for r in stack.resources
        if r.name == "demo-trainer-lt"
        for v in [r.inputs.get("userData")]
    ]
    values += [
        str(r.inputs["metadata"].get("startup-script"))
        for r in stack.resources
        if r.name == "demo-trainer-template"
    ]
    values += [
        str(r.inputs["virtualMachineProfile"]["osProfile"].get("customData"))
        for r in stack.resources
        if r.name == "demo-trainer-vmss"
    ]
    (boot,) = values
    text = boot if boot.startswith("#!") else base64.b64decode(boot).decode()
    assert text.startswith("#!/bin/") and "multipart" not in text
    assert "skyinfra-startup-script" not in text


def test_azure_group_on_gcs_is_its_managed_identity_through_an_entra_application() -> None:
    stack, there = _with_script("azure", "gcp")
    outputs = stack.outputs["compute"]["trainer"]
    principal, client_id = outputs["identity_principal_id"], outputs["identity_client_id"]
    identity = _one(stack, "azure-native:managedidentity:UserAssignedIdentity", "identity")
    tenant = identity.outputs["tenantId"]
    uri = f"api://{tenant}/skyinfra-demo-trainer"
    app = _one(stack, "azuread:index/application:Application", "entra-app")
    assert app.inputs["identifierUris"] == [uri]
    assert app.inputs["signInAudience"] == "AzureADMyOrg"
    assert not {"password", "passwords"} & set(app.inputs)
    sp = _one(stack, "azuread:index/servicePrincipal:ServicePrincipal", "entra-sp")
    assert sp.inputs["clientId"] == app.outputs["clientId"]
    assert sp.inputs["owners"] == app.inputs["owners"] and len(app.inputs["owners"]) == 1
    pool = _one(stack, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pool")
    provider = _one(
        stack, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "pool-azure"
    )
    assert provider.inputs["oidc"] == {
        "issuerUri": f"https://sts.windows.net/{tenant}/",
        "allowedAudiences": [uri],
    }
    assert provider.inputs["attributeMapping"] == {"google.subject": "assertion.sub"}
    assert provider.inputs["attributeCondition"] == f'assertion.sub == "{principal}"'
    assert provider.inputs["workloadIdentityPoolId"] == pool.inputs["workloadIdentityPoolId"]
    member = _one(stack, "gcp:storage/bucketIAMMember:BucketIAMMember", "grant-datasets-read")
    assert member.inputs == {
        "bucket": there.outputs["buckets"]["datasets"]["name"],
        "role": "roles/storage.objectViewer",
        "member": f"principal://iam.googleapis.com/{pool.outputs['name']}/subject/{principal}",
    }
    vmss = _one(stack, "azure-native:compute:VirtualMachineScaleSet", "vmss")
    custom = vmss.inputs["virtualMachineProfile"]["osProfile"]["customData"]
    archive = email.message_from_bytes(base64.b64decode(custom))
    first, second = [part.get_payload() for part in archive.get_payload()]
    assert second.strip() == SCRIPT.replace("\\n", "\n")
    assert first + "\n" == azure_credentials(
        [
            {
                "kind": "gcp-external-account",
                "audience": f"//iam.googleapis.com/{provider.outputs['name']}",
            }
        ],
        resource=uri,
        client_id=client_id,
    )
    config = json.loads(first.split("<<'SKYINFRA_EOF'\n", 1)[1].split("\nSKYINFRA_EOF", 1)[0])
    assert config["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    source = config["credential_source"]
    url = urllib.parse.urlsplit(source["url"])
    assert url.netloc == "169.254.169.254" and url.path == "/metadata/identity/oauth2/token"
    assert urllib.parse.parse_qs(url.query) == {
        "api-version": ["2018-02-01"],
        "resource": [uri],
        "client_id": [client_id],
    }
    assert source["headers"] == {"Metadata": "True"}
    assert source["format"] == {"type": "json", "subject_token_field_name": "access_token"}
    assert "GOOGLE_APPLICATION_CREDENTIALS=/etc/skyinfra/gcp-credentials.json" in first


def test_an_azure_group_without_foreign_grants_gets_no_entra_application() -> None:
    p = project(grants_spec("azure", site("azure")))
    stack = p.cloud_stack(site("azure"))
    assert not [r for r in stack.resources if r.type.startswith("azuread:")]
    assert not [r for r in stack.resources if r.type.startswith("pulumi:providers:azuread")]
