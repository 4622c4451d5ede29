"""Lock stickiness: decisions stay put unless re-planned; buckets never move silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.api import lock_path, plan_spec, save_lock
from skyinfra.cli import main
from skyinfra.placement.lock import load_lock

SPEC = """\
name: demo
accounts: {gcp: {project: p}}
networks: {core: {}}
buckets:
  data: {size_gb: 100}
compute:
  web:
    resources: {cpus: "4+", memory: "16+"}
"""


def write(tmp_path: Path, text: str = SPEC) -> Path:
    spec = tmp_path / "sky.yaml"
    spec.write_text(text)
    return spec


def lock_site(spec: Path, name: str, stack: str) -> None:
    """Edit the lock as if an earlier plan (other prices) had chosen `stack` for `name`."""
    path = lock_path(spec)
    lines = path.read_text().splitlines()
    cloud, _, region = stack.partition("-")
    path.write_text(
        "\n".join(
            f"  {name}: {{kind: {'bucket' if name == 'data' else 'compute'}, cloud: {cloud}, region: {region}}}"
            if line.startswith(f"  {name}:")
            else line
            for line in lines
        )
        + "\n"
    )


def test_plan_records_the_lock_next_to_the_spec(tmp_path: Path) -> None:
    spec = write(tmp_path)
    result = CliRunner().invoke(main, ["plan", str(spec)])
    assert result.exit_code == 0, result.output
    placement, _ = load_lock(lock_path(spec).read_text())
    assert set(placement.decisions) == {"data", "web"}
    assert lock_path(spec) == tmp_path / "sky.lock"


def test_locked_sites_are_kept_until_replanned(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-asia-south1")
    kept = plan_spec(spec)
    assert kept.placement.site_of("web").stack == "gcp-asia-south1"
    assert "web" in kept.placement.sticky
    moved = plan_spec(spec, replan=["*"])
    assert moved.placement.site_of("web").stack != "gcp-asia-south1"
    assert moved.placement.moves["web"][0].stack == "gcp-asia-south1"


def test_an_unrelated_edit_keeps_the_placement(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-asia-south1")
    spec.write_text(SPEC + '  extra:\n    resources: {cpus: "2+"}\n')
    assert plan_spec(spec).placement.site_of("web").stack == "gcp-asia-south1"


def test_replan_all_does_not_move_buckets(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "data", "azure-koreacentral")
    result = plan_spec(spec, replan=["*"])
    assert result.placement.site_of("data").stack == "azure-koreacentral"


def test_a_bucket_the_policy_no_longer_allows_needs_replan_by_name(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "data", "azure-koreacentral")
    spec.write_text(SPEC.replace("{size_gb: 100}", "{size_gb: 100, placement: {geo: [eu]}}"))
    result = CliRunner().invoke(main, ["plan", str(spec)])
    assert result.exit_code == 2
    assert "locked to azure-koreacentral" in result.output and "--replan data" in result.output
    result = CliRunner().invoke(main, ["plan", str(spec), "--replan", "data"])
    assert result.exit_code == 0, result.output
    assert "DESTROYED" in result.output


def test_replan_of_an_unknown_name_is_an_error(tmp_path: Path) -> None:
    spec = write(tmp_path)
    result = CliRunner().invoke(main, ["plan", str(spec), "--replan", "dta"])
    assert result.exit_code == 2
    assert "did you mean 'data'" in result.output


def test_compile_uses_and_records_the_lock(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-asia-south1")
    result = CliRunner().invoke(main, ["compile", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "Pulumi.gcp-asia-south1.yaml").is_file()


@pytest.mark.parametrize("flag", ["--json"])
def test_plan_json_has_the_contract_keys(tmp_path: Path, flag: str) -> None:
    import json

    spec = write(tmp_path)
    result = CliRunner().invoke(main, ["plan", str(spec), flag])
    doc = json.loads(result.output)
    assert {"placements", "links", "replications", "total_monthly_cost"} <= set(doc)
    web = doc["placements"]["web"]
    assert {
        "kind",
        "cloud",
        "region",
        "stack",
        "instance_type",
        "count",
        "hourly_cost",
        "monthly_cost",
    } <= set(web)
    assert len(web["alternatives"]) == 3
    assert all(a["delta_monthly_cost"] >= 0 and a["reason"] for a in web["alternatives"])
