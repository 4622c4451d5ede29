"""Why the plan is what it is: alternatives per resource, flow egress, links. Pure data.

An alternative is the same plan with one resource moved to another of its candidate sites
(everything else fixed). Its cost difference is split into the resource's own cost, egress
and peering links, and the largest increase is the reason it lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from skyinfra.money import usd_delta
from skyinfra.placement.decision import Placement
from skyinfra.placement.place import move_threshold
from skyinfra.placement.problem import (
    Flow,
    Option,
    PlacementProblem,
    evaluate,
    feasible,
    solved_flow_cost,
)
from skyinfra.site import Site


@dataclass(frozen=True)
class Alternative:
    site: Site
    instance_type: str | None
    delta: float  # monthly USD more than the chosen plan (negative: cheaper but not allowed)
    reason: str


@dataclass(frozen=True)
class FlowCost:
    flow: Flow
    source: Site
    target: Site
    monthly_cost: float


def alternatives(placement: Placement, name: str, limit: int = 3) -> list[Alternative]:
    """The `limit` best other sites for `name`, cheapest first, each with why it lost."""
    problem, solution = placement.problem, placement.solution
    if problem is None or solution is None:
        return []
    chosen = solution.choice[name]
    found = [
        _alternative(problem, solution.choice, name, option, name in placement.sticky)
        for option in placement.candidates.get(name, problem.options[name])
        if option.site != chosen.site
    ]
    return sorted(found, key=lambda a: (a.delta, a.site))[:limit]


def _alternative(
    problem: PlacementProblem, choice: dict[str, Option], name: str, option: Option, sticky: bool
) -> Alternative:
    moved = {**choice, name: option}
    before, after = evaluate(problem, choice), evaluate(problem, moved)
    parts = {
        "compute/storage": after.resources_cost - before.resources_cost,
        "egress": after.egress_cost - before.egress_cost,
        "peering links": after.links_cost - before.links_cost,
        "NAT": after.nat_cost - before.nat_cost,
    }
    delta = after.total - before.total
    instance_type = getattr(option.payload, "instance_type", None)
    if not feasible(problem, moved):
        reason = _broken_constraint(problem, moved, name)
    elif delta < 0 and sticky:
        reason = f"cheaper, but {name} is locked to its site: plan --replan {name} to move it"
    elif round(delta, 2) < 0:  # the optimum is exact: only the move threshold kept it
        threshold = move_threshold(choice[name].cost)
        reason = f"saves ${-delta:,.2f}/month, not more than the ${threshold:,.2f} a move must save"
    else:
        worst = max(parts, key=lambda k: parts[k])
        reason = f"{worst} {usd_delta(parts[worst])}/month"
    return Alternative(option.site, instance_type, round(delta, 2), reason)


def _broken_constraint(problem: PlacementProblem, choice: dict[str, Option], name: str) -> str:
    for a, b in problem.colocate:
        if name in (a, b) and choice[a].site != choice[b].site:
            return f"breaks colocate_with ({a} with {b})"
    other = next(
        b if a == name else a
        for a, b in problem.avoid
        if name in (a, b) and choice[a].site.cloud == choice[b].site.cloud
    )
    return f"breaks avoid (same cloud as {other})"


def flow_costs(placement: Placement) -> list[FlowCost]:
    """Every flow with the sites it runs between and its monthly egress cost."""
    problem, solution = placement.problem, placement.solution
    if problem is None or solution is None:
        return []
    rows = []
    for flow in problem.flows:
        src, dst = solution.choice[flow.source].site, solution.choice[flow.target].site
        rows.append(FlowCost(flow, src, dst, round(solved_flow_cost(problem, solution, flow), 2)))
    return rows
