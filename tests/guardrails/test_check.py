"""`check_project`: the real previews of the examples are clean; what the spec asks for on
purpose is not flagged; a lowering that regresses is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws
import pytest
from click.testing import CliRunner

from skyinfra.api import plan_spec
from skyinfra.cli import main
from skyinfra.clouds.aws import lowering as aws_lowering
from skyinfra.clouds.azure import lowering as azure_lowering
from skyinfra.clouds.base import Context
from skyinfra.clouds.gcp import lowering as gcp_lowering
from skyinfra.guardrails.check import check_previews, check_project, resource_of
from skyinfra.guardrails.rules import Intent, check_resources
from skyinfra.preview import preview_topology
from skyinfra.topology import ComputePlan, NetworkPlan
from tests import exposure
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


# -- `public: true` opens only that group ---------------------------------------------------

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
FIREWALL = "gcp:compute/firewall:Firewall"
NSG = "azure-native:network:NetworkSecurityGroup"


def _flagged(cloud: str) -> set[tuple[str, str, str]]:
    return {(f.rule, f.type, f.name) for f in exposure.check(cloud)}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_a_public_bastion_next_to_a_private_database_passes(cloud: str) -> None:
    assert exposure.check(cloud) == []


def _db_rule_from_anywhere(cloud: str) -> tuple[Any, str, Callable[..., Any]]:
    """(module, function, replacement): the rule for port 5432 gets the internet as source."""
    if cloud == "aws":
        tcp = aws_lowering._tcp
        return aws_lowering, "_tcp", lambda port, sources, why: tcp(port, ("0.0.0.0/0",), why)
    if cloud == "gcp":
        allow = gcp_lowering._allow

        def gcp_allow(
            ctx: Context, suffix: str, net: Any, ports: Any, sources: Any, tag: str
        ) -> Any:
            return allow(ctx, suffix, net, ports, ("0.0.0.0/0",) if DB in ports else sources, tag)

        return gcp_lowering, "_allow", gcp_allow
    allow = azure_lowering._allow

    def azure_allow(name: str, priority: int, ports: Any, sources: Any, asg: Any) -> Any:
        return allow(name, priority, ports, "Internet" if DB in ports else sources, asg)

    return azure_lowering, "_allow", azure_allow


DB = exposure.DB_PORT


@pytest.mark.parametrize(
    ("cloud", "flagged"),
    [
        ("aws", (SECURITY_GROUP, "exposure-db-sg")),
        ("gcp", (FIREWALL, "exposure-db-fw-trusted")),
        ("azure", (NSG, "exposure-core-nsg")),
    ],
)
def test_a_lowering_that_opens_the_database_to_the_internet_is_flagged(
    cloud: str, flagged: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's rule for 5432 admits the internet instead of its network."""
    monkeypatch.setattr(*_db_rule_from_anywhere(cloud))
    findings = exposure.check(cloud)
    assert {(f.rule, f.type, f.name) for f in findings} == {("no-open-admin-ports", *flagged)}
    assert {f.message for f in findings} == {f"admits {_internet(cloud)} on port {DB} (tcp)"}


def _internet(cloud: str) -> str:
    return "Internet" if cloud == "azure" else "0.0.0.0/0"


def test_aws_shared_security_group_open_to_the_internet_is_flagged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The network's group is on every VM of it: internet ingress there reaches the database."""
    real = pulumi_aws.ec2.SecurityGroup

    def opened(name: str, **kwargs: Any) -> Any:
        if name.endswith("-core-sg"):
            kwargs["ingress"] = [
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}
            ]
        return real(name, **kwargs)

    monkeypatch.setattr(pulumi_aws.ec2, "SecurityGroup", opened)
    assert _flagged("aws") == {("no-open-admin-ports", SECURITY_GROUP, "exposure-core-sg")}


def test_aws_database_using_the_bastion_security_group_is_flagged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bastion's group may open 22 and 3389 to the internet, but not on the database's
    VMs: only the stack-wide part sees which launch templates use it."""
    real = aws_lowering._group_security_group
    made: dict[str, Any] = {}

    def shared(plan: ComputePlan, ctx: Context, network: Any) -> Any:
        return made.setdefault(plan.network, real(plan, ctx, network))

    monkeypatch.setattr(aws_lowering, "_group_security_group", shared)
    findings = exposure.check("aws")
    assert {(f.type, f.name) for f in findings} == {(SECURITY_GROUP, "exposure-bastion-sg")}
    assert sorted(f.message for f in findings) == [
        f"admits 0.0.0.0/0 on port {port} (tcp) to the VMs of exposure-db, which is not "
        "`public: true`"
        for port in (22, 3389)
    ]


def test_gcp_tag_shared_by_the_network_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """One tag for every group: the bastion's internet rule reaches the database's VMs."""
    monkeypatch.setattr(gcp_lowering, "_target_tag", lambda ctx: "everyone")
    findings = exposure.check("gcp")
    assert {(f.type, f.name) for f in findings} == {(FIREWALL, "exposure-bastion-fw-public")}
    assert {f.message for f in findings} == {
        f"admits 0.0.0.0/0 on port {port} (tcp) to the VMs of exposure-db, which is not "
        "`public: true`"
        for port in (22, 3389)
    }


def test_azure_rule_to_every_nic_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """An NSG rule to `*` instead of the bastion's ASG reaches the database too."""
    real = azure_lowering._allow

    def untargeted(*args: Any) -> Any:
        rule = real(*args)
        del rule["destination_application_security_groups"]
        rule["destination_address_prefix"] = "*"
        return rule

    monkeypatch.setattr(azure_lowering, "_allow", untargeted)
    findings = exposure.check("azure")
    assert {(f.type, f.name) for f in findings} == {(NSG, "exposure-core-nsg")}
    assert sorted(f.message for f in findings) == [
        "admits Internet on port 22 (tcp)",
        "admits Internet on port 3389 (tcp)",
    ]


def test_azure_asg_shared_by_the_network_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """One ASG for every group: the bastion's internet rule reaches the database's NICs."""
    exposure.share_azure_asgs(monkeypatch)
    findings = exposure.check("azure")
    assert {(f.type, f.name) for f in findings} == {(NSG, "exposure-core-nsg")}
    assert sorted(f.message for f in findings) == [
        f"admits Internet on port {port} (tcp) to the VMs of exposure-db, which is not "
        "`public: true`"
        for port in (22, 3389)
    ]


def test_check_warns_what_egress_none_breaks_without_failing(tmp_path: Path) -> None:
    """A sealed network is no violation: `check` exits 0 and says what will not work."""
    spec = tmp_path / "sealed.yaml"
    spec.write_text(
        "name: sealed\nnetworks: {vault: {egress: none}}\ncompute:\n"
        "  worker: {network: vault, resources: {cpus: 2}, "
        "placement: {cloud: aws, region: us-east-1}}\n"
    )
    (warning,) = check_project(spec).warnings
    assert warning.startswith("compute group worker (aws-us-east-1) is on network vault")
    result = CliRunner().invoke(main, ["check", str(spec)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "warning: compute group worker (aws-us-east-1)" in result.output
    assert "ssmmessages" in result.output and "no violations" in result.output
