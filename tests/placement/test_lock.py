"""The lock file round-trips and is stable text."""

from __future__ import annotations

import pytest

from skyinfra.errors import SpecError
from skyinfra.peering.model import NetworkRecord
from skyinfra.placement.decision import Decision, Placement
from skyinfra.placement.lock import RetiredStack, dump_lock, load_history, load_lock
from skyinfra.site import Site

AWS = Site("aws", "us-east-1")
PLACEMENT = Placement(
    {
        "web": Decision("web", "compute", AWS, instance_type="m6i.large", hourly_cost=0.192),
        "data": Decision("data", "bucket", Site("gcp", "us-central1")),
    }
)
GCP = Site("gcp", "us-central1")
RECORD = NetworkRecord(cidrs={("core", AWS): "10.1.0.0/16"})
LINKED = NetworkRecord(
    cidrs={("core", AWS): "10.1.0.0/16", ("core", GCP): "10.2.0.0/16"},
    asns={("core", GCP): 64513, ("core", AWS): 64512},
    inside={"core-aws-us-east-1--gcp-us-central1": ("169.254.64.0/30", "169.254.64.4/30")},
)


def test_round_trip() -> None:
    placement, record = load_lock(dump_lock(PLACEMENT, RECORD))
    assert placement == PLACEMENT
    assert record == RECORD


def test_round_trip_with_links() -> None:
    assert load_lock(dump_lock(PLACEMENT, LINKED))[1] == LINKED


def test_links_are_recorded_per_network_and_per_link() -> None:
    text = dump_lock(PLACEMENT, LINKED)
    assert text.splitlines()[-4:] == [
        "bgp_asns:",
        "  core: {aws-us-east-1: 64512, gcp-us-central1: 64513}",
        "tunnels:",
        "  core-aws-us-east-1--gcp-us-central1: [169.254.64.0/30, 169.254.64.4/30]",
    ]


def test_text_is_sorted_one_line_per_resource() -> None:
    text = dump_lock(PLACEMENT, RECORD)
    assert text.splitlines()[1:] == [
        "version: 1",
        "resources:",
        "  data: {kind: bucket, cloud: gcp, region: us-central1}",
        "  web: {kind: compute, cloud: aws, region: us-east-1, instance_type: m6i.large, hourly_cost: 0.192}",
        "networks:",
        "  core: {aws-us-east-1: 10.1.0.0/16}",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "version: 7\n",
        "version: 1\nresources: {a: {cloud: aws}}\n",
        "[1, 2",
        "version: 1\nbgp_asns: {core: {aws-x: many}}\n",
    ],
)
def test_broken_lock_files_are_spec_errors(text: str) -> None:
    with pytest.raises(SpecError):
        load_lock(text)


def test_an_unknown_resource_kind_is_a_malformed_entry() -> None:
    text = dump_lock(PLACEMENT, RECORD).replace("kind: bucket", "kind: buckit")
    with pytest.raises(SpecError) as err:
        load_lock(text)
    assert "unknown resource kind 'buckit': did you mean 'bucket'?" in str(err.value)


def test_history_round_trips_project_stacks_and_retired_stacks() -> None:
    stacks = {"aws-us-east-1": ["core", "web"], "gcp-us-central1": ["data"]}
    retired = [RetiredStack("demo", "azure-westeurope", "moved", ("core", "web"))]
    text = dump_lock(PLACEMENT, RECORD, "demo", stacks, retired)
    assert text.splitlines()[-1] == (
        "- {project: demo, stack: azure-westeurope, reason: moved, resources: [core, web]}"
    )
    history = load_history(text)
    assert (history.project, history.placement, history.record) == ("demo", PLACEMENT, RECORD)
    assert history.stacks == {k: tuple(v) for k, v in stacks.items()}
    assert history.retired == tuple(retired)
    assert load_lock(text) == (PLACEMENT, RECORD)  # what compiled stacks read is unchanged


@pytest.mark.parametrize(
    "tail",
    ["retired: [{stack: x}]\n", "retired: 3\n", "stacks: [a, b]\n"],
)
def test_broken_history_sections_are_spec_errors(tail: str) -> None:
    with pytest.raises(SpecError, match="not valid"):
        load_history(dump_lock(PLACEMENT, RECORD) + tail)
