"""Every `Cloud.UNSUPPORTED` entry is refused at `plan`, located in the spec.

A new entry without a triggering spec here (and so, likely, without a plan-time check) fails
`test_every_declared_refusal_has_a_triggering_spec`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skyinfra import api
from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.base import GPU_ATTACH
from skyinfra.errors import SpecError, UnsupportedError
from skyinfra.spec import Accelerator
from tests.stacks import run, stack_plan

SPEC = """\
name: demo
accounts:
  gcp: {{project: demo-project}}
networks:
  core: {{}}
compute:
  web:
    network: core
{group}
"""

# (cloud, feature) -> the compute group's body that hits it, and the line of the problem.
TRIGGERS: dict[tuple[str, str], tuple[str, int]] = {
    ("gcp", GPU_ATTACH): (
        '    resources: {accelerators: "A100:1"}\n    instance_type: n1-standard-8\n'
        "    placement: {cloud: gcp, region: us-central1}",
        9,
    ),
    ("azure", GPU_ATTACH): (
        '    resources: {accelerators: "T4:1"}\n    instance_type: Standard_D4s_v5\n'
        "    placement: {cloud: azure, region: westeurope}",
        9,
    ),
}


def _declared() -> set[tuple[str, str]]:
    return {(name, key) for name in cloud_names() for key in get_cloud(name).UNSUPPORTED}


def test_every_declared_refusal_has_a_triggering_spec() -> None:
    assert _declared() == set(TRIGGERS)


@pytest.mark.parametrize(("cloud", "feature"), sorted(TRIGGERS))
def test_a_declared_refusal_fails_at_plan_with_its_location(
    cloud: str, feature: str, tmp_path: Path
) -> None:
    group, line = TRIGGERS[cloud, feature]
    spec = tmp_path / "demo.yaml"
    spec.write_text(SPEC.format(group=group))
    with pytest.raises(SpecError) as caught:
        api.plan_spec(spec)
    (problem,) = caught.value.problems
    assert problem.message.endswith(get_cloud(cloud).UNSUPPORTED[feature])
    assert (problem.file, problem.line) == (str(spec), line)
    assert problem.path == ("compute", "web", "resources", "accelerators")


def test_an_undeclared_feature_cannot_be_refused() -> None:
    with pytest.raises(KeyError):
        get_cloud("aws").unsupported("no.such.feature", "detail", ())


def test_the_lowering_words_its_refusal_from_the_same_entry() -> None:
    plan = stack_plan("gcp", gpu=Accelerator.parse("T4:1"), instance_type="n2-standard-8")
    with pytest.raises(UnsupportedError) as caught:
        run(plan)  # straight to the lowering, past `plan`'s check
    (problem,) = caught.value.problems
    assert problem.message.endswith(get_cloud("gcp").UNSUPPORTED[GPU_ATTACH])
