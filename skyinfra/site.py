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
        return cloud_stack_name(self.cloud, self.region)

    def __str__(self) -> str:
        return self.stack


# Stack names, one format each (the table of stack kinds, `skyinfra.stacks`, parses them):
# cloud `<cloud>-<region>`, peering `peer-<stack a>--<stack b>`, replication
# `repl-<bucket>--<target stack>`. Regions hold single dashes, never `--`, so the kinds
# cannot be mistaken for one another.
PEERING_PREFIX = "peer-"
REPLICATION_PREFIX = "repl-"
PAIR = "--"


def cloud_stack_name(cloud: str, region: str) -> str:
    return f"{cloud}-{region}"


def parse_cloud_stack(name: str) -> tuple[str, str] | None:
    """(cloud, region) of a cloud stack's name; None if `name` is not one."""
    cloud, dash, region = name.partition("-")
    if not (cloud and dash and region) or PAIR in name:
        return None
    return cloud, region


def peering_stack_name(a: str, b: str) -> str:
    """The peering stack between cloud stacks `a` and `b`."""
    return f"{PEERING_PREFIX}{a}{PAIR}{b}"


def parse_peering_stack(name: str) -> tuple[str, str] | None:
    """(stack a, stack b) of a peering stack's name; None if `name` is not one."""
    a, pair, b = name.removeprefix(PEERING_PREFIX).partition(PAIR)
    if not (name.startswith(PEERING_PREFIX) and a and pair and b) or PAIR in b:
        return None
    return a, b


def replication_stack_name(bucket: str, target: str) -> str:
    """The stack replicating `bucket` to cloud stack `target`."""
    return f"{REPLICATION_PREFIX}{bucket}{PAIR}{target}"


def parse_replication_stack(name: str) -> tuple[str, str] | None:
    """(bucket, target stack) of a replication stack's name; None if `name` is not one."""
    bucket, pair, target = name.removeprefix(REPLICATION_PREFIX).rpartition(PAIR)
    if not (name.startswith(REPLICATION_PREFIX) and bucket and pair and target):
        return None
    return bucket, target
