"""tools/readme_samples.py: how a README sample is matched and shortened (no commands run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parent.parent / "tools" / "readme_samples.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_samples", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_samples_are_blocks_starting_with_a_skyinfra_prompt() -> None:
    tool = _tool()
    lines = ["```", "$ skyinfra plan a.yaml  # note", "out", "$ skyinfra check a.yaml", "ok", "```"]
    lines += ["```bash", "skyinfra plan a.yaml", "```", "```", "$ ls", "```"]
    (sample,) = tool.find_samples(lines)
    assert (sample.start, sample.end) == (1, 5)
    assert [(c.line, c.output) for c in sample.commands] == [
        ("skyinfra plan a.yaml  # note", ["out"]),
        ("skyinfra check a.yaml", ["ok"]),
    ]


def test_elision_matches_any_middle_and_keeps_head_and_tail() -> None:
    tool = _tool()
    shown = ["h1", "...", "t1", "t2"]
    actual = ["h1", "x", "y", "t1", "t2"]
    assert tool.matches(shown, actual) and tool.matches(shown, ["h1", "t1", "t2"])
    assert not tool.matches(shown, ["h0", "x", "t1", "t2"])
    assert not tool.matches(["a", "b"], ["a", "b", "c"])
    assert tool.elided(shown, ["H", "x", "y", "T1", "T2"]) == ["H", "...", "T1", "T2"]
    assert tool.elided(shown, ["H", "T1", "T2"]) == ["H", "T1", "T2"]  # nothing to leave out
    assert tool.elided(["old"], ["new", "lines"]) == ["new", "lines"]
