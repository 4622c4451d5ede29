"""The plan as one JSON-ready document (contract: `skyinfra plan --json`); the CLI renders it.

Keys of the contract (`placements`, `links`, `replications`, `total_monthly_cost`) are kept;
`flows`, `gateways`, `warnings`, `moves`, `cost_breakdown` and per-placement `alternatives`
are additions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyinfra.placement.explain import alternatives, flow_costs
from skyinfra.placement.problem import LinkModel

if TYPE_CHECKING:
    from skyinfra.api import Plan

HOURS_PER_MONTH = 730


def plan_report(plan: Plan) -> dict[str, Any]:
    placement, solution = plan.placement, plan.placement.solution
    links = plan.catalog.links if plan.catalog is not None else None
    report: dict[str, Any] = {
        "placements": {name: _placement(plan, name) for name in sorted(placement.decisions)},
        "links": _links(plan, links),
        "gateways": _gateways(plan, links),
        "replications": [],
        "flows": [_flow(row) for row in flow_costs(placement)],
        "warnings": list(placement.warnings),
        "moves": {
            n: {"from": a.stack, "to": b.stack} for n, (a, b) in sorted(placement.moves.items())
        },
    }
    if solution is not None:
        report["cost_breakdown"] = {
            "resources": round(solution.resources_cost, 2),
            "egress": round(solution.egress_cost, 2),
            "links": round(solution.links_cost, 2),
        }
        report["total_monthly_cost"] = round(solution.total, 2)
    else:
        report["total_monthly_cost"] = round(
            sum(d.monthly_cost or 0 for d in placement.decisions.values()), 2
        )
    return report


def _placement(plan: Plan, name: str) -> dict[str, Any]:
    d = plan.placement.decisions[name]
    row: dict[str, Any] = {
        "kind": d.kind,
        "cloud": d.site.cloud,
        "region": d.site.region,
        "stack": d.site.stack,
    }
    if d.kind == "compute":
        row.update(
            instance_type=d.instance_type,
            count=plan.spec.compute[name].count,
            hourly_cost=d.hourly_cost,
        )
    else:
        row.update(size_gb=plan.spec.buckets[name].size_gb)
    row["monthly_cost"] = d.monthly_cost
    row["locked"] = name in plan.placement.sticky
    row["alternatives"] = [
        {
            "cloud": a.site.cloud,
            "region": a.site.region,
            "stack": a.site.stack,
            "instance_type": a.instance_type,
            "delta_monthly_cost": a.delta,
            "reason": a.reason,
        }
        for a in alternatives(plan.placement, name)
    ]
    return row


def _links(plan: Plan, links: LinkModel | None) -> list[dict[str, Any]]:
    solution = plan.placement.solution
    if solution is None or links is None:
        return []
    rows = []
    for a, b in sorted(solution.links):
        rows.append(
            {
                "a": a.stack,
                "b": b.stack,
                "mode": plan.spec.peering.mode if a.cloud != b.cloud else "peering",
                "kind": links.describe(a, b),  # type: ignore[attr-defined]
                "tunnels": links.tunnels(a, b),  # type: ignore[attr-defined]
                "monthly_cost": round(links.link(a, b), 2),
            }
        )
    return rows


def _gateways(plan: Plan, links: LinkModel | None) -> list[dict[str, Any]]:
    solution = plan.placement.solution
    if solution is None or links is None:
        return []
    return [
        {"stack": s.stack, "monthly_cost": round(links.gateway(s), 2)}
        for s in sorted(solution.gateways)
    ]


def _flow(row: Any) -> dict[str, Any]:
    return {
        "from": row.flow.source,
        "to": row.flow.target,
        "gb_per_month": row.flow.gb,
        "from_stack": row.source.stack,
        "to_stack": row.target.stack,
        "monthly_cost": row.monthly_cost,
    }
