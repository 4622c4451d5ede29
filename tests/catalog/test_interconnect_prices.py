"""Interconnect prices: each cloud's side from network.json, a link's month, n/a parts.

Expected values by hand from ../shared/catalog/services-prices.md section 1: GCP Cross-Cloud
Interconnect 10 Gbps $5.60/h and VLAN attachment $0.10/h, egress $0.02/GiB in North America
and Europe; AWS Direct Connect dedicated 10 Gbps port $2.25/h, data transfer out $0.02/GB
from US regions; Azure ExpressRoute Direct: no sourced price.
"""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH

LINKS = Catalog.bundled().links
AWS, GCP, AZURE = Site("aws", "us-east-1"), Site("gcp", "us-east4"), Site("azure", "eastus")
AWS_GCP_HOURLY = 2 * 2.25 + 2 * 5.60 + 2 * 0.10  # both sides' redundant pair


def test_a_link_costs_both_sides_ports_and_attachments_plus_the_egress_it_carries() -> None:
    quote = LINKS.interconnect(AWS, GCP, {GCP: 20_000, AWS: 1_000})
    assert quote.fixed == pytest.approx(AWS_GCP_HOURLY * HOURS_PER_MONTH)  # $11,607
    assert quote.egress == pytest.approx(0.02 * 20_000 + 0.02 * 1_000)
    assert quote.total == pytest.approx(quote.fixed + quote.egress)
    assert quote.unpriced == () and quote.gb == 21_000
    assert "2 aws Direct Connect dedicated 10 Gbps ports" in quote.items
    assert "2 gcp VLAN attachments" in quote.items


def test_the_link_price_does_not_depend_on_the_order_of_its_ends() -> None:
    assert LINKS.interconnect(GCP, AWS, {}).fixed == LINKS.interconnect(AWS, GCP, {}).fixed


@pytest.mark.parametrize(
    ("site", "rate"),
    [
        (Site("gcp", "us-central1"), 0.02),
        (Site("gcp", "europe-west4"), 0.02),
        (Site("gcp", "asia-south1"), 0.045),  # India, by region before its area (asia 0.042)
        (Site("gcp", "asia-northeast1"), 0.042),
        (Site("aws", "us-east-1"), 0.02),
        (Site("aws", "eu-west-1"), 0.03),
        (Site("aws", "ap-east-1"), None),  # not sourced: n/a, not free
        (Site("azure", "eastus"), None),
    ],
)
def test_egress_through_an_interconnect_by_source_region(site: Site, rate: float | None) -> None:
    assert LINKS.interconnect_rate(site) == rate


def test_expressroute_direct_is_never_free_and_the_quote_names_what_is_missing() -> None:
    quote = LINKS.interconnect(AZURE, GCP, {GCP: 100.0, AZURE: 100.0})
    assert quote.fixed is None and quote.egress is None and quote.total is None
    assert quote.unpriced == (
        "azure ExpressRoute Direct 10 Gbps port pair",
        "azure ExpressRoute circuit on Direct",
        "azure ExpressRoute metered egress from eastus",
    )


def test_an_unsourced_egress_rate_leaves_the_ports_priced_and_the_total_unknown() -> None:
    hongkong = Site("aws", "ap-east-1")
    quote = LINKS.interconnect(hongkong, GCP, {hongkong: 10.0})
    assert quote.fixed == pytest.approx(AWS_GCP_HOURLY * HOURS_PER_MONTH)
    assert quote.total is None
    assert quote.unpriced == ("aws Direct Connect data transfer out from ap-east-1",)


@pytest.mark.parametrize("cloud", cloud_names())
def test_every_cloud_with_an_interconnect_side_has_its_items_in_the_catalog(cloud: str) -> None:
    """A new cloud offering a dedicated link declares its side's prices, null where no
    source gives them: a link never goes unpriced silently, nor free."""
    side = LINKS.interconnects.side(cloud) if LINKS.interconnects else None
    assert (side is not None) == (get_cloud(cloud).interconnect is not None)
    if side is not None:
        assert side.items and all(i.per_link >= 1 for i in side.items.values())
