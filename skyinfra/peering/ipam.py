"""Address planning: a non-overlapping CIDR for every concrete network, and its subnets.

A concrete network is a spec network at one site. `cidr: auto` networks get a /16 from the
supernet (10.0.0.0/8), skipping ranges clouds or common tooling reserve and every explicit
CIDR in the spec. Allocation is deterministic: concrete networks are taken in (network,
stack) order, and previously recorded allocations (the lock file) are kept as they are.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping

from skyinfra.errors import Problem, SpecError
from skyinfra.topology import Site

SUPERNET = ipaddress.IPv4Network("10.0.0.0/8")
AUTO_PREFIX = 16
# 10.0.0.0/16 is AKS's default service CIDR and the first range everyone tries by hand.
RESERVED = (ipaddress.IPv4Network("10.0.0.0/16"),)

ConcreteNetwork = tuple[str, Site]


def allocate_cidrs(
    wanted: Mapping[str, str],
    concrete: Iterable[ConcreteNetwork],
    recorded: Mapping[ConcreteNetwork, str] | None = None,
) -> dict[ConcreteNetwork, str]:
    """CIDR per concrete network: explicit ones as given, recorded ones kept, the rest auto.

    `wanted` maps each spec network to its `cidr` ("auto" or a CIDR).
    """
    recorded = dict(recorded or {})
    needed = sorted(set(concrete), key=lambda c: (c[0], c[1].stack))
    _check_explicit(wanted, needed)
    taken = [ipaddress.IPv4Network(c) for c in wanted.values() if c != "auto"]
    taken += [ipaddress.IPv4Network(c) for key, c in recorded.items() if key in needed]
    free = _free_blocks(taken)
    result: dict[ConcreteNetwork, str] = {}
    for key in needed:
        name = key[0]
        if wanted[name] != "auto":
            result[key] = wanted[name]
        elif key in recorded:
            result[key] = recorded[key]
        else:
            block = next(free, None)
            if block is None:
                raise SpecError(
                    f"{SUPERNET} has no free /{AUTO_PREFIX} left for network {name!r}",
                    path=("networks", name),
                )
            result[key] = str(block)
    return result


def _check_explicit(wanted: Mapping[str, str], needed: list[ConcreteNetwork]) -> None:
    """An explicit CIDR can serve one site only: two sites with one range could never peer."""
    problems = []
    for name, cidr in wanted.items():
        sites = [site.stack for net, site in needed if net == name]
        if cidr != "auto" and len(sites) > 1:
            problems.append(
                Problem(
                    f"explicit cidr {cidr} would be used at {len(sites)} sites ({', '.join(sites)})",
                    ("networks", name, "cidr"),
                    "use `cidr: auto` so each site gets its own range",
                )
            )
    explicit = [(n, ipaddress.IPv4Network(c)) for n, c in wanted.items() if c != "auto"]
    for i, (a, net_a) in enumerate(explicit):
        for b, net_b in explicit[i + 1 :]:
            if net_a.overlaps(net_b):
                problems.append(
                    Problem(
                        f"cidr {net_b} overlaps network {a!r} ({net_a})", ("networks", b, "cidr")
                    )
                )
    if problems:
        raise SpecError(problems)


def _free_blocks(taken: list[ipaddress.IPv4Network]) -> Iterator[ipaddress.IPv4Network]:
    blocked = [*taken, *RESERVED]
    for block in SUPERNET.subnets(new_prefix=AUTO_PREFIX):
        if not any(block.overlaps(t) for t in blocked):
            yield block


def subnet_cidrs(cidr: str, count: int) -> tuple[str, ...]:
    """The first `count` workload subnets of a network: /20s of a /16 (prefix + 4, max /28).

    The rest of the range stays free for later needs (gateway subnets, secondary ranges).
    """
    network = ipaddress.IPv4Network(cidr)
    prefix = min(network.prefixlen + 4, 28)
    subnets = network.subnets(new_prefix=prefix)
    return tuple(str(next(subnets)) for _ in range(count))
