"""Neutral Pulumi components: one per neutral resource kind, children are a cloud's resources.

The type tokens are part of every URN (and so of users' state): they are frozen. Renaming one
would make Pulumi replace every deployed resource under it; such a change needs `aliases`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from skyinfra.clouds import Cloud, Context
from skyinfra.peering.model import VpnGateway
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan, component_name

NETWORK_TOKEN = "skyinfra:network:Network"
BUCKET_TOKEN = "skyinfra:storage:Bucket"
COMPUTE_TOKEN = "skyinfra:compute:ComputeGroup"
GATEWAY_TOKEN = "skyinfra:peering:VpnGateway"
VPN_LINK_TOKEN = "skyinfra:peering:VpnLink"
NATIVE_PEERING_TOKEN = "skyinfra:peering:NativePeering"
INTERCONNECT_LINK_TOKEN = "skyinfra:peering:InterconnectLink"


class _Neutral(pulumi.ComponentResource):
    """A neutral resource lowered by `cloud`; `outputs` is what the lowering returned."""

    token: str

    def __init__(
        self,
        plan: NetworkPlan | BucketPlan | ComputePlan | VpnGateway,
        cloud: Cloud,
        stack: StackPlan,
        network: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = component_name(stack.project, self.suffix(plan))
        super().__init__(self.token, name, None, opts)
        self.outputs = cloud.lower(plan, Context(self, name, stack, network))
        self.register_outputs(self.outputs)

    def suffix(self, plan: Any) -> str:
        return str(plan.name)


class Network(_Neutral):
    token = NETWORK_TOKEN


class Bucket(_Neutral):
    token = BUCKET_TOKEN


class ComputeGroup(_Neutral):
    token = COMPUTE_TOKEN


class Gateway(_Neutral):
    """The BGP gateway of one concrete network, shared by all its VPN links (cloud stack)."""

    token = GATEWAY_TOKEN

    def suffix(self, plan: Any) -> str:
        return f"{plan.network}-vpn"
