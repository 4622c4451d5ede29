"""The price catalog: VM offers per (cloud, region) and their queries, over every data file.

`Catalog` is the one object the rest of skyinfra asks: offers come from the VM tables
(`tables.py`), built per (cloud, region) on demand through the cloud's own `offers_from_rows`,
so no code here knows a provider's quirks; storage, egress and link prices come from
`network.py`, region tags from `geo.py`, the `catalog info` report from `info.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path
from typing import Any

from skyinfra.catalog.geo import Geo, did_you_mean_code
from skyinfra.catalog.info import cloud_entry, summary
from skyinfra.catalog.matching import OfferArrays
from skyinfra.catalog.nat import NatPrice
from skyinfra.catalog.network import Egress, Links, NetworkPrices
from skyinfra.catalog.regions import RegionNames
from skyinfra.catalog.source import Source, bundled, cloud_names, lookup_cloud, package_data
from skyinfra.catalog.tables import VmTable, directory_source, file_candidates
from skyinfra.errors import CatalogError, KeyPath, SpecError
from skyinfra.offer import Offer
from skyinfra.spec import Resources
from skyinfra.suggest import did_you_mean

_FIX = "set instance_type: {{{cloud}: ...}} or point --catalog at a fuller catalog"
_REGIONS_SHOWN = 8
_CLOSE_ENOUGH = 0.6  # difflib ratio, as in `skyinfra.suggest`
_NETWORK, _GEO, _REGIONS = "network.json", "geo.json", "regions.json"


class Catalog:
    """Price rows per cloud, parsed lazily, with offers cached per (cloud, region)."""

    def __init__(
        self,
        sources: Mapping[str, Source],
        *,
        origin: str,
        meta: Mapping[str, Any] | None = None,
        data: Mapping[str, Source] | None = None,
        overlay: Iterable[str] = (),
    ) -> None:
        self._sources = dict(sources)
        self._origin = origin
        self._meta = dict(meta or {})
        # Clouds whose rows come from the user's directory (`origin`); the others are bundled.
        self._overlay = frozenset(overlay)
        # network.json / geo.json / regions.json: bundled unless the directory has its own.
        self._data = {n: bundled(n) for n in (_NETWORK, _GEO, _REGIONS)} | dict(data or {})
        self._tables: dict[str, VmTable] = {}
        self._offers: dict[tuple[str, str], list[Offer]] = {}
        # Specs repeat the same request many times (a fleet of identical groups).
        self._matches: dict[tuple[str, str, tuple[object, ...], bool], list[Offer]] = {}
        self._arrays: dict[tuple[str, str], OfferArrays] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def bundled(cls) -> Catalog:
        """The snapshot shipped in the package (`skyinfra/catalog/data`)."""
        data = package_data()
        meta: dict[str, Any] = json.loads((data / "SOURCE.json").read_text(encoding="utf-8"))
        sources = {}
        for cloud in cloud_names():
            file = data / f"{cloud}.csv.gz"
            sources[cloud] = Source(f"bundled {cloud}.csv.gz", file if file.is_file() else None)
        return cls(sources, origin="bundled", meta=meta)

    @classmethod
    def from_directory(cls, path: str | Path) -> Catalog:
        """A catalog directory: SkyPilot's `<cloud>/vms.csv`, or our `<cloud>_vms.csv`, laid
        over the bundled snapshot cloud by cloud.

        A cloud with a file here takes all its rows from it (never mixed row by row with the
        bundled ones); a cloud without one keeps the bundled part, so a directory with only
        `aws/vms.csv` still plans on GCP and Azure. `info()` says which part comes from where.
        """
        root = Path(path)
        found = {cloud: directory_source(root, cloud) for cloud in cloud_names()}
        given = {cloud: source for cloud, source in found.items() if source.file}
        if not given:
            expected = ", ".join(n for c in cloud_names() for n in file_candidates(c))
            raise CatalogError(
                f"no catalog file found in {str(root)!r}",
                hint=f"expected one of: {expected}",
            )
        # SkyPilot's layout has no network prices: those stay bundled unless given here.
        data = {
            n: Source(str(root / n), root / n)
            for n in (_NETWORK, _GEO, _REGIONS)
            if (root / n).is_file()
        }
        base = cls.bundled()
        return cls(
            base._sources | given, origin=str(root), meta=base._meta, data=data, overlay=given
        )

    # -- queries --------------------------------------------------------------------------

    @property
    def loaded(self) -> frozenset[str]:
        """Clouds whose rows have been parsed so far (lazy loading is observable)."""
        return frozenset(self._tables)

    def regions(self, cloud: str) -> list[str]:
        """Every region with rows for `cloud`, sorted."""
        return sorted(self._table(cloud).records)

    def offers(self, cloud: str, region: str) -> list[Offer]:
        """Every offer of `cloud` in `region` (empty when unknown), built once and cached."""
        key = (cloud, region)
        if key not in self._offers:
            rows = self._table(cloud).rows(region)
            self._offers[key] = list(lookup_cloud(cloud).offers_from_rows(rows)) if rows else []
        return self._offers[key]

    def find(
        self, cloud: str, region: str, instance_type: str, accelerators: str | None = None
    ) -> Offer | None:
        """The offer for `instance_type` (with `accelerators`, e.g. "T4:1", when given).

        A GCP host can carry several GPU counts; without `accelerators` the offer with the
        fewest accelerators (the plain VM when there is one) is returned.
        """
        found = [o for o in self.offers(cloud, region) if o.instance_type == instance_type]
        if accelerators is not None:
            wanted = accelerators.lower()
            found = [o for o in found if (o.accelerators or "").lower() == wanted]
        return min(found, key=lambda o: o.accelerator_count, default=None)

    def offer_for(
        self,
        cloud: str,
        region: str,
        resources: Resources,
        spot: bool,
        instance_type: str | None = None,
    ) -> Offer | None:
        """The offer a group asking `resources` runs on in `region`: the cheapest that fits,
        or, with `instance_type` given, that type carrying the accelerators asked for.

        Both are picked among the same `offers`, priced once by the cloud
        (`Cloud.offers_from_rows`: GCP adds its attached GPUs' price to the host's), so pinning
        the type a search would choose costs the same as not pinning it.
        """
        if instance_type is None:
            return self.best_match(cloud, region, resources, spot)
        wanted = resources.accelerators
        return self.find(cloud, region, instance_type, None if wanted is None else str(wanted))

    def check_region(self, cloud: str, region: str, path: KeyPath = ()) -> None:
        """A `SpecError` at `path` unless the catalog has an offer of `cloud` in `region`.

        A real region without prices is not a typo: it gets what to do, never a did-you-mean
        to a region elsewhere; only a name the cloud does not run gets the did-you-mean.
        """
        if self.offers(cloud, region):
            return
        if self._region_names.real(cloud, region):
            message = f"region {region!r} is not in the price catalog for {cloud}"
            raise SpecError(message, path=path, hint=self._unpriced_hint(cloud, region))
        known = self.regions(cloud)
        if not known:
            source = self._sources[cloud]
            hint = f"no {cloud} prices in {source.label}; point --catalog at a catalog with them"
            raise SpecError(f"unknown region {region!r}: no {cloud} offers", path=path, hint=hint)
        names = sorted(set(known) | self._region_names.names.get(cloud, frozenset()))
        hint = _did_you_mean_region(region, names) or f"{cloud} regions: {_short_list(known)}"
        raise SpecError(f"unknown region {region!r} for {cloud}", path=path, hint=hint)

    def unpriced_regions(self, cloud: str) -> list[str]:
        """Real regions of `cloud` that this catalog has no prices for, sorted."""
        real = self._region_names.names.get(cloud, frozenset())
        return sorted(real - set(self.regions(cloud)))

    def matching(self, cloud: str, region: str, resources: Resources, spot: bool) -> list[Offer]:
        """Offers in `region` that satisfy `resources`, cheapest first (ties: by name)."""
        return list(self._matching(cloud, region, resources, spot))

    def best_match(self, cloud: str, region: str, resources: Resources, spot: bool) -> Offer | None:
        """`matching(...)[0]` without copying the list: placement asks this per site."""
        found = self._matching(cloud, region, resources, spot)
        return found[0] if found else None

    def _matching(self, cloud: str, region: str, resources: Resources, spot: bool) -> list[Offer]:
        key = (cloud, region, _request(resources), spot)
        if key not in self._matches:
            if (cloud, region) not in self._arrays:
                self._arrays[(cloud, region)] = OfferArrays(self.offers(cloud, region))
            fits = self._arrays[(cloud, region)].fitting(resources, spot)
            self._matches[key] = sorted(fits, key=lambda o: (o.hourly(spot), o.instance_type))
        return self._matches[key]

    def cheapest(
        self, cloud: str, region: str, resources: Resources, spot: bool, path: KeyPath = ()
    ) -> Offer:
        """The cheapest matching offer, or a `SpecError` at `path` that says what exists."""
        found = self.matching(cloud, region, resources, spot)
        if found:
            return found[0]
        message = f"no {cloud} offer in {region} satisfies {describe(resources, spot)}"
        raise SpecError(message, path=path, hint=self._no_match_hint(cloud, region, resources))

    def info(self) -> dict[str, Any]:
        """Snapshot date, source and per-cloud row/region counts (parses every cloud)."""
        clouds = {
            c: cloud_entry(c, s, self._table(c), *self._part(c)) for c, s in self._sources.items()
        }
        for cloud, entry in clouds.items():
            entry["unpriced_regions"] = self.unpriced_regions(cloud)
        return summary(
            meta=self._meta,
            origin=self._origin,
            clouds=clouds,
            network=self._network,
            geo=self._geo,
        )

    # -- network, storage, geography ------------------------------------------------------

    @property
    def snapshot_date(self) -> str:
        """Date of the VM prices; "unknown" when any cloud's come from a catalog directory,
        which does not say (`info()` dates each cloud's part)."""
        return "unknown" if self._overlay else str(self._meta.get("snapshot") or "unknown")

    def _part(self, cloud: str) -> tuple[Mapping[str, Any], str]:
        """The provenance notes that apply to `cloud`'s rows, and where they come from."""
        if cloud in self._overlay:
            return {"snapshot": "unknown"}, f"user catalog {self._origin}"
        return self._meta, "bundled"

    def storage_monthly(self, cloud: str, region: str, gb: float) -> float:
        """USD per month for `gb` in `cloud`'s standard object storage class in `region`.

        The sources price one reference region per cloud; it stands for every region.
        """
        return self._network.cloud(cloud).storage.cost(gb)

    @cached_property
    def egress(self) -> Egress:
        """The price of data leaving a site (a `placement.problem.EgressModel`)."""
        return Egress(self._network, self._geo)

    def nat(self, cloud: str) -> NatPrice | None:
        """What a network site's NAT costs on `cloud` (None: not in the catalog)."""
        return self._network.cloud(cloud).nat

    @cached_property
    def links(self) -> Links:
        """Fixed prices of VPN links, gateways and interconnects (a
        `placement.problem.LinkModel`)."""
        return Links(self._network, self._geo)

    def geo_tags(self, cloud: str, region: str) -> frozenset[str]:
        """`{"ch", "europe"}`: jurisdiction and area of a region (empty when unknown)."""
        return self._geo.tags.get((cloud, region), frozenset())

    def geo_codes(self) -> list[str]:
        """Every geo tag a region may carry, sorted: what users may write under `geo`."""
        return sorted(self._geo.codes)

    def geo_areas(self) -> list[str]:
        """The broad area codes among `geo_codes()` (na, europe, ...), in table order."""
        return list(self._geo.area_order)

    def accelerator_names(self, clouds: Iterable[str] | None = None) -> list[str]:
        """Accelerator names the catalog of `clouds` (default all) knows, sorted."""
        names = cloud_names() if clouds is None else clouds
        return sorted({n for c in names for n in self._table(c).accelerator_regions()})

    def check_geo(self, codes: Iterable[str], path: KeyPath = ()) -> None:
        """A `SpecError` at `path` (index appended) for the first unknown geo code."""
        known = self.geo_codes()
        for i, code in enumerate(codes):
            if code not in self._geo.codes:
                hint = did_you_mean_code(code, known) or f"known: {', '.join(known)}"
                raise SpecError(f"unknown geo {code!r}", path=(*path, i), hint=hint)

    def search(
        self,
        resources: Resources,
        spot: bool = False,
        clouds: list[str] | None = None,
        geo: list[str] | None = None,
    ) -> list[Offer]:
        """Offers satisfying `resources` in every region of `clouds` (default all), cheapest first.

        `geo` keeps regions carrying any of its tags. For an accelerator request, regions whose
        raw lines never name it are skipped unconverted: that keeps GPU searches over Azure's
        58 regions cheap; CPU searches convert every region once, then hit the caches.
        """
        names = [lookup_cloud(c).name for c in (cloud_names() if clouds is None else clouds)]
        if geo is not None:
            self.check_geo(geo, ("geo",))
        wanted = frozenset(geo or ())
        found = [
            offer
            for cloud in names
            for region in self._candidate_regions(cloud, resources)
            if not wanted or wanted & self.geo_tags(cloud, region)
            for offer in self.matching(cloud, region, resources, spot)
        ]
        return sorted(found, key=lambda o: (o.hourly(spot), o.cloud, o.region, o.instance_type))

    # -- internals ------------------------------------------------------------------------

    def _table(self, cloud: str) -> VmTable:
        """`cloud`'s file, read on first use."""
        if cloud not in self._tables:
            lookup_cloud(cloud)  # unknown cloud name -> SpecError with did-you-mean
            source = self._sources.get(cloud, Source("none"))
            self._tables[cloud] = VmTable.read(cloud, source) if source.file else VmTable(cloud)
        return self._tables[cloud]

    def _candidate_regions(self, cloud: str, resources: Resources) -> list[str]:
        """Regions that may have a match: those naming the accelerator, or all of them."""
        if resources.accelerators is None:
            return self.regions(cloud)
        name = resources.accelerators.name.lower()
        listed = self._table(cloud).accelerator_regions()
        return sorted({r for n, found in listed.items() if n.lower() == name for r in found})

    @cached_property
    def _network(self) -> NetworkPrices:
        return NetworkPrices.read(self._data[_NETWORK])

    @cached_property
    def _geo(self) -> Geo:
        return Geo.read(self._data[_GEO])

    @cached_property
    def _region_names(self) -> RegionNames:
        return RegionNames.read(self._data[_REGIONS])

    def _unpriced_hint(self, cloud: str, region: str) -> str:
        """The ways out for a real region without prices, and priced ones nearby."""
        fix = (
            f"point --catalog at a directory whose {cloud}/vms.csv prices {region} (it replaces "
            f"only the {cloud} part of the bundled catalog), or place the resource in a priced "
            "region"
        )
        nearby = self._nearby_priced(cloud, region)
        if nearby:
            fix += f": {nearby}"
        return fix + " (instance_type: does not help: the spec cannot give a price by hand)"

    def _nearby_priced(self, cloud: str, region: str) -> str | None:
        """`"priced aws regions in europe: eu-central-1, ..."`: same jurisdiction, else area."""
        tags = self.geo_tags(cloud, region)
        areas = self.geo_areas()
        for tag in sorted(tags, key=lambda t: t in areas):  # jurisdiction first, area last
            found = [r for r in self.regions(cloud) if tag in self.geo_tags(cloud, r)]
            if found:
                meaning = self._geo.codes.get(tag, tag).removeprefix("area: ")
                return f"priced {cloud} regions in {meaning} ({tag}): {_short_list(found)}"
        return None

    def _no_match_hint(self, cloud: str, region: str, resources: Resources) -> str:
        """What does exist (accelerator counts or regions), coverage caveats, and the way out."""
        parts: list[str] = []
        if resources.accelerators is not None:
            parts.append(self._accelerator_hint(cloud, region, resources))
        coverage = lookup_cloud(cloud).catalog_coverage  # says what the bundled part lacks
        if coverage and cloud not in self._overlay:
            parts.append(coverage)
        parts.append(_FIX.format(cloud=cloud))
        return "; ".join(parts)

    def _accelerator_hint(self, cloud: str, region: str, resources: Resources) -> str:
        """Counts of `name` in `region` (and the arch they need when it is not the one asked
        for), else the regions offering it, else a did-you-mean."""
        assert resources.accelerators is not None
        name, count = resources.accelerators.name, resources.accelerators.count
        counts = _counts(self.offers(cloud, region), name)
        arches = _arches(self.offers(cloud, region), name, count) - {resources.arch}
        if count in counts and arches:
            return f"{name}:{count} here runs on {' or '.join(sorted(arches))}: set arch to match"
        if counts:
            return f"{name} comes in counts {', '.join(f'{c:g}' for c in counts)} here"
        # Raw lines narrow the regions cheaply; offers confirm (a GCP GPU needs a host there).
        listed = self._table(cloud).accelerator_regions()
        maybe = {r for n, found in listed.items() if n.lower() == name.lower() for r in found}
        regions = [r for r in sorted(maybe) if _counts(self.offers(cloud, r), name)]
        if regions:
            return f"{cloud} offers {name} in {_short_list(regions)}"
        guess = did_you_mean(name, sorted(listed))
        return f"no {cloud} offer has {name} in this catalog" + (f" ({guess})" if guess else "")


def _request(resources: Resources) -> tuple[object, ...]:
    """The fields offer matching reads, as a plain tuple: a cache key that hashes and compares
    in about a microsecond, where the pydantic model's own hash and == take ~10 us each, and
    candidate building asks once per (group, site): 125,000 times at 1,000 groups."""
    r = resources
    return (r.cpus, r.memory, r.accelerators, r.arch, r.burstable)


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """The catalog at `directory` (see `Catalog.from_directory`), or the bundled one."""
    return Catalog.bundled() if directory is None else Catalog.from_directory(directory)


def describe(resources: Resources, spot: bool) -> str:
    """`"accelerators=A100:3, cpus=32+"`: the request as the user wrote it, for messages."""
    parts = [
        f"{key}={value}"
        for key in ("accelerators", "cpus", "memory")
        if (value := getattr(resources, key)) is not None
    ]
    if resources.arch != "x86_64":
        parts.append(f"arch={resources.arch}")
    if spot:
        parts.append("spot")
    return ", ".join(parts) or "any resources"


# -- messages ---------------------------------------------------------------------------------


def _counts(offers: Iterable[Offer], name: str) -> list[float]:
    """Distinct counts of accelerator `name` (case-insensitive) among `offers`, ascending."""
    wanted = name.lower()
    return sorted({o.accelerator_count for o in offers if (o.accelerator or "").lower() == wanted})


def _arches(offers: Iterable[Offer], name: str, count: float) -> set[str]:
    """Architectures of the offers carrying `count` of accelerator `name`."""
    wanted = name.lower()
    return {
        o.arch
        for o in offers
        if (o.accelerator or "").lower() == wanted and o.accelerator_count == count
    }


def _did_you_mean_region(region: str, known: list[str]) -> str | None:
    """Like `did_you_mean`, but names every equally close region.

    Region typos often tie ("us-est-1" is one letter from us-east-1 and us-west-1); picking
    one of them arbitrarily would send half the users to the wrong continent.
    """
    scores = {r: SequenceMatcher(None, region.lower(), r.lower()).ratio() for r in known}
    best = max(scores.values(), default=0.0)
    if best < _CLOSE_ENOUGH:
        return None
    tied = sorted(r for r, score in scores.items() if score == best)
    return f"did you mean {' or '.join(map(repr, tied))}?"


def _short_list(items: list[str]) -> str:
    shown = ", ".join(items[:_REGIONS_SHOWN])
    more = len(items) - _REGIONS_SHOWN
    return f"{shown}, ... ({len(items)} in all)" if more > 0 else shown
