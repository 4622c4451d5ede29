"""The VM price catalog: which offers exist per (cloud, region), and the cheapest that fits.

Rows come from the bundled snapshot (`data/<cloud>.csv.gz`, built by `tools/build_catalog.py`)
or from a directory in SkyPilot's published layout. Each cloud's file is parsed on first use
only (Azure alone has ~56k rows), and offers are built per (cloud, region) on demand through
the cloud's own `offers_from_rows`, so no code here knows a provider's quirks.
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
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from skyinfra.catalog.model import Offer, Row
from skyinfra.errors import KeyPath, SpecError
from skyinfra.spec import Resources
from skyinfra.suggest import did_you_mean

if TYPE_CHECKING:
    from skyinfra.clouds.base import Cloud

__all__ = ["Catalog", "Offer", "Row", "describe", "load_catalog"]

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


@dataclass(frozen=True)
class _Source:
    """Where one cloud's rows come from (`file` None: this catalog has no data for it)."""

    label: str
    file: Traversable | None = None


class Catalog:
    """Price rows per cloud, parsed lazily, with offers cached per (cloud, region)."""

    def __init__(
        self, sources: Mapping[str, _Source], *, origin: str, meta: Mapping[str, Any] | None = None
    ) -> None:
        self._sources = dict(sources)
        self._origin = origin
        self._meta = dict(meta or {})
        self._tables: dict[str, _Table] = {}
        self._offers: dict[tuple[str, str], list[Offer]] = {}
        # Specs repeat the same request many times (a fleet of identical groups).
        self._matches: dict[tuple[str, str, Resources, bool], list[Offer]] = {}

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
            raise SpecError(
                f"no catalog file found in {str(root)!r}",
                hint=f"expected one of: {expected}",
            )
        return cls(sources, origin=str(root))

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
        key = (cloud, region, resources, spot)
        if key not in self._matches:
            fits = [o for o in self.offers(cloud, region) if _fits(o, resources, spot)]
            self._matches[key] = sorted(fits, key=lambda o: (o.hourly(spot), o.instance_type))
        return list(self._matches[key])

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
        return {
            "snapshot": self._meta.get("snapshot"),
            "source": self._origin,
            "units": "USD per hour",
            "clouds": clouds,
        }

    # -- internals ------------------------------------------------------------------------

    def _table(self, cloud: str) -> _Table:
        """`cloud`'s file, read on first use."""
        if cloud not in self._tables:
            _cloud(cloud)  # unknown cloud name -> SpecError with did-you-mean
            source = self._sources.get(cloud, _Source("none"))
            self._tables[cloud] = _Table.read(cloud, source) if source.file else _Table(cloud)
        return self._tables[cloud]

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


def _fits(offer: Offer, want: Resources, spot: bool) -> bool:
    price = offer.hourly(spot)
    return (
        price is not None
        and price > 0
        and offer.arch == want.arch
        and (want.burstable or not offer.burstable)
        and (want.cpus is None or want.cpus.satisfied_by(offer.vcpus))
        and (want.memory is None or want.memory.satisfied_by(offer.memory_gib))
        and _accelerators_fit(offer, want)
    )


def _accelerators_fit(offer: Offer, want: Resources) -> bool:
    """Exact count of the named accelerator; CPU-only requests get CPU-only offers."""
    if want.accelerators is None:
        return not offer.accelerator
    return (
        (offer.accelerator or "").lower() == want.accelerators.name.lower()
        and offer.accelerator_count == want.accelerators.count
    )


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

    @classmethod
    def read(cls, cloud: str, source: _Source) -> _Table:
        """Split `source` by region, skipping blank, short and repeated-header lines."""
        assert source.file is not None
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
        return cls(cloud, source.label, index, dict(records))

    def rows(self, region: str) -> list[Row]:
        """`region`'s rows, one per (instance type, accelerator, count), converted once."""
        if region not in self._rows:
            lines = self.records.get(region, [])
            try:
                self._rows[region] = _collapse(_row(self.cloud, ln, self.index) for ln in lines)
            except ValueError as err:
                raise SpecError(f"{self.label}: unreadable {region} line ({err})") from None
        return self._rows[region]

    def accelerator_regions(self) -> dict[str, set[str]]:
        """Accelerator name -> regions whose lines name it, without converting any line."""
        at = self.index[_ACCELERATOR]
        found: dict[str, set[str]] = defaultdict(set)
        for region, lines in self.records.items():
            for line in lines:
                if name := line[at].strip():
                    found[name].add(region)
        return found


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
        raise SpecError(f"{label} is not a VM price catalog: no column {', '.join(missing)}")
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
