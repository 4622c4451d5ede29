"""The lock file round-trips and is stable text."""

from __future__ import annotations

import pytest

from skyinfra.errors import SpecError
from skyinfra.placement import Decision, Placement
from skyinfra.placement.lock import dump_lock, load_lock
from skyinfra.topology import Site

AWS = Site("aws", "us-east-1")
PLACEMENT = Placement(
    {
        "web": Decision("web", "compute", AWS, instance_type="m6i.large", hourly_cost=0.192),
        "data": Decision("data", "bucket", Site("gcp", "us-central1")),
    }
)
CIDRS = {("core", AWS): "10.1.0.0/16"}


def test_round_trip() -> None:
    placement, cidrs = load_lock(dump_lock(PLACEMENT, CIDRS))
    assert placement == PLACEMENT
    assert cidrs == CIDRS


def test_text_is_sorted_one_line_per_resource() -> None:
    text = dump_lock(PLACEMENT, CIDRS)
    assert text.splitlines()[1:] == [
        "version: 1",
        "resources:",
        "  data: {kind: bucket, cloud: gcp, region: us-central1}",
        "  web: {kind: compute, cloud: aws, region: us-east-1, instance_type: m6i.large, hourly_cost: 0.192}",
        "networks:",
        "  core: {aws-us-east-1: 10.1.0.0/16}",
    ]


@pytest.mark.parametrize(
    "text", ["version: 7\n", "version: 1\nresources: {a: {cloud: aws}}\n", "[1, 2"]
)
def test_broken_lock_files_are_spec_errors(text: str) -> None:
    with pytest.raises(SpecError):
        load_lock(text)
