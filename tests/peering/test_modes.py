"""The link-mode registry: complete, consistent with the schema and the peering-stack
program, and the one place stages learn a mode from (an extra mode flows through the report,
the graph and the preview config without edits elsewhere)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, get_args

import pytest

from skyinfra import tokens
from skyinfra.graph import build_graph
from skyinfra.graph.dot import to_dot
from skyinfra.graph.mermaid import to_mermaid
from skyinfra.peering import modes
from skyinfra.peering.model import Link, Tunnel, VpnGateway, link_name, peering_stack
from skyinfra.peering.modes import (
    AUTO,
    WITHIN_CLOUD,
    EdgeStyle,
    LinkMode,
    all_modes,
    mode_between,
    mode_named,
    selectable_modes,
)
from skyinfra.peering.modes.base import ConcreteNetwork, LinkPrices, Pair
from skyinfra.peering_stack import COMPONENTS
from skyinfra.plan import Plan
from skyinfra.preview import final_phase
from skyinfra.report import plan_report
from skyinfra.schema import spec_schema
from skyinfra.site import Site
from skyinfra.spec import Peering
from tests.graph.specs import VPN_AND_REPLICA, planned


def test_every_link_record_has_exactly_one_mode_named_as_the_record_says() -> None:
    records = get_args(Link)
    assert sorted(m.record.__name__ for m in all_modes()) == sorted(r.__name__ for r in records)
    for mode in all_modes():
        assert mode.record.mode == mode.name  # type: ignore[attr-defined]
        assert mode_named(mode.name) is mode
    assert len({m.name for m in all_modes()}) == len(all_modes())


def test_every_mode_registers_a_distinct_frozen_token() -> None:
    frozen = {v for k, v in vars(tokens).items() if k.endswith("_TOKEN")}
    assert {m.token for m in all_modes()} <= frozen
    assert len({m.token for m in all_modes()}) == len(all_modes())


def test_selectable_modes_are_exactly_the_schema_enum_of_peering_mode() -> None:
    enum = spec_schema()["$defs"]["Peering"]["properties"]["mode"]["enum"]
    literal = get_args(Peering.model_fields["mode"].annotation)
    assert [*selectable_modes(), AUTO] == enum == list(literal)
    assert WITHIN_CLOUD not in selectable_modes()  # chosen automatically, never by the user


def test_gateway_flags_are_fields_of_the_gateway_and_every_cross_cloud_mode_has_one() -> None:
    fields = {f.name for f in dataclasses.fields(VpnGateway)}
    for mode in all_modes():
        # The optimiser's model assumes every link between clouds ends on gateways.
        assert (mode.gateway is None) == (mode.name == WITHIN_CLOUD)
        assert mode.gateway is None or mode.gateway in fields


def test_every_mode_has_a_peering_stack_component() -> None:
    assert set(COMPONENTS) == {m.name for m in all_modes()}


@pytest.mark.parametrize("selected", selectable_modes())
def test_within_a_cloud_native_between_clouds_the_selected_mode(selected: str) -> None:
    a, b, c = Site("x", "r1"), Site("x", "r2"), Site("y", "r1")
    assert mode_between(a, b, selected).name == WITHIN_CLOUD
    assert mode_between(a, c, selected).name == selected


# A throwaway mode: registered in a fixture only, never in the package.
@dataclass(frozen=True)
class WireLink:
    network: str
    a: Site
    b: Site

    mode = "wire"
    tunnels: tuple[Tunnel, ...] = ()

    @property
    def name(self) -> str:
        return link_name(self.network, self.a, self.b)

    @property
    def stack(self) -> str:
        return peering_stack(self.a, self.b)

    @property
    def inside(self) -> tuple[str, ...]:
        return ()


class Wire(LinkMode[WireLink]):
    name = "wire"
    record = WireLink
    token = "skyinfra:peering:Wire"
    edge = EdgeStyle(
        dot={"color": "#123456", "dir": "both"}, arrow="<-.->", mermaid="stroke:#123456"
    )

    def plan(
        self, pair: Pair, asns: Mapping[ConcreteNetwork, int], inside: Mapping[str, tuple[str, ...]]
    ) -> WireLink:
        return WireLink(*pair)

    def kind(self, link: WireLink, prices: LinkPrices | None) -> str:
        return "a wire"

    def report(self, link: WireLink) -> dict[str, Any]:
        return {"colour": "copper"}

    def final_phase_config(self, link: WireLink) -> dict[str, str]:
        return {"skyinfra:wire-live": "true"}


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> Plan:
    """The VPN example's plan with its link replaced by a wire, the mode registered."""
    monkeypatch.setattr(modes, "MODES", (*modes.MODES, Wire()))
    plan = planned(VPN_AND_REPLICA)[0]
    network, a, b = plan.topology.links.pairs[0]
    wire: Any = WireLink(network, a, b)  # not one of the package's records
    links = replace(plan.topology.links, links=(wire,))
    return replace(plan, topology=replace(plan.topology, links=links))


def test_an_extra_mode_fills_its_report_row(wired: Plan) -> None:
    [row] = plan_report(wired)["links"]
    assert (row["mode"], row["kind"], row["colour"], row["tunnels"]) == (
        "wire",
        "a wire",
        "copper",
        0,
    )
    assert wired.catalog is not None
    _, a, b = wired.topology.links.pairs[0]
    assert row["monthly_cost"] == round(wired.catalog.links.link(a, b), 2) > 0


def test_an_extra_mode_draws_its_own_edge(wired: Plan) -> None:
    graph = build_graph(wired)
    [edge] = [e for e in graph.edges if e.kind == "wire"]
    assert 'color="#123456"' in to_dot(graph)
    mermaid = to_mermaid(graph)
    assert " <-.->|" in mermaid
    index = graph.edges.index(edge)
    assert f"linkStyle {index} stroke:#123456" in mermaid


def test_an_extra_mode_sets_its_last_phase_config(wired: Plan) -> None:
    [link] = wired.topology.links.links
    assert final_phase(wired.topology, {})[link.stack] == {"skyinfra:wire-live": "true"}
