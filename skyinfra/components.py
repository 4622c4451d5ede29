"""Neutral Pulumi components: one per neutral resource, children are a cloud's resources.

A resource of any kind (`skyinfra.kinds`) becomes a `Neutral` component registered under its
kind's frozen type token (`tokens.py`, part of every URN) and named `<project>-<name>`; the
VPN gateway of a network (not a spec kind: the links' shared half) is a `Gateway`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from skyinfra.clouds import Cloud, Context
from skyinfra.clouds.records import Trusting
from skyinfra.kinds.base import Kind
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
from skyinfra.topology import Labels, StackPlan, component_name, gateway_labels

__all__ = [
    "BUCKET_TOKEN",
    "COMPUTE_TOKEN",
    "GATEWAY_TOKEN",
    "INTERCONNECT_LINK_TOKEN",
    "NATIVE_PEERING_TOKEN",
    "NETWORK_TOKEN",
    "VPN_LINK_TOKEN",
    "Gateway",
    "Neutral",
]


class _Lowered(pulumi.ComponentResource):
    """A component whose children `cloud` lowers from `plan`; `outputs` is what it returned."""

    def __init__(
        self,
        token: str,
        suffix: str,
        plan: Any,
        cloud: Cloud,
        stack: StackPlan,
        network: Any = None,
        opts: pulumi.ResourceOptions | None = None,
        buckets: Mapping[str, Any] | None = None,
        labels: Labels | None = None,
        trusting: Trusting | None = None,
    ) -> None:
        name = component_name(stack.project, suffix)
        super().__init__(token, name, None, opts)
        # A neutral resource's labels go on what it creates (a gateway: its network's).
        labels = getattr(plan, "labels", ()) if labels is None else labels
        context = Context(
            self,
            name,
            stack,
            network,
            labels=labels,
            buckets=dict(buckets or {}),
            trusting=trusting,
        )
        self.outputs = cloud.lower(plan, context)
        self.register_outputs(self.outputs)


class Neutral(_Lowered):
    """A resource of `kind` (network, bucket, compute group, ...), lowered by its cloud."""

    def __init__(
        self,
        kind: Kind,
        plan: Any,
        cloud: Cloud,
        stack: StackPlan,
        network: Any = None,
        buckets: Mapping[str, Any] | None = None,
        trusting: Trusting | None = None,
    ) -> None:
        super().__init__(
            kind.token, plan.name, plan, cloud, stack, network, buckets=buckets, trusting=trusting
        )


class Gateway(_Lowered):
    """The BGP gateway of one concrete network, shared by all its VPN links (cloud stack)."""

    def __init__(self, plan: VpnGateway, cloud: Cloud, stack: StackPlan, network: Any) -> None:
        labels = gateway_labels(stack, plan)
        super().__init__(
            GATEWAY_TOKEN, f"{plan.network}-vpn", plan, cloud, stack, network, labels=labels
        )
