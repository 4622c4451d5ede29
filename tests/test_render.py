"""Recompiling keeps what Pulumi and the user added to the stack files, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from skyinfra.api import compile_project

ROOT = Path(__file__).resolve().parent.parent


def test_recompiling_keeps_pulumi_and_user_settings_but_rewrites_its_own(tmp_path: Path) -> None:
    spec = tmp_path / "interconnect.yaml"
    shutil.copy(ROOT / "examples" / "interconnect.yaml", spec)
    shutil.copy(ROOT / "examples" / "interconnect.lock", tmp_path / "interconnect.lock")
    out = tmp_path / "project"
    compile_project(spec, out)
    [peer] = sorted(out.glob("Pulumi.peer-*.yaml"))
    compiled = yaml.safe_load(peer.read_text())
    # what `pulumi stack init` and `pulumi config set` do to the file (Pulumi rewrites it)
    edited = dict(compiled)
    edited["encryptionsalt"] = "v1:abc:def"
    edited["config"] = {
        **compiled["config"],
        "skyinfra:interconnect-location": "iad-zone1-1",
        "skyinfra:interconnect-ready": "true",  # phase 2 must survive a recompile
        "skyinfra:secret-thing": {"secure": "v1:xyz"},
        "skyinfra:stack-a": "hand-edited",
    }
    peer.write_text(yaml.safe_dump(edited))

    compile_project(spec, out)
    again = yaml.safe_load(peer.read_text())
    assert again["encryptionsalt"] == "v1:abc:def"
    assert again["config"]["skyinfra:interconnect-location"] == "iad-zone1-1"
    assert again["config"]["skyinfra:interconnect-ready"] == "true"
    assert again["config"]["skyinfra:secret-thing"] == {"secure": "v1:xyz"}
    assert again["config"]["skyinfra:stack-a"] == compiled["config"]["skyinfra:stack-a"]
    untouched = [p for p in out.glob("Pulumi.*.yaml") if p not in (peer, out / "Pulumi.yaml")]
    for path in untouched:
        assert "encryptionsalt" not in path.read_text()


def test_a_stack_file_without_config_keeps_the_settings_pulumi_added(tmp_path: Path) -> None:
    from skyinfra.render import kept_stack_settings

    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  app:key: x\nencryptionsalt: v1:s\n")
    kept = kept_stack_settings(tmp_path, {"Pulumi.s.yaml": "# generated\nconfig:\n"})
    assert yaml.safe_load(kept["Pulumi.s.yaml"]) == {
        "config": {"app:key": "x"},
        "encryptionsalt": "v1:s",
    }
