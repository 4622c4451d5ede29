"""Placement: decide the site (cloud, region) and offer of every bucket and compute group.

The intercloud layer: candidates per resource under its policies (`candidates.py`), one
exact optimisation over all of them that counts compute, storage, egress of every flow and
the fixed cost of the peering links the placement implies (`solver/`), and sticky
decisions: what the lock file recorded stays where it is unless the user asks to re-plan,
and stateful resources (buckets) never move without being named.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace

from skyinfra.catalog import Catalog
from skyinfra.clouds import Cloud, get_cloud
from skyinfra.errors import CatalogError, KeyPath, Problem, SpecError
from skyinfra.offer import Offer
from skyinfra.peering.modes import linked_network, mode_named
from skyinfra.placement.candidates import (
    Scope,
    bucket_options,
    compute_options,
    monthly_cost,
    scope_of,
)
from skyinfra.placement.problem import (
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
from skyinfra.units import HOURS_PER_MONTH

__all__ = [
    "MOVE_MIN_SAVING",
    "MOVE_MIN_SHARE",
    "REPLAN_ALL",
    "Decision",
    "Placement",
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


def move_threshold(current_monthly_cost: float) -> float:
    """The saving (USD/month) a resource costing `current_monthly_cost` must exceed to move."""
    return max(MOVE_MIN_SAVING, MOVE_MIN_SHARE * current_monthly_cost)


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
    resources that are not stateful, `replan` contains `REPLAN_ALL`); a re-planned one
    moves only for a saving above `move_threshold`.
    """
    _check_replan_names(spec, replan)
    scopes, options = _options(spec, catalog)
    kept, warnings = _sticky(spec, catalog, locked, replan, options)
    candidates = options
    options = {name: kept.get(name, opts) for name, opts in options.items()}
    options = _prefer_recorded(spec, catalog, locked, kept, options)
    problem = _problem(spec, catalog, options)
    solution = _solve_staying(problem, scopes, locked, kept)
    decisions = {
        name: _decision(spec, name, option) for name, option in sorted(solution.choice.items())
    }
    _check_images(spec, decisions)
    _check_ssh_keys(spec, decisions)
    moves = _moves(locked, decisions)
    replicas = replicas_by_target(spec)
    warnings += [
        warning
        for n, (a, b) in moves.items()
        if (warning := _move_warning(decisions[n], a, b, replicas.get(n, [])))
    ]
    warnings += _unreplicated(spec, decisions)
    unpriced = mode_named(spec.peering.mode).placement_warning
    if unpriced and any(f.linked for f in problem.flows):
        warnings.append(unpriced)  # say which price stood in for the mode's
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
        same = _keep_instance_type(spec, catalog, name, old, here)
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
        for n, r in spec.workloads.items()
        if r.placement.colocate_with
    ]
    avoid = [(n, other) for n, r in spec.workloads.items() for other in r.placement.avoid]
    return PlacementProblem(options, flows, catalog.egress, catalog.links, colocate, avoid)


def _solve(problem: PlacementProblem, scopes: Mapping[str, Scope]) -> Solution:
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


def _move_warning(decision: Decision, old: Site, new: Site, replicas: list[str]) -> str | None:
    """What a move destroys; None for a move that loses no data (the report lists every move)."""
    if decision.stateful:
        return f"{decision.name}: moves {old.stack} -> {new.stack}: the bucket is DESTROYED there and created EMPTY here (replicate or copy its data first)"
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


def arch_of(cloud: Cloud, instance_type: str) -> str:
    """CPU architecture of an instance type, by the cloud's naming rules."""
    return "arm64" if cloud.is_arm64(instance_type) else "x86_64"


def _check_images(spec: Spec, decisions: Mapping[str, Decision]) -> None:
    """Each group's image exists on its cloud for its instance type's arch; NVIDIA GPU groups
    need the cloud's driver variant of it; a user's own images are well-formed references."""
    problems = [p for name in spec.compute for p in _custom_image_problems(spec, name)]
    for name, d in decisions.items():
        if d.kind != "compute":
            continue
        cloud, group = get_cloud(d.site.cloud), spec.compute[name]
        image, custom = group.image_for(cloud.name)
        arch = arch_of(cloud, d.instance_type or "")
        path: KeyPath = ("compute", name, "image")
        if custom is not None:
            continue
        if (image, arch) not in cloud.images:
            hint = (
                did_you_mean(image, cloud.image_names)
                or f"known images: {', '.join(cloud.image_names)}"
            )
            problems.append(
                Problem(f"image {image!r} ({arch}) is not available on {cloud.name}", path, hint)
            )
        elif (image, arch) not in cloud.gpu_images and cloud.has_nvidia_gpus(
            d.instance_type or "", group.resources.accelerators
        ):
            problems.append(_no_gpu_image(cloud, image, arch, path))
    if problems:
        raise SpecError(problems)


def _check_ssh_keys(spec: Spec, decisions: Mapping[str, Decision]) -> None:
    """A group's SSH key is of a type its cloud accepts (EC2 and Azure refuse ECDSA)."""
    problems = []
    for name, d in decisions.items():
        key = spec.compute[name].ssh_public_key if d.kind == "compute" else None
        cloud = get_cloud(d.site.cloud)
        kind = key.split()[0] if key else None
        if kind is not None and kind not in cloud.ssh_key_types:
            problems.append(
                Problem(
                    f"{cloud.name} does not accept {kind} keys",
                    ("compute", name, "ssh_public_key"),
                    f"use a key of type {' or '.join(cloud.ssh_key_types)} "
                    "(`ssh-keygen -t ed25519`)",
                )
            )
    if problems:
        raise SpecError(problems)


def _no_gpu_image(cloud: Cloud, image: str, arch: str, path: KeyPath) -> Problem:
    with_driver = sorted(n for n, a in cloud.gpu_images if a == arch)
    choices = f"use {' or '.join(with_driver)}, or " if with_driver else ""
    return Problem(
        f"image {image!r} ({arch}) has no NVIDIA-driver variant on {cloud.name}, and the "
        "group's GPUs need the driver",
        path,
        f"{choices}give your own image with the driver: `image: {{{cloud.name}: "
        f"{cloud.custom_image_format}}}`",
    )


def _custom_image_problems(spec: Spec, name: str) -> list[Problem]:
    """`image: {<cloud>: <reference>}`: known clouds, references in each cloud's format."""
    given = spec.compute[name].image
    if not isinstance(given, dict):
        return []
    problems: list[Problem] = []
    for cloud_name, reference in given.items():
        path: KeyPath = ("compute", name, "image", cloud_name)
        try:
            cloud = get_cloud(cloud_name, path)
        except SpecError as err:
            problems.extend(err.problems)
            continue
        reason = cloud.custom_image_problem(reference)
        if reason:
            problems.append(Problem(reason, path, f"use {cloud.custom_image_format}"))
    return problems
