"""What dedicated interconnect links cost (each cloud's `interconnect` section of network.json).

A link's monthly price is both sides' items (ports, VLAN attachments: `per_link` of each for
the redundant pair the peering planner builds) billed 730 hours, plus the egress of the data
each side sends over it at that cloud's interconnect rate (Cross-Cloud Interconnect egress,
Direct Connect data transfer out) instead of internet egress. Prices the sources do not give
are null in the data: the quote then names them (`unpriced`) and has no total, so a missing
price is never read as free and `peering.mode: auto` never picks such a link. Provider-neutral:
every difference between clouds is data keyed by cloud name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skyinfra.catalog.geo import Geo
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class InterconnectItem:
    """Something one side of a link is billed for by the hour (None: not sourced)."""

    unit: str
    per_hour: float | None
    per_link: int  # how many of it one link has (the redundant pair: 2 ports)
    confidence: str


@dataclass(frozen=True)
class InterconnectPrices:
    """One cloud's side of a dedicated interconnect: its items and its egress through it."""

    product: str
    items: Mapping[str, InterconnectItem]
    egress_unit: str
    egress_default: float | None
    egress_by_area: Mapping[str, float | None]
    egress_by_region: Mapping[str, float | None]

    def egress_rate(self, region: str, area: str | None) -> float | None:
        """USD per GB sent from `region` over the link (None: not sourced)."""
        if region in self.egress_by_region:
            return self.egress_by_region[region]
        return self.egress_by_area.get(area or "", self.egress_default)

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str) -> InterconnectPrices:
        items = {
            name: InterconnectItem(
                str(item["unit"]),
                _price(item["per_hour"]),
                int(item["per_link"]),
                str(item["confidence"]),
            )
            for name, item in data["items"].items()
        }
        if not items or min(i.per_link for i in items.values()) < 1:
            raise ValueError(f"{where}.items: at least one item, each with per_link >= 1")
        rates = data["egress"]["rates"]
        return cls(
            str(data["product"]),
            items,
            str(data["egress"]["unit"]),
            _price(rates["default"]),
            {k: _price(v) for k, v in rates.get("by_area", {}).items()},
            {k: _price(v) for k, v in rates.get("by_region", {}).items()},
        )


def _price(value: Any) -> float | None:
    if value is None:
        return None
    if float(value) < 0:
        raise ValueError(f"negative price {value}")
    return float(value)


@dataclass(frozen=True)
class InterconnectQuote:
    """One interconnect link's month: `fixed` (ports, attachments of both sides) and `egress`
    (of `gb` sent over it), each None when an item or rate is not sourced (`unpriced` says
    which); `items` describes what the link is billed for."""

    fixed: float | None
    egress: float | None
    gb: float
    unpriced: tuple[str, ...]
    items: str

    @property
    def total(self) -> float | None:
        """The link's monthly price, None unless every part is priced."""
        if self.fixed is None or self.egress is None:
            return None
        return self.fixed + self.egress


class Interconnects:
    """Monthly prices of dedicated interconnect links between two sites' clouds."""

    def __init__(self, clouds: Mapping[str, InterconnectPrices | None], geo: Geo) -> None:
        self._clouds = clouds
        self._geo = geo

    def side(self, cloud: str) -> InterconnectPrices | None:
        """`cloud`'s side (None: the catalog prices no interconnect for it)."""
        return self._clouds.get(cloud)

    def fixed(self, a: Site, b: Site) -> float | None:
        """Both sides' items a month; None when one is not sourced."""
        return self.quote(a, b, {}).fixed

    def rate(self, src: Site) -> float | None:
        """USD per GB that `src` sends over an interconnect (None: not sourced)."""
        side = self.side(src.cloud)
        if side is None:
            return None
        return side.egress_rate(src.region, self._geo.area(src.cloud, src.region))

    def quote(self, a: Site, b: Site, sent: Mapping[Site, float]) -> InterconnectQuote:
        """The link between `a` and `b` carrying `sent` (site -> GB a month it sends)."""
        unpriced: list[str] = []
        parts: list[str] = []
        hourly: float | None = 0.0
        for site in (a, b):
            side = self.side(site.cloud)
            if side is None:
                unpriced.append(f"{site.cloud}: no interconnect prices")
                hourly = None
                continue
            for item in side.items.values():
                parts.append(f"{item.per_link} {site.cloud} {item.unit}{'s' * (item.per_link > 1)}")
                if item.per_hour is None:
                    unpriced.append(f"{site.cloud} {item.unit}")
                    hourly = None
                elif hourly is not None:
                    hourly += item.per_link * item.per_hour
        egress: float | None = 0.0
        for site, gb in sorted(sent.items()):
            rate = self.rate(site)
            if rate is None:
                side = self.side(site.cloud)
                unit = side.egress_unit if side else "interconnect egress"
                unpriced.append(f"{site.cloud} {unit} from {site.region}")
                egress = None
            elif egress is not None:
                egress += rate * gb
        return InterconnectQuote(
            None if hourly is None else hourly * HOURS_PER_MONTH,
            egress,
            sum(sent.values(), 0.0),
            tuple(dict.fromkeys(unpriced)),
            ", ".join(parts),
        )
