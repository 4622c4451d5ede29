"""Guardrails: secure-by-default rules over the resources a spec's stacks register.

`rules.py` holds the rules (pure functions, the one source of truth); `check.py` runs them over
the offline preview (`skyinfra check`); `pack.py` adapts them to a Pulumi CrossGuard policy
pack, which `skyinfra compile` ships in the project's `policy/` directory.
"""

from skyinfra.guardrails.rules import RULES, Finding, Intent, Resource, Rule

__all__ = ["RULES", "Finding", "Intent", "Resource", "Rule"]
