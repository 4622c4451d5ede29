"""Each built-in kind's part in every stage, as a table over one planned example.

One neutral input (`examples/replication.yaml`: a network, buckets with replicas, compute
groups on two clouds) and, per kind, what its descriptor contributes to the stack at
gcp-us-central1: its plans, report columns, graph nodes, guardrail intent, lowering input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skyinfra import kinds
from skyinfra.api import plan_spec
from skyinfra.guardrails.model import Intent, PlannedNetwork
from skyinfra.kinds.base import Kind
from skyinfra.report import plan_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "replication.yaml"
PLAN = plan_spec(EXAMPLE)
REPORT = plan_report(PLAN)
STACK = PLAN.topology.stack("gcp-us-central1")

EXPECTED: dict[str, dict[str, Any]] = {
    "network": {
        "plans": ["main"],
        "report": None,  # not placed: no row of its own
        "nodes": [("network:main@gcp-us-central1/", "network")],
        "intent": Intent(
            networks=(PlannedNetwork("gcp-us-central1", "replicas-main", "10.2.0.0/16"),),
            members={("gcp-us-central1", "replicas-main"): frozenset({"replicas-trainer"})},
        ),
        "input": None,
    },
    "bucket": {
        "plans": ["datasets-replica"],  # a replica lives next to its target
        "report": ("datasets", {"size_gb": 2000.0}),
        "nodes": [("gcp-us-central1/datasets-replica", "replica")],
        "intent": Intent(),  # protected: nothing granted
        "input": None,
    },
    "compute": {
        "plans": ["trainer"],
        "report": ("trainer", {"instance_type": "e2-standard-8", "count": 1}),
        "nodes": [("gcp-us-central1/trainer", "compute")],
        "intent": Intent(public_ports={("gcp-us-central1", "replicas-trainer"): frozenset()}),
        "input": ("network", "main"),
    },
}


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_each_kind_s_part_in_every_stage(kind: Kind) -> None:
    expected = EXPECTED[kind.name]
    plans = kind.plans(STACK)
    assert [p.name for p in plans] == expected["plans"]
    if expected["report"] is None:
        assert not kind.placed
    else:
        name, columns = expected["report"]
        assert REPORT["placements"][name]["kind"] == kind.name
        assert columns.items() <= kind.report_row(PLAN.spec, PLAN.placement.decisions[name]).items()
    nodes = kind.graph_nodes(plans, STACK, REPORT)
    assert [(n.id, n.kind) for n in nodes] == expected["nodes"]
    assert {n.kind for n in nodes} <= set(kind.styles)
    intents = [kind.intent(PLAN.topology.project, STACK, p) for p in plans]
    assert intents == [expected["intent"]]
    assert [kind.home(p) or kind.attached_to(p) for p in plans] == [expected["input"]]


@pytest.mark.parametrize("kind", kinds.placed_kinds(), ids=lambda k: k.name)
def test_a_placed_kind_s_monthly_cost_is_its_report_cost(kind: Kind) -> None:
    for name, decision in PLAN.placement.decisions.items():
        if decision.kind == kind.name:
            assert REPORT["placements"][name]["monthly_cost"] == kind.monthly_cost(decision)
