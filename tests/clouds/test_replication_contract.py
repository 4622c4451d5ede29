"""Every cloud's replication module implements what its `ReplicationFacts` promise."""

from __future__ import annotations

import pytest

from skyinfra.clouds import cloud_names, get_cloud


@pytest.mark.parametrize("cloud", cloud_names())
def test_replication_module_matches_the_facts(cloud: str) -> None:
    facts, module = get_cloud(cloud).replication, get_cloud(cloud).replication_lowering()
    assert set(module.ISSUERS) == set(facts.issues)
    assert set(module.MOVERS) == set(facts.reads)
    assert not set(facts.refused) & set(facts.reads)
    assert callable(module.replicate_within) and callable(module.reader)
    assert facts.within != facts.foreign


def test_every_credential_kind_is_issued_by_exactly_one_cloud() -> None:
    issued = [kind for c in cloud_names() for kind in get_cloud(c).replication.issues]
    assert len(issued) == len(set(issued))
    read = {kind for c in cloud_names() for kind in get_cloud(c).replication.reads}
    refused = {kind for c in cloud_names() for kind in get_cloud(c).replication.refused}
    assert read | refused <= set(issued)
