"""The optimiser's link model for the spec's `peering.mode`: the mode descriptor's prices.

Within a cloud a link is native peering (the catalog's price, nothing today). Between clouds
it is what the selected mode charges (`LinkMode.placement_price`, `gateway_price`), and the
data a linked flow sends over it costs the mode's own rate where it bills one
(`carried_rate`: interconnect egress) instead of internet egress. Where the mode has no price
for a pair (an interconnect side that is not sourced, or two clouds no hub joins) an HA VPN's
stands in and `stand_ins` says so: the plan then shows that link as n/a, never as free.
The carried rate depends on the sending site only (as all egress here does), so a linked
flow over such a stand-in pair is still priced at the mode's rate where its source has one:
the pairs concerned are n/a in the plan, or refused by the mode's check (no hub).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from skyinfra.catalog.network import Egress, Links
from skyinfra.peering.modes import PRICED, LinkMode, mode_named
from skyinfra.peering.modes.interconnect import INTERCONNECT
from skyinfra.placement.problem import AutoLinks
from skyinfra.site import Site


class ModeLinks:
    """`LinkModel` of one selected mode, with a VPN's prices where it has none."""

    def __init__(self, mode: LinkMode[Any], links: Links) -> None:
        self.mode = mode
        self._links = links
        self._vpn = mode_named(PRICED)

    def link(self, a: Site, b: Site) -> float:
        if a.cloud == b.cloud:
            return self._links.link(a, b)
        price = self.mode.placement_price(a, b, self._links)
        return self._links.link(a, b) if price is None else price

    def gateway(self, site: Site) -> float:
        return self.mode.gateway_price(site, self._links) or 0.0

    def stand_ins(self, pairs: Iterable[tuple[Site, Site]]) -> list[str]:
        """What `place` warns for each link between clouds the mode could not price."""
        return [
            f"placement priced {a.stack} <-> {b.stack} as an {self._links.kind(a, b)} link: "
            f"the catalog has no {self.mode.name} price for it"
            for a, b in sorted(pairs)
            if a.cloud != b.cloud
            and self.mode is not self._vpn
            and self.mode.placement_price(a, b, self._links) is None
        ]


class CarriedEgress:
    """`EgressModel` of linked flows under a mode that bills the data it carries: its rate
    between clouds where priced, the cloud's internet egress elsewhere."""

    def __init__(self, mode: LinkMode[Any], links: Links, egress: Egress) -> None:
        self._mode = mode
        self._links = links
        self._egress = egress

    def inter_region(self, src: Site, gb: float) -> float:
        return self._egress.inter_region(src, gb)

    def inter_group(self, src: Site, gb: float) -> float:
        return self._egress.inter_group(src, gb)

    def group(self, site: Site) -> Hashable:
        return self._egress.group(site)

    def internet(self, src: Site, gb: float) -> float:
        rate = self._mode.carried_rate(src, self._links)
        return self._egress.internet(src, gb) if rate is None else rate * gb


def auto_links(links: Links, egress: Egress) -> AutoLinks:
    """`peering.mode: auto`'s interconnect option: the interconnect mode's fixed price between
    sites of two clouds where every part of it is priced (ports, attachments and both sides'
    egress: never within a cloud, never a partly unpriced one), and its carried egress."""

    def interconnect(a: Site, b: Site) -> float | None:
        if a.cloud == b.cloud or INTERCONNECT.placement_price(a, b, links) is None:
            return None
        quote = links.interconnect(a, b, {a: 1.0, b: 1.0})
        return None if quote.total is None else quote.fixed

    return AutoLinks(interconnect, CarriedEgress(INTERCONNECT, links, egress))
