"""What a network site's NAT costs (`data/network.json`, each cloud's `nat` item).

One shape for every cloud, interpreted without knowing any provider: an hourly gateway
charge, an hourly charge per VM behind the NAT up to a cap (GCP bills Cloud NAT per assigned
VM), its addresses by the hour, and a per-GB charge on the data it processes. Hourly prices
are billed `HOURS_PER_MONTH` hours a month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skyinfra.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class NatPrice:
    """One cloud's NAT: what its gateway is called and what it is billed for."""

    kind: str
    per_hour: float
    per_vm_hour: float
    vm_hours_cap_per_hour: float | None  # per-VM charges stop growing here (None: never)
    address_per_hour: float
    addresses: int
    per_gb: float  # data processed, on top of egress
    confidence: str
    own_storage_bypasses: bool = False  # this cloud's buckets are reached without the NAT

    def hourly(self, vms: int, gateways: int = 1) -> float:
        """USD per hour of a site's NAT: `gateways` gateways (one per zone with `nat:
        per_zone`), each with its addresses, and `vms` VMs behind them (billed once)."""
        per_vm = self.per_vm_hour * vms
        if self.vm_hours_cap_per_hour is not None:
            per_vm = min(per_vm, self.vm_hours_cap_per_hour)
        return (self.per_hour + self.address_per_hour * self.addresses) * gateways + per_vm

    def monthly(self, vms: int, gateways: int = 1) -> float:
        """USD per month of a site's NAT (`hourly`), data processed excluded."""
        return self.hourly(vms, gateways) * HOURS_PER_MONTH

    def processes(self, same_cloud: bool, same_region: bool, bucket: bool, regional: bool) -> bool:
        """Whether traffic between a VM behind this NAT and a resource elsewhere (a bucket if
        `bucket`; on this cloud, in this region) passes the NAT, private links aside: another
        cloud's always; this cloud's buckets unless they bypass it (`own_storage_bypasses`,
        or, with `regional` (an endpoint for the region's storage), those of the region);
        this cloud's VMs never (they share a network or a native link)."""
        if not same_cloud:
            return True
        if not bucket or self.own_storage_bypasses:
            return False
        return not (regional and same_region)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> NatPrice:
        cap = data.get("vm_hours_cap_per_hour")
        return cls(
            kind=str(data["kind"]),
            per_hour=float(data["per_hour"]),
            per_vm_hour=float(data["per_vm_hour"]),
            vm_hours_cap_per_hour=None if cap is None else float(cap),
            address_per_hour=float(data["address_per_hour"]),
            addresses=int(data["addresses"]),
            per_gb=float(data["per_gb"]),
            confidence=str(data["confidence"]),
            own_storage_bypasses=bool(data.get("own_storage_bypasses", False)),
        )
