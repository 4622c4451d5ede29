"""The region geography (`data/geo.json`): each region's jurisdiction and area, and every code.

Hand-made package data, read on first use; `Catalog.geo_tags` / `check_geo` are its queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from skyinfra.catalog.source import Source, read_json
from skyinfra.errors import CatalogError
from skyinfra.suggest import did_you_mean


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
    def read(cls, source: Source) -> Geo:
        data = read_json(source)
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


def did_you_mean_code(code: str, known: list[str]) -> str | None:
    """Like `did_you_mean`, but also catches swapped letters ("ue" for "eu").

    Two-letter codes are too short for difflib's ratio to rate a transposition as close.
    """
    swapped = [k for k in known if sorted(k) == sorted(code.lower())]
    if swapped:
        return f"did you mean {' or '.join(map(repr, swapped))}?"
    return did_you_mean(code, known)
