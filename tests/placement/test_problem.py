"""The one egress rule every price of moved data uses (flows, replicas, explanations)."""

from __future__ import annotations

import pytest

from skyinfra.placement.problem import egress_cost
from skyinfra.site import Site


class Rates:
    """Distinct per-GB prices per source cloud, so the test sees which one was charged;
    region groups by the region name's first letters (us, eu)."""

    def inter_region(self, src: Site, gb: float) -> float:
        return gb * (0.02 if src.cloud == "aws" else 0.01)

    def inter_group(self, src: Site, gb: float) -> float:
        return gb * (0.05 if src.cloud == "aws" else 0.08)

    def internet(self, src: Site, gb: float) -> float:
        return gb * (0.09 if src.cloud == "aws" else 0.12)

    def group(self, site: Site) -> tuple[str, str]:
        return site.cloud, site.region[:2]


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        (Site("aws", "us-east-1"), Site("aws", "us-east-1"), 0.0),  # one site: nothing
        (Site("aws", "us-east-1"), Site("aws", "us-west-2"), 2.0),  # within its group
        (Site("gcp", "europe-west1"), Site("gcp", "europe-west4"), 1.0),
        (Site("aws", "us-east-1"), Site("aws", "eu-west-1"), 5.0),  # to another group
        (Site("gcp", "us-central1"), Site("gcp", "europe-west4"), 8.0),
        (Site("aws", "us-east-1"), Site("gcp", "us-central1"), 9.0),  # source's internet
        (Site("gcp", "us-central1"), Site("aws", "us-east-1"), 12.0),
    ],
)
def test_egress_is_charged_by_the_source_by_where_the_data_goes(
    src: Site, dst: Site, expected: float
) -> None:
    assert egress_cost(Rates(), src, dst, 100) == pytest.approx(expected)
