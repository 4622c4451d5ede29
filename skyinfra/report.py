"""The plan as one JSON-ready document (contract: `skyinfra plan --json`); the CLI renders it.

Keys of the contract (`placements`, `links`, `replications`, `total_monthly_cost`) are kept;
`flows`, `gateways`, `warnings`, `moves`, `cost_breakdown` and per-placement `alternatives`
are additions, as are per link `network`, `kind`, `stack` (the peering stack), `bgp_asns`
([a, b]), `inside_cidrs` and, for interconnects, `out_of_band` (steps to order by hand; their
`monthly_cost` is null: port prices are not in the catalog).

Links and gateways come from the link plan (what `compile` builds), priced by the catalog's
link model; the total uses them, so an explicit `peering.links` list is priced as listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyinfra.catalog import Links
from skyinfra.peering.model import InterconnectLink, Link, NativePeering, VpnLink, link_name
from skyinfra.placement.explain import alternatives, flow_costs
from skyinfra.topology import Site

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
    links_cost = _links_cost(report)
    if solution is not None:
        report["cost_breakdown"] = {
            "resources": round(solution.resources_cost, 2),
            "egress": round(solution.egress_cost, 2),
            "links": round(links_cost, 2),
        }
        report["total_monthly_cost"] = round(
            solution.resources_cost + solution.egress_cost + links_cost, 2
        )
    else:
        report["total_monthly_cost"] = round(
            sum(d.monthly_cost or 0 for d in placement.decisions.values()) + links_cost, 2
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


def _links(plan: Plan, prices: Links | None) -> list[dict[str, Any]]:
    """One row per routed pair of concrete networks, from the link plan (peering/links.py)."""
    by_name = {x.name: x for x in plan.topology.links.links}
    rows = []
    for network, a, b in plan.topology.links.pairs:
        link = by_name.get(link_name(network, a, b))
        row: dict[str, Any] = {
            "a": a.stack,
            "b": b.stack,
            "network": network,
            "mode": link.mode if link else "peering",
            "kind": _kind(link, prices, a, b),
            "tunnels": len(link.tunnels) if link else 0,
        }
        if isinstance(link, VpnLink | InterconnectLink):
            row.update(stack=link.stack, bgp_asns=[link.a_asn, link.b_asn])
        if isinstance(link, VpnLink):
            row["inside_cidrs"] = [t.inside_cidr for t in link.tunnels]
        if isinstance(link, InterconnectLink):
            row.update(out_of_band=list(link.out_of_band), monthly_cost=None)
        else:
            row["monthly_cost"] = _money(prices.link(a, b)) if prices and link else 0.0
        rows.append(row)
    return rows


def _kind(link: Link | None, prices: Links | None, a: Site, b: Site) -> str:
    if link is None:
        return "one global network, no link needed"
    if isinstance(link, NativePeering):
        return link.kind
    if isinstance(link, InterconnectLink):
        return link.provider
    return prices.kind(a, b) if prices else "VPN"


def _gateways(plan: Plan, prices: Links | None) -> list[dict[str, Any]]:
    if prices is None:
        return []
    return [
        {
            "stack": g.site.stack,
            "network": g.network,
            "asn": g.asn,
            "monthly_cost": _money(prices.gateway(g.site)),
        }
        for g in plan.topology.links.gateways
    ]


def _links_cost(report: dict[str, Any]) -> float:
    rows = [*report["links"], *report["gateways"]]
    return sum(row["monthly_cost"] or 0.0 for row in rows)


def _money(value: float) -> float:
    return round(value, 2)


def _flow(row: Any) -> dict[str, Any]:
    return {
        "from": row.flow.source,
        "to": row.flow.target,
        "gb_per_month": row.flow.gb,
        "from_stack": row.source.stack,
        "to_stack": row.target.stack,
        "monthly_cost": row.monthly_cost,
    }
