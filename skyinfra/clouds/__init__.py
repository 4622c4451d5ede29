"""The cloud registry: the one place that maps a cloud's name to its definition."""

from __future__ import annotations

from functools import cache

from skyinfra.clouds.aws import Aws
from skyinfra.clouds.azure import Azure
from skyinfra.clouds.base import Cloud, Context
from skyinfra.clouds.gcp import Gcp
from skyinfra.errors import KeyPath, SpecError
from skyinfra.suggest import did_you_mean

__all__ = ["Cloud", "Context", "cloud_names", "get_cloud"]

_REGISTRY: dict[str, type[Cloud]] = {cls.name: cls for cls in (Aws, Gcp, Azure)}


def cloud_names() -> list[str]:
    """Every supported cloud's name, in a stable order."""
    return list(_REGISTRY)


def get_cloud(name: str, path: KeyPath = ()) -> Cloud:
    """The `Cloud` called `name`; a `SpecError` at `path` with did-you-mean otherwise."""
    if name not in _REGISTRY:
        hint = did_you_mean(name, _REGISTRY) or f"supported clouds: {', '.join(_REGISTRY)}"
        raise SpecError(f"unknown cloud {name!r}", path=path, hint=hint)
    return _instance(name)


@cache
def _instance(name: str) -> Cloud:
    return _REGISTRY[name]()
