"""Where catalog data comes from: a `Source` per file, the bundled data, the clouds it asks.

Shared by the VM tables (`tables.py`), the network prices (`network.py`) and the geography
(`geo.py`), so none of them imports another to read its file; the one door to the clouds'
registry and facts (a VPN link's tunnel count) for the whole catalog.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from skyinfra.clouds import Cloud, get_cloud
from skyinfra.clouds import cloud_names as names
from skyinfra.clouds.base import tunnel_count
from skyinfra.errors import CatalogError

_PACKAGE = "skyinfra.catalog"  # the package holding `data/`, whichever module asks


@dataclass(frozen=True)
class Source:
    """Where one cloud's rows come from (`file` None: this catalog has no data for it)."""

    label: str
    file: Traversable | None = None


def package_data() -> Traversable:
    """The bundled snapshot's directory (`skyinfra/catalog/data`)."""
    return files(_PACKAGE) / "data"


def bundled(name: str) -> Source:
    return Source(f"bundled {name}", package_data() / name)


def read_json(source: Source) -> dict[str, Any]:
    assert source.file is not None
    try:
        data = json.loads(source.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CatalogError(f"{source.label}: unreadable ({err})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{source.label}: expected a JSON object")
    return data


def lookup_cloud(name: str) -> Cloud:
    return get_cloud(name)


def cloud_names() -> list[str]:
    return names()


def vpn_tunnels(a: str, b: str) -> int:
    """Tunnels of a VPN link between clouds `a` and `b`, by the peering planner's own rule."""
    return tunnel_count(get_cloud(a), get_cloud(b))
