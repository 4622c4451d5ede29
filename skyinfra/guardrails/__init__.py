"""Guardrails: secure-by-default rules over the resources a spec's stacks register.

`rules.py` holds the rules (pure functions, the one source of truth); `check.py` runs them over
the offline preview (`skyinfra check`); `pack.py` adapts them to a Pulumi CrossGuard policy
pack, which `skyinfra compile` ships in the project's `policy/` directory. Each cloud's rows
(`table.CloudGuardrails`) live with the cloud, in `skyinfra/clouds/<cloud>/guardrails.py`.

The package imports nothing itself: the clouds import `table` and `ingress` from it, and
`skyinfra --help` imports it (for the `check` command) without loading the rules.
"""
