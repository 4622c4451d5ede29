"""The VM price tables: one cloud's CSV split by region, its lines turned into `Row`s lazily.

Rows come from the bundled snapshot (`data/<cloud>.csv.gz`, built by `tools/build_catalog.py`)
or from a directory in SkyPilot's published layout. Each cloud's file is parsed on first use
only (Azure alone has ~56k rows); `Catalog` turns rows into offers per (cloud, region).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

from skyinfra.catalog.source import Source
from skyinfra.errors import CatalogError
from skyinfra.offer import Row

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
_ACCELERATOR = list(COLUMNS).index("accelerator")
# Read when the file has it (the AWS snapshot does; SkyPilot's `Arch` on some clouds' files):
# the source's own architecture beats name rules, which miss families such as m8gb.
ARCH_COLUMNS = ("arch", "Arch")
_ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}


def file_candidates(cloud: str) -> tuple[str, str]:
    """File names a catalog directory may hold for `cloud`, in order of preference."""
    return f"{cloud}/vms.csv", f"{cloud}_vms.csv"


def directory_source(root: Path, cloud: str) -> Source:
    for name in file_candidates(cloud):
        if (root / name).is_file():
            return Source(str(root / name), root / name)
    return Source(f"{root}/{file_candidates(cloud)[0]} (missing)")


class VmTable:
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
    def read(cls, cloud: str, source: Source) -> VmTable:
        """Split `source` by region, skipping blank, short and repeated-header lines."""
        assert source.file is not None
        try:
            with source.file.open("rb") as raw:
                binary: IO[bytes] | gzip.GzipFile = (
                    gzip.GzipFile(fileobj=raw) if source.file.name.endswith(".gz") else raw
                )
                reader = csv.reader(io.TextIOWrapper(binary, encoding="utf-8", newline=""))
                header = next(reader, [])
                index = _column_index(header, source.label)
                width, at = max(index) + 1, index[0]
                index.append(_arch_index(header))
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


def _arch_index(header: list[str]) -> int:
    """Position of the optional arch column, -1 when the file has none."""
    positions = {name.strip(): i for i, name in enumerate(header)}
    return next((positions[c] for c in ARCH_COLUMNS if c in positions), -1)


def _arch(text: str) -> str | None:
    """`x86_64` / `arm64` from the arch cell; None (name rules decide) when empty."""
    if not text:
        return None
    if text.lower() not in _ARCHES:
        raise ValueError(f"unknown arch {text!r} (expected one of {', '.join(_ARCHES)})")
    return _ARCHES[text.lower()]


def _row(cloud: str, record: list[str], index: Sequence[int]) -> Row:
    """One `Row` from a split line.

    Columns are taken by position from the header, so a stray unquoted comma after the
    columns read here (Azure's `V1,V2` generation field) does no harm. The last index is
    the optional arch column (-1: none).
    """
    *fields, arch_at = index
    region, kind, cpus, memory, accel, count, price, spot = (record[i].strip() for i in fields)
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
        arch=_arch(record[arch_at].strip()) if 0 <= arch_at < len(record) else None,
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
