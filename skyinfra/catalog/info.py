"""What `skyinfra catalog info` reports: per-cloud VM files, network prices and geography.

Plain dicts (the `--json` output): key order is part of the output, so it is kept here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyinfra.catalog.geo import Geo
from skyinfra.catalog.network import NetworkPrices
from skyinfra.catalog.source import Source
from skyinfra.catalog.tables import VmTable


def summary(
    *,
    meta: Mapping[str, Any],
    origin: str,
    clouds: Mapping[str, dict[str, Any]],
    network: NetworkPrices,
    geo: Geo,
) -> dict[str, Any]:
    """The whole report, given each cloud's entry (`cloud_entry`)."""
    return {
        "snapshot": meta.get("snapshot"),
        "source": origin,
        "units": "USD per hour",
        "clouds": dict(clouds),
        "network": {
            "file": network.label,
            "snapshot": network.snapshot,
            "units": network.units,
            "sources": network.sources,
        },
        "geo": {
            "file": geo.label,
            "snapshot": geo.snapshot,
            "source": geo.source,
            "regions": len(geo.tags),
            "codes": len(geo.codes),
        },
    }


def cloud_entry(
    cloud: str, source: Source, table: VmTable, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """One cloud's file, row and region counts, and the snapshot's notes on it."""
    entry: dict[str, Any] = {
        "file": source.label,
        "rows": sum(len(table.rows(region)) for region in table.records),
        "regions": len(table.records),
    }
    if source.file is None:
        entry["note"] = f"no {cloud} file in this catalog: no {cloud} offers"
    notes = meta.get("clouds", {}).get(cloud, {})
    entry.update({k: notes[k] for k in ("source", "coverage") if k in notes})
    return entry
