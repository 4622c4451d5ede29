"""Cloud TPU slices as compute-group members: the one table pricing, checks and lowering share.

The catalog lists TPUs as accelerator-only rows (`tpu-v6e-8`, count 1) whose price is the
whole TPU VM: Cloud TPU bills per chip-hour with the host VM included
(https://cloud.google.com/tpu/pricing). Such a slice is not a Compute Engine machine type: it
is created through the Cloud TPU API (`gcp.tpu.V2Vm`, a TPU "node") in one zone, boots a TPU
software version instead of an image, and a managed instance group cannot hold it. A group
of N slices is N nodes. This module is pure data and functions (no Pulumi import).

Only the generations with a documented single-VM shape and software version are offered:
v5e (`v5litepod`) and v6e (Trillium). A slice up to 8 chips is one VM; a larger one is a
multi-host slice of 4-chip VMs (https://cloud.google.com/tpu/docs/v5e,
https://cloud.google.com/tpu/docs/v6e, "Supported configurations").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from skyinfra.clouds.base import GPU_ATTACH, GPU_PATH_TAIL, is_tpu
from skyinfra.errors import KeyPath
from skyinfra.spec import DEFAULT_IMAGE, Resources
from skyinfra.topology import ComputePlan

__all__ = [
    "GENERATIONS",
    "TPU_BOOT",
    "TPU_MULTI_HOST_GROUP",
    "TPU_SHAPE",
    "TPU_ZONE",
    "UNSUPPORTED",
    "Generation",
    "Slice",
    "is_tpu",
    "refusals",
    "slice_of",
    "tpu_price",
]

#: `Cloud.UNSUPPORTED` keys of what a TPU slice cannot be as a group member, with the reason.
TPU_SHAPE = "compute.tpu.shape"
TPU_MULTI_HOST_GROUP = "compute.tpu.multi-host-group"
TPU_ZONE = "compute.tpu.zone"
TPU_BOOT = "compute.tpu.boot"
UNSUPPORTED: Mapping[str, str] = {
    TPU_SHAPE: (
        "skyinfra creates TPU v5e and v6e slices (tpu-v5litepod-N, tpu-v6e-N with N = 1, 4, 8 "
        "or a multiple of 4 above 8), the generations with a documented TPU VM shape and "
        "software version"
    ),
    TPU_MULTI_HOST_GROUP: (
        "several multi-host slices working as one are a Multislice, which Cloud TPU creates "
        "only as a queued resource (tpu.V2QueuedResource); skyinfra creates each slice as its "
        "own TPU VM node: use count: 1, or slices of at most 8 chips"
    ),
    TPU_ZONE: (
        "skyinfra knows no zone of this region that offers the TPU (its table follows the "
        "catalog's zones): choose a region where `skyinfra catalog find` lists it"
    ),
    TPU_BOOT: (
        "a TPU VM boots the TPU software version Google provides for its generation (Ubuntu "
        "22.04) on a boot disk the Cloud TPU API sizes: it takes no image and no disk_gb "
        "other than the defaults"
    ),
}
#: The spec's defaults, which ask for nothing a TPU VM does not have (the TPU software
#: versions are Ubuntu 22.04; the V2Vm resource has no boot disk size): any other is refused.
_BOOT_IMAGE = DEFAULT_IMAGE
_BOOT_DISK_GB: int = Resources.model_fields["disk_gb"].default

_SINGLE_HOST_CHIPS = 8  # up to 8 chips: one VM; beyond: VMs of `_MULTI_HOST_VM_CHIPS` chips
_MULTI_HOST_VM_CHIPS = 4
# The snapshot's rows for regions whose TPU price the source did not know carry 700 $/h for
# every slice size (a v6e-1 and a v6e-256 alike): a placeholder, never a price.
_PLACEHOLDER_PRICE = 700.0


@dataclass(frozen=True)
class Generation:
    """One TPU generation: how its slices are named, boot and are shaped, and where."""

    prefix: str  # the TPU API's accelerator type prefix: "v6e" in "v6e-8"
    title: str
    # The TPU software version Google lists for PyTorch and JAX on this generation
    # (https://cloud.google.com/tpu/docs/runtimes): Ubuntu 22.04 with the TPU runtime.
    runtime_version: str
    vm_shapes: Mapping[int, tuple[int, int]]  # chips on one VM -> (vCPUs, memory GiB)
    # Region -> the zone its nodes go to: the first zone of the catalog snapshot's zone list
    # for the generation (SkyPilot's GCP catalog, the same for every slice size).
    zones: Mapping[str, str]


V5E = Generation(
    prefix="v5litepod",
    title="TPU v5e",
    runtime_version="v2-alpha-tpuv5-lite",
    # ct5lp-hightpu-1t / -4t / -8t (https://cloud.google.com/tpu/docs/v5e); the snapshot's
    # TPU host rows n2d-48-24-, n2d-192-112- and n2d-384-224-v5lite-tpu say the same.
    vm_shapes={1: (24, 48), 4: (112, 192), 8: (224, 384)},
    zones={
        "asia-east1": "asia-east1-a",
        "asia-northeast1": "asia-northeast1-b",
        "asia-southeast1": "asia-southeast1-b",
        "europe-north1": "europe-north1-a",
        "europe-west1": "europe-west1-b",
        "europe-west3": "europe-west3-c",
        "europe-west4": "europe-west4-a",
        "northamerica-northeast1": "northamerica-northeast1-b",
        "southamerica-west1": "southamerica-west1-b",
        "us-central1": "us-central1-a",
        "us-east1": "us-east1-b",
        "us-east5": "us-east5-a",
        "us-south1": "us-south1-a",
        "us-west1": "us-west1-c",
        "us-west4": "us-west4-a",
    },
)

V6E = Generation(
    prefix="v6e",
    title="TPU v6e (Trillium)",
    runtime_version="v2-alpha-tpuv6e",
    # ct6e-standard-1t / -4t / -8t (https://cloud.google.com/tpu/docs/v6e, "VM types").
    vm_shapes={1: (44, 176), 4: (180, 720), 8: (180, 1440)},
    zones={
        "asia-east1": "asia-east1-c",
        "asia-northeast1": "asia-northeast1-b",
        "asia-south1": "asia-south1-b",
        "asia-southeast1": "asia-southeast1-b",
        "europe-west4": "europe-west4-a",
        "southamerica-east1": "southamerica-east1-c",
        "southamerica-west1": "southamerica-west1-a",
        "us-central1": "us-central1-a",
        "us-central2": "us-central2-b",
        "us-east1": "us-east1-d",
        "us-east4": "us-east4-a",
        "us-east5": "us-east5-a",
        "us-south1": "us-south1-a",
        "us-west1": "us-west1-c",
    },
)

GENERATIONS: Mapping[str, Generation] = {g.prefix: g for g in (V5E, V6E)}

_TYPE = re.compile(r"^(?P<prefix>[a-z0-9]+)-(?P<chips>\d+)$")


@dataclass(frozen=True)
class Slice:
    """One TPU slice shape, e.g. v6e-8: its generation and chip count."""

    generation: Generation
    chips: int

    @property
    def accelerator_type(self) -> str:
        """What the TPU API's `acceleratorType` takes, and the offer's instance type."""
        return f"{self.generation.prefix}-{self.chips}"

    @property
    def accelerator(self) -> str:
        """The catalog's accelerator name (`tpu-v6e-8`)."""
        return f"tpu-{self.accelerator_type}"

    @property
    def vms(self) -> int:
        """The TPU VMs (hosts) the slice spans."""
        if self.chips <= _SINGLE_HOST_CHIPS:
            return 1
        return self.chips // _MULTI_HOST_VM_CHIPS

    @property
    def multi_host(self) -> bool:
        return self.vms > 1

    @property
    def shape(self) -> tuple[int, int]:
        """(vCPUs, memory GiB) of all its VMs together."""
        vm_chips = self.chips if not self.multi_host else _MULTI_HOST_VM_CHIPS
        vcpus, memory = self.generation.vm_shapes[vm_chips]
        return vcpus * self.vms, memory * self.vms

    def zone(self, region: str) -> str | None:
        """The zone its nodes are created in, in `region`; None where it is not offered."""
        return self.generation.zones.get(region)


def slice_of(name: str) -> Slice | None:
    """The supported slice an accelerator name (`tpu-v6e-8`) or TPU API type (`v6e-8`) names;
    None for anything else (other generations, shapes without a single-VM size, GPUs)."""
    match = _TYPE.match(name.lower().removeprefix("tpu-"))
    if match is None or match["prefix"] not in GENERATIONS:
        return None
    generation = GENERATIONS[match["prefix"]]
    chips = int(match["chips"])
    fits = chips in generation.vm_shapes or (
        chips > _SINGLE_HOST_CHIPS and chips % _MULTI_HOST_VM_CHIPS == 0
    )
    return Slice(generation, chips) if fits else None


def tpu_price(price: float | None) -> float | None:
    """A TPU row's hourly price, None when unknown, 0 (unpriced) or the placeholder."""
    if price is None or price <= 0 or price == _PLACEHOLDER_PRICE:
        return None
    return price


Refusal = tuple[str, str, KeyPath]  # (UNSUPPORTED key, what hit it, path under the group)


def refusals(plan: ComputePlan, found: Slice) -> Iterator[Refusal]:
    """Why group `plan`, on TPU slice `found`, cannot be created as asked (nothing if it can)."""
    wanted = plan.accelerator
    if wanted is not None and (slice_of(wanted.name) != found or wanted.count != 1):
        detail = (
            f"{found.accelerator_type} is the Cloud TPU slice {found.accelerator}:1, not {wanted}"
        )
        yield GPU_ATTACH, detail, GPU_PATH_TAIL
    if found.zone(plan.site.region) is None:
        yield TPU_ZONE, f"{found.accelerator} in {plan.site.region}", ("placement",)
    if found.multi_host and plan.count > 1:
        detail = f"{plan.count} slices of {found.accelerator} ({found.vms} VMs each)"
        yield TPU_MULTI_HOST_GROUP, detail, ("count",)
    if plan.custom_image is not None or plan.image != _BOOT_IMAGE:
        yield (
            TPU_BOOT,
            f"image {plan.custom_image or plan.image} on {found.accelerator}",
            ("image",),
        )
    if plan.disk_gb != _BOOT_DISK_GB:
        yield TPU_BOOT, f"disk_gb {plan.disk_gb} on {found.accelerator}", ("resources", "disk_gb")
