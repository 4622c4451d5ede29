"""The one IKEv2/IPsec proposal every cross-cloud VPN tunnel uses, in neutral (IANA) names.

Decided once here, like the tunnels' addresses and ASNs; each cloud's half maps it to its
own names (AWS tunnel options, Azure `ipsecPolicies`). GCP's Cloud VPN cannot be configured:
it accepts a fixed list (`skyinfra.clouds.gcp.ike`), which this proposal lies within.

One algorithm per role, not a list: larger AWS proposal sets fragment IKE packets on rekey and
Cloud VPN drops the fragments, Google asks peers to propose exactly one cipher per role, and
Azure takes exactly one policy per connection. An explicit Azure policy is needed anyway: its
default proposal offers DH group 2, which AWS pinned to group 20 refuses, and Azure, being
responder-only, never tries another. AES-CBC-256 with HMAC-SHA2-256 and the 384-bit ECP group
(20) in both phases is a combination all three clouds support.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IpsecProposal:
    """IKE SA (phase 1) and child/IPsec SA (phase 2) parameters. Names are IKEv2 transform
    names (RFC 7296 / IANA), DH groups IANA numbers. The lifetimes are local in IKEv2 (each
    side rekeys on its own timer), but both configurable ends use the same ones."""

    ike_encryption: str
    ike_integrity: str
    ike_prf: str  # AWS and Azure derive it from the integrity algorithm; GCP lists it
    dh_group: int
    esp_encryption: str
    esp_integrity: str
    pfs_group: int
    ike_lifetime_seconds: int
    child_lifetime_seconds: int
    child_lifetime_kilobytes: int  # AWS has no volume limit: only Azure sets one


PROPOSAL = IpsecProposal(
    ike_encryption="AES-CBC-256",
    ike_integrity="HMAC-SHA2-256-128",
    ike_prf="PRF-HMAC-SHA2-256",
    dh_group=20,  # 384-bit ECP
    esp_encryption="AES-CBC-256",
    esp_integrity="HMAC-SHA2-256-128",
    pfs_group=20,
    # Azure's IKE SA lifetime is fixed at 28,800 s; AWS allows 900-28,800 (default 28,800).
    ike_lifetime_seconds=28_800,
    # AWS allows 900-3,600 for phase 2 (default 3,600); Azure takes 300 or more.
    child_lifetime_seconds=3_600,
    # Azure's documented default (minimum 1,024); AWS rekeys on time only.
    child_lifetime_kilobytes=102_400_000,
)
