"""The deploy directory: backend choice, the passphrase check, and secrets settings that must
survive a recompile."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyinfra.deploy.project import (
    Backend,
    SetupError,
    check_secrets,
    choose_backend,
    default_root,
    prepare,
    restore_settings,
    retired_project,
    set_aside_settings,
)
from tests.deploy.fakes import tiny_spec


def test_backend_choice_flag_then_environment_then_local_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "deploy"
    env = {"PULUMI_BACKEND_URL": "s3://bucket/state"}
    assert choose_backend("gs://b", env, root) == Backend("gs://b", "--backend")
    assert choose_backend(None, env, root) == Backend("s3://bucket/state", "PULUMI_BACKEND_URL")
    assert choose_backend(None, {}, root) == Backend(f"file://{root}/.pulumi-state", "default")
    monkeypatch.chdir(tmp_path)  # a relative file URL means relative to where the user is
    assert choose_backend("file://state", {}, root).url == f"file://{tmp_path / 'state'}"
    assert choose_backend("file://~", {}, root).url == "file://~"


def test_only_pulumi_cloud_needs_no_passphrase() -> None:
    with pytest.raises(SetupError) as caught:
        check_secrets(Backend("s3://bucket", "--backend"), {})
    assert caught.value.exit_code == 2
    check_secrets(Backend("s3://bucket", "--backend"), {"PULUMI_CONFIG_PASSPHRASE_FILE": "/p"})
    check_secrets(Backend("file:///x", "default"), {"PULUMI_CONFIG_PASSPHRASE": ""})
    check_secrets(Backend("https://api.pulumi.com", "--backend"), {})


def test_default_root_is_beside_the_spec(tmp_path: Path) -> None:
    assert default_root(tmp_path / "sky.yaml") == tmp_path.resolve() / ".skyinfra" / "sky"


def test_recompiling_keeps_the_state_and_each_stacks_encryption_salt(tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path)
    root = tmp_path / "deploy"
    backend = choose_backend(None, {}, root)
    project = prepare(spec, root, backend)
    stack_file = project.project_dir / "Pulumi.aws-us-east-1.yaml"
    compiled = stack_file.read_text()
    # What `pulumi stack init --secrets-provider passphrase` adds, and some state.
    stack_file.write_text(compiled + "encryptionsalt: v1:abc:def\n")
    state = root / ".pulumi-state" / ".pulumi" / "stacks" / "tiny" / "aws-us-east-1.json"
    state.parent.mkdir(parents=True)
    state.write_text("{}")

    prepare(spec, root, backend)
    assert stack_file.read_text() == compiled + 'encryptionsalt: "v1:abc:def"\n'
    assert state.read_text() == "{}"
    other = project.project_dir / "Pulumi.gcp-us-central1.yaml"
    assert "encryptionsalt" not in other.read_text()


def test_a_stack_leaving_the_plan_keeps_its_settings_aside_and_gets_them_back(
    tmp_path: Path,
) -> None:
    """The salt of a stack that left the plan is what destroying it needs; should the stack
    come back, its settings come back with it."""
    project = tmp_path / "project"
    retired = tmp_path / "retired"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: tiny\n")
    (project / "Pulumi.gone.yaml").write_text("config: {}\nencryptionsalt: v1:gone\n")
    (project / "Pulumi.kept.yaml").write_text("config: {}\nencryptionsalt: v1:kept\n")

    set_aside_settings(project, retired, {"kept"})
    assert sorted(p.name for p in retired.iterdir()) == ["Pulumi.gone.yaml"]
    assert "v1:gone" in (retired / "Pulumi.gone.yaml").read_text()

    (project / "Pulumi.gone.yaml").write_text("config:\n  skyinfra:cloud: gcp\n")  # recompiled
    restore_settings(project, retired, {"kept", "gone"})
    assert (project / "Pulumi.gone.yaml").read_text() == (
        'config:\n  skyinfra:cloud: gcp\nencryptionsalt: "v1:gone"\n'
    )
    assert not (retired / "Pulumi.gone.yaml").exists()


def test_prepare_sets_aside_the_settings_of_retired_stacks_and_records_the_old_order(
    tmp_path: Path,
) -> None:
    spec = tiny_spec(tmp_path)
    root = tmp_path / "deploy"
    backend = choose_backend(None, {}, root)
    first = prepare(spec, root, backend)
    assert first.previous is None
    stack_file = first.project_dir / "Pulumi.repl-data--gcp-europe-west4.yaml"
    stack_file.write_text(stack_file.read_text() + "encryptionsalt: v1:repl\n")
    spec.write_text(spec.read_text().replace("    replicate_to: [eu]\n", ""))

    second = prepare(spec, root, backend)
    assert not stack_file.exists()
    kept = second.retired_dir / stack_file.name
    assert "encryptionsalt: v1:repl" in kept.read_text()
    assert second.previous is not None
    assert second.previous.needs["repl-data--gcp-europe-west4"] == {
        "aws-us-east-1",
        "gcp-europe-west4",
    }

    where = retired_project(second, {"repl-data--gcp-europe-west4": 3})
    assert where == second.retired_dir
    assert (where / "Pulumi.yaml").read_text() == (second.project_dir / "Pulumi.yaml").read_text()
    retired_project(second, {})  # the backend no longer holds it: its settings go
    assert not kept.exists()
