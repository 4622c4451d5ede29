"""AWS's limits on tags and user data, checked at plan time (`Cloud.limits`)."""

from __future__ import annotations

import re

from skyinfra.clouds.limits import Labelled, LabelRules, ScriptLimit, respelled
from skyinfra.topology import LINK_ARROW

__all__ = ["LABELS", "STARTUP_SCRIPT", "tags"]

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
    # Checked against the SDK by the contract suite (no `tags` input on the class).
    unlabelled={
        "aws:ec2/route:Route": "an entry of its route table (tagged)",
        "aws:ec2/routeTableAssociation:RouteTableAssociation": "joins a tagged table and subnet",
        "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": "a gateway setting",
        "aws:directconnect/gatewayAssociation:GatewayAssociation": "joins two tagged gateways",
        "aws:iam/accessKey:AccessKey": "a credential of its IAM user (tagged)",
        "aws:iam/rolePolicy:RolePolicy": "an inline policy of its role (tagged)",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "attaches a policy to a role",
        "aws:iam/userPolicy:UserPolicy": "an inline policy of its IAM user (tagged)",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "a setting of its bucket",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "a setting of its bucket",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "a setting of its bucket",
        "aws:s3/bucketServerSideEncryptionConfiguration:"
        "BucketServerSideEncryptionConfiguration": "a setting of its bucket",
        "aws:s3/bucketVersioning:BucketVersioning": "a setting of its bucket",
    },
)

# Tag values valid in every AWS service skyinfra tags: "Generally allowed characters are
# letters, numbers, and spaces representable in UTF-8, and the following characters:
# + - = . _ : / @" (the tagging guide above; EC2 takes more, IAM and S3 do not).
_NOT_IN_TAG_VALUES = re.compile(r"[^\w .:/=+\-@]")


def _tag_value(value: str) -> str:
    """skyinfra's own value made valid: a link's arrow becomes `--`, anything else `-`."""
    return _NOT_IN_TAG_VALUES.sub("-", value.replace(LINK_ARROW, "--"))


def tags(ctx: Labelled, name: str) -> dict[str, str]:
    """A resource's tags: its labels, `Name` (what the console shows: `name`) and
    `skyinfra:project` (the tag earlier versions put on)."""
    return {**respelled(ctx.labels, _tag_value), "Name": name, "skyinfra:project": ctx.project}


# "User data is limited to 16 KB, in raw form, before it is base64-encoded."
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html
STARTUP_SCRIPT = ScriptLimit(16 * 1024, "launch template user data", "bytes before base64")
