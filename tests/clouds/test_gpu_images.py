"""GPU groups boot with the NVIDIA driver on every cloud; CPU groups and own images do not."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from skyinfra.clouds import get_cloud
from skyinfra.preview import StackPreview
from skyinfra.spec import Accelerator
from tests.stacks import run, stack_plan

AMI = "aws:ec2/getAmi:getAmi"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
DLAMI = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) ????????"
DLVM = "projects/deeplearning-platform-release/global/images/family/"
ENTRA = "Microsoft.Azure.ActiveDirectory"  # the login extension every scale set has
NVIDIA_EXTENSION = {
    "name": "NvidiaGpuDriverLinux",
    "publisher": "Microsoft.HpcCompute",
    "type": "NvidiaGpuDriverLinux",
    "typeHandlerVersion": "1.6",
    "autoUpgradeMinorVersion": True,
}
GPU_TYPES = {"aws": "g4dn.xlarge", "gcp": "n1-standard-8", "azure": "Standard_NC4as_T4_v3"}


def gpu_group(cloud: str, **changes: Any) -> StackPreview:
    """One T4 group on `cloud` (its compute plan changed by `changes`), under the mock engine."""
    plan = stack_plan(cloud, gpu=Accelerator("T4", 1), instance_type=GPU_TYPES[cloud])
    return run(replace(plan, compute=(replace(plan.compute[0], **changes),)))


def ami_lookup(p: StackPreview) -> dict[str, Any]:
    (call,) = [i for i in p.invokes if i.token == AMI]
    args = dict(call.args)
    args["filters"] = {f["name"]: f["values"] for f in args["filters"]}
    return args


def test_aws_gpu_groups_boot_the_deep_learning_ami_looked_up_by_owner_and_name() -> None:
    p = gpu_group("aws")
    assert ami_lookup(p) == {
        "mostRecent": True,
        "owners": ["amazon"],
        "filters": {"name": [DLAMI], "architecture": ["x86_64"], "virtualization-type": ["hvm"]},
    }
    assert p.one(LAUNCH_TEMPLATE).inputs["imageId"].startswith("ami-")


def test_aws_arm64_gpu_groups_get_the_arm64_deep_learning_ami() -> None:
    p = gpu_group("aws", arch="arm64", instance_type="g5g.xlarge")
    filters = ami_lookup(p)["filters"]
    assert filters["architecture"] == ["arm64"]
    assert filters["name"] == [
        "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) ????????"
    ]


def test_aws_cpu_groups_keep_the_plain_ubuntu_image() -> None:
    lookup = ami_lookup(run(stack_plan("aws")))
    assert lookup["owners"] == ["099720109477"]  # Canonical
    assert lookup["filters"]["name"] == ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]


def test_aws_own_ami_is_looked_up_by_id_only() -> None:
    p = gpu_group("aws", custom_image="ami-0123456789abcdef0")
    assert ami_lookup(p) == {
        "filters": {"image-id": ["ami-0123456789abcdef0"], "architecture": ["x86_64"]}
    }
    assert p.one(LAUNCH_TEMPLATE).inputs["imageId"] == "ami-0123456789abcdef0"


@pytest.mark.parametrize(
    ("changes", "family"),
    [
        ({}, "common-cu129-ubuntu-2204-nvidia-580"),
        ({"image": "ubuntu-24.04"}, "common-cu129-ubuntu-2404-nvidia-580"),
    ],
)
def test_gcp_gpu_groups_boot_a_deep_learning_vm_family_and_ask_for_the_driver(
    changes: dict[str, str], family: str
) -> None:
    t = gpu_group("gcp", **changes).one(INSTANCE_TEMPLATE).inputs
    (disk,) = t["disks"]
    assert disk["sourceImage"] == DLVM + family
    assert t["metadata"]["install-nvidia-driver"] == "True"


def test_gcp_cpu_groups_and_own_images_get_no_driver_metadata() -> None:
    cpu = run(stack_plan("gcp")).one(INSTANCE_TEMPLATE).inputs
    assert cpu["disks"][0]["sourceImage"].startswith("projects/ubuntu-os-cloud/")
    assert "install-nvidia-driver" not in cpu["metadata"]
    own = "projects/my-project/global/images/family/my-gpu-image"
    t = gpu_group("gcp", custom_image=own).one(INSTANCE_TEMPLATE).inputs
    assert t["disks"][0]["sourceImage"] == own
    assert "install-nvidia-driver" not in t["metadata"]


def azure_profile(p: StackPreview) -> dict[str, Any]:
    profile: dict[str, Any] = p.one(VMSS).inputs["virtualMachineProfile"]
    return profile


def test_azure_nvidia_groups_get_the_gpu_driver_extension_on_the_plain_image() -> None:
    profile = azure_profile(gpu_group("azure"))
    (driver,) = [e for e in profile["extensionProfile"]["extensions"] if e["publisher"] != ENTRA]
    assert driver == NVIDIA_EXTENSION
    assert profile["storageProfile"]["imageReference"]["publisher"] == "Canonical"


@pytest.mark.parametrize(
    "preview",
    [
        lambda: run(stack_plan("azure")),
        lambda: gpu_group("azure", accelerator=Accelerator("MI25", 1)),  # AMD: no NVIDIA driver
        lambda: gpu_group("azure", custom_image="Contoso:gpu-images:ubuntu-cuda:1.2.3"),
    ],
    ids=["cpu", "amd", "own-image"],
)
def test_azure_groups_without_nvidia_gpus_or_with_own_images_get_no_driver_extension(
    preview: Any,
) -> None:
    extensions = azure_profile(preview())["extensionProfile"]["extensions"]
    assert [e["publisher"] for e in extensions] == [ENTRA]  # Entra ID login only


def test_azure_own_images_are_a_urn_or_a_resource_id() -> None:
    urn = azure_profile(gpu_group("azure", custom_image="Contoso:gpu-images:ubuntu-cuda:1.2.3"))
    assert urn["storageProfile"]["imageReference"] == {
        "publisher": "Contoso",
        "offer": "gpu-images",
        "sku": "ubuntu-cuda",
        "version": "1.2.3",
    }
    image_id = (
        "/subscriptions/0000/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/cuda"
    )
    by_id = azure_profile(gpu_group("azure", custom_image=image_id))
    assert by_id["storageProfile"]["imageReference"] == {"id": image_id}


@pytest.mark.parametrize("name", ["Inferentia2", "inferentia2", "Trainium", "MI300X"])
def test_neuron_and_amd_accelerators_get_no_nvidia_driver(name: str) -> None:
    for cloud in ("aws", "azure"):
        assert not get_cloud(cloud).has_nvidia_gpus("x", Accelerator(name, 1))
    assert get_cloud("aws").has_nvidia_gpus("g6.xlarge", Accelerator("l4", 1))


def test_aws_inferentia_groups_boot_the_plain_image() -> None:
    plan = stack_plan("aws", gpu=Accelerator("Inferentia2", 1), instance_type="inf2.xlarge")
    filters = ami_lookup(run(plan))["filters"]
    assert filters["name"] == ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
