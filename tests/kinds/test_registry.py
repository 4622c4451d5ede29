"""The registry of resource kinds drives the stages: what it declares, every stage does.

The first half checks the registered kinds' declarations against the rest of the package
(tokens, spec sections, plan fields); the second registers a throwaway kind in a fixture
and shows that spec checks, placement, the lock file, report rows, the graph, guardrail
intent and lowering handle it without any edit to those stages.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import Field

from skyinfra import kinds, report, tokens
from skyinfra.catalog import load_catalog
from skyinfra.clouds.base import Cloud, Context
from skyinfra.diagram import Cluster, Graph, Node, NodeStyle, cloud_id, resource_id, site_id
from skyinfra.graph import to_dot, to_mermaid
from skyinfra.graph.picture import _site_nodes
from skyinfra.guardrails.intent import intent_of
from skyinfra.guardrails.model import Intent
from skyinfra.kinds.base import Kind, PlanInputs
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement.candidates import Scope, sites_in_scope
from skyinfra.placement.decision import Decision
from skyinfra.placement.lock import dump_lock, load_lock
from skyinfra.placement.place import place
from skyinfra.placement.problem import Option
from skyinfra.placement.retired import stack_contents
from skyinfra.preview import preview_stack
from skyinfra.site import Site
from skyinfra.spec import Model, Name, PlacementSpec, Spec
from skyinfra.spec_checks import check_references
from skyinfra.topology import BucketPlan, StackPlan, Topology, component_name

CATALOG = load_catalog(None)

# -- the registered kinds -------------------------------------------------------------------


def test_kinds_are_in_lowering_order_and_their_keys_unique() -> None:
    assert [k.name for k in kinds.KINDS] == ["network", "bucket", "compute"]
    for key in ("name", "section", "output_key", "token", "plan_type"):
        values = [getattr(k, key) for k in kinds.KINDS]
        assert len(set(values)) == len(values), key
    nodes = [node for k in kinds.KINDS for node in k.styles]
    assert len(set(nodes)) == len(nodes)


def test_every_token_is_a_frozen_one_from_tokens_py() -> None:
    frozen = {v for n, v in vars(tokens).items() if n.endswith("_TOKEN")}
    assert {k.token for k in kinds.KINDS} <= frozen


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_section_is_a_spec_field_and_a_stack_plan_field_of_the_kind(kind: Kind) -> None:
    spec_field = typing.get_type_hints(Spec)[kind.section]
    assert typing.get_args(spec_field)[1] is kind.model
    plan_field = typing.get_type_hints(StackPlan)[kind.section]
    assert typing.get_args(plan_field)[0] is kind.plan_type


@pytest.mark.parametrize("kind", kinds.placed_kinds(), ids=lambda k: k.name)
def test_every_placed_kind_has_its_own_candidate_rule_and_decision(kind: Kind) -> None:
    assert type(kind).options is not Kind.options
    assert type(kind).monthly_cost is not Kind.monthly_cost


def test_lookups_name_the_known_kinds() -> None:
    assert kinds.kind_named("bucket") is kinds.KINDS[1]
    assert kinds.kind_for_section("compute").name == "compute"
    assert kinds.kind_for_plan(BucketPlan("b", Site("aws", "us-east-1"))).name == "bucket"
    with pytest.raises(KeyError, match="did you mean 'compute'"):
        kinds.kind_named("compte")
    with pytest.raises(KeyError, match="known: networks, buckets, compute"):
        kinds.kind_for_section("queues")


# -- a throwaway kind -----------------------------------------------------------------------


class Database(Model):
    """A made-up managed database: only what the stages need."""

    placement: PlacementSpec = PlacementSpec()
    size_gb: float = 10


class DatabaseSpec(Spec):
    """The spec with the new kind's section (the one line a new kind adds to `Spec`)."""

    databases: dict[Name, Database] = Field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class DatabasePlan:
    name: str
    site: Site


@dataclasses.dataclass(frozen=True)
class DatabaseStackPlan(StackPlan):
    """`StackPlan` with the new kind's field (the one line a new kind adds to it)."""

    databases: tuple[DatabasePlan, ...] = ()


PRICE = 42.0  # USD per month wherever it runs


class DatabaseKind(Kind):
    def options(self, spec: Spec, name: str, scope: Scope, catalog: Any) -> list[Option]:
        return [Option(site, PRICE) for site in sites_in_scope(scope, catalog)]

    def decide(self, spec: Spec, name: str, option: Option) -> Decision:
        return Decision(name, self.name, option.site, storage_monthly=option.cost)

    def monthly_cost(self, decision: Decision) -> float | None:
        return decision.storage_monthly

    def plan(self, inputs: PlanInputs, name: str, site: Site) -> DatabasePlan:
        return DatabasePlan(name, site)

    def report_row(self, spec: Spec, decision: Decision) -> dict[str, Any]:
        return {"size_gb": self.resources(spec)[decision.name].size_gb}

    def intent(self, project: str, stack: StackPlan, plan: DatabasePlan) -> Intent:
        return Intent(unprotected=frozenset({(stack.name, component_name(project, plan.name))}))

    def graph_nodes(
        self, plans: tuple[Any, ...], stack: StackPlan, report: Mapping[str, Any]
    ) -> list[Node]:
        return [
            Node(resource_id(p.name, stack.name), (p.name,), "database", site_id(p.site))
            for p in plans
        ]


DATABASE = DatabaseKind(
    name="database",
    section="databases",
    title="database",
    model=Database,
    plan_type=DatabasePlan,
    token="skyinfra:database:Database",
    output_key="databases",
    stateful=True,
    draw_order=3,
    styles={"database": NodeStyle({"shape": "cylinder"}, ('[("', '")]'), "fill:#eeeeee")},
)
SITE = Site("aws", "us-east-1")


@pytest.fixture
def database() -> Iterator[None]:
    """`DATABASE` registered after the built-in kinds, for one test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kinds, "KINDS", (*kinds.KINDS, DATABASE))
        yield


def db_spec(**databases: dict[str, Any]) -> DatabaseSpec:
    pinned = {"cloud": SITE.cloud, "region": SITE.region}
    return DatabaseSpec.model_validate(
        {
            "name": "demo",
            "networks": {"core": {}},
            "compute": {"api": {"placement": pinned}},
            "databases": databases or {"db": {"placement": pinned, "size_gb": 5.0}},
        }
    )


@pytest.mark.usefixtures("database")
def test_names_are_unique_across_a_new_kind_too() -> None:
    problems = check_references(db_spec(api={}))
    assert [(p.message, p.path) for p in problems] == [
        (
            "name 'api' is already used in compute: names are unique across kinds",
            ("databases", "api"),
        )
    ]


@pytest.mark.usefixtures("database")
def test_a_new_kind_s_placement_references_are_checked() -> None:
    problems = check_references(db_spec(db={"placement": {"colocate_with": "apj"}}))
    assert [(p.path, p.hint) for p in problems] == [
        (("databases", "db", "placement", "colocate_with"), "did you mean 'api'?")
    ]


@pytest.mark.usefixtures("database")
def test_place_decides_a_new_kind_and_the_lock_keeps_it() -> None:
    placement = place(db_spec(), CATALOG)
    decision = placement.decisions["db"]
    assert (decision.kind, decision.site) == ("database", SITE)
    assert kinds.monthly_cost(decision) == PRICE and kinds.is_stateful(decision)
    assert placement.solution is not None and placement.solution.resources_cost >= PRICE
    loaded, _ = load_lock(dump_lock(placement, NetworkRecord()))
    assert loaded.decisions["db"] == decision


@pytest.mark.usefixtures("database")
def test_report_row_of_a_new_kind() -> None:
    spec = db_spec()
    plan = SimpleNamespace(spec=spec, placement=place(spec, CATALOG))
    row = report._placement(plan, "db")  # type: ignore[arg-type]
    assert {k: row[k] for k in ("kind", "stack", "size_gb", "monthly_cost")} == {
        "kind": "database",
        "stack": SITE.stack,
        "size_gb": 5.0,
        "monthly_cost": PRICE,
    }


def _stack() -> DatabaseStackPlan:
    return DatabaseStackPlan("demo", SITE, databases=(DatabasePlan("db", SITE),))


@pytest.mark.usefixtures("database")
def test_graph_draws_a_new_kind_in_its_style() -> None:
    nodes = tuple(_site_nodes(_stack(), {"gateways": [], "replications": []}))
    assert [(n.id, n.kind) for n in nodes] == [(f"{SITE.stack}/db", "database")]
    clusters = (
        Cluster(cloud_id(SITE.cloud), SITE.cloud, "cloud"),
        Cluster(site_id(SITE), SITE.stack, "site", cloud_id(SITE.cloud)),
    )
    graph = Graph("demo", clusters, nodes, (), kinds.node_styles())
    assert "classDef database fill:#eeeeee" in to_mermaid(graph)
    assert 'shape="cylinder"' in to_dot(graph)


@pytest.mark.usefixtures("database")
def test_stack_contents_and_intent_include_a_new_kind() -> None:
    topology = Topology("demo", (_stack(),))
    assert stack_contents(topology) == {SITE.stack: ["db"]}
    assert intent_of(topology).unprotected == {(SITE.stack, "demo-db")}


@pytest.mark.usefixtures("database")
def test_lowering_registers_a_new_kind_under_its_token_and_output_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lower = Cloud.lower

    def lower_database(self: Cloud, plan: Any, ctx: Context) -> dict[str, Any]:
        if isinstance(plan, DatabasePlan):
            return {"endpoint": f"{ctx.name}.example"}
        return lower(self, plan, ctx)

    monkeypatch.setattr(Cloud, "lower", lower_database)
    preview = preview_stack("demo", _stack(), {})
    component = preview.one(DATABASE.token)
    assert component.name == "demo-db" and not component.custom
    assert preview.outputs["databases"] == {"db": {"endpoint": "demo-db.example"}}
    assert list(preview.outputs) == [
        "cloud",
        "region",
        "networks",
        "buckets",
        "compute",
        "databases",
        "gateways",
    ]


def test_without_registering_it_a_new_kind_is_not_placed() -> None:
    placement = place(db_spec(), CATALOG)
    assert "db" not in placement.decisions and "api" in placement.decisions
