"""Which offers of a region satisfy a request: the predicate as array operations.

A 1,000-group spec asks every region of every cloud for the cheapest offer of each distinct
request: thousands of filters over thousands of offers. Evaluated as numpy masks over one
region's offers (built once per region), a filter costs microseconds instead of a Python
loop over every offer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from skyinfra.offer import Offer
from skyinfra.spec import Quantity, Resources


class OfferArrays:
    """One region's offers, column by column."""

    def __init__(self, offers: Sequence[Offer]) -> None:
        self.offers = list(offers)
        self.vcpus = np.array([o.vcpus for o in offers], float)
        self.memory = np.array([o.memory_gib for o in offers], float)
        self.price = np.array([_nan(o.hourly(False)) for o in offers], float)
        self.spot_price = np.array([_nan(o.hourly(True)) for o in offers], float)
        self.arch = np.array([o.arch for o in offers], object)
        self.burstable = np.array([o.burstable for o in offers], bool)
        self.accelerator = np.array([(o.accelerator or "").lower() for o in offers], object)
        self.count = np.array([o.accelerator_count for o in offers], float)

    def fitting(self, want: Resources, spot: bool) -> list[Offer]:
        """The offers that satisfy `want`, in catalog order.

        Priced (> 0) for the purchase option asked; the same architecture; burstable
        (shared-core) families only when asked; cpus and memory exact or at least; the
        named accelerator with the exact count, and CPU-only requests get CPU-only offers.
        """
        if not self.offers:
            return []
        price = self.spot_price if spot else self.price
        with np.errstate(invalid="ignore"):
            mask = (price > 0) & (self.arch == want.arch)
        if not want.burstable:
            mask &= ~self.burstable
        mask &= _satisfies(want.cpus, self.vcpus)
        mask &= _satisfies(want.memory, self.memory)
        if want.accelerators is None:
            mask &= self.accelerator == ""
        else:
            mask &= self.accelerator == want.accelerators.name.lower()
            mask &= self.count == want.accelerators.count
        return [self.offers[i] for i in np.flatnonzero(mask)]


def _satisfies(wanted: Quantity | None, offered: np.ndarray) -> np.ndarray:
    if wanted is None:
        return np.ones(len(offered), bool)
    return offered >= wanted.amount if wanted.at_least else offered == wanted.amount


def _nan(price: float | None) -> float:
    return float("nan") if price is None else price
