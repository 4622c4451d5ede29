"""Placement: decide the site (cloud, region) and offer of every placed resource.

The intercloud layer: candidates per resource under its policies (`candidates.py`), one
exact optimisation over all of them that counts compute, storage, egress of every flow,
the fixed cost of the peering links the placement implies and each network site's NAT
(`nat.py`) (`solver/`), and sticky decisions: what the lock file recorded stays where it is
unless the user asks to re-plan, and stateful resources (buckets) never move without being
named.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from skyinfra import kinds
from skyinfra.catalog.vms import Catalog
from skyinfra.errors import CatalogError, Problem, SpecError
from skyinfra.peering.modes import AUTO, AUTO_CHOICES, PRICED, linked_network, mode_named
from skyinfra.placement.candidates import Scope, scope_of
from skyinfra.placement.decision import Decision, Placement
from skyinfra.placement.linkprices import CarriedEgress, ModeLinks, auto_links
from skyinfra.placement.nat import nat_charges, nat_fees
from skyinfra.placement.problem import (
    AutoTooLarge,
    Flow,
    Option,
    PlacementProblem,
    Solution,
    evaluate,
    feasible,
)
from skyinfra.site import Site
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean

__all__ = [
    "MODE_MIN_SAVING",
    "MODE_MIN_SHARE",
    "MOVE_MIN_SAVING",
    "MOVE_MIN_SHARE",
    "REPLAN_ALL",
    "Decision",
    "Placement",
    "mode_threshold",
    "move_threshold",
    "place",
    "problem_of",
]

REPLAN_ALL = "*"  # `--replan` without a name: re-plan every resource that is not stateful

# A re-planned resource leaves its recorded site (or a group its recorded instance type) only
# for a monthly saving of the whole plan above both of these. A move replaces VMs (new
# addresses, downtime) or re-creates a bucket empty, and catalog snapshots move prices by
# cents: a tie or a saving within that noise must not make `--replan` shuffle resources
# between equally priced regions on every run.
MOVE_MIN_SAVING = 1.0  # USD per month
MOVE_MIN_SHARE = 0.01  # of the resource's monthly cost where it is now
# Under `peering.mode: auto` a link keeps the mode the lock recorded unless the other saves
# more than both of these a month (`mode_threshold`).
MODE_MIN_SAVING = 100.0  # USD per month
MODE_MIN_SHARE = 0.10  # of the link's month in its recorded mode (its price and egress)


_MODE = ("peering", "mode")


def move_threshold(current_monthly_cost: float) -> float:
    """The saving (USD/month) a resource costing `current_monthly_cost` must exceed to move."""
    return max(MOVE_MIN_SAVING, MOVE_MIN_SHARE * current_monthly_cost)


def place(
    spec: Spec,
    catalog: Catalog,
    locked: Placement | None = None,
    replan: Collection[str] = (),
) -> Placement:
    """Choose every resource's site and offer at minimum total monthly cost.

    Resources recorded in `locked` keep their site unless named in `replan` (or, for
    resources that are not stateful, `replan` contains `REPLAN_ALL`); a re-planned one
    moves only for a saving above `move_threshold`.
    """
    _check_replan_names(spec, replan)
    scopes, options = _options(spec, catalog)
    kept, warnings = _sticky(spec, catalog, locked, replan, options)
    candidates = options
    options = {name: kept.get(name, opts) for name, opts in options.items()}
    options = _prefer_recorded(spec, catalog, locked, kept, options)
    problem = _with_recorded_modes(_problem(spec, catalog, options), locked)
    solution = _solve_staying(problem, scopes, locked, kept)
    decisions = {
        name: _decision(spec, name, option) for name, option in sorted(solution.choice.items())
    }
    _check_sites(spec, decisions)
    moves = _moves(locked, decisions)
    replicas = replicas_by_target(spec)
    warnings += [
        warning
        for n, (a, b) in moves.items()
        if (warning := _move_warning(decisions[n], a, b, replicas.get(n, [])))
    ]
    warnings += _unreplicated(spec, decisions)
    unpriced = spec.peering.mode != AUTO and mode_named(spec.peering.mode).placement_warning
    if unpriced and any(f.linked for f in problem.flows):
        warnings.append(unpriced)  # say which price stood in for the mode's
    if isinstance(problem.links, ModeLinks):
        warnings += problem.links.stand_ins(solution.links)
    return Placement(
        decisions,
        problem,
        solution,
        moves,
        tuple(warnings),
        candidates,
        frozenset(kept),
        _link_modes(problem, solution),
    )


def mode_threshold(recorded_month: float) -> float:
    """The monthly saving the other mode must exceed to replace a link's recorded mode
    under `peering.mode: auto`. An interconnect takes weeks to order and has ports to
    decommission; volumes wiggle month to month: a link switches only for a clear saving."""
    return max(MODE_MIN_SAVING, MODE_MIN_SHARE * recorded_month)


def _with_recorded_modes(problem: PlacementProblem, locked: Placement | None) -> PlacementProblem:
    """Under `auto`, the lock's modes per link held by the hysteresis (`mode_threshold`)."""
    if problem.auto is None or locked is None or not locked.link_modes:
        return problem
    auto = replace(problem.auto, recorded=dict(locked.link_modes), keep=mode_threshold)
    return replace(problem, auto=auto)


def _link_modes(problem: PlacementProblem, solution: Solution) -> dict[tuple[Site, Site], str]:
    """The mode `auto` chose for each link between clouds (nothing under another mode)."""
    if problem.auto is None:
        return {}
    vpn, interconnect = AUTO_CHOICES
    return {
        (a, b): interconnect if (a, b) in solution.interconnects else vpn
        for a, b in sorted(solution.links)
        if a.cloud != b.cloud
    }


def problem_of(spec: Spec, catalog: Catalog) -> PlacementProblem:
    """What `place` hands the optimiser when nothing is locked (benchmarks, tools)."""
    return _problem(spec, catalog, _options(spec, catalog)[1])


def _check_replan_names(spec: Spec, replan: Collection[str]) -> None:
    known = list(kinds.workloads(spec))
    problems = [
        Problem(f"--replan names unknown resource {name!r}", hint=did_you_mean(name, known))
        for name in replan
        if name != REPLAN_ALL and name not in known
    ]
    if problems:
        raise SpecError(problems)


def _options(spec: Spec, catalog: Catalog) -> tuple[dict[str, Scope], dict[str, list[Option]]]:
    """Scope and options of every resource; all problems collected before failing."""
    scopes: dict[str, Scope] = {}
    options: dict[str, list[Option]] = {}
    problems: list[Problem] = []
    for kind in kinds.placed_kinds():
        for name in kind.resources(spec):
            try:
                scopes[name] = scope_of(spec, kind.section, name, catalog)
                options[name] = kind.options(spec, name, scopes[name], catalog)
            except CatalogError:
                raise  # the same for every resource: say it once
            except SpecError as err:
                problems.extend(err.problems)
    if problems:
        raise SpecError(problems)
    return scopes, options


def _sticky(
    spec: Spec,
    catalog: Catalog,
    locked: Placement | None,
    replan: Collection[str],
    options: Mapping[str, list[Option]],
) -> tuple[dict[str, list[Option]], list[str]]:
    """Options narrowed to the locked site (and instance type) of every resource that stays."""
    kept: dict[str, list[Option]] = {}
    warnings: list[str] = []
    replicas = replicas_by_target(spec)
    for name, old in (locked.decisions if locked else {}).items():
        stateful = kinds.is_stateful(old) or name in replicas
        if name not in options or name in replan or (REPLAN_ALL in replan and not stateful):
            continue
        same = [o for o in options[name] if o.site == old.site]
        if same:
            kept[name] = [_keep_offer(spec, catalog, name, old, same[0])]
        elif stateful:
            what = (
                kinds.kind_named(old.kind).title
                if kinds.is_stateful(old)
                else f"{old.kind} (next to replicas of {', '.join(replicas[name])})"
            )
            raise SpecError(
                f"{what} {name!r} is locked to {old.site.stack}, which its placement no longer allows",
                path=(kinds.kind_named(old.kind).section, name, "placement"),
                # Every command plans, but only `plan` takes --replan: name the command.
                hint=f"moving a bucket destroys it and creates an empty one elsewhere; to do that, re-plan it with `skyinfra plan SPEC --replan {name}`",
            )
        else:
            warnings.append(
                f"{name}: its locked site {old.site.stack} no longer fits the spec, so it is placed anew"
            )
    return kept, warnings


def replicas_by_target(spec: Spec) -> dict[str, list[str]]:
    """Resource -> the buckets replicated next to it (`replicate_to`).

    Such a resource is stateful like a bucket: moving it moves its replicas, which are
    destroyed in one place and refilled from scratch in another, so only `--replan NAME`
    moves it.
    """
    found: dict[str, list[str]] = {}
    for name, bucket in spec.buckets.items():
        for target in dict.fromkeys(bucket.replicate_to):
            found.setdefault(target, []).append(name)
    return found


def _keep_offer(spec: Spec, catalog: Catalog, name: str, old: Decision, option: Option) -> Option:
    """`option` at a locked site, adjusted by its kind to keep what the lock recorded."""
    return kinds.kind_named(old.kind).keep_offer(spec, catalog, name, old, option)


def _recorded(
    locked: Placement | None, kept: Mapping[str, object], options: Mapping[str, list[Option]]
) -> dict[str, Decision]:
    """Re-planned resources whose recorded site is still among their options."""
    return {
        name: old
        for name, old in (locked.decisions if locked else {}).items()
        if name not in kept and any(o.site == old.site for o in options.get(name, ()))
    }


def _prefer_recorded(
    spec: Spec,
    catalog: Catalog,
    locked: Placement | None,
    kept: Mapping[str, list[Option]],
    options: dict[str, list[Option]],
) -> dict[str, list[Option]]:
    """At its recorded site a re-planned group keeps its recorded instance type unless the
    cheapest offer there saves more than `move_threshold` (a new type replaces every VM)."""
    out = dict(options)
    for name, old in _recorded(locked, kept, options).items():
        here = next(o for o in options[name] if o.site == old.site)
        same = _keep_offer(spec, catalog, name, old, here)
        if same is not here and same.cost - here.cost <= move_threshold(same.cost):
            out[name] = [same if o is here else o for o in options[name]]
    return out


def _solve_staying(
    problem: PlacementProblem,
    scopes: Mapping[str, Scope],
    locked: Placement | None,
    kept: Mapping[str, list[Option]],
) -> Solution:
    """The cheapest plan in which a re-planned resource leaves its recorded site only for a
    saving above `move_threshold`: every other site of it is offered at that much more, and
    the solution is priced at the real costs again."""
    recorded = _recorded(locked, kept, problem.options)
    if not recorded:
        return _solve(problem, scopes)
    options = dict(problem.options)
    for name, old in recorded.items():
        here = next(o for o in options[name] if o.site == old.site)
        extra = move_threshold(here.cost)
        options[name] = [
            o if o is here else Option(o.site, o.cost + extra, o.payload) for o in options[name]
        ]
    chosen = _solve(replace(problem, options=options), scopes).choice
    real = {
        name: next(o for o in problem.options[name] if o.site == option.site)
        for name, option in chosen.items()
    }
    return evaluate(problem, real)


def _problem(spec: Spec, catalog: Catalog, options: dict[str, list[Option]]) -> PlacementProblem:
    # The link planner asks the same rule which flows need a link (peering/links.py).
    flows = [
        Flow(f.source, f.to, f.gb_per_month, linked=linked_network(spec, f) is not None)
        for f in spec.flows
    ]
    # Filling each replica costs the source's egress towards its target (0 on one site).
    # Two targets that end up on one site share a replica but count twice here: the
    # optimiser's flows are pairwise. The plan's report prices each replica once.
    flows += [
        Flow(name, target, bucket.replication_gb, replication=True)
        for name, bucket in spec.buckets.items()
        for target in dict.fromkeys(bucket.replicate_to)
    ]
    colocate = [
        (n, r.placement.colocate_with)
        for n, r in kinds.workloads(spec).items()
        if r.placement.colocate_with
    ]
    avoid = [(n, other) for n, r in kinds.workloads(spec).items() for other in r.placement.avoid]
    # NAT: gateway hours once per network site, data processing per flow end (`nat.py`).
    fees, charges = nat_fees(spec, catalog, options), nat_charges(spec, catalog, options)
    auto = spec.peering.mode == AUTO
    # `auto` prices each link as the VPN it may stay, and its interconnect apart (`auto_links`).
    mode = mode_named(PRICED if auto else spec.peering.mode)
    carried = CarriedEgress(mode, catalog.links, catalog.egress) if mode.bills_carried else None
    return PlacementProblem(
        options,
        flows,
        catalog.egress,
        ModeLinks(mode, catalog.links),
        colocate,
        avoid,
        linked_egress=carried,
        fees=fees,
        charges=charges,
        auto=auto_links(catalog.links, catalog.egress) if auto else None,
    )


def _solve(problem: PlacementProblem, scopes: Mapping[str, Scope]) -> Solution:
    try:
        return _solve_or_infeasible(problem, scopes)
    except AutoTooLarge as err:
        hint = "pin regions (`placement: {cloud, region}`), or choose `vpn` or `interconnect`"
        raise SpecError([Problem(f"cannot decide the links' modes: {err}", _MODE, hint)]) from None


def _solve_or_infeasible(problem: PlacementProblem, scopes: Mapping[str, Scope]) -> Solution:
    from skyinfra.placement.solver import Infeasible, solve  # lazily: it imports highspy

    if all(len(opts) == 1 for opts in problem.options.values()):
        return (
            evaluate(problem, {n: opts[0] for n, opts in problem.options.items()})
            if _consistent(problem)
            else _infeasible(problem, scopes)
        )
    try:
        return solve(problem)
    except Infeasible as err:
        return _infeasible(problem, scopes, str(err))


def _consistent(problem: PlacementProblem) -> bool:
    return feasible(problem, {n: opts[0] for n, opts in problem.options.items()})


def _infeasible(
    problem: PlacementProblem, scopes: Mapping[str, Scope], reason: str = ""
) -> Solution:
    """Name the colocate/avoid constraints whose candidate sets cannot be reconciled."""
    problems = []
    for a, b in problem.colocate:
        common = {o.site for o in problem.options[a]} & {o.site for o in problem.options[b]}
        if not common:
            problems.append(
                Problem(
                    f"cannot run in the same site as {b!r}: their allowed sites have none in common",
                    (*scopes[a].path, "colocate_with"),
                )
            )
    for a, b in problem.avoid:
        clouds_a = {o.site.cloud for o in problem.options[a]}
        clouds_b = {o.site.cloud for o in problem.options[b]}
        if len(clouds_a | clouds_b) == 1:
            problems.append(
                Problem(
                    f"must avoid {b!r}'s cloud, but both can only run on {clouds_a.pop()}",
                    (*scopes[a].path, "avoid"),
                )
            )
    raise SpecError(
        problems
        or [
            Problem(f"the placement constraints cannot all be met{': ' + reason if reason else ''}")
        ]
    )


def _decision(spec: Spec, name: str, option: Option) -> Decision:
    kind = kinds.kind_of(spec, name)
    assert kind is not None  # options exist only for the spec's placed resources
    return kind.decide(spec, name, option)


def _check_sites(spec: Spec, decisions: Mapping[str, Decision]) -> None:
    """What each kind needs of the sites chosen for it (images, key types, ...)."""
    problems = [
        p for kind in kinds.placed_kinds() for p in kind.placement_problems(spec, decisions)
    ]
    if problems:
        raise SpecError(problems)


def _moves(
    locked: Placement | None, decisions: Mapping[str, Decision]
) -> dict[str, tuple[Site, Site]]:
    if locked is None:
        return {}
    return {
        name: (old.site, decisions[name].site)
        for name, old in locked.decisions.items()
        if name in decisions and old.site != decisions[name].site
    }


def _move_warning(decision: Decision, old: Site, new: Site, replicas: list[str]) -> str | None:
    """What a move destroys; None for a move that loses no data (the report lists every move)."""
    if kinds.is_stateful(decision):
        return f"{decision.name}: moves {old.stack} -> {new.stack}: the {kinds.kind_named(decision.kind).title} is DESTROYED there and created EMPTY here (replicate or copy its data first)"
    if replicas:
        return f"{decision.name}: moves {old.stack} -> {new.stack}: the replicas of {', '.join(replicas)} next to it are DESTROYED there and refilled from scratch here"
    return None


def _unreplicated(spec: Spec, decisions: Mapping[str, Decision]) -> list[str]:
    """`replicate_to` targets placed on their bucket's own site: no replica is made for them.

    Said rather than prevented: `replicate_to` asks for the data *next to* a resource, which
    the bucket itself then is; a copy on another site for safety needs the two placed apart.
    """
    return [
        f"buckets.{name}.replicate_to: {target} runs on {name}'s own site "
        f"{decisions[name].site.stack}, so no replica is made for it (no copy elsewhere); to "
        f"keep one on another site, place them apart (`avoid: [{name}]` on {target} for "
        "another cloud, or regions that differ)"
        for name, bucket in spec.buckets.items()
        for target in dict.fromkeys(bucket.replicate_to)
        if decisions[target].site == decisions[name].site
    ]
