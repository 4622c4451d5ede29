"""Dedicated interconnects under the mock engine: GCP Cross-Cloud Interconnect towards AWS
Direct Connect and towards Azure ExpressRoute Direct.

Each test previews the two cloud stacks and the peering stack, as `preview` does, and checks
what the engine received: the two phases (ports only by default, everything with
`skyinfra:interconnect-ready`), the exact resource set on both sides, VLANs, BGP /30s, ASNs
and MTUs that agree across the two sides, two facilities per side, the shared BGP key (secret
everywhere), the routes, and the errors: a peering stack without its ordering config or with
one location twice, and AWS<->Azure.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from skyinfra.api import plan_spec
from skyinfra.build import build_topology, stack_config
from skyinfra.clouds.gcp.interconnect import location_url
from skyinfra.components import GATEWAY_TOKEN, INTERCONNECT_LINK_TOKEN
from skyinfra.errors import UnsupportedError
from skyinfra.guardrails.check import check_project
from skyinfra.peering.model import InterconnectLink
from skyinfra.preview import (
    Registered,
    StackPreview,
    final_phase,
    preview_peering_stack,
    preview_topology,
)
from skyinfra.site import Site
from skyinfra.topology import Topology
from tests.peering.linkspec import AWS, AZURE, GCP, linked_spec
from tests.stacks import bgp_router, gateway_public_ips

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{23}$")  # ExpressRoute takes at most 25 characters
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")

INTERCONNECT = "gcp:compute/interconnect:Interconnect"
ATTACHMENT = "gcp:compute/interconnectAttachment:InterconnectAttachment"
INTERFACE = "gcp:compute/routerInterface:RouterInterface"
PEER = "gcp:compute/routerPeer:RouterPeer"
ROUTER = "gcp:compute/router:Router"
LAG = "aws:directconnect/linkAggregationGroup:LinkAggregationGroup"
DX_GATEWAY = "aws:directconnect/gateway:Gateway"
VIF = "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface"
ASSOCIATION = "aws:directconnect/gatewayAssociation:GatewayAssociation"
VGW = "aws:ec2/vpnGateway:VpnGateway"
PROPAGATION = "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"
PORT = "azure-native:network:ExpressRoutePort"
CIRCUIT = "azure-native:network:ExpressRouteCircuit"
CIRCUIT_PEERING = "azure-native:network:ExpressRouteCircuitPeering"
VNG = "azure-native:network:VirtualNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
PIP = "azure-native:network:PublicIPAddress"
PASSWORD = "random:index/randomPassword:RandomPassword"

CONFIG = {
    "skyinfra:interconnect-location-1": "iad-zone1-1",
    "skyinfra:interconnect-location-2": "iad-zone2-1",
    "skyinfra:interconnect-remote-location-1": "ashburn-aws-1",
    "skyinfra:interconnect-remote-location-2": "ashburn-aws-2",
    "skyinfra:directconnect-location-1": "EqDC2",
    "skyinfra:directconnect-location-2": "CSVA1",
    "skyinfra:expressroute-peering-location": "Equinix-Ashburn-DC2",
}
READY = {"skyinfra:interconnect-ready": "true"}
PHASE_TWO = {VIF, ATTACHMENT, INTERFACE, PEER, CIRCUIT, CIRCUIT_PEERING, CONNECTION}
PAIRS = pytest.mark.parametrize("pair", [(AWS, GCP), (AZURE, GCP)], ids=["aws-gcp", "azure-gcp"])


@cache
def topology(a: Site, b: Site) -> Topology:
    spec, placement = linked_spec([a, b], [(a, b)], mode="interconnect", ports=[22])
    return build_topology(spec, placement)


@cache
def previews(a: Site, b: Site, ready: bool = True) -> dict[str, StackPreview]:
    """The two cloud stacks and the peering stack, its ordering config set by the user, and
    (`ready`) the connections reported provisioned: phase 2."""
    t = topology(a, b)
    configs = {s.name: stack_config(s) for s in t.stacks}
    configs[f"peer-{a.stack}--{b.stack}"] = {**CONFIG, **(READY if ready else {})}
    return {p.name: p for p in preview_topology(t, configs)}


def _link(a: Site, b: Site) -> InterconnectLink:
    (link,) = topology(a, b).links.links
    assert isinstance(link, InterconnectLink)
    return link


def _peering(a: Site, b: Site, ready: bool = True) -> StackPreview:
    return previews(a, b, ready)[f"peer-{a.stack}--{b.stack}"]


def _counts(p: StackPreview) -> Counter[str]:
    return Counter(r.type for r in p.resources if r.custom and not r.type.startswith("pulumi:"))


def _by_index(p: StackPreview, token: str) -> list[Registered]:
    return sorted(p.by_type(token), key=lambda r: int(r.name.rsplit("-", 1)[-1]))


def _only(items: list[Registered]) -> Registered:
    (item,) = items
    return item


def _gateway_children(p: StackPreview) -> list[str]:
    (component,) = p.by_type(GATEWAY_TOKEN)
    return sorted(r.type for r in p.resources if r.parent == component.urn)


def _check_gcp_half(p: StackPreview, gcp: StackPreview, link: InterconnectLink) -> None:
    """Two CCI ports facing the configured remote location, an attachment on the site's
    Cloud Router per port with the planned VLAN and /30, and a BGP session on each."""
    router = bgp_router(gcp)
    ports, attachments = _by_index(p, INTERCONNECT), _by_index(p, ATTACHMENT)
    interfaces, peers = _by_index(p, INTERFACE), _by_index(p, PEER)
    for port, att, interface, peer, plan in zip(
        ports, attachments, interfaces, peers, link.attachments, strict=True
    ):
        n = plan.index + 1
        assert port.inputs["interconnectType"] == "DEDICATED"
        assert port.inputs["location"] == (
            "https://www.googleapis.com/compute/v1/projects/p/global/interconnectLocations/"
            + CONFIG[f"skyinfra:interconnect-location-{n}"]
        )
        assert port.inputs["remoteLocation"] == CONFIG[f"skyinfra:interconnect-remote-location-{n}"]
        assert port.inputs["requestedLinkCount"] == 1
        assert "customerName" not in port.inputs  # not for Cross-Cloud Interconnect
        assert att.inputs["type"] == "DEDICATED" and att.inputs["interconnect"] == port.id
        assert att.inputs["router"] == router.id and att.inputs["region"] == "us-central1"
        assert att.inputs["vlanTag8021q"] == plan.vlan and att.inputs["subnetLength"] == 30
        assert att.inputs["candidateCloudRouterIpAddress"] == f"{plan.hub_ip}/30"
        assert att.inputs["candidateCustomerRouterIpAddress"] == f"{plan.edge_ip}/30"
        assert interface.inputs["router"] == router.outputs["name"]
        assert interface.inputs["interconnectAttachment"] == att.outputs["name"]
        assert interface.inputs["ipRange"] == f"{plan.hub_ip}/30"
        assert peer.inputs["interface"] == interface.outputs["name"]
        assert (peer.inputs["ipAddress"], peer.inputs["peerIpAddress"]) == (
            plan.hub_ip,
            plan.edge_ip,
        )
        assert "md5AuthenticationKey" in peer.secret_inputs


def _check_addresses(link: InterconnectLink) -> None:
    cidrs = [ipaddress.ip_network(x.cidr) for x in link.attachments]
    assert len(cidrs) == 2 and len(set(cidrs)) == 2
    for att, cidr in zip(link.attachments, cidrs, strict=True):
        assert cidr.prefixlen == 30 and cidr.subnet_of(LINK_LOCAL)  # type: ignore[arg-type]
        hosts = [str(h) for h in cidr.hosts()]
        assert (att.hub_ip, att.edge_ip) == (hosts[0], hosts[1])


@PAIRS
def test_the_plan_names_exactly_the_types_the_stacks_declare(pair: tuple[Site, Site]) -> None:
    """What `plan` lists per link is what the cloud stacks' gateways and the peering stack
    register (keys and providers aside)."""
    a, b = sorted(pair)
    p = previews(a, b)
    declared = set(_counts(_peering(a, b))) - {PASSWORD}
    for site in (a, b):
        declared |= set(_gateway_children(p[site.stack]))
    assert declared == set(_link(a, b).resources)


def test_aws_gcp_exact_resources_on_both_sides() -> None:
    assert _counts(_peering(AWS, GCP)) == {
        PASSWORD: 1,
        INTERCONNECT: 2,
        ATTACHMENT: 2,
        INTERFACE: 2,
        PEER: 2,
        DX_GATEWAY: 1,
        ASSOCIATION: 1,
        PROPAGATION: 2,  # into the workload and the public subnets' route tables
        LAG: 2,
        VIF: 2,
    }
    tables = {r.inputs["routeTableId"] for r in _peering(AWS, GCP).by_type(PROPAGATION)}
    assert len(tables) == 2
    (component,) = _peering(AWS, GCP).by_type(INTERCONNECT_LINK_TOKEN)
    assert component.name == f"demo-{_link(AWS, GCP).name}"


def test_aws_gcp_cloud_stacks_keep_the_site_gateways_without_vpn_parts() -> None:
    p = previews(AWS, GCP)
    assert _gateway_children(p[GCP.stack]) == [ROUTER]  # no HA VPN gateway: not needed
    assert _gateway_children(p[AWS.stack]) == [VGW]  # propagation waits for the association
    router = bgp_router(p[GCP.stack])
    assert router.inputs["bgp"]["advertisedIpRanges"] == [
        {"range": topology(AWS, GCP).stack(GCP.stack).network("core").cidr}
    ]


def test_aws_gcp_vlans_addresses_and_asns_agree() -> None:
    link, p = _link(AWS, GCP), _peering(AWS, GCP)
    _check_addresses(link)
    _check_gcp_half(p, previews(AWS, GCP)[GCP.stack], link)
    gcp_asn = bgp_router(previews(AWS, GCP)[GCP.stack]).inputs["bgp"]["asn"]
    aws_asn = int(previews(AWS, GCP)[AWS.stack].one(VGW).inputs["amazonSideAsn"])
    assert (link.asn_of(GCP), link.asn_of(AWS)) == (gcp_asn, aws_asn) and gcp_asn != aws_asn
    dx = p.one(DX_GATEWAY)
    assert dx.inputs["amazonSideAsn"] == str(aws_asn)  # a string on the wire
    assert {peer.inputs["peerAsn"] for peer in p.by_type(PEER)} == {aws_asn}
    lags = _by_index(p, LAG)
    for lag, vif, att, gcp_att in zip(
        lags, _by_index(p, VIF), link.attachments, _by_index(p, ATTACHMENT), strict=True
    ):
        assert lag.inputs["location"] == CONFIG[f"skyinfra:directconnect-location-{att.index + 1}"]
        assert lag.inputs["connectionsBandwidth"] == "10Gbps"
        assert vif.inputs["connectionId"] == lag.id and vif.inputs["dxGatewayId"] == dx.id
        assert vif.inputs["vlan"] == gcp_att.inputs["vlanTag8021q"] == att.vlan
        assert vif.inputs["bgpAsn"] == gcp_asn and vif.inputs["addressFamily"] == "ipv4"
        assert vif.inputs["amazonAddress"] == gcp_att.inputs["candidateCustomerRouterIpAddress"]
        assert vif.inputs["customerAddress"] == gcp_att.inputs["candidateCloudRouterIpAddress"]
    assert len({lag.id for lag in lags}) == 2  # one LAG per connection: CCI for AWS needs it


def test_aws_gcp_bgp_key_is_one_secret_shared_by_every_session() -> None:
    p = _peering(AWS, GCP)
    vifs, peers = p.by_type(VIF), p.by_type(PEER)
    assert all("bgpAuthKey" in v.secret_inputs for v in vifs)
    keys = {v.inputs["bgpAuthKey"] for v in vifs} | {
        x.inputs["md5AuthenticationKey"]["key"] for x in peers
    }
    (key,) = keys
    assert KEY.match(key)
    shown = [r.to_json()["inputs"] for r in vifs + peers]
    assert key not in str(shown)  # masked wherever the preview prints it


def test_aws_gcp_routes_reach_the_vpc_through_the_vgw() -> None:
    p, t = previews(AWS, GCP), topology(AWS, GCP)
    association = _peering(AWS, GCP).one(ASSOCIATION)
    assert association.inputs["associatedGatewayId"] == p[AWS.stack].one(VGW).id
    assert association.inputs["dxGatewayId"] == _peering(AWS, GCP).one(DX_GATEWAY).id
    assert association.inputs["allowedPrefixes"] == [t.stack(AWS.stack).network("core").cidr]
    propagations = _peering(AWS, GCP).by_type(PROPAGATION)
    tables = p[AWS.stack].by_type("aws:ec2/routeTable:RouteTable")  # workload, public
    assert sorted(r.inputs["routeTableId"] for r in propagations) == sorted(t.id for t in tables)
    for propagation in propagations:
        assert propagation.inputs["vpnGatewayId"] == p[AWS.stack].one(VGW).id
        assert association.urn in propagation.dependencies  # AWS: only after the association
    # The compute group's security group (the network's admits nothing).
    (sg,) = [
        r
        for r in p[AWS.stack].by_type("aws:ec2/securityGroup:SecurityGroup")
        if r.inputs["ingress"]
    ]
    gcp_cidr = t.stack(GCP.stack).network("core").cidr
    assert any(gcp_cidr in rule.get("cidrBlocks", []) for rule in sg.inputs["ingress"])


def test_gcp_azure_exact_resources_on_both_sides() -> None:
    a, b = sorted((AZURE, GCP))
    assert _counts(_peering(a, b)) == {
        PASSWORD: 1,
        INTERCONNECT: 2,
        ATTACHMENT: 2,
        INTERFACE: 2,
        PEER: 2,
        PORT: 1,
        CIRCUIT: 1,
        CIRCUIT_PEERING: 1,
        CONNECTION: 1,
    }


def test_gcp_azure_expressroute_gateway_in_the_gateway_subnet() -> None:
    a, b = sorted((AZURE, GCP))
    azure = previews(a, b)[AZURE.stack]
    assert _gateway_children(azure) == [PIP, VNG]  # no VPN gateway: only interconnects here
    vng = azure.one(VNG)
    assert vng.inputs["gatewayType"] == "ExpressRoute"
    assert vng.inputs["sku"] == {"name": "ErGw1AZ", "tier": "ErGw1AZ"}
    (config,) = vng.inputs["ipConfigurations"]
    subnets = azure.by_type("azure-native:network:Subnet")
    (gateway_subnet,) = [s for s in subnets if s.inputs["subnetName"] == "GatewaySubnet"]
    assert config["subnet"]["id"] == gateway_subnet.id
    assert ipaddress.ip_network(gateway_subnet.inputs["addressPrefix"]).prefixlen <= 27
    assert config["publicIPAddress"]["id"] == _only(gateway_public_ips(azure)).id
    assert _only(gateway_public_ips(azure)).inputs["sku"]["name"] == "Standard"


def test_gcp_azure_private_peering_matches_the_attachments() -> None:
    a, b = sorted((AZURE, GCP))
    link, p = _link(a, b), _peering(a, b)
    _check_addresses(link)
    _check_gcp_half(p, previews(a, b)[GCP.stack], link)
    gcp_asn = bgp_router(previews(a, b)[GCP.stack]).inputs["bgp"]["asn"]
    assert link.asn_of(AZURE) == 12076 != gcp_asn  # Microsoft's edge
    assert {peer.inputs["peerAsn"] for peer in p.by_type(PEER)} == {12076}
    port, circuit, peering = p.one(PORT), p.one(CIRCUIT), p.one(CIRCUIT_PEERING)
    assert port.inputs["peeringLocation"] == CONFIG["skyinfra:expressroute-peering-location"]
    assert port.inputs["encapsulation"] == "Dot1Q" and port.inputs["bandwidthInGbps"] == 10
    assert circuit.inputs["expressRoutePort"] == {"id": port.id}
    assert peering.inputs["circuitName"] == circuit.outputs["name"]
    assert peering.inputs["peeringType"] == "AzurePrivatePeering"
    assert peering.inputs["peerASN"] == gcp_asn
    primary, secondary = link.attachments
    assert peering.inputs["primaryPeerAddressPrefix"] == primary.cidr
    assert peering.inputs["secondaryPeerAddressPrefix"] == secondary.cidr
    assert {x.inputs["vlanTag8021q"] for x in p.by_type(ATTACHMENT)} == {peering.inputs["vlanId"]}
    assert "sharedKey" in peering.secret_inputs and KEY.match(peering.inputs["sharedKey"])
    assert {x.inputs["md5AuthenticationKey"]["key"] for x in p.by_type(PEER)} == {
        peering.inputs["sharedKey"]
    }
    connection = p.one(CONNECTION)
    assert connection.inputs["connectionType"] == "ExpressRoute"
    assert connection.inputs["peer"] == {"id": circuit.id}
    vng = previews(a, b)[AZURE.stack].one(VNG)
    assert connection.inputs["virtualNetworkGateway1"] == {"id": vng.id}


def test_a_full_location_url_is_kept_as_given() -> None:
    url = "https://www.googleapis.com/compute/v1/projects/x/global/interconnectLocations/y"
    assert location_url(url, {"project": "p"}) == url


def _preview_peering(a: Site, b: Site, config: dict[str, str]) -> StackPreview:
    """The peering stack alone with `config`, the cloud stacks' outputs already previewed."""
    name = f"peer-{a.stack}--{b.stack}"
    references = {s: previews(a, b)[s].outputs for s in (a.stack, b.stack)}
    return preview_peering_stack(topology(a, b), name, {"gcp:project": "p", **config}, references)


def test_missing_ordering_config_names_every_key() -> None:
    a, b = AWS, GCP
    name = f"peer-{a.stack}--{b.stack}"
    config = {"skyinfra:interconnect-location-1": "iad-zone1-1"}
    with pytest.raises(Exception, match="skyinfra:directconnect-location-1") as err:
        _preview_peering(a, b, config)
    message = str(err.value)
    for key in ("directconnect-location-2", "interconnect-location-2"):
        assert f"pulumi config set -s {name} skyinfra:{key} VALUE" in message
    assert "skyinfra:interconnect-remote-location-1" in message
    assert "skyinfra:interconnect-location-1:" not in message  # it is set


def test_preview_runs_without_config_showing_what_is_unset() -> None:
    t = topology(AWS, GCP)
    configs = {s.name: stack_config(s) for s in t.stacks}
    (p,) = preview_topology(t, configs, only=f"peer-{AWS.stack}--{GCP.stack}")
    locations = [lag.inputs["location"] for lag in _by_index(p, LAG)]
    assert locations == [f"<unset: skyinfra:directconnect-location-{n}>" for n in (1, 2)]
    assert not p.by_type(VIF)  # phase 1 unless the stack says the ports are ready


# -- item: two phases ----------------------------------------------------------------------


@PAIRS
def test_phase_one_orders_the_ports_and_declares_nothing_that_needs_them(
    pair: tuple[Site, Site],
) -> None:
    """Without `skyinfra:interconnect-ready` no VIF, VLAN attachment, router interface, BGP
    peer or ExpressRoute circuit/peering/connection: the providers refuse them until the
    ports are provisioned. The ports (and the DX gateway, which needs none) are there."""
    a, b = sorted(pair)
    first, second = _counts(_peering(a, b, ready=False)), _counts(_peering(a, b))
    assert not PHASE_TWO & set(first)
    assert first[INTERCONNECT] == second[INTERCONNECT] == 2
    assert {t: n for t, n in second.items() if t not in PHASE_TWO} == first
    if AWS in pair:
        assert (first[LAG], first[DX_GATEWAY], first[ASSOCIATION]) == (2, 1, 1)
        assert (second[VIF], second[ATTACHMENT], second[INTERFACE], second[PEER]) == (2, 2, 2, 2)
    else:
        assert first[PORT] == 1
        assert {t: second[t] for t in (CIRCUIT, CIRCUIT_PEERING, CONNECTION)} == {
            CIRCUIT: 1,
            CIRCUIT_PEERING: 1,
            CONNECTION: 1,
        }
        assert (second[ATTACHMENT], second[INTERFACE], second[PEER]) == (2, 2, 2)


@PAIRS
def test_ports_keep_their_names_across_the_phases(pair: tuple[Site, Site]) -> None:
    """Phase 2 adds to phase 1: the ports are the same resources (same URN and inputs but
    the ExpressRoute links' admin state), so setting the key replaces nothing."""
    a, b = sorted(pair)
    ports = (INTERCONNECT, LAG, PORT, DX_GATEWAY)
    before = {r.urn: r.inputs for r in _peering(a, b, ready=False).resources if r.type in ports}
    after = {r.urn: r.inputs for r in _peering(a, b).resources if r.type in ports}
    assert before.keys() == after.keys()
    for urn, inputs in before.items():
        assert {k: v for k, v in after[urn].items() if k != "links"} == inputs


def test_the_guardrails_check_the_final_phase() -> None:
    """`skyinfra check` previews interconnects in phase 2: the VIFs' and BGP peers' keys are
    checked before the second `up` creates them."""
    t = topology(AWS, GCP)
    configs = {s.name: stack_config(s) for s in t.stacks}
    final = final_phase(t, configs)
    assert final[f"peer-{AWS.stack}--{GCP.stack}"] == READY
    assert {k: v for k, v in final.items() if k in configs} == configs  # cloud stacks untouched
    examples = Path(__file__).resolve().parents[2] / "examples"
    report = check_project(examples / "interconnect.yaml")
    plan = plan_spec(examples / "interconnect.yaml")
    previews = preview_topology(plan.topology, final_phase(plan.topology, plan.stack_configs()))
    assert any(r.type == VIF for p in previews for r in p.resources)
    assert report.resources == sum(1 for p in previews for r in p.resources if r.custom)


def test_the_ready_key_must_be_a_boolean() -> None:
    with pytest.raises(Exception, match="skyinfra:interconnect-ready must be true or false"):
        _preview_peering(AWS, GCP, {**CONFIG, "skyinfra:interconnect-ready": "soon"})


# -- item: ExpressRoute Direct links enabled -----------------------------------------------


def test_expressroute_port_links_are_enabled_in_phase_two_only() -> None:
    """A disabled link passes no traffic; Microsoft enables them once the cross-connects are
    patched, before the circuit."""
    a, b = sorted((AZURE, GCP))
    assert "links" not in _peering(a, b, ready=False).one(PORT).inputs  # Azure: Disabled
    port = _peering(a, b).one(PORT)
    assert port.inputs["links"] == [
        {"name": "link1", "adminState": "Enabled"},
        {"name": "link2", "adminState": "Enabled"},
    ]
    assert port.urn in _peering(a, b).one(CIRCUIT).dependencies


# -- item: two facilities per side ---------------------------------------------------------


def test_each_connection_lands_in_its_own_facility() -> None:
    p = _peering(AWS, GCP)
    ports, lags = _by_index(p, INTERCONNECT), _by_index(p, LAG)
    assert [x.inputs["location"].rsplit("/", 1)[-1] for x in ports] == [
        CONFIG["skyinfra:interconnect-location-1"],
        CONFIG["skyinfra:interconnect-location-2"],
    ]
    assert [x.inputs["remoteLocation"] for x in ports] == [
        CONFIG["skyinfra:interconnect-remote-location-1"],
        CONFIG["skyinfra:interconnect-remote-location-2"],
    ]
    assert [x.inputs["location"] for x in lags] == [
        CONFIG["skyinfra:directconnect-location-1"],
        CONFIG["skyinfra:directconnect-location-2"],
    ]


@pytest.mark.parametrize(
    ("key", "other"),
    [
        ("directconnect-location-2", "directconnect-location-1"),
        ("interconnect-location-2", "interconnect-location-1"),
    ],
)
def test_one_location_twice_is_refused_naming_both_keys(key: str, other: str) -> None:
    config = {**CONFIG, f"skyinfra:{key}": CONFIG[f"skyinfra:{other}"]}
    with pytest.raises(Exception, match="two facilities") as err:
        _preview_peering(AWS, GCP, config)
    assert f"skyinfra:{other} = skyinfra:{key}" in str(err.value)


def test_two_ports_in_one_edge_availability_domain_are_refused() -> None:
    config = {**CONFIG, "skyinfra:interconnect-location-2": "iad-zone1-2"}
    with pytest.raises(Exception, match="both in edge availability domain zone1"):
        _preview_peering(AZURE, GCP, config)


def test_the_plan_asks_for_two_locations_per_side() -> None:
    keys = [key for key, _ in _link(AWS, GCP).config]
    assert keys == [
        "directconnect-location-1",
        "directconnect-location-2",
        "interconnect-location-1",
        "interconnect-location-2",
        "interconnect-remote-location-1",
        "interconnect-remote-location-2",
    ]
    assert set(_link(AWS, GCP).distinct) == {
        ("directconnect-location-1", "directconnect-location-2"),
        ("interconnect-location-1", "interconnect-location-2"),
    }
    assert all("-1 and -2" in step for step in _link(AWS, GCP).out_of_band)


# -- item: MTU -----------------------------------------------------------------------------


@PAIRS
def test_both_ends_use_mtu_1500(pair: tuple[Site, Site]) -> None:
    """GCP attachments default to 1440; AWS VIFs and ExpressRoute run 1500."""
    a, b = sorted(pair)
    p = _peering(a, b)
    assert [x.inputs["mtu"] for x in p.by_type(ATTACHMENT)] == ["1500", "1500"]
    if AWS in pair:
        assert [x.inputs["mtu"] for x in p.by_type(VIF)] == [1500, 1500]


# -- item: replacements do not collide -----------------------------------------------------


@PAIRS
def test_named_gcp_resources_delete_before_replacing(pair: tuple[Site, Site]) -> None:
    """A GCP name is unique: a replacement created first would fail with "already exists"."""
    a, b = sorted(pair)
    named = [
        r for r in _peering(a, b).resources if r.type.startswith("gcp:") and "name" in r.inputs
    ]
    assert {r.type for r in named} == {INTERCONNECT, ATTACHMENT, INTERFACE, PEER}
    assert all(r.delete_before_replace for r in named)
    assert "name" not in bgp_router(previews(a, b)[GCP.stack]).inputs  # auto-named: suffixed


def test_aws_azure_interconnect_stays_an_error_naming_alternatives() -> None:
    spec, placement = linked_spec([AWS, AZURE], [(AWS, AZURE)], mode="interconnect")
    with pytest.raises(UnsupportedError, match="no first-party dedicated interconnect") as err:
        build_topology(spec, placement)
    assert "mode: vpn" in str(err.value) and "Equinix" in str(err.value)
