"""The per-cloud guardrail tables: every registered cloud declares one, and a cloud without
one fails closed instead of letting its resources pass every rule unexamined."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyinfra import clouds
from skyinfra.clouds import Cloud, cloud_names, get_cloud
from skyinfra.guardrails.model import Intent, Resource
from skyinfra.guardrails.pack import policies
from skyinfra.guardrails.rules import MissingGuardrails, check_resources, cloud_guardrails


class _Bare(Cloud):
    """A cloud that declares no guardrail table (no `guardrails` module beside it)."""

    name = "bare"
    title = "A cloud without guardrails"
    provider_namespace = "bare"


@pytest.mark.parametrize("name", cloud_names())
def test_every_cloud_declares_guardrail_rows(name: str) -> None:
    table = get_cloud(name).guardrails()
    assert table is not None
    assert table.public_bucket and table.ingress and table.vms and table.stateful


def test_a_cloud_without_a_table_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(clouds._REGISTRY, _Bare.name, _Bare)
    resource = Resource("bare:storage:Bucket", "b", "urn:pulumi:s::p::bare:storage:Bucket::b", {})
    with pytest.raises(MissingGuardrails, match="'bare' has no guardrail table"):
        check_resources([resource], Intent())
    with pytest.raises(MissingGuardrails):
        check_resources([], Intent())


def test_the_merged_table_holds_every_clouds_rows() -> None:
    merged = cloud_guardrails()
    for name in cloud_names():
        table = get_cloud(name).guardrails()
        assert table is not None
        assert table.ingress.keys() <= merged.ingress.keys()
        assert table.vms <= merged.vms


def test_the_policy_pack_fails_closed_at_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(clouds._REGISTRY, _Bare.name, _Bare)
    with pytest.raises(MissingGuardrails):
        policies(tmp_path)
