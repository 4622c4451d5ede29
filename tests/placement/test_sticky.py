"""Lock stickiness: decisions stay put unless re-planned; buckets never move silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.api import lock_path, plan_spec, save_lock
from skyinfra.cli import main
from skyinfra.placement.lock import load_lock
from skyinfra.placement.place import MOVE_MIN_SAVING, move_threshold
from skyinfra.report import plan_report

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


def placed(text: str) -> str:
    """SPEC with web's placement set to `text`."""
    return SPEC.replace('"16+"}\n', '"16+"}\n    placement: ' + text + "\n")


def recorded_at(tmp_path: Path, region: str, regions: str) -> Path:
    """A spec whose web may run in `regions` of GCP, planned earlier while pinned to `region`."""
    spec = write(tmp_path, placed(f"{{cloud: gcp, region: {region}}}"))
    save_lock(spec, plan_spec(spec))
    spec.write_text(placed(f"{{cloud: gcp, regions: {regions}}}"))
    return spec


def test_a_tie_keeps_the_recorded_site(tmp_path: Path) -> None:
    # the four regions offer e2-standard-4 at one price; the optimiser alone picks us-central1
    spec = recorded_at(tmp_path, "us-west1", '["us-*"]')
    lock_path(spec).unlink()
    assert plan_spec(spec).placement.site_of("web").stack == "gcp-us-central1"
    spec = recorded_at(tmp_path, "us-west1", '["us-*"]')
    for replan in (["web"], ["*"]):
        result = plan_spec(spec, replan=replan)
        assert result.placement.site_of("web").stack == "gcp-us-west1"
        assert result.placement.moves == {} and plan_report(result)["moves"] == []


def test_a_saving_below_the_threshold_moves_nothing(tmp_path: Path) -> None:
    # europe-west4 costs $0.08/month more than europe-west1: less than MOVE_MIN_SAVING
    spec = recorded_at(tmp_path, "europe-west4", "[europe-west1, europe-west4]")
    lock_path(spec).unlink()
    assert plan_spec(spec).placement.site_of("web").stack == "gcp-europe-west1"
    spec = recorded_at(tmp_path, "europe-west4", "[europe-west1, europe-west4]")
    result = plan_spec(spec, replan=["web"])
    assert result.placement.site_of("web").stack == "gcp-europe-west4"
    report = plan_report(result)
    assert report["moves"] == []
    (west1,) = report["placements"]["web"]["alternatives"]
    assert west1["delta_monthly_cost"] == -0.08
    assert west1["reason"] == "saves $0.08/month, not more than the $1.08 a move must save"


def test_a_saving_above_the_threshold_moves_and_is_listed(tmp_path: Path) -> None:
    spec = write(tmp_path)
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-asia-south1")  # $48.64/month dearer than the best site
    report = plan_report(plan_spec(spec, replan=["web"]))
    assert [(m["resource"], m["from"]) for m in report["moves"]] == [("web", "gcp-asia-south1")]


def test_move_threshold_is_a_dollar_or_one_percent() -> None:
    assert move_threshold(20.0) == MOVE_MIN_SAVING == 1.0
    assert move_threshold(500.0) == pytest.approx(5.0)


def lock_instance_type(spec: Path, instance_type: str) -> None:
    path = lock_path(spec)
    text = path.read_text()
    recorded = load_lock(text)[0].decisions["web"].instance_type
    path.write_text(text.replace(f"instance_type: {recorded},", f"instance_type: {instance_type},"))


@pytest.mark.parametrize(
    ("recorded", "after_replan"),
    [
        ("Standard_DC4as_cc_v5", "Standard_DC4as_cc_v5"),  # same price: kept
        ("Standard_D4as_v6", "Standard_D4as_v5"),  # $4.38/month dearer: replaced
    ],
)
def test_replan_keeps_the_recorded_instance_type_unless_it_saves(
    tmp_path: Path, recorded: str, after_replan: str
) -> None:
    spec = write(tmp_path, placed("{cloud: azure, region: centralindia}"))
    save_lock(spec, plan_spec(spec))
    lock_instance_type(spec, recorded)
    assert plan_spec(spec).placement.decisions["web"].instance_type == recorded
    assert plan_spec(spec, replan=["web"]).placement.decisions["web"].instance_type == after_replan


@pytest.mark.parametrize("flag", ["--dry-run", "--no-lock"])
def test_plan_dry_run_leaves_the_lock_file_untouched(tmp_path: Path, flag: str) -> None:
    spec = write(tmp_path)
    assert CliRunner().invoke(main, ["plan", str(spec), flag]).exit_code == 0
    assert not lock_path(spec).exists()
    save_lock(spec, plan_spec(spec))
    lock_site(spec, "web", "gcp-asia-south1")
    before = lock_path(spec).read_bytes()
    result = CliRunner().invoke(main, ["plan", str(spec), "--replan", "web", flag])
    assert result.exit_code == 0, result.output
    assert "move compute web: gcp-asia-south1 ->" in result.output
    assert "not recorded" in result.output
    assert lock_path(spec).read_bytes() == before
