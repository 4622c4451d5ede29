"""Neutral Pulumi components: one per neutral resource kind, children are a cloud's resources.

The type tokens are part of every URN (and so of users' state): they are frozen. Renaming one
would make Pulumi replace every deployed resource under it; such a change needs `aliases`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from skyinfra.clouds import Cloud, Context
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan

NETWORK_TOKEN = "skyinfra:network:Network"
BUCKET_TOKEN = "skyinfra:storage:Bucket"
COMPUTE_TOKEN = "skyinfra:compute:ComputeGroup"


class _Neutral(pulumi.ComponentResource):
    """A neutral resource lowered by `cloud`; `outputs` is what the lowering returned."""

    token: str

    def __init__(
        self,
        plan: NetworkPlan | BucketPlan | ComputePlan,
        cloud: Cloud,
        stack: StackPlan,
        network: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{stack.project}-{plan.name}"
        super().__init__(self.token, name, None, opts)
        self.outputs = cloud.lower(plan, Context(self, name, stack, network))
        self.register_outputs(self.outputs)


class Network(_Neutral):
    token = NETWORK_TOKEN


class Bucket(_Neutral):
    token = BUCKET_TOKEN


class ComputeGroup(_Neutral):
    token = COMPUTE_TOKEN
