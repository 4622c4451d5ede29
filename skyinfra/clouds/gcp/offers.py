"""GCP offers: join the catalog's accelerator-only GPU rows onto the machine types that carry them.

GCP prices a GPU VM in two parts: the machine type row (e.g. `a2-highgpu-8g`) prices only its
vCPUs and RAM, and a row with an empty instance type prices the GPUs (e.g. `A100,8`). An offer
for `A100:8` in europe-west4 is therefore `a2-highgpu-8g` (6.51251 $/h) + `A100,8`
(12.90919 $/h) = 19.4217 $/h, which is what `join_gpu_offers` computes.

TPU rows (`tpu-v6e-8`) price a whole TPU VM: they become offers on their own, named by the
TPU API's accelerator type (`v6e-8`), for the slices `tpus.py` knows. The catalog's TPU host
machine types (`n2d-48-24-v5lite-tpu`, ...) price what TPU VMs run on: they cannot be created
as Compute Engine VMs, so they are no offers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from skyinfra.clouds.base import Cloud
from skyinfra.clouds.gcp import tpus
from skyinfra.clouds.gcp.gpus import FIXED_HOSTS, GPU_BOUND, N1_HOST, N1_MAX_VCPUS
from skyinfra.offer import Offer, Row

__all__ = ["join_gpu_offers"]

# The hosts TPU VMs run on, priced in the catalog but never launchable as Compute Engine VMs.
_TPU_HOST = re.compile(r"-tpu$")


def join_gpu_offers(cloud: Cloud, rows: list[Row]) -> Iterator[Offer]:
    """CPU offers for plain machine types, then one offer per (GPU row, host that can carry it).

    A GPU row is joined only onto host rows of the same region; GPUs with no host rule give
    no offers. TPU rows give an offer of their own where `tpus` knows the slice and its zone.
    """
    hosts: dict[tuple[str, str], Row] = {}
    n1_hosts: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.instance_type and row.vcpus is not None and row.memory_gib is not None:
            hosts[(row.region, row.instance_type)] = row
            if N1_HOST.match(row.instance_type):
                n1_hosts[row.region].append(row)
    for row in hosts.values():
        if not GPU_BOUND.match(row.instance_type) and not _TPU_HOST.search(row.instance_type):
            yield cloud.offer(row)
    for gpu in rows:
        if not gpu.instance_type and gpu.accelerator and gpu.accelerator_count:
            if tpus.is_tpu(gpu.accelerator):
                yield from _tpu_offer(cloud, gpu)
                continue
            for host in _hosts_for(gpu, hosts, n1_hosts[gpu.region]):
                yield _joined(cloud, host, gpu)


def _tpu_offer(cloud: Cloud, row: Row) -> Iterator[Offer]:
    """The TPU slice of `row` as an offer (instance type `v6e-8`), if it is one skyinfra can
    create in the row's region; its price is the row's (the TPU VM's host included)."""
    found = tpus.slice_of(row.accelerator or "")
    if found is None or row.accelerator_count != 1 or found.zone(row.region) is None:
        return
    vcpus, memory = found.shape
    yield cloud.offer(
        row,
        instance_type=found.accelerator_type,
        vcpus=float(vcpus),
        memory_gib=float(memory),
        price=tpus.tpu_price(row.price),
        spot_price=tpus.tpu_price(row.spot_price),
    )


def _hosts_for(gpu: Row, hosts: dict[tuple[str, str], Row], n1_hosts: Iterable[Row]) -> list[Row]:
    """The host rows in `gpu`'s region that carry exactly `gpu.accelerator_count` of it."""
    key = (gpu.accelerator or "", int(gpu.accelerator_count or 0))
    fixed = [hosts.get((gpu.region, name)) for name in FIXED_HOSTS.get(key, ())]
    found = [host for host in fixed if host is not None]
    max_vcpus = N1_MAX_VCPUS.get(key)
    if max_vcpus is not None:
        found += [host for host in n1_hosts if (host.vcpus or 0) <= max_vcpus]
    return found


def _joined(cloud: Cloud, host: Row, gpu: Row) -> Offer:
    """`host` with `gpu` attached, priced host + GPU for on-demand and spot separately."""
    return cloud.offer(
        host,
        accelerator=gpu.accelerator,
        accelerator_count=gpu.accelerator_count,
        price=_sum(host.price, gpu.price),
        spot_price=_sum(host.spot_price, gpu.spot_price),
    )


def _sum(host: float | None, gpu: float | None) -> float | None:
    """Both parts' price, or None when either is missing or 0 (unpriced SKU): never a guess."""
    if host is None or gpu is None or host <= 0 or gpu <= 0:
        return None
    return host + gpu
