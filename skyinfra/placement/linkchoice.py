"""VPN or interconnect for one link between clouds: both months and the break-even volume.

What `plan` explains for every link between two clouds, whichever mode the spec selected: the
month of the link as an HA VPN (its tunnels, the gateways only it uses, and internet egress of
the flows it carries) against the month as a dedicated interconnect (both sides' ports and
attachments, and the same flows at interconnect egress), and the volume at which they cost the
same, found by scaling every carried flow alike (tiered internet egress is not linear).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skyinfra.catalog.network import Egress, Links
from skyinfra.site import Site

GB_PER_TB = 1024  # network.json's unit: 1 TB = 1024 GB
VOLUME_LIMIT_GB = 1e9  # break-even searched up to this volume a month (about 1 EB)
_STEPS = 100  # bisection steps (far below a GB at any volume)


@dataclass(frozen=True)
class LinkChoice:
    """Both modes' month for one link (None: not in the catalog) and the break-even volume
    in GB a month (None: no volume makes the interconnect cheaper, or a price is n/a)."""

    vpn: float | None
    interconnect: float | None
    gb: float
    break_even_gb: float | None
    unpriced: tuple[str, ...]

    def cheaper(self) -> str | None:
        """The mode that costs less at today's volume (None: a price is n/a)."""
        if self.vpn is None or self.interconnect is None:
            return None
        return "interconnect" if self.interconnect < self.vpn else "vpn"

    def sentence(self) -> str:
        """`interconnect: saves $N/month at 300 TB/month; break-even 164 TB/month`."""
        at = _volume(self.gb)
        if self.vpn is None or self.interconnect is None:
            return f"interconnect: n/a at {at} (not in the catalog: {'; '.join(self.unpriced)})"
        saves = self.vpn - self.interconnect
        verb = f"saves ${saves:,.2f}/month" if saves > 0 else f"costs ${-saves:,.2f}/month more"
        even = (
            f"break-even {_volume(self.break_even_gb)}"
            if self.break_even_gb is not None
            else "no flows to scale to a break-even"
            if self.gb == 0
            else f"no break-even below {_volume(VOLUME_LIMIT_GB)}"
        )
        return (
            f"interconnect: {verb} at {at} (${self.interconnect:,.2f} vs VPN "
            f"${self.vpn:,.2f}); {even}"
        )


def link_choice(
    links: Links,
    egress: Egress,
    a: Site,
    b: Site,
    flows: Sequence[tuple[Site, float]],
    vpn_gateways: float,
) -> LinkChoice:
    """The choice for the link between `a` and `b` carrying `flows` ((source site, GB a
    month) each), `vpn_gateways` being what its VPN gateways cost that no other link shares."""

    def vpn(scale: float) -> float:
        data = sum((egress.internet(src, gb * scale) for src, gb in flows), 0.0)
        return links.link(a, b) + vpn_gateways + data

    def interconnect(scale: float) -> float | None:
        sent: dict[Site, float] = {}
        for src, gb in flows:
            sent[src] = sent.get(src, 0.0) + gb * scale
        return links.interconnect(a, b, sent).total

    quote = links.interconnect(a, b, {src: gb for src, gb in flows})
    gb = sum((g for _, g in flows), 0.0)
    ic = interconnect(1.0)
    even = _break_even(vpn, interconnect, VOLUME_LIMIT_GB / gb) if ic is not None and gb else None
    return LinkChoice(vpn(1.0), ic, gb, None if even is None else even * gb, quote.unpriced)


def _volume(gb: float) -> str:
    """`19.5 TB/month`, or `300 GB/month` below a TB."""
    return f"{gb:,.0f} GB/month" if gb < GB_PER_TB else f"{gb / GB_PER_TB:,.1f} TB/month"


def _break_even(
    vpn: Callable[[float], float], ic: Callable[[float], float | None], limit: float
) -> float | None:
    """The smallest scale of today's flows, up to `limit`, at which the interconnect
    costs no more than the VPN (None: none). Tiered internet egress can make the two cross
    more than once, so the first crossing on a doubling grid is bisected."""

    def ahead(scale: float) -> bool:
        price = ic(scale)
        return price is not None and price <= vpn(scale)

    if ahead(0.0):
        return 0.0
    low, high = 0.0, 2.0**-20
    while not ahead(high):
        if high >= limit:
            return None
        low, high = high, high * 2
    for _ in range(_STEPS):
        mid = (low + high) / 2
        low, high = (low, mid) if ahead(mid) else (mid, high)
    return high
