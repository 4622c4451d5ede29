"""The guardrails as a Pulumi CrossGuard policy pack (`pulumi up --policy-pack policy`).

The compiled project's `policy/__main__.py` builds `policies` for its project directory and\n`serve`s them; the
policies read the project's `skyinfra.yaml` + `skyinfra.lock` for what the spec asks on
purpose (public ports, unprotected buckets) and for the other stacks' planned CIDRs. Each
rule becomes a `ResourceValidationPolicy` (checked before a resource is created or updated)
and, where it has a stack-wide part, a `StackValidationPolicy` named `<rule>-stack`.

What pulumi_policy 1.21 hands a validation: `props` are the inputs, camelCase as the engine
received them (the same keys `skyinfra check` records); `opts.protect` and `opts.parent`
are the resource options. Secrets arrive unwrapped: the analyzer deserialises inputs without
their secret marks, so a Python pack cannot tell a secret key from a plaintext one. Rules
that need that (`vpn-keys-secret`) report themselves not applicable, with that reason;
`skyinfra check` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from skyinfra.guardrails.rules import (
    RULES,
    Finding,
    Intent,
    Resource,
    Rule,
    check_resource,
    check_stack,
    cloud_guardrails,
    intent_of,
)
from skyinfra.plan import load_project_topology

PACK_NAME = "skyinfra-guardrails"
SECRETS_UNSEEN = (
    "pulumi_policy passes inputs with their secret marks removed, so a Python policy pack "
    "cannot tell whether a key is a secret; run `skyinfra check SPEC` for this rule"
)


def policies(project_dir: str | Path) -> list[Policy]:
    """One mandatory policy per rule part, for the compiled project in `project_dir`."""
    cloud_guardrails()  # fail closed at load when a registered cloud declares no table
    intent = intent_of(load_project_topology(Path(project_dir)))
    found: list[Policy] = []
    for rule in RULES:
        if rule.resource is not None:
            found.append(
                ResourceValidationPolicy(
                    name=rule.id,
                    description=rule.title,
                    validate=_validate_resource(rule, intent),
                    enforcement_level=EnforcementLevel.MANDATORY,
                    remediation_steps=rule.hint,
                )
            )
        if rule.stack is not None:
            found.append(
                StackValidationPolicy(
                    name=f"{rule.id}-stack",
                    description=rule.title,
                    validate=_validate_stack(rule, intent),
                    enforcement_level=EnforcementLevel.MANDATORY,
                    remediation_steps=rule.hint,
                )
            )
    return found


def serve(found: list[Policy]) -> None:
    """Run the pack (blocks: `PolicyPack` serves the engine until it is stopped)."""
    PolicyPack(PACK_NAME, found, enforcement_level=EnforcementLevel.MANDATORY)


def _message(finding: Finding) -> str:
    return f"{finding.type} {finding.name}: {finding.message}\nfix: {finding.hint}"


def _validate_resource(
    rule: Rule, intent: Intent
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        resource = Resource(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            inputs=args.props,
            secret_keys=None,
            protect=bool(args.opts.protect),
            parent=args.opts.parent or "",
        )
        findings = check_resource(rule, resource, intent)
        if rule.needs_secrets and findings:
            args.not_applicable(SECRETS_UNSEEN)
        for finding in findings:
            report(_message(finding), None)

    return validate


def _validate_stack(
    rule: Rule, intent: Intent
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [_stack_resource(r) for r in args.resources]
        for finding in check_stack(rule, resources, intent):
            report(_message(finding), finding.urn)

    return validate


def _stack_resource(r: PolicyResource) -> Resource:
    """A stack policy's resource; dependencies from both its options and its inputs."""
    named = [*r.dependencies, *(d for deps in r.property_dependencies.values() for d in deps)]
    return Resource(
        type=r.resource_type,
        name=r.name,
        urn=r.urn,
        inputs=r.props,
        secret_keys=None,
        protect=bool(r.opts.protect),
        parent=r.opts.parent or (r.parent.urn if r.parent is not None else ""),
        dependencies=frozenset(d.urn for d in named),
    )
