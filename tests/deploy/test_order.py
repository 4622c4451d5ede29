"""The stack graph of a real topology: peering, replication and GCP global-network edges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skyinfra.deploy.order import StackGraph, retired_graph
from skyinfra.stacks import CLOUD, PEERING, REPLICATION
from tests.deploy.fakes import tiny_graph

PEER = "peer-aws-us-east-1--gcp-us-central1"
REPL = "repl-data--gcp-europe-west4"


def test_every_stack_needs_the_stacks_it_reads(tmp_path: Path) -> None:
    graph = tiny_graph(tmp_path)
    assert dict(graph.needs) == {
        "aws-us-east-1": frozenset(),
        "gcp-europe-west4": frozenset(),  # owns the global network `core` (first by name)
        "gcp-us-central1": frozenset({"gcp-europe-west4"}),
        PEER: frozenset({"aws-us-east-1", "gcp-us-central1"}),
        REPL: frozenset({"aws-us-east-1", "gcp-europe-west4"}),
    }
    assert graph.kinds[PEER] is PEERING
    assert graph.kinds[REPL] is REPLICATION
    assert graph.kinds["gcp-us-central1"] is CLOUD


def test_order_puts_dependencies_first_and_reversed_puts_readers_first(tmp_path: Path) -> None:
    graph = tiny_graph(tmp_path)
    order = graph.order()
    for name, deps in graph.needs.items():
        assert all(order.index(d) < order.index(name) for d in deps), name
    backwards = graph.reversed()
    assert backwards.needs["gcp-europe-west4"] == {"gcp-us-central1", REPL}
    assert backwards.needs[PEER] == frozenset()
    destroy = backwards.order()
    for name, deps in graph.needs.items():
        assert all(destroy.index(d) > destroy.index(name) for d in deps), name


def test_only_keeps_the_dependencies_among_the_chosen(tmp_path: Path) -> None:
    graph = tiny_graph(tmp_path).only(["gcp-us-central1", PEER])
    assert dict(graph.needs) == {
        "gcp-us-central1": frozenset(),
        PEER: frozenset({"gcp-us-central1"}),
    }
    with pytest.raises(KeyError):
        graph.only(["nope"])


def test_cycles_and_unknown_stacks_are_rejected() -> None:
    kinds = {"a": CLOUD, "b": CLOUD}
    with pytest.raises(ValueError, match="cycle"):
        StackGraph({"a": frozenset({"b"}), "b": frozenset({"a"})}, kinds)
    with pytest.raises(ValueError, match="unknown"):
        StackGraph({"a": frozenset({"z"})}, {"a": CLOUD})


def test_needs_are_exactly_the_stack_references_each_program_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run every stack under the mock engine: the StackReferences it reads name (as
    `organization/<project>/<stack>`, what a file backend makes of a plain stack name) exactly
    the stacks the graph makes it wait for."""
    import pulumi

    from skyinfra import api
    from skyinfra.preview import ORGANIZATION, SkyMocks
    from tests.deploy.fakes import tiny_spec

    read: dict[str, set[str]] = {}
    original = SkyMocks._stack_reference

    def recording(self: SkyMocks, qualified: str) -> tuple[str, dict[str, Any]]:
        read.setdefault(pulumi.get_stack(), set()).add(qualified)
        return original(self, qualified)

    monkeypatch.setattr(SkyMocks, "_stack_reference", recording)
    spec = tiny_spec(tmp_path)
    graph = tiny_graph(tmp_path)
    previews = api.preview_project(spec)
    assert [p.name for p in previews] == graph.names
    for name, deps in graph.needs.items():
        assert read.get(name, set()) == {f"{ORGANIZATION}/tiny/{d}" for d in deps}, name
    assert read  # the references were seen at all


def test_retired_stacks_are_destroyed_in_the_order_their_old_project_had(
    tmp_path: Path,
) -> None:
    previous = tiny_graph(tmp_path)
    retired = retired_graph(["gcp-us-central1", "gcp-europe-west4", PEER], previous)
    # gcp-us-central1 shares the network gcp-europe-west4 owns: it goes first
    assert retired.reversed().order() == [PEER, "gcp-us-central1", "gcp-europe-west4"]


def test_without_the_old_project_peering_and_replication_stacks_go_first() -> None:
    retired = retired_graph(["aws-us-east-1", PEER, REPL, "gcp-europe-west4"], None)
    assert retired.kinds == {
        "aws-us-east-1": CLOUD,
        PEER: PEERING,
        REPL: REPLICATION,
        "gcp-europe-west4": CLOUD,
    }
    order = retired.reversed().order()
    assert set(order[:2]) == {PEER, REPL} and set(order[2:]) == {
        "aws-us-east-1",
        "gcp-europe-west4",
    }
