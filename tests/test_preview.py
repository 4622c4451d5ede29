"""The offline preview: it records the lookups (invokes) a program makes, as the engine got
them, and leaves nothing behind (no event loop is left for interpreter exit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skyinfra.preview import Invoke, SkyMocks, _run
from skyinfra.site import Site

ROOT = Path(__file__).resolve().parent.parent


def _program() -> dict[str, Any]:
    """Two identical lookups, then another one, from plain Pulumi code."""
    import pulumi_aws as aws

    for _ in range(2):
        aws.get_availability_zones_output(state="available")
    ami = aws.ec2.get_ami_output(most_recent=True, owners=["amazon"], name_regex="^x")
    return {"ami": ami.id}


def test_the_mocks_call_records_each_distinct_invoke_with_its_arguments_in_order() -> None:
    mocks = SkyMocks(Site("aws", "us-east-1"))
    _run("demo", "aws-us-east-1", mocks, {}, _program)
    assert mocks.invokes() == [
        Invoke(
            "aws:ec2/getAmi:getAmi",
            {"mostRecent": True, "nameRegex": "^x", "owners": ["amazon"]},
        ),
        Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}),
    ]


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
