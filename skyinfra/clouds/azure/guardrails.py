"""Azure's rows of the guardrail tables (`skyinfra.guardrails.table.CloudGuardrails`).

Storage accounts and containers are private and accounts HTTPS-only; NSGs hold ingress
inline or through standalone rules, applying to the VMs that name the NSG (or a subnet
that does) or, for rules to application security groups, to the NICs in those ASGs.
Deleting a resource group deletes everything in it: a bucket's group is stateful.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi.runtime import rpc

from skyinfra.guardrails.ingress import Ingress, port_range
from skyinfra.guardrails.model import Intent, Resource, as_list, lookup
from skyinfra.guardrails.table import CloudGuardrails, IngressType, held_rules_reach

__all__ = ["GUARDRAILS"]

_ACCOUNT = "azure-native:storage:StorageAccount"
_CONTAINER = "azure-native:storage:BlobContainer"
_SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
_NSG = "azure-native:network:NetworkSecurityGroup"
_TLS_OK = frozenset({"TLS1_2", "TLS1_3"})


def _account_private(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("allowBlobPublicAccess") is not False:
        yield "allowBlobPublicAccess is not false"


def _container_private(r: Resource, _: Intent) -> Iterator[str]:
    access = r.inputs.get("publicAccess")
    if access not in (None, "None"):
        yield f"container public access is {access!r}"


def _account_transport(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("enableHttpsTrafficOnly") is not True:
        yield "enableHttpsTrafficOnly is not true"
    if r.inputs.get("minimumTlsVersion") not in _TLS_OK:
        yield f"minimumTlsVersion is {r.inputs.get('minimumTlsVersion')!r}, not TLS1_2 or later"


def _rule(rule: Any) -> Iterator[Ingress]:
    if lookup(rule, "direction") != "Inbound" or lookup(rule, "access") != "Allow":
        return
    sources = [lookup(rule, "sourceAddressPrefix"), *as_list(lookup(rule, "sourceAddressPrefixes"))]
    ports = [lookup(rule, "destinationPortRange"), *as_list(lookup(rule, "destinationPortRanges"))]
    protocol = str(lookup(rule, "protocol") or "").lower()
    targets = tuple(as_list(lookup(rule, "destinationApplicationSecurityGroups"))) or None
    for port in (p for p in ports if p is not None):
        yield Ingress(protocol, port_range(port), tuple(str(s) for s in sources if s), targets)


def _nsg(r: Resource) -> Iterator[Ingress]:
    for rule in as_list(r.inputs.get("securityRules")):
        yield from _rule(rule)


def _security_rule(r: Resource) -> Iterator[Ingress]:
    return _rule(r.inputs)


_HELD = held_rules_reach(frozenset({_NSG}), subnets=frozenset({"azure-native:network:Subnet"}))


def _reaches(r: Resource, rule: Ingress, vm: Resource, by_urn: Mapping[str, Resource]) -> bool:
    """A rule to ASGs reaches the scale sets whose NICs are in one of them; other rules, the
    VMs that name their NSG or a subnet that does."""
    if rule.targets is None:
        return _HELD(r, rule, vm, by_urn)
    asgs = {str(lookup(asg, "id")) for asg in rule.targets}
    return vm.type == _SCALE_SET and bool(asgs & _scale_set_asgs(vm))


def _scale_set_asgs(vm: Resource) -> set[str]:
    nics = lookup(
        vm.inputs, "virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations"
    )
    return {
        str(lookup(asg, "id"))
        for nic in as_list(nics)
        for ip in as_list(lookup(nic, "ipConfigurations"))
        for asg in as_list(lookup(ip, "applicationSecurityGroups"))
    }


def _scale_set_public_ip(vm: Resource) -> bool:
    """A public IP address configuration on any IP configuration of the scale set's NICs.
    The profile may arrive as a secret (it holds a generated password): read through it."""
    profile = _revealed(vm.inputs.get("virtualMachineProfile"))
    nics = lookup(profile, "networkProfile", "networkInterfaceConfigurations")
    return any(
        lookup(ip, "publicIPAddressConfiguration") is not None
        for nic in as_list(nics)
        for ip in as_list(lookup(nic, "ipConfigurations"))
    )


def _revealed(value: Any) -> Any:
    """The value inside a secret as the mock engine passes it (a signed wrapper), else as is."""
    if isinstance(value, Mapping) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return value.get("value")
    return value


def _vnet_ranges(r: Resource) -> list[str]:
    return [str(p) for p in as_list(lookup(r.inputs, "addressSpace", "addressPrefixes"))]


# -- grants-scoped ---------------------------------------------------------------------------

# A scope that is a subscription or a resource group, not one resource in it.
_WIDE_SCOPE = re.compile(r"^/subscriptions/[^/]+(/resourceGroups/[^/]+)?/?$", re.IGNORECASE)


def _wide_assignment(r: Resource, _: Intent) -> Iterator[str]:
    scope = r.inputs.get("scope")
    if isinstance(scope, str) and _WIDE_SCOPE.match(scope):
        yield f"role assignment at {scope} reaches every storage account under it"


def _open_credential(r: Resource, _: Intent) -> Iterator[str]:
    """A federated identity credential must name one subject of its issuer."""
    if not r.inputs.get("subject") or not r.inputs.get("issuer"):
        yield "federated identity credential without an issuer and a subject"


GUARDRAILS = CloudGuardrails(
    public_bucket={_ACCOUNT: _account_private, _CONTAINER: _container_private},
    encryption={_ACCOUNT: _account_transport},
    ingress={
        _NSG: IngressType(_nsg, _reaches),
        "azure-native:network:SecurityRule": IngressType(_security_rule, _reaches),
    },
    vms=frozenset({_SCALE_SET}),
    vpn_keys={
        "azure-native:network:VirtualNetworkGatewayConnection": (("sharedKey",),),
        # the BGP MD5 key of an ExpressRoute peering: the same kind of link secret
        "azure-native:network:ExpressRouteCircuitPeering": (("sharedKey",),),
    },
    credentials={
        "azure-native:datafactory:LinkedService": (("properties", "secretAccessKey"),),
        _SCALE_SET: (("virtualMachineProfile", "osProfile", "adminPassword"),),
    },
    stateful=frozenset({_ACCOUNT, _CONTAINER}),
    stateful_under_bucket=frozenset({"azure-native:resources:ResourceGroup"}),
    ranges={"azure-native:network:VirtualNetwork": _vnet_ranges},
    grants={
        "azure-native:authorization:RoleAssignment": _wide_assignment,
        "azure-native:managedidentity:FederatedIdentityCredential": _open_credential,
    },
    # Storage account keys are not resources (listed by an invoke). The azuread provider
    # makes the Entra application of a group federated into GCS; its secrets and
    # certificates would be long-lived keys of that application (none is ever made).
    long_lived_keys=frozenset(
        {
            "azuread:index/applicationPassword:ApplicationPassword",
            "azuread:index/applicationCertificate:ApplicationCertificate",
            "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
            "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
        }
    ),
    identities=frozenset({"azure-native:managedidentity:UserAssignedIdentity"}),
    public_address={_SCALE_SET: _scale_set_public_ip},
    nat=frozenset({"azure-native:network:NatGateway"}),
)
