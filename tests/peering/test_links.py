"""Link planning: which networks are linked, how, and the values both ends must agree on."""

from __future__ import annotations

import ipaddress

import pytest

from skyinfra.build import build_topology, concrete_networks
from skyinfra.catalog import load_catalog
from skyinfra.clouds import get_cloud
from skyinfra.errors import SpecError, UnsupportedError
from skyinfra.loader import parse_spec
from skyinfra.peering.links import plan_links, tunnel_count
from skyinfra.peering.model import InterconnectLink, NativePeering, NetworkRecord, VpnLink
from skyinfra.placement.decision import Decision, Placement
from skyinfra.site import Site
from tests.peering.linkspec import AWS, AWS2, AZURE, GCP, GCP2, group, linked_spec

APIPA = (ipaddress.IPv4Network("169.254.21.0/24"), ipaddress.IPv4Network("169.254.22.0/24"))


def three_clouds() -> list[VpnLink]:
    spec, placement = linked_spec([AWS, GCP, AZURE], [(AWS, GCP), (GCP, AZURE), (AZURE, AWS)])
    plan = plan_links(spec, placement, concrete_networks(spec, placement))
    assert all(isinstance(x, VpnLink) for x in plan.links)
    return list(plan.links)  # type: ignore[arg-type]


def test_each_cloud_pair_gets_the_reference_tunnel_count_in_name_order() -> None:
    got = [(x.a.stack, x.b.stack, len(x.tunnels), x.stack) for x in three_clouds()]
    assert got == [
        ("aws-us-east-1", "azure-westeurope", 4, "peer-aws-us-east-1--azure-westeurope"),
        ("aws-us-east-1", "gcp-us-central1", 4, "peer-aws-us-east-1--gcp-us-central1"),
        ("azure-westeurope", "gcp-us-central1", 2, "peer-azure-westeurope--gcp-us-central1"),
    ]


@pytest.mark.parametrize(("a", "b"), [("aws", "gcp"), ("aws", "azure"), ("gcp", "azure")])
def test_tunnel_count_agrees_with_the_catalog_link_model(a: str, b: str) -> None:
    links = load_catalog(None).links
    assert tunnel_count(get_cloud(a), get_cloud(b)) == links.tunnels(Site(a, "x"), Site(b, "y"))


def test_one_asn_per_site_distinct_private_and_not_reserved_by_azure() -> None:
    links = three_clouds()
    asns = {x.a: x.a_asn for x in links} | {x.b: x.b_asn for x in links}
    assert len(set(asns.values())) == 3
    assert all(
        64512 <= n <= 65534 and n not in (65515, *range(65517, 65521)) for n in asns.values()
    )
    assert all(x.asn_of(x.a) == asns[x.a] and x.asn_of(x.b) == asns[x.b] for x in links)


def test_inside_cidrs_are_unique_and_in_each_links_pool() -> None:
    links = three_clouds()
    cidrs = [ipaddress.IPv4Network(t.inside_cidr) for x in links for t in x.tunnels]
    assert len(cidrs) == len(set(cidrs)) == 10
    for link in links:
        for t in link.tunnels:
            net = ipaddress.IPv4Network(t.inside_cidr)
            assert net.prefixlen == 30
            if "azure" in (link.a.cloud, link.b.cloud):
                assert any(net.subnet_of(band) for band in APIPA)
            else:
                assert net.subnet_of(ipaddress.IPv4Network("169.254.64.0/18"))


def test_aws_takes_host_one_and_the_reference_interface_mapping() -> None:
    aws_gcp = three_clouds()[1]
    rows = [
        (t.inside_cidr, t.a.inside_ip, t.b.inside_ip, t.a.interface, t.a.slot, t.b.interface)
        for t in aws_gcp.tunnels
    ]
    assert rows == [
        ("169.254.64.0/30", "169.254.64.1", "169.254.64.2", 0, 0, 0),
        ("169.254.64.4/30", "169.254.64.5", "169.254.64.6", 0, 1, 0),
        ("169.254.64.8/30", "169.254.64.9", "169.254.64.10", 1, 0, 1),
        ("169.254.64.12/30", "169.254.64.13", "169.254.64.14", 1, 1, 1),
    ]
    # GCP's external gateway interface k is AWS's k-th tunnel outside address.
    assert [t.a.outside_index for t in aws_gcp.tunnels] == [0, 1, 2, 3]
    assert aws_gcp.tunnels[3].key_name == "core-aws-us-east-1--gcp-us-central1-psk-3"


def test_azure_takes_host_one_against_gcp_one_tunnel_per_instance() -> None:
    azure_gcp = three_clouds()[2]
    assert [(t.a.interface, t.b.interface, t.a.slot) for t in azure_gcp.tunnels] == [
        (0, 0, 0),
        (1, 1, 0),
    ]
    for t in azure_gcp.tunnels:
        first = next(ipaddress.IPv4Network(t.inside_cidr).hosts())
        assert t.a.inside_ip == str(first)


def test_azure_gateway_lists_its_addresses_of_every_link_per_instance() -> None:
    spec, placement = linked_spec([AWS, GCP, AZURE], [(AWS, AZURE), (GCP, AZURE)])
    topology = build_topology(spec, placement)
    (gateway,) = topology.stack("azure-westeurope").gateways
    links = topology.links.links
    expected: list[list[str]] = [[], []]
    for link in links:
        assert isinstance(link, VpnLink)
        for own, _ in link.ends(AZURE):
            expected[own.interface].append(own.inside_ip)
    assert gateway.bgp_addresses == tuple(tuple(x) for x in expected)
    assert [len(x) for x in gateway.bgp_addresses] == [3, 3]  # 2 from AWS + 1 from GCP each


def test_networks_learn_their_peers_and_azure_gets_a_gateway_subnet() -> None:
    spec, placement = linked_spec([AWS, GCP, AZURE], [(AWS, AZURE)])
    topology = build_topology(spec, placement)
    azure = topology.stack("azure-westeurope").network("core")
    aws = topology.stack("aws-us-east-1").network("core")
    gcp = topology.stack("gcp-us-central1").network("core")
    assert azure.peer_cidrs == (aws.cidr,) and aws.peer_cidrs == (azure.cidr,)
    assert gcp.peer_cidrs == () and gcp.gateway_subnet is None and aws.gateway_subnet is None
    assert azure.gateway_subnet == str(
        list(ipaddress.IPv4Network(azure.cidr).subnets(new_prefix=27))[-1]
    )


def test_same_cloud_regions_use_native_peering_and_gcp_needs_no_link() -> None:
    spec, placement = linked_spec([AWS, AWS2, GCP, GCP2], [(AWS, AWS2), (GCP, GCP2)])
    plan = plan_links(spec, placement, concrete_networks(spec, placement))
    assert plan.links == (NativePeering("core", AWS2, AWS, "aws-vpc-peering"),)
    assert plan.gateways == ()
    assert plan.peers("core", GCP) == [GCP2]  # routed inside one global network


def test_bucket_flows_ask_for_no_link() -> None:
    spec, placement = linked_spec(
        [AWS, GCP],
        named_flows=[("data", group(GCP)), (group(AWS), "data")],
        extra="buckets:\n  data: {}",
    )
    placement = Placement({**placement.decisions, "data": Decision("data", "bucket", AWS)})
    assert plan_links(spec, placement, concrete_networks(spec, placement)).pairs == ()


def test_flows_across_networks_ask_for_no_link() -> None:
    spec = parse_spec(
        "name: demo\naccounts: {gcp: {project: p}}\nnetworks: {core: {}, edge: {}}\n"
        "compute: {a: {network: core}, b: {network: edge}}\n"
        "flows: [{from: a, to: b, gb_per_month: 5}]\n"
    )
    placement = Placement({"a": Decision("a", "compute", AWS), "b": Decision("b", "compute", GCP)})
    assert plan_links(spec, placement, concrete_networks(spec, placement)).pairs == ()


def test_explicit_links_are_validated_with_did_you_mean() -> None:
    spec, placement = linked_spec([AWS, GCP], links=[("aws-us-east-1", "gcp-us-centrl1")])
    with pytest.raises(SpecError, match="did you mean 'gcp-us-central1'") as err:
        plan_links(spec, placement, concrete_networks(spec, placement))
    assert err.value.problems[0].path == ("peering", "links", 0, 1)


def test_explicit_links_link_without_flows() -> None:
    spec, placement = linked_spec([AWS, GCP, AZURE], links=[("gcp-us-central1", "aws-us-east-1")])
    plan = plan_links(spec, placement, concrete_networks(spec, placement))
    assert [(x.a, x.b) for x in plan.links] == [(AWS, GCP)]


def test_interconnect_aws_gcp_is_described_with_out_of_band_steps() -> None:
    spec, placement = linked_spec([AWS, GCP], [(AWS, GCP)], mode="interconnect")
    (link,) = plan_links(spec, placement, concrete_networks(spec, placement)).links
    assert isinstance(link, InterconnectLink)
    assert link.provider == "Cross-Cloud Interconnect" and link.tunnels == ()
    assert "gcp:compute/interconnect:Interconnect" in link.resources
    assert any("Direct Connect" in step for step in link.out_of_band)
    assert link.a_asn != link.b_asn


def test_interconnect_attachments_take_two_link_local_30s_hub_on_host_1() -> None:
    spec, placement = linked_spec([AWS, GCP], [(AWS, GCP)], mode="interconnect")
    (link,) = plan_links(spec, placement, concrete_networks(spec, placement)).links
    assert isinstance(link, InterconnectLink) and link.hub == GCP
    cidrs = [ipaddress.IPv4Network(x.cidr) for x in link.attachments]
    assert len(set(cidrs)) == 2 and all(c.prefixlen == 30 for c in cidrs)
    assert all(c.subnet_of(ipaddress.IPv4Network("169.254.0.0/16")) for c in cidrs)
    for att, cidr in zip(link.attachments, cidrs, strict=True):
        assert (att.hub_ip, att.edge_ip) == (str(cidr[1]), str(cidr[2]))
    assert {x.vlan for x in link.attachments} == {100}
    assert [key for key, _ in link.config] == [
        "directconnect-location-1",
        "directconnect-location-2",
        "interconnect-location-1",
        "interconnect-location-2",
        "interconnect-remote-location-1",
        "interconnect-remote-location-2",
    ]
    assert link.phase_one == (
        "aws: a Direct Connect gateway associated with the VGW, 2 LAGs",
        "gcp: 2 Cross-Cloud Interconnect ports",
    )
    assert [step.split(":")[0] for step in link.phase_two] == ["aws", "gcp"]


def test_interconnect_to_azure_speaks_microsofts_asn_and_keeps_recorded_30s() -> None:
    spec, placement = linked_spec([GCP, AZURE], [(GCP, AZURE)], mode="interconnect")
    networks = concrete_networks(spec, placement)
    (link,) = plan_links(spec, placement, networks).links
    assert isinstance(link, InterconnectLink)
    assert link.asn_of(AZURE) == 12076 and link.asn_of(GCP) != 12076
    recorded = NetworkRecord(inside={link.name: ("169.254.64.8/30", "169.254.64.12/30")})
    (again,) = plan_links(spec, placement, networks, recorded).links
    assert isinstance(again, InterconnectLink)
    assert [x.cidr for x in again.attachments] == ["169.254.64.8/30", "169.254.64.12/30"]
    topology = build_topology(spec, placement)
    assert topology.links.inside_cidrs == {link.name: tuple(x.cidr for x in link.attachments)}
    gateways = {g.site: g for s in topology.stacks for g in s.gateways}
    assert all(g.interconnect and not g.vpn for g in gateways.values()) and len(gateways) == 2


def test_interconnect_aws_azure_is_unsupported_and_names_alternatives() -> None:
    spec, placement = linked_spec([AWS, AZURE], [(AWS, AZURE)], mode="interconnect")
    with pytest.raises(UnsupportedError, match="no first-party dedicated interconnect") as err:
        plan_links(spec, placement, concrete_networks(spec, placement))
    assert err.value.problems[0].path == ("peering", "mode")
    assert "mode: vpn" in str(err.value) and "gcp" in str(err.value)
