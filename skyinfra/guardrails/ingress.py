"""Ingress rules normalised for `no-open-admin-ports`.

Each cloud's security rules (security groups, firewalls, NSGs: see the `ingress` table of
`skyinfra/clouds/<cloud>/guardrails.py`) become `Ingress(protocol, ports, sources, targets)`,
one parser per type token; this module holds the neutral record and value helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ALL_PORTS", "ANYWHERE", "PORT_PROTOCOLS", "Ingress", "port_range"]

ANYWHERE = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any"})
# Protocols whose rules admit ports; "-1" / "all" / "*" mean every protocol.
PORT_PROTOCOLS = frozenset({"tcp", "udp", "6", "17", "-1", "all", "*"})
ALL_PORTS = (0, 65535)


@dataclass(frozen=True)
class Ingress:
    """One normalised allow-ingress rule.

    `targets` are what the rule names as its destination among the VMs its resource governs:
    GCP target tags and service accounts, Azure destination application security groups (as
    the rule's `{"id": ...}` references: read the id only to match it, since an ASG's id is
    unknown during a first preview and pulumi_policy raises on reading an unknown). None:
    every VM the resource governs (an AWS security group's, an untargeted firewall's, an NSG
    rule to an address prefix).
    """

    protocol: str
    ports: tuple[int, int]
    sources: tuple[str, ...]
    targets: tuple[Any, ...] | None = None

    @property
    def internet(self) -> tuple[str, ...]:
        """The sources that mean "anywhere on the internet", sorted."""
        return tuple(sorted({s for s in self.sources if s.lower() in ANYWHERE}))


def port_range(text: Any) -> tuple[int, int]:
    """`22`, `"22"`, `"20-25"` or `"*"` as an inclusive range."""
    value = str(text).strip()
    if value in ("*", "", "None"):
        return ALL_PORTS
    low, _, high = value.partition("-")
    return int(float(low)), int(float(high or low))
