"""NAT in the optimiser's objective (`placement/nat.py`): gateway hours once per network
site, data processing at each private end of a flow outside private links."""

from __future__ import annotations

import pytest

from skyinfra.catalog import Catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.explain import alternatives
from skyinfra.placement.nat import nat_charges, nat_fees
from skyinfra.placement.place import place, problem_of
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH

CATALOG = Catalog.bundled()
EU = Site("aws", "eu-west-1")  # dearer for 2 vCPUs than several other AWS regions

SPEC = """\
name: natty
networks: {{core: {{egress: {egress}}}}}
compute:
  anchor: {{network: core, resources: {{cpus: 2}}, placement: {{cloud: aws, region: eu-west-1}}}}
  free: {{network: core, resources: {{cpus: 2}}, placement: {{cloud: aws}}}}
"""


def test_the_nat_gateway_keeps_a_group_on_its_networks_site() -> None:
    """Two otherwise-equal groups: without NAT the free one takes a cheaper region (about
    $4.5 a month less); with NAT egress that region would need a second NAT gateway ($32.85),
    so it stays beside the anchor."""
    sealed = place(parse_spec(SPEC.format(egress="none")), CATALOG)
    assert sealed.site_of("free") != EU
    spec = parse_spec(SPEC.format(egress="nat"))
    placement = place(spec, CATALOG)
    assert placement.site_of("free") == EU
    assert placement.solution is not None
    assert placement.solution.nat_cost == pytest.approx(0.045 * HOURS_PER_MONTH)
    # `plan` says why not the cheaper region: the second NAT gateway it would open.
    best = alternatives(placement, "free")[0]
    assert best.site.cloud == "aws" and best.reason == "NAT +$32.85/month"


def test_one_fee_per_network_over_its_private_groups_priced_per_gateway() -> None:
    spec = parse_spec(
        "name: fees\n"
        "networks: {core: {nat: per_zone}, vault: {egress: none}}\n"
        "compute:\n"
        "  a: {network: core, resources: {cpus: 2}, placement: {cloud: aws, region: us-east-1}}\n"
        "  web: {network: core, public: true, ports: [443], resources: {cpus: 2}}\n"
        "  sealed: {network: vault, resources: {cpus: 2}}\n"
    )
    problem = problem_of(spec, CATALOG)
    (fee,) = nat_fees(spec, CATALOG, problem.options)  # vault has none; web is public
    assert fee.members == ("a",)
    assert fee.fees[Site("aws", "us-east-1")] == pytest.approx(2 * 0.045 * HOURS_PER_MONTH)


def test_charges_follow_what_passes_the_nat() -> None:
    """A GCP group reading GCS (Private Google Access) pays nothing, an S3 bucket in another
    cloud pays; an AWS group pays nothing for its region's S3 (gateway endpoint), pays for
    another region's; linked flows between groups are private."""
    spec = parse_spec(
        "name: charges\n"
        "accounts: {gcp: {project: p}}\n"
        "networks: {core: {}}\n"
        "buckets:\n"
        "  s3: {placement: {cloud: aws, region: us-east-1}}\n"
        "compute:\n"
        "  g: {network: core, resources: {cpus: 2}, placement: {cloud: gcp, region: us-central1}}\n"
        "  w: {network: core, resources: {cpus: 2}, placement: {cloud: aws, region: us-east-1}}\n"
        "flows:\n"
        "  - {from: s3, to: g, gb_per_month: 100}\n"
        "  - {from: s3, to: w, gb_per_month: 100}\n"
        "  - {from: g, to: w, gb_per_month: 100}\n"
    )
    problem = problem_of(spec, CATALOG)
    charges = {(c.at, c.other): c for c in nat_charges(spec, CATALOG, problem.options)}
    assert set(charges) == {("g", "s3"), ("w", "s3")}  # g <-> w is a linked flow
    gcp, aws = Site("gcp", "us-central1"), Site("aws", "us-east-1")
    assert charges[("g", "s3")].price(gcp, aws) == pytest.approx(4.5)
    assert charges[("g", "s3")].price(gcp, Site("gcp", "europe-west4")) == 0.0  # GCS
    assert charges[("w", "s3")].price(aws, aws) == 0.0  # the S3 gateway endpoint
    assert charges[("w", "s3")].price(aws, Site("aws", "eu-west-1")) == pytest.approx(4.5)
