"""A site: one (cloud, region), the unit every stage places, plans and deploys to."""

from __future__ import annotations

from typing import NamedTuple


class Site(NamedTuple):
    """A (cloud, region) pair; each site is one Pulumi stack named `<cloud>-<region>`.

    A named tuple rather than a dataclass: the optimiser hashes and compares sites tens of
    millions of times on large plans, and tuples do both in C (ordering is the same: cloud,
    then region).
    """

    cloud: str
    region: str

    @property
    def stack(self) -> str:
        return f"{self.cloud}-{self.region}"

    def __str__(self) -> str:
        return self.stack
