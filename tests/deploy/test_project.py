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
