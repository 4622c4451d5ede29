"""Google Cloud's limits on labels and startup scripts, checked at plan time (`Cloud.limits`)."""

from __future__ import annotations

import re
import unicodedata

from skyinfra.clouds.limits import Labelled, LabelRules, ScriptLimit, respelled
from skyinfra.topology import LINK_ARROW, PROJECT_LABEL

__all__ = ["LABELS", "STARTUP_SCRIPT", "label_value", "labels"]


def _key_rule(key: str) -> str | None:
    """Keys start with a lowercase letter (international ones included: Unicode Ll or Lo);
    the rest are lowercase letters, digits, `_` and `-`; at most 128 bytes of UTF-8."""
    if not _gcp_letter(key[0]):
        return "label keys must start with a lowercase letter"
    return _gcp_chars(key, "key")


def _value_rule(value: str) -> str | None:
    return _gcp_chars(value, "value") if value else None


def _gcp_letter(char: str) -> bool:
    return unicodedata.category(char) in ("Ll", "Lo")


def _gcp_chars(text: str, what: str) -> str | None:
    bad = sorted({c for c in text if not (_gcp_letter(c) or c.isdigit() or c in "_-")})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return f"label {what}s may hold only lowercase letters, digits, '_' and '-' (not {shown})"
    if len(text.encode("utf-8")) > 128:
        return f"label {what}s must be under 128 bytes of UTF-8"
    return None


# https://cloud.google.com/compute/docs/labeling-resources ("Requirements for labels"): at
# most 64 labels; keys 1-63 characters starting with a lowercase letter, values 0-63; only
# lowercase letters, digits, `_` and `-`, international characters allowed (Unicode Ll/Lo,
# as the APIs' own patterns `\p{Ll}\p{Lo}` say). The lowering adds `skyinfra-name`.
LABELS = LabelRules(
    "label",
    max_count=64,
    key_max=63,
    value_max=63,
    key_rule=_key_rule,
    value_rule=_value_rule,
    extra=1,
    hint="GCP labels are lowercase: e.g. `team: ml-platform` "
    "(https://cloud.google.com/compute/docs/labeling-resources)",
    # Checked against the SDK by the contract suite (no `labels` input on the class; GCP
    # labels only some resource kinds, not VPC networks, routers, firewalls or IAM).
    unlabelled={
        "gcp:compute/network:Network": "VPC networks take no labels",
        "gcp:compute/subnetwork:Subnetwork": "subnets take no labels",
        "gcp:compute/firewall:Firewall": "firewall rules take no labels",
        "gcp:compute/router:Router": "Cloud Routers take no labels",
        "gcp:compute/routerInterface:RouterInterface": "part of its Cloud Router",
        "gcp:compute/routerNat:RouterNat": "part of its Cloud Router",
        "gcp:compute/routerPeer:RouterPeer": "part of its Cloud Router",
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": (
            "its VMs carry the instance template's labels"
        ),
        "gcp:serviceaccount/account:Account": "service accounts take no labels",
        "gcp:projects/iAMMember:IAMMember": "an IAM binding",
        "gcp:storage/bucketIAMMember:BucketIAMMember": "an IAM binding of its bucket",
        "gcp:storage/hmacKey:HmacKey": "a credential of its service account",
        "gcp:storage/transferJob:TransferJob": "transfer jobs take no labels",
    },
)


def label_value(text: str) -> str:
    """`text` as a valid label value: lowercase, `[a-z0-9_-]`, at most 63 characters (a
    link's arrow becomes `--`)."""
    return re.sub(r"[^a-z0-9_-]", "-", text.replace(LINK_ARROW, "--").lower())[:63]


def labels(ctx: Labelled) -> dict[str, str]:
    """A resource's labels (the user's checked at plan time, skyinfra's own respelled to fit)
    and `skyinfra-name`, the component's name."""
    return {
        **respelled(ctx.labels, label_value),
        PROJECT_LABEL: label_value(ctx.project),
        "skyinfra-name": label_value(ctx.name),
    }


# Compute Engine metadata: one value is at most 256 KB (262144 bytes) and all of an
# instance's metadata at most 512 KB (the Metadata resource of the compute v1 API); the
# SSH key, the driver flag and the run-once `startup-script` beside it are far below the rest.
STARTUP_SCRIPT = ScriptLimit(262144, "one instance metadata value")
