"""The three cross-cloud VPN pairs under the mock engine: both sides of every link must agree.

Each test previews the two cloud stacks and the peering stack, exactly as `preview` does, and
checks what the engine received: resource types and counts per side, the tunnel mapping, the
BGP ASNs and inside addresses on both sides, the keys (secret everywhere, equal at both ends of
a tunnel) and the routing (route propagation, router advertisement, firewall sources).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

import pytest

from skyinfra.clouds import get_cloud
from skyinfra.clouds.gcp import ike as gcp_ike
from skyinfra.peering.ipsec import PROPOSAL
from skyinfra.preview import Registered, StackPreview
from tests.peering.linkspec import AWS, AZURE, GCP
from tests.peering.vpnpairs import PORT, host, ordered, vpn_previews, vpn_topology
from tests.stacks import bgp_router, gateway_public_ips

PSK = re.compile(r"^[A-Za-z][A-Za-z0-9]{31}$")
APIPA = [ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24")]
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")

CGW = "aws:ec2/customerGateway:CustomerGateway"
VPN = "aws:ec2/vpnConnection:VpnConnection"
VGW = "aws:ec2/vpnGateway:VpnGateway"
EXTERNAL = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
INTERFACE = "gcp:compute/routerInterface:RouterInterface"
PEER = "gcp:compute/routerPeer:RouterPeer"
ROUTER = "gcp:compute/router:Router"
HA = "gcp:compute/haVpnGateway:HaVpnGateway"
LNG = "azure-native:network:LocalNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
VNG = "azure-native:network:VirtualNetworkGateway"
PIP = "azure-native:network:PublicIPAddress"
KEY = "random:index/randomPassword:RandomPassword"


def _peering(a: object, b: object) -> StackPreview:
    return vpn_previews(a, b)[f"peer-{a.stack}--{b.stack}"]  # type: ignore[attr-defined]


def _counts(p: StackPreview) -> Counter[str]:
    return Counter(r.type for r in p.resources if r.custom and not r.type.startswith("pulumi:"))


def _inside_cidrs(a: object, b: object) -> list[str]:
    (link,) = vpn_topology(a, b).links.links  # type: ignore[arg-type]
    return [t.inside_cidr for t in link.tunnels]


def _aws_tunnels(p: StackPreview) -> list[tuple[Registered, int]]:
    """(VPN connection, tunnel number 1/2) in tunnel order: connection X carries 2X, 2X+1."""
    return [(conn, n) for conn in ordered(p, VPN) for n in (1, 2)]


def _check_secret_keys(p: StackPreview, values: list[str]) -> None:
    assert len(p.by_type(KEY)) == len(values)
    for value in values:
        assert PSK.match(value), value


# -- AWS <-> GCP ------------------------------------------------------------------------------


def test_aws_gcp_resource_sets_on_both_sides() -> None:
    assert _counts(_peering(AWS, GCP)) == {
        CGW: 2, VPN: 2, EXTERNAL: 1, TUNNEL: 4, INTERFACE: 4, PEER: 4, KEY: 4,
    }  # fmt: skip
    providers = sorted(r.type for r in _peering(AWS, GCP).resources if r.type.startswith("pulumi:"))
    assert providers == ["pulumi:providers:aws", "pulumi:providers:gcp"]


def test_aws_gcp_tunnel_mapping_addresses_and_asns_agree() -> None:
    stacks, p = vpn_previews(AWS, GCP), _peering(AWS, GCP)
    ha_ips = [i["ipAddress"] for i in stacks[GCP.stack].one(HA).outputs["vpnInterfaces"]]
    router_asn = int(bgp_router(stacks[GCP.stack]).inputs["bgp"]["asn"])  # floats under mocks
    aws_asn = stacks[AWS.stack].one(VGW).inputs["amazonSideAsn"]
    assert aws_asn != str(router_asn)
    cgws = ordered(p, CGW)
    assert [c.inputs["ipAddress"] for c in cgws] == ha_ips
    assert {c.inputs["bgpAsn"] for c in cgws} == {str(router_asn)}
    assert [v.inputs["customerGatewayId"] for v in ordered(p, VPN)] == [c.id for c in cgws]
    external = p.one(EXTERNAL)
    assert external.inputs["redundancyType"] == "FOUR_IPS_REDUNDANCY"
    outside = [conn.outputs[f"tunnel{n}Address"] for conn, n in _aws_tunnels(p)]
    assert [i["ipAddress"] for i in external.inputs["interfaces"]] == outside
    assert [i["id"] for i in external.inputs["interfaces"]] == [0, 1, 2, 3]
    for k, tunnel in enumerate(ordered(p, TUNNEL)):
        assert tunnel.inputs["vpnGatewayInterface"] == k // 2
        assert tunnel.inputs["peerExternalGatewayInterface"] == k
        assert tunnel.inputs["peerExternalGateway"] == external.id
        assert tunnel.inputs["ikeVersion"] == 2
    for bgp in ordered(p, PEER):
        assert str(int(bgp.inputs["peerAsn"])) == aws_asn


def test_aws_gcp_inside_addresses_aws_first_host_gcp_second() -> None:
    p, cidrs = _peering(AWS, GCP), _inside_cidrs(AWS, GCP)
    _check_inside_cidrs(cidrs, AWS.cloud, GCP.cloud)
    assert [c.inputs[f"tunnel{n}InsideCidr"] for c, n in _aws_tunnels(p)] == cidrs
    for cidr, interface, bgp in zip(cidrs, ordered(p, INTERFACE), ordered(p, PEER), strict=True):
        assert interface.inputs["ipRange"] == f"{host(cidr, 2)}/30"
        assert bgp.inputs["ipAddress"] == host(cidr, 2)
        assert bgp.inputs["peerIpAddress"] == host(cidr, 1)
        assert bgp.inputs["interface"] == interface.inputs["name"]
    vpn = ordered(p, VPN)[0]
    assert vpn.outputs["tunnel1VgwInsideAddress"] == host(cidrs[0], 1)


def test_aws_gcp_keys_are_secret_and_equal_at_both_ends() -> None:
    p = _peering(AWS, GCP)
    aws_keys = []
    for conn, n in _aws_tunnels(p):
        assert f"tunnel{n}PresharedKey" in conn.secret_inputs
        aws_keys.append(conn.inputs[f"tunnel{n}PresharedKey"])
        assert conn.inputs[f"tunnel{n}IkeVersions"] == ["ikev2"]
        for phase in ("Phase1", "Phase2"):
            for kind in ("EncryptionAlgorithms", "IntegrityAlgorithms", "DhGroupNumbers"):
                assert len(conn.inputs[f"tunnel{n}{phase}{kind}"]) == 1
    tunnels = ordered(p, TUNNEL)
    assert all("sharedSecret" in t.secret_inputs for t in tunnels)
    assert [t.inputs["sharedSecret"] for t in tunnels] == aws_keys
    assert len(set(aws_keys)) == 4
    _check_secret_keys(p, aws_keys)


def test_aws_gcp_cidrs_are_routed_and_only_the_peer_is_admitted() -> None:
    stacks, topology = vpn_previews(AWS, GCP), vpn_topology(AWS, GCP)
    aws_cidr = topology.stack(AWS.stack).networks[0].cidr
    gcp_cidr = topology.stack(GCP.stack).networks[0].cidr
    aws = stacks[AWS.stack]
    propagations = aws.by_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
    tables = aws.by_type("aws:ec2/routeTable:RouteTable")  # workload and public subnets'
    assert sorted(r.inputs["routeTableId"] for r in propagations) == sorted(t.id for t in tables)
    assert all(r.inputs["vpnGatewayId"] == aws.one(VGW).id for r in propagations)
    assert ordered(_peering(AWS, GCP), VPN)[0].inputs["staticRoutesOnly"] is False
    groups = aws.by_type("aws:ec2/securityGroup:SecurityGroup")
    (rule,) = [r for sg in groups for r in sg.inputs["ingress"]]  # the compute group's
    assert rule["cidrBlocks"] == [aws_cidr, gcp_cidr] and rule["fromPort"] == PORT
    gcp = stacks[GCP.stack]
    assert bgp_router(gcp).inputs["bgp"]["advertisedIpRanges"] == [{"range": gcp_cidr}]
    (firewall,) = [  # the group's ports (beside the way in, SSH from IAP)
        f for f in gcp.by_type("gcp:compute/firewall:Firewall") if f.name.endswith("-fw-trusted")
    ]
    assert firewall.inputs["sourceRanges"] == [gcp_cidr, aws_cidr]


# -- AWS <-> Azure ----------------------------------------------------------------------------


def test_aws_azure_resource_sets_on_both_sides() -> None:
    assert _counts(_peering(AWS, AZURE)) == {CGW: 2, VPN: 2, LNG: 4, CONNECTION: 4, KEY: 4}


def test_aws_azure_gateways_asns_and_tunnel_addresses_agree() -> None:
    stacks, p = vpn_previews(AWS, AZURE), _peering(AWS, AZURE)
    azure = stacks[AZURE.stack]
    vng = azure.one(VNG)
    azure_asn = int(vng.inputs["bgpSettings"]["asn"])
    aws_asn = stacks[AWS.stack].one(VGW).inputs["amazonSideAsn"]
    assert aws_asn != str(azure_asn)
    assert int(aws_asn) not in get_cloud(AZURE.cloud).reserved_asns
    cgws = ordered(p, CGW)
    assert [c.inputs["ipAddress"] for c in cgws] == [
        ip.outputs["ipAddress"] for ip in gateway_public_ips(azure)
    ]
    assert {c.inputs["bgpAsn"] for c in cgws} == {str(azure_asn)}
    for (conn, n), lng in zip(_aws_tunnels(p), ordered(p, LNG), strict=True):
        assert lng.inputs["gatewayIpAddress"] == conn.outputs[f"tunnel{n}Address"]
        assert lng.inputs["bgpSettings"]["asn"] == int(aws_asn)


def test_aws_azure_inside_addresses_in_the_apipa_band() -> None:
    stacks, p, cidrs = vpn_previews(AWS, AZURE), _peering(AWS, AZURE), _inside_cidrs(AWS, AZURE)
    _check_inside_cidrs(cidrs, AWS.cloud, AZURE.cloud)
    assert [c.inputs[f"tunnel{n}InsideCidr"] for c, n in _aws_tunnels(p)] == cidrs
    vng = stacks[AZURE.stack].one(VNG)
    lists = [x["customBgpIpAddresses"] for x in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]]
    assert lists == [[host(cidrs[0], 2), host(cidrs[1], 2)], [host(cidrs[2], 2), host(cidrs[3], 2)]]
    config_ids = [x["ipconfigurationId"] for x in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]]
    lngs = ordered(p, LNG)
    for k, (cidr, connection) in enumerate(zip(cidrs, ordered(p, CONNECTION), strict=True)):
        assert lngs[k].inputs["bgpSettings"]["bgpPeeringAddress"] == host(cidr, 1)
        inputs = connection.inputs
        assert inputs["localNetworkGateway2"] == {"id": lngs[k].id}
        assert inputs["virtualNetworkGateway1"] == {"id": vng.id}
        custom = inputs["gatewayCustomBgpIpAddresses"]
        assert [c["ipConfigurationId"] for c in custom] == config_ids
        assert custom[k // 2]["customBgpIpAddress"] == host(cidr, 2)
        assert custom[1 - k // 2]["customBgpIpAddress"] in lists[1 - k // 2]
        assert (inputs["connectionType"], inputs["connectionProtocol"]) == ("IPsec", "IKEv2")
        assert inputs["enableBgp"] is True and inputs["connectionMode"] == "ResponderOnly"


def test_aws_azure_keys_are_secret_on_both_sides_including_azure() -> None:
    p = _peering(AWS, AZURE)
    aws_keys = [c.inputs[f"tunnel{n}PresharedKey"] for c, n in _aws_tunnels(p)]
    connections = ordered(p, CONNECTION)
    assert all("sharedKey" in c.secret_inputs for c in connections)
    assert [c.inputs["sharedKey"] for c in connections] == aws_keys
    _check_secret_keys(p, aws_keys)


def test_aws_azure_nsg_admits_the_peer_cidr() -> None:
    stacks, topology = vpn_previews(AWS, AZURE), vpn_topology(AWS, AZURE)
    aws_cidr = topology.stack(AWS.stack).networks[0].cidr
    azure_cidr = topology.stack(AZURE.stack).networks[0].cidr
    nsg = stacks[AZURE.stack].one("azure-native:network:NetworkSecurityGroup")
    trusted = next(
        r for r in nsg.inputs["securityRules"] if r["name"] == f"allow-trusted-vm-{AZURE.stack}"
    )
    assert trusted["sourceAddressPrefixes"] == [azure_cidr, aws_cidr]


# -- GCP <-> Azure ----------------------------------------------------------------------------


def test_gcp_azure_resource_sets_on_both_sides() -> None:
    assert _counts(_peering(AZURE, GCP)) == {
        EXTERNAL: 1, TUNNEL: 2, INTERFACE: 2, PEER: 2, LNG: 2, CONNECTION: 2, KEY: 2,
    }  # fmt: skip


def test_gcp_azure_two_ips_each_way_and_asns_agree() -> None:
    stacks, p = vpn_previews(AZURE, GCP), _peering(AZURE, GCP)
    azure_ips = [ip.outputs["ipAddress"] for ip in gateway_public_ips(stacks[AZURE.stack])]
    ha_ips = [i["ipAddress"] for i in stacks[GCP.stack].one(HA).outputs["vpnInterfaces"]]
    azure_asn = stacks[AZURE.stack].one(VNG).inputs["bgpSettings"]["asn"]
    gcp_asn = bgp_router(stacks[GCP.stack]).inputs["bgp"]["asn"]
    assert azure_asn != gcp_asn
    external = p.one(EXTERNAL)
    assert external.inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
    assert [i["ipAddress"] for i in external.inputs["interfaces"]] == azure_ips
    for k, tunnel in enumerate(ordered(p, TUNNEL)):
        assert (
            tunnel.inputs["vpnGatewayInterface"],
            tunnel.inputs["peerExternalGatewayInterface"],
        ) == (k, k)
    assert [lng.inputs["gatewayIpAddress"] for lng in ordered(p, LNG)] == ha_ips
    assert {lng.inputs["bgpSettings"]["asn"] for lng in ordered(p, LNG)} == {gcp_asn}
    assert {bgp.inputs["peerAsn"] for bgp in ordered(p, PEER)} == {azure_asn}


def test_gcp_azure_inside_addresses_azure_first_host_gcp_second() -> None:
    stacks, p, cidrs = vpn_previews(AZURE, GCP), _peering(AZURE, GCP), _inside_cidrs(AZURE, GCP)
    _check_inside_cidrs(cidrs, AZURE.cloud, GCP.cloud)
    vng = stacks[AZURE.stack].one(VNG)
    lists = [x["customBgpIpAddresses"] for x in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]]
    assert lists == [[host(cidrs[0], 1)], [host(cidrs[1], 1)]]
    for k, cidr in enumerate(cidrs):
        bgp, interface = ordered(p, PEER)[k], ordered(p, INTERFACE)[k]
        assert interface.inputs["ipRange"] == f"{host(cidr, 2)}/30"
        assert (bgp.inputs["ipAddress"], bgp.inputs["peerIpAddress"]) == (
            host(cidr, 2),
            host(cidr, 1),
        )
        lng = ordered(p, LNG)[k]
        assert lng.inputs["bgpSettings"]["bgpPeeringAddress"] == host(cidr, 2)
        custom = ordered(p, CONNECTION)[k].inputs["gatewayCustomBgpIpAddresses"]
        assert custom[k]["customBgpIpAddress"] == host(cidr, 1)


def test_gcp_azure_keys_are_secret_and_equal_at_both_ends() -> None:
    p = _peering(AZURE, GCP)
    gcp_keys = [t.inputs["sharedSecret"] for t in ordered(p, TUNNEL)]
    assert all("sharedSecret" in t.secret_inputs for t in ordered(p, TUNNEL))
    assert all("sharedKey" in c.secret_inputs for c in ordered(p, CONNECTION))
    assert [c.inputs["sharedKey"] for c in ordered(p, CONNECTION)] == gcp_keys
    _check_secret_keys(p, gcp_keys)


# -- IKE/IPsec proposal: both ends agree ------------------------------------------------------

# One row per cipher role: the AWS tunnel option (after `tunnelN`) and the Azure IpsecPolicy
# key that carry it. Each cloud's spelling is read back to IKEv2 transform names / IANA DH
# group numbers through its own table below, so the two ends are compared in one language.
ROLES = {
    "ike_encryption": ("Phase1EncryptionAlgorithms", "ikeEncryption"),
    "ike_integrity": ("Phase1IntegrityAlgorithms", "ikeIntegrity"),
    "dh_group": ("Phase1DhGroupNumbers", "dhGroup"),
    "esp_encryption": ("Phase2EncryptionAlgorithms", "ipsecEncryption"),
    "esp_integrity": ("Phase2IntegrityAlgorithms", "ipsecIntegrity"),
    "pfs_group": ("Phase2DhGroupNumbers", "pfsGroup"),
    "child_lifetime_seconds": ("Phase2LifetimeSeconds", "saLifeTimeSeconds"),
}
AWS_NAMES: dict[str, str | int] = {"AES256": "AES-CBC-256", "SHA2-256": "HMAC-SHA2-256-128"}
AZURE_NAMES: dict[str, str | int] = {
    "AES256": "AES-CBC-256",
    "SHA256": "HMAC-SHA2-256-128",
    "ECP384": 20,  # Azure's name for DH group 20 in both the DH and the PFS role
}
AZURE_IKE_LIFETIME = 28_800  # fixed on Azure VPN gateways (not configurable)
# AWS and Azure take the PRF from the IKE integrity algorithm; GCP lists PRFs separately.
PRF_OF = {"HMAC-SHA2-256-128": "PRF-HMAC-SHA2-256"}


def _neutral(value: object, names: dict[str, str | int]) -> str | int:
    """A wire value in neutral terms: one-element AWS lists unwrapped, mock floats made ints."""
    if isinstance(value, list):
        (value,) = value  # exactly one algorithm per role on AWS
    if isinstance(value, float | int):
        return int(value)
    return names[str(value)]


def _aws_proposal(conn: Registered, n: int) -> dict[str, str | int]:
    inputs = conn.inputs
    proposal = {
        role: _neutral(inputs[f"tunnel{n}{aws}"], AWS_NAMES) for role, (aws, _) in ROLES.items()
    }
    proposal["ike_lifetime_seconds"] = int(inputs[f"tunnel{n}Phase1LifetimeSeconds"])
    proposal["ike_prf"] = PRF_OF[str(proposal["ike_integrity"])]
    return proposal


def _azure_proposal(connection: Registered) -> dict[str, str | int]:
    (policy,) = connection.inputs["ipsecPolicies"]  # Azure takes exactly one policy
    proposal = {role: _neutral(policy[azure], AZURE_NAMES) for role, (_, azure) in ROLES.items()}
    proposal["ike_lifetime_seconds"] = AZURE_IKE_LIFETIME
    proposal["ike_prf"] = PRF_OF[str(proposal["ike_integrity"])]
    return proposal


def test_aws_azure_tunnels_propose_the_same_ciphers_and_lifetimes_field_by_field() -> None:
    """Azure's default policy offers DH group 2, which AWS (pinned to 20) refuses: every
    Azure connection pins the exact proposal of the AWS tunnel it faces."""
    p = _peering(AWS, AZURE)
    connections = ordered(p, CONNECTION)
    for (conn, n), connection in zip(_aws_tunnels(p), connections, strict=True):
        aws, azure = _aws_proposal(conn, n), _azure_proposal(connection)
        for role in aws:
            assert aws[role] == azure[role], role
        assert aws["dh_group"] == aws["pfs_group"] == 20
        (policy,) = connection.inputs["ipsecPolicies"]
        # Data-volume rekey: Azure only (AWS rekeys on time alone); at least Azure's minimum.
        assert policy["saDataSizeKilobytes"] >= 1024
        assert not any("Kilobytes" in key for key in conn.inputs)
    assert _aws_proposal(*_aws_tunnels(p)[0]) == {
        "ike_encryption": PROPOSAL.ike_encryption,
        "ike_integrity": PROPOSAL.ike_integrity,
        "ike_prf": PROPOSAL.ike_prf,
        "dh_group": PROPOSAL.dh_group,
        "esp_encryption": PROPOSAL.esp_encryption,
        "esp_integrity": PROPOSAL.esp_integrity,
        "pfs_group": PROPOSAL.pfs_group,
        "ike_lifetime_seconds": PROPOSAL.ike_lifetime_seconds,
        "child_lifetime_seconds": PROPOSAL.child_lifetime_seconds,
    }


def _check_google_accepts(proposal: dict[str, str | int]) -> None:
    """GCP's ciphers are fixed by Google: every role's single choice must be among them."""
    for role, accepted in gcp_ike.ACCEPTS.items():
        assert proposal[role] in accepted, role


def test_aws_gcp_proposal_is_one_cloud_vpn_accepts() -> None:
    p = _peering(AWS, GCP)
    for conn, n in _aws_tunnels(p):
        _check_google_accepts(_aws_proposal(conn, n))
    assert {t.inputs["ikeVersion"] for t in ordered(p, TUNNEL)} == {2}


def test_gcp_azure_proposal_is_pinned_and_one_cloud_vpn_accepts() -> None:
    p = _peering(AZURE, GCP)
    for connection in ordered(p, CONNECTION):
        assert connection.inputs["connectionProtocol"] == "IKEv2"
        _check_google_accepts(_azure_proposal(connection))
    assert {t.inputs["ikeVersion"] for t in ordered(p, TUNNEL)} == {2}


@pytest.mark.parametrize("peer", [AZURE, GCP])
def test_aws_tunnels_start_and_restart_after_a_dead_peer_timeout(peer: object) -> None:
    """AWS brings every tunnel up and, on a DPD timeout, renegotiates itself (the default
    `clear` would wait for the peer, and Azure never initiates)."""
    for conn, n in _aws_tunnels(_peering(AWS, peer)):
        assert conn.inputs[f"tunnel{n}StartupAction"] == "start"
        assert conn.inputs[f"tunnel{n}DpdTimeoutAction"] == "restart"


# -- shared -----------------------------------------------------------------------------------


def _check_inside_cidrs(cidrs: list[str], *clouds: str) -> None:
    """Distinct link-local /30s that every end accepts."""
    nets = [ipaddress.ip_network(c) for c in cidrs]
    assert len(set(nets)) == len(nets)
    assert all(n.prefixlen == 30 and n.subnet_of(LINK_LOCAL) for n in nets)
    for cloud in clouds:
        reserved = [ipaddress.ip_network(c) for c in get_cloud(cloud).reserved_inside_cidrs]
        assert not any(n.overlaps(r) for n in nets for r in reserved)
        if get_cloud(cloud).bgp_inside_ranges:
            assert all(any(n.subnet_of(band) for band in APIPA) for n in nets)
    assert not any(n.overlaps(ipaddress.ip_network("169.254.169.0/24")) for n in nets)


@pytest.mark.parametrize(("a", "b"), [(AWS, GCP), (AWS, AZURE), (AZURE, GCP)])
def test_peering_stack_outputs_tunnels_and_bgp_peers(a: object, b: object) -> None:
    (link,) = vpn_topology(a, b).links.links  # type: ignore[arg-type]
    out = _peering(a, b).outputs["links"][link.name]
    for site in (a, b):
        side = out[site.stack]  # type: ignore[attr-defined]
        assert side["tunnels"] and len(side["bgp_peers"]) == len(link.tunnels)
