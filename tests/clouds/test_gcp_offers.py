"""GCP's GPU join: accelerator-only rows become offers on the host types that carry them."""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.clouds import get_cloud
from skyinfra.clouds.gcp.offers import join_gpu_offers
from skyinfra.offer import Offer, Row


def host(name: str, vcpus: float, price: float | None = 1.0, region: str = "r1") -> Row:
    return Row("gcp", region, name, vcpus, vcpus * 4, None, None, price, price and price / 4)


def gpu(name: str, count: int, price: float | None = 2.0, spot: float | None = 1.0) -> Row:
    return Row("gcp", "r1", "", None, None, name, count, price, spot)


def join(*rows: Row) -> list[Offer]:
    return list(join_gpu_offers(get_cloud("gcp"), list(rows)))


def carried(offers: list[Offer], accelerators: str) -> set[str]:
    return {o.instance_type for o in offers if o.accelerators == accelerators}


def test_sources_example_a100_8_in_europe_west4() -> None:
    offers = join(
        Row("gcp", "europe-west4", "a2-highgpu-8g", 96, 680, None, None, 6.51251, 2.67308),
        Row("gcp", "europe-west4", "", None, None, "A100", 8, 12.90919, 9.8208),
    )
    assert len(offers) == 1
    (offer,) = offers
    assert (offer.instance_type, offer.accelerators, offer.vcpus) == ("a2-highgpu-8g", "A100:8", 96)
    assert offer.price == pytest.approx(19.4217)
    assert offer.spot_price == pytest.approx(2.67308 + 9.8208)


def test_plain_hosts_are_cpu_offers_but_gpu_bound_types_are_not() -> None:
    offers = join(host("n2-standard-8", 8), host("a2-highgpu-1g", 12), host("g2-standard-4", 4))
    assert [(o.instance_type, o.accelerator) for o in offers] == [("n2-standard-8", None)]


def test_t4_joins_onto_n1_hosts_within_the_vcpu_cap() -> None:
    offers = join(
        host("n1-standard-8", 8),
        host("n1-standard-32", 32),
        host("n1-highmem-48", 48),
        host("n1-standard-64", 64),
        host("n1-ultramem-40", 40),
        host("n2-standard-8", 8),
        host("g2-standard-4", 4),
        gpu("T4", 1),
        gpu("T4", 4),
    )
    assert carried(offers, "T4:1") == {"n1-standard-8", "n1-standard-32", "n1-highmem-48"}
    assert carried(offers, "T4:4") == {
        "n1-standard-8",
        "n1-standard-32",
        "n1-highmem-48",
        "n1-standard-64",
    }
    t4 = next(o for o in offers if o.instance_type == "n1-standard-8" and o.accelerators == "T4:1")
    assert (t4.price, t4.spot_price) == (3.0, 1.25)


def test_v100_cap_is_per_count() -> None:
    offers = join(host("n1-standard-8", 8), host("n1-standard-16", 16), gpu("V100", 1))
    assert carried(offers, "V100:1") == {"n1-standard-8"}


def test_l4_counts_map_to_fixed_g2_types() -> None:
    g2 = [host(f"g2-standard-{n}", n) for n in (4, 8, 12, 16, 24, 32, 48, 96)]
    offers = join(*g2, gpu("L4", 1), gpu("L4", 2), gpu("L4", 8))
    assert carried(offers, "L4:1") == {f"g2-standard-{n}" for n in (4, 8, 12, 16, 32)}
    assert carried(offers, "L4:2") == {"g2-standard-24"}
    assert carried(offers, "L4:8") == {"g2-standard-96"}


def test_tpu_rows_give_no_offers() -> None:
    offers = join(host("n1-standard-8", 8), gpu("tpu-v4-8", 1), gpu("tpu-v2-8", 1))
    assert [o.instance_type for o in offers] == ["n1-standard-8"]


def test_gpus_join_only_hosts_in_their_own_region() -> None:
    elsewhere = [host("a2-highgpu-1g", 12, region="r2"), host("n1-standard-4", 4, region="r2")]
    offers = join(*elsewhere, gpu("A100", 1), gpu("T4", 1))
    assert [(o.region, o.instance_type, o.accelerator) for o in offers] == [
        ("r2", "n1-standard-4", None)
    ]


def test_a_missing_or_zero_part_leaves_that_price_unknown() -> None:
    offers = join(host("a4-highgpu-8g", 224, price=0.0), gpu("B200", 8))
    offers += join(host("a3-highgpu-8g", 208), gpu("H100", 8, spot=None))
    prices = {o.instance_type: (o.price, o.spot_price) for o in offers}
    assert prices == {"a4-highgpu-8g": (None, None), "a3-highgpu-8g": (3.0, None)}


def test_bundled_t4_offers_in_us_central1_respect_the_cap() -> None:
    offers = Catalog.bundled().offers("gcp", "us-central1")
    t4 = [o for o in offers if o.accelerators == "T4:1"]
    assert {o.instance_type for o in t4} >= {"n1-standard-1", "n1-standard-32", "n1-highmem-32"}
    assert all(o.instance_type.startswith("n1-") and o.vcpus <= 48 for o in t4)
    assert "n1-standard-64" not in {o.instance_type for o in t4}
    n1_8 = next(o for o in t4 if o.instance_type == "n1-standard-8")
    assert n1_8.price == pytest.approx(0.38 + 0.35)
    assert n1_8.spot_price == pytest.approx(0.13954 + 0.1654)
