"""Hand-built specs with one compute group per site, and their placement."""

from __future__ import annotations

from collections.abc import Sequence

from skyinfra.loader import parse_spec
from skyinfra.placement.decision import Decision, Placement
from skyinfra.site import Site
from skyinfra.spec import Spec

AWS = Site("aws", "us-east-1")
AWS2 = Site("aws", "eu-west-1")
GCP = Site("gcp", "us-central1")
GCP2 = Site("gcp", "europe-west4")
AZURE = Site("azure", "westeurope")
AZURE2 = Site("azure", "eastus")


def group(site: Site) -> str:
    return f"vm-{site.stack}"


def linked_spec(
    sites: Sequence[Site],
    flows: Sequence[tuple[Site, Site]] = (),
    *,
    named_flows: Sequence[tuple[str, str]] = (),
    links: Sequence[tuple[str, str]] | None = None,
    mode: str = "vpn",
    extra: str = "",
    ports: Sequence[int] = (),
) -> tuple[Spec, Placement]:
    """Network `core`, a group `vm-<stack>` per site (open on `ports`), flows between groups,
    a peering section."""
    lines = ["name: demo", "accounts: {gcp: {project: p}}", "networks: {core: {}}", "compute:"]
    opened = f", ports: [{', '.join(map(str, ports))}]" if ports else ""
    lines += [f"  {group(s)}: {{network: core{opened}}}" for s in sites]
    pairs = [(group(a), group(b)) for a, b in flows] + list(named_flows)
    lines += ["flows:", *(f"  - {{from: {a}, to: {b}, gb_per_month: 10}}" for a, b in pairs)]
    lines += [] if pairs else ["  []"]
    listed = "auto" if links is None else "[" + ", ".join(f"[{a}, {b}]" for a, b in links) + "]"
    lines.append(f"peering: {{mode: {mode}, links: {listed}}}")
    spec = parse_spec("\n".join([*lines, extra]) + "\n")
    decisions = {group(s): Decision(group(s), "compute", s) for s in sites}
    return spec, Placement(decisions)
