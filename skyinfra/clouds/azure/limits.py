"""Azure's limits on tags and custom data, checked at plan time (`Cloud.limits`)."""

from __future__ import annotations

from skyinfra.clouds.limits import Labelled, LabelRules, ScriptLimit
from skyinfra.topology import PROJECT_LABEL

__all__ = ["LABELS", "STARTUP_SCRIPT", "tags"]

_FORBIDDEN = "<>%&\\?/"


def _key_rule(key: str) -> str | None:
    bad = sorted({c for c in key if c in _FORBIDDEN})
    if bad:
        return f"tag names cannot contain {' '.join(bad)} (Azure refuses any of {_FORBIDDEN})"
    return None


# https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
# ("Limitations"): 50 tags per resource, names up to 512 characters (128 on storage
# accounts, which a bucket creates), values up to 256, no `<>%&\?/` in names. The lowering
# adds `skyinfra-name`.
LABELS = LabelRules(
    "tag",
    max_count=50,
    key_max=512,
    value_max=256,
    key_rule=_key_rule,
    extra=1,
    hint="see https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources",
    key_max_by_section={"buckets": 128},
    # Checked against the SDK by the contract suite (no `tags` input on the class: child
    # resources of a tagged parent, which ARM tags as a whole).
    unlabelled={
        "azure-native:network:Subnet": "a child of its (tagged) virtual network",
        "azure-native:network:VirtualNetworkPeering": "a child of its virtual network",
        "azure-native:network:ExpressRouteCircuitPeering": "a child of its circuit",
        "azure-native:authorization:RoleAssignment": "an RBAC binding",
        "azure-native:storage:BlobContainer": "a child of its storage account",
        "azure-native:storage:BlobServiceProperties": "a setting of its storage account",
        "azure-native:storage:ObjectReplicationPolicy": "a setting of its storage account",
        "azure-native:datafactory:Dataset": "a child of its (tagged) data factory",
        "azure-native:datafactory:LinkedService": "a child of its data factory",
        "azure-native:datafactory:Pipeline": "a child of its data factory",
        "azure-native:datafactory:Trigger": "a child of its data factory",
    },
)


def tags(ctx: Labelled) -> dict[str, str]:
    """A resource's tags: its labels (Azure restricts tag names, not values: a link's arrow
    stays) and `skyinfra-name`, the component's name, that let a portal user find it."""
    return {**dict(ctx.labels), PROJECT_LABEL: ctx.project, "skyinfra-name": ctx.name}


# The scale set's `osProfile.customData`: "The base-64 encoded string is decoded to a binary
# array ... The maximum length of the binary array is 65535 bytes" (azure-native SDK docs).
STARTUP_SCRIPT = ScriptLimit(65535, "scale set custom data", "bytes (decoded)")
