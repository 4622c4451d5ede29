"""Address planning: deterministic, non-overlapping, honours explicit and recorded ranges."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyinfra.errors import SpecError
from skyinfra.peering.ipam import RESERVED, allocate_cidrs, subnet_cidrs
from skyinfra.topology import Site

AWS = Site("aws", "us-east-1")
GCP = Site("gcp", "us-central1")
AZURE = Site("azure", "westeurope")


def test_auto_networks_get_distinct_16s_in_network_then_stack_order() -> None:
    got = allocate_cidrs(
        {"core": "auto", "edge": "auto"}, [("edge", AWS), ("core", GCP), ("core", AWS)]
    )
    assert got == {
        ("core", AWS): "10.1.0.0/16",
        ("core", GCP): "10.2.0.0/16",
        ("edge", AWS): "10.3.0.0/16",
    }


def test_explicit_cidrs_are_kept_and_skipped_by_auto() -> None:
    got = allocate_cidrs({"core": "auto", "db": "10.1.0.0/16"}, [("core", AWS), ("db", GCP)])
    assert got == {("core", AWS): "10.2.0.0/16", ("db", GCP): "10.1.0.0/16"}


def test_recorded_allocations_survive_new_networks() -> None:
    first = allocate_cidrs({"core": "auto"}, [("core", GCP)])
    later = allocate_cidrs({"core": "auto"}, [("core", AWS), ("core", GCP)], recorded=first)
    assert later[("core", GCP)] == first[("core", GCP)]
    assert later[("core", AWS)] != first[("core", GCP)]


def test_explicit_cidr_at_two_sites_is_an_error() -> None:
    with pytest.raises(SpecError, match="would be used at 2 sites"):
        allocate_cidrs({"core": "10.9.0.0/16"}, [("core", AWS), ("core", GCP)])


def test_overlapping_explicit_cidrs_name_both_networks() -> None:
    with pytest.raises(SpecError, match=r"overlaps network 'a' \(10\.9\.0\.0/16\)") as err:
        allocate_cidrs({"a": "10.9.0.0/16", "b": "10.9.128.0/17"}, [("a", AWS), ("b", GCP)])
    assert err.value.problems[0].path == ("networks", "b", "cidr")


def test_subnets_are_the_first_slash_20s() -> None:
    assert subnet_cidrs("10.4.0.0/16", 2) == ("10.4.0.0/20", "10.4.16.0/20")
    assert subnet_cidrs("192.168.8.0/24", 1) == ("192.168.8.0/28",)


SITES = st.sampled_from([AWS, GCP, AZURE, Site("aws", "eu-west-1"), Site("gcp", "europe-west4")])
NAMES = st.sampled_from(["core", "edge", "data", "ml"])


@given(
    st.lists(st.tuples(NAMES, SITES), min_size=1, max_size=15),
    st.lists(st.tuples(NAMES, SITES), max_size=5),
)
def test_property_no_overlap_stable_and_reserved_avoided(first: list, extra: list) -> None:  # type: ignore[type-arg]
    wanted = {name: "auto" for name in ["core", "edge", "data", "ml"]}
    before = allocate_cidrs(wanted, first)
    after = allocate_cidrs(wanted, first + extra, recorded=before)
    nets = [ipaddress.IPv4Network(c) for c in after.values()]
    assert len(nets) == len(set(first + extra))
    for i, a in enumerate(nets):
        assert not any(a.overlaps(r) for r in RESERVED)
        assert all(not a.overlaps(b) for b in nets[i + 1 :])
    assert all(after[k] == v for k, v in before.items())
    assert allocate_cidrs(wanted, list(reversed(first))) == before
