"""Every cloud's replication lowerings implement what its `ReplicationFacts` promise."""

from __future__ import annotations

import pytest

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.records import (
    ByCredential,
    FillFromForeign,
    IssueCredential,
    NoLoweringError,
    Reader,
    ReplicateWithin,
)


def _by_credential(cloud: str, step: type) -> ByCredential[object]:
    lowering = get_cloud(cloud).lowerings()[step]
    assert isinstance(lowering, ByCredential)
    return lowering


@pytest.mark.parametrize("cloud", cloud_names())
def test_replication_lowerings_match_the_facts(cloud: str) -> None:
    facts, table = get_cloud(cloud).replication, get_cloud(cloud).lowerings()
    assert _by_credential(cloud, IssueCredential).kinds == set(facts.issues)
    assert _by_credential(cloud, FillFromForeign).kinds == set(facts.reads)
    assert not set(facts.refused) & set(facts.reads)
    assert callable(table[ReplicateWithin]) and callable(table[Reader])
    assert facts.within != facts.foreign


@pytest.mark.parametrize("cloud", cloud_names())
def test_an_unhandled_credential_kind_names_the_cloud(cloud: str) -> None:
    step = IssueCredential("no-such-credential", {})
    with pytest.raises(NoLoweringError, match=rf"cloud '{cloud}' cannot IssueCredential"):
        get_cloud(cloud).lower(step, None)  # type: ignore[arg-type]


def test_every_credential_kind_is_issued_by_exactly_one_cloud() -> None:
    issued = [kind for c in cloud_names() for kind in get_cloud(c).replication.issues]
    assert len(issued) == len(set(issued))
    read = {kind for c in cloud_names() for kind in get_cloud(c).replication.reads}
    refused = {kind for c in cloud_names() for kind in get_cloud(c).replication.refused}
    assert read | refused <= set(issued)
