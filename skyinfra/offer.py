"""Price records, below the catalog and the clouds: a raw price row, and an `Offer` (something a
compute group can run on). The catalog reads them, each cloud turns rows into offers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One catalog line as published (SkyPilot v8 columns, normalised names).

    GCP publishes GPU prices as rows with an empty `instance_type`; clouds turn rows into
    offers (`Cloud.offers_from_rows`), so such quirks stay with their cloud.
    """

    cloud: str
    region: str
    instance_type: str  # "" for accelerator-only rows
    vcpus: float | None
    memory_gib: float | None
    accelerator: str | None
    accelerator_count: float | None
    price: float | None  # USD per hour, on demand; None = unknown / not offered
    spot_price: float | None
    arch: str | None = None  # "x86_64" / "arm64" where the file says; None: the cloud's name rules


@dataclass(frozen=True)
class Offer:
    """A launchable VM type in a region with its full hourly price (host + accelerators)."""

    cloud: str
    region: str
    instance_type: str
    vcpus: float
    memory_gib: float
    accelerator: str | None = None
    accelerator_count: float = 0
    price: float | None = None  # on-demand USD/h; None = not launchable on demand
    spot_price: float | None = None
    arch: str = "x86_64"
    burstable: bool = False

    def hourly(self, spot: bool) -> float | None:
        return self.spot_price if spot else self.price

    @property
    def accelerators(self) -> str | None:
        """`"A100:8"` style, or None for CPU-only offers."""
        if not self.accelerator:
            return None
        return f"{self.accelerator}:{self.accelerator_count:g}"
