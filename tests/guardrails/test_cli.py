"""`skyinfra check`: exit 0 clean, 1 on violations (each naming stack, resource and rule),
2 on bad input; `--json` for tools."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.cli import main
from skyinfra.topology import NetworkPlan
from tests.guardrails.previews import EXAMPLES


def _minimal(where: Path) -> Path:
    for suffix in (".yaml", ".lock"):
        shutil.copy(EXAMPLES / f"minimal{suffix}", where)
    return where / "minimal.yaml"


def _open_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NetworkPlan, "trusted_cidrs", property(lambda self: ("0.0.0.0/0",)))


def test_clean_spec_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_minimal(tmp_path))])
    assert result.exit_code == 0, result.output
    # AWS: the network 18 (VPC, 4 subnets, IGW, EIP, NAT gateway, 2 route tables, 2 routes,
    # 4 associations, S3 gateway endpoint, security group), the bucket 5, the group 6 (security
    # group, template, ASG, role, its SSM policy attachment, instance profile).
    assert "no violations: 29 resources in 1 stack(s)" in result.output


def test_violations_exit_1_naming_stack_resource_rule_and_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open_ssh(monkeypatch)
    result = CliRunner().invoke(main, ["check", str(_minimal(tmp_path))])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        "no-open-admin-ports aws-eu-west-1: aws:ec2/securityGroup:SecurityGroup "
        "minimal-app-sg: admits 0.0.0.0/0 on port 22 (tcp)"
    )
    assert lines[1].startswith("    fix: admit a group's ports from the network's own and peered")
    assert lines[-1] == "1 violation(s) of 1 rule(s) in 29 resources in 1 stack(s)"


def test_json_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _open_ssh(monkeypatch)
    result = CliRunner().invoke(main, ["check", str(_minimal(tmp_path)), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["ok"] is False and doc["stacks"] == ["aws-eu-west-1"]
    assert "vpn-keys-secret" in doc["rules"]
    [finding] = doc["findings"]
    assert finding == {
        "rule": "no-open-admin-ports",
        "stack": "aws-eu-west-1",
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "name": "minimal-app-sg",
        "urn": "urn:pulumi:aws-eu-west-1::minimal::skyinfra:compute:ComputeGroup"
        "$aws:ec2/securityGroup:SecurityGroup::minimal-app-sg",
        "message": "admits 0.0.0.0/0 on port 22 (tcp)",
        "hint": finding["hint"],
    }
    assert finding["hint"].startswith("admit a group's ports")


def test_json_output_when_clean(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_minimal(tmp_path)), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["ok"] is True


def test_bad_input_exits_2_with_location(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nnetworks: {main: {}}\ncompute:\n  app: {count: 0}\n")
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 2
    assert "bad.yaml:4" in result.output and "compute.app.count" in result.output
