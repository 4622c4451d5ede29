"""The frozen type tokens of skyinfra's neutral components, in one pulumi-free home.

Tokens are part of every URN (and so of users' state): renaming one makes Pulumi replace
every deployed resource under it, so such a change needs `aliases`. The guardrails read them
without importing pulumi; `components.py` and the stack programs register them.
"""

from __future__ import annotations

NETWORK_TOKEN = "skyinfra:network:Network"
BUCKET_TOKEN = "skyinfra:storage:Bucket"
COMPUTE_TOKEN = "skyinfra:compute:ComputeGroup"
GATEWAY_TOKEN = "skyinfra:peering:VpnGateway"
VPN_LINK_TOKEN = "skyinfra:peering:VpnLink"
NATIVE_PEERING_TOKEN = "skyinfra:peering:NativePeering"
INTERCONNECT_LINK_TOKEN = "skyinfra:peering:InterconnectLink"
REPLICATION_TOKEN = "skyinfra:peering:Replication"

# The stack output holding a cloud stack's BGP gateways, by network (peering stacks read it);
# each resource kind's own output key is its descriptor's (`Kind.output_key`).
GATEWAYS_OUTPUT = "gateways"
