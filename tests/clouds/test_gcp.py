"""GCP lowering under the mock engine: what the engine receives for each neutral kind."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from skyinfra.clouds import get_cloud
from skyinfra.clouds.base import GPU_ATTACH
from skyinfra.components import BUCKET_TOKEN, COMPUTE_TOKEN, NETWORK_TOKEN
from skyinfra.errors import UnsupportedError
from skyinfra.preview import Registered, StackPreview
from skyinfra.spec import Accelerator
from tests.stacks import SSH_KEY, run, stack_plan

NETWORK = "gcp:compute/network:Network"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
FIREWALL = "gcp:compute/firewall:Firewall"
BUCKET = "gcp:storage/bucket:Bucket"
TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
GROUP = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
ROUTER = "gcp:compute/router:Router"
NAT = "gcp:compute/routerNat:RouterNat"
PROJECT = "projects/demo-project"
COMPUTE_API = "https://www.googleapis.com/compute/v1/"


@cache
def plain() -> StackPreview:
    """n2-standard-4 x2, on demand, no public ports, protected bucket."""
    return run(stack_plan("gcp"))


@cache
def t4_spot() -> StackPreview:
    """T4:1 on n1-standard-8, spot, public port 443, unprotected bucket."""
    gpu = Accelerator("T4", 1)
    plan = stack_plan(
        "gcp", gpu=gpu, instance_type="n1-standard-8", spot=True, public=True, protect=False
    )
    return run(plan)


@cache
def a100() -> StackPreview:
    """A100:8 on a2-highgpu-8g (GPUs built into the machine type), on demand."""
    return run(stack_plan("gcp", gpu=Accelerator("A100", 8), instance_type="a2-highgpu-8g"))


def children(p: StackPreview, token: str) -> list[Registered]:
    (component,) = p.by_type(token)
    return [r for r in p.resources if r.parent == component.urn]


def firewalls(p: StackPreview) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in p.by_type(FIREWALL)}


# -- network --------------------------------------------------------------------------------


def test_network_is_a_custom_mode_vpc_with_one_subnetwork_and_no_rule_of_its_own() -> None:
    p = plain()
    assert sorted(r.type for r in children(p, NETWORK_TOKEN)) == sorted(
        [NETWORK, SUBNET, ROUTER, NAT]
    )
    net, subnet = p.one(NETWORK), p.one(SUBNET)
    assert net.inputs["autoCreateSubnetworks"] is False
    assert net.inputs["routingMode"] == "GLOBAL"
    assert subnet.inputs["ipCidrRange"] == "10.1.0.0/20"
    assert subnet.inputs["region"] == "us-central1"
    assert subnet.inputs["network"] == f"{PROJECT}/global/networks/demo-core-vpc"
    assert subnet.inputs["privateIpGoogleAccess"] is True


def test_cloud_nat_on_its_own_router_serves_the_regional_subnetwork() -> None:
    p = plain()
    router, nat = p.one(ROUTER), p.one(NAT)
    assert router.name == "demo-core-nat-router"
    assert router.inputs["network"] == f"{PROJECT}/global/networks/demo-core-vpc"
    assert router.inputs["region"] == "us-central1"
    assert "bgp" not in router.inputs  # NAT needs no BGP; the VPN has its own router
    assert nat.inputs["router"] == router.outputs["name"]
    assert nat.inputs["region"] == "us-central1"
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat.inputs["subnetworks"] == [
        {"name": p.one(SUBNET).outputs["selfLink"], "sourceIpRangesToNats": ["ALL_IP_RANGES"]}
    ]


def test_egress_none_has_no_cloud_nat() -> None:
    plan = stack_plan("gcp")
    (network,) = plan.networks
    p = run(replace(plan, networks=(replace(network, egress="none"),)))
    assert not p.by_type(ROUTER) and not p.by_type(NAT)
    assert "nat_router" not in p.outputs["networks"]["core"]


def test_the_group_admits_its_ports_from_trusted_ranges_and_ssh_from_iap_to_its_own_tag() -> None:
    p = plain()
    assert firewalls(p) == {
        "demo-api-fw-iap": {  # the way in: IAP TCP forwarding (Gcp.login)
            "network": f"{PROJECT}/global/networks/demo-core-vpc",
            "direction": "INGRESS",
            "allows": [{"protocol": "tcp", "ports": ["22"]}],
            "sourceRanges": ["35.235.240.0/20"],
            "targetTags": ["demo-api-vm"],
        },
        "demo-api-fw-trusted": {
            "network": f"{PROJECT}/global/networks/demo-core-vpc",
            "direction": "INGRESS",
            "allows": [{"protocol": "tcp", "ports": ["22", "443"]}],
            "sourceRanges": ["10.1.0.0/16", "10.2.0.0/16"],
            "targetTags": ["demo-api-vm"],  # this group's VMs only
        },
    }
    assert {r.type for r in children(p, COMPUTE_TOKEN)} >= {FIREWALL}


def test_a_public_group_gets_a_rule_from_anywhere_to_its_own_tag() -> None:
    rules = firewalls(t4_spot())
    assert set(rules) == {"demo-api-fw-iap", "demo-api-fw-trusted", "demo-api-fw-public"}
    public = rules["demo-api-fw-public"]
    assert public["allows"] == [{"protocol": "tcp", "ports": ["22", "443"]}]
    assert public["sourceRanges"] == ["0.0.0.0/0"]
    assert public["targetTags"] == ["demo-api-vm"]
    assert rules["demo-api-fw-trusted"]["sourceRanges"] == ["10.1.0.0/16", "10.2.0.0/16"]


def test_network_outputs_resolve_to_the_mock_ids_and_self_links() -> None:
    out = plain().outputs["networks"]["core"]
    net_id = f"{PROJECT}/global/networks/demo-core-vpc"
    subnet_id = f"{PROJECT}/regions/us-central1/subnetworks/demo-core-subnet-0"
    assert out == {
        "id": net_id,
        "name": "demo-core-vpc",
        "cidr": "10.1.0.0/16",
        "region": "us-central1",
        "subnet_ids": [subnet_id],
        "self_link": COMPUTE_API + net_id,
        "subnet_self_links": [COMPUTE_API + subnet_id],
        "nat_router": plain().one(ROUTER).outputs["name"],
    }
    assert plain().one(NETWORK).id == net_id and plain().one(SUBNET).id == subnet_id


# -- bucket ---------------------------------------------------------------------------------


def test_bucket_is_private_versioned_and_protected() -> None:
    p = plain()
    assert [r.type for r in children(p, BUCKET_TOKEN)] == [BUCKET]
    bucket = p.one(BUCKET)
    assert bucket.protect is True
    assert bucket.inputs["location"] == "US-CENTRAL1"
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    assert bucket.inputs["forceDestroy"] is False
    # Google-managed encryption at rest is always on; an `encryption` block would mean CMEK.
    assert "encryption" not in bucket.inputs


def test_bucket_protection_follows_the_plan() -> None:
    assert t4_spot().one(BUCKET).protect is False


def test_bucket_outputs_carry_the_auto_named_bucket() -> None:
    out = plain().outputs["buckets"]["datasets"]
    name = out["name"]
    assert (
        name.startswith("demo-datasets-bucket-") and len(name) == len("demo-datasets-bucket-") + 7
    )
    assert out == {
        "name": name,
        "id": name,
        "url": f"gs://{name}",
        "self_link": f"https://www.googleapis.com/storage/v1/b/{name}",
    }
    assert plain().one(BUCKET).id == name


# -- compute --------------------------------------------------------------------------------


def test_compute_is_a_template_behind_a_regional_mig() -> None:
    p = plain()
    want = [FIREWALL, FIREWALL, GROUP, TEMPLATE, "gcp:serviceaccount/account:Account"]
    assert sorted(r.type for r in children(p, COMPUTE_TOKEN)) == sorted(want)  # rules: trusted, IAP
    t = p.one(TEMPLATE).inputs
    assert t["machineType"] == "n2-standard-4"
    assert t["tags"] == ["demo-api-vm"]  # what the group's firewall rules target
    assert t["disks"] == [
        {
            "boot": True,
            "autoDelete": True,
            "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
            "diskSizeGb": 200.0,
            "diskType": "pd-balanced",
        }
    ]
    assert t["networkInterfaces"] == [
        {
            "network": f"{COMPUTE_API}{PROJECT}/global/networks/demo-core-vpc",
            "subnetwork": f"{COMPUTE_API}{PROJECT}/regions/us-central1/subnetworks/demo-core-subnet-0",
        }
    ]  # no access config: no public IP (the network's Cloud NAT is the way out)
    # OS Login: IAM decides who logs in; VMs with it ignore metadata keys, so none is set.
    assert t["metadata"] == {"enable-oslogin": "TRUE"}
    assert SSH_KEY not in str(t)
    assert t["scheduling"] == {"provisioningModel": "STANDARD"}
    assert t["shieldedInstanceConfig"] == {
        "enableSecureBoot": True,
        "enableVtpm": True,
        "enableIntegrityMonitoring": True,
    }
    assert "guestAccelerators" not in t


def test_a_public_group_gets_an_ephemeral_public_ip() -> None:
    (nic,) = t4_spot().one(TEMPLATE).inputs["networkInterfaces"]
    assert nic["accessConfigs"] == [{}]


def test_mig_runs_count_vms_of_the_unique_template_link() -> None:
    p = plain()
    g = p.one(GROUP).inputs
    assert g["region"] == "us-central1"
    assert g["targetSize"] == 2.0  # numbers arrive as floats under mocks
    assert g["baseInstanceName"] == "demo-api"
    (version,) = g["versions"]
    assert version["name"] == "primary"
    assert version["instanceTemplate"] == p.one(TEMPLATE).outputs["selfLinkUnique"]
    assert "?uniqueId=" in version["instanceTemplate"]
    # CPU groups keep GCP's EVEN spread and default update policy.
    assert "distributionPolicyTargetShape" not in g and "updatePolicy" not in g


def test_compute_outputs() -> None:
    out = plain().outputs["compute"]["api"]
    group_id = f"{PROJECT}/regions/us-central1/instanceGroupManagers/demo-api-group"
    assert out["group_id"] == group_id == plain().one(GROUP).id
    assert (out["instance_type"], out["count"]) == ("n2-standard-4", 2)
    assert out["template_id"] == f"{PROJECT}/global/instanceTemplates/demo-api-template"
    assert out["name"] == plain().one(GROUP).outputs["name"]  # what `skyinfra ssh` lists


def test_os_login_stays_on_beside_the_gpu_driver_metadata() -> None:
    metadata = t4_spot().one(TEMPLATE).inputs["metadata"]
    assert metadata == {"enable-oslogin": "TRUE", "install-nvidia-driver": "True"}


def test_t4_on_n1_is_a_guest_accelerator_on_a_spot_vm() -> None:
    t = t4_spot().one(TEMPLATE).inputs
    assert t["machineType"] == "n1-standard-8"
    assert t["guestAccelerators"] == [{"type": "nvidia-tesla-t4", "count": 1.0}]
    assert t["scheduling"] == {
        "onHostMaintenance": "TERMINATE",
        "provisioningModel": "SPOT",
        "preemptible": True,
        "automaticRestart": False,
        "instanceTerminationAction": "DELETE",
    }
    # The Deep Learning VM image is not one known to support Shielded VM: none is asked for
    # (so no Secure Boot, which would refuse unsigned NVIDIA kernel modules).
    assert "shieldedInstanceConfig" not in t


def test_a100_on_a2_carries_its_gpus_built_in() -> None:
    t = a100().one(TEMPLATE).inputs
    assert t["machineType"] == "a2-highgpu-8g"
    assert "guestAccelerators" not in t
    assert t["scheduling"] == {"onHostMaintenance": "TERMINATE", "provisioningModel": "STANDARD"}


@pytest.mark.parametrize("preview", [t4_spot, a100], ids=["t4", "a100"])
def test_gpu_groups_use_any_zone_with_capacity(preview: Any) -> None:
    g = preview().one(GROUP).inputs
    assert g["distributionPolicyTargetShape"] == "ANY"
    assert g["updatePolicy"] == {
        "type": "PROACTIVE",
        "minimalAction": "REPLACE",
        "instanceRedistributionType": "NONE",
        "maxSurgeFixed": 0.0,
        "maxUnavailableFixed": 4.0,
    }


@pytest.mark.parametrize(
    ("gpu", "instance_type", "message"),
    [
        ("A100:1", "n1-standard-8", r"A100:1 cannot be attached to n1-standard-8.*a2-highgpu-1g"),
        ("tpu-v5p-8", "n1-standard-8", "is a Cloud TPU"),
        ("T4:1", "n2-standard-8", "T4 attaches only to N1 machine types"),
        ("T4:1", "a2-highgpu-8g", "carries A100:8 built in; it cannot provide T4:1"),
    ],
)
def test_gpus_the_machine_type_cannot_carry_are_refused(
    gpu: str, instance_type: str, message: str
) -> None:
    plan = stack_plan("gcp", gpu=Accelerator.parse(gpu), instance_type=instance_type)
    with pytest.raises(UnsupportedError, match=message) as caught:
        run(plan)
    (problem,) = caught.value.problems
    assert problem.path == ("compute", "api", "resources", "accelerators")


def test_the_lowering_words_its_refusal_from_the_declared_entry() -> None:
    """Past `plan`'s check, straight to the lowering: the same `UNSUPPORTED` wording."""
    plan = stack_plan("gcp", gpu=Accelerator.parse("T4:1"), instance_type="n2-standard-8")
    with pytest.raises(UnsupportedError) as caught:
        run(plan)
    (problem,) = caught.value.problems
    assert problem.message.endswith(get_cloud("gcp").UNSUPPORTED[GPU_ATTACH])


def test_long_group_names_get_distinct_network_tags() -> None:
    """A tag is at most 63 characters: two groups whose names only differ past that must not
    share one, or each group's firewall rules would reach the other's VMs."""
    from types import SimpleNamespace

    from skyinfra.clouds.gcp.lowering import _target_tag

    stem = "demo-" + "a" * 70
    tags = {_target_tag(SimpleNamespace(name=f"{stem}{end}")) for end in ("x", "y")}  # type: ignore[arg-type]
    assert len(tags) == 2
    assert all(len(t) <= 63 and t[0].isalpha() and not t.endswith("-") for t in tags)
    assert _target_tag(SimpleNamespace(name="demo-api")) == "demo-api-vm"  # type: ignore[arg-type]
