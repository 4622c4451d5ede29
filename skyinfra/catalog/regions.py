"""Real region names (`data/regions.json`), kept apart from the priced ones.

A region a provider runs but the price catalog lacks (AWS eu-central-2, Zurich) is "not in the
price catalog", with what to do about it; only a name no provider lists is unknown and gets a
did-you-mean. Hand-made package data with its sources in the file, read on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from skyinfra.catalog.source import Source, read_json
from skyinfra.errors import CatalogError


@dataclass(frozen=True)
class RegionNames:
    """regions.json: each cloud's real region names, and where the list comes from."""

    label: str
    names: Mapping[str, frozenset[str]]  # cloud -> region names
    sources: Mapping[str, str]  # cloud -> where its list comes from

    @classmethod
    def read(cls, source: Source) -> RegionNames:
        data = read_json(source)
        try:
            names = {cloud: frozenset(map(str, found)) for cloud, found in data["regions"].items()}
            sources = {cloud: str(text) for cloud, text in data["source"].items()}
        except (KeyError, TypeError, AttributeError) as err:
            raise CatalogError(f"{source.label}: malformed region list ({err!r})") from None
        return cls(source.label, names, sources)

    def real(self, cloud: str, region: str) -> bool:
        """Whether `cloud` runs a region called `region` (priced or not)."""
        return region in self.names.get(cloud, frozenset())
