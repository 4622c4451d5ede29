"""Microsoft Azure: facts for planning; its lowering table is `lowerings.py`."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any, ClassVar

from skyinfra.clouds.azure import limits
from skyinfra.clouds.base import (
    GPU_ATTACH,
    NAT_PER_ZONE,
    TPU,
    Cloud,
    InterconnectSide,
    LoginPath,
    LoginTarget,
    ReplicationFacts,
    with_lookup,
)
from skyinfra.clouds.records import LoginTrace
from skyinfra.site import Site
from skyinfra.topology import ComputePlan

# Regions with availability zones: the one table behind every zonal choice on Azure.
# Zone-redundant storage (ZRS; elsewhere LRS), gateway public IPs in zones 1-3 and the
# zone-redundant ExpressRoute gateway SKU exist only there: elsewhere Azure refuses zones
# with `LocationNotSupportAvailabilityZones`. Source: "Azure regions with availability zones"
# (https://learn.microsoft.com/azure/reliability/availability-zones-region-support).
ZONAL_REGIONS = frozenset(
    {
        "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus",
        "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
        "israelcentral", "italynorth", "japaneast", "koreacentral", "mexicocentral",
        "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
        "southafricanorth", "southcentralus", "southeastasia", "spaincentral",
        "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope",
        "westus2", "westus3",
    }
)  # fmt: skip


def has_zones(region: str) -> bool:
    """Whether `region` has availability zones (zonal resources are refused elsewhere)."""
    return region in ZONAL_REGIONS


#: `accounts.azure` key: the Entra object id given "Virtual Machine Administrator Login" on
#: every scale set (a skyinfra setting, not the provider's: kept out of the stack config).
LOGIN_PRINCIPAL = "loginPrincipalId"
_VMSS = "azure-native:compute:VirtualMachineScaleSet"


def _image(publisher: str, offer: str, sku: str) -> dict[str, str]:
    return {"publisher": publisher, "offer": offer, "sku": sku, "version": "latest"}


class Azure(Cloud):
    name = "azure"
    title = "Microsoft Azure"
    provider_namespace = "azure-native"
    region_config_key = "location"
    cross_region_link = "azure-vnet-peering"
    bgp_inside_ranges = ("169.254.21.0/24", "169.254.22.0/24")  # custom BGP (APIPA) band
    inside_first_host_rank = 1
    reserved_asns = frozenset({8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520})
    label_rules = limits.LABELS
    startup_script = limits.STARTUP_SCRIPT
    UNSUPPORTED: ClassVar[dict[str, str]] = {
        GPU_ATTACH: "Azure cannot attach GPUs to a size: use a GPU size (NC, ND or NV families)",
        TPU: "Cloud TPUs are Google Cloud's and Azure offers none: place the group on Google Cloud",
        # A Standard NAT gateway is zonal and a subnet takes one NAT gateway, so one per zone
        # needs a subnet per zone; an Azure network here has one workload subnet, whose VMs
        # span zones. The zone-redundant StandardV2 SKU is in preview:
        # https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones
        NAT_PER_ZONE: (
            "Azure's NAT gateway is zonal and serves whole subnets, and an Azure network has one "
            "subnet spanning the zones: use `nat: single` (Azure runs the gateway with built-in "
            "redundancy in one zone)"
        ),
    }
    gateway_subnet_prefix = 27  # `GatewaySubnet`: /27 is what Azure recommends
    regional_storage_endpoint = True  # the workload subnet's Microsoft.Storage endpoint
    interconnect = InterconnectSide(
        product="Azure ExpressRoute Direct",
        resources=(
            "azure-native:network:ExpressRoutePort",
            "azure-native:network:ExpressRouteCircuit",
            "azure-native:network:ExpressRouteCircuitPeering",
            "azure-native:network:VirtualNetworkGateway",
            "azure-native:network:PublicIPAddress",
            "azure-native:network:VirtualNetworkGatewayConnection",
        ),
        order=(
            "before pulumi up, enable ExpressRoute Direct on the subscription (`az feature "
            "register --namespace Microsoft.Network --name AllowExpressRoutePorts`); pulumi up "
            "(phase 1) creates the 10 Gbps ExpressRoute Direct port pair at "
            "skyinfra:expressroute-peering-location; generate its LOA (`az network express-route "
            "port generate-loa`) and give it to Google for the cross-connects; phase 2 once both "
            "links are patched"
        ),
        phase_one="the ExpressRoute Direct port pair (links disabled)",
        phase_two=(
            "both port links enabled, a circuit on the port, private peering and the gateway's "
            "connection"
        ),
        config=(
            (
                "expressroute-peering-location",
                "ExpressRoute Direct peering location of the port pair, in the Cross-Cloud "
                "Interconnect's facility (`az network express-route port location list`); the "
                "pair's two links land on two Microsoft routers there",
            ),
        ),
        edge_asn=12076,  # Microsoft's edge routers speak 12076 on private peering
    )
    replication = ReplicationFacts(
        within="azure-object-replication",
        foreign="azure-data-factory",
        reads=("s3-access-key", "gcs-hmac-key"),
        issues=("blob-sas-token",),
        source_versioning=True,
        within_per_source=2,  # an account is the source of at most 2 replication policies
        post_deploy=(
            "start the Data Factory trigger (ADF creates triggers Stopped; Pulumi cannot start one)",
            "copy the objects that existed before the first scheduled run (one pipeline run)",
        ),
    )
    account_keys: ClassVar[dict[str, str]] = {
        "subscriptionId": "Azure subscription to deploy into (default: from the environment)",
        "tenantId": "Entra tenant (default: from the environment)",
        LOGIN_PRINCIPAL: (
            "object id of the Entra user or group that may log in to the VMs (role Virtual "
            "Machine Administrator Login on each scale set)"
        ),
    }
    # Entra ID SSH login rather than Azure Bastion: free, no AzureBastionSubnet to carve from
    # every VNet, and who may log in is Azure RBAC (no keys or passwords to hand out).
    # https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux
    login = LoginPath(
        method="entra-id-ssh",
        title="Microsoft Entra ID SSH login (AADSSHLoginForLinux)",
        docs="https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux",
        prerequisites=(
            "the Azure CLI with its ssh extension (az extension add --name ssh), logged in",
            "role Virtual Machine Administrator Login (or User Login) on the scale set: skyinfra "
            f"assigns the first to accounts.azure.{LOGIN_PRINCIPAL}",
            "a route to the VMs' private addresses: a peered network or VPN, or your own Azure "
            "Bastion (Standard: az network bastion ssh --auth-type AAD)",
        ),
        traces=(
            LoginTrace(
                _VMSS,
                ("virtualMachineProfile", "extensionProfile", "extensions", "type"),
                "AADSSHLoginForLinux",
            ),
            LoginTrace(
                _VMSS,
                (
                    "virtualMachineProfile",
                    "osProfile",
                    "linuxConfiguration",
                    "disablePasswordAuthentication",
                ),
                True,
            ),
        ),
    )
    images: ClassVar[dict[tuple[str, str], Any]] = {
        ("ubuntu-22.04", "x86_64"): _image(
            "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"
        ),
        ("ubuntu-22.04", "arm64"): _image(
            "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-arm64"
        ),
        ("ubuntu-24.04", "x86_64"): _image("Canonical", "ubuntu-24_04-lts", "server"),
        ("ubuntu-24.04", "arm64"): _image("Canonical", "ubuntu-24_04-lts", "server-arm64"),
        ("debian-12", "x86_64"): _image("Debian", "debian-12", "12-gen2"),
        ("debian-12", "arm64"): _image("Debian", "debian-12", "12-arm64"),
    }
    # NVIDIA GPU groups boot the plain image and get the driver from the NvidiaGpuDriverLinux
    # extension, which supports Ubuntu 20.04/22.04/24.04 and RHEL, not Debian
    # (https://learn.microsoft.com/azure/virtual-machines/extensions/hpccompute-gpu-linux);
    # Azure's GPU sizes are x86_64.
    gpu_images: ClassVar[dict[tuple[str, str], Any]] = {
        key: image
        for key, image in images.items()
        if key in (("ubuntu-22.04", "x86_64"), ("ubuntu-24.04", "x86_64"))
    }
    # Azure Linux VMs take SSH-2 RSA (2048+ bits) and ED25519 keys, not ECDSA:
    # https://learn.microsoft.com/azure/virtual-machines/linux/mac-create-ssh-keys
    ssh_key_types = ("ssh-ed25519", "ssh-rsa")
    identity_kind = "managed identity"
    # Keyless federation (`federation.py`): a GCP group's Google ID tokens, exchanged for a
    # user-assigned identity through a federated identity credential. Its own VMs present
    # their managed identity's tokens for the group's Entra application (GCS trusts those).
    workload_identity = "entra-id-token"
    trusts: ClassVar[dict[str, str]] = {"google-id-token": "federated identity credential"}
    # AWS IAM outbound identity federation (`aws.iam.OutboundWebIdentityFederation` in the
    # pinned SDK) would give roles OIDC tokens, but it is one switch per AWS account that
    # deleting the resource turns off for every workload of the account: not a project's to own.
    untrusted: ClassVar[dict[str, str]] = {
        "aws-iam-role": "AWS roles get OIDC tokens only with IAM outbound identity federation, an "
        "account-wide switch skyinfra does not own; enable it once for the account, then add a "
        "federated identity credential for the role's tokens (issuer: the account's issuer URL) "
        "to a managed identity granted on the container"
    }
    consumes = frozenset({"gcp-external-account"})
    extra_namespaces = ("azuread",)
    custom_image_format = "PUBLISHER:OFFER:SKU:VERSION, or an image or gallery image resource id"
    _URN = re.compile(r"^[^:\s/]+:[^:\s/]+:[^:\s/]+:[^:\s/]+$")
    _IMAGE_ID = re.compile(
        r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/"
        r"(images/[^/]+|galleries/[^/]+/images/[^/]+(/versions/[^/]+)?)$",
        re.IGNORECASE,
    )

    def offline_breaks(self, plan: ComputePlan) -> list[str]:
        """The Entra ID login extension installs from packages.microsoft.com and talks to
        Entra ID (https://learn.microsoft.com/entra/identity/devices/
        howto-vm-sign-in-azure-ad-linux, "Network requirements"); the NVIDIA driver extension
        downloads the driver."""
        breaks = super().offline_breaks(plan)
        breaks.append(
            "the Entra ID SSH login extension (AADSSHLoginForLinux) cannot install or reach "
            "Entra ID, so `skyinfra ssh` (Entra ID login) fails"
        )
        if self.gpu_driver(plan):
            breaks.append("the NVIDIA GPU Driver Extension cannot download the driver")
        return breaks

    def custom_image(self, reference: str) -> dict[str, str]:
        """A marketplace URN as its four parts, else an image resource id."""
        if self._URN.match(reference):
            publisher, offer, sku, version = reference.split(":")
            return _image(publisher, offer, sku) | {"version": version}
        return {"id": reference}

    def custom_image_problem(self, reference: str) -> str | None:
        if self._URN.match(reference) or self._IMAGE_ID.match(reference):
            return None
        return f"{reference!r} is neither an image URN nor an image resource id"

    # Size names: Standard_<family><vcpus><features>_<version>; a "p" feature means Ampere arm64.
    _SIZE = re.compile(r"^Standard_([A-Z]+)(\d+)([a-z-]*)")

    def is_arm64(self, instance_type: str) -> bool:
        match = self._SIZE.match(instance_type)
        return bool(match and "p" in match.group(3))

    def is_burstable(self, instance_type: str) -> bool:
        match = self._SIZE.match(instance_type)
        return bool(match and match.group(1) == "B")

    # GPU sizes are the N families (NC, ND, NV, NCC, ...): GPUs come with the size.
    accelerated_types = re.compile(r"^Standard_N[A-Z]*\d")
    accelerator_noun = "GPU"

    def stack_config(self, site: Site, settings: Mapping[str, str]) -> dict[str, str]:
        """The provider's settings only: `loginPrincipalId` is skyinfra's."""
        own = {k: v for k, v in settings.items() if k != LOGIN_PRINCIPAL}
        return super().stack_config(site, own)

    def login_command(self, target: LoginTarget) -> str:
        """`az ssh vm --ip` (Entra ID login) to the private address of the scale set's VM
        `index` (NICs sorted by id), which `az vmss nic list` finds."""
        subscription = target.settings.get("subscriptionId")
        chosen = ["--subscription", subscription] if subscription else []
        query = f"sort_by(@, &id)[{target.index}].ipConfigurations[0].privateIPAddress"
        lookup = shlex.join(
            [
                *("az", "vmss", "nic", "list"),
                *("--resource-group", str(target.outputs["resource_group_name"])),
                *("--vmss-name", str(target.outputs["name"]), *chosen),
                *("--query", query, "--output", "tsv"),
            ]
        )
        return with_lookup(["az", "ssh", "vm", "--ip"], lookup)
