"""Neutral Pulumi components: one per neutral resource kind, children are a cloud's resources.

Their type tokens are frozen (they are part of every URN) and live in `tokens.py`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from skyinfra.clouds import Cloud, Context
from skyinfra.peering.model import VpnGateway
from skyinfra.tokens import (
    BUCKET_TOKEN,
    COMPUTE_TOKEN,
    GATEWAY_TOKEN,
    INTERCONNECT_LINK_TOKEN,
    NATIVE_PEERING_TOKEN,
    NETWORK_TOKEN,
    VPN_LINK_TOKEN,
)
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan, component_name

__all__ = [
    "BUCKET_TOKEN",
    "COMPUTE_TOKEN",
    "GATEWAY_TOKEN",
    "INTERCONNECT_LINK_TOKEN",
    "NATIVE_PEERING_TOKEN",
    "NETWORK_TOKEN",
    "VPN_LINK_TOKEN",
    "Bucket",
    "ComputeGroup",
    "Gateway",
    "Network",
]


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
