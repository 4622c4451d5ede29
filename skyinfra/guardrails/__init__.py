"""Guardrails: secure-by-default rules over the resources a spec's stacks register.

`rules.py` holds the rules (pure functions, the one source of truth); `check.py` runs them over
the offline preview (`skyinfra check`); `pack.py` adapts them to a Pulumi CrossGuard policy
pack, which `skyinfra compile` ships in the project's `policy/` directory.

The names below are imported on first use: `skyinfra --help` imports this package (for the
`check` command) and should not load the spec model the rules read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skyinfra.guardrails.rules import RULES, Finding, Intent, Resource, Rule

__all__ = ["RULES", "Finding", "Intent", "Resource", "Rule"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'skyinfra.guardrails' has no attribute {name!r}")
    from skyinfra.guardrails import rules

    return getattr(rules, name)
