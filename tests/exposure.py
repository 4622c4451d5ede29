"""A public bastion and a private database on one network, per cloud, and their preview.

The exposure tests (tests/clouds/test_exposure.py) read what each cloud's engine receives;
the guardrail tests (tests/guardrails/test_check.py) doctor a lowering and check it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from skyinfra.api import Plan
from skyinfra.build import build_topology
from skyinfra.catalog import load_catalog
from skyinfra.clouds.azure import lowering as azure_lowering
from skyinfra.guardrails.check import check_previews
from skyinfra.guardrails.rules import Finding
from skyinfra.loader import parse_spec
from skyinfra.placement.place import place
from skyinfra.preview import StackPreview, preview_topology

CATALOG = load_catalog(None)
SITES = {
    "aws": ("us-east-1", "m6i.large"),
    "gcp": ("us-central1", "n2-standard-2"),
    "azure": ("westeurope", "Standard_D2s_v5"),
}
BASTION_PORTS = (22, 3389)
DB_PORT = 5432


def spec_text(cloud: str) -> str:
    """Network `core` on `cloud` with a public bastion (SSH, RDP) and a private database."""
    region, size = SITES[cloud]
    where = f"instance_type: {size}, placement: {{cloud: {cloud}, region: {region}}}"
    return (
        "name: exposure\naccounts: {gcp: {project: demo-project}}\nnetworks: {core: {}}\n"
        "compute:\n"
        f"  bastion: {{network: core, ports: [22, 3389], public: true, {where}}}\n"
        f"  db: {{network: core, ports: [{DB_PORT}], {where}}}\n"
    )


def plan_of(cloud: str) -> Plan:
    text = spec_text(cloud)
    spec = parse_spec(text)
    placement = place(spec, CATALOG)
    return Plan(spec, text, "exposure.yaml", placement, build_topology(spec, placement), CATALOG)


def run(cloud: str) -> StackPreview:
    """The one cloud stack of the spec on `cloud`, as the mock engine receives it."""
    plan = plan_of(cloud)
    (stack,) = preview_topology(plan.topology, plan.stack_configs())
    return stack


@cache
def preview(cloud: str) -> StackPreview:
    """`run(cloud)`, cached: only for lowerings nobody has patched."""
    return run(cloud)


def check(cloud: str) -> list[Finding]:
    """What the guardrails find in the stack on `cloud` (lowered now: patches apply)."""
    plan = plan_of(cloud)
    return check_previews(preview_topology(plan.topology, plan.stack_configs()), plan.topology)


def share_azure_asgs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regress the Azure lowering to one ASG for every group of a network: the bastion's
    internet rule then reaches the database's NICs."""
    real = azure_lowering._application_security_groups

    def one_for_all(*args: Any) -> Any:
        asgs = real(*args)
        first = next(iter(asgs.values()))
        return dict.fromkeys(asgs, first)

    monkeypatch.setattr(azure_lowering, "_application_security_groups", one_for_all)
