"""The table of stack kinds: names round-trip, each kind finds its own stacks, and the
table (not pulumi) is what the CLI's light paths import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skyinfra import api
from skyinfra.stacks import (
    CLOUD,
    PEERING,
    REPLICATION,
    STACK_KINDS,
    StackKind,
    kind_in,
    kind_of,
    stack_configs,
    stack_names,
)
from skyinfra.topology import Topology
from tests.deploy.fakes import tiny_spec

NAMES = {
    CLOUD: ("gcp-us-central1", ("gcp", "us-central1")),
    PEERING: (
        "peer-aws-us-east-1--gcp-us-central1",
        ("aws-us-east-1", "gcp-us-central1"),
    ),
    REPLICATION: ("repl-data-set--gcp-europe-west4", ("data-set", "gcp-europe-west4")),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Topology:
    return api.plan_spec(tiny_spec(tmp_path_factory.mktemp("tiny"))).topology


@pytest.mark.parametrize("kind", STACK_KINDS, ids=lambda k: k.name)
def test_a_name_parses_into_the_parts_it_is_formatted_from(kind: StackKind) -> None:
    name, parts = NAMES[kind]
    assert kind.parse(name) == parts
    assert kind.format(*parts) == name
    assert kind_of(name) is kind


@pytest.mark.parametrize("kind", STACK_KINDS, ids=lambda k: k.name)
def test_no_kind_parses_another_kinds_name(kind: StackKind) -> None:
    others = [name for other, (name, _) in NAMES.items() if other is not kind]
    assert [kind.parse(name) for name in others] == [None, None]


def test_each_kind_names_its_own_stacks_of_a_topology_with_all_three(tiny: Topology) -> None:
    assert CLOUD.names(tiny) == ["aws-us-east-1", "gcp-europe-west4", "gcp-us-central1"]
    assert PEERING.names(tiny) == ["peer-aws-us-east-1--gcp-us-central1"]
    assert REPLICATION.names(tiny) == ["repl-data--gcp-europe-west4"]
    assert stack_names(tiny) == [*CLOUD.names(tiny), *PEERING.names(tiny), *REPLICATION.names(tiny)]
    for kind in STACK_KINDS:
        for name in kind.names(tiny):
            assert kind_of(name) is kind
            assert kind_in(tiny, name) is kind
    assert kind_in(tiny, "gcp-asia-east1") is None


def test_reads_and_configs_per_kind(tiny: Topology) -> None:
    assert PEERING.reads(tiny, PEERING.names(tiny)[0]) == {"aws-us-east-1", "gcp-us-central1"}
    assert REPLICATION.reads(tiny, REPLICATION.names(tiny)[0]) == {
        "aws-us-east-1",
        "gcp-europe-west4",
    }
    homes = {name: CLOUD.reads(tiny, name) for name in CLOUD.names(tiny)}
    assert sorted(map(len, homes.values())) == [0, 0, 1]  # one GCP stack reads the network's home
    configs = stack_configs(tiny)
    assert list(configs) == stack_names(tiny)
    assert configs[PEERING.names(tiny)[0]] == {
        "skyinfra:stack-a": "aws-us-east-1",
        "skyinfra:stack-b": "gcp-us-central1",
    }
    assert configs[REPLICATION.names(tiny)[0]]["skyinfra:replication"] == "data-to-gcp-europe-west4"


def test_the_table_imports_no_pulumi_nor_solver() -> None:
    """Each kind names its program by module and imports `build` only for a config, so the
    table (which the CLI's `--help` loads through the deploy graph) stays light."""
    code = "import sys, skyinfra.stacks; print(any(m in sys.modules for m in ('pulumi', 'numpy')))"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("kind", STACK_KINDS, ids=lambda k: k.name)
def test_each_kind_names_a_program_that_exists(kind: StackKind) -> None:
    import importlib
    import inspect

    module, _, function = kind.program.partition(":")
    program = getattr(importlib.import_module(module), function)
    assert list(inspect.signature(program).parameters) == ["topology", "name"]
