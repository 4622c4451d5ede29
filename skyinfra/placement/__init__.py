"""Placement: decide the site (cloud, region) and offer of every bucket and compute group.

The intercloud layer: candidates per resource under its policies (`candidates.py`), one
exact optimisation over all of them that counts compute, storage, egress of every flow and
the fixed cost of the peering links the placement implies (`optimizer.py`), and sticky
decisions: what the lock file recorded stays where it is unless the user asks to re-plan,
and stateful resources (buckets) never move without being named.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from skyinfra.catalog import Catalog
from skyinfra.catalog.model import Offer
from skyinfra.clouds import Cloud, get_cloud
from skyinfra.errors import CatalogError, Problem, SpecError
from skyinfra.placement.candidates import (
    HOURS_PER_MONTH,
    Scope,
    bucket_options,
    compute_options,
    monthly_cost,
    scope_of,
)
from skyinfra.placement.problem import Flow, Option, PlacementProblem, Solution, evaluate
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import Site

__all__ = ["HOURS_PER_MONTH", "REPLAN_ALL", "Decision", "Placement", "place", "problem_of"]

REPLAN_ALL = "*"  # `--replan` without a name: re-plan every resource that is not stateful


@dataclass(frozen=True)
class Decision:
    """Where one resource runs; for compute groups also the VM type and its price."""

    name: str
    kind: str  # "bucket" | "compute"
    site: Site
    instance_type: str | None = None
    hourly_cost: float | None = None  # whole compute group, USD/h; None = not in the catalog
    storage_monthly: float | None = None  # buckets: USD per month for their size

    @property
    def monthly_cost(self) -> float | None:
        if self.kind == "bucket":
            return self.storage_monthly
        return None if self.hourly_cost is None else round(self.hourly_cost * HOURS_PER_MONTH, 2)

    @property
    def stateful(self) -> bool:
        """Moving it loses data: it is destroyed in one place and created empty in another."""
        return self.kind == "bucket"


@dataclass(frozen=True)
class Placement:
    """A decision per resource; with the optimisation it came from, when there was one."""

    decisions: dict[str, Decision]
    problem: PlacementProblem | None = None
    solution: Solution | None = None
    moves: dict[str, tuple[Site, Site]] = field(default_factory=dict)  # name -> (from, to)
    warnings: tuple[str, ...] = ()
    candidates: dict[str, list[Option]] = field(default_factory=dict)  # before locks narrowed them
    sticky: frozenset[str] = frozenset()  # resources held at their locked site

    def site_of(self, name: str) -> Site:
        return self.decisions[name].site

    @property
    def sites(self) -> list[Site]:
        return sorted({d.site for d in self.decisions.values()})


def place(
    spec: Spec,
    catalog: Catalog,
    locked: Placement | None = None,
    replan: Collection[str] = (),
) -> Placement:
    """Choose every resource's site and offer at minimum total monthly cost.

    Resources recorded in `locked` keep their site unless named in `replan` (or, for
    resources that are not stateful, `replan` contains `REPLAN_ALL`).
    """
    _check_replan_names(spec, replan)
    scopes, options = _options(spec, catalog)
    kept, warnings = _sticky(spec, catalog, locked, replan, options)
    candidates = options
    options = {name: kept.get(name, opts) for name, opts in options.items()}
    problem = _problem(spec, catalog, options)
    solution = _solve(problem, scopes)
    decisions = {
        name: _decision(spec, name, option) for name, option in sorted(solution.choice.items())
    }
    _check_images(spec, decisions)
    moves = _moves(locked, decisions)
    replicas = replicas_by_target(spec)
    warnings += [
        _move_warning(decisions[n], a, b, replicas.get(n, [])) for n, (a, b) in moves.items()
    ]
    if spec.peering.mode == "interconnect" and any(f.linked for f in problem.flows):
        warnings.append(  # say which price stood in: the catalog has none for interconnects
            "placement priced links between clouds as HA VPN links: the catalog has no "
            "dedicated interconnect prices (ports, attachments, interconnect egress)"
        )
    return Placement(
        decisions, problem, solution, moves, tuple(warnings), candidates, frozenset(kept)
    )


def problem_of(spec: Spec, catalog: Catalog) -> PlacementProblem:
    """What `place` hands the optimiser when nothing is locked (benchmarks, tools)."""
    return _problem(spec, catalog, _options(spec, catalog)[1])


def _check_replan_names(spec: Spec, replan: Collection[str]) -> None:
    known = list(spec.workloads)
    problems = [
        Problem(f"--replan names unknown resource {name!r}", hint=did_you_mean(name, known))
        for name in replan
        if name != REPLAN_ALL and name not in spec.workloads
    ]
    if problems:
        raise SpecError(problems)


def _options(spec: Spec, catalog: Catalog) -> tuple[dict[str, Scope], dict[str, list[Option]]]:
    """Scope and options of every resource; all problems collected before failing."""
    scopes: dict[str, Scope] = {}
    options: dict[str, list[Option]] = {}
    problems: list[Problem] = []
    jobs: list[tuple[str, str, Callable[[Scope], list[Option]]]] = [
        *(
            (n, "buckets", lambda sc, b=b: bucket_options(b, sc, catalog))
            for n, b in spec.buckets.items()
        ),
        *(
            (n, "compute", lambda sc, n=n, g=g: compute_options(n, g, sc, catalog))
            for n, g in spec.compute.items()
        ),
    ]
    for name, section, make in jobs:
        try:
            scopes[name] = scope_of(spec, section, name, catalog)
            options[name] = make(scopes[name])
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
        stateful = old.stateful or name in replicas
        if name not in options or name in replan or (REPLAN_ALL in replan and not stateful):
            continue
        same = [o for o in options[name] if o.site == old.site]
        if same:
            kept[name] = [_keep_instance_type(spec, catalog, name, old, same[0])]
        elif stateful:
            what = (
                "bucket"
                if old.stateful
                else f"{old.kind} (next to replicas of {', '.join(replicas[name])})"
            )
            raise SpecError(
                f"{what} {name!r} is locked to {old.site.stack}, which its placement no longer allows",
                path=(_section(old), name, "placement"),
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


def _section(decision: Decision) -> str:
    return "buckets" if decision.kind == "bucket" else "compute"


def _keep_instance_type(
    spec: Spec, catalog: Catalog, name: str, old: Decision, option: Option
) -> Option:
    """A price change must not swap a group's VMs: keep the locked type while it still fits."""
    if old.kind != "compute" or old.instance_type in (None, option.payload.instance_type):
        return option
    group = spec.compute[name]
    fitting = catalog.matching(old.site.cloud, old.site.region, group.resources, group.spot)
    offer = next((o for o in fitting if o.instance_type == old.instance_type), None)
    if offer is None or group.instance_type is not None:
        return option
    return Option(option.site, monthly_cost(offer, group), offer)


def _problem(spec: Spec, catalog: Catalog, options: dict[str, list[Option]]) -> PlacementProblem:
    # Only a flow between compute groups on one network asks for a link (peering/links.py).
    flows = [
        Flow(
            f.source,
            f.to,
            f.gb_per_month,
            linked=f.source in spec.compute
            and f.to in spec.compute
            and spec.network_of(f.source) == spec.network_of(f.to),
        )
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
        for n, r in spec.workloads.items()
        if r.placement.colocate_with
    ]
    avoid = [(n, other) for n, r in spec.workloads.items() for other in r.placement.avoid]
    return PlacementProblem(options, flows, catalog.egress, catalog.links, colocate, avoid)


def _solve(problem: PlacementProblem, scopes: Mapping[str, Scope]) -> Solution:
    from skyinfra.placement.optimizer import Infeasible, solve

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
    from skyinfra.placement.problem import feasible

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
    if name in spec.buckets:
        return Decision(name, "bucket", option.site, storage_monthly=round(option.cost, 2))
    offer: Offer = option.payload
    group = spec.compute[name]
    hourly = offer.hourly(group.spot)
    return Decision(
        name,
        "compute",
        option.site,
        instance_type=offer.instance_type,
        hourly_cost=None if hourly is None else round(hourly * group.count, 6),
    )


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


def _move_warning(decision: Decision, old: Site, new: Site, replicas: list[str]) -> str:
    if decision.stateful:
        return f"{decision.name}: moves {old.stack} -> {new.stack}: the bucket is DESTROYED there and created EMPTY here (replicate or copy its data first)"
    if replicas:
        return f"{decision.name}: moves {old.stack} -> {new.stack}: the replicas of {', '.join(replicas)} next to it are DESTROYED there and refilled from scratch here"
    return f"{decision.name}: moves {old.stack} -> {new.stack}"


def arch_of(cloud: Cloud, instance_type: str) -> str:
    """CPU architecture of an instance type, by the cloud's naming rules."""
    return "arm64" if cloud.is_arm64(instance_type) else "x86_64"


def _check_images(spec: Spec, decisions: Mapping[str, Decision]) -> None:
    """Each group's neutral image must exist on its cloud for its instance type's arch."""
    problems = []
    for name, d in decisions.items():
        if d.kind != "compute":
            continue
        cloud, image = get_cloud(d.site.cloud), spec.compute[name].image
        arch = arch_of(cloud, d.instance_type or "")
        if (image, arch) not in cloud.images:
            hint = (
                did_you_mean(image, cloud.image_names)
                or f"known images: {', '.join(cloud.image_names)}"
            )
            problems.append(
                Problem(
                    f"image {image!r} ({arch}) is not available on {cloud.name}",
                    ("compute", name, "image"),
                    hint,
                )
            )
    if problems:
        raise SpecError(problems)
