"""Azure lowering under the mock engine: what azure-native receives for each neutral kind."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from functools import cache
from typing import Any

import pytest
from pulumi.runtime import rpc

from skyinfra.clouds import get_cloud
from skyinfra.clouds.azure.unheld_key import unheld_public_key
from skyinfra.clouds.fakes import Fakes
from skyinfra.components import BUCKET_TOKEN, COMPUTE_TOKEN, NETWORK_TOKEN
from skyinfra.preview import Registered, StackPreview
from skyinfra.spec import Accelerator
from skyinfra.topology import StackPlan
from tests.stacks import SSH_KEY, run, stack_plan

RG = "azure-native:resources:ResourceGroup"
NSG = "azure-native:network:NetworkSecurityGroup"
VNET = "azure-native:network:VirtualNetwork"
ASG = "azure-native:network:ApplicationSecurityGroup"
SUBNET = "azure-native:network:Subnet"
NAT = "azure-native:network:NatGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"  # the group's own
RANDOM_STRING = "random:index/randomString:RandomString"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
GPU_SIZE = "Standard_NC24ads_A100_v4"


@cache
def preview(**kwargs: Any) -> StackPreview:
    return run(stack_plan("azure", **kwargs))


@cache
def bare() -> StackPreview:
    """No ingress ports, no SSH key, no versioning, a size without Premium SSD support."""
    plan = stack_plan("azure")
    return run(
        dataclasses.replace(
            plan,
            buckets=(dataclasses.replace(plan.buckets[0], versioning=False),),
            compute=(
                dataclasses.replace(
                    plan.compute[0], ports=(), ssh_public_key=None, instance_type="Standard_D4_v5"
                ),
            ),
        )
    )


def children(p: StackPreview, token: str) -> list[Registered]:
    (component,) = p.by_type(token)
    return [r for r in p.resources if r.parent == component.urn]


def tokens(p: StackPreview, token: str) -> Counter[str]:
    return Counter(r.type for r in children(p, token))


def rules(p: StackPreview) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in p.one(NSG).inputs["securityRules"]}


def vm_profile(p: StackPreview) -> dict[str, Any]:
    """The scale set's VM profile, out of its secret envelope when it carries a password."""
    profile: dict[str, Any] = p.one(VMSS).inputs["virtualMachineProfile"]
    if profile.get(rpc._special_sig_key) == rpc._special_secret_sig:
        unwrapped: dict[str, Any] = profile["value"]
        return unwrapped
    return profile


# -- network --------------------------------------------------------------------------------


def test_network_resources_and_address_plan() -> None:
    p = preview()
    assert tokens(p, NETWORK_TOKEN) == Counter(
        {RG: 1, ASG: 1, NSG: 1, VNET: 1, SUBNET: 1, NAT: 1, PUBLIC_IP: 1}
    )
    (rg,) = [r for r in children(p, NETWORK_TOKEN) if r.type == RG]
    assert rg.inputs["location"] == "westeurope" and not rg.protect
    vnet, subnet = p.one(VNET).inputs, p.one(SUBNET).inputs
    assert vnet["addressSpace"] == {"addressPrefixes": ["10.1.0.0/16"]}
    assert "subnets" not in vnet  # subnets are their own resources (the peering layer adds one)
    assert vnet["resourceGroupName"] == subnet["resourceGroupName"] == rg.outputs["name"]
    assert subnet["virtualNetworkName"] == p.one(VNET).outputs["name"]
    assert subnet["addressPrefix"] == "10.1.0.0/20"
    assert subnet["networkSecurityGroup"] == {"id": p.one(NSG).id}
    assert subnet["defaultOutboundAccess"] is False  # private: the NAT is the only way out
    # The region's storage goes over the backbone, past the NAT gateway's per-GB charge.
    assert subnet["serviceEndpoints"] == [{"service": "Microsoft.Storage"}]


def test_the_workload_subnet_goes_out_through_a_standard_nat_gateway() -> None:
    p = preview()
    nat, ip = p.one(NAT), p.one(PUBLIC_IP)
    assert p.one(SUBNET).inputs["natGateway"] == {"id": nat.id}
    assert nat.inputs["sku"] == {"name": "Standard"}
    assert nat.inputs["publicIpAddresses"] == [{"id": ip.id}]
    assert nat.inputs["resourceGroupName"] == p.one(VNET).inputs["resourceGroupName"]
    assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    assert ip.inputs["publicIPAllocationMethod"] == "Static"
    assert p.outputs["networks"]["core"]["nat_gateway_ids"] == [nat.id]


def test_egress_none_has_no_nat_gateway_and_no_default_outbound_access() -> None:
    plan = stack_plan("azure")
    (network,) = plan.networks
    p = run(dataclasses.replace(plan, networks=(dataclasses.replace(network, egress="none"),)))
    assert not p.by_type(NAT) and not p.by_type(PUBLIC_IP)
    subnet = p.one(SUBNET).inputs
    assert "natGateway" not in subnet and subnet["defaultOutboundAccess"] is False


def test_each_group_has_an_application_security_group() -> None:
    p = preview()
    asg = p.one(ASG)
    assert asg.name == "demo-core-asg-api"
    assert asg.inputs["location"] == "westeurope"
    assert asg.inputs["resourceGroupName"] == p.one(VNET).inputs["resourceGroupName"]


def test_ingress_is_the_group_ports_from_trusted_cidrs_to_its_asg_and_vnet_is_denied() -> None:
    p = preview()
    got = rules(p)
    assert set(got) == {"allow-trusted-api", "deny-vnet-inbound"}
    trusted, deny = got["allow-trusted-api"], got["deny-vnet-inbound"]
    assert (trusted["direction"], trusted["access"], trusted["protocol"]) == (
        "Inbound",
        "Allow",
        "Tcp",
    )
    assert trusted["destinationPortRanges"] == ["22", "443"]
    assert trusted["sourceAddressPrefixes"] == ["10.1.0.0/16", "10.2.0.0/16"]
    # To the group's ASG only, and no destination prefix (a rule names exactly one kind).
    assert trusted["destinationApplicationSecurityGroups"] == [{"id": p.one(ASG).id}]
    assert "destinationAddressPrefix" not in trusted
    assert (deny["access"], deny["sourceAddressPrefix"], deny["destinationPortRange"]) == (
        "Deny",
        "VirtualNetwork",
        "*",
    )
    assert trusted["priority"] < deny["priority"] < 65000  # before Azure's AllowVnetInBound


def test_a_public_group_opens_its_ports_to_the_internet_on_its_asg() -> None:
    p = preview(public=True)
    got = rules(p)
    public = got["allow-public-api"]
    assert (public["access"], public["protocol"], public["sourceAddressPrefix"]) == (
        "Allow",
        "Tcp",
        "Internet",
    )
    assert public["destinationPortRanges"] == ["22", "443"]
    assert public["destinationApplicationSecurityGroups"] == [{"id": p.one(ASG).id}]
    priorities = [r["priority"] for r in got.values()]
    assert len(set(priorities)) == len(priorities) == 3


def test_no_ingress_ports_means_no_allow_rule() -> None:
    got = rules(bare())
    assert [r["access"] for r in got.values()] == ["Deny"]


def test_network_outputs_resolve_to_mock_ids() -> None:
    p = preview()
    out = p.outputs["networks"]["core"]
    rg = f"{SUBSCRIPTION}/resourceGroups/{out['resource_group_name']}"
    assert out["id"] == p.one(VNET).id
    assert out["id"] == f"{rg}/providers/Microsoft.Network/virtualNetworks/{out['name']}"
    assert out["subnet_ids"] == [p.one(SUBNET).id]
    assert out["subnet_ids"][0] == f"{out['id']}/subnets/workload-0"
    assert out["nsg_id"] == p.one(NSG).id
    assert out["asg_ids"] == {"api": p.one(ASG).id}
    assert (out["cidr"], out["region"], out["location"]) == (
        "10.1.0.0/16",
        "westeurope",
        "westeurope",
    )
    assert re.fullmatch(r"demo-core-rg[0-9a-f]{8}", out["resource_group_name"])


# -- bucket ---------------------------------------------------------------------------------


def test_bucket_resources_encryption_privacy_and_protection() -> None:
    p = preview()
    assert tokens(p, BUCKET_TOKEN) == Counter(
        {RG: 1, RANDOM_STRING: 1, ACCOUNT: 1, BLOB_SERVICE: 1, CONTAINER: 1}
    )
    protected = {r.type for r in children(p, BUCKET_TOKEN) if r.protect}
    assert protected == {RG, ACCOUNT, CONTAINER}
    account = p.one(ACCOUNT).inputs
    assert account["kind"] == "StorageV2"
    assert account["sku"] == {"name": "Standard_ZRS"}  # westeurope has zones
    assert account["allowBlobPublicAccess"] is False
    assert account["enableHttpsTrafficOnly"] is True
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["encryption"] == {
        "keySource": "Microsoft.Storage",
        "services": {
            "blob": {"enabled": True, "keyType": "Account"},
            "file": {"enabled": True, "keyType": "Account"},
        },
    }
    assert p.one(CONTAINER).inputs["publicAccess"] == "None"
    assert p.one(CONTAINER).inputs["containerName"] == "datasets"


def test_account_name_is_global_safe_and_random_suffixed() -> None:
    p = preview()
    suffix = p.one(RANDOM_STRING)
    assert (suffix.inputs["length"], suffix.inputs["upper"], suffix.inputs["special"]) == (
        8,
        False,
        False,
    )
    name = p.one(ACCOUNT).inputs["accountName"]
    assert name == "demodatasets" + suffix.outputs["result"]
    assert re.fullmatch(r"[a-z0-9]{3,24}", name)


def test_versioning_and_soft_delete_follow_the_plan() -> None:
    on, off = preview().one(BLOB_SERVICE).inputs, bare().one(BLOB_SERVICE).inputs
    assert on["blobServicesName"] == "default"
    assert (on["isVersioningEnabled"], on["changeFeed"]) == (True, {"enabled": True})
    assert (off["isVersioningEnabled"], off["changeFeed"]) == (False, {"enabled": False})
    assert on["deleteRetentionPolicy"] == {"enabled": True, "days": 7}
    assert on["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 7}


def test_unprotected_bucket() -> None:
    assert not any(r.protect for r in children(preview(protect=False), BUCKET_TOKEN))


def test_bucket_outputs() -> None:
    p = preview()
    out = p.outputs["buckets"]["datasets"]
    account = p.one(ACCOUNT)
    assert out["name"] == "datasets"
    assert (
        out["id"] == p.one(CONTAINER).id == f"{account.id}/blobServices/default/containers/datasets"
    )
    assert out["account_name"] == account.inputs["accountName"]
    assert out["account_id"] == account.id
    assert out["resource_group_name"] == p.one(CONTAINER).inputs["resourceGroupName"]
    assert out["url"] == f"https://{out['account_name']}.blob.core.windows.net/datasets"


@pytest.mark.parametrize(("name", "container"), [("ab", "ab-data"), ("raw--logs-", "raw-logs")])
def test_spec_names_azure_refuses_are_fitted_to_container_rules(name: str, container: str) -> None:
    plan = stack_plan("azure")
    bucket = dataclasses.replace(plan.buckets[0], name=name)
    p = run(StackPlan(plan.project, plan.site, buckets=(bucket,)))
    assert p.one(CONTAINER).inputs["containerName"] == container


# -- compute --------------------------------------------------------------------------------


def test_scale_set_shape_image_and_disk() -> None:
    p = preview()
    assert tokens(p, COMPUTE_TOKEN) == Counter({VMSS: 1, IDENTITY: 1})
    vmss = p.one(VMSS).inputs
    assert vmss["resourceGroupName"] == p.outputs["networks"]["core"]["resource_group_name"]
    assert vmss["sku"] == {"name": "Standard_D4s_v5", "capacity": 2, "tier": "Standard"}
    assert (vmss["orchestrationMode"], vmss["upgradePolicy"], vmss["overprovision"]) == (
        "Uniform",
        {"mode": "Manual"},
        False,
    )
    storage = vm_profile(p)["storageProfile"]
    assert storage["imageReference"] == get_cloud("azure").image("ubuntu-22.04", "x86_64")
    assert storage["osDisk"] == {
        "createOption": "FromImage",
        "caching": "ReadWrite",
        "diskSizeGB": 200,
        "managedDisk": {"storageAccountType": "Premium_LRS"},
    }
    assert "priority" not in vm_profile(p) and "spotRestorePolicy" not in p.one(VMSS).inputs
    assert "virtualMachineProfile" not in p.one(VMSS).secret_inputs


def test_ssh_key_login_without_password() -> None:
    os_profile = vm_profile(preview())["osProfile"]
    assert os_profile["adminUsername"] == "skyinfra"
    assert os_profile["computerNamePrefix"] == "demo-api"
    assert "adminPassword" not in os_profile
    assert os_profile["linuxConfiguration"] == {
        "disablePasswordAuthentication": True,
        "ssh": {
            "publicKeys": [
                {
                    "path": "/home/skyinfra/.ssh/authorized_keys",
                    "keyData": SSH_KEY,
                }
            ]
        },
    }
    assert RANDOM_PASSWORD not in tokens(preview(), COMPUTE_TOKEN)


def test_without_a_key_there_is_no_password_login_only_a_key_nobody_holds() -> None:
    p = bare()
    assert tokens(p, COMPUTE_TOKEN) == Counter({VMSS: 1, IDENTITY: 1})  # no generated password
    assert not p.by_type(RANDOM_PASSWORD)
    os_profile = vm_profile(p)["osProfile"]
    assert "adminPassword" not in os_profile
    linux = os_profile["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True
    ((key,),) = [[k["keyData"] for k in linux["ssh"]["publicKeys"]]]
    assert key == unheld_public_key()
    assert "virtualMachineProfile" not in p.one(VMSS).secret_inputs  # nothing secret in it
    # A size without Premium SSD support gets Standard SSD.
    disk = vm_profile(p)["storageProfile"]["osDisk"]["managedDisk"]
    assert disk == {"storageAccountType": "StandardSSD_LRS"}


@pytest.mark.parametrize("which", ["preview", "bare"])
def test_every_scale_set_gets_entra_id_login_and_a_system_identity(which: str) -> None:
    p = preview() if which == "preview" else bare()
    (login,) = vm_profile(p)["extensionProfile"]["extensions"]
    assert login == {
        "name": "AADSSHLoginForLinux",
        "publisher": "Microsoft.Azure.ActiveDirectory",
        "type": "AADSSHLoginForLinux",
        "typeHandlerVersion": "1.0",
        "autoUpgradeMinorVersion": True,
    }
    assert p.one(VMSS).inputs["identity"]["type"] == "SystemAssigned, UserAssigned"


def test_gpu_groups_get_the_driver_beside_entra_id_login() -> None:
    p = preview(gpu=Accelerator("A100-80GB", 1), instance_type=GPU_SIZE)
    names = [e["type"] for e in vm_profile(p)["extensionProfile"]["extensions"]]
    assert names == ["AADSSHLoginForLinux", "NvidiaGpuDriverLinux"]


def test_the_named_principal_may_log_in_to_the_scale_set_alone() -> None:
    plan = stack_plan("azure")
    principal = "11111111-2222-3333-4444-555555555555"
    settings = {**plan.settings, "loginPrincipalId": principal}
    p = run(dataclasses.replace(plan, settings=settings))
    role = p.one(ROLE_ASSIGNMENT)
    assert role.parent == p.one(COMPUTE_TOKEN).urn
    assert role.inputs["principalId"] == principal
    assert role.inputs["scope"] == p.one(VMSS).id
    assert role.inputs["roleDefinitionId"] == (
        f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "1c0163c0-47e6-4577-8991-ea5c82e286e4"  # Virtual Machine Administrator Login
    )
    assert not preview().by_type(ROLE_ASSIGNMENT)  # no principal named: no assignment


def test_the_login_principal_is_not_a_provider_setting() -> None:
    site = stack_plan("azure").site
    config = get_cloud("azure").stack_config(site, {"tenantId": "t", "loginPrincipalId": "x"})
    assert config == {"azure-native:location": site.region, "azure-native:tenantId": "t"}


def test_the_unheld_key_is_a_point_of_the_prime_order_group() -> None:
    """8 * P of a hashed point: on the curve, of order L (so no small-order key), and the same
    on every run (the scale set's model must not change)."""
    from skyinfra.clouds.azure import unheld_key as k

    encoded = k.unheld_point()
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    x = k._x_of(y)
    assert x is not None
    if (encoded[31] >> 7) != (x & 1):
        x = k._P - x
    point = (x, y, 1, x * y % k._P)
    order = 2**252 + 27742317777372353535851937790883648493
    total, addend, n = (0, 1, 1, 0), point, order
    while n:
        if n & 1:
            total = k._add(total, addend)
        addend, n = k._add(addend, addend), n >> 1
    assert total[0] % k._P == 0 and (total[1] - total[2]) % k._P == 0  # the neutral point
    assert k.unheld_public_key() == k.unheld_public_key()
    assert k.unheld_public_key(b"other seed") != k.unheld_public_key()


def test_nic_uses_the_subnet_nsg_and_group_asg_and_no_public_ip() -> None:
    p = preview()
    (nic,) = vm_profile(p)["networkProfile"]["networkInterfaceConfigurations"]
    assert nic["primary"] is True
    assert nic["networkSecurityGroup"] == {"id": p.one(NSG).id}
    (ip,) = nic["ipConfigurations"]
    assert ip["subnet"] == {"id": p.one(SUBNET).id}
    assert ip["applicationSecurityGroups"] == [{"id": p.one(ASG).id}]
    assert "publicIPAddressConfiguration" not in ip


def test_a_public_group_gets_a_standard_public_ip_per_vm() -> None:
    p = preview(public=True)
    (nic,) = vm_profile(p)["networkProfile"]["networkInterfaceConfigurations"]
    assert nic["primary"] is True
    assert nic["networkSecurityGroup"] == {"id": p.one(NSG).id}
    (ip,) = nic["ipConfigurations"]
    assert ip["subnet"] == {"id": p.one(SUBNET).id}
    assert ip["applicationSecurityGroups"] == [{"id": p.one(ASG).id}]
    assert ip["publicIPAddressConfiguration"]["sku"] == {"name": "Standard", "tier": "Regional"}


def test_spot_gpu_group() -> None:
    p = preview(spot=True, gpu=Accelerator("A100-80GB", 1), instance_type=GPU_SIZE)
    assert p.one(VMSS).inputs["sku"]["name"] == GPU_SIZE
    profile = vm_profile(p)
    assert (profile["priority"], profile["evictionPolicy"], profile["billingProfile"]) == (
        "Spot",
        "Delete",
        {"maxPrice": -1},
    )
    assert p.one(VMSS).inputs["spotRestorePolicy"] == {"enabled": True}
    assert p.outputs["compute"]["api"]["instance_type"] == GPU_SIZE


def test_gpu_request_on_a_size_without_gpus_is_refused_at_compile_time() -> None:
    (problem,) = get_cloud("azure").check(
        stack_plan("azure", gpu=Accelerator("A100-80GB", 1)).compute[0]
    )
    assert "Standard_D4s_v5 has no GPU" in problem.message
    assert problem.path == ("compute", "api", "resources", "accelerators")


def test_compute_outputs() -> None:
    p = preview()
    out = p.outputs["compute"]["api"]
    vmss = p.one(VMSS)
    assert out["group_id"] == vmss.id
    assert out["group_id"] == (
        f"{SUBSCRIPTION}/resourceGroups/{vmss.inputs['resourceGroupName']}"
        f"/providers/Microsoft.Compute/virtualMachineScaleSets/{out['name']}"
    )
    assert out["resource_group_name"] == vmss.inputs["resourceGroupName"]
    assert (out["instance_type"], out["count"], out["admin_username"]) == (
        "Standard_D4s_v5",
        2,
        "skyinfra",
    )


# -- mocks ----------------------------------------------------------------------------------


def test_client_config_invoke_is_answered() -> None:
    fakes = get_cloud("azure").mock_fakes()
    answer = fakes.invokes["azure-native:authorization:getClientConfig"](
        {}, Fakes(stack_plan("azure").site)
    )
    assert answer["subscriptionId"] == SUBSCRIPTION.rsplit("/", 1)[1]
    assert set(answer) == {"subscriptionId", "tenantId", "clientId", "objectId"}
