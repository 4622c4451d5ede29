"""The link-mode contract: everything skyinfra knows about one way of joining two networks.

A mode (native peering, VPN, interconnect) declares its name, its neutral record, its
component token, whether users pick it as `peering.mode`, whether its ends need a BGP gateway,
how its record is planned, its plan-report row, its graph edge style, its peering-stack config
and what `compile` tells the user before deploying it. Stages look modes up in the registry
(`skyinfra.peering.modes.MODES`) instead of switching on record types; the Pulumi component
that lowers a mode lives with the peering-stack program (`peering_stack.COMPONENTS`), so
planning never imports pulumi.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from skyinfra.peering.model import Tunnel
from skyinfra.peering.tunnels import InsideRequest
from skyinfra.site import Site

if TYPE_CHECKING:  # the catalog package imports numpy: not at `--help`
    from skyinfra.catalog.interconnect import InterconnectQuote

Pair = tuple[str, Site, Site]  # (network, a, b) with a < b


class Joins(Protocol):
    """What every link record has (stages read it without knowing the mode): the spec
    network it joins at sites `a` and `b`, its `name` and peering `stack`, its mode's name,
    its tunnels (none but a VPN's) and its link-local /30s (what the lock records)."""

    @property
    def mode(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def stack(self) -> str: ...

    @property
    def tunnels(self) -> tuple[Tunnel, ...]: ...

    @property
    def inside(self) -> tuple[str, ...]: ...

    @property
    def network(self) -> str: ...

    @property
    def a(self) -> Site: ...

    @property
    def b(self) -> Site: ...


L = TypeVar("L", bound=Joins)  # the mode's record type
ConcreteNetwork = tuple[str, Site]  # (spec network, site): as `peering.ipam` names it


class LinkPrices(Protocol):
    """What the report prices links with (the catalog's `Links`)."""

    def link(self, a: Site, b: Site) -> float: ...

    def gateway(self, site: Site) -> float: ...

    def kind(self, a: Site, b: Site) -> str: ...

    def interconnect(self, a: Site, b: Site, sent: Mapping[Site, float]) -> InterconnectQuote: ...

    def interconnect_rate(self, src: Site) -> float | None: ...


@dataclass(frozen=True)
class EdgeStyle:
    """How `skyinfra graph` draws a link of this mode (DOT attributes; Mermaid arrow and
    `linkStyle`)."""

    dot: Mapping[str, str]
    arrow: str
    mermaid: str


class LinkMode(Generic[L]):
    """One link mode, over its record type `L`. Subclasses set the class attributes and
    override what differs from the defaults."""

    name: ClassVar[str]  # the records' `mode`, the report's `mode`, the graph's edge kind
    record: ClassVar[type]  # the neutral record in `peering.model`
    token: ClassVar[str]  # the component type token (`skyinfra.tokens`; frozen: in URNs)
    selectable: ClassVar[bool] = False  # a value of `peering.mode` (else chosen automatically)
    # The `VpnGateway` capability flag its ends need, or None: no BGP gateway at all.
    gateway: ClassVar[str | None] = None
    edge: ClassVar[EdgeStyle]
    # What `place` warns when this mode is selected: the optimiser prices it as something else.
    placement_warning: ClassVar[str | None] = None
    # Bills the data its links carry itself (`carried_rate`), not at internet egress.
    bills_carried: ClassVar[bool] = False

    def check(self, pairs: Sequence[Pair]) -> None:
        """Refuse cross-cloud pairs this mode cannot join (UnsupportedError, located)."""

    def inside_request(self, pair: Pair) -> InsideRequest | None:
        """The link-local /30s its link needs (None: no BGP inside addresses)."""
        return None

    def plan(
        self,
        pair: Pair,
        asns: Mapping[ConcreteNetwork, int],
        inside: Mapping[str, tuple[str, ...]],
    ) -> L | None:
        """The fully decided record of `pair` (None: nothing to build)."""
        raise NotImplementedError

    def bgp_addresses(self, link: L, site: Site) -> list[tuple[int, str]]:
        """(gateway interface, inside address) of every BGP session `link` puts on the gateway
        at `site`: a gateway declares them all up front (Azure)."""
        return []

    def kind(self, link: L, prices: LinkPrices | None) -> str:
        """The report's `kind`: what the link is made of."""
        raise NotImplementedError

    def report(self, link: L) -> dict[str, Any]:
        """The report row's mode-specific fields (after `tunnels`, before `monthly_cost`)."""
        return {}

    def monthly_cost(
        self, link: L, prices: LinkPrices | None, sent: Mapping[Site, float] | None = None
    ) -> float | None:
        """The link's monthly price (None: not in the catalog); `sent`: GB a month each end
        sends over it (what a mode billing its own egress adds)."""
        return prices.link(link.a, link.b) if prices else 0.0

    def price_report(
        self, link: L, prices: LinkPrices | None, sent: Mapping[Site, float]
    ) -> dict[str, Any]:
        """The report row's price breakdown, for a mode whose price has parts."""
        return {}

    def placement_price(self, a: Site, b: Site, prices: LinkPrices) -> float | None:
        """The fixed monthly price the optimiser charges a link of this mode between sites of
        two clouds (None: not in the catalog)."""
        return prices.link(a, b)

    def carried_rate(self, src: Site, prices: LinkPrices) -> float | None:
        """USD per GB `src` sends over such a link when the mode bills it instead of the
        cloud's internet egress (None: internet egress, as for any flow)."""
        return None

    def gateway_price(self, site: Site, prices: LinkPrices) -> float | None:
        """What the optimiser charges once per site with a link of this mode (None: not in
        the catalog, charged nothing there; the plan says n/a)."""
        return self.gateway_row(site, prices)[1]

    def gateway_row(self, site: Site, prices: LinkPrices) -> tuple[str, float | None]:
        """(kind, monthly cost) of a gateway carrying this mode's links."""
        raise NotImplementedError

    def config_keys(self, link: L) -> tuple[tuple[str, str], ...]:
        """Peering-stack config keys (`skyinfra:<key>`, why) the user sets before `up`."""
        return ()

    def final_phase_config(self, link: L) -> dict[str, str]:
        """Peering-stack config that puts `link` in its last deployment phase (what the
        guardrails check: everything its stack will hold)."""
        return {}

    def deploy_notes(self, link: L) -> list[str]:
        """Lines `compile` prints: what to do by hand before and between `pulumi up`s."""
        return []


def hosts(cidr: str) -> tuple[str, str]:
    """The two usable addresses of a /30."""
    first, second = list(ipaddress.IPv4Network(cidr).hosts())[:2]
    return str(first), str(second)
