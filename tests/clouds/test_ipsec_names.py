"""Each cloud's spelling of the neutral IPsec proposal is one its API accepts."""

from __future__ import annotations

from pulumi_azure_native import network

from skyinfra.clouds.aws.vpn import tunnel_options
from skyinfra.clouds.azure.vpn import ipsec_policy
from skyinfra.peering.ipsec import PROPOSAL

# Valid values per the pulumi_aws 7.x VpnConnection docstrings (EC2 VpnTunnelOptionsSpecification).
AWS_VALID = {
    "phase1_encryption_algorithms": {"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"},
    "phase2_encryption_algorithms": {"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"},
    "phase1_integrity_algorithms": {"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"},
    "phase2_integrity_algorithms": {"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"},
    "phase1_dh_group_numbers": {2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24},
    "phase2_dh_group_numbers": {2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24},
    "ike_versions": {"ikev1", "ikev2"},
}
AWS_RANGES = {"phase1_lifetime_seconds": (900, 28_800), "phase2_lifetime_seconds": (900, 3_600)}


def test_aws_tunnel_options_are_valid_values() -> None:
    options = tunnel_options(PROPOSAL)
    for key, valid in AWS_VALID.items():
        assert len(options[key]) == 1 and set(options[key]) <= valid, key
    for key, (low, high) in AWS_RANGES.items():
        assert low <= options[key] <= high, key
    assert options["startup_action"] in {"add", "start"}
    assert options["dpd_timeout_action"] in {"clear", "none", "restart"}


def test_azure_ipsec_policy_uses_the_sdk_enums_and_documented_ranges() -> None:
    policy = ipsec_policy(PROPOSAL)
    enums = {
        "ike_encryption": network.IkeEncryption,
        "ike_integrity": network.IkeIntegrity,
        "dh_group": network.DhGroup,
        "ipsec_encryption": network.IpsecEncryption,
        "ipsec_integrity": network.IpsecIntegrity,
        "pfs_group": network.PfsGroup,
    }
    for key, enum in enums.items():
        assert policy[key] in {member.value for member in enum}, key
    assert policy["sa_life_time_seconds"] >= 300  # Azure's minimum
    assert policy["sa_data_size_kilobytes"] >= 1024
