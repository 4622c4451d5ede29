"""The offline preview leaves nothing behind: no event loop is left for interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", ["preview", "check"])
def test_the_cli_exits_with_a_clean_stderr(tmp_path: Path, command: str) -> None:
    """An event loop left open made exit print "Exception ignored ... Invalid file
    descriptor: -1" in some runs (it depends on the order of collection). With
    ResourceWarnings shown, every run that leaves a loop open says so on stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    spec = ROOT / "examples" / "minimal.yaml"
    for _ in range(3):
        run = subprocess.run(
            [
                sys.executable,
                "-W",
                "always::ResourceWarning",
                "-m",
                "skyinfra.cli",
                command,
                str(spec),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert run.stderr == ""
