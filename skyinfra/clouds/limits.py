"""Per-cloud limits on what a spec puts on resources: labels (tags) and startup scripts.

Each cloud declares its rules as data (`Cloud.label_rules`, `Cloud.startup_script`) and
`Cloud.limits` checks a plan against them at plan time, so a spec the cloud would refuse
halfway through `pulumi up` is refused by `plan` with the key that breaks the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from skyinfra.errors import KeyPath, Problem
from skyinfra.spec import Spec
from skyinfra.topology import (
    PROJECT_LABEL,
    RESOURCE_LABEL,
    BucketPlan,
    ComputePlan,
    Labels,
    NetworkPlan,
)

__all__ = [
    "LabelRules",
    "Labelled",
    "ScriptLimit",
    "label_problems",
    "respelled",
    "script_problems",
]

Plan = NetworkPlan | BucketPlan | ComputePlan


@dataclass(frozen=True)
class LabelRules:
    """What a cloud accepts as tags/labels on one resource (`what`: "tag", "label")."""

    what: str
    max_count: int
    key_max: int
    value_max: int
    key_rule: Callable[[str], str | None] | None = None  # reason a key is refused, or None
    value_rule: Callable[[str], str | None] | None = None
    # Room the lowering adds beyond the plan's labels (AWS `Name`, `skyinfra-name`).
    extra: int = 0
    hint: str | None = None  # where the cloud documents them
    # Shorter key limits on what some spec sections create (Azure storage accounts: 128).
    key_max_by_section: Mapping[str, int] = field(default_factory=dict)
    # Resource types of this cloud's SDK that take no tags/labels at all, each with why it is
    # fine (the contract suite checks every other type the lowerings emit carries them).
    unlabelled: Mapping[str, str] = field(default_factory=dict)

    def problems(self, labels: dict[str, str], section: str) -> list[tuple[str | None, str]]:
        """(the key at fault or None for the whole set, why) for each broken rule on the
        resources a resource of spec section `section` creates."""
        key_max = self.key_max_by_section.get(section, self.key_max)
        found: list[tuple[str | None, str]] = []
        count = len(labels) + self.extra
        if count > self.max_count:
            why = f"{count} {self.what}s (with skyinfra's own) is more than the {self.max_count}"
            found.append((None, f"{why} a resource can carry"))
        for key, value in labels.items():
            if len(key) > key_max:
                found.append((key, f"{self.what} key longer than {key_max} characters"))
            elif self.key_rule and (bad_key := self.key_rule(key)):
                found.append((key, bad_key))
            if len(value) > self.value_max:
                found.append((key, f"{self.what} value longer than {self.value_max} characters"))
            elif self.value_rule and (bad_value := self.value_rule(value)):
                found.append((key, bad_value))
        return found


class Labelled(Protocol):
    """What a lowering's context offers to label a resource (`Context`, `ReplicationContext`)."""

    @property
    def labels(self) -> Labels: ...

    @property
    def project(self) -> str: ...

    @property
    def name(self) -> str: ...


def respelled(labels: Labels, spell: Callable[[str], str]) -> dict[str, str]:
    """`labels` with skyinfra's own values (`skyinfra-project`, `skyinfra-resource`: made by
    skyinfra, never checked at plan time) spelled as a cloud's rules need; the user's values
    are checked at plan time (`label_problems`), so they go on as given."""
    own = (PROJECT_LABEL, RESOURCE_LABEL)
    return {k: spell(v) if k in own else v for k, v in labels}


@dataclass(frozen=True)
class ScriptLimit:
    """The most a cloud takes as a VM's startup script, in bytes, and where it goes."""

    max_bytes: int
    where: str  # "launch template user data"
    measured: str = "bytes of the script"  # what `max_bytes` counts, for the message


def label_problems(
    rules: LabelRules, cloud: str, plan: Plan, spec: Spec, section: str
) -> list[Problem]:
    """`plan`'s labels against `rules`, each at the key that set it: the resource's own
    `labels.<key>` (`section`: its kind's spec section), else the spec's top-level one; a
    count over the limit at the resource's `labels`."""
    name = getattr(plan, "replica_of", None) or plan.name
    resources = getattr(spec, section)
    own = resources[name].labels if name in resources else {}
    problems = []
    for key, why in rules.problems(dict(getattr(plan, "labels", ())), section):
        if key is None:
            path: KeyPath = (section, name, "labels")
        elif key in own:
            path = (section, name, "labels", key)
        else:
            path = ("labels", key)
        detail = why if key is None else f"{key!r}: {why}"
        problems.append(Problem(f"{detail} (on {cloud})", path, rules.hint))
    return problems


def script_problems(limit: ScriptLimit, cloud: str, plan: Plan) -> list[Problem]:
    """A startup script larger than the cloud takes, at `compute.<name>.startup_script`."""
    if not isinstance(plan, ComputePlan) or plan.startup_script is None:
        return []
    size = len(plan.startup_script.encode("utf-8"))
    if size <= limit.max_bytes:
        return []
    return [
        Problem(
            f"the startup script is {size} bytes; {cloud} takes at most {limit.max_bytes} "
            f"{limit.measured} ({limit.where})",
            ("compute", plan.name, "startup_script"),
            "keep the script small: have it download the rest (e.g. from a bucket) on boot",
        )
    ]
