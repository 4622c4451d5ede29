"""A site: one (cloud, region), the unit every stage places, plans and deploys to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Site:
    """A (cloud, region) pair; each site is one Pulumi stack named `<cloud>-<region>`."""

    cloud: str
    region: str

    @property
    def stack(self) -> str:
        return f"{self.cloud}-{self.region}"

    def __str__(self) -> str:
        return self.stack
