"""Startup scripts from files: read at plan time, located errors, carried by the compiled project.

The per-cloud promise (the script reaches the VMs, within each cloud's size limit) is in the
contract suite (tests/clouds/contract.py); this is the neutral part: the loader and compile.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pulumi
import pytest

from skyinfra.api import compile_project, load_project_topology, plan_spec
from skyinfra.errors import Problem, SpecError
from skyinfra.plan import FILES_DIR
from skyinfra.preview import SkyMocks, _RecordingMonitor
from skyinfra.program import run
from skyinfra.site import Site

SCRIPT = "#!/bin/bash\nset -eu\necho 'hello from boot' > /var/tmp/boot\n"
SPEC = """\
name: boots
networks: {{main: {{}}}}
compute:
  app:
    resources: {{cpus: "2+"}}
    placement: {{cloud: aws, region: eu-west-1}}
    startup_script: {script}
"""
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _write(tmp_path: Path, script: str, name: str = "sky.yaml") -> Path:
    path = tmp_path / name
    path.write_text(SPEC.format(script=script))
    return path


def _refused(path: Path) -> Problem:
    with pytest.raises(SpecError) as caught:
        plan_spec(path)
    (problem,) = caught.value.problems
    return problem


def _at_file_key(problem: Problem, path: Path) -> None:
    assert problem.file == str(path)
    assert problem.path == ("compute", "app", "startup_script", "file")
    assert (problem.line, problem.column) == (7, 22)  # the `file` key


def test_a_file_script_is_read_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "boot.sh").write_text(SCRIPT)
    plan = plan_spec(_write(tmp_path, "{file: scripts/boot.sh}"))
    (group,) = plan.topology.stacks[0].compute
    assert group.startup_script == SCRIPT


def test_an_inline_script_is_used_as_given(tmp_path: Path) -> None:
    plan = plan_spec(_write(tmp_path, '"#!/bin/sh\\necho hi\\n"'))
    assert plan.topology.stacks[0].compute[0].startup_script == "#!/bin/sh\necho hi\n"


def test_a_missing_file_is_located_at_its_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "{file: boot.sh}")
    problem = _refused(path)
    _at_file_key(problem, path)
    assert "'boot.sh' not found" in problem.message


@pytest.mark.parametrize("given", ["../boot.sh", "/etc/hostname", "a/../../boot.sh"])
def test_a_path_leaving_the_spec_directory_is_refused_before_reading(
    tmp_path: Path, given: str
) -> None:
    (tmp_path / "boot.sh").write_text(SCRIPT)  # exists one level up: still refused
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    path = _write(spec_dir, f"{{file: '{given}'}}")
    problem = _refused(path)
    _at_file_key(problem, path)
    assert "relative to the spec's directory" in problem.message


def test_a_symlink_out_of_the_spec_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.sh").write_text(SCRIPT)
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    (spec_dir / "boot.sh").symlink_to(tmp_path / "secret.sh")
    path = _write(spec_dir, "{file: boot.sh}")
    problem = _refused(path)
    _at_file_key(problem, path)
    assert "leads outside the spec's directory" in problem.message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_bytes(b"#!/bin/sh\necho \xff\n")
    path = _write(tmp_path, "{file: boot.sh}")
    problem = _refused(path)
    _at_file_key(problem, path)
    assert "not UTF-8" in problem.message and "0xff" in problem.message


def test_a_script_without_an_interpreter_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_text("echo hi\n")
    path = _write(tmp_path, "{file: boot.sh}")
    _at_file_key(_refused(path), path)
    inline = _refused(_write(tmp_path, '"echo hi"', "inline.yaml"))
    assert inline.path == ("compute", "app", "startup_script")
    assert "#!" in inline.message and inline.line == 7


def test_the_compiled_project_carries_the_script_without_the_users_file(tmp_path: Path) -> None:
    """The program rebuilds its plan from the project alone: the user's file can be gone."""
    (tmp_path / "boot.sh").write_text(SCRIPT)
    project = tmp_path / "project"
    compile_project(_write(tmp_path, "{file: boot.sh}"), project)
    (tmp_path / "boot.sh").unlink()
    assert (project / FILES_DIR / "boot.sh").read_text() == SCRIPT
    assert load_project_topology(project).stacks[0].compute[0].startup_script == SCRIPT

    mocks = SkyMocks(Site("aws", "eu-west-1"))
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="boots", stack="aws-eu-west-1", monitor=monitor)

    @pulumi.runtime.test
    def program() -> None:
        run(project)

    program()
    (template,) = [r for r in monitor.recorded if r.type == TEMPLATE]
    assert base64.b64decode(template.inputs["userData"]).decode() == SCRIPT


def test_a_recompile_drops_a_script_copy_no_longer_used(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_text(SCRIPT)
    project = tmp_path / "project"
    compile_project(_write(tmp_path, "{file: boot.sh}"), project)
    assert (project / FILES_DIR / "boot.sh").is_file()
    compile_project(_write(tmp_path, '"#!/bin/sh\\n"'), project)
    assert not (project / FILES_DIR / "boot.sh").exists()
