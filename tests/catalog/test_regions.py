"""`data/regions.json`: each cloud's real region names, a superset of the priced and tagged ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skyinfra.catalog import Catalog
from skyinfra.catalog.regions import RegionNames
from skyinfra.catalog.source import Source, bundled, package_data
from skyinfra.clouds import cloud_names
from skyinfra.errors import CatalogError

NAMES = RegionNames.read(bundled("regions.json"))
GEO = json.loads(package_data().joinpath("geo.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("cloud", cloud_names())
def test_every_priced_region_is_a_real_one(cloud: str) -> None:
    assert set(Catalog.bundled().regions(cloud)) <= NAMES.names[cloud]
    assert NAMES.sources[cloud]


@pytest.mark.parametrize("cloud", cloud_names())
def test_every_tagged_region_is_a_real_one(cloud: str) -> None:
    assert set(GEO["regions"][cloud]) <= NAMES.names[cloud]


def test_a_malformed_list_is_named(tmp_path: Path) -> None:
    path = tmp_path / "regions.json"
    path.write_text('{"regions": {"aws": ["us-east-1"]}}', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"regions\.json: malformed region list"):
        RegionNames.read(Source(str(path), path))
