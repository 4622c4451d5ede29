"""GCP's network is global: one stack creates it, the others add their regions to it."""

from __future__ import annotations

from skyinfra.build import build_topology, network_record, stack_config
from skyinfra.placement.lock import dump_lock, load_lock
from skyinfra.preview import preview_topology
from tests.peering.linkspec import GCP, GCP2, linked_spec

NETWORK = "gcp:compute/network:Network"


def test_the_first_gcp_stack_creates_the_network_and_the_others_reference_it() -> None:
    spec, placement = linked_spec([GCP, GCP2], [(GCP, GCP2)], ports=[22])
    topology = build_topology(spec, placement)
    assert topology.links.links == ()  # regions of one network need no link
    home, other = GCP2.stack, GCP.stack  # gcp-europe-west4 sorts first
    assert topology.stack(home).networks[0].home is None
    assert topology.stack(other).networks[0].home == home
    configs = {s.name: stack_config(s) for s in topology.stacks}
    previews = {p.name: p for p in preview_topology(topology, configs)}
    network = previews[home].one(NETWORK)
    assert not previews[other].by_type(NETWORK)
    subnet = previews[other].one("gcp:compute/subnetwork:Subnetwork")
    assert subnet.inputs["network"] == network.id
    assert subnet.inputs["region"] == GCP.region
    for stack in (other, home):
        firewalls = previews[stack].by_type("gcp:compute/firewall:Firewall")
        assert len(firewalls) == 2  # the group's ports, SSH from IAP (the way in)
        template = previews[stack].one("gcp:compute/instanceTemplate:InstanceTemplate").inputs
        for firewall in (f.inputs for f in firewalls):
            assert firewall["network"] == network.id
            # The stack's group's VMs only: the tag its template alone carries.
            assert firewall["targetTags"] == template["tags"] == [f"demo-vm-{stack}-vm"]
    assert previews[other].outputs["networks"]["core"]["self_link"] == network.outputs["selfLink"]


def test_previewing_one_stack_runs_the_stack_it_reads_first() -> None:
    spec, placement = linked_spec([GCP, GCP2], [(GCP, GCP2)])
    topology = build_topology(spec, placement)
    configs = {s.name: stack_config(s) for s in topology.stacks}
    (only,) = preview_topology(topology, configs, only=GCP.stack)
    assert only.name == GCP.stack and not only.by_type(NETWORK)


def test_the_recorded_home_is_kept_when_a_region_that_sorts_first_is_added() -> None:
    spec, placement = linked_spec([GCP])
    record = network_record(build_topology(spec, placement))
    assert record.homes == {"core": (GCP.stack,)}
    text = dump_lock(placement, record)
    assert "homes:" in text
    _, loaded = load_lock(text)
    spec, placement = linked_spec([GCP, GCP2], [(GCP, GCP2)])
    topology = build_topology(spec, placement, loaded)
    assert topology.stack(GCP.stack).networks[0].home is None  # still creates the network
    assert topology.stack(GCP2.stack).networks[0].home == GCP.stack
