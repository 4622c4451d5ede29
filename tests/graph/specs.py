"""Small specs planned with the bundled catalog, shared by the graph tests (cached)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from skyinfra.api import Plan, plan_spec
from skyinfra.report import plan_report

# An API on AWS and a trainer on GCP (a flow between them: an HA VPN), and a GCS bucket
# replicated next to the API.
VPN_AND_REPLICA = """\
name: tiny
accounts:
  gcp: {project: demo-project}
networks:
  core: {}
buckets:
  data:
    placement: {cloud: gcp, region: us-central1}
    size_gb: 100
    replicate_to: [api]
compute:
  api:
    network: core
    count: 2
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: aws, region: us-east-1}
  trainer:
    network: core
    resources: {cpus: "4+", memory: "16+"}
    placement: {cloud: gcp, region: us-central1}
flows:
  - {from: trainer, to: api, gb_per_month: 50}
"""

# Two regions of AWS (native VPC peering) and two of GCP (one global network, no link).
SAME_CLOUD = """\
name: regions
accounts:
  gcp: {project: demo-project}
networks:
  core: {}
compute:
  east:
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: aws, region: us-east-1}
  west:
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: aws, region: us-west-2}
  central:
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: gcp, region: us-central1}
  europe:
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: gcp, region: europe-west4}
flows:
  - {from: east, to: west, gb_per_month: 10}
  - {from: central, to: europe, gb_per_month: 10}
"""


@cache
def planned(text: str) -> tuple[Plan, dict[str, Any]]:
    """The plan of a spec text (no lock beside it) and its `plan --json` report."""
    directory = Path(tempfile.mkdtemp(prefix="skyinfra-graph-"))
    spec = directory / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    plan = plan_spec(spec)
    return plan, plan_report(plan)


def money(value: float) -> str:
    return f"${value:,.2f}/month"


# The same two clouds over a dedicated interconnect: planned and drawn, ordered by hand.
INTERCONNECT = (
    VPN_AND_REPLICA.replace("    replicate_to: [api]\n", "") + "peering:\n  mode: interconnect\n"
)
