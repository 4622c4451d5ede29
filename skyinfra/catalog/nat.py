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

    def hourly(self, vms: int) -> float:
        """USD per hour of one NAT with `vms` VMs behind it."""
        per_vm = self.per_vm_hour * vms
        if self.vm_hours_cap_per_hour is not None:
            per_vm = min(per_vm, self.vm_hours_cap_per_hour)
        return self.per_hour + per_vm + self.address_per_hour * self.addresses

    def monthly(self, vms: int) -> float:
        """USD per month of one NAT with `vms` VMs behind it, data processed excluded."""
        return self.hourly(vms) * HOURS_PER_MONTH

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
