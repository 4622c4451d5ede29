"""VPN against interconnect for one link: both months and the break-even volume."""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.placement.linkchoice import GB_PER_TB, link_choice
from skyinfra.site import Site

CATALOG = Catalog.bundled()
LINKS, EGRESS = CATALOG.links, CATALOG.egress
AWS, GCP, AZURE = Site("aws", "us-east-1"), Site("gcp", "us-east4"), Site("azure", "eastus")


def _choice(gb: float, src: Site = GCP, a: Site = AWS, b: Site = GCP, gateways: float = 0.0):  # type: ignore[no-untyped-def]
    return link_choice(LINKS, EGRESS, a, b, [(src, gb)], gateways)


def test_both_months_are_the_vpn_with_internet_egress_and_the_quoted_interconnect() -> None:
    choice = _choice(20_000, gateways=50.0)
    assert choice.vpn == pytest.approx(LINKS.link(AWS, GCP) + 50.0 + EGRESS.internet(GCP, 20_000))
    assert choice.interconnect == LINKS.interconnect(AWS, GCP, {GCP: 20_000}).total
    assert choice.cheaper() == "vpn"
    assert choice.sentence().startswith("interconnect: costs $")


def test_at_the_break_even_volume_both_modes_cost_the_same() -> None:
    even = _choice(20_000).break_even_gb
    assert even is not None and 100 * GB_PER_TB < even < 300 * GB_PER_TB
    at = _choice(even)
    assert at.interconnect == pytest.approx(at.vpn, rel=1e-6)
    assert _choice(even * 0.95).cheaper() == "vpn"
    assert _choice(even * 1.05).cheaper() == "interconnect"


def test_a_large_volume_saves_with_the_interconnect_and_says_so() -> None:
    choice = _choice(300 * GB_PER_TB)
    assert choice.cheaper() == "interconnect"
    saves = choice.vpn - choice.interconnect  # type: ignore[operator]
    assert choice.sentence().startswith(f"interconnect: saves ${saves:,.2f}/month at 300.0 TB")
    assert "break-even" in choice.sentence()


def test_an_unpriced_interconnect_is_never_the_cheaper_one() -> None:
    choice = _choice(10**7, src=GCP, a=AZURE, b=GCP)
    assert choice.interconnect is None and choice.cheaper() is None
    assert choice.break_even_gb is None
    assert "n/a" in choice.sentence() and "ExpressRoute Direct" in choice.sentence()
