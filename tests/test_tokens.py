"""Component type tokens are part of every deployed URN: a change here must be deliberate
(and come with `aliases`), so the values are spelled out once more."""

from __future__ import annotations

from skyinfra import tokens


def test_component_tokens_are_frozen() -> None:
    assert {k: v for k, v in vars(tokens).items() if k.endswith("_TOKEN")} == {
        "NETWORK_TOKEN": "skyinfra:network:Network",
        "BUCKET_TOKEN": "skyinfra:storage:Bucket",
        "COMPUTE_TOKEN": "skyinfra:compute:ComputeGroup",
        "GATEWAY_TOKEN": "skyinfra:peering:VpnGateway",
        "VPN_LINK_TOKEN": "skyinfra:peering:VpnLink",
        "NATIVE_PEERING_TOKEN": "skyinfra:peering:NativePeering",
        "INTERCONNECT_LINK_TOKEN": "skyinfra:peering:InterconnectLink",
        "REPLICATION_TOKEN": "skyinfra:peering:Replication",
    }
