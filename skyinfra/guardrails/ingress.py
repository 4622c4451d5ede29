"""Ingress rules as the clouds' resources spell them, normalised for `no-open-admin-ports`.

AWS security groups (inline rules, standalone rules, VPC ingress rules), GCP firewalls and
Azure NSGs (inline and standalone rules) each become `Ingress(protocol, ports, sources,
targets)`; one parser per type token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from skyinfra.guardrails.model import Resource, as_list, is_true, lookup

__all__ = ["ANYWHERE", "INGRESS", "PORT_PROTOCOLS", "Ingress", "ingress_rules"]

ANYWHERE = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any"})
# Protocols whose rules admit ports; "-1" / "all" / "*" mean every protocol.
PORT_PROTOCOLS = frozenset({"tcp", "udp", "6", "17", "-1", "all", "*"})
_ALL_PORTS = (0, 65535)


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


def _port_range(text: Any) -> tuple[int, int]:
    """`22`, `"22"`, `"20-25"` or `"*"` as an inclusive range."""
    value = str(text).strip()
    if value in ("*", "", "None"):
        return _ALL_PORTS
    low, _, high = value.partition("-")
    return int(float(low)), int(float(high or low))


def _aws_rule(rule: Any) -> Ingress:
    protocol = str(lookup(rule, "protocol") or lookup(rule, "ipProtocol") or "").lower()
    ports = (
        _ALL_PORTS
        if protocol in ("-1", "all")
        else (int(lookup(rule, "fromPort") or 0), int(lookup(rule, "toPort") or 0))
    )
    sources = [
        *as_list(lookup(rule, "cidrBlocks")),
        *as_list(lookup(rule, "ipv6CidrBlocks")),
        *[s for s in (lookup(rule, "cidrIpv4"), lookup(rule, "cidrIpv6")) if s],
    ]
    return Ingress(protocol, ports, tuple(str(s) for s in sources))


def _aws_group(r: Resource) -> Iterator[Ingress]:
    return (_aws_rule(rule) for rule in as_list(r.inputs.get("ingress")))


def _aws_group_rule(r: Resource) -> Iterator[Ingress]:
    if r.inputs.get("type") == "ingress":
        yield _aws_rule(r.inputs)


def _aws_ingress_rule(r: Resource) -> Iterator[Ingress]:
    yield _aws_rule(r.inputs)


def _gcp_firewall(r: Resource) -> Iterator[Ingress]:
    if r.inputs.get("direction", "INGRESS") != "INGRESS" or is_true(r.inputs.get("disabled")):
        return
    sources = tuple(str(s) for s in as_list(r.inputs.get("sourceRanges")))
    named = [*as_list(r.inputs.get("targetTags")), *as_list(r.inputs.get("targetServiceAccounts"))]
    targets = tuple(str(t) for t in named) or None
    for allow in as_list(r.inputs.get("allows")):
        protocol = str(lookup(allow, "protocol") or "").lower()
        ports = as_list(lookup(allow, "ports")) or ["*"]
        for port in ports:
            yield Ingress(protocol, _port_range(port), sources, targets)


def _azure_rule(rule: Any) -> Iterator[Ingress]:
    if lookup(rule, "direction") != "Inbound" or lookup(rule, "access") != "Allow":
        return
    sources = [lookup(rule, "sourceAddressPrefix"), *as_list(lookup(rule, "sourceAddressPrefixes"))]
    ports = [lookup(rule, "destinationPortRange"), *as_list(lookup(rule, "destinationPortRanges"))]
    protocol = str(lookup(rule, "protocol") or "").lower()
    targets = tuple(as_list(lookup(rule, "destinationApplicationSecurityGroups"))) or None
    for port in (p for p in ports if p is not None):
        yield Ingress(protocol, _port_range(port), tuple(str(s) for s in sources if s), targets)


def _azure_nsg(r: Resource) -> Iterator[Ingress]:
    for rule in as_list(r.inputs.get("securityRules")):
        yield from _azure_rule(rule)


def _azure_security_rule(r: Resource) -> Iterator[Ingress]:
    return _azure_rule(r.inputs)


INGRESS: dict[str, Callable[[Resource], Iterable[Ingress]]] = {
    "aws:ec2/securityGroup:SecurityGroup": _aws_group,
    "aws:ec2/securityGroupRule:SecurityGroupRule": _aws_group_rule,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _aws_ingress_rule,
    "gcp:compute/firewall:Firewall": _gcp_firewall,
    "azure-native:network:NetworkSecurityGroup": _azure_nsg,
    "azure-native:network:SecurityRule": _azure_security_rule,
}


def ingress_rules(r: Resource) -> Iterable[Ingress]:
    """`r`'s allow-ingress rules, or none for a type that holds none."""
    parse = INGRESS.get(r.type)
    return parse(r) if parse is not None else ()
