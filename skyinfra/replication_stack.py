"""The program of a replication stack (`repl-<bucket>--<target stack>`).

It reads the source bucket and its replica from the two cloud stacks' `buckets` outputs
(`StackReference`, so cloud stacks deploy first: see `replication/plan.py` for why the
mover lives here) and registers one `skyinfra:peering:Replication` component whose children
are the mover and the source-side credential. The replica cloud lowers the mover; across
clouds the source cloud first issues the credential the mover reads with, for the mover's
identity when the credential is bound to one (a web-identity role trusts one principal).

Stack outputs: `replication` (mechanism, source, replica) and `post_deploy`, the steps
Pulumi cannot take, each with the exact command (`pulumi stack output post_deploy`).
"""

from __future__ import annotations

from typing import Any

import pulumi

from skyinfra.clouds import get_cloud
from skyinfra.clouds.outputs import BucketOutputs, ReplicationOutputs
from skyinfra.clouds.records import (
    FillFromForeign,
    IssueCredential,
    Reader,
    ReplicateWithin,
    ReplicationContext,
)
from skyinfra.references import bucket_of, stack_reference
from skyinfra.replication.model import Replication
from skyinfra.tokens import REPLICATION_TOKEN
from skyinfra.topology import Labels, Topology, component_name, replication_labels


class ReplicationComponent(pulumi.ComponentResource):
    """One replication; `outputs` is what its lowering returned."""

    def __init__(
        self,
        project: str,
        replication: Replication,
        source: BucketOutputs,
        replica: BucketOutputs,
        labels: Labels = (),
    ) -> None:
        name = component_name(project, replication.name)
        super().__init__(REPLICATION_TOKEN, name, None, None)
        ctx = ReplicationContext(self, name, project, replication, source, replica, labels)
        self.outputs = _lower(ctx)
        self.register_outputs(self.outputs)


def _lower(ctx: ReplicationContext) -> ReplicationOutputs:
    """The replica's cloud moves the data; across clouds, with a credential the source's
    cloud issues to the mover's identity."""
    replication = ctx.replication
    mover = get_cloud(replication.target.cloud)
    if replication.credential is None:
        return mover.lower(ReplicateWithin(replication), ctx)
    issuer = get_cloud(replication.source_site.cloud)
    reader = mover.lower(Reader(replication), ctx)
    credential = issuer.lower(IssueCredential(replication.credential, reader), ctx)
    return mover.lower(FillFromForeign(replication.credential, credential), ctx)


def bucket_outputs(stack: str, bucket: str) -> BucketOutputs:
    """`buckets.<bucket>` of cloud stack `stack` of this project, read by StackReference
    (`references`: the one place that names sibling stacks, honouring `skyinfra:organization`
    as a peering stack does). An Output of the dict, typed as it: pulumi lifts indexing."""
    return bucket_of(stack_reference(stack), bucket)


def lower_replication(
    project: str, replication: Replication, labels: Labels = ()
) -> dict[str, Any]:
    """Register the replication (its resources carrying `labels`); return the stack outputs."""
    source = bucket_outputs(replication.source_site.stack, replication.source)
    replica = bucket_outputs(replication.target.stack, replication.replica)
    component = ReplicationComponent(project, replication, source, replica, labels)
    return {
        "replication": {
            "mechanism": replication.mechanism,
            "source": replication.source,
            "source_stack": replication.source_site.stack,
            "replica": replication.replica,
            "replica_stack": replication.target.stack,
        },
        "post_deploy": component.outputs["post_deploy"],
    }


def lower_replication_stack(topology: Topology, name: str) -> dict[str, Any]:
    """The program of replication stack `name` (`skyinfra.stacks.REPLICATION`)."""
    replication = topology.replication(name)
    return lower_replication(
        topology.project, replication, replication_labels(topology, replication)
    )
