"""Properties of link allocation over random topologies: valid, unique, and stable."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from skyinfra.build import concrete_networks
from skyinfra.peering.bgp import IANA_RESERVED
from skyinfra.peering.links import plan_links
from skyinfra.peering.model import LinkPlan, NetworkRecord, VpnLink
from skyinfra.site import Site
from tests.peering.linkspec import AWS, AWS2, AZURE, AZURE2, GCP, GCP2, linked_spec

SITES = [AWS, AWS2, GCP, GCP2, AZURE, AZURE2]
PAIRS = [(a, b) for a, b in combinations(SITES, 2)]
AWS_RESERVED = [ipaddress.IPv4Network(f"169.254.{i}.0/30") for i in range(6)] + [
    ipaddress.IPv4Network("169.254.169.0/24")
]
APIPA = [ipaddress.IPv4Network("169.254.21.0/24"), ipaddress.IPv4Network("169.254.22.0/24")]
AZURE_RESERVED_ASNS = {8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520}


def plan(pairs: list[tuple[Site, Site]], recorded: NetworkRecord | None = None) -> LinkPlan:
    links = [(a.stack, b.stack) for a, b in pairs]
    spec, placement = linked_spec(SITES, links=links)
    return plan_links(spec, placement, concrete_networks(spec, placement), recorded)


def record(links: LinkPlan) -> NetworkRecord:
    return NetworkRecord(asns=links.asns, inside=links.inside_cidrs)


def check_valid(links: LinkPlan) -> None:
    vpns = [x for x in links.links if isinstance(x, VpnLink)]
    cidrs = [ipaddress.IPv4Network(t.inside_cidr) for x in vpns for t in x.tunnels]
    assert len(cidrs) == len(set(cidrs))
    for link in vpns:
        to_azure = "azure" in (link.a.cloud, link.b.cloud)
        for t in link.tunnels:
            net = ipaddress.IPv4Network(t.inside_cidr)
            assert net.prefixlen == 30 and not any(net.overlaps(r) for r in AWS_RESERVED)
            assert any(net.subnet_of(b) for b in APIPA) == to_azure
            assert {t.a.inside_ip, t.b.inside_ip} == {str(h) for h in net.hosts()}
    asns = [g.asn for g in links.gateways]
    assert len(asns) == len(set(asns))
    assert all(64512 <= n <= 65534 for n in asns)
    assert not set(asns) & (AZURE_RESERVED_ASNS | IANA_RESERVED)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(PAIRS), min_size=1, max_size=6, unique=True),
    st.lists(st.sampled_from(PAIRS), max_size=4, unique=True),
)
def test_property_links_are_valid_and_adding_links_moves_nothing(
    first: list[tuple[Site, Site]], extra: list[tuple[Site, Site]]
) -> None:
    before = plan(first)
    check_valid(before)
    after = plan(first + extra, record(before))
    check_valid(after)
    kept = {x.name: x for x in after.links}
    for link in before.links:
        assert kept[link.name] == link
    assert plan(list(reversed(first))) == before
