"""`skyinfra check`: run every guardrail over the offline preview of every stack of a spec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skyinfra.api import plan_spec
from skyinfra.catalog.vms import Catalog
from skyinfra.guardrails.rules import RULES, Finding, Resource, check_resources, intent_of
from skyinfra.kinds.network import offline_warnings
from skyinfra.preview import Registered, StackPreview, final_phase, preview_topology
from skyinfra.topology import Topology


def resource_of(record: Registered) -> Resource:
    """A preview record as the rules see it (secret inputs known: the mock engine saw them)."""
    return Resource(
        type=record.type,
        name=record.name,
        urn=record.urn,
        inputs=record.inputs,
        secret_keys=record.secret_inputs,
        protect=record.protect,
        parent=record.parent,
        dependencies=record.dependencies,
    )


def check_previews(previews: Sequence[StackPreview], topology: Topology) -> list[Finding]:
    """Findings over already previewed stacks of `topology` (which says what the spec asks)."""
    resources = [resource_of(r) for p in previews for r in p.resources if r.custom]
    return check_resources(resources, intent_of(topology))


@dataclass(frozen=True)
class CheckReport:
    """What `skyinfra check` found: the findings (sorted), and what was checked."""

    findings: list[Finding]
    stacks: list[str]
    resources: int
    # What will not work though no rule is broken (`kinds.network.offline_warnings`): shown,
    # never a violation (the exit code is the findings').
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.findings,
            "stacks": self.stacks,
            "resources": self.resources,
            "rules": [rule.id for rule in RULES],
            "findings": [f.to_json() for f in self.findings],
            "warnings": self.warnings,
        }


def check_project(spec_path: str | Path, catalog: Catalog | None = None) -> CheckReport:
    """Preview every stack of the spec under the mock engine and run every rule over it;
    interconnects in their final phase, so the rules see what the second `up` adds too."""
    plan = plan_spec(spec_path, catalog)
    previews = preview_topology(plan.topology, final_phase(plan.topology, plan.stack_configs()))
    findings = check_previews(previews, plan.topology)
    return CheckReport(
        sorted(findings, key=lambda f: (f.stack, f.name, f.type, f.rule, f.message)),
        [p.name for p in previews],
        sum(1 for p in previews for r in p.resources if r.custom),
        offline_warnings(plan.topology),
    )
