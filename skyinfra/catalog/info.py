"""What `skyinfra catalog info` reports: per-cloud VM files, network prices and geography.

Plain dicts (the `--json` output): key order is part of the output, so it is kept here once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from skyinfra.catalog.geo import Geo
from skyinfra.catalog.network import CloudPrices, NetworkPrices
from skyinfra.catalog.source import Source, cloud_names
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
            "vpn": vpn_entry(network),
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
    cloud: str, source: Source, table: VmTable, meta: Mapping[str, Any], origin: str = "bundled"
) -> dict[str, Any]:
    """One cloud's file, where it comes from (`"bundled"` or the user's catalog), row and
    region counts, and the snapshot's notes on it (`meta`: the notes that apply to it)."""
    rows = [row for region in table.records for row in table.rows(region)]
    entry: dict[str, Any] = {
        "file": source.label,
        "rows": len(rows),
        "regions": len(table.records),
        "instance_types": len({row.instance_type for row in rows if row.instance_type}),
        "from": origin,
        "snapshot": meta.get("snapshot") or "unknown",
    }
    if source.file is None:
        entry["note"] = f"no {cloud} file in this catalog: no {cloud} offers"
    notes = meta.get("clouds", {}).get(cloud, {})
    entry.update({k: notes[k] for k in ("source", "coverage") if k in notes})
    return entry


def vpn_entry(network: NetworkPrices) -> dict[str, Any]:
    """Each cloud's side of a VPN link and its gateway, as the file prices them, and every
    cross-cloud link those sides compose (what `plan` charges per link and per gateway)."""
    sides = {cloud: _side(prices) for cloud, prices in network.clouds.items()}
    for cloud, side in sides.items():
        side["gateway_monthly_cost"] = round(
            network.monthly({cloud: network.clouds[cloud].gateway}), 2
        )
    links = []
    known = [c for c in network.clouds if c in cloud_names()]  # a user file may name others
    for a, b in itertools.combinations(known, 2):
        kind = network.link_kind(a, b)
        links.append(
            {
                "clouds": [a, b],
                "kind": kind.kind,
                "tunnels": kind.tunnels,
                "uses": {c: dict(items) for c, items in kind.uses.items()},
                "composition": network.composition(kind.uses),
                "monthly_cost": round(network.monthly(kind.uses), 2),
            }
        )
    return {"sides": sides, "links": links}


def _side(prices: CloudPrices) -> dict[str, Any]:
    """One cloud's link items (per tunnels) and gateway items, with their hourly prices."""

    def item(name: str, **count: int) -> dict[str, Any]:
        priced = prices.vpn[name]
        return {
            "item": name,
            "unit": priced.unit,
            **count,
            "per_hour": priced.per_hour,
            "confidence": priced.confidence,
        }

    link = prices.link
    return {
        "kind": link.kind,
        "kind_precedence": link.kind_precedence,
        "per_link": [item(n, tunnels_each=each) for n, each in link.tunnels_each.items()],
        "gateway": [item(n, count=count) for n, count in prices.gateway.items()],
    }
