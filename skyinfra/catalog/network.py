"""Network prices (`data/network.json`): storage, egress, and what VPN links and gateways cost.

Hand-made package data, every number with its source and confidence, read on first use.
Per-cloud differences (tiers, rates, what a cloud's side of a VPN link is made of) are data
keyed by cloud name, never by pair of clouds: `Egress` and `Links` interpret them without
knowing any provider, and a link's tunnel count comes from the rule the peering planner
builds by (`vpn_tunnels`), so a new cloud adds its own items and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from skyinfra.catalog.geo import Geo
from skyinfra.catalog.interconnect import InterconnectPrices, InterconnectQuote, Interconnects
from skyinfra.catalog.nat import NatPrice
from skyinfra.catalog.source import Source, lookup_cloud, read_json, vpn_tunnels
from skyinfra.errors import CatalogError
from skyinfra.site import Site
from skyinfra.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class Bracket:
    """Up to `up_to_gb` (inclusive): `per_gb` for this slice, or for the whole volume."""

    up_to_gb: float
    per_gb: float
    whole_volume: bool = False


@dataclass(frozen=True)
class Tiers:
    """Volume pricing in one shape for every cloud's encoding.

    A graduated bracket charges the slice of the volume inside it; a whole-volume bracket,
    when the volume ends in it, prices all of it at its rate (SkyPilot's GCP tiers, and its
    "above 150 TB" rule for AWS and Azure). Graduated brackets never follow whole-volume ones.
    """

    brackets: tuple[Bracket, ...]

    def cost(self, gb: float) -> float:
        """USD for `gb` (>= 0)."""
        below = charged = 0.0
        for bracket in self.brackets:
            if gb <= bracket.up_to_gb:
                if bracket.whole_volume:
                    return gb * bracket.per_gb
                return charged + (gb - below) * bracket.per_gb
            charged += (bracket.up_to_gb - below) * bracket.per_gb
            below = bracket.up_to_gb
        raise AssertionError("the last bracket is unbounded (checked on load)")

    @classmethod
    def parse(cls, data: Any, where: str) -> Tiers:
        """From `[{"up_to_gb": 1024 | null, "per_gb": 0.12, "whole_volume": true}, ...]`."""
        brackets = tuple(
            Bracket(
                math.inf if b["up_to_gb"] is None else float(b["up_to_gb"]),
                float(b["per_gb"]),
                bool(b.get("whole_volume", False)),
            )
            for b in data
        )
        limits = [b.up_to_gb for b in brackets]
        wholes = [b.whole_volume for b in brackets]
        if not brackets or limits[-1] != math.inf or limits != sorted(set(limits)):
            raise ValueError(f"{where}: brackets must rise strictly and end with up_to_gb null")
        if wholes != sorted(wholes):
            raise ValueError(f"{where}: a graduated bracket follows a whole-volume one")
        return cls(brackets)


@dataclass(frozen=True)
class Rates:
    """A per-GB rate for a source region: its own, else its area's, else the cloud default."""

    default: float
    by_area: Mapping[str, float]
    by_region: Mapping[str, float]

    def of(self, region: str, area: str | None) -> float:
        if region in self.by_region:
            return self.by_region[region]
        return self.by_area.get(area or "", self.default)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Rates:
        floats = {
            k: {r: float(v) for r, v in data.get(k, {}).items()} for k in ("by_area", "by_region")
        }
        return cls(float(data["default"]), floats["by_area"], floats["by_region"])


@dataclass(frozen=True)
class RegionGroups:
    """How a cloud's regions group for inter-region egress: by geo area (continent) or each
    region alone (`by`), with named exceptions (`by_region`: region -> group name)."""

    by: str  # "area" or "region"
    by_region: Mapping[str, str]

    def of(self, region: str, area: str | None) -> str:
        """The group's name; a region of unknown area is a group of its own."""
        if region in self.by_region:
            return self.by_region[region]
        return area if self.by == "area" and area else region

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None, where: str) -> RegionGroups:
        if data is None:  # a network.json from before region groups: continents
            return cls("area", {})
        by = str(data["by"])
        if by not in ("area", "region"):
            raise ValueError(f"{where}: groups.by is 'area' or 'region', not {by!r}")
        return cls(by, {str(r): str(g) for r, g in data.get("by_region", {}).items()})


@dataclass(frozen=True)
class VpnItem:
    """Something a VPN link or gateway is billed for (a connection, a tunnel, a gateway)."""

    unit: str
    per_hour: float
    confidence: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> VpnItem:
        return cls(str(data["unit"]), float(data["per_hour"]), str(data["confidence"]))


@dataclass(frozen=True)
class LinkSide:
    """One cloud's side of a cross-cloud VPN link (its `vpn.link`): the items it is billed
    for, each carrying `tunnels_each` of the link's tunnels, and its name for the link."""

    kind: str
    kind_precedence: int  # of two sides, the higher one names the link
    tunnels_each: Mapping[str, int]  # VPN item -> tunnels one of it carries

    def uses(self, tunnels: int) -> dict[str, int]:
        """Item -> count on this side of a link of `tunnels` (items come whole: rounded up)."""
        return {item: -(-tunnels // each) for item, each in self.tunnels_each.items()}

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str) -> LinkSide:
        each = {k: int(v["tunnels_each"]) for k, v in data["items"].items()}
        if min(each.values(), default=1) < 1:
            raise ValueError(f"{where}: tunnels_each must be at least 1")
        return cls(str(data["kind"]), int(data["kind_precedence"]), each)


@dataclass(frozen=True)
class CloudPrices:
    """One cloud's section of network.json."""

    storage: Tiers
    internet: Tiers
    internet_reference: float  # the per-GB rate `internet` tiers were written for
    internet_rates: Rates
    inter_region_rates: Rates
    vpn: Mapping[str, VpnItem]
    gateway: Mapping[str, int]  # item -> count, for one site's VPN gateway
    link: LinkSide
    nat: NatPrice | None = None  # a network site's NAT (None: not priced)
    interconnect: InterconnectPrices | None = None  # its side of a dedicated link
    # To a region of the same cloud outside the source's region group (None: the same rates
    # as within it, as network.json files without region groups say).
    other_group_rates: Rates | None = None
    region_groups: RegionGroups = RegionGroups("area", {})

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str) -> CloudPrices:
        internet, vpn = data["internet"], data["vpn"]
        return cls(
            storage=Tiers.parse(data["storage"]["tiers"], f"{where}.storage"),
            internet=Tiers.parse(internet["tiers"], f"{where}.internet"),
            internet_reference=float(internet["reference_per_gb"]),
            internet_rates=Rates.parse(internet["rates"]),
            inter_region_rates=Rates.parse(data["inter_region"]["rates"]),
            vpn={k: VpnItem.parse(v) for k, v in vpn["prices"].items()},
            gateway={k: int(n) for k, n in vpn["gateway"].items()},
            link=LinkSide.parse(vpn["link"], f"{where}.vpn.link"),
            nat=NatPrice.parse(data["nat"]) if "nat" in data else None,
            interconnect=InterconnectPrices.parse(data["interconnect"], f"{where}.interconnect")
            if "interconnect" in data
            else None,
            other_group_rates=(
                Rates.parse(data["inter_region"]["other_group"])
                if "other_group" in data["inter_region"]
                else None
            ),
            region_groups=RegionGroups.parse(
                data["inter_region"].get("groups"), f"{where}.inter_region"
            ),
        )


@dataclass(frozen=True)
class LinkKind:
    """What one link between two sites is made of: items per cloud, and tunnels in all."""

    kind: str
    tunnels: int
    uses: Mapping[str, Mapping[str, int]]  # cloud -> VPN item -> count, clouds sorted

    @classmethod
    def between(cls, sides: Mapping[str, LinkSide], tunnels: int) -> LinkKind:
        """A cross-cloud link of `tunnels`: each side's items, named by the side of higher
        `kind_precedence` (distinct per kind, checked on load)."""
        namer = max(sides.values(), key=lambda side: side.kind_precedence)
        return cls(namer.kind, tunnels, {c: sides[c].uses(tunnels) for c in sorted(sides)})


@dataclass(frozen=True)
class NetworkPrices:
    """network.json, parsed and checked once (a typo in the data fails on load, not mid-plan)."""

    label: str
    snapshot: str
    units: Mapping[str, str]
    sources: Mapping[str, str]
    clouds: Mapping[str, CloudPrices]
    same_cloud: LinkKind

    @classmethod
    def read(cls, source: Source) -> NetworkPrices:
        data = read_json(source)
        try:
            prices = cls(
                label=source.label,
                snapshot=str(data["snapshot"]),
                units=dict(data["units"]),
                sources=dict(data["sources"]),
                clouds={c: CloudPrices.parse(d, f"clouds.{c}") for c, d in data["clouds"].items()},
                same_cloud=LinkKind(str(data["links"]["same_cloud"]["kind"]), 0, {}),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CatalogError(f"{source.label}: malformed network prices ({err!r})") from None
        prices._check_items()
        prices._check_link_names()
        return prices

    def cloud(self, name: str) -> CloudPrices:
        """`name`'s prices; a `SpecError` for an unknown cloud or one without prices."""
        lookup_cloud(name)
        if name not in self.clouds:
            raise CatalogError(f"no network prices for {name} in {self.label}")
        return self.clouds[name]

    def link_kind(self, a: str, b: str) -> LinkKind:
        """How clouds `a` and `b` are linked (the same cloud: native peering): both sides'
        items for the tunnels the peering planner builds between them."""
        if a == b:
            return self.same_cloud
        sides = {c: self.cloud(c).link for c in (a, b)}
        return LinkKind.between(sides, vpn_tunnels(a, b))

    def hourly(self, uses: Mapping[str, Mapping[str, int]]) -> float:
        """USD per hour of `uses` (cloud -> item -> count)."""
        return sum(
            (
                count * self.cloud(c).vpn[item].per_hour
                for c, items in uses.items()
                for item, count in items.items()
            ),
            0.0,
        )

    def monthly(self, uses: Mapping[str, Mapping[str, int]]) -> float:
        """USD per month of `uses`, billed `HOURS_PER_MONTH` hours."""
        return self.hourly(uses) * HOURS_PER_MONTH

    def composition(self, uses: Mapping[str, Mapping[str, int]]) -> str:
        """`"2 aws Site-to-Site VPN connections, 4 gcp HA VPN tunnels"` (clouds sorted)."""
        return ", ".join(
            f"{n} {cloud} {self.cloud(cloud).vpn[item].unit}{'s' if n != 1 else ''}"
            for cloud in sorted(uses)
            for item, n in uses[cloud].items()
        )

    def _check_items(self) -> None:
        """Every cloud's link side and gateway name VPN items that cloud prices."""
        for cloud, prices in self.clouds.items():
            for items in (prices.link.tunnels_each, prices.gateway):
                missing = sorted(set(items) - set(prices.vpn))
                if missing:
                    raise CatalogError(f"{self.label}: {cloud} VPN items {missing} have no price")

    def _check_link_names(self) -> None:
        """Two clouds naming links differently at one precedence: their link has no name."""
        named: dict[int, tuple[str, str]] = {}
        for cloud, prices in self.clouds.items():
            side = prices.link
            first, kind = named.setdefault(side.kind_precedence, (cloud, side.kind))
            if kind != side.kind:
                raise CatalogError(
                    f"{self.label}: {first} and {cloud} both name links at kind_precedence "
                    f"{side.kind_precedence} ({kind!r}, {side.kind!r}): make them distinct"
                )


class EgressParts(Protocol):
    """The prices `egress_cost` combines, per source site and volume (the optimiser sums
    them per source site; `placement.problem.EgressModel`)."""

    def inter_region(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another region of its cloud in its region group."""
        ...

    def inter_group(self, src: Site, gb: float) -> float:
        """`gb` from `src` to a region of its cloud outside its region group."""
        ...

    def internet(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another cloud (or the internet)."""
        ...

    def group(self, site: Site) -> Hashable:
        """`site`'s region group (equal for two sites only within one cloud)."""
        ...


def egress_cost(egress: EgressParts, src: Site, dst: Site, gb: float) -> float:
    """The one egress formula: monthly USD of `gb` from `src` to `dst`.

    Nothing within a site; between regions of one cloud, the source's rate within its region
    group (a continent; for AWS the us-east pair) or to another group; across clouds, the
    source's internet price (managed replication movers use public endpoints too).
    """
    if src == dst:
        return 0.0
    if src.cloud != dst.cloud:
        return egress.internet(src, gb)
    if egress.group(src) == egress.group(dst):
        return egress.inter_region(src, gb)
    return egress.inter_group(src, gb)


class Egress:
    """Monthly USD to move a flow's volume out of a site (`EgressParts`, from network.json).

    Internet egress (scaled volume tiers) never goes below either inter-region price: raw
    tiers would at the edges (AWS's free first GB; whole-volume discounts above 150 TB).
    The two inter-region prices keep the sources' order, even where a continent costs more
    within than out of it (Azure's South America: 0.181 vs 0.16); the optimiser is exact
    either way (`solver.model`: a tighter form when prices rise with distance).
    """

    def __init__(self, prices: NetworkPrices, geo: Geo) -> None:
        self._prices = prices
        self._geo = geo
        self._rates: dict[Site, tuple[float, float, float]] = {}
        self._groups: dict[Site, tuple[str, str]] = {}

    def cost(self, src: Site, dst: Site, gb: float) -> float:
        """`egress_cost` with these prices."""
        return egress_cost(self, src, dst, gb)

    def inter_region(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another region of its group, at the source's rate."""
        return self.rates(src)[0] * gb

    def inter_group(self, src: Site, gb: float) -> float:
        """`gb` from `src` to a region of its cloud in another group."""
        return self.rates(src)[1] * gb

    def internet(self, src: Site, gb: float) -> float:
        """`gb` from `src` to another cloud or the internet, tiered by volume."""
        cloud = self._prices.cloud(src.cloud)
        scale = self.rates(src)[2] / cloud.internet_reference
        floor = max(self.inter_region(src, gb), self.inter_group(src, gb))
        return max(cloud.internet.cost(gb) * scale, floor)

    def group(self, site: Site) -> tuple[str, str]:
        """(cloud, group name): `site`'s region group."""
        if site not in self._groups:
            groups = self._prices.cloud(site.cloud).region_groups
            area = self._geo.area(site.cloud, site.region)
            self._groups[site] = (site.cloud, groups.of(site.region, area))
        return self._groups[site]

    def rates(self, src: Site) -> tuple[float, float, float]:
        """(within its group, to another group, internet first-tier) USD per GB from `src`
        (cached: the optimiser prices every flow at every candidate site)."""
        if src not in self._rates:
            cloud = self._prices.cloud(src.cloud)
            area = self._geo.area(src.cloud, src.region)
            near = cloud.inter_region_rates.of(src.region, area)
            other = cloud.other_group_rates or cloud.inter_region_rates
            self._rates[src] = (
                near,
                other.of(src.region, area),
                cloud.internet_rates.of(src.region, area),
            )
        return self._rates[src]


class Links:
    """Monthly USD of VPN links and gateways (`placement.problem.LinkModel`), plus display;
    with `geo`, of dedicated interconnects too (`interconnect`)."""

    def __init__(self, prices: NetworkPrices, geo: Geo | None = None) -> None:
        self._prices = prices
        self._kinds: dict[tuple[str, str], LinkKind] = {}
        self.interconnects = (
            None
            if geo is None
            else Interconnects({c: p.interconnect for c, p in prices.clouds.items()}, geo)
        )

    def link(self, a: Site, b: Site) -> float:
        """The tunnels / connections of one link (symmetric; 0 for native peering)."""
        return self._prices.monthly(self._kind(a, b).uses)

    def gateway(self, site: Site) -> float:
        """The site's VPN gateway, shared by all its cross-cloud links."""
        return self._prices.monthly({site.cloud: self._prices.cloud(site.cloud).gateway})

    def interconnect(self, a: Site, b: Site, sent: Mapping[Site, float]) -> InterconnectQuote:
        """A dedicated link between `a` and `b` carrying `sent` (site -> GB a month it
        sends over it); every part unpriced when this model has no geography."""
        if self.interconnects is None:
            return InterconnectQuote(None, None, sum(sent.values(), 0.0), ("interconnect",), "")
        return self.interconnects.quote(a, b, sent)

    def interconnect_rate(self, src: Site) -> float | None:
        """USD per GB `src` sends over a dedicated interconnect (None: not sourced)."""
        return None if self.interconnects is None else self.interconnects.rate(src)

    def tunnels(self, a: Site, b: Site) -> int:
        return self._kind(a, b).tunnels

    def kind(self, a: Site, b: Site) -> str:
        """`"HA VPN"`: what the catalog calls a link between these sites' clouds."""
        return self._kind(a, b).kind

    def describe(self, a: Site, b: Site) -> str:
        """`"HA VPN (2 aws Site-to-Site VPN connections, 4 gcp HA VPN tunnels)"`."""
        kind = self._kind(a, b)
        parts = self._prices.composition(kind.uses)
        return f"{kind.kind} ({parts})" if parts else kind.kind

    def _kind(self, a: Site, b: Site) -> LinkKind:
        """Derived once per pair of clouds: the optimiser asks for every pair of sites."""
        key = (a.cloud, b.cloud) if a.cloud <= b.cloud else (b.cloud, a.cloud)
        if key not in self._kinds:
            self._kinds[key] = self._prices.link_kind(*key)
        return self._kinds[key]
