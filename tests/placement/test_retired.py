"""Stacks that leave the plan are reported (and remembered) until they are destroyed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from skyinfra.api import forget_retired, lock_path, plan_spec, retired_stacks, save_lock
from skyinfra.cli import main
from skyinfra.placement.lock import RetiredStack, load_history

# web's pin keeps it off the cheapest site (azure-newzealandnorth for this shape), so
# dropping the pin and re-planning web moves it; api has a site of its own.
SPEC = """\
name: demo
accounts: {gcp: {project: p}}
networks: {core: {}}
compute:
  web:
    resources: {cpus: "4+", memory: "16+"}
    placement: {cloud: gcp, region: asia-south1}
  api:
    resources: {cpus: "2+"}
    placement: {cloud: aws, region: us-east-1}
"""
UNPINNED = SPEC.replace("    placement: {cloud: gcp, region: asia-south1}\n", "")
WITHOUT_API = SPEC[: SPEC.index("  api:")]


def planned(tmp_path: Path, text: str, *args: str) -> dict:
    """Write `text` as the spec, run `plan --json` (recording the lock) and return its report."""
    spec = tmp_path / "sky.yaml"
    spec.write_text(text)
    result = CliRunner().invoke(main, ["plan", str(spec), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_moved_resource_retires_its_old_stack(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    doc = planned(tmp_path, UNPINNED, "--replan", "web")
    assert doc["retired_stacks"] == [
        {
            "stack": "gcp-asia-south1",
            "reason": "moved",
            "resources": ["core", "web"],
            "project": "demo",
        }
    ]
    (move,) = doc["moves"]
    assert move == {
        "resource": "web",
        "kind": "compute",
        "from": "gcp-asia-south1",
        "to": doc["placements"]["web"]["stack"],
        "stateful": False,
    }


def test_a_removed_resource_retires_its_stack(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    doc = planned(tmp_path, WITHOUT_API)
    assert [(r["stack"], r["reason"], r["resources"]) for r in doc["retired_stacks"]] == [
        ("aws-us-east-1", "removed", ["api", "core"])
    ]
    assert doc["moves"] == []


def test_a_rename_retires_every_stack_of_the_old_project_with_a_warning(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    doc = planned(tmp_path, SPEC.replace("name: demo", "name: shop"))
    assert [(r["project"], r["stack"], r["reason"]) for r in doc["retired_stacks"]] == [
        ("demo", "aws-us-east-1", "renamed"),
        ("demo", "gcp-asia-south1", "renamed"),
    ]
    assert any("renamed demo -> shop" in w for w in doc["warnings"])


def test_the_text_output_warns_about_each_retired_stack(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    spec = tmp_path / "sky.yaml"
    spec.write_text(WITHOUT_API)
    result = CliRunner().invoke(main, ["plan", str(spec)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console may wrap long lines
    assert (
        "warning: stack demo/aws-us-east-1 left the plan (removed) and still holds api, core"
        in (text)
    )


def test_retired_stacks_are_remembered_until_forgotten(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    planned(tmp_path, WITHOUT_API)  # `plan` records the retirement ...
    doc = planned(tmp_path, WITHOUT_API)  # ... so a later plan (or `up`) still knows it
    assert [r["stack"] for r in doc["retired_stacks"]] == ["aws-us-east-1"]
    spec = tmp_path / "sky.yaml"
    (gone,) = retired_stacks(plan_spec(spec))
    assert gone == RetiredStack("demo", "aws-us-east-1", "removed", ("api", "core"))
    forget_retired(spec, [gone])
    assert load_history(lock_path(spec).read_text()).retired == ()
    assert planned(tmp_path, WITHOUT_API)["retired_stacks"] == []


def test_a_stack_back_in_the_plan_is_no_longer_retired(tmp_path: Path) -> None:
    planned(tmp_path, SPEC)
    planned(tmp_path, WITHOUT_API)
    assert planned(tmp_path, SPEC)["retired_stacks"] == []


def test_retired_stacks_against_a_given_previous_lock(tmp_path: Path) -> None:
    """`up` may hold the lock it read before `compile` rewrote it."""
    spec = tmp_path / "sky.yaml"
    spec.write_text(SPEC)
    before = plan_spec(spec).lock_text
    spec.write_text(WITHOUT_API)
    plan = plan_spec(spec)
    assert retired_stacks(plan) == []  # no lock was written: nothing known to have run
    assert [r.stack for r in retired_stacks(plan, before)] == ["aws-us-east-1"]


def test_peering_and_replication_stacks_that_disappear_are_retired(tmp_path: Path) -> None:
    linked = (
        SPEC + "buckets:\n  data:\n    placement: {cloud: gcp, region: us-central1}\n"
        "    replicate_to: [api]\n"
        "flows:\n  - {from: web, to: api, gb_per_month: 10}\n"
    )
    first = planned(tmp_path, linked)
    peering = {x["stack"] for x in first["links"] if "stack" in x}
    replication = {x["stack"] for x in first["replications"]}
    assert peering == {"peer-aws-us-east-1--gcp-asia-south1"}
    assert replication == {"repl-data--aws-us-east-1"}
    unlinked = linked.replace("    replicate_to: [api]\n", "").split("flows:")[0]
    doc = planned(tmp_path, unlinked)
    retired = {r["stack"]: r for r in doc["retired_stacks"]}
    assert set(retired) == peering | replication
    assert retired["repl-data--aws-us-east-1"] == {
        "stack": "repl-data--aws-us-east-1",
        "reason": "removed",
        "resources": ["data-to-aws-us-east-1"],
        "project": "demo",
    }
    assert retired["peer-aws-us-east-1--gcp-asia-south1"]["resources"] == [
        "core-aws-us-east-1--gcp-asia-south1"
    ]


def test_a_peering_stack_of_a_moved_resource_is_retired_as_moved(tmp_path: Path) -> None:
    flows = "flows:\n  - {from: web, to: api, gb_per_month: 10}\n"
    planned(tmp_path, SPEC + flows)
    doc = planned(tmp_path, UNPINNED + flows, "--replan", "web")
    reasons = {r["stack"]: r["reason"] for r in doc["retired_stacks"]}
    assert reasons["peer-aws-us-east-1--gcp-asia-south1"] == "moved"
    assert reasons["gcp-asia-south1"] == "moved"


def test_a_lock_without_project_and_stacks_still_loads(tmp_path: Path) -> None:
    """Locks written before these keys: stacks are the resources' sites, no rename is told."""
    spec = tmp_path / "sky.yaml"
    spec.write_text(SPEC)
    old = "\n".join(
        line
        for line in plan_spec(spec).lock_text.split("stacks:")[0].splitlines()
        if not line.startswith("project:")
    )
    lock_path(spec).write_text(old + "\n")
    history = load_history(lock_path(spec).read_text())
    assert history.project is None
    assert history.stacks == {"aws-us-east-1": ("api",), "gcp-asia-south1": ("web",)}
    spec.write_text(WITHOUT_API.replace("name: demo", "name: shop"))
    (retired,) = retired_stacks(plan_spec(spec))
    assert (retired.project, retired.stack, retired.reason) == ("shop", "aws-us-east-1", "removed")


def test_saving_a_plan_records_project_and_stacks(tmp_path: Path) -> None:
    spec = tmp_path / "sky.yaml"
    spec.write_text(SPEC)
    save_lock(spec, plan_spec(spec))
    history = load_history(lock_path(spec).read_text())
    assert history.project == "demo"
    assert history.stacks == {"aws-us-east-1": ("api", "core"), "gcp-asia-south1": ("core", "web")}
