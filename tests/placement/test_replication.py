"""Replication in placement: its egress and replica storage are priced, and a resource with a
replica next to it is stateful (it never moves silently)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.api import plan_spec, save_lock
from skyinfra.catalog import load_catalog
from skyinfra.cli import main
from skyinfra.errors import SpecError
from skyinfra.loader import parse_spec
from skyinfra.placement.place import problem_of
from skyinfra.placement.problem import Flow
from skyinfra.site import Site
from tests.placement.test_sticky import lock_site

CATALOG = load_catalog(None)

SPEC = """\
name: demo
accounts: {gcp: {project: p}}
networks: {core: {}}
buckets:
  data:
    placement: {cloud: aws, region: us-east-1}
    size_gb: 2000
    replication_gb_per_month: 300
    replicate_to: [web]
compute:
  web:
    resources: {cpus: "4+", memory: "16+"}
    placement: {clouds: [gcp]}
"""


def write(tmp_path: Path, text: str = SPEC) -> Path:
    spec = tmp_path / "sky.yaml"
    spec.write_text(text)
    return spec


def test_replicate_to_is_an_unlinked_flow_of_the_replication_volume() -> None:
    problem = problem_of(parse_spec(SPEC), CATALOG)
    assert problem.flows == [Flow("data", "web", 300.0, linked=False, replication=True)]


def test_plan_prices_each_replica_egress_plus_storage(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(write(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (row,) = doc["replications"]
    web = doc["placements"]["web"]
    target = Site(web["cloud"], web["region"])
    assert {k: row[k] for k in ("from", "from_stack", "to_stack", "mechanism")} == {
        "from": "data",
        "from_stack": "aws-us-east-1",
        "to_stack": target.stack,
        "mechanism": "gcp-storage-transfer",
    }
    assert row["stack"] == f"repl-data--{target.stack}" and row["replica"] == "data-replica"
    # Managed movers use public endpoints: the source cloud's internet egress applies.
    egress = CATALOG.egress.internet(Site("aws", "us-east-1"), 300)
    storage = CATALOG.storage_monthly(target.cloud, target.region, 2000)
    assert row["egress_monthly_cost"] == pytest.approx(egress, abs=0.01)
    assert row["storage_monthly_cost"] == pytest.approx(storage, abs=0.01)
    assert row["monthly_cost"] == pytest.approx(egress + storage, abs=0.01)
    assert doc["flows"] == []  # replication is listed once, under replications
    breakdown = doc["cost_breakdown"]
    assert breakdown["replication"] == row["monthly_cost"]
    assert doc["total_monthly_cost"] == pytest.approx(sum(breakdown.values()), abs=0.01)


def test_plan_text_lists_replications_and_post_deploy_steps(tmp_path: Path) -> None:
    text = SPEC.replace(
        "placement: {clouds: [gcp]}", "placement: {cloud: azure, region: westeurope}"
    )
    result = CliRunner().invoke(main, ["plan", str(write(tmp_path, text))])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "replication data aws-us-east-1 -> azure-westeurope (data-replica, for web): azure-data-factory"
        in output
    )
    assert "start the Data Factory trigger" in output
    assert "pulumi stack output post_deploy -s repl-data--azure-westeurope" in output
    assert "replication $" in output


def test_replan_all_keeps_a_replication_target_where_its_replica_is(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-us-east1")
    kept = plan_spec(spec, replan=["*"])
    assert kept.placement.site_of("web").stack == "gcp-us-east1"
    (replication,) = kept.topology.replications
    assert replication.target.stack == "gcp-us-east1"
    moved = plan_spec(spec, replan=["web"])
    assert moved.placement.site_of("web").stack != "gcp-us-east1"
    (warning,) = moved.placement.warnings
    assert "replicas of data next to it are DESTROYED there" in warning


def test_a_replication_target_the_policy_no_longer_allows_needs_replan_by_name(
    tmp_path: Path,
) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-us-east1")
    spec.write_text(SPEC.replace("{clouds: [gcp]}", "{clouds: [gcp], geo: [eu]}"))
    with pytest.raises(SpecError, match="locked to gcp-us-east1") as err:
        plan_spec(spec)
    assert "--replan web" in str(err.value) and "replicas of data" in str(err.value)


def test_a_target_on_the_buckets_own_site_is_said_not_silently_skipped(tmp_path: Path) -> None:
    """Nothing keeps data and web apart, so both land on one site: no replica is made."""
    text = SPEC.replace("    placement: {cloud: aws, region: us-east-1}\n", "", 1)
    result = CliRunner().invoke(main, ["plan", str(write(tmp_path, text)), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["placements"]["data"]["stack"] == doc["placements"]["web"]["stack"]
    assert doc["replications"] == []
    (warning,) = [w for w in doc["warnings"] if "replicate_to" in w]
    assert warning.startswith("buckets.data.replicate_to: web runs on data's own site")
    assert "no replica is made" in warning
    text_output = CliRunner().invoke(main, ["plan", str(write(tmp_path, text)), "--dry-run"])
    assert "no replica is made" in " ".join(text_output.output.split())


def test_a_target_on_another_site_gets_no_such_warning(tmp_path: Path) -> None:
    doc = json.loads(CliRunner().invoke(main, ["plan", str(write(tmp_path)), "--json"]).output)
    assert doc["replications"]
    assert not [w for w in doc["warnings"] if "replicate_to" in w]
