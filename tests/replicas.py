"""A two-bucket spec per (source cloud, target cloud) and its preview, for replication tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from skyinfra.api import Plan
from skyinfra.build import build_topology, replication_config, stack_config
from skyinfra.catalog import load_catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.place import place
from skyinfra.preview import Registered, StackPreview, preview_topology
from skyinfra.replication_stack import REPLICATION_TOKEN

CATALOG = load_catalog(None)
REGIONS = {"aws": "us-east-1", "gcp": "us-central1", "azure": "westeurope"}
OTHER_REGIONS = {"aws": "eu-west-1", "gcp": "europe-west4", "azure": "northeurope"}


def spec_text(source: str, target: str, extra: str = "") -> str:
    """Bucket `src` on `source`, replicated next to bucket `dst` on `target` (another region
    when the clouds are the same)."""
    region = OTHER_REGIONS[target] if source == target else REGIONS[target]
    return (
        "name: demo\naccounts: {gcp: {project: demo-project}}\nbuckets:\n"
        f"  src:\n    placement: {{cloud: {source}, region: {REGIONS[source]}}}\n"
        f"    size_gb: 1000\n    replicate_to: [dst]\n{extra}"
        f"  dst:\n    placement: {{cloud: {target}, region: {region}}}\n"
    )


def plan_of(text: str) -> Plan:
    spec = parse_spec(text)
    placement = place(spec, CATALOG)
    return Plan(spec, text, "sky.yaml", placement, build_topology(spec, placement), CATALOG)


@dataclass(frozen=True)
class ReplicationPreview:
    """The three stacks of one replication: source, replica and replication stack."""

    source: StackPreview
    target: StackPreview
    stack: StackPreview

    def children(self) -> list[Registered]:
        (component,) = self.stack.by_type(REPLICATION_TOKEN)
        return [r for r in self.stack.resources if r.parent == component.urn]

    def types(self) -> list[str]:
        return sorted(r.type for r in self.children())

    def named(self, suffix: str) -> Registered:
        (found,) = [r for r in self.stack.resources if r.name.endswith(f"-{suffix}")]
        return found

    def depends_on(self, resource: Registered) -> set[str]:
        """Logical names (or stack names, for StackReferences) `resource` waits for."""
        return {_dependency(urn) for urn in resource.dependencies}


def _dependency(urn: str) -> str:
    """A URN's logical name; a StackReference's (`ref-<stack>`, `references.stack_reference`)
    as the stack it reads."""
    name = urn.rsplit("::", 1)[-1]
    return name.removeprefix("ref-") if "pulumi:pulumi:StackReference::" in urn else name


@cache
def preview(source: str, target: str) -> ReplicationPreview:
    plan = plan_of(spec_text(source, target))
    topology = plan.topology
    configs = {s.name: stack_config(s) for s in topology.stacks}
    configs.update({r.stack: replication_config(topology, r) for r in topology.replications})
    (replication,) = topology.replications
    stacks = {p.name: p for p in preview_topology(topology, configs)}
    return ReplicationPreview(
        stacks[replication.source_site.stack],
        stacks[replication.target.stack],
        stacks[replication.stack],
    )


def policy(resource: Registered, key: str = "policy") -> dict[str, Any]:
    """An IAM policy document given as a JSON string input."""
    document: dict[str, Any] = json.loads(resource.inputs[key])
    return document


def actions(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] for a in _list(s["Action"])}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
