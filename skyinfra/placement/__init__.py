"""Placement: decide the site (cloud, region) of every bucket and compute group.

This version honours explicit pins only (`placement: {cloud, region}`); choosing sites from
policies is the intercloud layer's job and is reported as unsupported until it lands. The
stage also resolves each compute group's instance type: the one given for its cloud, or the
cheapest catalog offer in its region that satisfies `resources`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from skyinfra.catalog import Catalog
from skyinfra.catalog.model import Offer
from skyinfra.clouds import Cloud, get_cloud
from skyinfra.errors import KeyPath, Problem, SpecError, UnsupportedError
from skyinfra.spec import Bucket, Compute, Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import Site

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Decision:
    """Where one resource runs; for compute groups also the VM type and its price."""

    name: str
    kind: str  # "bucket" | "compute"
    site: Site
    instance_type: str | None = None
    hourly_cost: float | None = None  # whole group, USD/h; None = not in the catalog

    @property
    def monthly_cost(self) -> float | None:
        return None if self.hourly_cost is None else round(self.hourly_cost * HOURS_PER_MONTH, 2)


@dataclass(frozen=True)
class Placement:
    """A decision per resource name."""

    decisions: dict[str, Decision]

    def site_of(self, name: str) -> Site:
        return self.decisions[name].site

    @property
    def sites(self) -> list[Site]:
        return sorted({d.site for d in self.decisions.values()})


def place(spec: Spec, catalog: Catalog) -> Placement:
    """Resolve every resource's site and offer; collect all problems before failing."""
    jobs: list[Callable[[], Decision]] = [
        *(partial(_place_bucket, n, b, catalog) for n, b in spec.buckets.items()),
        *(partial(_place_compute, n, g, catalog) for n, g in spec.compute.items()),
    ]
    decisions: dict[str, Decision] = {}
    problems: list[Problem] = []
    for job in jobs:
        try:
            decision = job()
        except SpecError as err:
            problems.extend(err.problems)
        else:
            decisions[decision.name] = decision
    if problems:
        raise SpecError(problems)
    return Placement(decisions)


def _pinned_site(section: str, name: str, resource: Bucket | Compute, catalog: Catalog) -> Site:
    """The (cloud, region) a resource is pinned to, validated against registry and catalog."""
    where = resource.placement
    path: KeyPath = (section, name, "placement")
    if where.cloud is None or where.region is None:
        raise UnsupportedError(
            "automatic placement is not available yet: pin this resource to a cloud and region",
            path=path,
            hint="placement: {cloud: aws, region: us-east-1}",
        )
    cloud = get_cloud(where.cloud, (*path, "cloud"))
    catalog.check_region(cloud.name, where.region, (*path, "region"))
    return Site(cloud.name, where.region)


def _place_bucket(name: str, bucket: Bucket, catalog: Catalog) -> Decision:
    return Decision(name, "bucket", _pinned_site("buckets", name, bucket, catalog))


def _place_compute(name: str, group: Compute, catalog: Catalog) -> Decision:
    site = _pinned_site("compute", name, group, catalog)
    cloud = get_cloud(site.cloud)
    offer = _offer(name, group, cloud, site, catalog)
    check_image(name, group.image, arch_of(cloud, offer.instance_type), cloud)
    hourly = offer.hourly(group.spot)
    return Decision(
        name,
        "compute",
        site,
        instance_type=offer.instance_type,
        hourly_cost=None if hourly is None else round(hourly * group.count, 6),
    )


def _offer(name: str, group: Compute, cloud: Cloud, site: Site, catalog: Catalog) -> Offer:
    """The user's instance type for this cloud if given, else the cheapest matching offer."""
    path: KeyPath = ("compute", name)
    explicit = _explicit_type(group, cloud, path)
    if explicit is None:
        return catalog.cheapest(
            site.cloud, site.region, group.resources, group.spot, (*path, "resources")
        )
    found = catalog.find(site.cloud, site.region, explicit)
    # A type missing from the catalog is still the user's call: deploy it, price unknown.
    return found or Offer(site.cloud, site.region, explicit, vcpus=0, memory_gib=0)


def _explicit_type(group: Compute, cloud: Cloud, path: KeyPath) -> str | None:
    given = group.instance_type
    if isinstance(given, str) or given is None:
        return given
    for key in given:
        if key != cloud.name:
            get_cloud(key, (*path, "instance_type", key))  # unknown cloud names are errors
    return given.get(cloud.name)


def arch_of(cloud: Cloud, instance_type: str) -> str:
    """CPU architecture of an instance type, by the cloud's naming rules."""
    return "arm64" if cloud.is_arm64(instance_type) else "x86_64"


def check_image(name: str, image: str, arch: str, cloud: Cloud) -> None:
    """The neutral image must be one this cloud maps for the instance type's architecture."""
    if (image, arch) in cloud.images:
        return
    known = cloud.image_names
    hint = did_you_mean(image, known) or f"known images: {', '.join(known)}"
    raise SpecError(
        f"image {image!r} ({arch}) is not available on {cloud.name}",
        path=("compute", name, "image"),
        hint=hint,
    )
