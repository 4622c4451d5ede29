"""Links that are not VPNs: native peering between two regions of one cloud (in the peering
stack, routes both ways)."""

from __future__ import annotations

from collections import Counter

from skyinfra.build import build_topology, stack_config
from skyinfra.preview import StackPreview, preview_topology
from skyinfra.site import Site
from skyinfra.topology import Topology
from tests.peering.linkspec import AWS, AWS2, AZURE, AZURE2, linked_spec
from tests.peering.vpnpairs import PORT, vpn_previews, vpn_topology

PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
ROUTE = "aws:ec2/route:Route"
VNET_PEERING = "azure-native:network:VirtualNetworkPeering"


def test_aws_vpc_peering_requested_in_one_region_accepted_in_the_other() -> None:
    a, b = sorted((AWS, AWS2))  # aws-eu-west-1, aws-us-east-1
    stacks, topology = vpn_previews(a, b), vpn_topology(a, b)
    p = stacks[f"peer-{a.stack}--{b.stack}"]
    custom = Counter(r.type for r in p.resources if r.custom)
    # A route each way into each VPC's two route tables (workload and public subnets').
    assert custom == {"pulumi:providers:aws": 2, PEERING: 1, ACCEPTER: 1, ROUTE: 4}
    regions = sorted(r.inputs["region"] for r in p.by_type("pulumi:providers:aws"))
    assert regions == sorted([a.region, b.region])
    vpc = {s.stack: stacks[s.stack].one("aws:ec2/vpc:Vpc").id for s in (a, b)}
    peering = p.one(PEERING)
    assert (peering.inputs["vpcId"], peering.inputs["peerVpcId"]) == (vpc[a.stack], vpc[b.stack])
    assert peering.inputs["peerRegion"] == b.region
    assert p.one(ACCEPTER).inputs["vpcPeeringConnectionId"] == peering.id
    cidr = {s.stack: topology.stack(s.stack).networks[0].cidr for s in (a, b)}
    routes = {r.inputs["routeTableId"]: r.inputs for r in p.by_type(ROUTE)}
    assert len(routes) == 4
    for here, there in ((a, b), (b, a)):
        for table in stacks[here.stack].by_type("aws:ec2/routeTable:RouteTable"):
            assert routes[table.id]["destinationCidrBlock"] == cidr[there.stack]
            assert routes[table.id]["vpcPeeringConnectionId"] == peering.id
        # The workload table's route keeps the name it always had (URNs).
        assert f"demo-{topology.links.links[0].name}-route-{here.stack}" in {
            r.name for r in p.by_type(ROUTE)
        }
        groups = stacks[here.stack].by_type("aws:ec2/securityGroup:SecurityGroup")
        (rule,) = [r for sg in groups for r in sg.inputs["ingress"]]  # the compute group's
        assert rule["cidrBlocks"] == [cidr[here.stack], cidr[there.stack]]


def test_azure_global_vnet_peering_in_both_directions() -> None:
    a, b = sorted((AZURE, AZURE2))
    stacks = vpn_previews(a, b)
    p = stacks[f"peer-{a.stack}--{b.stack}"]
    vnets = {s.stack: stacks[s.stack].one("azure-native:network:VirtualNetwork") for s in (a, b)}
    peerings = p.by_type(VNET_PEERING)
    pairs = {
        (x.inputs["virtualNetworkName"], x.inputs["remoteVirtualNetwork"]["id"]) for x in peerings
    }
    assert pairs == {
        (vnets[a.stack].outputs["name"], vnets[b.stack].id),
        (vnets[b.stack].outputs["name"], vnets[a.stack].id),
    }
    assert all(x.inputs["allowVirtualNetworkAccess"] is True for x in peerings)


def _per_zone_previews(a: Site, b: Site) -> tuple[Topology, dict[str, StackPreview]]:
    spec, placement = linked_spec([a, b], [(a, b)], ports=[PORT])
    core = spec.networks["core"].model_copy(update={"nat": "per_zone"})
    topology = build_topology(spec.model_copy(update={"networks": {"core": core}}), placement)
    configs = {s.name: stack_config(s) for s in topology.stacks}
    return topology, {p.name: p for p in preview_topology(topology, configs)}


def test_aws_vpc_peering_routes_into_every_zones_table_with_nat_per_zone() -> None:
    """Per zone, each VPC has two workload tables (one per NAT gateway) and the public one:
    the peering stack, which reads the VPCs by reference, routes into all three."""
    a, b = sorted((AWS, AWS2))
    topology, stacks = _per_zone_previews(a, b)
    p = stacks[f"peer-{a.stack}--{b.stack}"]
    routes = {r.inputs["routeTableId"]: r for r in p.by_type(ROUTE)}
    link = topology.links.links[0].name
    for here in (a, b):
        tables = {t.name: t.id for t in stacks[here.stack].by_type("aws:ec2/routeTable:RouteTable")}
        assert set(tables) == {"demo-core-rt", "demo-core-rt-1", "demo-core-public-rt"}
        assert {t: routes[i].name for t, i in tables.items()} == {
            "demo-core-rt": f"demo-{link}-route-{here.stack}",  # its name of old (URNs)
            "demo-core-rt-1": f"demo-{link}-route-{here.stack}-1",
            "demo-core-public-rt": f"demo-{link}-route-{here.stack}-public",
        }
    assert len(routes) == 6
