"""The plan as one JSON-ready document (contract: `skyinfra plan --json`); the CLI renders it.

Keys of the contract (`placements`, `links`, `replications`, `total_monthly_cost`) are kept;
`flows`, `gateways`, `warnings`, `moves`, `retired_stacks`, `cost_breakdown` and per-placement
`alternatives` are additions, as are per link `network`, `kind`, `stack` (the peering stack),
`bgp_asns` ([a, b]), `inside_cidrs` and, for interconnects, `out_of_band` (steps to take by hand),
`config` (the peering stack's `skyinfra:` keys the user sets, with what each is),
`attachments` (VLAN and BGP /30 of each connection) and `phases` (what each of the two
`pulumi up`s declares, and the command that starts phase 2: the plan cannot see stack config,
so it says how, not which phase a stack is in), and the price's parts: `items` (what it is
billed for), `ports_monthly_cost` (ports and attachments of both sides), `gb_per_month` and
`egress_monthly_cost` (the data it carries, at interconnect rates) and `unpriced` (the items
and rates the catalog does not source; any makes `monthly_cost` null, never 0). Flows such a
link carries add `carried_by` (the link's name): their egress is counted in the link's cost,
not in `cost_breakdown.egress`. Gateway rows add `kind`; an interconnect-only gateway (Cloud
Router, ExpressRoute gateway) has a null cost.

Each replication row (`from`, `from_stack`, `to_stack`, `mechanism` per the contract) adds
`replica`, `targets`, `stack` (its replication stack), `credential`, `gb_per_month`, the
monthly `egress_monthly_cost`, `storage_monthly_cost` and their sum `monthly_cost`, and
`post_deploy` (steps `pulumi up` cannot take; the stack exports their exact commands).
The total counts each replica once (the optimiser's pairwise flows may count a replica
shared by two targets twice): `cost_breakdown.replication`.

`moves` lists every resource that changes stack against the previous lock (`resource`,
`kind`, `from`, `to`, `stateful`: its data does not follow; a network whose creating stack
changes has kind `network`), `retired_stacks` every stack that left the plan but may still
run (`stack`, `reason`: moved / removed / renamed, `resources` it holds, `project` it belongs
to; see `placement/retired.py`).

Links and gateways come from the link plan (what `compile` builds), priced by the catalog's
link model; the total uses them, so an explicit `peering.links` list is priced as listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyinfra import kinds
from skyinfra.catalog.nat import NatPrice
from skyinfra.catalog.network import Links
from skyinfra.clouds import get_cloud
from skyinfra.grants import grant_rows, not_deployed
from skyinfra.kinds.network import offline_warnings
from skyinfra.peering.model import Link, link_name
from skyinfra.peering.modes import AUTO, WITHIN_CLOUD, all_modes, linked_network, mode_of
from skyinfra.peering.modes.interconnect import INTERCONNECT
from skyinfra.peering.modes.vpn import VPN
from skyinfra.placement.explain import FlowCost, alternatives, flow_costs
from skyinfra.placement.linkchoice import link_choice
from skyinfra.placement.lock import RetiredStack
from skyinfra.placement.problem import egress_cost, flow_cost
from skyinfra.placement.retired import Move
from skyinfra.site import Site

if TYPE_CHECKING:
    from skyinfra.plan import Plan

GLOBAL = "one global network, no link needed"  # a routed pair without a link


def plan_report(plan: Plan) -> dict[str, Any]:
    placement, solution = plan.placement, plan.placement.solution
    links = plan.catalog.links if plan.catalog is not None else None
    report: dict[str, Any] = {
        "placements": {name: _placement(plan, name) for name in sorted(placement.decisions)},
        "links": _links(plan, links),
        "gateways": _gateways(plan, links),
        "replications": _replications(plan),
        "flows": [
            _flow(row, _carrier(plan, row))
            for row in flow_costs(placement)
            if not row.flow.replication
        ],
        "warnings": [
            *placement.warnings,
            *plan.lifecycle.warnings,
            *not_deployed(plan.topology),
            *offline_warnings(plan.topology),
        ],
        "moves": [_move(m) for m in plan.lifecycle.moves],
        "retired_stacks": [_retired(r) for r in plan.lifecycle.retired],
        "grants": grant_rows(plan.topology),
        "nat": _nat(plan),
    }
    links_cost = _links_cost(report)
    replication_cost = sum(r["monthly_cost"] or 0.0 for r in report["replications"])
    nat_cost = sum(r["monthly_cost"] or 0.0 for r in report["nat"])
    if solution is not None:
        carried = sum(f["monthly_cost"] for f in report["flows"] if "carried_by" in f)
        egress = solution.egress_cost - _replication_flows_cost(plan) - carried
        report["cost_breakdown"] = {
            "resources": round(solution.resources_cost, 2),
            "egress": round(egress, 2),
            "links": round(links_cost, 2),
            "replication": round(replication_cost, 2),
            "nat": round(nat_cost, 2),
        }
        report["total_monthly_cost"] = round(
            solution.resources_cost + egress + links_cost + replication_cost + nat_cost, 2
        )
    else:
        report["total_monthly_cost"] = round(
            sum(kinds.monthly_cost(d) or 0 for d in placement.decisions.values())
            + links_cost
            + replication_cost
            + nat_cost,
            2,
        )
    return report


def _move(move: Move) -> dict[str, Any]:
    return {
        "resource": move.resource,
        "kind": move.kind,
        "from": move.source,
        "to": move.target,
        "stateful": move.stateful,
    }


def _retired(stack: RetiredStack) -> dict[str, Any]:
    return {
        "stack": stack.stack,
        "reason": stack.reason,
        "resources": list(stack.resources),
        "project": stack.project,
    }


def _placement(plan: Plan, name: str) -> dict[str, Any]:
    d = plan.placement.decisions[name]
    row: dict[str, Any] = {
        "kind": d.kind,
        "cloud": d.site.cloud,
        "region": d.site.region,
        "stack": d.site.stack,
    }
    kind = kinds.kind_named(d.kind)
    row.update(kind.report_row(plan.spec, d))
    row["monthly_cost"] = kind.monthly_cost(d)
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
    """One row per routed pair of concrete networks, from the link plan (peering/links.py);
    each link's mode (peering/modes/) fills in what is particular to it."""
    by_name = {x.name: x for x in plan.topology.links.links}
    rows = []
    for network, a, b in plan.topology.links.pairs:
        link = by_name.get(link_name(network, a, b))
        row: dict[str, Any] = {"a": a.stack, "b": b.stack, "network": network}
        if link is None:  # one network spanning the cloud's regions: nothing to build
            row.update(mode=WITHIN_CLOUD, kind=GLOBAL, tunnels=0, monthly_cost=0.0)
        else:
            mode = mode_of(link)
            row.update(mode=mode.name, kind=mode.kind(link, prices), tunnels=len(link.tunnels))
            row.update(mode.report(link))
            sent = _sent(plan, link.name)
            row.update(mode.price_report(link, prices, sent))
            choice = _choice(plan, link)
            if choice is not None:
                row["choice"] = choice
            cost = mode.monthly_cost(link, prices, sent)
            row["monthly_cost"] = None if cost is None else _money(cost)
        rows.append(row)
    return rows


def _gateways(plan: Plan, prices: Links | None) -> list[dict[str, Any]]:
    """One row per gateway, named and priced by the first mode (registry order) it carries."""
    if prices is None:
        return []
    rows = []
    for g in plan.topology.links.gateways:
        mode = next(m for m in all_modes() if m.gateway and getattr(g, m.gateway))
        kind, cost = mode.gateway_row(g.site, prices)
        rows.append(
            {
                "stack": g.site.stack,
                "network": g.network,
                "asn": g.asn,
                "kind": kind,
                "monthly_cost": None if cost is None else _money(cost),
            }
        )
    return rows


def _links_cost(report: dict[str, Any]) -> float:
    rows = [*report["links"], *report["gateways"]]
    return sum(row["monthly_cost"] or 0.0 for row in rows)


def _replications(plan: Plan) -> list[dict[str, Any]]:
    """One row per replica: where from and to, the mover, its stack and monthly cost (egress
    of `gb_per_month` from the source's site plus the replica's storage; movers' own fees
    are not in the catalog), and the steps left after `pulumi up`."""
    rows = []
    for r in plan.topology.replications:
        egress = storage = None
        if plan.catalog is not None:
            egress = _money(_egress(plan, r.source_site, r.target, r.gb_per_month))
            size = plan.spec.buckets[r.source].size_gb
            storage = _money(plan.catalog.storage_monthly(r.target.cloud, r.target.region, size))
        rows.append(
            {
                "from": r.source,
                "from_stack": r.source_site.stack,
                "to_stack": r.target.stack,
                "mechanism": r.mechanism,
                "replica": r.replica,
                "targets": list(r.targets),
                "stack": r.stack,
                "credential": r.credential,
                "gb_per_month": r.gb_per_month,
                "egress_monthly_cost": egress,
                "storage_monthly_cost": storage,
                "monthly_cost": None
                if egress is None or storage is None
                else _money(egress + storage),
                "post_deploy": [
                    {"action": step, "how": f"pulumi stack output post_deploy -s {r.stack}"}
                    for step in r.post_deploy
                ],
            }
        )
    return rows


def _egress(plan: Plan, source: Site, target: Site, gb: float) -> float:
    """Managed movers use public endpoints: priced as a flow is (`problem.egress_cost`)."""
    assert plan.catalog is not None
    return egress_cost(plan.catalog.egress, source, target, gb)


def _replication_flows_cost(plan: Plan) -> float:
    """What the optimiser counted for replication flows (priced per replica instead)."""
    problem, solution = plan.placement.problem, plan.placement.solution
    if problem is None or solution is None:
        return 0.0
    return sum(
        flow_cost(problem, f, solution.choice[f.source].site, solution.choice[f.target].site)
        for f in problem.flows
        if f.replication
    )


def _nat(plan: Plan) -> list[dict[str, Any]]:
    """One row per network site with NAT egress: its kind, the VMs behind it (groups without
    `public: true`), its hourly charges for a month, and the data it processes that `plan` can
    tell: flows between those VMs and a bucket or another cloud, outside private links (a
    cloud's own buckets are left out where they bypass the NAT). Added to the total; the
    optimiser weighs the same gateways and data (`placement.nat`), GCP's per-VM charge aside."""
    rows = []
    for stack in plan.topology.stacks:
        for network in stack.networks:
            if network.egress != "nat":
                continue
            price = plan.catalog.nat(stack.site.cloud) if plan.catalog is not None else None
            private = [g for g in stack.groups_on(network.name) if not g.public]
            vms = sum(g.count for g in private)
            gb = _nat_gb(plan, stack.site, {g.name for g in private}, price)
            gateways = get_cloud(stack.site.cloud).nat_gateways(network)
            gateway = None if price is None else price.monthly(vms, gateways)
            data = None if price is None else gb * price.per_gb
            rows.append(
                {
                    "stack": stack.name,
                    "network": network.name,
                    "kind": "NAT" if price is None else price.kind,
                    "vms": vms,
                    "gateway_monthly_cost": None if gateway is None else _money(gateway),
                    "gb_per_month": gb,
                    "per_gb": None if price is None else price.per_gb,
                    "data_monthly_cost": None if data is None else _money(data),
                    "monthly_cost": None
                    if gateway is None or data is None
                    else _money(gateway + data),
                    "gateways": gateways,
                }
            )
    return rows


def _nat_gb(plan: Plan, site: Site, groups: set[str], price: NatPrice | None) -> float:
    """GB a month through the NAT of `site` for `groups` (see `_nat`)."""
    decisions, spec, cloud = plan.placement.decisions, plan.spec, get_cloud(site.cloud)
    total = 0.0
    for flow in spec.flows:
        if linked_network(spec, flow) is not None:
            continue  # over a private link, not the NAT
        for here, there in ((flow.source, flow.to), (flow.to, flow.source)):
            if here not in groups or decisions[here].site != site or there not in decisions:
                continue
            other, regional = decisions[there].site, cloud.regional_storage_endpoint
            same_cloud, same_region = other.cloud == site.cloud, other == site
            if price is None:
                counted = not same_cloud or there in spec.buckets
            else:
                counted = price.processes(same_cloud, same_region, there in spec.buckets, regional)
            if counted:
                total += flow.gb_per_month
    return total


def _money(value: float) -> float:
    return round(value, 2)


def _flow(row: FlowCost, carrier: str | None) -> dict[str, Any]:
    out = {
        "from": row.flow.source,
        "to": row.flow.target,
        "gb_per_month": row.flow.gb,
        "from_stack": row.source.stack,
        "to_stack": row.target.stack,
        "monthly_cost": row.monthly_cost,
    }
    if carrier is not None:
        out["carried_by"] = carrier
    return out


def _carrier(plan: Plan, row: FlowCost) -> str | None:
    """The link that bills `row`'s data itself (an interconnect), or None."""
    name = _link_of(plan, row)
    if name is None:
        return None
    link = next((x for x in plan.topology.links.links if x.name == name), None)
    return name if link is not None and mode_of(link).bills_carried else None


def _choice(plan: Plan, link: Link) -> dict[str, Any] | None:
    """VPN against interconnect for a link between clouds a dedicated link could join."""
    if plan.catalog is None or not INTERCONNECT.joins(link.a, link.b):
        return None
    flows = [
        (row.source, row.flow.gb)
        for row in flow_costs(plan.placement)
        if not row.flow.replication and _link_of(plan, row) == link.name
    ]
    others = [x for x in plan.topology.links.links if x is not link and x.mode == VPN.name]
    lone = [
        s
        for s in (link.a, link.b)
        if not any(x.network == link.network and s in (x.a, x.b) for x in others)
    ]
    links = plan.catalog.links
    gateways = sum((links.gateway(s) for s in lone), 0.0)
    choice = link_choice(links, plan.catalog.egress, link.a, link.b, flows, gateways)
    chosen = {"chosen": link.mode} if plan.spec.peering.mode == AUTO else {}
    return {
        **chosen,
        "vpn_monthly_cost": None if choice.vpn is None else _money(choice.vpn),
        "interconnect_monthly_cost": None
        if choice.interconnect is None
        else _money(choice.interconnect),
        "gb_per_month": choice.gb,
        "break_even_gb_per_month": None
        if choice.break_even_gb is None
        else round(choice.break_even_gb),
        "cheaper": choice.cheaper(),
        "unpriced": list(choice.unpriced),
        "explanation": "".join(f"auto chose {m}; " for m in chosen.values()) + choice.sentence(),
    }


def _link_of(plan: Plan, row: FlowCost) -> str | None:
    """The name of the link a linked flow between clouds runs over (None: not such a flow)."""
    if not row.flow.linked or row.source.cloud == row.target.cloud:
        return None
    a, b = sorted((row.source, row.target))
    return link_name(plan.spec.network_of(row.flow.source), a, b)


def _sent(plan: Plan, name: str) -> dict[Site, float]:
    """GB a month each end of link `name` sends over it: the linked flows between its sites."""
    sent: dict[Site, float] = {}
    for row in flow_costs(plan.placement):
        if not row.flow.replication and _carrier(plan, row) == name:
            sent[row.source] = sent.get(row.source, 0.0) + row.flow.gb
    return sent
