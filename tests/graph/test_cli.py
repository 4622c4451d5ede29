"""`skyinfra graph`: the format from the suffix, exit 2 on an unknown one, exit 1 without dot."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from skyinfra.cli import main
from tests.graph.specs import VPN_AND_REPLICA

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(VPN_AND_REPLICA, encoding="utf-8")
    return spec


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_mermaid_is_written_without_touching_the_lock(tmp_path: Path) -> None:
    spec, out = _spec(tmp_path), tmp_path / "topology.mmd"
    code, output = _invoke("graph", str(spec), "-o", str(out))
    assert code == 0, output
    assert out.read_text().startswith('---\ntitle: "tiny: $')
    assert f"wrote {out}" in output
    assert not spec.with_suffix(".lock").exists()  # picturing a plan decides nothing


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_of_an_example_names_its_sites(tmp_path: Path) -> None:
    for suffix in (".yaml", ".lock"):
        shutil.copy(EXAMPLES / f"sky-three-clouds{suffix}", tmp_path)
    out = tmp_path / "topology.svg"
    code, output = _invoke("graph", str(tmp_path / "sky-three-clouds.yaml"), "-o", str(out))
    assert code == 0, output
    text = ElementTree.tostring(ElementTree.parse(out).getroot(), encoding="unicode")
    for site in ("aws-us-east-1", "azure-eastus", "gcp-us-central1"):
        assert site in text


def test_unknown_suffix_exits_2_with_did_you_mean(tmp_path: Path) -> None:
    out = tmp_path / "topology.sgv"
    code, output = _invoke("graph", str(_spec(tmp_path)), "-o", str(out))
    assert code == 2
    assert "unknown picture format '.sgv'" in output and "did you mean '.svg'?" in output
    assert ".dot, .mmd, .png, .svg" in output
    assert not out.exists()


def test_no_suffix_exits_2(tmp_path: Path) -> None:
    code, output = _invoke("graph", str(_spec(tmp_path)), "-o", str(tmp_path / "topology"))
    assert code == 2 and "unknown picture format '(none)'" in output


def test_missing_dot_exits_1_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "topology.png"
    out.write_bytes(b"old")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, output = _invoke("graph", str(_spec(tmp_path)), "-o", str(out))
    assert code == 1
    assert "Graphviz" in output and "apt-get install graphviz" in output
    assert out.read_bytes() == b"old"


def test_bad_spec_exits_2_with_its_location(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\ncompute:\n  a: {count: 0}\n", encoding="utf-8")
    code, output = _invoke("graph", str(spec), "-o", str(tmp_path / "t.dot"))
    assert code == 2 and "bad.yaml:3" in output
