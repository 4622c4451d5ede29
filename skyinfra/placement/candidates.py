"""Candidates: every site a resource may run on under its policies, priced.

A resource's scope is the spec's policy narrowed by its own `placement`. Sites are filtered in
a fixed order (clouds, region patterns, geo, hardware, price) so that when nothing is left the
error can name the filter that emptied the set, and show what the catalog does offer.
Each surviving site becomes one `Option`, priced by the resource's kind (`skyinfra.kinds`);
for a compute group, the cheapest offer there that satisfies its `resources` (or its given
instance type) is found here (`compute_options`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from skyinfra.catalog.vms import Catalog, describe
from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.errors import KeyPath, Problem, SpecError
from skyinfra.offer import Offer
from skyinfra.placement.problem import Option
from skyinfra.site import Site
from skyinfra.spec import Compute, PlacementSpec, Spec
from skyinfra.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class Scope:
    """The effective placement policy of one resource."""

    path: KeyPath  # where the resource's placement is written (for errors)
    clouds: tuple[str, ...]
    region_patterns: tuple[tuple[str, ...], ...]  # a region must match one glob of each
    geo: tuple[tuple[str, ...], ...]  # a region must carry one tag of each
    max_hourly_price: float | None
    pin: Site | None
    # Why `clouds` is what it is, for messages: "policy.clouds [aws]", "placement.cloud gcp".
    policy_clouds: str = "every cloud"
    own_clouds: str | None = None
    # Where the region patterns and each geo list are written (the resource's own key
    # when it has one), so that a filter that leaves no site points at its line.
    regions_path: KeyPath = ()
    geo_paths: tuple[KeyPath, ...] = ()

    def words(self) -> str:
        """`on [aws, gcp] in regions [eu-*] in geo [ch]`, for messages."""
        parts = [f"on [{', '.join(self.clouds)}]"]
        parts += [f"in regions [{', '.join(p)}]" for p in self.region_patterns if p != ("*",)]
        parts += [f"in geo [{', '.join(g)}]" for g in self.geo]
        return " ".join(parts)


def scope_of(spec: Spec, section: str, name: str, catalog: Catalog) -> Scope:
    """Policy ∩ the resource's placement, validated (clouds and geo codes are known)."""
    own: PlacementSpec = getattr(spec, section)[name].placement
    path: KeyPath = (section, name, "placement")
    policy = spec.policy
    clouds = _clouds(policy.clouds, ("policy", "clouds"))
    policy_words = (
        "every cloud" if policy.clouds is None else f"policy.clouds [{', '.join(clouds)}]"
    )
    own_words = None
    if own.cloud is not None or own.clouds is not None:
        key = "cloud" if own.cloud is not None else "clouds"
        mine = _clouds([own.cloud] if own.cloud else own.clouds, (*path, key))
        clouds = [c for c in clouds if c in mine]
        own_words = (
            f"placement.cloud {own.cloud}" if own.cloud else f"placement.clouds [{', '.join(mine)}]"
        )
    patterns = [tuple(policy.regions)]
    regions_path: KeyPath = ("policy", "regions") if policy.regions != ["*"] else path
    if own.region is not None or own.regions is not None:
        patterns.append((own.region,) if own.region else tuple(own.regions or ()))
        regions_path = (*path, "region" if own.region is not None else "regions")
    geo_lists = [
        (tuple(g), p)
        for g, p in ((policy.geo, ("policy", "geo")), (own.geo, (*path, "geo")))
        if g is not None and _geo(g, p, catalog)
    ]
    geo = [g for g, _ in geo_lists]
    pin = None
    if own.pinned:
        assert own.cloud is not None and own.region is not None
        get_cloud(own.cloud, (*path, "cloud"))
        catalog.check_region(own.cloud, own.region, (*path, "region"))
        pin = Site(own.cloud, own.region)
    limits = [p for p in (policy.max_hourly_price, own.max_hourly_price) if p is not None]
    return Scope(
        path,
        tuple(clouds),
        tuple(patterns),
        tuple(geo),
        min(limits, default=None),
        pin,
        policy_words,
        own_words,
        regions_path,
        tuple(p for _, p in geo_lists),
    )


def _clouds(names: Iterable[str | None] | None, path: KeyPath) -> list[str]:
    """Known cloud names (all of them when `names` is None); did-you-mean otherwise."""
    if names is None:
        return cloud_names()
    return [get_cloud(n, path).name for n in names if n]


def _geo(codes: list[str], path: KeyPath, catalog: Catalog) -> bool:
    catalog.check_geo(codes, path)
    return True


# -- sites ----------------------------------------------------------------------------------

SiteFilter = tuple[str, KeyPath, Callable[[Site], bool]]  # message, where written, keep


def sites_in_scope(scope: Scope, catalog: Catalog) -> list[Site]:
    """Sites passing every site filter; a `SpecError` naming the filter that emptied them."""
    if not scope.clouds:
        raise SpecError([_no_cloud(scope)])
    # A pinned site must still be one the policy's regions and geo allow.
    sites = (
        [scope.pin]
        if scope.pin is not None
        else [Site(c, r) for c in scope.clouds for r in catalog.regions(c)]
    )
    filters: list[SiteFilter] = [
        (
            f"no region {scope.words()}",
            scope.regions_path or scope.path,
            lambda s: all(_matches(s.region, p) for p in scope.region_patterns),
        ),
    ]
    filters += [
        (
            f"no region in geo [{', '.join(g)}] on [{', '.join(scope.clouds)}]",
            where,
            _in_geo(g, catalog),
        )
        for g, where in zip(
            scope.geo, scope.geo_paths or [scope.path] * len(scope.geo), strict=True
        )
    ]
    for message, where, keep in filters:
        sites = [s for s in sites if keep(s)]
        if not sites:
            raise SpecError([Problem(message, where)])
    return sites


def _no_cloud(scope: Scope) -> Problem:
    """Which lists left no cloud: the policy's alone, or the policy's and the resource's."""
    if scope.own_clouds is None:
        return Problem("policy.clouds is empty, so no cloud is allowed", ("policy", "clouds"))
    key = scope.own_clouds.partition(" ")[0].removeprefix("placement.")
    return Problem(
        f"{scope.own_clouds} and {scope.policy_clouds} have no cloud in common",
        (*scope.path, key),
        "allow the cloud in the policy, or place the resource on a cloud the policy allows",
    )


def _matches(region: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(region, p) for p in patterns)


def _in_geo(codes: tuple[str, ...], catalog: Catalog) -> Callable[[Site], bool]:
    return lambda s: bool(catalog.geo_tags(s.cloud, s.region) & set(codes))


def _empty(scope: Scope, message: str, hint: str | None = None) -> list[Site]:
    raise SpecError([Problem(message, scope.path, hint)])


# -- options --------------------------------------------------------------------------------


def compute_options(name: str, group: Compute, scope: Scope, catalog: Catalog) -> list[Option]:
    """The cheapest suitable offer at every allowed site that has one."""
    if isinstance(group.instance_type, dict):
        for cloud in group.instance_type:
            get_cloud(cloud, ("compute", name, "instance_type", cloud))
    scope = _without_refusing_clouds(name, group, scope)
    sites = sites_in_scope(scope, catalog)
    offers = [(site, _offer_at(group, site, scope, catalog)) for site in sites]
    found = [(s, o) for s, o in offers if o is not None]
    if not found:
        _no_offer(name, group, scope, catalog)
    limit = scope.max_hourly_price
    priced = [(s, o) for s, o in found if limit is None or (o.hourly(group.spot) or 0) <= limit]
    if not priced:
        cheapest = min(found, key=lambda so: so[1].hourly(group.spot) or 0)[1]
        _empty(
            scope,
            f"no offer {scope.words()} costs at most ${limit:g}/h per VM",
            f"the cheapest is {_offer_text(cheapest, group.spot)}",
        )
    return [Option(site, monthly_cost(offer, group), offer) for site, offer in priced]


def _without_refusing_clouds(name: str, group: Compute, scope: Scope) -> Scope:
    """`scope` without the clouds that declare they have none of the group's accelerator (a
    Cloud TPU elsewhere than on GCP); their declared refusals when no cloud is left."""
    wanted = group.resources.accelerators
    if wanted is None:
        return scope
    path = ("compute", name, "resources", "accelerators")
    refusals = {c: p for c in scope.clouds if (p := get_cloud(c).accelerator_refusal(wanted, path))}
    if not refusals:
        return scope
    kept = tuple(c for c in scope.clouds if c not in refusals)
    if not kept:
        raise SpecError(list(refusals.values()))
    return replace(scope, clouds=kept)


def _offer_at(group: Compute, site: Site, scope: Scope, catalog: Catalog) -> Offer | None:
    """The offer a group would use at `site`, or None when the site has none that fits."""
    wanted = _instance_type(group, site.cloud)
    found = catalog.offer_for(site.cloud, site.region, group.resources, group.spot, wanted)
    if found is None and wanted is not None and scope.pin == site:
        # The user's explicit choice at a pinned site: deploy it even if it is not priced
        # (never at a host-only price: a type the catalog lists without the accelerators
        # asked for is unpriced here, and the cloud's `check` refuses it if it cannot carry them).
        return Offer(site.cloud, site.region, wanted, vcpus=0, memory_gib=0)
    return found


def _instance_type(group: Compute, cloud: str) -> str | None:
    given = group.instance_type
    if isinstance(given, dict):
        return given.get(cloud)
    return given


def monthly_cost(offer: Offer, group: Compute) -> float:
    hourly = offer.hourly(group.spot)
    return 0.0 if hourly is None else round(hourly * group.count * HOURS_PER_MONTH, 4)


def _no_offer(name: str, group: Compute, scope: Scope, catalog: Catalog) -> None:
    """Nothing fits within the scope: say what was asked and where the nearest offers are."""
    if scope.pin is not None and _instance_type(group, scope.pin.cloud) is None:
        catalog.cheapest(
            scope.pin.cloud,
            scope.pin.region,
            group.resources,
            group.spot,
            ("compute", name, "resources"),
        )
    asked = describe(group.resources, group.spot)
    wanted = _instance_type(group, scope.clouds[0]) if len(scope.clouds) == 1 else None
    gpus = group.resources.accelerators
    what = f"instance type {wanted}" + (f" with {gpus}" if gpus else "") if wanted else asked
    nearest = (
        catalog.search(group.resources, group.spot, clouds=list(scope.clouds))[:3]
        if wanted is None
        else []
    )
    if not nearest and wanted is None:
        nearest = catalog.search(group.resources, group.spot)[:3]
    hint = (
        "nearest offers: " + "; ".join(_offer_text(o, group.spot, catalog) for o in nearest)
        if nearest
        else None
    )
    coverage = [
        get_cloud(c).catalog_coverage for c in scope.clouds if get_cloud(c).catalog_coverage
    ]
    if coverage:
        hint = "; ".join([*(filter(None, [hint])), *coverage])  # type: ignore[list-item]
    raise SpecError([Problem(f"no region {scope.words()} offers {what}", scope.path, hint)])


def _offer_text(offer: Offer, spot: bool, catalog: Catalog | None = None) -> str:
    price = offer.hourly(spot)
    tags = f" [{', '.join(sorted(catalog.geo_tags(offer.cloud, offer.region)))}]" if catalog else ""
    cost = f"${price:.2f}/h" if price is not None else "unpriced"
    return f"{offer.instance_type} in {offer.cloud} {offer.region}{tags} at {cost}"
