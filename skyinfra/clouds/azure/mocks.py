"""What Azure computes for the resources skyinfra creates, faked for the offline preview.

Ids are ARM ids (`/subscriptions/<sub>/resourceGroups/<rg>/providers/<namespace>/...`) built
from the `<kind>Name` inputs the resource was given. Where a program leaves the name to
Pulumi, the fake gives what azure-native auto-naming would (`<logical name><8 hex>`), since
auto-naming does not happen under mocks and later code reads `rg.name`, `account.name`, ...
The subscription is the stack's `azure-native:subscriptionId`, else the all-zero one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from skyinfra.clouds.fakes import CloudFakes, Fakes

ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ZERO_TENANT = "00000000-0000-0000-0000-000000000001"
PREVIEW_GROUP = "skyinfra-preview"

Faked = tuple[str, dict[str, Any]]
# One ARM path segment: the collection and the input naming its member. `None` means the
# member is the resource itself (named by `own_name`); a string not in the inputs is literal.
Segment = tuple[str, str | None]


def _subscription() -> str:
    return pulumi.Config("azure-native").get("subscriptionId") or ZERO_SUBSCRIPTION


def own_name(logical: str, state: dict[str, Any], key: str, fakes: Fakes) -> str:
    """The physical name: the `<kind>Name` input if set, else what auto-naming would pick
    (seeded by region too: two regions' stacks use the same logical names)."""
    explicit = state.get(key)
    return str(explicit) if explicit else f"{logical}{fakes.hex(fakes.site.region + logical, 8)}"


def _group_path(state: dict[str, Any]) -> str:
    group = state.get("resourceGroupName") or PREVIEW_GROUP
    return f"/subscriptions/{_subscription()}/resourceGroups/{group}"


def _arm(namespace: str, name_key: str, *path: Segment) -> Callable[..., Faked]:
    """A fake whose id is `<group>/providers/<namespace>/<path...>` and `name` its last part."""

    def fake(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        name = own_name(logical, state, name_key, fakes)
        parts = [f"{c}/{name if k is None else state.get(k, k)}" for c, k in path]
        return f"{_group_path(state)}/providers/{namespace}/{'/'.join(parts)}", {"name": name}

    return fake


def _resource_group(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    name = own_name(logical, state, "resourceGroupName", fakes)
    return f"/subscriptions/{_subscription()}/resourceGroups/{name}", {"name": name}


def _storage_account(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Accounts also report their service endpoints (the blob URL is the bucket's URL)."""
    id_, extra = _arm("Microsoft.Storage", "accountName", ("storageAccounts", None))(
        logical, state, fakes
    )
    services = ("blob", "dfs", "file", "queue", "table", "web")
    endpoints = {s: f"https://{extra['name']}.{s}.core.windows.net/" for s in services}
    return id_, {**extra, "primaryEndpoints": endpoints, "primaryLocation": state.get("location")}


def _scale_set(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _arm("Microsoft.Compute", "vmScaleSetName", ("virtualMachineScaleSets", None))(
        logical, state, fakes
    )
    outputs = {**extra, "uniqueId": fakes.uuid(logical), "provisioningState": "Succeeded"}
    identity = state.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        # ARM answers with a map of identity id -> its principal and client ids.
        ids = identity["userAssignedIdentities"]
        outputs["identity"] = {
            **identity,
            "userAssignedIdentities": {
                i: {
                    "principalId": fakes.uuid("principal/" + i),
                    "clientId": fakes.uuid("client/" + i),
                }
                for i in ids
            },
        }
    return id_, outputs


def _public_ip(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Static Standard IPs get their address at creation; peers read it (`ipAddress`)."""
    id_, extra = _arm("Microsoft.Network", "publicIpAddressName", ("publicIPAddresses", None))(
        logical, state, fakes
    )
    return id_, {**extra, "ipAddress": fakes.public_ip(logical)}


def _replication_policy(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """The destination's policy ("default") gets a generated id and rule ids that the
    source account's policy must repeat."""
    requested = state.get("objectReplicationPolicyId") or "default"
    policy_id = fakes.uuid(logical) if requested == "default" else str(requested)
    rules = [
        {**rule, "ruleId": rule.get("ruleId") or fakes.uuid(f"{logical}/{i}")}
        for i, rule in enumerate(state.get("rules") or [])
    ]
    path = f"storageAccounts/{state.get('accountName')}/objectReplicationPolicies/{policy_id}"
    id_ = f"{_group_path(state)}/providers/Microsoft.Storage/{path}"
    return id_, {"name": policy_id, "policyId": policy_id, "rules": rules}


def _circuit(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A circuit on ExpressRoute Direct ports: its service key exists at creation."""
    id_, extra = _arm(_NETWORK, "circuitName", ("expressRouteCircuits", None))(
        logical, state, fakes
    )
    return id_, {**extra, "serviceKey": fakes.uuid(logical), "circuitProvisioningState": "Enabled"}


def _circuit_peering(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Microsoft's edge takes host 2 of each /30 and speaks ASN 12076."""
    path = (("expressRouteCircuits", "circuitName"), ("peerings", None))
    id_, extra = _arm(_NETWORK, "peeringName", *path)(logical, state, fakes)
    return id_, {**extra, "azureASN": 12076, "state": "Enabled"}


def _client_config(_args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """Who runs the deployment: the subscription plus a fixed tenant and service principal."""
    return {
        "subscriptionId": _subscription(),
        "tenantId": pulumi.Config("azure-native").get("tenantId") or ZERO_TENANT,
        "clientId": fakes.uuid("client"),
        "objectId": fakes.uuid("object"),
    }


def _factory(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A Data Factory; a system-assigned identity gets a principal id, as Azure gives it."""
    id_, extra = _arm(_FACTORY, "factoryName", ("factories", None))(logical, state, fakes)
    identity = state.get("identity")
    if isinstance(identity, dict):
        principal = {"principalId": fakes.uuid(f"{logical}/principal"), "tenantId": ZERO_TENANT}
        extra["identity"] = {**identity, **principal}
    return id_, extra


def _in_factory(collection: str, name_key: str) -> Callable[..., Faked]:
    return _arm(_FACTORY, name_key, ("factories", "factoryName"), (collection, None))


def _service_sas(args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """A service SAS shaped like Azure's (signature derived from the resource)."""
    resource = str(args.get("canonicalizedResource"))
    return {
        "serviceSasToken": f"sv=2022-11-02&sr={args.get('resource')}&sp={args.get('permissions')}"
        f"&spr=https&se={args.get('sharedAccessExpiryTime')}&sig={fakes.hex(resource, 43)}"
    }


def _identity(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A user-assigned identity: its ARM id, and the ids of its service principal."""
    id_, extra = _arm(
        "Microsoft.ManagedIdentity", "resourceName", ("userAssignedIdentities", None)
    )(logical, state, fakes)
    return id_, {
        **extra,
        "principalId": fakes.uuid("principal/" + logical),
        "clientId": fakes.uuid("client/" + logical),
        "tenantId": fakes.uuid("tenant"),
    }


def _entra_object(logical: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """An Entra ID application or service principal (azuread): Microsoft Graph ids, the
    object id as the resource id."""
    object_id = fakes.uuid("entra-object/" + logical)
    client_id = state.get("clientId") or fakes.uuid("entra-client/" + logical)
    return object_id, {"objectId": object_id, "clientId": client_id}


def _entra_client_config(_args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """Who runs the deployment, as the azuread provider sees it (the same fixed principal)."""
    return {
        "tenantId": ZERO_TENANT,
        "clientId": fakes.uuid("client"),
        "objectId": fakes.uuid("object"),
    }


def _default_id(token: str, name: str, fakes: Fakes) -> str:
    """Other azure-native resources: an ARM-shaped id in a placeholder group."""
    _, module, kind = token.split(":")
    collection = kind[:1].lower() + kind[1:] + "s"
    return (
        f"/subscriptions/{_subscription()}/resourceGroups/{PREVIEW_GROUP}/providers/"
        f"Microsoft.{module.capitalize()}/{collection}/{name}"
    )


_NETWORK = "Microsoft.Network"
_FACTORY = "Microsoft.DataFactory"

FAKES = CloudFakes(
    resources={
        "azure-native:resources:ResourceGroup": _resource_group,
        "azure-native:network:NetworkSecurityGroup": _arm(
            _NETWORK, "networkSecurityGroupName", ("networkSecurityGroups", None)
        ),
        "azure-native:network:ApplicationSecurityGroup": _arm(
            _NETWORK, "applicationSecurityGroupName", ("applicationSecurityGroups", None)
        ),
        "azure-native:network:VirtualNetwork": _arm(
            _NETWORK, "virtualNetworkName", ("virtualNetworks", None)
        ),
        "azure-native:network:Subnet": _arm(
            _NETWORK,
            "subnetName",
            ("virtualNetworks", "virtualNetworkName"),
            ("subnets", None),
        ),
        "azure-native:storage:StorageAccount": _storage_account,
        "azure-native:storage:BlobServiceProperties": _arm(
            "Microsoft.Storage",
            "blobServicesName",
            ("storageAccounts", "accountName"),
            ("blobServices", None),
        ),
        "azure-native:storage:BlobContainer": _arm(
            "Microsoft.Storage",
            "containerName",
            ("storageAccounts", "accountName"),
            ("blobServices", "default"),
            ("containers", None),
        ),
        "azure-native:storage:ObjectReplicationPolicy": _replication_policy,
        "azure-native:compute:VirtualMachineScaleSet": _scale_set,
        # The peering layer's site resources (reference §2).
        "azure-native:network:PublicIPAddress": _public_ip,
        "azure-native:network:NatGateway": _arm(_NETWORK, "natGatewayName", ("natGateways", None)),
        "azure-native:network:VirtualNetworkGateway": _arm(
            _NETWORK, "virtualNetworkGatewayName", ("virtualNetworkGateways", None)
        ),
        "azure-native:network:VirtualNetworkPeering": _arm(
            _NETWORK,
            "virtualNetworkPeeringName",
            ("virtualNetworks", "virtualNetworkName"),
            ("virtualNetworkPeerings", None),
        ),
        "azure-native:network:LocalNetworkGateway": _arm(
            _NETWORK, "localNetworkGatewayName", ("localNetworkGateways", None)
        ),
        "azure-native:network:VirtualNetworkGatewayConnection": _arm(
            _NETWORK, "virtualNetworkGatewayConnectionName", ("connections", None)
        ),
        "azure-native:network:ExpressRoutePort": _arm(
            _NETWORK, "expressRoutePortName", ("expressRoutePorts", None)
        ),
        "azure-native:network:ExpressRouteCircuit": _circuit,
        "azure-native:network:ExpressRouteCircuitPeering": _circuit_peering,
        "azure-native:managedidentity:UserAssignedIdentity": _identity,
        # Replication (reference §10).
        "azure-native:datafactory:Factory": _factory,
        "azure-native:datafactory:LinkedService": _in_factory(
            "linkedservices", "linkedServiceName"
        ),
        "azure-native:datafactory:Dataset": _in_factory("datasets", "datasetName"),
        "azure-native:datafactory:Pipeline": _in_factory("pipelines", "pipelineName"),
        "azure-native:datafactory:Trigger": _in_factory("triggers", "triggerName"),
        # Entra ID (an Azure group's application for GCS federation, `federation.py`).
        "azuread:index/application:Application": _entra_object,
        "azuread:index/servicePrincipal:ServicePrincipal": _entra_object,
    },
    invokes={
        "azure-native:authorization:getClientConfig": _client_config,
        "azure-native:storage:listStorageAccountServiceSAS": _service_sas,
        "azuread:index/getClientConfig:getClientConfig": _entra_client_config,
    },
    default_id=_default_id,
)
