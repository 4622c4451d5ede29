"""The compiled CrossGuard pack: its policies, driven with pulumi_policy's own argument
objects (inputs wrapped in its unknown-checking proxies, as the analyzer passes them)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import pytest
from click.testing import CliRunner
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG as SECRET_SIG
from pulumi_policy.deserialize import SPECIAL_SIG_KEY as SIG
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from skyinfra.cli import main
from skyinfra.guardrails.check import resource_of
from skyinfra.guardrails.pack import SECRETS_UNSEEN, policies
from skyinfra.guardrails.rules import RULES, Resource
from tests import exposure
from tests.guardrails.previews import PREVIEWED, example, example_of, first, with_inputs
from tests.guardrails.test_rules import CASES, VPC, Case

STACKS = Path(__file__).resolve().parent.parent.parent / "stacks"


@cache
def pack(name: str) -> dict[str, Policy]:
    """The policies of the golden compiled project of example `name`, by policy name."""
    module = runpy.run_path(str(STACKS / name / "policy" / "__main__.py"), run_name="pack")
    return {p.name: p for p in module["POLICIES"]}


def _opts(r: Resource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        r.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], r.parent or None
    )


def _resource_args(r: Resource) -> ResourceValidationArgs:
    props = unknown_checking_proxy(dict(r.inputs))
    return ResourceValidationArgs(r.type, props, r.urn, r.name, _opts(r), None, {})


def _stack_args(resources: Sequence[Resource]) -> StackValidationArgs:
    """As the analyzer builds them: parents and dependencies are the resource objects."""
    made = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(dict(r.inputs)),
            r.urn,
            r.name,
            _opts(r),
            None,
            None,
            [],
            {},
        )
        for r in resources
    }
    for r in resources:
        made[r.urn].parent = made.get(r.parent)
        made[r.urn].dependencies.extend(made[d] for d in sorted(r.dependencies) if d in made)
    return StackValidationArgs(list(made.values()), {})


def _violations(
    policy: Policy, args: ResourceValidationArgs | StackValidationArgs
) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))  # type: ignore[arg-type]
    return reported


def test_one_mandatory_policy_per_rule_part() -> None:
    policies = pack("sky-three-clouds")
    expected = {r.id for r in RULES if r.resource} | {f"{r.id}-stack" for r in RULES if r.stack}
    assert set(policies) == expected
    assert all(p.enforcement_level == EnforcementLevel.MANDATORY for p in policies.values())
    assert isinstance(policies["no-public-bucket"], ResourceValidationPolicy)
    assert isinstance(policies["cidrs-disjoint-stack"], StackValidationPolicy)


RESOURCE_CASES = [
    c
    for c in CASES
    if c.flagged is None
    and c.rule not in ("vpn-keys-secret", "credentials-secret", "cidrs-disjoint")
]


@pytest.mark.parametrize("case", RESOURCE_CASES, ids=[c.id for c in RESOURCE_CASES])
def test_resource_policy_reports_the_bad_resource_only(case: Case) -> None:
    good = first(case.token, case.where)
    bad = next(r for r in case.doctor(good)[0] if r.urn == good.urn)
    policy = pack(example_of(good))[case.rule]
    assert _violations(policy, _resource_args(good)) == []
    [(message, _)] = _violations(policy, _resource_args(bad))
    assert f"{bad.type} {bad.name}: " in message and case.message in message
    assert "\nfix: " in message


def _has_key(r: Resource) -> bool:
    return "secretAccessKey" in r.inputs.get("properties", {})


SECRET_CASES = [
    ("vpn-keys-secret", "aws:ec2/vpnConnection:VpnConnection", lambda r: True),
    ("vpn-keys-secret", "gcp:compute/vPNTunnel:VPNTunnel", lambda r: True),
    ("vpn-keys-secret", "azure-native:network:VirtualNetworkGatewayConnection", lambda r: True),
    ("credentials-secret", "azure-native:datafactory:LinkedService", _has_key),
]


@pytest.mark.parametrize(("rule", "token", "where"), SECRET_CASES, ids=[c[1] for c in SECRET_CASES])
def test_secret_policies_say_they_cannot_see_secrets(
    rule: str, token: str, where: Callable[[Resource], bool]
) -> None:
    holder = first(token, where)
    policy = pack(example_of(holder))[rule]
    with pytest.raises(Exception) as raised:  # pulumi_policy's not-applicable signal
        _violations(policy, _resource_args(holder))
    assert "secret marks removed" in raised.value.reason  # type: ignore[attr-defined]
    unrelated = first(VPC)
    assert _violations(policy, _resource_args(unrelated)) == []


def _stack_of(name: str, stack: str) -> list[Resource]:
    return [r for r in example(name)[0] if r.stack == stack]


@pytest.mark.parametrize("name", PREVIEWED)
def test_stack_policies_pass_every_real_stack(name: str) -> None:
    policies = [p for p in pack(name).values() if isinstance(p, StackValidationPolicy)]
    for stack in sorted({r.stack for r in example(name)[0]}):
        args = _stack_args(_stack_of(name, stack))
        assert [v for p in policies for v in _violations(p, args)] == [], stack


@pytest.mark.parametrize(
    ("rule", "missing"),
    [
        ("no-public-bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
        (
            "encryption-on",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ),
    ],
)
def test_stack_policy_reports_a_bucket_without_its_settings(rule: str, missing: str) -> None:
    bucket = first("aws:s3/bucket:Bucket")
    name = example_of(bucket)
    resources = [r for r in _stack_of(name, bucket.stack) if r.type != missing]
    [(message, urn)] = _violations(pack(name)[f"{rule}-stack"], _stack_args(resources))
    assert urn == bucket.urn and bucket.name in message


def test_cidr_policy_compares_the_stack_with_the_other_stacks_plan() -> None:
    vpc = first(VPC)
    name = example_of(vpc)
    others = [r for r in example(name)[0] if r.type == "azure-native:network:VirtualNetwork"]
    taken = others[0].inputs["addressSpace"]["addressPrefixes"][0]
    resources = [
        with_inputs(r, cidrBlock=taken) if r.urn == vpc.urn else r
        for r in _stack_of(name, vpc.stack)
    ]
    [(message, urn)] = _violations(pack(name)["cidrs-disjoint-stack"], _stack_args(resources))
    assert (
        urn == vpc.urn and f"planned network {others[0].component} in {others[0].stack}" in message
    )


def _exposure_pack(where: Path) -> dict[str, Policy]:
    """The policies of the compiled project of the Azure bastion-and-database spec."""
    spec = where / "exposure.yaml"
    spec.write_text(exposure.spec_text("azure"))
    out = where / "project"
    compiled = CliRunner().invoke(main, ["compile", str(spec), "-o", str(out)])
    assert compiled.exit_code == 0, compiled.output
    return {p.name: p for p in policies(out)}


def test_resource_policy_runs_on_an_nsg_whose_asgs_are_not_created_yet(tmp_path: Path) -> None:
    """A first preview does not know the ASGs' ids: the per-resource part does not read them
    (pulumi_policy would skip the policy), and still flags a rule to an ASG from the internet
    on a port no group of the network opens publicly."""
    policy = _exposure_pack(tmp_path)["no-open-admin-ports"]
    nsg = exposure.preview("azure").one("azure-native:network:NetworkSecurityGroup")
    rules = [
        {**rule, "destinationApplicationSecurityGroups": [{"id": UNKNOWN_STRING_VALUE}]}
        if "destinationApplicationSecurityGroups" in rule
        else rule
        for rule in nsg.inputs["securityRules"]
    ]
    unknown = with_inputs(resource_of(nsg), securityRules=rules)
    assert _violations(policy, _resource_args(unknown)) == []
    opened = [
        {**r, "destinationPortRanges": ["5432"]} if "public" in r["name"] else r for r in rules
    ]
    [(message, _)] = _violations(policy, _resource_args(with_inputs(unknown, securityRules=opened)))
    assert "admits Internet on port 5432 (tcp)" in message


def test_stack_policy_reports_internet_ingress_reaching_a_private_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled pack of a public bastion next to a private database, over a stack whose
    lowering gave both groups one ASG: only the stack policy can see whose NICs are in it."""
    found = _exposure_pack(tmp_path)
    clean = [resource_of(r) for r in exposure.preview("azure").resources if r.custom]
    assert _violations(found["no-open-admin-ports-stack"], _stack_args(clean)) == []
    exposure.share_azure_asgs(monkeypatch)
    shared = [resource_of(r) for r in exposure.run("azure").resources if r.custom]
    nsg = next(r for r in shared if r.type == "azure-native:network:NetworkSecurityGroup")
    assert _violations(found["no-open-admin-ports"], _resource_args(nsg)) == []
    reported = _violations(found["no-open-admin-ports-stack"], _stack_args(shared))
    hint = next(r.hint for r in RULES if r.id == "no-open-admin-ports")
    assert sorted(reported) == [
        (
            f"{nsg.type} {nsg.name}: admits Internet on port {port} (tcp) to the VMs of "
            "exposure-db, which is not `public: true`\nfix: " + hint,
            nsg.urn,
        )
        for port in (22, 3389)
    ]


def _request(r: Resource, secret: frozenset[str] = frozenset()) -> Any:
    """An AnalyzeRequest as the engine sends it: secret inputs wrapped in the secret sig."""
    wrapped = {k: {SIG: SECRET_SIG, "value": v} if k in secret else v for k, v in r.inputs.items()}
    properties = struct_pb2.Struct()
    json_format.ParseDict(wrapped, properties)
    options = analyzer_pb2.AnalyzerResourceOptions(protect=r.protect, parent=r.parent)
    return analyzer_pb2.AnalyzeRequest(
        urn=r.urn, type=r.type, name=r.name, properties=properties, options=options
    )


def test_the_analyzer_passes_camelcase_inputs_without_secret_marks() -> None:
    """Through pulumi_policy's own analyzer servicer (what `pulumi up --policy-pack` talks to):
    our policies see the recorded camelCase keys, and secrets arrive unwrapped."""
    connection = first("aws:ec2/vpnConnection:VpnConnection")
    policies = list(pack(example_of(connection)).values())
    servicer = _PolicyAnalyzerServicer("p", "0.0.1", policies, EnforcementLevel.MANDATORY)
    response = servicer.Analyze(_request(connection, connection.secret_keys or frozenset()), None)
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        ("vpn-keys-secret", SECRETS_UNSEEN)
    ]
    assert list(response.diagnostics) == []
    bucket = first("aws:s3/bucket:Bucket")
    response = servicer.Analyze(_request(replace(bucket, protect=False)), None)
    [diagnostic] = response.diagnostics
    assert diagnostic.policyName == "stateful-protected" and bucket.name in diagnostic.message


def test_the_compiled_pack_serves_the_engine_as_pulumi_runs_it() -> None:
    """`python -m pulumi.policy ENGINE DIR` is how the Pulumi CLI starts a Python pack: it
    prints the port it serves on; the engine then asks for the policies and analyzes."""
    pack_dir = STACKS / "minimal" / "policy"
    command = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."]
    process = subprocess.Popen(command, cwd=pack_dir, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
        assert info.name == "skyinfra-guardrails"
        assert {p.name for p in info.policies} == set(pack("minimal"))
        bucket = next(r for r in example("minimal")[0] if r.type == "aws:s3/bucket:Bucket")
        response = stub.Analyze(_request(replace(bucket, protect=False)), timeout=30)
        assert [d.policyName for d in response.diagnostics] == ["stateful-protected"]
        assert list(stub.Analyze(_request(bucket), timeout=30).diagnostics) == []
        channel.close()
    finally:
        process.kill()
        process.wait()


def test_bucket_settings_are_found_without_dependencies() -> None:
    """Should the engine pass no dependencies, the bucket's component still holds them."""
    bucket = first("aws:s3/bucket:Bucket")
    name = example_of(bucket)
    resources = [replace(r, dependencies=frozenset()) for r in _stack_of(name, bucket.stack)]
    for rule in ("no-public-bucket-stack", "encryption-on-stack"):
        assert _violations(pack(name)[rule], _stack_args(resources)) == []
