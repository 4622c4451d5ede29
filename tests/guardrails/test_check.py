"""`check_project`: the real previews of the examples are clean; what the spec asks for on
purpose is not flagged; a lowering that regresses is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from skyinfra.api import plan_spec
from skyinfra.clouds.base import Context
from skyinfra.guardrails.check import check_previews, check_project, resource_of
from skyinfra.guardrails.rules import Intent, check_resources
from skyinfra.preview import preview_topology
from skyinfra.topology import NetworkPlan
from tests.guardrails.previews import EXAMPLES

OPEN_ON_PURPOSE = """\
name: open
accounts: {gcp: {project: demo-project}}
networks: {core: {}}
buckets:
  scratch-a: {placement: {cloud: aws, region: us-east-1}, protect: false}
  scratch-g: {placement: {cloud: gcp, region: us-central1}, protect: false}
  scratch-z: {placement: {cloud: azure, region: westeurope}, protect: false}
compute:
  jump-a:
    {network: core, instance_type: m6i.large, ports: [22, 3389], public: true,
     placement: {cloud: aws, region: us-east-1}}
  jump-g:
    {network: core, instance_type: n2-standard-2, ports: [22, 3389], public: true,
     placement: {cloud: gcp, region: us-central1}}
  jump-z:
    {network: core, instance_type: Standard_D2s_v5, ports: [22, 3389], public: true,
     placement: {cloud: azure, region: westeurope}}
"""


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_passes_every_rule(example: Path) -> None:
    report = check_project(example)
    assert report.findings == []
    assert report.resources >= 10 and report.stacks


def test_what_the_spec_asks_for_is_not_flagged(tmp_path: Path) -> None:
    spec = tmp_path / "open.yaml"
    spec.write_text(OPEN_ON_PURPOSE)
    plan = plan_spec(spec)
    previews = preview_topology(plan.topology, plan.stack_configs())
    assert check_previews(previews, plan.topology) == []
    # Without the spec's intent the same resources break two rules on every cloud.
    records = [resource_of(r) for p in previews for r in p.resources if r.custom]
    flagged = {(f.rule, f.stack) for f in check_resources(records, Intent())}
    stacks = {"aws-us-east-1", "gcp-us-central1", "azure-westeurope"}
    assert flagged == {
        (rule, s) for rule in ("no-open-admin-ports", "stateful-protected") for s in stacks
    }


def test_a_lowering_that_opens_ssh_to_the_internet_is_flagged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(NetworkPlan, "trusted_cidrs", property(lambda self: ("0.0.0.0/0",)))
    found = {
        (f.rule, f.stack, f.type)
        for example in ("minimal", "three-clouds")
        for f in check_project(EXAMPLES / f"{example}.yaml").findings
    }
    assert found == {
        ("no-open-admin-ports", "aws-eu-west-1", "aws:ec2/securityGroup:SecurityGroup"),
        # three-clouds' AWS group has no port 22: its private 443 must not be open either
        ("no-open-admin-ports", "aws-us-east-1", "aws:ec2/securityGroup:SecurityGroup"),
        ("no-open-admin-ports", "azure-westeurope", "azure-native:network:NetworkSecurityGroup"),
        ("no-open-admin-ports", "gcp-us-central1", "gcp:compute/firewall:Firewall"),
    }


def test_a_lowering_that_drops_protect_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    def opts(self: Context, **kwargs: Any) -> pulumi.ResourceOptions:
        kwargs.pop("protect", None)
        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    monkeypatch.setattr(Context, "opts", opts)
    report = check_project(EXAMPLES / "three-clouds.yaml")
    assert {(f.rule, f.type) for f in report.findings} == {
        ("stateful-protected", "aws:s3/bucket:Bucket"),
        ("stateful-protected", "gcp:storage/bucket:Bucket"),
        ("stateful-protected", "azure-native:resources:ResourceGroup"),
        ("stateful-protected", "azure-native:storage:StorageAccount"),
        ("stateful-protected", "azure-native:storage:BlobContainer"),
    }
