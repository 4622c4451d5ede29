"""The built wheel carries the templates and can compile without the source checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_wheel_compiles(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("skyinfra-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    assert (site / "skyinfra" / "templates" / "Pulumi.yaml.j2").is_file()

    out = tmp_path / "project"
    code = (
        "import skyinfra, sys; from skyinfra.cli import main;"
        f"assert skyinfra.__file__.startswith({str(site)!r}), skyinfra.__file__;"
        f"sys.argv = ['skyinfra', 'compile', {str(ROOT / 'examples' / 'minimal.yaml')!r}, '-o', {str(out)!r}];"
        "main()"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (out / "Pulumi.yaml").is_file()
    assert (out / "Pulumi.aws-eu-west-1.yaml").read_text() == (
        ROOT / "stacks" / "minimal" / "Pulumi.aws-eu-west-1.yaml"
    ).read_text()
    # The policy pack's templates ship too (templates/policy/).
    assert (out / "policy" / "__main__.py").read_text() == (
        ROOT / "stacks" / "minimal" / "policy" / "__main__.py"
    ).read_text()
