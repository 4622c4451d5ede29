"""skyinfra: sky computing as infrastructure-as-code.

One provider-neutral spec is placed across AWS, GCP and Azure and compiled into a Pulumi
project with one stack per cloud-region. Public API (the CLI is a thin layer over it),
imported on first use so that `skyinfra --help` does not load pydantic, numpy or pulumi:
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skyinfra.api import Plan, compile_project, plan_spec, preview_project
    from skyinfra.errors import SkyinfraError, SpecError, UnsupportedError
    from skyinfra.loader import load_spec, parse_spec

_HOMES = {
    "Plan": "skyinfra.api",
    "compile_project": "skyinfra.api",
    "plan_spec": "skyinfra.api",
    "preview_project": "skyinfra.api",
    "SkyinfraError": "skyinfra.errors",
    "SpecError": "skyinfra.errors",
    "UnsupportedError": "skyinfra.errors",
    "load_spec": "skyinfra.loader",
    "parse_spec": "skyinfra.loader",
}

__all__ = [
    "Plan",
    "SkyinfraError",
    "SpecError",
    "UnsupportedError",
    "compile_project",
    "load_spec",
    "parse_spec",
    "plan_spec",
    "preview_project",
]


def __getattr__(name: str) -> Any:
    """`skyinfra.plan_spec` and the rest of the public API, imported when first used."""
    if name not in _HOMES:
        raise AttributeError(f"module 'skyinfra' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
