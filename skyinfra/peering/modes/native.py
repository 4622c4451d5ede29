"""Native peering: two regions of one cloud joined by the cloud's own peering (VPC peering,
global VNet peering); chosen automatically within a cloud, none where its network is global."""

from __future__ import annotations

from collections.abc import Mapping

from skyinfra.clouds import get_cloud
from skyinfra.peering.model import NativePeering
from skyinfra.peering.modes.base import ConcreteNetwork, EdgeStyle, LinkMode, LinkPrices, Pair
from skyinfra.tokens import NATIVE_PEERING_TOKEN


class Native(LinkMode[NativePeering]):
    name = NativePeering.mode
    record = NativePeering
    token = NATIVE_PEERING_TOKEN
    edge = EdgeStyle(
        dot={"color": "#2e8b57", "penwidth": "2", "dir": "both"},
        arrow="<-->",
        mermaid="stroke:#2e8b57,stroke-width:2px",
    )

    def plan(
        self,
        pair: Pair,
        asns: Mapping[ConcreteNetwork, int],
        inside: Mapping[str, tuple[str, ...]],
    ) -> NativePeering | None:
        """The cloud's `cross_region_link`, or nothing when its network spans regions."""
        net, a, b = pair
        kind = get_cloud(a.cloud).cross_region_link
        return NativePeering(net, a, b, kind) if kind else None

    def kind(self, link: NativePeering, prices: LinkPrices | None) -> str:
        return link.kind


NATIVE = Native()
