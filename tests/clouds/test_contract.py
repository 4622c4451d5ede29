"""One contract suite run over every cloud: what the rest of skyinfra relies on."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import get_type_hints

import pytest

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.base import CONTRACT
from skyinfra.clouds.fakes import CloudFakes
from skyinfra.clouds.records import (
    ByCredential,
    InterconnectHalf,
    LinkSide,
    NoLoweringError,
    PeeringPair,
    Reader,
    ReplicateWithin,
)
from skyinfra.components import BUCKET_TOKEN, COMPUTE_TOKEN, NETWORK_TOKEN
from skyinfra.errors import SpecError
from skyinfra.peering.model import VpnGateway
from skyinfra.preview import StackPreview
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan
from tests.stacks import run, stack_plan

CLOUDS = cloud_names()
PACKAGE = Path(__file__).resolve().parents[2] / "skyinfra"


@cache
def preview(cloud: str, protect: bool = True) -> StackPreview:
    return run(stack_plan(cloud, protect=protect))


def children(p: StackPreview, token: str) -> list:  # type: ignore[type-arg]
    (component,) = p.by_type(token)
    return [r for r in p.resources if r.parent == component.urn]


def test_registry_has_the_three_clouds() -> None:
    assert CLOUDS == ["aws", "gcp", "azure"]


def test_unknown_cloud_suggests_a_name() -> None:
    with pytest.raises(SpecError, match="did you mean 'azure'"):
        get_cloud("azur")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_lowering_table_covers_every_kind(cloud: str) -> None:
    """Kinds, gateway, link halves and replication steps: one table, every neutral type."""
    table = set(get_cloud(cloud).lowerings())
    assert {NetworkPlan, BucketPlan, ComputePlan, VpnGateway} <= table
    assert {LinkSide, InterconnectHalf, ReplicateWithin, Reader} <= table
    assert table == get_cloud(cloud).required_lowerings()
    assert table <= set(CONTRACT)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_native_peering_is_lowered_where_regions_need_a_link(cloud: str) -> None:
    c = get_cloud(cloud)
    assert (PeeringPair in c.lowerings()) == (c.cross_region_link is not None)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_an_unknown_type_names_the_cloud_and_the_type(cloud: str) -> None:
    class Mystery:
        pass

    with pytest.raises(NoLoweringError, match=rf"cloud '{cloud}' has no lowering for Mystery"):
        get_cloud(cloud).lower(Mystery(), None)  # type: ignore[call-overload]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_lowering_returns_the_outputs_its_contract_names(cloud: str) -> None:
    """The return annotation of each table entry is the TypedDict `CONTRACT` names for its
    type (credential steps: each kind's function), so mypy checks the keys it writes."""
    for kind, lowering in get_cloud(cloud).lowerings().items():
        functions = lowering.steps.values() if isinstance(lowering, ByCredential) else [lowering]
        for function in functions:
            returned = get_type_hints(function)["return"]
            assert returned is CONTRACT[kind], (kind, function)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_provider_is_declared_with_the_table(cloud: str) -> None:
    assert callable(get_cloud(cloud)._own("lowerings").provider)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_one_component_per_neutral_resource_with_frozen_tokens(cloud: str) -> None:
    components = [r for r in preview(cloud).resources if not r.custom]
    assert sorted(r.type for r in components) == sorted(
        [NETWORK_TOKEN, BUCKET_TOKEN, COMPUTE_TOKEN]
    )
    assert {r.name for r in components} == {"demo-core", "demo-datasets", "demo-api"}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_cloud_resource_hangs_under_a_component_and_is_named_from_it(cloud: str) -> None:
    p = preview(cloud)
    components = {r.urn: r for r in p.resources if not r.custom}
    for r in p.resources:
        if r.custom:
            assert r.parent in components, f"{r.type} {r.name} is not under a neutral component"
            assert r.name.startswith(components[r.parent].name), r.name


@pytest.mark.parametrize("cloud", CLOUDS)
def test_network_outputs(cloud: str) -> None:
    out = preview(cloud).outputs["networks"]["core"]
    assert out["cidr"] == "10.1.0.0/16"
    assert out["region"] == stack_plan(cloud).site.region
    assert len(out["subnet_ids"]) == get_cloud(cloud).subnets_per_network
    assert out["id"] and out["name"]
    ids = {r.id for r in preview(cloud).resources}
    assert out["id"] in ids and set(out["subnet_ids"]) <= ids


@pytest.mark.parametrize("cloud", CLOUDS)
def test_bucket_outputs_and_protection(cloud: str) -> None:
    out = preview(cloud).outputs["buckets"]["datasets"]
    assert out["name"] and out["id"]
    assert any(r.protect for r in children(preview(cloud), BUCKET_TOKEN))
    assert not any(r.protect for r in children(preview(cloud, protect=False), BUCKET_TOKEN))


@pytest.mark.parametrize("cloud", CLOUDS)
def test_compute_outputs(cloud: str) -> None:
    out = preview(cloud).outputs["compute"]["api"]
    assert out["instance_type"] == stack_plan(cloud).compute[0].instance_type
    assert out["count"] == 2
    assert out["group_id"] in {r.id for r in preview(cloud).resources}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_site_outputs(cloud: str) -> None:
    out = preview(cloud).outputs
    assert (out["cloud"], out["region"]) == (cloud, stack_plan(cloud).site.region)


def _string_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_provider_names_appear_only_in_their_own_modules_and_the_registry() -> None:
    names = set(CLOUDS)
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("clouds/") and rel.count("/") >= 2:
            own = rel.split("/")[1]
            leaked = (_string_literals(path) & names) - {own}
        elif rel == "clouds/__init__.py":
            continue
        else:
            leaked = _string_literals(path) & names
        if leaked:
            offenders.append(f"{rel}: {sorted(leaked)}")
    assert not offenders, offenders


@pytest.mark.parametrize("cloud", CLOUDS)
def test_fakes_live_with_the_cloud(cloud: str) -> None:
    """`mock_fakes` reaches the cloud's own `CloudFakes`: only its provider's type tokens."""
    fakes = get_cloud(cloud).mock_fakes()
    assert isinstance(fakes, CloudFakes) and fakes.resources
    assert all(t.split(":")[0] == get_cloud(cloud).provider_namespace for t in fakes.resources)
