"""Azure's limits on tags and custom data, checked at plan time (`Cloud.limits`)."""

from __future__ import annotations

from skyinfra.clouds.limits import LabelRules, ScriptLimit

__all__ = ["LABELS", "STARTUP_SCRIPT"]

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
)

# The scale set's `osProfile.customData`: "The base-64 encoded string is decoded to a binary
# array ... The maximum length of the binary array is 65535 bytes" (azure-native SDK docs).
STARTUP_SCRIPT = ScriptLimit(65535, "scale set custom data", "bytes (decoded)")
