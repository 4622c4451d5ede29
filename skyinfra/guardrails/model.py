"""What the guardrails reason about: resource records, the spec's intent, findings, rules.

Records come from two places: `skyinfra check` (the mock engine's `Registered` records) and
the CrossGuard pack (pulumi_policy's argument objects, whose inputs are read-only proxies:
helpers here accept any `Mapping` / `Sequence`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skyinfra.tokens import BUCKET_TOKEN, COMPUTE_TOKEN

__all__ = [
    "BUCKET_COMPONENT",
    "COMPUTE_COMPONENT",
    "Finding",
    "Intent",
    "PlannedNetwork",
    "Resource",
    "ResourceCheck",
    "Rule",
    "StackCheck",
    "as_list",
    "is_true",
    "lookup",
]

BUCKET_COMPONENT = BUCKET_TOKEN  # the component a bucket's cloud resources are children of
COMPUTE_COMPONENT = COMPUTE_TOKEN  # the component a compute group's resources are children of


@dataclass(frozen=True)
class Resource:
    """One resource: what a rule may look at. `secret_keys` is None when the caller cannot
    tell secret inputs from plain ones (pulumi_policy unwraps secrets before validating)."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    secret_keys: frozenset[str] | None = frozenset()
    protect: bool = False
    parent: str = ""  # the parent's URN
    dependencies: frozenset[str] = frozenset()  # URNs this resource's inputs or options name

    @property
    def stack(self) -> str:
        """`urn:pulumi:<stack>::<project>::<types>::<name>` -> `<stack>`."""
        return self.urn.split("::", 1)[0].removeprefix("urn:pulumi:")

    @property
    def component(self) -> str:
        """Logical name of the parent (the neutral component for skyinfra's resources)."""
        return self.parent.rsplit("::", 1)[-1] if self.parent else ""

    @property
    def component_type(self) -> str:
        """Type token of the parent, from the parent URN's type chain."""
        if not self.parent:
            return ""
        chain = self.parent.split("::")[-2]
        return chain.rsplit("$", 1)[-1]


@dataclass(frozen=True)
class PlannedNetwork:
    """A network's planned address range in some stack (the pack's view of other stacks)."""

    stack: str
    component: str
    cidr: str


@dataclass(frozen=True)
class Intent:
    """What the spec asks for on purpose, which the rules must not flag.

    `public_ports` has every compute group, by (stack, component): the ports it opens to the
    internet, empty unless it is `public: true`. `members` the groups' components on each
    network, by (stack, network component).
    """

    public_ports: Mapping[tuple[str, str], frozenset[int]] = field(default_factory=dict)
    unprotected: frozenset[tuple[str, str]] = frozenset()  # (stack, bucket component)
    networks: tuple[PlannedNetwork, ...] = ()
    members: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    public_groups: frozenset[tuple[str, str]] = frozenset()  # (stack, `public: true` group)

    def merge(self, other: Intent) -> Intent:
        """Both intents at once (each resource kind contributes its part)."""
        return Intent(
            {**self.public_ports, **other.public_ports},
            self.unprotected | other.unprotected,
            (*self.networks, *other.networks),
            {**self.members, **other.members},
            self.public_groups | other.public_groups,
        )


@dataclass(frozen=True)
class Finding:
    """One violation: which rule, which resource (stack, type, logical name), what, and a fix."""

    rule: str
    stack: str
    type: str
    name: str
    message: str
    hint: str
    urn: str

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "stack": self.stack,
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        return f"{self.stack}: {self.type} {self.name}: [{self.rule}] {self.message}"


ResourceCheck = Callable[[Resource, Intent], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], Intent], Iterable[tuple[Resource, str]]]


@dataclass(frozen=True)
class Rule:
    """A guardrail: per-resource messages and/or stack-wide (resource, message) pairs."""

    id: str
    title: str
    hint: str
    resource: ResourceCheck | None = None
    stack: StackCheck | None = None
    needs_secrets: bool = False  # meaningless where secret inputs cannot be told apart


# -- value helpers --------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """A list input as a list (None and scalars: empty); works on pulumi_policy's proxies."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return []


def lookup(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def is_true(value: Any) -> bool:
    """Booleans as the SDKs send them: AWS launch templates use the strings "true"/"false"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
