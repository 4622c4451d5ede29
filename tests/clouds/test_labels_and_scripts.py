"""Where each cloud puts a group's startup script, and GCP's label character rules.

The generic promises (every taggable resource labelled, the script on the group's VMs only,
the size limits) are in the contract suite; these pin each cloud's own input.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest

from skyinfra.clouds import get_cloud
from skyinfra.clouds.aws import limits as aws_limits
from skyinfra.clouds.gcp import limits as gcp_limits
from skyinfra.components import COMPUTE_TOKEN
from skyinfra.preview import Registered, StackPreview
from skyinfra.topology import PROJECT_LABEL, RESOURCE_LABEL, ComputePlan
from tests.clouds import labelled
from tests.clouds.conftest import PROJECT, children, gpu_offer, project, site, spec, stack_spec
from tests.clouds.contract import line_of, refused


def _group(stack: StackPreview, name: str) -> list[Registered]:
    (component,) = [r for r in stack.by_type(COMPUTE_TOKEN) if r.name == f"{PROJECT}-{name}"]
    return children(stack, component)


def _one(resources: list[Registered], token: str) -> Registered:
    (found,) = [r for r in resources if r.type == token]
    return found


def _scripted(cloud: str) -> StackPreview:
    return project(labelled.labelled_spec(cloud)).cloud_stack(site(cloud))


def _decoded(value: str) -> str:
    return base64.b64decode(value, validate=True).decode("utf-8")


def test_aws_puts_the_script_in_the_launch_templates_user_data() -> None:
    template = _one(_group(_scripted("aws"), "api"), "aws:ec2/launchTemplate:LaunchTemplate")
    assert _decoded(template.inputs["userData"]) == labelled.SCRIPT


def test_gcp_runs_the_script_once_from_its_metadata_key() -> None:
    template = _one(
        _group(_scripted("gcp"), "api"), "gcp:compute/instanceTemplate:InstanceTemplate"
    )
    metadata = template.inputs["metadata"]
    assert metadata["skyinfra-startup-script"] == labelled.SCRIPT
    wrapper = metadata["startup-script"]
    assert wrapper.startswith("#!/bin/bash\n")
    assert "/instance/attributes/skyinfra-startup-script" in wrapper
    assert "startup-script.done" in wrapper
    # The provider refuses both forms at once.
    assert "metadataStartupScript" not in template.inputs


def test_azure_puts_the_script_in_the_scale_sets_custom_data() -> None:
    vmss = _one(_group(_scripted("azure"), "api"), "azure-native:compute:VirtualMachineScaleSet")
    custom = vmss.inputs["virtualMachineProfile"]["osProfile"]["customData"]
    assert _decoded(custom) == labelled.SCRIPT


def _gpu_with_script(cloud: str) -> tuple[StackPreview, ComputePlan]:
    """Group `gpu` of `stack_spec` given the startup script."""
    if gpu_offer(cloud) is None:
        pytest.skip(f"the {cloud} catalog has no NVIDIA GPU offer")
    script = labelled.SCRIPT.replace("\n", "\\n")
    text = stack_spec(cloud).replace("  gpu: {", f'  gpu: {{startup_script: "{script}", ', 1)
    p = project(text)
    (plan,) = [g for s in p.plan.topology.stacks for g in s.compute if g.name == "gpu"]
    return p.cloud_stack(plan.site), plan


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_a_gpu_group_keeps_its_driver_path_beside_the_script(cloud: str) -> None:
    """The user's script never replaces the driver: the driver image, GCP's driver flag and
    Azure's driver extension are all still there."""
    stack, plan = _gpu_with_script(cloud)
    made = _group(stack, "gpu")
    assert labelled.carries_script([r.inputs for r in made], labelled.SCRIPT)
    c = get_cloud(cloud)
    assert c.gpu_driver(plan)
    if cloud == "gcp":
        template = _one(made, "gcp:compute/instanceTemplate:InstanceTemplate")
        assert template.inputs["metadata"]["install-nvidia-driver"] == "True"
    if cloud == "azure":
        vmss = _one(made, "azure-native:compute:VirtualMachineScaleSet")
        extensions = vmss.inputs["virtualMachineProfile"]["extensionProfile"]["extensions"]
        assert "NvidiaGpuDriverLinux" in [e["type"] for e in extensions]


# -- GCP's label rules, at plan time, only where GCP lowers -----------------------------------


def _labelled_on(cloud: str, labels: str) -> str:
    here = site(cloud)
    at = f"placement: {{cloud: {here.cloud}, region: {here.region}}}"
    return spec(
        f"labels: {{{labels}}}\nnetworks: {{core: {{}}}}\n"
        f"compute:\n  app: {{network: core, resources: {{cpus: 2}}, {at}}}\n",
        here,
    )


@pytest.mark.parametrize(
    ("labels", "key", "why"),
    [
        ("Team: ml", "Team", "must start with a lowercase letter"),
        ("1st: ml", "1st", "must start with a lowercase letter"),
        ("team: ML Platform", "team", "(not ' ' 'L' 'M' 'P')"),
        ("team.name: ml", "team.name", "(not '.')"),
        (f"{'k' * 64}: v", "k" * 64, "longer than 63 characters"),
        (f"team: {'v' * 64}", "team", "longer than 63 characters"),
    ],
)
def test_gcp_refuses_labels_outside_its_rules_at_the_key(
    labels: str, key: str, why: str, tmp_path: Path
) -> None:
    text = _labelled_on("gcp", labels)
    (problem,) = refused(text, tmp_path)
    assert problem.path == ("labels", key)
    assert problem.line == line_of(text, "labels:")
    assert why in problem.message and "gcp" in problem.message
    assert problem.hint and "labeling-resources" in problem.hint


def test_gcp_accepts_international_lowercase_labels() -> None:
    stack = project(_labelled_on("gcp", "équipe: données, 分野: 機械学習")).cloud_stack(site("gcp"))
    template = _one(_group(stack, "app"), "gcp:compute/instanceTemplate:InstanceTemplate")
    assert template.inputs["labels"]["équipe"] == "données"
    assert template.inputs["labels"]["分野"] == "機械学習"


def test_gcp_rules_do_not_apply_to_resources_on_other_clouds() -> None:
    stack = project(_labelled_on("aws", "Team: ML Platform")).cloud_stack(site("aws"))
    template = _one(_group(stack, "app"), "aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["tags"]["Team"] == "ML Platform"


@pytest.mark.parametrize(
    ("cloud", "labels", "why"),
    [
        ("aws", "'aws:team': ml", "reserved for AWS"),
        ("azure", "'team/name': ml", "cannot contain /"),
    ],
)
def test_aws_and_azure_refuse_their_reserved_keys(
    cloud: str, labels: str, why: str, tmp_path: Path
) -> None:
    text = _labelled_on(cloud, labels)
    (problem,) = refused(text, tmp_path)
    assert problem.path[0] == "labels" and why in problem.message


def test_a_label_key_of_skyinfras_own_is_refused(tmp_path: Path) -> None:
    text = _labelled_on("aws", "skyinfra-project: other")
    (problem,) = refused(text, tmp_path)
    assert problem.path[0] == "labels" and "skyinfra's own" in problem.message


def test_gcp_respells_the_longest_link_name_to_a_valid_label_value() -> None:
    """A link's `skyinfra-resource` (`<network>:<a><-><b>`, up to 31 + 2 + two stack names)
    is made lowercase `[a-z0-9_-]` and cut to 63 characters on GCP; the user's values, checked
    at plan time, are kept as given."""
    ctx = _LabelContext(
        labels=(
            ("team", "ml"),
            (PROJECT_LABEL, PROJECT),
            (RESOURCE_LABEL, f"{'n' * 31}:gcp-northamerica-northeast1<->azure-australiasoutheast"),
        ),
        project=PROJECT,
        name=f"{PROJECT}-{'n' * 31}-gcp-northamerica-northeast1--azure-australiasoutheast",
    )
    got = gcp_limits.labels(ctx)
    assert got["team"] == "ml"
    assert got[RESOURCE_LABEL].startswith(f"{'n' * 31}-gcp-northamerica-northeast1--az")
    assert len(got[RESOURCE_LABEL]) == 63
    assert get_cloud("gcp").label_rules.problems(got, "networks") == []


def test_aws_respells_the_link_arrow_in_its_tag_values() -> None:
    ctx = _LabelContext(((RESOURCE_LABEL, "core:aws-us-east-1<->gcp-us-central1"),), PROJECT, "x")
    assert aws_limits.tags(ctx, "x")[RESOURCE_LABEL] == "core:aws-us-east-1--gcp-us-central1"


@dataclass(frozen=True)
class _LabelContext:
    labels: tuple[tuple[str, str], ...]
    project: str
    name: str
