"""`skyinfra init`: a starter spec that plans, compiles and previews offline; no clobbering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.api import compile_project, plan_spec, preview_project
from skyinfra.cli import main
from skyinfra.schema import modeline, schema_text
from skyinfra.starter import SCHEMA_FILE, STARTER_SPEC, write_starter


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("init") / "skyinfra.yaml"
    write_starter(path)
    return path


def test_starter_names_its_schema_and_writes_it_beside(starter: Path) -> None:
    text = starter.read_text(encoding="utf-8")
    assert text == STARTER_SPEC
    assert text.splitlines()[0] == modeline(SCHEMA_FILE)
    assert (starter.parent / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()


def test_starter_teaches_every_section(starter: Path) -> None:
    spec = plan_spec(starter).spec
    assert list(spec.networks) == ["main"]
    assert list(spec.buckets) == ["artifacts"] and spec.buckets["artifacts"].protect
    assert spec.compute["app"].count == 2 and spec.compute["app"].network == "main"
    assert [(f.source, f.to) for f in spec.flows] == [("artifacts", "app")]
    assert spec.policy.geo == ["eu"] and spec.policy.max_hourly_price is not None
    comments = [line for line in starter.read_text().splitlines() if "#" in line]
    assert len(comments) >= 20


def test_starter_plans_compiles_and_previews_offline(starter: Path) -> None:
    plan, files = compile_project(starter, starter.parent / "project")
    names = {p.name for p in files}
    assert {"Pulumi.yaml", "skyinfra.yaml", "skyinfra.lock"} <= names
    stack = plan.placement.decisions["app"].site.stack
    assert f"Pulumi.{stack}.yaml" in names
    [preview] = preview_project(starter)
    types = {r.type for r in preview.resources}
    assert {
        "skyinfra:network:Network",
        "skyinfra:storage:Bucket",
        "skyinfra:compute:ComputeGroup",
    } <= types
    assert len([r for r in preview.resources if r.custom]) > 5


def test_init_defaults_to_skyinfra_yaml_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("init")
    assert code == 0, output
    assert (tmp_path / "skyinfra.yaml").read_text(encoding="utf-8") == STARTER_SPEC
    assert json.loads((tmp_path / SCHEMA_FILE).read_text(encoding="utf-8"))["title"]
    assert "skyinfra plan skyinfra.yaml" in output


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\n", encoding="utf-8")
    code, output = _invoke("init", str(path))
    assert code == 2
    assert f"{path} already exists: pass --force to overwrite it" in output
    assert path.read_text(encoding="utf-8") == "name: mine\n"
    assert not (tmp_path / SCHEMA_FILE).exists()
    code, output = _invoke("init", str(path), "--force")
    assert code == 0, output
    assert path.read_text(encoding="utf-8") == STARTER_SPEC


def test_init_into_a_new_directory(tmp_path: Path) -> None:
    path = tmp_path / "infra" / "sky.yaml"
    code, output = _invoke("init", str(path))
    assert code == 0, output
    assert path.is_file() and (path.parent / SCHEMA_FILE).is_file()


def test_init_refuses_a_directory(tmp_path: Path) -> None:
    code, output = _invoke("init", str(tmp_path), "--force")
    assert code == 2 and "directory" in output
