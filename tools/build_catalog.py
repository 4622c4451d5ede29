"""Build the bundled price catalog from the normalised snapshot (run by hand, output committed).

    python tools/build_catalog.py [SNAPSHOT_DIR]   # default: ../shared/catalog beside the repository

Reads `<cloud>_vms.csv` (header in the snapshot's SOURCE.md) and writes
`skyinfra/catalog/data/<cloud>.csv.gz` plus `SOURCE.json`. The cloud and zone columns are
dropped (the file name says the cloud; planning is per region), rows are sorted, and gzip's
header timestamp is pinned so re-running on the same input gives byte-identical files: the
package data only changes in review when prices do.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "skyinfra" / "catalog" / "data"
DEFAULT_SNAPSHOT = ROOT.parent / "shared" / "catalog"  # shared/ sits beside the checkout

SNAPSHOT_DATE = "2026-11-24"
HEADER = [
    "region",
    "instance_type",
    "vcpus",
    "memory_gib",
    "accelerator",
    "accelerator_count",
    "price",
    "spot_price",
]
# Output column -> column of the normalised snapshot.
SNAPSHOT_COLUMNS = dict(zip(HEADER, [*HEADER[:6], "price_hour", "spot_price_hour"], strict=True))

# Provenance, copied from the snapshot's SOURCE.md (data, so provider names are fine here).
CLOUDS: dict[str, dict[str, str]] = {
    "aws": {
        "source": "github.com/skypilot-org/skypilot-catalog, catalogs/v8/aws/vms.csv "
        "(commit 00148f2a)",
        "coverage": "selected families only: CPU c5, c6i, c7i, m6i, m7i, r6i, r7i (x86_64) and "
        "GPU g4dn, p4d, p4de, p5e, p5en, p6-b200, p6-b300; every other family (m5, r5, g5, g6, "
        "p3, p5, Graviton, burstable, ...) is missing. Spot minima may come from Local Zones.",
    },
    "gcp": {
        "source": "github.com/anycloud-sh/catalog, commit 62ff0a98 (2026-05-20), gcp/vms.csv "
        "(a mirror of SkyPilot's GCP catalog)",
        "coverage": "complete. GPU prices are separate rows with an empty instance_type, added "
        "to their host machine type's price at query time; TPU rows are accelerator-only.",
    },
    "azure": {
        "source": "github.com/anycloud-sh/catalog, commit 62ff0a98 (2026-05-20), azure/vms.csv",
        "coverage": "complete; the source's unquoted V1,V2 generation field was dropped.",
    },
}
NOTES = [
    "Prices are USD per hour, the minimum over the zones of a region; empty = unknown.",
    "Price 0 or empty marks capacity-block-only or unpriced SKUs: not launchable that way.",
    "Spot prices drift daily; the spot column is indicative.",
]


def read_snapshot(path: Path) -> list[list[str]]:
    """Rows of one snapshot file in output column order, junk header-like lines skipped."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    picked = [[row[SNAPSHOT_COLUMNS[col]].strip() for col in HEADER] for row in rows]
    return sorted((row for row in picked if row[0] and row[0] != "region"), key=sort_key)


def sort_key(row: list[str]) -> tuple[str, str, str, float]:
    """(region, instance_type, accelerator, count): the catalog's natural key."""
    return row[0], row[1], row[4], float(row[5] or 0)


def check_unique(cloud: str, rows: Iterable[list[str]]) -> None:
    """The snapshot promises one row per key; a duplicate would make prices ambiguous."""
    seen: set[tuple[str, str, str, float]] = set()
    for row in rows:
        key = sort_key(row)
        if key in seen:
            raise SystemExit(f"{cloud}: duplicate catalog key {key}")
        seen.add(key)


def write_gzip_csv(path: Path, rows: list[list[str]]) -> None:
    """Deterministic gzip: fixed mtime, no file name in the header, '\\n' line endings."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def build(snapshot: Path, out: Path) -> dict[str, dict[str, object]]:
    """Write every cloud's file; return per-cloud provenance for SOURCE.json."""
    out.mkdir(parents=True, exist_ok=True)
    clouds: dict[str, dict[str, object]] = {}
    for cloud, meta in CLOUDS.items():
        rows = read_snapshot(snapshot / f"{cloud}_vms.csv")
        check_unique(cloud, rows)
        write_gzip_csv(out / f"{cloud}.csv.gz", rows)
        clouds[cloud] = {
            "file": f"{cloud}.csv.gz",
            "rows": len(rows),
            "regions": len({row[0] for row in rows}),
            **meta,
        }
    return clouds


def source_document(clouds: dict[str, dict[str, object]]) -> dict[str, object]:
    return {
        "snapshot": SNAPSHOT_DATE,
        "units": "USD per hour",
        "columns": HEADER,
        "notes": NOTES,
        "clouds": clouds,
    }


def main(argv: list[str]) -> None:
    snapshot = Path(argv[1]) if len(argv) > 1 else DEFAULT_SNAPSHOT
    clouds = build(snapshot, OUT)
    document = json.dumps(source_document(clouds), indent=2) + "\n"
    (OUT / "SOURCE.json").write_text(document, encoding="utf-8")
    for cloud, meta in clouds.items():
        print(f"{cloud}: {meta['rows']} rows, {meta['regions']} regions")


if __name__ == "__main__":
    main(sys.argv)
