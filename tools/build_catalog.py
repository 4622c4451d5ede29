"""Build the bundled price catalog from the normalised snapshot (run by hand, output committed).

    python tools/build_catalog.py [SNAPSHOT_DIR]   # default: ../shared/catalog beside the repository

Reads `<cloud>_vms.csv` (header in the snapshot's SOURCE.md) and writes
`skyinfra/catalog/data/<cloud>.csv.gz` plus `SOURCE.json`. The cloud and zone columns are
dropped (the file name says the cloud; planning is per region), the optional `arch` column is
kept where the snapshot has it (AWS: the source's own x86_64 / arm64, better than name rules),
accelerator names lose their spaces (`RTX PRO 4500` -> `RTXPRO4500`, so a spec can name
them), rows are sorted, and gzip's header timestamp is pinned so re-running on the same input
gives byte-identical files: the package data only changes in review when prices do.
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
SNAPSHOT_IN = Path("shared") / "catalog"  # beside the checkout, or beside a parent of it

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
ARCH = "arch"  # optional trailing column, written only for clouds whose snapshot has it
_ACCELERATOR = HEADER.index("accelerator")

# Provenance, copied from the snapshot's SOURCE.md (data, so provider names are fine here).
CLOUDS: dict[str, dict[str, str]] = {
    "aws": {
        "source": "github.com/anycloud-sh/catalog, commit 5134b895, aws/vms.csv (a bootstrap "
        "copy of SkyPilot's AWS catalog), aggregated per (instance type, region); on-demand "
        "prices identical to SkyPilot's v8 file (commit 00148f2a) on the rows they share",
        "coverage": "current-generation families (general, compute, memory, storage, "
        "burstable t3/t3a/t4g, Graviton, GPU g4dn/g5/g5g/g6/g6e/g6f/gr6/g7/g7e/p3dn/p4d/p4de/"
        "p5/p5e/p5en/p6, Inferentia, Trainium, HPC) in 23 regions; legacy families (a1, c1, "
        "c3, c4, d2, f1/f2, g3, h1, i2, m1-m4, mac*, p2, r3, r4, t1, t2, u-*, vt1, x1, x1e) "
        "are left out. Architecture from the source's arch column. Spot minima may come from "
        "Local Zones; rows without an on-demand price (p5e.48xlarge, some m7gd/trn1 regions) "
        "are not launchable on demand.",
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
    "A trailing arch column (x86_64 / arm64) is present where the source has one; other "
    "clouds' architecture comes from name rules.",
]


def read_snapshot(path: Path) -> tuple[list[str], list[list[str]]]:
    """The output header and the rows of one snapshot file in its column order, junk
    header-like lines skipped; `arch` is kept when the snapshot has that column."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [*HEADER, ARCH] if ARCH in (reader.fieldnames or []) else HEADER
        rows = list(reader)
    columns = [SNAPSHOT_COLUMNS.get(col, col) for col in header]
    picked = [[(row[col] or "").strip() for col in columns] for row in rows]
    for row in picked:
        row[_ACCELERATOR] = accelerator_name(row[_ACCELERATOR])
    kept = (row for row in picked if row[0] and row[0] != "region")
    return header, sorted(kept, key=sort_key)


def accelerator_name(name: str) -> str:
    """The source's name without spaces (`RTX PRO 4500` -> `RTXPRO4500`, as it already spells
    `RTXPRO6000`): spec requests are `NAME:COUNT` with no spaces in NAME."""
    return "".join(name.split())


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


def write_gzip_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Deterministic gzip: fixed mtime, no file name in the header, '\\n' line endings."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def build(snapshot: Path, out: Path) -> dict[str, dict[str, object]]:
    """Write every cloud's file; return per-cloud provenance for SOURCE.json."""
    out.mkdir(parents=True, exist_ok=True)
    clouds: dict[str, dict[str, object]] = {}
    for cloud, meta in CLOUDS.items():
        header, rows = read_snapshot(snapshot / f"{cloud}_vms.csv")
        check_unique(cloud, rows)
        write_gzip_csv(out / f"{cloud}.csv.gz", header, rows)
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


def default_snapshot() -> Path:
    """`../shared/catalog` from the repository root, or from the nearest parent that has one
    (a git worktree under `wt/` sits one level deeper than the main checkout)."""
    for parent in ROOT.parents:
        if (parent / SNAPSHOT_IN).is_dir():
            return parent / SNAPSHOT_IN
    return ROOT.parent / SNAPSHOT_IN


def main(argv: list[str]) -> None:
    snapshot = Path(argv[1]) if len(argv) > 1 else default_snapshot()
    if not snapshot.is_dir():
        raise SystemExit(f"no snapshot directory {snapshot}: pass it as the first argument")
    clouds = build(snapshot, OUT)
    document = json.dumps(source_document(clouds), indent=2) + "\n"
    (OUT / "SOURCE.json").write_text(document, encoding="utf-8")
    for cloud, meta in clouds.items():
        print(f"{cloud}: {meta['rows']} rows, {meta['regions']} regions")


if __name__ == "__main__":
    main(sys.argv)
