"""Azure lowering: neutral plans -> pulumi_azure_native resources (imported only when lowering).

A network is a resource group holding a VNet, its private subnets behind a NAT gateway, one
network security group and an application security group per compute group: the NSG's allow rules target a group's ASG, so
each group admits only its own ports (and the internet only if it is `public: true`). A bucket is a blob container in a private, versioned StorageV2 account that lives in its own
(protected) resource group; a compute group is a Uniform virtual machine scale set in the
network's resource group. GPUs come with the VM size (NC/ND/NV families): nothing to attach.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, compute, network, resources, storage

from skyinfra.clouds import get_cloud
from skyinfra.clouds.azure import LOGIN_PRINCIPAL, has_zones
from skyinfra.clouds.azure.federation import vm_credentials
from skyinfra.clouds.azure.identity import user_assigned_identity
from skyinfra.clouds.azure.limits import tags
from skyinfra.clouds.azure.unheld_key import unheld_public_key
from skyinfra.clouds.base import Context, compute_outputs
from skyinfra.clouds.outputs import BucketOutputs, ComputeOutputs, NetworkOutputs
from skyinfra.clouds.startup import multipart
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

__all__ = ["lower_bucket", "lower_compute", "lower_network"]

# -- network --------------------------------------------------------------------------------

# NSG rule priorities (100..4096, lower wins); Azure's default rules start at 65000. The
# allow rules take 100, 101, ... (they never overlap: each targets one group's ASG).
_FIRST_ALLOW_PRIORITY = 100
_DENY_VNET_PRIORITY = 4000


def lower_network(plan: NetworkPlan, ctx: Context) -> NetworkOutputs:
    """A resource group with a VNet whose workload subnets share one NSG, and one ASG per
    compute group on the network (what the NSG's allow rules target).

    Subnets are separate `Subnet` resources and the VNet leaves `subnets` unset: since Network
    API 2023-09-01 (azure-native 3.x uses 2024-05-01) a VNet update without `subnets` keeps the
    existing ones, so the peering layer can add its GatewaySubnet to the same VNet later.
    """
    rg = resources.ResourceGroup(
        ctx.child("rg"), location=plan.site.region, tags=_tags(ctx), opts=ctx.opts()
    )
    asgs = _application_security_groups(plan, ctx, rg)
    nsg = network.NetworkSecurityGroup(
        ctx.child("nsg"),
        resource_group_name=rg.name,
        location=plan.site.region,
        security_rules=_security_rules(plan, ctx, asgs),
        tags=_tags(ctx),
        opts=ctx.opts(),
    )
    vnet = network.VirtualNetwork(
        ctx.child("vnet"),
        resource_group_name=rg.name,
        location=plan.site.region,
        address_space={"address_prefixes": [plan.cidr]},
        tags=_tags(ctx),
        opts=ctx.opts(),
    )
    nat = _nat_gateway(plan, ctx, rg) if plan.egress == "nat" else None
    subnets = _subnets(plan, ctx, rg, vnet, nsg, nat)
    outputs: NetworkOutputs = {
        "id": vnet.id,
        "name": vnet.name,
        "cidr": plan.cidr,
        "region": plan.site.region,
        "subnet_ids": [s.id for s in subnets],
        "resource_group_name": rg.name,
        "nsg_id": nsg.id,
        "asg_ids": {group: asg.id for group, asg in asgs.items()},
        "location": plan.site.region,
    }
    if nat is not None:
        outputs["nat_gateway_ids"] = [nat.id]
    if plan.gateway_subnet:
        outputs["gateway_subnet_id"] = _gateway_subnet(plan.gateway_subnet, ctx, rg, vnet, subnets)
    return outputs


def _gateway_subnet(
    cidr: str,
    ctx: Context,
    rg: resources.ResourceGroup,
    vnet: network.VirtualNetwork,
    after: list[network.Subnet],
) -> pulumi.Output[str]:
    """The VPN gateway's subnet: named exactly `GatewaySubnet`, no NSG (Azure forbids one
    there), written after the workload subnets (one subnet write per VNet at a time)."""
    subnet = network.Subnet(
        ctx.child("gateway-subnet"),
        resource_group_name=rg.name,
        virtual_network_name=vnet.name,
        subnet_name="GatewaySubnet",
        address_prefix=cidr,
        opts=ctx.opts(depends_on=after[-1:]),
    )
    return subnet.id


def _subnets(
    plan: NetworkPlan,
    ctx: Context,
    rg: resources.ResourceGroup,
    vnet: network.VirtualNetwork,
    nsg: network.NetworkSecurityGroup,
    nat: network.NatGateway | None,
) -> list[network.Subnet]:
    """One subnet per planned CIDR, created one after another: Azure refuses concurrent
    subnet writes to the same VNet (AnotherOperationInProgress). Private subnets: no default
    outbound access (Azure retired it for new VNets; explicit outbound is a NAT gateway or a
    VM's own public IP: https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access),
    so the NAT gateway, when there is one, is the only way out for VMs without a public IP.
    A `Microsoft.Storage` service endpoint takes the region's storage traffic (and its paired
    region's) over the Azure backbone instead, past the NAT gateway and its per-GB charge
    (https://learn.microsoft.com/azure/virtual-network/virtual-network-service-endpoints-overview);
    the storage accounts keep admitting every network, so nothing else changes for them."""
    subnets: list[network.Subnet] = []
    for index, cidr in enumerate(plan.subnets):
        subnets.append(
            network.Subnet(
                ctx.child(f"subnet-{index}"),
                resource_group_name=rg.name,
                virtual_network_name=vnet.name,
                subnet_name=f"workload-{index}",
                address_prefix=cidr,
                network_security_group={"id": nsg.id},
                default_outbound_access=False,
                nat_gateway={"id": nat.id} if nat is not None else None,
                service_endpoints=[{"service": "Microsoft.Storage"}],
                opts=ctx.opts(depends_on=subnets[-1:]),
            )
        )
    return subnets


def _nat_gateway(
    plan: NetworkPlan, ctx: Context, rg: resources.ResourceGroup
) -> network.NatGateway:
    """A Standard NAT gateway with one Standard static public IP (a NAT gateway takes only
    Standard IPs), both without zones: Azure places a no-zone NAT gateway itself
    (https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones)."""
    address = network.PublicIPAddress(
        ctx.child("nat-ip"),
        resource_group_name=rg.name,
        location=plan.site.region,
        sku={"name": "Standard", "tier": "Regional"},
        public_ip_allocation_method="Static",
        tags=_tags(ctx),
        opts=ctx.opts(),
    )
    return network.NatGateway(
        ctx.child("nat"),
        resource_group_name=rg.name,
        location=plan.site.region,
        sku={"name": "Standard"},
        public_ip_addresses=[{"id": address.id}],
        tags=_tags(ctx),
        opts=ctx.opts(),
    )


def _application_security_groups(
    plan: NetworkPlan, ctx: Context, rg: resources.ResourceGroup
) -> dict[str, network.ApplicationSecurityGroup]:
    """One ASG per compute group on the network, by group name: the group's scale set puts
    its NICs in it, and the NSG rules for that group's ports name it as their destination."""
    return {
        group.name: network.ApplicationSecurityGroup(
            ctx.child(f"asg-{group.name}"),
            resource_group_name=rg.name,
            location=plan.site.region,
            tags=_tags(ctx),
            opts=ctx.opts(),
        )
        for group in ctx.stack.groups_on(plan.name)
    }


def _security_rules(
    plan: NetworkPlan, ctx: Context, asgs: dict[str, network.ApplicationSecurityGroup]
) -> list[network.SecurityRuleArgsDict]:
    """Per group: its ports from the trusted CIDRs and, only for a `public: true` group, from
    the internet, each rule to that group's ASG alone. Azure's default AllowVnetInBound would
    admit every port from every peered or VPN-learned range, so an explicit deny for
    "VirtualNetwork" sits below the allows (other clouds admit only the planned ports from
    peers). Egress keeps Azure's defaults."""
    wanted: list[tuple[str, tuple[int, ...], tuple[str, ...] | str, str]] = []
    for group in ctx.stack.groups_on(plan.name):
        if group.ports:
            wanted.append(
                (f"allow-trusted-{group.name}", group.ports, plan.trusted_cidrs, group.name)
            )
        if group.public_ports:
            wanted.append(
                (f"allow-public-{group.name}", group.public_ports, "Internet", group.name)
            )
    rules = [
        _allow(name, _FIRST_ALLOW_PRIORITY + i, ports, sources, asgs[group].id)
        for i, (name, ports, sources, group) in enumerate(wanted)
    ]
    rules.append(
        {
            "name": "deny-vnet-inbound",
            "priority": _DENY_VNET_PRIORITY,
            "direction": "Inbound",
            "access": "Deny",
            "protocol": "*",
            "source_address_prefix": "VirtualNetwork",
            "source_port_range": "*",
            "destination_address_prefix": "*",
            "destination_port_range": "*",
        }
    )
    return rules


def _allow(
    name: str,
    priority: int,
    ports: Sequence[int],
    sources: Sequence[str] | str,
    asg: pulumi.Output[str],
) -> network.SecurityRuleArgsDict:
    """An inbound allow rule: TCP `ports` from `sources` (CIDRs, or one service tag) to the
    NICs in ASG `asg`. No destination prefix: a rule names exactly one of prefix, prefixes or
    ASGs (Azure refuses the rule otherwise)."""
    rule: network.SecurityRuleArgsDict = {
        "name": name,
        "priority": priority,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "source_port_range": "*",
        "destination_application_security_groups": [{"id": asg}],
        "destination_port_ranges": [str(p) for p in sorted(set(ports))],
    }
    if isinstance(sources, str):
        rule["source_address_prefix"] = sources
    else:
        rule["source_address_prefixes"] = list(sources)
    return rule


# -- bucket ---------------------------------------------------------------------------------

_ACCOUNT_NAME_MAX = 24
_ACCOUNT_SUFFIX = 8  # 36**8 names: a clash with another tenant's account is negligible
_RETENTION_DAYS = 7


def lower_bucket(plan: BucketPlan, ctx: Context) -> BucketOutputs:
    """A private blob container. Its account gets its own resource group, protected like the
    account: deleting a resource group deletes everything in it."""
    container_name = _container_name(plan)
    rg = resources.ResourceGroup(
        ctx.child("rg"),
        location=plan.site.region,
        tags=_tags(ctx),
        opts=ctx.opts(protect=plan.protect),
    )
    account = _account(plan, ctx, rg)
    service = _blob_service(plan, ctx, rg, account)
    container = storage.BlobContainer(
        ctx.child("container"),
        resource_group_name=rg.name,
        account_name=account.name,
        container_name=container_name,
        public_access=storage.PublicAccess.NONE,
        opts=ctx.opts(protect=plan.protect, depends_on=[service]),
    )
    endpoint = account.primary_endpoints.apply(lambda e: e.blob)
    return {
        "name": container.name,
        "id": container.id,
        "account_name": account.name,
        "account_id": account.id,
        "resource_group_name": rg.name,
        "url": pulumi.Output.concat(endpoint, container.name),
        # Read by replication stacks: object replication needs both on the source account.
        "versioning": service.is_versioning_enabled.apply(bool),
        "change_feed": service.change_feed.apply(lambda c: bool(c and c.enabled)),
    }


def _container_name(plan: BucketPlan) -> str:
    """The bucket's name, fitted to Azure's container rules (3-63 of [a-z0-9-], no "--",
    alphanumeric at both ends): spec names may be shorter or end in "-"."""
    name = re.sub(r"-+", "-", plan.name).strip("-")
    return name if len(name) >= 3 else f"{name}-data"


def _account(plan: BucketPlan, ctx: Context, rg: resources.ResourceGroup) -> storage.StorageAccount:
    """A StorageV2 account: HTTPS and TLS 1.2 only, no anonymous access, encrypted at rest
    with Microsoft-managed keys. Its name is global across Azure and at most 24 lowercase
    letters or digits, so a readable prefix gets a random suffix (kept in state)."""
    suffix = random.RandomString(
        ctx.child("account-suffix"),
        length=_ACCOUNT_SUFFIX,
        lower=True,
        numeric=True,
        upper=False,
        special=False,
        opts=ctx.opts(),
    )
    prefix = re.sub(r"[^a-z0-9]", "", ctx.name.lower())[: _ACCOUNT_NAME_MAX - _ACCOUNT_SUFFIX]
    zonal = has_zones(plan.site.region)  # ZRS exists only where the region has zones
    return storage.StorageAccount(
        ctx.child("account"),
        account_name=pulumi.Output.concat(prefix, suffix.result),
        resource_group_name=rg.name,
        location=plan.site.region,
        kind="StorageV2",
        sku={"name": "Standard_ZRS" if zonal else "Standard_LRS"},
        enable_https_traffic_only=True,
        minimum_tls_version="TLS1_2",
        allow_blob_public_access=False,
        encryption={
            "key_source": "Microsoft.Storage",
            "services": {
                "blob": {"enabled": True, "key_type": "Account"},
                "file": {"enabled": True, "key_type": "Account"},
            },
        },
        tags=_tags(ctx),
        opts=ctx.opts(protect=plan.protect),
    )


def _blob_service(
    plan: BucketPlan, ctx: Context, rg: resources.ResourceGroup, account: storage.StorageAccount
) -> storage.BlobServiceProperties:
    """Versioning plus soft delete for blobs and containers. The change feed is on with
    versioning because Azure object replication needs both on a source account, and an account
    has exactly one blob service: the replication layer cannot add a second one."""
    soft_delete: storage.DeleteRetentionPolicyArgsDict = {
        "enabled": True,
        "days": _RETENTION_DAYS,
    }
    return storage.BlobServiceProperties(
        ctx.child("blob-service"),
        resource_group_name=rg.name,
        account_name=account.name,
        blob_services_name="default",
        is_versioning_enabled=plan.versioning,
        change_feed={"enabled": plan.versioning},
        delete_retention_policy=soft_delete,
        container_delete_retention_policy=soft_delete,
        opts=ctx.opts(),
    )


# -- compute --------------------------------------------------------------------------------

_ADMIN = "skyinfra"
# Azure's documents disagree on the scale-set computer-name prefix limit (15 characters in
# the Compute Fleet API, more for Linux elsewhere): 15 is accepted by all of them.
_COMPUTER_NAME_PREFIX_MAX = 15
# Size names: Standard_<family><vcpus>[-<active vcpus>]<features>_<version>. An "s" feature
# (or the old DS/GS families) means the size can use Premium SSD.
_SIZE = re.compile(r"^Standard_([A-Z]+)\d+(?:-\d+)?([a-z]*)")


def lower_compute(plan: ComputePlan, ctx: Context) -> ComputeOutputs:
    """A Uniform scale set of `plan.count` identical VMs in the network's resource group.

    Manual upgrades: changing the model never reimages running VMs behind the user's back.
    No overprovisioning: extra VMs would briefly need quota (GPU quota especially).
    """
    net = ctx.attached_network()
    sku: compute.SkuArgsDict = {
        "name": plan.instance_type,
        "capacity": plan.count,
        "tier": "Standard",
    }
    identity = user_assigned_identity(plan, ctx, net["resource_group_name"], _tags(ctx))
    # Buckets on other clouds trusting this identity (`federation.py`): their credential config.
    credentials = vm_credentials(ctx, identity)
    group = compute.VirtualMachineScaleSet(
        ctx.child("vmss"),
        # Its own identity (its grants: `identity.py`), and the system-assigned one Entra ID
        # login needs on the VMs (the portal's "Login with Microsoft Entra ID" turns it on):
        # https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux
        identity={
            "type": compute.ResourceIdentityType.SYSTEM_ASSIGNED_USER_ASSIGNED,
            "user_assigned_identities": [identity.id],
        },
        resource_group_name=net["resource_group_name"],
        location=plan.site.region,
        sku=sku,
        orchestration_mode="Uniform",
        upgrade_policy={"mode": compute.UpgradeMode.MANUAL},
        overprovision=False,
        virtual_machine_profile=_vm_profile(plan, ctx, net, credentials),
        # Try & Restore: recreate evicted Spot VMs when capacity returns (as a GCP MIG does).
        spot_restore_policy={"enabled": True} if plan.spot else None,
        tags=_tags(ctx),
        opts=ctx.opts(),
    )
    _login_role(ctx, group)
    return compute_outputs(
        plan,
        group.id,
        name=group.name,
        admin_username=_ADMIN,
        resource_group_name=net["resource_group_name"],  # for `az vmss` (`skyinfra ssh`)
        identity_client_id=identity.client_id,
        identity_principal_id=identity.principal_id,
    )


# Built-in role "Virtual Machine Administrator Login": log in as a sudoer through Entra ID.
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/compute#virtual-machine-administrator-login
_VM_ADMIN_LOGIN = "1c0163c0-47e6-4577-8991-ea5c82e286e4"


def _login_role(ctx: Context, group: compute.VirtualMachineScaleSet) -> None:
    """Let `accounts.azure.loginPrincipalId` (a user or group) log in to this scale set's VMs;
    without it, whoever holds a VM login role from elsewhere (a resource group or subscription
    assignment) may. Scoped to the scale set alone."""
    principal = ctx.stack.settings.get(LOGIN_PRINCIPAL)
    if not principal:
        return
    subscription = group.id.apply(lambda i: "/".join(i.split("/")[:3]))  # /subscriptions/<id>
    authorization.RoleAssignment(
        ctx.child("login-role"),
        principal_id=principal,
        role_definition_id=pulumi.Output.concat(
            subscription, "/providers/Microsoft.Authorization/roleDefinitions/", _VM_ADMIN_LOGIN
        ),
        scope=group.id,
        opts=ctx.opts(),
    )


def _vm_profile(
    plan: ComputePlan,
    ctx: Context,
    net: NetworkOutputs,
    credentials: pulumi.Output[str] | None = None,
) -> compute.VirtualMachineScaleSetVMProfileArgsDict:
    extensions = [_entra_login()]
    if get_cloud(plan.site.cloud).gpu_driver(plan):
        extensions.append(_nvidia_driver())
    profile: compute.VirtualMachineScaleSetVMProfileArgsDict = {
        "storage_profile": _storage_profile(plan),
        "os_profile": _os_profile(plan, ctx, credentials),
        "network_profile": _network_profile(plan, net),
        "extension_profile": {"extensions": extensions},
    }
    if plan.spot:
        # Delete, not Deallocate: a deallocated VM still pays for its disk and holds quota; the
        # restore policy brings deleted VMs back. max_price -1: pay up to the on-demand price.
        profile["priority"] = "Spot"
        profile["eviction_policy"] = "Delete"
        profile["billing_profile"] = {"max_price": -1}
    return profile


def _entra_login() -> compute.VirtualMachineScaleSetExtensionArgsDict:
    """The Entra ID SSH login extension (`Azure.login`): OpenSSH certificates issued by Entra
    ID, checked against the VM login roles (publisher Microsoft.Azure.ActiveDirectory,
    handler 1.0) https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux."""
    return {
        "name": "AADSSHLoginForLinux",
        "publisher": "Microsoft.Azure.ActiveDirectory",
        "type": "AADSSHLoginForLinux",
        "type_handler_version": "1.0",
        "auto_upgrade_minor_version": True,
    }


def _nvidia_driver() -> compute.VirtualMachineScaleSetExtensionArgsDict:
    """Azure's supported way to put the NVIDIA driver (CUDA or GRID, by size) on N-series VMs:
    the NVIDIA GPU Driver Extension (publisher Microsoft.HpcCompute, handler 1.6; minor
    upgrades on) https://learn.microsoft.com/azure/virtual-machines/extensions/hpccompute-gpu-linux.
    Its install reboots the VM once."""
    return {
        "name": "NvidiaGpuDriverLinux",
        "publisher": "Microsoft.HpcCompute",
        "type": "NvidiaGpuDriverLinux",
        "type_handler_version": "1.6",
        "auto_upgrade_minor_version": True,
    }


def _storage_profile(plan: ComputePlan) -> compute.VirtualMachineScaleSetStorageProfileArgsDict:
    """The OS disk from the image, on Premium SSD where the size supports it."""
    image = get_cloud(plan.site.cloud).boot_image(plan)
    disk_type = "Premium_LRS" if _premium_capable(plan.instance_type) else "StandardSSD_LRS"
    os_disk: compute.VirtualMachineScaleSetOSDiskArgsDict = {
        "create_option": "FromImage",
        "caching": compute.CachingTypes.READ_WRITE,
        "disk_size_gb": plan.disk_gb,
        "managed_disk": {"storage_account_type": disk_type},
    }
    return {"image_reference": image, "os_disk": os_disk}


def _premium_capable(instance_type: str) -> bool:
    match = _SIZE.match(instance_type)
    return bool(match and ("s" in match.group(2) or match.group(1).endswith("S")))


def _os_profile(
    plan: ComputePlan, ctx: Context, credentials: pulumi.Output[str] | None = None
) -> compute.VirtualMachineScaleSetOSProfileArgsDict:
    """No password login, ever: the plan's SSH key if it has one, else a key nobody holds
    (Azure wants one when passwords are off); people log in through Entra ID either way.
    With `credentials` (the script configuring access to other clouds' buckets), custom data
    is one multipart archive of it and the startup script, the credentials first."""
    key = (plan.ssh_public_key or unheld_public_key()).strip()
    path = f"/home/{_ADMIN}/.ssh/authorized_keys"
    profile: compute.VirtualMachineScaleSetOSProfileArgsDict = {
        "computer_name_prefix": _computer_name_prefix(ctx.name),
        "admin_username": _ADMIN,
        "linux_configuration": {
            "disable_password_authentication": True,
            "ssh": {"public_keys": [{"path": path, "key_data": key}]},
        },
    }
    script = plan.startup_script
    if credentials is not None:
        profile["custom_data"] = credentials.apply(
            lambda c: _custom_data(multipart(c, script) if script else c)
        )
    elif script is not None:
        profile["custom_data"] = _custom_data(script)
    return profile


def _custom_data(script: str) -> str:
    """The startup script as custom data (base64); cloud-init runs it once, on each VM's first
    boot. Azure hands custom data over only when a VM is provisioned and cannot change it on an
    existing VM, so a changed script reaches only VMs created after the scale set's model
    changes (https://learn.microsoft.com/azure/virtual-machines/custom-data)."""
    return base64.b64encode(script.encode("utf-8")).decode("ascii")


def _computer_name_prefix(name: str) -> str:
    """A hostname prefix: letters, digits and inner hyphens, not all digits."""
    label = re.sub(r"[^a-z0-9-]", "-", name.lower())[:_COMPUTER_NAME_PREFIX_MAX].strip("-")
    return label if label and not label.isdigit() else f"vm{label}"[:_COMPUTER_NAME_PREFIX_MAX]


def _network_profile(
    plan: ComputePlan, net: NetworkOutputs
) -> compute.VirtualMachineScaleSetNetworkProfileArgsDict:
    """One NIC in the first subnet behind the network's NSG, in the group's own ASG (the only
    destination of the NSG rules for this group's ports)."""
    ip_config: compute.VirtualMachineScaleSetIPConfigurationArgsDict = {
        "name": "primary",
        "primary": True,
        "subnet": {"id": net["subnet_ids"][0]},
        "application_security_groups": [{"id": net["asg_ids"][plan.name]}],
    }
    if plan.public:
        ip_config["public_ip_address_configuration"] = _public_ip_configuration()
    return {
        "network_interface_configurations": [
            {
                "name": "primary",
                "primary": True,
                "network_security_group": {"id": net["nsg_id"]},
                "ip_configurations": [ip_config],
            }
        ]
    }


def _public_ip_configuration() -> (
    compute.VirtualMachineScaleSetPublicIPAddressConfigurationArgsDict
):
    """Each VM of a `public: true` group gets a Standard public IP (the other groups go out
    through the network's NAT gateway). It admits nothing by itself: Standard IPs are closed
    until an NSG rule allows traffic, and only a public group's ASG has one from the internet."""
    return {"name": "public", "sku": {"name": "Standard", "tier": "Regional"}}


# -- shared ---------------------------------------------------------------------------------


def _tags(ctx: Context) -> dict[str, str]:
    """The resource's labels (the spec's, `skyinfra-project`, `skyinfra-resource`) and
    `skyinfra-name`: `limits.tags`."""
    return tags(ctx)
