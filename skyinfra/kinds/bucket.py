"""The bucket kind: object storage, placed by the optimiser, stateful.

A bucket's replicas (`replicate_to`, planned in `replication/plan.py`) are buckets too:
the stack next to each replica's target lowers them like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyinfra.catalog.vms import Catalog
from skyinfra.diagram import Node, NodeStyle, money, resource_id, site_id
from skyinfra.errors import KeyPath, Problem
from skyinfra.guardrails.model import Intent
from skyinfra.kinds.base import Kind, PlanInputs, unknown_name
from skyinfra.placement.candidates import Scope, sites_in_scope
from skyinfra.placement.decision import Decision
from skyinfra.placement.problem import Option
from skyinfra.replication.model import Replication
from skyinfra.site import Site
from skyinfra.spec import Bucket, Spec, replica_name
from skyinfra.tokens import BUCKET_TOKEN
from skyinfra.topology import BucketPlan, StackPlan, component_name, resource_labels


class BucketKind(Kind):
    """Buckets: priced by storage for their size; moving one re-creates it empty."""

    def reference_problems(self, spec: Spec, known: Mapping[str, Any]) -> list[Problem]:
        """`replicate_to` names other resources, and no replica's name is taken."""
        problems = []
        for name, bucket in spec.buckets.items():
            path: KeyPath = ("buckets", name, "replicate_to")
            for i, ref in enumerate(bucket.replicate_to):
                if ref not in known:
                    problems.append(unknown_name("resource", ref, list(known), (*path, i)))
                elif ref == name:
                    problems.append(Problem("a bucket cannot replicate to itself", (*path, i)))
            if bucket.replicate_to and replica_name(name) in known:
                problems.append(
                    Problem(
                        f"the replica bucket is called {replica_name(name)!r}, which is already a resource",
                        path,
                        f"rename the resource {replica_name(name)!r}",
                    )
                )
        return problems

    def options(self, spec: Spec, name: str, scope: Scope, catalog: Catalog) -> list[Option]:
        """Every allowed site, priced by storage for the bucket's size."""
        size = spec.buckets[name].size_gb
        return [
            Option(site, catalog.storage_monthly(site.cloud, site.region, size))
            for site in sites_in_scope(scope, catalog)
        ]

    def decide(self, spec: Spec, name: str, option: Option) -> Decision:
        return Decision(name, self.name, option.site, storage_monthly=round(option.cost, 2))

    def monthly_cost(self, decision: Decision) -> float | None:
        return decision.storage_monthly

    def stack_plans(self, inputs: PlanInputs, site: Site) -> tuple[BucketPlan, ...]:
        """The buckets placed at `site`, then the replicas made next to resources there."""
        replicas = [_replica(inputs.spec, r) for r in inputs.replications if r.target == site]
        return (*super().stack_plans(inputs, site), *replicas)

    def plan(self, inputs: PlanInputs, name: str, site: Site) -> BucketPlan:
        bucket = inputs.spec.buckets[name]
        labels = resource_labels(inputs.spec.name, name, inputs.spec.labels_of(self.section, name))
        return BucketPlan(
            name, site, versioning=bucket.versioning, protect=bucket.protect, labels=labels
        )

    def report_row(self, spec: Spec, decision: Decision) -> dict[str, Any]:
        return {"size_gb": spec.buckets[decision.name].size_gb}

    def graph_nodes(
        self, plans: tuple[Any, ...], stack: StackPlan, report: Mapping[str, Any]
    ) -> list[Node]:
        replicas = {(r["replica"], r["to_stack"]): r for r in report["replications"]}
        return [
            _replica_node(b, replicas[(b.name, stack.name)])
            if b.replica_of
            else _bucket_node(b, report["placements"][b.name])
            for b in plans
        ]

    def intent(self, project: str, stack: StackPlan, plan: BucketPlan) -> Intent:
        """`protect: false` on purpose: no finding for an unprotected bucket."""
        if plan.protect:
            return Intent()
        return Intent(unprotected=frozenset({(stack.name, component_name(project, plan.name))}))


def _replica(spec: Spec, replication: Replication) -> BucketPlan:
    """The replica: a bucket like any other, always versioned (movers within a cloud need
    it and it keeps what replication overwrites), protected unless its source is not."""
    return BucketPlan(
        replication.replica,
        replication.target,
        versioning=True,
        protect=spec.buckets[replication.source].protect,
        replica_of=replication.source,
        # The source's labels: a replica belongs to whatever its source belongs to.
        labels=resource_labels(
            spec.name, replication.replica, spec.labels_of("buckets", replication.source)
        ),
    )


def _bucket_node(bucket: BucketPlan, row: Mapping[str, Any]) -> Node:
    size = row.get("size_gb") or 0
    lines = (bucket.name, f"bucket, {size:,.0f} GB", money(row["monthly_cost"]))
    return Node(resource_id(bucket.name, bucket.site.stack), lines, "bucket", site_id(bucket.site))


def _replica_node(bucket: BucketPlan, row: Mapping[str, Any]) -> Node:
    storage = row["storage_monthly_cost"]
    lines = (bucket.name, f"replica of {bucket.replica_of}", f"storage {money(storage)}")
    return Node(resource_id(bucket.name, bucket.site.stack), lines, "replica", site_id(bucket.site))


_BUCKET_STYLE = NodeStyle(
    {"shape": "cylinder", "style": "filled", "fillcolor": "#e2f0d9"},
    ('[("', '")]'),
    "fill:#e2f0d9,stroke:#548235",
)
_REPLICA_STYLE = NodeStyle(
    {"shape": "cylinder", "style": "filled,dashed", "fillcolor": "#e2f0d9"},
    _BUCKET_STYLE.mermaid_shape,
    "fill:#e2f0d9,stroke:#548235,stroke-dasharray:4 3",
)

BUCKET = BucketKind(
    name="bucket",
    section="buckets",
    title="bucket",
    model=Bucket,
    plan_type=BucketPlan,
    token=BUCKET_TOKEN,
    output_key="buckets",
    stateful=True,
    draw_order=2,
    styles={"bucket": _BUCKET_STYLE, "replica": _REPLICA_STYLE},
)
