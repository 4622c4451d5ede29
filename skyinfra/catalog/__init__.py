"""The price catalog: VM offers per (cloud, region), storage, egress and VPN prices, geography.

One module per theme, re-exported here so `from skyinfra.catalog import X` stays the way in:

- `vms`: the `Catalog` (offer queries, and the one door to every price) and `load_catalog`;
- `tables`: reading a cloud's VM CSV (bundled snapshot or SkyPilot's layout) lazily;
- `network`: `data/network.json`, with `Egress` and `Links` interpreting it;
- `geo`: `data/geo.json`, each region's jurisdiction and area;
- `info`: what `skyinfra catalog info` reports;
- `matching` (the offer predicate as arrays), `source` (data files); the records (`Row`,
  `Offer`) live in `skyinfra.offer`, below both the catalog and the clouds.
"""

from __future__ import annotations

from skyinfra.catalog.network import Egress, Links, Tiers
from skyinfra.catalog.vms import Catalog, describe, load_catalog
from skyinfra.offer import Offer, Row

__all__ = ["Catalog", "Egress", "Links", "Offer", "Row", "Tiers", "describe", "load_catalog"]
