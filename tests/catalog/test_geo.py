"""The geo table (every bundled region tagged) and `Catalog.search` across clouds and regions."""

from __future__ import annotations

from typing import Any

import pytest

from skyinfra.catalog import Catalog
from skyinfra.errors import SpecError
from skyinfra.spec import Resources

CATALOG = Catalog.bundled()
CLOUDS = ("aws", "gcp", "azure")
AREAS = {"na", "sa", "europe", "asia", "oceania", "me", "af"}


def want(**fields: Any) -> Resources:
    return Resources.model_validate(fields)


# -- the table --------------------------------------------------------------------------------


def test_every_bundled_region_has_geo_tags() -> None:
    regions = [(c, r) for c in CLOUDS for r in CATALOG.regions(c)]
    assert len(regions) == 125
    assert [site for site in regions if not CATALOG.geo_tags(*site)] == []


def test_every_region_has_one_area_and_at_most_one_jurisdiction() -> None:
    for cloud in CLOUDS:
        for region in CATALOG.regions(cloud):
            tags = CATALOG.geo_tags(cloud, region)
            assert len(tags & AREAS) == 1, (cloud, region, tags)
            assert len(tags - AREAS) <= 1, (cloud, region, tags)
            assert tags <= set(CATALOG.geo_codes())


@pytest.mark.parametrize(
    ("cloud", "region", "tags"),
    [
        ("aws", "eu-west-2", {"uk", "europe"}),  # London
        ("aws", "eu-north-1", {"eu", "europe"}),  # Stockholm: Sweden is in the EU
        ("aws", "me-central-1", {"ae", "me"}),  # UAE
        ("aws", "me-south-1", {"bh", "me"}),  # Bahrain
        ("aws", "af-south-1", {"za", "af"}),  # Cape Town
        ("aws", "sa-east-1", {"br", "sa"}),  # Sao Paulo (not in the VM snapshot)
        ("aws", "ap-southeast-4", {"au", "oceania"}),  # Melbourne
        ("gcp", "europe-west6", {"ch", "europe"}),  # Zurich
        ("gcp", "europe-west4", {"eu", "europe"}),  # Netherlands
        ("gcp", "me-west1", {"il", "me"}),  # Tel Aviv
        ("gcp", "me-central2", {"me"}),  # Dammam: 'sa' would read as South America
        ("gcp", "asia-east1", {"tw", "asia"}),
        ("gcp", "northamerica-south1", {"mx", "na"}),
        ("gcp", "southamerica-west1", {"cl", "sa"}),
        ("azure", "norwayeast", {"no", "europe"}),
        ("azure", "switzerlandnorth", {"ch", "europe"}),
        ("azure", "uksouth", {"uk", "europe"}),
        ("azure", "eastasia", {"hk", "asia"}),
        ("azure", "newzealandnorth", {"nz", "oceania"}),
        ("azure", "qatarcentral", {"qa", "me"}),
        ("azure", "israelcentral", {"il", "me"}),
        ("azure", "mexicocentral", {"mx", "na"}),
    ],
)
def test_region_tags(cloud: str, region: str, tags: set[str]) -> None:
    assert CATALOG.geo_tags(cloud, region) == tags


def test_eu_means_member_states_only() -> None:
    european = [
        (c, r) for c in CLOUDS for r in CATALOG.regions(c) if "europe" in CATALOG.geo_tags(c, r)
    ]
    outside = {(c, r) for c, r in european if CATALOG.geo_tags(c, r) & {"uk", "ch", "no"}}
    assert outside == {
        ("aws", "eu-west-2"),
        ("gcp", "europe-west2"),
        ("gcp", "europe-west6"),
        *(("azure", r) for r in ("uksouth", "ukwest", "switzerlandnorth", "switzerlandwest")),
        *(("azure", r) for r in ("norwayeast", "norwaywest")),
    }
    for site in european:
        assert ("eu" in CATALOG.geo_tags(*site)) == (site not in outside), site


def test_unknown_regions_have_no_tags() -> None:
    assert CATALOG.geo_tags("aws", "mars-north-1") == frozenset()


def test_geo_codes_are_sorted_and_include_areas_and_jurisdictions() -> None:
    codes = CATALOG.geo_codes()
    assert codes == sorted(codes)
    assert AREAS | {"eu", "ch", "uk", "us", "jp"} <= set(codes)
    assert set(CATALOG.geo_areas()) == AREAS


def test_an_unknown_geo_code_suggests_the_swapped_one() -> None:
    with pytest.raises(SpecError) as err:
        CATALOG.check_geo(["eu", "ue"], ("policy", "geo"))
    (problem,) = err.value.problems
    assert problem.message == "unknown geo 'ue'"
    assert problem.path == ("policy", "geo", 1)
    assert problem.hint == "did you mean 'eu'?"


def test_a_far_off_geo_code_lists_the_known_ones() -> None:
    with pytest.raises(SpecError) as err:
        CATALOG.check_geo(["atlantis"])
    assert (err.value.problems[0].hint or "").startswith("known: ae, af, asia")


# -- search -----------------------------------------------------------------------------------


def test_search_is_sorted_by_price_across_clouds() -> None:
    found = CATALOG.search(want(accelerators="A100:8"))
    prices = [o.price for o in found]
    assert prices == sorted(prices)  # type: ignore[type-var]
    assert {o.cloud for o in found} == set(CLOUDS)
    # GCP europe-west4 a2-highgpu-8g: host 6.51251 + 8 A100 12.90919 (see SOURCE.md).
    assert (found[0].cloud, found[0].region, found[0].instance_type) == (
        "gcp",
        "europe-west4",
        "a2-highgpu-8g",
    )
    assert found[0].price == pytest.approx(19.4217)


def test_search_equals_matching_over_every_region() -> None:
    # The accelerator shortcut (skip regions whose lines never name it) loses nothing.
    request = want(accelerators="T4:1")
    brute = {
        (o.cloud, o.region, o.instance_type)
        for c in CLOUDS
        for r in CATALOG.regions(c)
        for o in CATALOG.matching(c, r, request, spot=True)
    }
    found = CATALOG.search(request, spot=True)
    assert {(o.cloud, o.region, o.instance_type) for o in found} == brute
    spot = [o.spot_price for o in found]
    assert spot == sorted(spot)  # type: ignore[type-var]


def test_search_filters_by_geo_and_cloud() -> None:
    found = CATALOG.search(want(cpus="8+", memory="32+"), clouds=["gcp", "azure"], geo=["ch"])
    assert found
    assert {(o.cloud, o.region) for o in found} == {
        ("gcp", "europe-west6"),
        ("azure", "switzerlandnorth"),
        ("azure", "switzerlandwest"),
    }
    assert CATALOG.search(want(cpus="8+"), clouds=["aws"], geo=["ch"]) == []  # no eu-central-2


def test_geo_tags_are_ored() -> None:
    found = CATALOG.search(want(accelerators="A100:8"), geo=["jp", "kr"])
    assert found
    assert all(CATALOG.geo_tags(o.cloud, o.region) & {"jp", "kr"} for o in found)
    assert {"jp", "kr"} <= {t for o in found for t in CATALOG.geo_tags(o.cloud, o.region)}


def test_search_rejects_unknown_clouds_and_geo_codes() -> None:
    with pytest.raises(SpecError, match="did you mean 'gcp'"):
        CATALOG.search(want(cpus=2), clouds=["gpc"])
    with pytest.raises(SpecError, match="unknown geo 'europa'"):
        CATALOG.search(want(cpus=2), geo=["europa"])


def test_search_without_matches_is_empty() -> None:
    assert CATALOG.search(want(accelerators="A100:3")) == []
