"""Dedicated interconnect between two clouds, one of them a hub (GCP Cross-Cloud
Interconnect): ports ordered by hand, then VLAN attachments with BGP, deployed in two phases
(`peering.mode: interconnect`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.errors import Problem, UnsupportedError
from skyinfra.peering.model import (
    INTERCONNECT_READY_KEY,
    Attachment,
    InterconnectLink,
    link_name,
)
from skyinfra.peering.modes.base import (
    ConcreteNetwork,
    EdgeStyle,
    LinkMode,
    LinkPrices,
    Pair,
    hosts,
)
from skyinfra.peering.tunnels import DEFAULT_POOL, InsideRequest
from skyinfra.site import Site
from skyinfra.tokens import INTERCONNECT_LINK_TOKEN

# Every interconnect link has ports of its own, so one VLAN tag per link is unique on each
# port; ExpressRoute private peering carries a single VLAN over both its links anyway.
INTERCONNECT_VLAN = 100
INTERCONNECT_CONNECTIONS = 2  # two ports / attachments: the reference's redundant pair


class Interconnect(LinkMode[InterconnectLink]):
    name = InterconnectLink.mode
    record = InterconnectLink
    token = INTERCONNECT_LINK_TOKEN
    selectable = True
    gateway = "interconnect"
    bills_carried = True
    edge = EdgeStyle(
        dot={"color": "#7030a0", "penwidth": "4", "dir": "both"},
        arrow="<==>",
        mermaid="stroke:#7030a0,stroke-width:4px",
    )

    def joins(self, a: Site, b: Site) -> bool:
        """Whether a first-party dedicated link can join these sites' clouds (a hub on one)."""
        return a.cloud != b.cloud and _hub_on(a, b)

    def check(self, pairs: Sequence[Pair]) -> None:
        """A dedicated link needs a hub cloud on one end; say what to do otherwise."""
        problems = [_no_hub(net, a, b) for net, a, b in pairs if not _hub_on(a, b)]
        if problems:
            raise UnsupportedError(problems)

    def inside_request(self, pair: Pair) -> InsideRequest:
        """One /30 per attachment, any link-local one clear of the others."""
        return InsideRequest(link_name(*pair), INTERCONNECT_CONNECTIONS, DEFAULT_POOL)

    def plan(
        self,
        pair: Pair,
        asns: Mapping[ConcreteNetwork, int],
        inside: Mapping[str, tuple[str, ...]],
    ) -> InterconnectLink:
        net, a, b = pair
        return _interconnect(pair, asns[(net, a)], asns[(net, b)], inside[link_name(*pair)])

    def kind(self, link: InterconnectLink, prices: LinkPrices | None) -> str:
        return link.provider

    def report(self, link: InterconnectLink) -> dict[str, Any]:
        return {
            "stack": link.stack,
            "bgp_asns": [link.a_asn, link.b_asn],
            "out_of_band": list(link.out_of_band),
            "config": [{"key": f"skyinfra:{k}", "what": why} for k, why in link.config],
            "attachments": [{"vlan": x.vlan, "cidr": x.cidr} for x in link.attachments],
            "phases": _phases(link),
        }

    def monthly_cost(
        self,
        link: InterconnectLink,
        prices: LinkPrices | None,
        sent: Mapping[Site, float] | None = None,
    ) -> float | None:
        """Both sides' ports and attachments plus the egress of what it carries."""
        return prices.interconnect(link.a, link.b, sent or {}).total if prices else None

    def price_report(
        self, link: InterconnectLink, prices: LinkPrices | None, sent: Mapping[Site, float]
    ) -> dict[str, Any]:
        if prices is None:
            return {}
        quote = prices.interconnect(link.a, link.b, sent)
        return {
            "items": quote.items,
            "ports_monthly_cost": None if quote.fixed is None else round(quote.fixed, 2),
            "gb_per_month": quote.gb,
            "egress_monthly_cost": None if quote.egress is None else round(quote.egress, 2),
            "unpriced": list(quote.unpriced),
        }

    def placement_price(self, a: Site, b: Site, prices: LinkPrices) -> float | None:
        """Ports and attachments; None where no hub joins the two clouds (refused later)."""
        return prices.interconnect(a, b, {}).fixed if _hub_on(a, b) else None

    def carried_rate(self, src: Site, prices: LinkPrices) -> float | None:
        return prices.interconnect_rate(src)

    def gateway_row(self, site: Site, prices: LinkPrices) -> tuple[str, float | None]:
        return "interconnect gateway", None  # Cloud Router / ExpressRoute gateway: unpriced

    def config_keys(self, link: InterconnectLink) -> tuple[tuple[str, str], ...]:
        return link.config

    def final_phase_config(self, link: InterconnectLink) -> dict[str, str]:
        return {f"skyinfra:{INTERCONNECT_READY_KEY}": "true"}

    def deploy_notes(self, link: InterconnectLink) -> list[str]:
        return [
            f"before `pulumi up -s {link.stack}` (dedicated interconnect {link.name}; "
            "what to order: `skyinfra plan`), set:",
            *(
                f"  pulumi config set -s {link.stack} skyinfra:{key} VALUE  # {why}"
                for key, why in link.config
            ),
            f"  phase 1: `pulumi up -s {link.stack}` orders the ports only "
            f"({'; '.join(link.phase_one)})",
            "  phase 2 after the providers report both connections provisioned: "
            f"`{link.ready_command}` then `pulumi up -s {link.stack}` adds "
            f"{'; '.join(link.phase_two)}",
        ]


def _hub_on(a: Site, b: Site) -> bool:
    sides = [get_cloud(s.cloud).interconnect for s in (a, b)]
    return any(side is not None and side.hub for side in sides)


def _no_hub(net: str, a: Site, b: Site) -> Problem:
    hubs = [c for c in cloud_names() if (x := get_cloud(c).interconnect) and x.hub]
    return Problem(
        f"{a} <-> {b} (network {net!r}): {a.cloud} and {b.cloud} have no first-party "
        "dedicated interconnect between them",
        ("peering", "mode"),
        "use `mode: vpn`; or route through "
        f"{' / '.join(hubs)} with two interconnects; or order a partner fabric "
        "(Equinix, Megaport) joining both providers' dedicated-circuit services, "
        "outside skyinfra",
    )


def _interconnect(pair: Pair, a_asn: int, b_asn: int, cidrs: tuple[str, ...]) -> InterconnectLink:
    """Both sides' facts; the hub's Cloud Router on host 1 of each attachment's /30."""
    net, a, b = pair
    sides = [(s, get_cloud(s.cloud).interconnect) for s in (a, b)]
    known = [(s, side) for s, side in sides if side is not None]
    hub_site, hub = next((s, side) for s, side in known if side.hub)  # checked before
    asns = [
        side.edge_asn if side is not None and side.edge_asn else asn
        for (_, side), asn in zip(sides, (a_asn, b_asn), strict=True)
    ]
    return InterconnectLink(
        net,
        a,
        b,
        asns[0],
        asns[1],
        provider=hub.product,
        resources=tuple(r for _, side in known for r in side.resources),
        out_of_band=tuple(f"{s.cloud}: {side.order}" for s, side in known),
        hub=hub_site,
        attachments=tuple(
            Attachment(
                index=i,
                vlan=INTERCONNECT_VLAN,
                cidr=cidr,
                hub_ip=hosts(cidr)[0],
                edge_ip=hosts(cidr)[1],
            )
            for i, cidr in enumerate(cidrs)
        ),
        config=tuple(item for _, side in known for item in side.config),
        distinct=tuple(pair for _, side in known for pair in side.distinct),
        phase_one=tuple(f"{s.cloud}: {side.phase_one}" for s, side in known),
        phase_two=tuple(f"{s.cloud}: {side.phase_two}" for s, side in known),
    )


def _phases(link: InterconnectLink) -> list[dict[str, Any]]:
    """Phase 1 orders the ports; phase 2 needs them provisioned (days to weeks later)."""
    return [
        {
            "phase": 1,
            "declares": list(link.phase_one),
            "when": "now: it orders the ports",
            "command": f"pulumi up -s {link.stack}",
        },
        {
            "phase": 2,
            "declares": list(link.phase_two),
            "when": "after the providers report both connections provisioned",
            "command": f"{link.ready_command} && pulumi up -s {link.stack}",
        },
    ]


INTERCONNECT = Interconnect()
