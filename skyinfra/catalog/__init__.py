"""The price catalog: VM offers per (cloud, region), storage, egress and VPN prices, geography.

VM rows come from the bundled snapshot (`data/<cloud>.csv.gz`, built by `tools/build_catalog.py`)
or from a directory in SkyPilot's published layout. Each cloud's file is parsed on first use
only (Azure alone has ~56k rows), and offers are built per (cloud, region) on demand through
the cloud's own `offers_from_rows`, so no code here knows a provider's quirks.

Network prices (`data/network.json`) and the region geography (`data/geo.json`) are hand-made
package data, every number with its source and confidence; they are read on first use too.
Per-cloud differences (tiers, rates, what a VPN link is made of) are data keyed by cloud name:
`Egress` and `Links` interpret them without knowing any provider.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from skyinfra.catalog.matching import OfferArrays
from skyinfra.catalog.model import Offer, Row
from skyinfra.errors import CatalogError, KeyPath, SpecError
from skyinfra.spec import Resources
from skyinfra.suggest import did_you_mean
from skyinfra.topology import Site

if TYPE_CHECKING:
    from skyinfra.clouds.base import Cloud

__all__ = ["Catalog", "Egress", "Links", "Offer", "Row", "Tiers", "describe", "load_catalog"]

# Row field -> accepted column names: ours (bundled), the normalised snapshot's, SkyPilot v8's.
COLUMNS: dict[str, tuple[str, ...]] = {
    "region": ("region", "Region"),
    "instance_type": ("instance_type", "InstanceType"),
    "vcpus": ("vcpus", "vCPUs"),
    "memory_gib": ("memory_gib", "MemoryGiB"),
    "accelerator": ("accelerator", "AcceleratorName"),
    "accelerator_count": ("accelerator_count", "AcceleratorCount"),
    "price": ("price", "price_hour", "Price"),
    "spot_price": ("spot_price", "spot_price_hour", "SpotPrice"),
}
_FIX = "set instance_type: {{{cloud}: ...}} or point --catalog at a fuller catalog"
_ACCELERATOR = list(COLUMNS).index("accelerator")
_REGIONS_SHOWN = 8
_CLOSE_ENOUGH = 0.6  # difflib ratio, as in `skyinfra.suggest`
_NETWORK, _GEO = "network.json", "geo.json"


@dataclass(frozen=True)
class _Source:
    """Where one cloud's rows come from (`file` None: this catalog has no data for it)."""

    label: str
    file: Traversable | None = None


class Catalog:
    """Price rows per cloud, parsed lazily, with offers cached per (cloud, region)."""

    def __init__(
        self,
        sources: Mapping[str, _Source],
        *,
        origin: str,
        meta: Mapping[str, Any] | None = None,
        data: Mapping[str, _Source] | None = None,
    ) -> None:
        self._sources = dict(sources)
        self._origin = origin
        self._meta = dict(meta or {})
        # network.json / geo.json: the bundled ones unless the catalog directory has its own.
        self._data = {name: _bundled(name) for name in (_NETWORK, _GEO)} | dict(data or {})
        self._tables: dict[str, _Table] = {}
        self._offers: dict[tuple[str, str], list[Offer]] = {}
        # Specs repeat the same request many times (a fleet of identical groups).
        self._matches: dict[tuple[str, str, Resources, bool], list[Offer]] = {}
        self._arrays: dict[tuple[str, str], OfferArrays] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def bundled(cls) -> Catalog:
        """The snapshot shipped in the package (`skyinfra/catalog/data`)."""
        data = files(__name__) / "data"
        meta: dict[str, Any] = json.loads((data / "SOURCE.json").read_text(encoding="utf-8"))
        sources = {}
        for cloud in _cloud_names():
            file = data / f"{cloud}.csv.gz"
            sources[cloud] = _Source(f"bundled {cloud}.csv.gz", file if file.is_file() else None)
        return cls(sources, origin="bundled", meta=meta)

    @classmethod
    def from_directory(cls, path: str | Path) -> Catalog:
        """A catalog directory: SkyPilot's `<cloud>/vms.csv`, or our `<cloud>_vms.csv`.

        A cloud with neither file has no offers here (no silent fall-back to the bundled
        snapshot, which would mix two price dates); `info()` says so.
        """
        root = Path(path)
        sources = {cloud: _directory_source(root, cloud) for cloud in _cloud_names()}
        if not any(source.file for source in sources.values()):
            expected = ", ".join(n for c in _cloud_names() for n in _candidates(c))
            raise CatalogError(
                f"no catalog file found in {str(root)!r}",
                hint=f"expected one of: {expected}",
            )
        # SkyPilot's layout has no network prices: those stay bundled unless given here.
        data = {
            n: _Source(str(root / n), root / n) for n in (_NETWORK, _GEO) if (root / n).is_file()
        }
        return cls(sources, origin=str(root), data=data)

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
            self._offers[key] = list(_cloud(cloud).offers_from_rows(rows)) if rows else []
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

    def check_region(self, cloud: str, region: str, path: KeyPath = ()) -> None:
        """A `SpecError` at `path` unless the catalog has an offer of `cloud` in `region`."""
        if self.offers(cloud, region):
            return
        known = self.regions(cloud)
        if not known:
            source = self._sources[cloud]
            hint = f"no {cloud} prices in {source.label}; point --catalog at a catalog with them"
            raise SpecError(f"unknown region {region!r}: no {cloud} offers", path=path, hint=hint)
        hint = _did_you_mean_region(region, known) or f"{cloud} regions: {_short_list(known)}"
        raise SpecError(f"unknown region {region!r} for {cloud}", path=path, hint=hint)

    def matching(self, cloud: str, region: str, resources: Resources, spot: bool) -> list[Offer]:
        """Offers in `region` that satisfy `resources`, cheapest first (ties: by name)."""
        return list(self._matching(cloud, region, resources, spot))

    def best_match(self, cloud: str, region: str, resources: Resources, spot: bool) -> Offer | None:
        """`matching(...)[0]` without copying the list: placement asks this per site."""
        found = self._matching(cloud, region, resources, spot)
        return found[0] if found else None

    def _matching(self, cloud: str, region: str, resources: Resources, spot: bool) -> list[Offer]:
        key = (cloud, region, resources, spot)
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
        clouds: dict[str, dict[str, Any]] = {}
        for cloud, source in self._sources.items():
            table = self._table(cloud)
            entry: dict[str, Any] = {
                "file": source.label,
                "rows": sum(len(table.rows(region)) for region in table.records),
                "regions": len(table.records),
            }
            if source.file is None:
                entry["note"] = f"no {cloud} file in this catalog: no {cloud} offers"
            meta = self._meta.get("clouds", {}).get(cloud, {})
            entry.update({k: meta[k] for k in ("source", "coverage") if k in meta})
            clouds[cloud] = entry
        network, geo = self._network, self._geo
        return {
            "snapshot": self._meta.get("snapshot"),
            "source": self._origin,
            "units": "USD per hour",
            "clouds": clouds,
            "network": {
                "file": self._data[_NETWORK].label,
                "snapshot": network.snapshot,
                "units": network.units,
                "sources": network.sources,
            },
            "geo": {
                "file": self._data[_GEO].label,
                "snapshot": geo.snapshot,
                "source": geo.source,
                "regions": len(geo.tags),
                "codes": len(geo.codes),
            },
        }

    # -- network, storage, geography ------------------------------------------------------

    @property
    def snapshot_date(self) -> str:
        """Date of the VM prices; "unknown" for a catalog directory, which does not say."""
        return str(self._meta.get("snapshot") or "unknown")

    def storage_monthly(self, cloud: str, region: str, gb: float) -> float:
        """USD per month for `gb` in `cloud`'s standard object storage class in `region`.

        The sources price one reference region per cloud; it stands for every region.
        """
        return self._network.cloud(cloud).storage.cost(gb)

    @cached_property
    def egress(self) -> Egress:
        """The price of data leaving a site (a `placement.problem.EgressModel`)."""
        return Egress(self._network, self._geo)

    @cached_property
    def links(self) -> Links:
        """Fixed prices of VPN links and gateways (a `placement.problem.LinkModel`)."""
        return Links(self._network)

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
        names = _cloud_names() if clouds is None else clouds
        return sorted({n for c in names for n in self._table(c).accelerator_regions()})

    def check_geo(self, codes: Iterable[str], path: KeyPath = ()) -> None:
        """A `SpecError` at `path` (index appended) for the first unknown geo code."""
        known = self.geo_codes()
        for i, code in enumerate(codes):
            if code not in self._geo.codes:
                hint = _did_you_mean_code(code, known) or f"known: {', '.join(known)}"
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
        names = [_cloud(c).name for c in (_cloud_names() if clouds is None else clouds)]
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

    def _table(self, cloud: str) -> _Table:
        """`cloud`'s file, read on first use."""
        if cloud not in self._tables:
            _cloud(cloud)  # unknown cloud name -> SpecError with did-you-mean
            source = self._sources.get(cloud, _Source("none"))
            self._tables[cloud] = _Table.read(cloud, source) if source.file else _Table(cloud)
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

    def _no_match_hint(self, cloud: str, region: str, resources: Resources) -> str:
        """What does exist (accelerator counts or regions), coverage caveats, and the way out."""
        parts: list[str] = []
        if resources.accelerators is not None:
            parts.append(self._accelerator_hint(cloud, region, resources.accelerators.name))
        coverage = _cloud(cloud).catalog_coverage
        if coverage:
            parts.append(coverage)
        parts.append(_FIX.format(cloud=cloud))
        return "; ".join(parts)

    def _accelerator_hint(self, cloud: str, region: str, name: str) -> str:
        """Counts of `name` in `region`, else the regions offering it, else a did-you-mean."""
        counts = _counts(self.offers(cloud, region), name)
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


# -- matching ---------------------------------------------------------------------------------


def _counts(offers: Iterable[Offer], name: str) -> list[float]:
    """Distinct counts of accelerator `name` (case-insensitive) among `offers`, ascending."""
    wanted = name.lower()
    return sorted({o.accelerator_count for o in offers if (o.accelerator or "").lower() == wanted})


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


def _did_you_mean_code(code: str, known: list[str]) -> str | None:
    """Like `did_you_mean`, but also catches swapped letters ("ue" for "eu").

    Two-letter codes are too short for difflib's ratio to rate a transposition as close.
    """
    swapped = [k for k in known if sorted(k) == sorted(code.lower())]
    if swapped:
        return f"did you mean {' or '.join(map(repr, swapped))}?"
    return did_you_mean(code, known)


def _short_list(items: list[str]) -> str:
    shown = ", ".join(items[:_REGIONS_SHOWN])
    more = len(items) - _REGIONS_SHOWN
    return f"{shown}, ... ({len(items)} in all)" if more > 0 else shown


# -- reading ----------------------------------------------------------------------------------


def _cloud(name: str) -> Cloud:
    # Imported late: the cloud modules import `skyinfra.catalog.model`, which runs this package.
    from skyinfra.clouds import get_cloud

    return get_cloud(name)


def _cloud_names() -> list[str]:
    from skyinfra.clouds import cloud_names

    return cloud_names()


def _candidates(cloud: str) -> tuple[str, str]:
    """File names a catalog directory may hold for `cloud`, in order of preference."""
    return f"{cloud}/vms.csv", f"{cloud}_vms.csv"


def _bundled(name: str) -> _Source:
    return _Source(f"bundled {name}", files(__name__) / "data" / name)


def _directory_source(root: Path, cloud: str) -> _Source:
    for name in _candidates(cloud):
        if (root / name).is_file():
            return _Source(str(root / name), root / name)
    return _Source(f"{root}/{_candidates(cloud)[0]} (missing)")


class _Table:
    """One cloud's file split by region; lines become `Row`s only for the regions asked about.

    Splitting Azure's ~56k lines takes ~0.1 s, converting them all ~0.8 s: planning touches a
    few regions, so conversion waits until a region is asked for.
    """

    def __init__(
        self,
        cloud: str,
        label: str = "",
        index: Sequence[int] = (),
        records: dict[str, list[list[str]]] | None = None,
    ) -> None:
        self.cloud = cloud
        self.label = label
        self.index = tuple(index)
        self.records = records or {}
        self._rows: dict[str, list[Row]] = {}
        self._accelerators: dict[str, set[str]] | None = None

    @classmethod
    def read(cls, cloud: str, source: _Source) -> _Table:
        """Split `source` by region, skipping blank, short and repeated-header lines."""
        assert source.file is not None
        try:
            with source.file.open("rb") as raw:
                binary: IO[bytes] | gzip.GzipFile = (
                    gzip.GzipFile(fileobj=raw) if source.file.name.endswith(".gz") else raw
                )
                reader = csv.reader(io.TextIOWrapper(binary, encoding="utf-8", newline=""))
                index = _column_index(next(reader, []), source.label)
                width, at = max(index) + 1, index[0]
                records: dict[str, list[list[str]]] = defaultdict(list)
                for record in reader:
                    region = record[at].strip() if len(record) >= width else ""
                    if region and region not in COLUMNS["region"]:
                        records[region].append(record)
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as err:
            raise CatalogError(f"{source.label}: unreadable ({err})") from None
        return cls(cloud, source.label, index, dict(records))

    def rows(self, region: str) -> list[Row]:
        """`region`'s rows, one per (instance type, accelerator, count), converted once."""
        if region not in self._rows:
            lines = self.records.get(region, [])
            self._rows[region] = _collapse(self._row(ln) for ln in lines)
        return self._rows[region]

    def _row(self, line: list[str]) -> Row:
        try:
            return _row(self.cloud, line, self.index)
        except ValueError as err:
            raise CatalogError(
                f"{self.label}: unreadable line {','.join(line)!r} ({err})"
            ) from None

    def accelerator_regions(self) -> dict[str, set[str]]:
        """Accelerator name -> regions whose lines name it, without converting any line."""
        if self._accelerators is None:
            at = self.index[_ACCELERATOR] if self.index else 0
            found: dict[str, set[str]] = defaultdict(set)
            for region, lines in self.records.items():
                for line in lines:
                    if name := line[at].strip():
                        found[name].add(region)
            self._accelerators = dict(found)
        return self._accelerators


def _column_index(header: list[str], label: str) -> list[int]:
    """Column position of each `COLUMNS` field, in order; a `SpecError` if one is missing.

    Columns are found by name, so SkyPilot's varying column order and extra columns are fine.
    """
    positions = {name.strip(): i for i, name in enumerate(header)}
    index = [
        next((positions[c] for c in names if c in positions), -1) for names in COLUMNS.values()
    ]
    missing = [names[-1] for names, i in zip(COLUMNS.values(), index, strict=True) if i < 0]
    if missing:
        raise CatalogError(f"{label} is not a VM price catalog: no column {', '.join(missing)}")
    return index


def _row(cloud: str, record: list[str], index: Sequence[int]) -> Row:
    """One `Row` from a split line.

    Columns are taken by position from the header, so a stray unquoted comma after the
    columns read here (Azure's `V1,V2` generation field) does no harm.
    """
    region, kind, cpus, memory, accel, count, price, spot = (record[i].strip() for i in index)
    return Row(
        cloud=cloud,
        region=region,
        instance_type=kind,
        vcpus=_number(cpus),
        memory_gib=_number(memory),
        accelerator=accel or None,
        accelerator_count=_number(count),
        price=_number(price),
        spot_price=_number(spot),
    )


def _number(text: str) -> float | None:
    """A float, or None for an empty / NaN cell (pandas writes missing values either way)."""
    if not text:
        return None
    number = float(text)
    return None if math.isnan(number) else number


def _collapse(rows: Iterable[Row]) -> list[Row]:
    """One row per (instance type, accelerator, count), each price the cheapest over zones.

    SkyPilot publishes one row per zone; our snapshot is already collapsed this way.
    """
    merged: dict[tuple[str, str | None, float | None], Row] = {}
    for row in rows:
        key = (row.instance_type, row.accelerator, row.accelerator_count)
        seen = merged.get(key)
        merged[key] = row if seen is None else _cheaper(seen, row)
    return list(merged.values())


def _cheaper(a: Row, b: Row) -> Row:
    """`a` with each price the lower of the two zones' (a positive price beats 0 / unknown)."""
    return replace(a, price=_min(a.price, b.price), spot_price=_min(a.spot_price, b.spot_price))


def _min(a: float | None, b: float | None) -> float | None:
    known = [p for p in (a, b) if p is not None]
    return min([p for p in known if p > 0] or known, default=None)


# -- network prices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bracket:
    """Up to `up_to_gb` (inclusive): `per_gb` for this slice, or for the whole volume."""

    up_to_gb: float
    per_gb: float
    whole_volume: bool = False


@dataclass(frozen=True)
class Tiers:
    """Volume pricing in one shape for every cloud's encoding.

    A graduated bracket charges the slice of the volume inside it; a whole-volume bracket,
    when the volume ends in it, prices all of it at its rate (SkyPilot's GCP tiers, and its
    "above 150 TB" rule for AWS and Azure). Graduated brackets never follow whole-volume ones.
    """

    brackets: tuple[Bracket, ...]

    def cost(self, gb: float) -> float:
        """USD for `gb` (>= 0)."""
        below = charged = 0.0
        for bracket in self.brackets:
            if gb <= bracket.up_to_gb:
                if bracket.whole_volume:
                    return gb * bracket.per_gb
                return charged + (gb - below) * bracket.per_gb
            charged += (bracket.up_to_gb - below) * bracket.per_gb
            below = bracket.up_to_gb
        raise AssertionError("the last bracket is unbounded (checked on load)")

    @classmethod
    def parse(cls, data: Any, where: str) -> Tiers:
        """From `[{"up_to_gb": 1024 | null, "per_gb": 0.12, "whole_volume": true}, ...]`."""
        brackets = tuple(
            Bracket(
                math.inf if b["up_to_gb"] is None else float(b["up_to_gb"]),
                float(b["per_gb"]),
                bool(b.get("whole_volume", False)),
            )
            for b in data
        )
        limits = [b.up_to_gb for b in brackets]
        wholes = [b.whole_volume for b in brackets]
        if not brackets or limits[-1] != math.inf or limits != sorted(set(limits)):
            raise ValueError(f"{where}: brackets must rise strictly and end with up_to_gb null")
        if wholes != sorted(wholes):
            raise ValueError(f"{where}: a graduated bracket follows a whole-volume one")
        return cls(brackets)


@dataclass(frozen=True)
class Rates:
    """A per-GB rate for a source region: its own, else its area's, else the cloud default."""

    default: float
    by_area: Mapping[str, float]
    by_region: Mapping[str, float]

    def of(self, region: str, area: str | None) -> float:
        if region in self.by_region:
            return self.by_region[region]
        return self.by_area.get(area or "", self.default)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Rates:
        floats = {
            k: {r: float(v) for r, v in data.get(k, {}).items()} for k in ("by_area", "by_region")
        }
        return cls(float(data["default"]), floats["by_area"], floats["by_region"])


@dataclass(frozen=True)
class VpnItem:
    """Something a VPN link or gateway is billed for (a connection, a tunnel, a gateway)."""

    unit: str
    per_hour: float


@dataclass(frozen=True)
class CloudPrices:
    """One cloud's section of network.json."""

    storage: Tiers
    internet: Tiers
    internet_reference: float  # the per-GB rate `internet` tiers were written for
    internet_rates: Rates
    inter_region_rates: Rates
    vpn: Mapping[str, VpnItem]
    gateway: Mapping[str, int]  # item -> count, for one site's VPN gateway

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str) -> CloudPrices:
        internet, vpn = data["internet"], data["vpn"]
        return cls(
            storage=Tiers.parse(data["storage"]["tiers"], f"{where}.storage"),
            internet=Tiers.parse(internet["tiers"], f"{where}.internet"),
            internet_reference=float(internet["reference_per_gb"]),
            internet_rates=Rates.parse(internet["rates"]),
            inter_region_rates=Rates.parse(data["inter_region"]["rates"]),
            vpn={k: VpnItem(v["unit"], float(v["per_hour"])) for k, v in vpn["prices"].items()},
            gateway={k: int(n) for k, n in vpn["gateway"].items()},
        )


@dataclass(frozen=True)
class LinkKind:
    """What one link between two sites is made of: items per cloud, and tunnels in all."""

    kind: str
    tunnels: int
    uses: Mapping[str, Mapping[str, int]]  # cloud -> VPN item -> count

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> LinkKind:
        uses = {c: {k: int(n) for k, n in items.items()} for c, items in data["uses"].items()}
        return cls(str(data["kind"]), int(data["tunnels"]), uses)


@dataclass(frozen=True)
class NetworkPrices:
    """network.json, parsed and checked once (a typo in the data fails on load, not mid-plan)."""

    label: str
    snapshot: str
    units: Mapping[str, str]
    sources: Mapping[str, str]
    hours_per_month: float
    clouds: Mapping[str, CloudPrices]
    same_cloud: LinkKind
    between: Mapping[frozenset[str], LinkKind]

    @classmethod
    def read(cls, source: _Source) -> NetworkPrices:
        data = _read_json(source)
        try:
            prices = cls(
                label=source.label,
                snapshot=str(data["snapshot"]),
                units=dict(data["units"]),
                sources=dict(data["sources"]),
                hours_per_month=float(data["hours_per_month"]),
                clouds={c: CloudPrices.parse(d, f"clouds.{c}") for c, d in data["clouds"].items()},
                same_cloud=LinkKind.parse(data["links"]["same_cloud"]),
                between={
                    frozenset(d["clouds"]): LinkKind.parse(d)
                    for d in data["links"]["between_clouds"]
                },
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CatalogError(f"{source.label}: malformed network prices ({err!r})") from None
        prices._check_items()
        return prices

    def cloud(self, name: str) -> CloudPrices:
        """`name`'s prices; a `SpecError` for an unknown cloud or one without prices."""
        _cloud(name)
        if name not in self.clouds:
            raise CatalogError(f"no network prices for {name} in {self.label}")
        return self.clouds[name]

    def link_kind(self, a: str, b: str) -> LinkKind:
        """How clouds `a` and `b` are linked (the same cloud: native peering)."""
        if a == b:
            return self.same_cloud
        kind = self.between.get(frozenset((a, b)))
        if kind is None:
            raise CatalogError(f"no {a} <-> {b} link prices in {self.label}")
        return kind

    def hourly(self, uses: Mapping[str, Mapping[str, int]]) -> float:
        """USD per hour of `uses` (cloud -> item -> count)."""
        return sum(
            count * self.cloud(c).vpn[item].per_hour
            for c, items in uses.items()
            for item, count in items.items()
        )

    def _check_items(self) -> None:
        """Every link and gateway names VPN items its cloud prices."""
        uses = [kind.uses for kind in (self.same_cloud, *self.between.values())]
        uses += [{cloud: prices.gateway} for cloud, prices in self.clouds.items()]
        for use in uses:
            for cloud, items in use.items():
                priced = self.clouds[cloud].vpn if cloud in self.clouds else {}
                missing = sorted(set(items) - set(priced))
                if missing:
                    raise CatalogError(f"{self.label}: {cloud} VPN items {missing} have no price")


class Egress:
    """Monthly USD to move a flow's volume out of a site (`placement.problem.EgressModel`).

    `internet` scales the cloud's volume tiers by the source region's base rate over the rate
    the tiers were written for, and never goes below `inter_region`: the optimiser's exact
    linearisation needs internet >= inter-region >= 0 for every volume, which raw tiers would
    break at the edges (AWS's free first GB; whole-volume discounts above 150 TB).
    """

    def __init__(self, prices: NetworkPrices, geo: Geo) -> None:
        self._prices = prices
        self._geo = geo
        self._rates: dict[Site, tuple[float, float]] = {}

    def inter_region(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another region of its cloud, at the source's intra-area rate."""
        return self.rates(src)[0] * gb

    def internet(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another cloud or the internet, tiered by volume."""
        cloud = self._prices.cloud(src.cloud)
        scale = self.rates(src)[1] / cloud.internet_reference
        return max(cloud.internet.cost(gb) * scale, self.inter_region(src, gb))

    def rates(self, src: Site) -> tuple[float, float]:
        """(inter-region, internet first-tier) USD per GB from `src` (cached: the optimiser
        prices every flow at every candidate site)."""
        if src not in self._rates:
            cloud = self._prices.cloud(src.cloud)
            area = self._geo.area(src.cloud, src.region)
            self._rates[src] = (
                cloud.inter_region_rates.of(src.region, area),
                cloud.internet_rates.of(src.region, area),
            )
        return self._rates[src]


class Links:
    """Monthly USD of VPN links and gateways (`placement.problem.LinkModel`), plus display."""

    def __init__(self, prices: NetworkPrices) -> None:
        self._prices = prices

    def link(self, a: Site, b: Site) -> float:
        """The tunnels / connections of one link (symmetric; 0 for native peering)."""
        return self._monthly(self._prices.link_kind(a.cloud, b.cloud).uses)

    def gateway(self, site: Site) -> float:
        """The site's VPN gateway, shared by all its cross-cloud links."""
        return self._monthly({site.cloud: self._prices.cloud(site.cloud).gateway})

    def tunnels(self, a: Site, b: Site) -> int:
        return self._prices.link_kind(a.cloud, b.cloud).tunnels

    def kind(self, a: Site, b: Site) -> str:
        """`"HA VPN"`: what the catalog calls a link between these sites' clouds."""
        return self._prices.link_kind(a.cloud, b.cloud).kind

    def describe(self, a: Site, b: Site) -> str:
        """`"HA VPN (2 aws Site-to-Site VPN connections, 4 gcp HA VPN tunnels)"`."""
        kind = self._prices.link_kind(a.cloud, b.cloud)
        parts = [
            f"{n} {cloud} {self._prices.cloud(cloud).vpn[item].unit}{'s' if n != 1 else ''}"
            for cloud in sorted(kind.uses)
            for item, n in kind.uses[cloud].items()
        ]
        return f"{kind.kind} ({', '.join(parts)})" if parts else kind.kind

    def _monthly(self, uses: Mapping[str, Mapping[str, int]]) -> float:
        return self._prices.hourly(uses) * self._prices.hours_per_month


# -- geography --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geo:
    """geo.json: each region's tags (one jurisdiction, one area), and every known code."""

    label: str
    snapshot: str
    source: str
    codes: Mapping[str, str]  # code -> what it means
    area_order: tuple[str, ...]
    tags: Mapping[tuple[str, str], frozenset[str]]  # (cloud, region) -> tags

    @classmethod
    def read(cls, source: _Source) -> Geo:
        data = _read_json(source)
        try:
            tags = {
                (cloud, region): frozenset(entry["tags"])
                for cloud, regions in data["regions"].items()
                for region, entry in regions.items()
            }
            geo = cls(
                source.label,
                str(data["snapshot"]),
                str(data["source"]),
                dict(data["codes"]),
                tuple(data["areas"]),
                tags,
            )
        except (KeyError, TypeError) as err:
            raise CatalogError(f"{source.label}: malformed geo table ({err!r})") from None
        unknown = {t for found in tags.values() for t in found} - set(geo.codes)
        unknown |= set(geo.area_order) - set(geo.codes)
        if unknown:
            raise CatalogError(f"{source.label}: tags {sorted(unknown)} are not listed under codes")
        return geo

    def area(self, cloud: str, region: str) -> str | None:
        """The region's area tag (`"europe"`), None when the region is not in the table."""
        tags = self.tags.get((cloud, region), frozenset())
        return next((a for a in self.area_order if a in tags), None)


def _read_json(source: _Source) -> dict[str, Any]:
    assert source.file is not None
    try:
        data = json.loads(source.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CatalogError(f"{source.label}: unreadable ({err})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{source.label}: expected a JSON object")
    return data
