"""Replication planning: one replica per (bucket, target site), the mover per cloud pair."""

from __future__ import annotations

import pytest

from skyinfra.errors import SpecError, UnsupportedError
from skyinfra.loader import parse_spec
from skyinfra.site import Site
from tests.replicas import plan_of, spec_text

CLOUDS = ("aws", "gcp", "azure")
# Peering reference section 10: the replica's cloud moves the data, reading with what the
# source's cloud issues.
MOVERS = {
    ("aws", "aws"): ("aws-s3-replication", None),
    ("aws", "gcp"): ("gcp-storage-transfer", "s3-web-identity-role"),
    ("aws", "azure"): ("azure-data-factory", "s3-access-key"),
    ("gcp", "aws"): ("aws-datasync", "gcs-hmac-key"),
    ("gcp", "gcp"): ("gcp-storage-transfer-replication", None),
    ("gcp", "azure"): ("azure-data-factory", "gcs-hmac-key"),
    ("azure", "aws"): UnsupportedError,
    ("azure", "gcp"): ("gcp-storage-transfer", "blob-sas-token"),
    ("azure", "azure"): ("azure-object-replication", None),
}


@pytest.mark.parametrize(("source", "target"), list(MOVERS))
def test_mechanism_per_ordered_pair(source: str, target: str) -> None:
    expected = MOVERS[(source, target)]
    if expected is UnsupportedError:
        with pytest.raises(UnsupportedError):
            plan_of(spec_text(source, target))
        return
    (r,) = plan_of(spec_text(source, target)).topology.replications
    assert (r.mechanism, r.credential) == expected
    assert (r.source, r.replica, r.targets) == ("src", "src-replica", ("dst",))
    assert r.stack == f"repl-src--{r.target.stack}"
    assert r.gb_per_month == 1000  # the bucket's size, unless replication_gb_per_month says


def test_the_replica_lives_in_the_target_stack() -> None:
    topology = plan_of(spec_text("aws", "gcp")).topology
    (replica,) = [b for b in topology.stack("gcp-us-central1").buckets if b.replica_of]
    assert (replica.name, replica.replica_of, replica.versioning, replica.protect) == (
        "src-replica",
        "src",
        True,
        True,
    )
    assert all(b.replica_of is None for b in topology.stack("aws-us-east-1").buckets)


HEAD = "name: demo\naccounts: {gcp: {project: p}}\nnetworks: {core: {}}\n"


def test_targets_on_one_site_share_a_replica_and_the_source_site_needs_none() -> None:
    topology = plan_of(
        HEAD + "buckets:\n"
        "  data: {placement: {cloud: aws, region: us-east-1}, replicate_to: [a, b, c, a], protect: false}\n"
        "compute:\n"
        "  a: {instance_type: n2-standard-4, placement: {cloud: gcp, region: us-central1}}\n"
        "  b: {instance_type: n2-standard-4, placement: {cloud: gcp, region: us-central1}}\n"
        "  c: {instance_type: m6i.xlarge, placement: {cloud: aws, region: us-east-1}}\n"
    ).topology
    (r,) = topology.replications
    assert (r.target, r.targets) == (Site("gcp", "us-central1"), ("a", "b"))
    (replica,) = [b for b in topology.stack("gcp-us-central1").buckets if b.replica_of]
    assert replica.protect is False  # follows its source's `protect`


def test_replication_volume_can_be_given() -> None:
    (r,) = plan_of(
        spec_text("aws", "gcp", "    replication_gb_per_month: 50\n")
    ).topology.replications
    assert r.gb_per_month == 50


def test_replication_within_a_cloud_needs_a_versioned_source() -> None:
    with pytest.raises(SpecError, match="needs versioning on the source") as err:
        plan_of(spec_text("aws", "aws", "    versioning: false\n"))
    assert not isinstance(err.value, UnsupportedError)
    assert "buckets.src.versioning" in str(err.value)
    # Across clouds the mover reads objects, not versions: no versioning needed at the source.
    assert plan_of(spec_text("aws", "gcp", "    versioning: false\n")).topology.replications


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("buckets:\n  d: {replicate_to: [d]}\n", "cannot replicate to itself"),
        (
            "buckets:\n  d: {replicate_to: [e]}\n  e: {}\n  d-replica: {}\n",
            "replica bucket is called 'd-replica'",
        ),
    ],
)
def test_bad_replicate_to(body: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(HEAD + body)


def test_an_azure_bucket_feeds_at_most_two_object_replication_policies() -> None:
    groups = "".join(
        f"  g{i}: {{instance_type: Standard_D2s_v5, placement: {{cloud: azure, region: {r}}}}}\n"
        for i, r in enumerate(("northeurope", "uksouth", "francecentral"))
    )
    body = (
        "buckets:\n  data: {placement: {cloud: azure, region: westeurope}, "
        "replicate_to: [g0, g1, g2]}\ncompute:\n" + groups
    )
    with pytest.raises(SpecError, match="feeds at most 2 replicas of one bucket"):
        plan_of(HEAD + body)
