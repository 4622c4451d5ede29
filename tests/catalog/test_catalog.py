"""The price catalog: lazy loading, region checks, matching rules and helpful failures.

Expected values were read by hand from the snapshot files (../shared/catalog/*_vms.csv).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skyinfra.catalog import Catalog, load_catalog
from skyinfra.errors import CatalogError, SpecError
from skyinfra.spec import Resources


def want(**fields: Any) -> Resources:
    return Resources.model_validate(fields)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return Catalog.bundled()


def hint_of(err: pytest.ExceptionInfo[SpecError]) -> str:
    return err.value.problems[0].hint or ""


# -- loading ----------------------------------------------------------------------------------


def test_loading_one_cloud_leaves_the_others_unparsed() -> None:
    catalog = Catalog.bundled()
    assert catalog.loaded == frozenset()
    catalog.cheapest("aws", "us-east-1", want(cpus="4+"), spot=False)
    assert catalog.loaded == {"aws"}


def test_load_catalog_without_a_directory_is_the_bundled_snapshot() -> None:
    info = load_catalog(None).info()
    assert info["snapshot"] == "2026-11-24"
    assert info["source"] == "bundled"
    assert {c: (v["rows"], v["regions"]) for c, v in info["clouds"].items()} == {
        "aws": (17035, 23),
        "gcp": (11881, 44),
        "azure": (56671, 58),
    }
    assert "current-generation families" in info["clouds"]["aws"]["coverage"]
    assert info["clouds"]["aws"]["instance_types"] == 1298  # as SOURCE.md counts them


def test_regions_are_sorted(bundled: Catalog) -> None:
    regions = bundled.regions("aws")
    assert regions == sorted(regions)
    assert len(regions) == 23
    assert "us-east-1" in regions


# -- regions ----------------------------------------------------------------------------------


def test_known_region_passes(bundled: Catalog) -> None:
    bundled.check_region("aws", "us-east-1", ("compute", "api", "placement", "region"))


def test_unknown_region_suggests_the_closest(bundled: Catalog) -> None:
    path = ("compute", "api", "placement", "region")
    with pytest.raises(SpecError) as err:
        bundled.check_region("aws", "us-est-1", path)
    problem = err.value.problems[0]
    assert problem.message == "unknown region 'us-est-1' for aws"
    assert problem.path == path
    # One letter from both us-east-1 and us-west-1: name both rather than guess.
    assert problem.hint == "did you mean 'us-east-1' or 'us-west-1'?"


def test_unknown_region_with_one_close_match(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.check_region("aws", "eu-centrl-1", ())
    assert hint_of(err) == "did you mean 'eu-central-1'?"


def test_far_off_region_lists_some_regions(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.check_region("gcp", "mars", ())
    assert hint_of(err).startswith("gcp regions: africa-south1, ")
    assert "(44 in all)" in hint_of(err)


@pytest.mark.parametrize("region", ["eu-central-2", "ap-east-2", "mx-central-1", "me-south-1"])
def test_a_real_region_without_prices_is_not_unknown(bundled: Catalog, region: str) -> None:
    path = ("compute", "api", "placement", "region")
    with pytest.raises(SpecError) as err:
        bundled.check_region("aws", region, path)
    problem = err.value.problems[0]
    assert problem.message == f"region {region!r} is not in the price catalog for aws"
    assert problem.path == path
    hint = hint_of(err)
    assert hint.startswith(f"point --catalog at a directory whose aws/vms.csv prices {region}")
    assert "did you mean" not in hint
    assert "the spec cannot give a price by hand" in hint


def test_an_unpriced_region_lists_priced_ones_in_its_area(bundled: Catalog) -> None:
    # eu-central-2 is Zurich: no priced AWS region in Switzerland, so Europe's are listed.
    with pytest.raises(SpecError) as err:
        bundled.check_region("aws", "eu-central-2", ())
    assert "priced aws regions in Europe (europe): eu-central-1, eu-north-1, " in hint_of(err)


def test_a_typo_of_an_unpriced_region_still_gets_a_did_you_mean(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.check_region("aws", "eu-centrl-2", ())
    assert err.value.problems[0].message == "unknown region 'eu-centrl-2' for aws"
    assert hint_of(err) == "did you mean 'eu-central-2'?"


def test_info_lists_the_real_regions_without_prices(bundled: Catalog) -> None:
    info = bundled.info()
    assert "eu-central-2" in info["clouds"]["aws"]["unpriced_regions"]
    assert "us-east-1" not in info["clouds"]["aws"]["unpriced_regions"]
    assert info["clouds"]["gcp"]["unpriced_regions"] == []


def test_a_user_catalog_pricing_a_region_makes_it_plannable(tmp_path: Path) -> None:
    write(tmp_path / "aws" / "vms.csv", SKYPILOT_HEADER + "c5.large,,,2,4,,0.09,,eu-central-2,a\n")
    catalog = Catalog.from_directory(tmp_path)
    catalog.check_region("aws", "eu-central-2")
    assert "eu-central-2" not in catalog.unpriced_regions("aws")


# -- CPU offers -------------------------------------------------------------------------------


def test_cheapest_cpu_offer_is_the_cheapest_row_that_fits(bundled: Catalog) -> None:
    # aws_vms.csv: us-east-1 m5a.xlarge 4 vCPU 16 GiB 0.172 $/h (m6a.xlarge 0.1728 next).
    offer = bundled.cheapest("aws", "us-east-1", want(cpus="4+", memory="16+"), spot=False)
    assert (offer.instance_type, offer.vcpus, offer.memory_gib) == ("m5a.xlarge", 4, 16)
    assert offer.price == pytest.approx(0.172)
    assert offer.spot_price == pytest.approx(0.0743)


def test_spot_ranks_by_spot_price(bundled: Catalog) -> None:
    # m7i.xlarge spot 0.0252 beats m5a.xlarge spot 0.0743 although its on-demand price is higher.
    offer = bundled.cheapest("aws", "us-east-1", want(cpus="4+", memory="16+"), spot=True)
    assert offer.instance_type == "m7i.xlarge"
    assert offer.hourly(spot=True) == pytest.approx(0.0252)


def test_matching_is_sorted_and_exact_quantities_are_exact(bundled: Catalog) -> None:
    found = bundled.matching("aws", "us-east-1", want(cpus=4, memory=16), spot=False)
    assert [o.instance_type for o in found][:3] == ["m5a.xlarge", "m6a.xlarge", "m7i-flex.xlarge"]
    assert {(o.vcpus, o.memory_gib) for o in found} == {(4, 16)}
    assert [o.price for o in found] == sorted(o.price or 0 for o in found)


def test_burstable_and_arm64_sizes_are_excluded_by_default(bundled: Catalog) -> None:
    # azure eastus, 4+ vCPU / 16+ GiB: B4ps_v2 0.134 (arm64, burstable), D4ps_v6 0.14 (arm64),
    # B4as_v2 0.15 (burstable), D4as_v5 0.172: the first plain x86_64 size.
    x86 = bundled.cheapest("azure", "eastus", want(cpus="4+", memory="16+"), spot=False)
    assert (x86.instance_type, x86.price) == ("Standard_D4as_v5", 0.172)
    arm = bundled.cheapest("azure", "eastus", want(cpus="4+", memory="16+", arch="arm64"), False)
    assert (arm.instance_type, arm.arch) == ("Standard_D4ps_v6", "arm64")
    both = want(cpus="4+", memory="16+", arch="arm64", burstable=True)
    assert bundled.cheapest("azure", "eastus", both, spot=False).instance_type == "Standard_B4ps_v2"


def test_gcp_shared_core_types_only_when_burstable(bundled: Catalog) -> None:
    small = bundled.matching("gcp", "us-central1", want(cpus=2, memory=1), spot=False)
    assert "e2-micro" not in {o.instance_type for o in small}
    allowed = bundled.matching("gcp", "us-central1", want(cpus=2, memory=1, burstable=True), False)
    assert allowed[0].instance_type == "e2-micro"
    assert allowed[0].price == pytest.approx(0.04655)


def test_aws_burstable_families_only_when_burstable(bundled: Catalog) -> None:
    # t3a.small (2 vCPU, 2 GiB, 0.0188 $/h) is the cheapest fit, but shared-core.
    small = want(cpus=2, memory="2+")
    plain = bundled.cheapest("aws", "us-east-1", small, spot=False)
    assert not plain.burstable and not plain.instance_type.startswith("t")
    allowed = bundled.cheapest("aws", "us-east-1", want(cpus=2, memory="2+", burstable=True), False)
    assert (allowed.instance_type, allowed.burstable) == ("t3a.small", True)
    assert allowed.price == pytest.approx(0.0188)


def test_cpu_requests_never_get_accelerator_offers(bundled: Catalog) -> None:
    found = bundled.matching("aws", "us-east-1", want(cpus="4+"), spot=False)
    assert found and all(o.accelerator is None for o in found)
    assert "g4dn.xlarge" not in {o.instance_type for o in found}


# -- accelerators -----------------------------------------------------------------------------


def test_accelerator_count_is_exact_and_name_case_insensitive(bundled: Catalog) -> None:
    found = bundled.matching("aws", "us-east-1", want(accelerators="t4:4"), spot=False)
    assert [(o.instance_type, o.accelerators) for o in found] == [("g4dn.12xlarge", "T4:4")]
    assert found[0].price == pytest.approx(3.912)


def test_unavailable_count_lists_the_counts_that_exist(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.cheapest(
            "gcp", "europe-west4", want(accelerators="A100:3", cpus="32+"), False, ("compute", "x")
        )
    problem = err.value.problems[0]
    assert problem.message == (
        "no gcp offer in europe-west4 satisfies accelerators=A100:3, cpus=32+"
    )
    assert problem.path == ("compute", "x")
    assert "A100 comes in counts 1, 2, 4, 8, 16 here" in hint_of(err)
    assert "set instance_type: {gcp: ...} or point --catalog at a fuller catalog" in hint_of(err)


def test_missing_accelerator_on_aws_names_regions_and_the_coverage_gap(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.cheapest("aws", "us-east-1", want(accelerators="A100:3"), spot=False)
    hint = hint_of(err)
    assert "A100 comes in counts 8 here" in hint
    assert "the bundled AWS catalog covers current-generation families" in hint
    assert hint.endswith("set instance_type: {aws: ...} or point --catalog at a fuller catalog")


def test_an_accelerator_only_on_arm64_says_to_set_the_arch(bundled: Catalog) -> None:
    # T4g comes on g5g (Graviton) only: an x86_64 request finds nothing, and is told why.
    with pytest.raises(SpecError) as err:
        bundled.cheapest("aws", "us-east-1", want(accelerators="T4g:1"), spot=False)
    assert hint_of(err).startswith("T4g:1 here runs on arm64: set arch to match")
    arm = bundled.cheapest("aws", "us-east-1", want(accelerators="T4g:1", arch="arm64"), False)
    assert arm.instance_type == "g5g.xlarge"


def test_accelerator_absent_from_the_region_names_regions_that_have_it(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.cheapest("aws", "af-south-1", want(accelerators="H200:8"), spot=False)
    assert "aws offers H200 in ap-northeast-1, ap-northeast-2, " in hint_of(err)
    assert " in all)" in hint_of(err)


def test_unknown_accelerator_suggests_a_spelling(bundled: Catalog) -> None:
    with pytest.raises(SpecError) as err:
        bundled.cheapest("aws", "us-east-1", want(accelerators="H10:8"), spot=False)
    assert "no aws offer has H10 in this catalog (did you mean " in hint_of(err)
    assert "'H100'" in hint_of(err)


def test_gcp_gpu_price_is_host_plus_gpu(bundled: Catalog) -> None:
    offer = bundled.cheapest("gcp", "europe-west4", want(accelerators="A100:8"), spot=False)
    assert (offer.instance_type, offer.accelerators) == ("a2-highgpu-8g", "A100:8")
    assert offer.price == pytest.approx(6.51251 + 12.90919)
    assert offer.spot_price == pytest.approx(2.67308 + 9.8208)


def test_find_prefers_the_plain_vm_and_takes_an_accelerator(bundled: Catalog) -> None:
    plain = bundled.find("gcp", "us-central1", "n1-standard-8")
    assert plain is not None and plain.accelerator is None
    assert plain.price == pytest.approx(0.38)
    t4 = bundled.find("gcp", "us-central1", "n1-standard-8", accelerators="T4:1")
    assert t4 is not None and t4.price == pytest.approx(0.38 + 0.35)
    assert bundled.find("gcp", "us-central1", "no-such-type") is None


def test_unpriced_offers_are_never_chosen(bundled: Catalog) -> None:
    # p5e.48xlarge has no on-demand price in the snapshot.
    found = bundled.matching("aws", "us-east-1", want(accelerators="H200:8"), spot=False)
    assert "p5e.48xlarge" not in {o.instance_type for o in found}


# -- directories ------------------------------------------------------------------------------

SKYPILOT_HEADER = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,"
    "Region,AvailabilityZone\n"
)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_skypilot_layout_collapses_zones_to_the_cheapest(tmp_path: Path) -> None:
    write(
        tmp_path / "aws" / "vms.csv",
        SKYPILOT_HEADER
        + "m6i.large,,,2,8,,0.096,0.031,us-east-1,use1-az1\n"
        + "m6i.large,,,2,8,,0.096,0.024,us-east-1,use1-az2\n"
        + "m6i.large,,,2,8,,0.096,,us-east-1,use1-az4\n"
        + "g4dn.xlarge,T4,1,4,16,\"{'Gpus': [{'Name': 'T4', 'Count': 1}]}\",0.526,0.2,"
        + "us-east-1,use1-az1\n"
        + "m6i.large,,,2,8,,0.107,0.05,us-west-1,usw1-az1\n",
    )
    catalog = Catalog.from_directory(tmp_path)
    offers = catalog.offers("aws", "us-east-1")
    assert [(o.instance_type, o.price, o.spot_price) for o in offers] == [
        ("m6i.large", 0.096, 0.024),
        ("g4dn.xlarge", 0.526, 0.2),
    ]
    assert catalog.regions("aws") == ["us-east-1", "us-west-1"]
    gpu = catalog.cheapest("aws", "us-east-1", want(accelerators="T4:1"), spot=False)
    assert gpu.accelerators == "T4:1"


def test_a_directory_with_one_cloud_keeps_the_bundled_others(tmp_path: Path) -> None:
    write(
        tmp_path / "aws" / "vms.csv", SKYPILOT_HEADER + "c5.large,,,2,4,,0.085,0.03,us-east-1,a\n"
    )
    catalog = Catalog.from_directory(tmp_path)
    bundled = Catalog.bundled()
    assert catalog.regions("aws") == ["us-east-1"]  # the whole AWS part is the user's
    assert catalog.regions("gcp") == bundled.regions("gcp")
    assert catalog.offers("azure", "westeurope") == bundled.offers("azure", "westeurope")
    info = catalog.info()
    assert info["source"] == str(tmp_path)
    assert "eu-west-1" in info["clouds"]["aws"].pop("unpriced_regions")  # only us-east-1 here
    assert info["clouds"]["aws"] == {
        "file": str(tmp_path / "aws" / "vms.csv"),
        "rows": 1,
        "regions": 1,
        "instance_types": 1,
        "from": f"user catalog {tmp_path}",
        "snapshot": "unknown",
    }
    gcp = info["clouds"]["gcp"]
    assert (gcp["file"], gcp["from"], gcp["snapshot"]) == (
        "bundled gcp.csv.gz",
        "bundled",
        "2026-11-24",
    )
    assert gcp["rows"] == 11881 and "coverage" in gcp
    assert catalog.snapshot_date == "unknown"  # the prices no longer share one date
    # The bundled AWS caveat is not shown for the user's AWS rows.
    with pytest.raises(SpecError) as err:
        catalog.cheapest("aws", "us-east-1", want(accelerators="T4:1"), spot=False)
    assert "bundled AWS catalog" not in hint_of(err)


NORMALISED_HEADER = (
    "cloud,region,zone,instance_type,vcpus,memory_gib,accelerator,accelerator_count,"
    "price_hour,spot_price_hour"
)


def test_an_arch_column_beats_the_name_rules(tmp_path: Path) -> None:
    # x9z has no Graviton "g" in its name: only the file's arch makes it arm64; a short line
    # without the trailing arch cell, and an empty one, fall back to the name rule.
    write(
        tmp_path / "aws_vms.csv",
        NORMALISED_HEADER + ",arch\n"
        "aws,us-east-1,,x9z.large,2,8,,,0.05,,arm64\n"
        "aws,us-east-1,,m7g.large,2,8,,,0.06,,\n"
        "aws,us-east-1,,c5.large,2,4,,,0.085,\n",
    )
    catalog = load_catalog(tmp_path)
    arches = {o.instance_type: o.arch for o in catalog.offers("aws", "us-east-1")}
    assert arches == {"x9z.large": "arm64", "m7g.large": "arm64", "c5.large": "x86_64"}
    arm = catalog.cheapest("aws", "us-east-1", want(cpus=2, arch="arm64"), spot=False)
    assert arm.instance_type == "x9z.large"


def test_an_unknown_arch_is_an_error_naming_the_file(tmp_path: Path) -> None:
    write(
        tmp_path / "aws_vms.csv",
        NORMALISED_HEADER + ",arch\naws,us-east-1,,x9z.large,2,8,,,0.05,,sparc\n",
    )
    with pytest.raises(SpecError, match=r"aws_vms.csv: unreadable line .*\(unknown arch 'sparc'"):
        load_catalog(tmp_path).offers("aws", "us-east-1")


def test_empty_directory_is_an_error_naming_the_expected_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        Catalog.from_directory(tmp_path)
    assert str(tmp_path) in err.value.problems[0].message
    assert "aws/vms.csv" in hint_of(err)
    assert "azure_vms.csv" in hint_of(err)


def test_a_file_without_price_columns_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "aws" / "vms.csv", "InstanceType,Region\nm6i.large,us-east-1\n")
    catalog = Catalog.from_directory(tmp_path)
    with pytest.raises(SpecError, match="no column vCPUs, MemoryGiB"):
        catalog.regions("aws")


def test_a_garbled_price_is_an_error_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / "aws" / "vms.csv", SKYPILOT_HEADER + "c5.large,,,2,4,,cheap,,us-east-1,a\n")
    catalog = Catalog.from_directory(tmp_path)
    with pytest.raises(
        CatalogError, match=r"aws/vms\.csv: unreadable line 'c5\.large,,,2,4,,cheap"
    ):
        catalog.offers("aws", "us-east-1")
