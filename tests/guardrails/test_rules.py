"""Every rule flags a doctored resource of each cloud, and passes the real examples."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pulumi.runtime import rpc

from skyinfra.clouds import get_cloud
from skyinfra.clouds.azure.guardrails import GUARDRAILS as AZURE_GUARDRAILS
from skyinfra.clouds.gcp import IAP_RANGE
from skyinfra.guardrails.check import resource_of
from skyinfra.guardrails.rules import (
    RULES,
    Intent,
    PlannedNetwork,
    Resource,
    check_resources,
)
from tests.guardrails.previews import first, resources_with, with_inputs, without
from tests.replicas import preview

EXAMPLES = sorted((Path(__file__).resolve().parent.parent.parent / "examples").glob("*.yaml"))

S3 = "aws:s3/bucket:Bucket"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
GCS = "gcp:storage/bucket:Bucket"
ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
GROUP = "azure-native:resources:ResourceGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
FIREWALL = "gcp:compute/firewall:Firewall"
NSG = "azure-native:network:NetworkSecurityGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
VPN = "aws:ec2/vpnConnection:VpnConnection"
TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
VIF = "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface"
PEER = "gcp:compute/routerPeer:RouterPeer"
VPC = "aws:ec2/vpc:Vpc"
VNET = "azure-native:network:VirtualNetwork"


def _in_bucket(r: Resource) -> bool:
    return r.component_type == "skyinfra:storage:Bucket"


@dataclass(frozen=True)
class Case:
    """Doctor the first `token` resource; `rule` must flag `flagged` (default: that resource)."""

    id: str
    token: str
    doctor: Callable[[Resource], tuple[list[Resource], Intent]]
    rule: str
    message: str
    where: Callable[[Resource], bool] = lambda r: True
    flagged: str | None = None  # type token of the flagged resource, if not `token`


def _swap(
    change: Callable[[Resource], Resource],
) -> Callable[[Resource], tuple[list[Resource], Intent]]:
    return lambda r: resources_with(change(r))


def _plain_password(r: Resource) -> Resource:
    """A scale set given a password login in plain text (skyinfra sets none: Entra ID)."""
    profile = copy.deepcopy(dict(r.inputs["virtualMachineProfile"]))
    profile["osProfile"]["adminPassword"] = "hunter2"
    return replace(with_inputs(r, virtualMachineProfile=profile), secret_keys=frozenset())


def _ingress_from_anywhere(r: Resource) -> Resource:
    rules = copy.deepcopy(list(r.inputs["ingress"]))
    rules[0].update(cidrBlocks=["0.0.0.0/0"], fromPort=22.0, toPort=22.0)
    return with_inputs(r, ingress=rules)


def _firewall_from_anywhere(r: Resource) -> Resource:
    return with_inputs(r, sourceRanges=["::/0"], allows=[{"protocol": "tcp", "ports": ["20-23"]}])


def _nsg_rdp_from_internet(r: Resource) -> Resource:
    rule = {
        "name": "rdp",
        "priority": 120,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "*",
        "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "3389",
    }
    return with_inputs(r, securityRules=[*r.inputs["securityRules"], rule])


def _unencrypted_disk(r: Resource) -> Resource:
    mappings = copy.deepcopy(list(r.inputs["blockDeviceMappings"]))
    mappings[0]["ebs"]["encrypted"] = "false"
    return with_inputs(r, blockDeviceMappings=mappings)


def _template_public_ip(r: Resource) -> Resource:
    nics = copy.deepcopy(list(r.inputs["networkInterfaces"]))
    nics[0]["associatePublicIpAddress"] = "true"
    return with_inputs(r, networkInterfaces=nics)


def _gcp_external_ip(r: Resource) -> Resource:
    nics = copy.deepcopy(list(r.inputs["networkInterfaces"]))
    nics[0]["accessConfigs"] = [{}]
    return with_inputs(r, networkInterfaces=nics)


def _scale_set_public_ip(r: Resource) -> Resource:
    profile = copy.deepcopy(dict(r.inputs["virtualMachineProfile"]))
    (nic,) = profile["networkProfile"]["networkInterfaceConfigurations"]
    nic["ipConfigurations"][0]["publicIPAddressConfiguration"] = {"name": "public"}
    return with_inputs(r, virtualMachineProfile=profile)


def _private_nic(r: Resource) -> bool:
    """A VM resource whose NICs ask for no public IP (a group that is not public)."""
    text = repr(r.inputs)
    return (
        "accessConfigs" not in text
        and "publicIPAddressConfiguration" not in text
        and ("'associatePublicIpAddress': 'true'" not in text)
    )


def _overlapping_vnet(r: Resource) -> Resource:
    vpc = first(VPC)
    return with_inputs(r, addressSpace={"addressPrefixes": [vpc.inputs["cidrBlock"]]})


ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def _as_star_policy(r: Resource) -> Resource:
    """The group's SSM attachment turned into an inline policy allowing s3:GetObject on `*`."""
    statement = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return replace(r, type="aws:iam/rolePolicy:RolePolicy", inputs={"role": "x", "policy": policy})


def _on_the_project(r: Resource) -> Resource:
    """A bucket IAM member made a project-level one (same role, no bucket)."""
    inputs = {k: v for k, v in r.inputs.items() if k != "bucket"}
    return replace(r, type="gcp:projects/iAMMember:IAMMember", inputs={**inputs, "project": "p"})


def _unpinned_trust(r: Resource) -> Resource:
    """The federated role's trust without its conditions: any Google identity may assume it."""
    policy = json.loads(r.inputs["assumeRolePolicy"])
    for statement in policy["Statement"]:
        statement.pop("Condition")
    return with_inputs(r, assumeRolePolicy=json.dumps(policy))


def _federated(suffix: str) -> Callable[[Resource], bool]:
    return lambda r: r.name.endswith(suffix)


def _whole_pool(r: Resource) -> Resource:
    """The pool member widened from the group's role to every identity of the pool."""
    pool = r.inputs["member"].split("/attribute.")[0]
    return with_inputs(r, member=f"{pool}/*")


def _under_compute(r: Resource) -> Resource:
    """A key moved under a compute group's component (the first launch template's)."""
    return replace(r, parent=first(LT).parent)


CASES = [
    Case("s3-block-flag-off", BLOCK, _swap(lambda r: with_inputs(r, blockPublicPolicy=False)), "no-public-bucket", "blockPublicPolicy"),
    Case("s3-public-acl", S3, _swap(lambda r: with_inputs(r, acl="public-read")), "no-public-bucket", "public-read"),
    Case("s3-without-block", BLOCK, without, "no-public-bucket", "no public access block", flagged=S3),
    Case("gcs-prevention-inherited", GCS, _swap(lambda r: with_inputs(r, publicAccessPrevention="inherited")), "no-public-bucket", "public access prevention"),
    Case("gcs-object-acls", GCS, _swap(lambda r: with_inputs(r, uniformBucketLevelAccess=False)), "no-public-bucket", "uniform bucket-level access"),
    Case("azure-account-public", ACCOUNT, _swap(lambda r: with_inputs(r, allowBlobPublicAccess=True)), "no-public-bucket", "allowBlobPublicAccess"),
    Case("azure-container-public", CONTAINER, _swap(lambda r: with_inputs(r, publicAccess="Blob")), "no-public-bucket", "'Blob'"),
    Case("s3-sse-algorithm-unset", SSE, _swap(lambda r: with_inputs(r, rules=[{"bucketKeyEnabled": True}])), "encryption-on", "not KMS or AES256"),
    Case("s3-without-sse", SSE, without, "encryption-on", "no server-side encryption", flagged=S3),
    Case("ebs-unencrypted", LT, _swap(_unencrypted_disk), "encryption-on", "is not encrypted"),
    Case("ebs-no-mapping", LT, _swap(lambda r: with_inputs(r, blockDeviceMappings=None)), "encryption-on", "left to the AMI"),
    Case("azure-http", ACCOUNT, _swap(lambda r: with_inputs(r, enableHttpsTrafficOnly=False)), "encryption-on", "enableHttpsTrafficOnly"),
    Case("azure-old-tls", ACCOUNT, _swap(lambda r: with_inputs(r, minimumTlsVersion="TLS1_0")), "encryption-on", "TLS1_0"),
    Case("aws-ssh-open", SG, _swap(_ingress_from_anywhere), "no-open-admin-ports", "0.0.0.0/0 on port 22"),
    Case("gcp-ssh-open", FIREWALL, _swap(_firewall_from_anywhere), "no-open-admin-ports", "::/0 on ports 20-23"),
    Case("azure-rdp-open", NSG, _swap(_nsg_rdp_from_internet), "no-open-admin-ports", "Internet on port 3389 (*)"),
    Case("aws-vpn-key-plain", VPN, _swap(lambda r: replace(r, secret_keys=frozenset({"tunnel2PresharedKey"}))), "vpn-keys-secret", "tunnel1PresharedKey"),
    Case("gcp-vpn-key-plain", TUNNEL, _swap(lambda r: replace(r, secret_keys=frozenset())), "vpn-keys-secret", "sharedSecret"),
    Case("azure-vpn-key-plain", CONNECTION, _swap(lambda r: replace(r, secret_keys=frozenset())), "vpn-keys-secret", "sharedKey"),
    Case("aws-bgp-key-plain", VIF, _swap(lambda r: replace(r, secret_keys=frozenset())), "vpn-keys-secret", "bgpAuthKey"),
    Case("gcp-bgp-key-plain", PEER, _swap(lambda r: replace(r, secret_keys=frozenset())), "vpn-keys-secret", "md5AuthenticationKey", where=lambda r: "md5AuthenticationKey" in r.inputs),
    Case("adf-key-plain", "azure-native:datafactory:LinkedService", _swap(lambda r: replace(r, secret_keys=frozenset())), "credentials-secret", "properties.secretAccessKey", where=lambda r: "secretAccessKey" in r.inputs["properties"]),
    Case("vm-password-plain", "azure-native:compute:VirtualMachineScaleSet", _swap(_plain_password), "credentials-secret", "virtualMachineProfile.osProfile.adminPassword"),
    Case("s3-unprotected", S3, _swap(lambda r: replace(r, protect=False)), "stateful-protected", "not protected"),
    Case("gcs-unprotected", GCS, _swap(lambda r: replace(r, protect=False)), "stateful-protected", "not protected"),
    Case("account-unprotected", ACCOUNT, _swap(lambda r: replace(r, protect=False)), "stateful-protected", "not protected"),
    Case("container-unprotected", CONTAINER, _swap(lambda r: replace(r, protect=False)), "stateful-protected", "not protected"),
    Case("bucket-group-unprotected", GROUP, _swap(lambda r: replace(r, protect=False)), "stateful-protected", "not protected", where=_in_bucket),
    Case("vnet-overlaps-vpc", VNET, _swap(_overlapping_vnet), "cidrs-disjoint", "overlaps"),
    Case("aws-managed-s3-policy", ATTACHMENT, _swap(lambda r: with_inputs(r, policyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")), "grants-scoped", "AmazonS3FullAccess is not scoped"),
    Case("aws-policy-on-star", ATTACHMENT, _swap(_as_star_policy), "grants-scoped", "s3:GetObject on *", flagged="aws:iam/rolePolicy:RolePolicy"),
    Case("gcp-project-storage-role", BUCKET_MEMBER, _swap(_on_the_project), "grants-scoped", "project-level roles/storage.", flagged="gcp:projects/iAMMember:IAMMember"),
    Case("azure-subscription-scope", ASSIGNMENT, _swap(lambda r: with_inputs(r, scope="/subscriptions/00000000-0000-0000-0000-000000000000")), "grants-scoped", "role assignment at /subscriptions/"),
    Case("azure-group-scope", ASSIGNMENT, _swap(lambda r: with_inputs(r, scope="/subscriptions/0/resourceGroups/rg")), "grants-scoped", "resourceGroups/rg reaches"),
    Case("aws-web-identity-unpinned", "aws:iam/role:Role", _swap(_unpinned_trust), "grants-scoped", "any identity of accounts.google.com", where=_federated("-federated-role")),
    Case("gcp-pool-provider-unconditioned", "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", _swap(lambda r: with_inputs(r, attributeCondition=None)), "grants-scoped", "without an attribute condition"),
    Case("gcp-whole-pool-member", BUCKET_MEMBER, _swap(_whole_pool), "grants-scoped", "every identity of a workload identity pool", where=lambda r: str(r.inputs.get("member")).startswith("principalSet://")),
    Case("azure-federated-credential-open", "azure-native:managedidentity:FederatedIdentityCredential", _swap(lambda r: with_inputs(r, subject="")), "grants-scoped", "without an issuer and a subject"),
    Case("aws-access-key-on-compute", "aws:iam/accessKey:AccessKey", _swap(_under_compute), "no-compute-keys", "long-lived key"),
    Case("aws-private-group-public-ip", LT, _swap(_template_public_ip), "private-vms", "not `public: true`", where=_private_nic),
    Case("gcp-private-group-external-ip", "gcp:compute/instanceTemplate:InstanceTemplate", _swap(_gcp_external_ip), "private-vms", "public IP", where=_private_nic),
    Case("azure-private-group-public-ip", "azure-native:compute:VirtualMachineScaleSet", _swap(_scale_set_public_ip), "private-vms", "public IP", where=_private_nic),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_rule_flags_a_doctored_resource(case: Case) -> None:
    target = first(case.token, case.where)
    resources, intent = case.doctor(target)
    findings = check_resources(resources, intent)
    flagged = (
        target
        if case.flagged is None
        else next(r for r in resources if r.type == case.flagged and r.stack == target.stack)
    )
    assert [(f.rule, f.stack, f.type, f.name) for f in findings] == [
        (case.rule, flagged.stack, flagged.type, flagged.name)
    ], findings
    assert case.message in findings[0].message
    assert findings[0].hint == next(r.hint for r in RULES if r.id == case.rule)


def test_every_rule_has_a_violation_case() -> None:
    assert {c.rule for c in CASES} == {r.id for r in RULES}


def test_unprotected_network_resource_groups_are_fine() -> None:
    group = first(GROUP, lambda r: r.component_type == "skyinfra:network:Network")
    resources, intent = resources_with(replace(group, protect=False))
    assert not group.protect and check_resources(resources, intent) == []


def test_cidr_overlap_with_another_stacks_planned_network() -> None:
    """The pack sees one stack: other stacks are represented by the planned CIDRs."""
    vpc = first(VPC)
    planned = PlannedNetwork("gcp-elsewhere", "demo-core", "10.0.0.0/8")
    findings = check_resources([vpc], Intent(networks=(planned,)))
    assert [(f.rule, f.name) for f in findings] == [("cidrs-disjoint", vpc.name)]
    assert "planned network demo-core in gcp-elsewhere" in findings[0].message
    own = PlannedNetwork(vpc.stack, vpc.component, vpc.inputs["cidrBlock"])
    assert check_resources([vpc], Intent(networks=(own,))) == []


def test_admin_port_outside_the_rule_range_is_fine() -> None:
    sg = first(SG)
    rule = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
    assert check_resources([with_inputs(sg, ingress=[rule])], Intent()) == []
    everything = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
    messages = [
        f.message for f in check_resources([with_inputs(sg, ingress=[everything])], Intent())
    ]
    assert messages == ["admits 0.0.0.0/0 on port 22 (-1)", "admits 0.0.0.0/0 on port 3389 (-1)"]


def _iap_rule() -> Resource:
    return first(FIREWALL, lambda r: r.name.endswith("-fw-iap"))


def test_ssh_from_iaps_range_is_googles_proxy_not_the_internet() -> None:
    iap = _iap_rule()
    assert iap.inputs["sourceRanges"] == [IAP_RANGE]
    resources, intent = resources_with(iap)
    assert check_resources(resources, intent) == []
    # It passes because the GCP table declares the range a proxy, not by accident:
    (kind,) = [get_cloud("gcp").guardrails().ingress[FIREWALL]]  # type: ignore[union-attr]
    assert set(kind.proxies) == {IAP_RANGE}


@pytest.mark.parametrize(
    ("sources", "flagged"),
    [
        (["0.0.0.0/0"], "0.0.0.0/0"),  # the internet, whatever proxies the table declares
        ([IAP_RANGE, "0.0.0.0/0"], "0.0.0.0/0"),
        (["35.235.0.0/16"], "35.235.0.0/16"),  # wider than IAP's range: public addresses
        (["8.8.8.0/24"], "8.8.8.0/24"),
    ],
)
def test_ssh_from_the_internet_or_other_public_ranges_is_still_flagged(
    sources: list[str], flagged: str
) -> None:
    iap = with_inputs(_iap_rule(), sourceRanges=sources)
    resources, intent = resources_with(iap)
    findings = check_resources(resources, intent)
    assert [(f.rule, f.name) for f in findings] == [("no-open-admin-ports", iap.name)]
    assert findings[0].message == f"admits {flagged} on port 22 (tcp)"


def test_a_proxy_range_on_another_clouds_rule_is_public_addresses() -> None:
    """Proxies are declared per rule type: IAP's range in an AWS security group is not GCP's
    proxy (nothing there lets IAP in), so it counts as the internet."""
    sg = first(SG)
    rule = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": [IAP_RANGE]}
    findings = check_resources([with_inputs(sg, ingress=[rule])], Intent())
    assert [f.message for f in findings] == [f"admits {IAP_RANGE} on port 22 (tcp)"]


@pytest.mark.parametrize(
    ("source", "target", "token", "path"),
    [
        ("gcp", "aws", "aws:datasync/locationObjectStorage:LocationObjectStorage", "secretKey"),
        ("azure", "gcp", "gcp:storage/transferJob:TransferJob", "transferSpec.azureBlobStorageDataSource.azureCredentials.sasToken"),
    ],
)  # fmt: skip
def test_replication_credentials_are_secret(
    source: str, target: str, token: str, path: str
) -> None:
    """Movers not in the examples: a replication stack between the two clouds."""
    records = [resource_of(r) for r in preview(source, target).stack.resources if r.custom]
    assert check_resources(records, Intent()) == []
    (mover,) = [r for r in records if r.type == token]
    plain = [replace(mover, secret_keys=frozenset()) if r is mover else r for r in records]
    findings = check_resources(plain, Intent())
    assert [(f.rule, f.name) for f in findings] == [("credentials-secret", mover.name)]
    assert path in findings[0].message


def test_azure_public_ip_is_read_through_a_secret_profile() -> None:
    """The mock engine may pass a scale set's profile as a signed secret (it holds a generated
    password): the private-vms row reads through it."""
    target = first("azure-native:compute:VirtualMachineScaleSet", _private_nic)
    doctored = _scale_set_public_ip(target)
    secret = {
        rpc._special_sig_key: rpc._special_secret_sig,
        "value": doctored.inputs["virtualMachineProfile"],
    }
    gives = AZURE_GUARDRAILS.public_address[target.type]
    assert gives(with_inputs(target, virtualMachineProfile=secret))
    assert not gives(target)
