"""AWS's limits on tags and user data, checked at plan time (`Cloud.limits`)."""

from __future__ import annotations

from skyinfra.clouds.limits import LabelRules, ScriptLimit

__all__ = ["LABELS", "STARTUP_SCRIPT"]

_RESERVED_PREFIX = "aws:"


def _key_rule(key: str) -> str | None:
    if key.lower().startswith(_RESERVED_PREFIX):
        return f"tag keys starting with {_RESERVED_PREFIX!r} are reserved for AWS"
    return None


# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html ("Tag naming limits"):
# 50 user tags per resource, keys up to 128 and values up to 256 characters, `aws:` reserved.
# The lowering adds two tags of its own: `Name` and `skyinfra:project`.
LABELS = LabelRules(
    "tag",
    max_count=50,
    key_max=128,
    value_max=256,
    key_rule=_key_rule,
    extra=2,
    hint="see https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
)

# "User data is limited to 16 KB, in raw form, before it is base64-encoded."
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html
STARTUP_SCRIPT = ScriptLimit(16 * 1024, "launch template user data", "bytes before base64")
