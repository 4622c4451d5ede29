"""What Cloud VPN accepts from a peer over IKEv2: Google fixes the list, a tunnel cannot be
configured (https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers,
AES-CBC table; DH groups as reordered in
https://cloud.google.com/network-connectivity/docs/vpn/deprecations/cipher-changes, which drops
group 22). Names are IKEv2 transform names, groups IANA numbers, as in
`skyinfra.peering.ipsec`. The peer's single proposal per role must be one of these.
"""

from __future__ import annotations

from types import MappingProxyType

ENCRYPTION = frozenset({"AES-CBC-128", "AES-CBC-192", "AES-CBC-256"})
INTEGRITY = frozenset(
    {"HMAC-SHA2-256-128", "HMAC-SHA2-384-192", "HMAC-SHA2-512-256", "HMAC-SHA1-96"}
)
PRF = frozenset(
    {
        "PRF-HMAC-SHA2-256", "PRF-HMAC-SHA2-384", "PRF-HMAC-SHA2-512", "PRF-HMAC-SHA1",
        "PRF-HMAC-MD5", "PRF-AES128-XCBC", "PRF-AES128-CMAC",
    }
)  # fmt: skip
DH_GROUPS = frozenset({31, 19, 20, 21, 15, 16, 17, 18, 14, 23, 24, 5, 2})

# Cipher role -> what Cloud VPN accepts, for both phases (phase 2 PFS takes the same groups).
ACCEPTS = MappingProxyType(
    {
        "ike_encryption": ENCRYPTION,
        "ike_integrity": INTEGRITY,
        "ike_prf": PRF,
        "dh_group": DH_GROUPS,
        "esp_encryption": ENCRYPTION,
        "esp_integrity": INTEGRITY,
        "pfs_group": DH_GROUPS,
    }
)
PHASE1_LIFETIME_SECONDS = 36_000  # fixed; IKEv2 lifetimes are local, the peer may use less
PHASE2_LIFETIME_SECONDS = 10_800
