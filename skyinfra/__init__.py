"""skyinfra: sky computing as infrastructure-as-code.

One provider-neutral spec is placed across AWS, GCP and Azure and compiled into a Pulumi
project with one stack per cloud-region. Public API (the CLI is a thin layer over it):
"""

from skyinfra.api import Plan, compile_project, plan_spec, preview_project
from skyinfra.errors import SkyinfraError, SpecError, UnsupportedError
from skyinfra.loader import load_spec, parse_spec

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
