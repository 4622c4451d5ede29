"""How GPUs reach a GCP VM: the one table both pricing (`offers.py`) and lowering use.

Two ways exist. Accelerator-optimised machine types (A2, A3, A4, G2) carry a fixed number of
GPUs built in; N1 general-purpose types take T4/V100/P100/P4 as *guest accelerators*, up to a
vCPU limit per GPU count. This module is pure data and functions (no Pulumi import), so a
spec can be checked at compile time with exactly the rules lowering applies.
"""

from __future__ import annotations

import re

from skyinfra.spec import Accelerator

# (GPU, count) -> machine types with exactly that many GPUs built in.
FIXED_HOSTS: dict[tuple[str, int], tuple[str, ...]] = {
    **{("A100", n): (f"a2-highgpu-{n}g",) for n in (1, 2, 4, 8)},
    ("A100", 16): ("a2-megagpu-16g",),
    **{("A100-80GB", n): (f"a2-ultragpu-{n}g",) for n in (1, 2, 4, 8)},
    **{("H100", n): (f"a3-highgpu-{n}g",) for n in (1, 2, 4, 8)},
    ("H100-MEGA", 8): ("a3-megagpu-8g",),
    ("H200", 8): ("a3-ultragpu-8g",),
    ("B200", 8): ("a4-highgpu-8g",),
    ("L4", 1): tuple(f"g2-standard-{n}" for n in (4, 8, 12, 16, 32)),
    ("L4", 2): ("g2-standard-24",),
    ("L4", 4): ("g2-standard-48",),
    ("L4", 8): ("g2-standard-96",),
}

# (GPU, count) -> the most vCPUs an N1 host may have to take that many guest GPUs.
N1_MAX_VCPUS: dict[tuple[str, int], int] = {
    ("T4", 1): 48,
    ("T4", 2): 48,
    ("T4", 4): 96,
    ("V100", 1): 12,
    ("V100", 2): 24,
    ("V100", 4): 48,
    ("V100", 8): 96,
    ("P100", 1): 16,
    ("P100", 2): 32,
    ("P100", 4): 96,
    ("P4", 1): 24,
    ("P4", 2): 48,
    ("P4", 4): 96,
}

# Neutral GPU name -> GCP's accelerator type for guest accelerators.
GUEST_TYPES: dict[str, str] = {
    "T4": "nvidia-tesla-t4",
    "V100": "nvidia-tesla-v100",
    "P100": "nvidia-tesla-p100",
    "P4": "nvidia-tesla-p4",
}

# GPUs attach to N1 general-purpose types only, not to megamem/ultramem or the TPU hosts.
N1_HOST = re.compile(r"^n1-(standard|highmem|highcpu)-\d+$")
# Families that cannot run without their built-in GPUs (also those missing from FIXED_HOSTS).
GPU_BOUND = re.compile(r"^(a2|a3|a4|a4x|g2)-")

_BUILT_IN: dict[str, Accelerator] = {
    machine: Accelerator(gpu, count)
    for (gpu, count), machines in FIXED_HOSTS.items()
    for machine in machines
}


def built_in(instance_type: str) -> Accelerator | None:
    """The GPUs an accelerator-optimised machine type carries, if it is one we know."""
    return _BUILT_IN.get(instance_type)


def has_gpus(instance_type: str, requested: Accelerator | None) -> bool:
    """Whether VMs of this type will have GPUs (they then cannot live-migrate)."""
    return requested is not None or bool(GPU_BOUND.match(instance_type))


def guest_accelerator(instance_type: str, requested: Accelerator | None) -> tuple[str, int] | None:
    """GCP's (accelerator type, count) to attach as guest accelerators; None when the VM
    has no GPU or carries it built in.

    Raises ValueError, with a message for the user, when `instance_type` cannot carry the
    request: a GPU is never silently dropped.
    """
    if requested is None:
        return None
    carried = built_in(instance_type)
    if carried is not None or GPU_BOUND.match(instance_type):
        if carried != requested:
            what = str(carried) if carried else "other GPUs"
            raise ValueError(
                f"{instance_type} carries {what} built in; it cannot provide {requested}"
            )
        return None
    limit = N1_MAX_VCPUS.get((requested.name, requested.count))
    if requested.name in GUEST_TYPES and N1_HOST.match(instance_type):
        if limit is None:
            counts = sorted(c for g, c in N1_MAX_VCPUS if g == requested.name)
            raise ValueError(
                f"GCP attaches {requested.name} in counts of {', '.join(map(str, counts))}, not {requested.count}"
            )
        vcpus = int(instance_type.rsplit("-", 1)[1])
        if vcpus > limit:
            raise ValueError(
                f"{requested} attaches to N1 types of at most {limit} vCPUs; {instance_type} has {vcpus}"
            )
        return GUEST_TYPES[requested.name], requested.count
    raise ValueError(_why_not(instance_type, requested))


def _why_not(instance_type: str, requested: Accelerator) -> str:
    if requested.name.lower().startswith("tpu"):
        return (
            f"{requested} is a Cloud TPU: it is a TPU VM of its own (the offer's instance type, "
            f"e.g. v6e-8 for tpu-v6e-8), not attached to {instance_type}"
        )
    if requested.name in GUEST_TYPES:
        return f"{requested.name} attaches only to N1 machine types (n1-standard/highmem/highcpu), not to {instance_type}"
    hosts = sorted({m for (g, c), ms in FIXED_HOSTS.items() if g == requested.name for m in ms})
    where = (
        f"use a machine type that carries it ({', '.join(hosts)})"
        if hosts
        else "GCP has no such GPU"
    )
    return f"{requested} cannot be attached to {instance_type}: {where}"
