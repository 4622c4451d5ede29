"""Spec + placement -> Topology: stacks, addresses, ports and provider config."""

from __future__ import annotations

from pathlib import Path

from skyinfra.api import plan_spec
from skyinfra.site import Site
from skyinfra.spec import Accelerator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_three_clouds_has_one_stack_per_site() -> None:
    plan = plan_spec(EXAMPLES / "three-clouds.yaml")
    assert plan.topology.stack_names == ["aws-us-east-1", "azure-westeurope", "gcp-us-central1"]


def test_each_stack_holds_its_own_resources_with_distinct_cidrs() -> None:
    topology = plan_spec(EXAMPLES / "three-clouds.yaml").topology
    aws = topology.stack("aws-us-east-1")
    assert [b.name for b in aws.buckets] == ["logs"]
    assert [c.name for c in aws.compute] == ["web"]
    (network,) = aws.networks
    assert network.site == Site("aws", "us-east-1")
    assert network.subnets == ("10.1.0.0/20", "10.1.16.0/20")
    (web,) = aws.compute
    assert (web.network, web.ports, web.public, web.public_ports) == ("core", (443,), False, ())
    assert aws.groups_on(network.name) == (web,)
    cidrs = [s.networks[0].cidr for s in topology.stacks]
    assert len(set(cidrs)) == 3


def test_gpu_group_keeps_its_accelerator_and_arch() -> None:
    trainer = plan_spec(EXAMPLES / "three-clouds.yaml").topology.stack("gcp-us-central1").compute[0]
    assert trainer.accelerator == Accelerator("T4", 1)
    assert trainer.instance_type.startswith("n1-")
    assert (trainer.arch, trainer.disk_gb, trainer.count) == ("x86_64", 200, 1)


def test_stack_configs_carry_provider_settings() -> None:
    configs = plan_spec(EXAMPLES / "three-clouds.yaml").stack_configs()
    assert configs["aws-us-east-1"] == {
        "aws:region": "us-east-1",
        "skyinfra:cloud": "aws",
        "skyinfra:region": "us-east-1",
    }
    assert configs["gcp-us-central1"]["gcp:project"] == "my-gcp-project"
    assert configs["gcp-us-central1"]["gcp:region"] == "us-central1"
    assert configs["azure-westeurope"]["azure-native:location"] == "westeurope"
