"""The neutral grant pass: what flows and `grants:` imply, and what plan says of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.api import plan_spec
from skyinfra.cli import main
from skyinfra.errors import SpecError
from skyinfra.stacks import reads, stack_names

AT = "placement: {{cloud: {cloud}, region: {region}}}"


def _at(cloud: str, region: str) -> str:
    return AT.format(cloud=cloud, region=region)


def _spec(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sky.yaml"
    path.write_text("name: demo\naccounts: {gcp: {project: demo-project}}\n" + body)
    return path


def test_admin_absorbs_read_and_write_and_flows_say_why(tmp_path: Path) -> None:
    here = _at("aws", "us-east-1")
    path = _spec(
        tmp_path,
        f"networks: {{core: {{}}}}\nbuckets:\n  a: {{{here}}}\n  b: {{{here}}}\n"
        f"compute:\n  g: {{network: core, {here}, grants: [{{bucket: a, access: admin}}]}}\n"
        "flows:\n  - {from: a, to: g, gb_per_month: 1}\n  - {from: g, to: a, gb_per_month: 1}\n"
        "  - {from: b, to: g, gb_per_month: 1}\n  - {from: g, to: b, gb_per_month: 1}\n",
    )
    (group,) = plan_spec(path).topology.stacks[0].compute
    assert [(g.bucket, g.access, g.why) for g in group.grants] == [
        ("a", "admin", "grants"),
        ("b", "read", "flow"),
        ("b", "write", "flow"),
    ]


def test_stacks_reading_each_others_buckets_are_refused(tmp_path: Path) -> None:
    one, two = _at("aws", "us-east-1"), _at("aws", "us-west-2")
    path = _spec(
        tmp_path,
        f"networks: {{core: {{}}}}\nbuckets:\n  a: {{{one}}}\n  b: {{{two}}}\n"
        f"compute:\n  ga: {{network: core, {two}}}\n  gb: {{network: core, {one}}}\n"
        "flows:\n  - {from: a, to: ga, gb_per_month: 1}\n  - {from: b, to: gb, gb_per_month: 1}\n",
    )
    with pytest.raises(SpecError) as caught:
        plan_spec(path)
    [problem] = caught.value.problems
    assert "would read each other's buckets" in problem.message


def test_plan_lists_grants_federated_or_not_deployed_across_clouds(tmp_path: Path) -> None:
    """gcp -> aws is keyless federation (AWS trusts Google ID tokens); azure -> aws is not
    deployed, and said so with the reason and how to proceed."""
    aws, gcp, azure = _at("aws", "us-east-1"), _at("gcp", "us-central1"), _at("azure", "eastus")
    path = _spec(
        tmp_path,
        f"networks: {{core: {{}}}}\nbuckets:\n  logs: {{{aws}}}\n  data: {{{aws}}}\n"
        f"compute:\n  web: {{network: core, {aws}}}\n  trainer: {{network: core, {gcp}}}\n"
        f"  report: {{network: core, {azure}}}\n"
        "flows:\n  - {from: web, to: logs, gb_per_month: 1}\n"
        "  - {from: data, to: trainer, gb_per_month: 1}\n"
        "  - {from: data, to: report, gb_per_month: 1}\n",
    )
    text = CliRunner().invoke(main, ["plan", str(path)])
    assert text.exit_code == 0, text.output
    assert "grant web -> logs: write (aws, IAM role)" in text.output
    assert "grant trainer -> data: read (gcp -> aws, web identity)" in text.output
    assert "grant report -> data: read (azure -> aws, not deployed)" in text.output
    flat = " ".join(text.output.split())
    assert "warning: grant report -> data: read (azure -> aws) is NOT deployed" in flat
    assert "warning: grant trainer" not in flat
    report = json.loads(CliRunner().invoke(main, ["plan", str(path), "--json"]).output)
    assert {
        (g["group"], g["bucket"], g["deployed"], g["federation"]) for g in report["grants"]
    } == {
        ("web", "logs", True, None),
        ("trainer", "data", True, "web identity"),
        ("report", "data", False, None),
    }
    assert sum("NOT deployed" in w for w in report["warnings"]) == 1


def test_a_federated_grant_makes_the_groups_stack_read_the_buckets(tmp_path: Path) -> None:
    """The trust is lowered in the group's stack from the bucket's outputs: that stack reads
    the bucket's, and two stacks federated both ways cannot be deployed."""
    aws, gcp = _at("aws", "us-east-1"), _at("gcp", "us-central1")
    one_way = (
        f"networks: {{core: {{}}}}\nbuckets:\n  data: {{{aws}}}\n"
        f"compute:\n  trainer: {{network: core, {gcp}}}\n"
        "flows:\n  - {from: data, to: trainer, gb_per_month: 1}\n"
    )
    topology = plan_spec(_spec(tmp_path, one_way)).topology
    assert reads(topology, "gcp-us-central1") == {"aws-us-east-1"}
    assert stack_names(topology).index("aws-us-east-1") < stack_names(topology).index(
        "gcp-us-central1"
    )
    both_ways = one_way.replace("buckets:\n", f"buckets:\n  out: {{{gcp}}}\n").replace(
        "compute:\n", f"compute:\n  web: {{network: core, {aws}}}\n"
    ) + ("  - {from: out, to: web, gb_per_month: 1}\n")
    with pytest.raises(SpecError) as caught:
        plan_spec(_spec(tmp_path, both_ways))
    [problem] = caught.value.problems
    assert "would read each other's buckets" in problem.message
