"""Tunnel inside addresses: a /30 per tunnel, unique across the whole topology.

Each link takes one aligned block (a /28 for 4 tunnels, a /29 for 2) from its pool, and
tunnel i gets the block's i-th /30: keyed on (link, tunnel index), so adding or removing a
link never moves another link's addresses (inside CIDRs force AWS to replace a VPN
connection). The pool is where both ends accept BGP addresses: Azure's APIPA band for any
link that ends on Azure, else `DEFAULT_POOL`, which is clear of AWS's reserved /30s, the
metadata /24 (169.254.169.0/24) and the Azure band. Recorded /30s (the lock) are kept while
still valid for the link.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from skyinfra.errors import SpecError

Net = ipaddress.IPv4Network
DEFAULT_POOL = ("169.254.64.0/18",)


@dataclass(frozen=True)
class InsideRequest:
    """A link asking for `count` /30s from `pool` (ranges acceptable to both ends)."""

    link: str
    count: int
    pool: tuple[str, ...]


def link_pool(constraints: Iterable[tuple[str, ...] | None]) -> tuple[str, ...]:
    """The ranges both ends accept: the intersection of their constraints, or the default."""
    pools = [tuple(Net(c) for c in ranges) for ranges in constraints if ranges]
    if not pools:
        return DEFAULT_POOL
    common = pools[0]
    for other in pools[1:]:
        common = tuple(n for n in common if any(n.subnet_of(o) for o in other))
    return tuple(str(n) for n in common)


def allocate_inside(
    requests: Sequence[InsideRequest],
    recorded: Mapping[str, tuple[str, ...]],
    reserved: Iterable[str] = (),
) -> dict[str, tuple[str, ...]]:
    """Link name -> one /30 per tunnel, in tunnel order."""
    blocked = [Net(c) for c in reserved]
    result: dict[str, tuple[str, ...]] = {}
    for req in sorted(requests, key=lambda r: r.link):
        kept = recorded.get(req.link, ())
        taken = [Net(c) for cidrs in result.values() for c in cidrs]
        if _valid(kept, req, [*blocked, *taken]):
            result[req.link] = kept
    for req in sorted(requests, key=lambda r: r.link):
        if req.link not in result:
            taken = [Net(c) for cidrs in result.values() for c in cidrs]
            block = _free_block(req, [*blocked, *taken])
            result[req.link] = tuple(
                str(n) for n in list(block.subnets(new_prefix=30))[: req.count]
            )
    return result


def _valid(cidrs: tuple[str, ...], req: InsideRequest, taken: list[Net]) -> bool:
    if len(cidrs) != req.count:
        return False
    nets = [Net(c) for c in cidrs]
    return (
        len(set(nets)) == len(nets)
        and all(n.prefixlen == 30 for n in nets)
        and all(any(n.subnet_of(Net(p)) for p in req.pool) for n in nets)
        and not any(n.overlaps(t) for n in nets for t in taken)
    )


def _free_block(req: InsideRequest, taken: list[Net]) -> Net:
    prefix = 32 - (4 * req.count - 1).bit_length()
    for pool in req.pool:
        for block in Net(pool).subnets(new_prefix=prefix):
            if not any(block.overlaps(t) for t in taken):
                return block
    raise SpecError(
        f"no tunnel inside addresses left for link {req.link} in {', '.join(req.pool)}",
        path=("peering", "links"),
        hint="fewer links end on this pool's cloud; a pool is shared topology-wide",
    )
