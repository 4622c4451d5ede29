"""Address planning: deterministic, non-overlapping, honours explicit and recorded ranges."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from skyinfra.errors import SpecError
from skyinfra.peering.ipam import (
    AVOIDED,
    RESERVED,
    allocate_cidrs,
    gateway_subnet,
    subnet_cidrs,
)
from skyinfra.site import Site

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


def test_recorded_allocations_stay_when_the_supernet_changes() -> None:
    first = allocate_cidrs({"core": "auto"}, [("core", GCP)])
    later = allocate_cidrs(
        {"core": "auto"}, [("core", AWS), ("core", GCP)], first, supernet="172.16.0.0/12"
    )
    assert later == {("core", AWS): "172.16.0.0/16", ("core", GCP): "10.1.0.0/16"}


def test_user_supernet_skips_docker_bridge() -> None:
    sites = [Site("aws", f"r{i}") for i in range(3)]
    got = allocate_cidrs({"core": "auto"}, [("core", s) for s in sites], supernet="172.16.0.0/12")
    assert sorted(got.values()) == ["172.16.0.0/16", "172.18.0.0/16", "172.19.0.0/16"]


def test_gcp_auto_mode_range_is_used_only_when_the_rest_is_full() -> None:
    sites = [Site("aws", f"r{i:03}") for i in range(128)]
    got = allocate_cidrs({"core": "auto"}, [("core", s) for s in sites])
    nets = [ipaddress.IPv4Network(got[("core", s)]) for s in sites]
    assert not any(n.overlaps(AVOIDED[0]) for n in nets[:127])
    assert nets[127] == ipaddress.IPv4Network("10.128.0.0/16")


def test_exhausted_supernet_is_a_spec_error_with_a_hint() -> None:
    sites = [Site("aws", f"r{i}") for i in range(2)]
    with pytest.raises(SpecError, match=r"192\.168\.0\.0/16 has no free /16 left") as err:
        allocate_cidrs({"core": "auto"}, [("core", s) for s in sites], supernet="192.168.0.0/16")
    assert "peering.supernet" in str(err.value)


def test_explicit_cidr_at_two_sites_is_an_error() -> None:
    with pytest.raises(SpecError, match="would be used at 2 sites"):
        allocate_cidrs({"core": "10.9.0.0/16"}, [("core", AWS), ("core", GCP)])


def test_overlapping_explicit_cidrs_name_both_networks() -> None:
    with pytest.raises(SpecError, match=r"overlaps network 'a' \(10\.9\.0\.0/16\)") as err:
        allocate_cidrs({"a": "10.9.0.0/16", "b": "10.9.128.0/17"}, [("a", AWS), ("b", GCP)])
    assert err.value.problems[0].path == ("networks", "b", "cidr")


def test_explicit_cidr_over_a_recorded_one_names_both() -> None:
    recorded = {("core", AWS): "10.1.0.0/16"}
    with pytest.raises(SpecError) as err:
        allocate_cidrs(
            {"core": "auto", "db": "10.1.0.0/24"}, [("core", AWS), ("db", GCP)], recorded
        )
    (problem,) = err.value.problems
    assert problem.path == ("networks", "db", "cidr")
    assert "'db' at gcp-us-central1 (10.1.0.0/24)" in problem.message
    assert "'core' at aws-us-east-1 (10.1.0.0/16)" in problem.message


def test_subnets_are_the_first_slash_20s() -> None:
    assert subnet_cidrs("10.4.0.0/16", 2) == ("10.4.0.0/20", "10.4.16.0/20")
    assert subnet_cidrs("192.168.8.0/24", 1) == ("192.168.8.0/28",)


def test_gateway_subnet_is_the_last_block() -> None:
    assert gateway_subnet("10.4.0.0/16", 27) == "10.4.255.224/27"
    assert gateway_subnet("192.168.8.0/24", 27) == "192.168.8.224/27"


SITES = st.sampled_from([AWS, GCP, AZURE, Site("aws", "eu-west-1"), Site("gcp", "europe-west4")])
NAMES = st.sampled_from(["core", "edge", "data", "ml"])
SUPERNETS = st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "10.96.0.0/11", "10.0.0.0/11"])


@settings(deadline=None)  # a loaded CI machine is slow, not wrong
@given(
    st.lists(st.tuples(NAMES, SITES), min_size=1, max_size=15),
    st.lists(st.tuples(NAMES, SITES), max_size=5),
    SUPERNETS,
)
@example(  # 16 networks, 15 free /16s in 172.16.0.0/12 (172.17.0.0/16 is Docker's)
    [
        (n, s)
        for n in ["core", "edge", "data", "ml"]
        for s in [AWS, GCP, AZURE, Site("aws", "eu-west-1")]
    ],
    [],
    "172.16.0.0/12",
)
def test_property_no_overlap_stable_and_reserved_avoided(
    first: list[tuple[str, Site]], extra: list[tuple[str, Site]], supernet: str
) -> None:
    wanted = {name: "auto" for name in ["core", "edge", "data", "ml"]}
    room = sum(
        1
        for block in ipaddress.IPv4Network(supernet).subnets(new_prefix=16)
        if not any(block.overlaps(r) for r in (*RESERVED, *AVOIDED))
    )
    if len(set(first + extra)) > room:  # more networks than free /16s: a clear error
        with pytest.raises(SpecError, match="no free /16 left"):
            before = allocate_cidrs(wanted, first, supernet=supernet)
            allocate_cidrs(wanted, first + extra, recorded=before, supernet=supernet)
        return
    before = allocate_cidrs(wanted, first, supernet=supernet)
    after = allocate_cidrs(wanted, first + extra, recorded=before, supernet=supernet)
    nets = [ipaddress.IPv4Network(c) for c in after.values()]
    assert len(nets) == len(set(first + extra))
    for i, a in enumerate(nets):
        assert a.subnet_of(ipaddress.IPv4Network(supernet))
        assert not any(a.overlaps(r) for r in RESERVED)
        assert all(not a.overlaps(b) for b in nets[i + 1 :])
    assert all(after[k] == v for k, v in before.items())
    assert allocate_cidrs(wanted, list(reversed(first)), supernet=supernet) == before


@given(
    st.integers(min_value=16, max_value=24),
    st.integers(min_value=0, max_value=2**16 - 1),
    st.integers(min_value=1, max_value=2),
)
def test_property_subnets_inside_their_network_and_disjoint(
    prefix: int, index: int, count: int
) -> None:
    offset = (index << (32 - prefix)) % 2**24
    network = ipaddress.IPv4Network((int(ipaddress.IPv4Address("10.0.0.0")) + offset, prefix))
    subnets = [ipaddress.IPv4Network(c) for c in subnet_cidrs(str(network), count)]
    subnets.append(ipaddress.IPv4Network(gateway_subnet(str(network), 27)))
    for i, a in enumerate(subnets):
        assert a.subnet_of(network)
        assert all(not a.overlaps(b) for b in subnets[i + 1 :])
