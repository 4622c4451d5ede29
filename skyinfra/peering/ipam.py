"""Address planning: a non-overlapping CIDR for every concrete network, and its subnets.

A concrete network is a spec network at one site. `cidr: auto` networks get a /16 from the
supernet (`peering.supernet`, default 10.0.0.0/8). Every concrete network is disjoint from
every other one, whatever its spec network: links connect concrete networks of one spec
network, but AWS VGWs and Azure gateways re-advertise what they learn (transit), and an
explicit `peering.links` list may join any two stacks, so any pair may end up routed.

Ranges skipped by `auto` (explicit CIDRs are the user's choice and are honoured):
- `RESERVED` never: never workload space on any cloud, or a default that collides with
  common tooling (Docker / AKS bridges, AKS's service CIDR).
- `AVOIDED` last: GCP auto-mode networks use 10.128.0.0/9. skyinfra's networks are custom
  mode, so the clash is only with a project's `default` network; skipping the range outright
  would halve 10/8, so its blocks are handed out only once the rest of the supernet is used.

Allocation is deterministic: concrete networks are taken in (network, stack) order, and the
lock file's recorded allocations are kept as they are, even outside a changed supernet: a
deployed network never moves because another was added.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain

from skyinfra.errors import Problem, SpecError
from skyinfra.site import Site

DEFAULT_SUPERNET = "10.0.0.0/8"
AUTO_PREFIX = 16


def _nets(*cidrs: str) -> tuple[ipaddress.IPv4Network, ...]:
    return tuple(ipaddress.IPv4Network(c) for c in cidrs)


RESERVED = _nets(
    "0.0.0.0/8",  # "this network"
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local: instance metadata, DNS, tunnel inside addresses
    "224.0.0.0/4",  # multicast
    "100.64.0.0/10",  # CGNAT: GCP rejects it as a peer range, services use it internally
    "172.17.0.0/16",  # Docker's default bridge (also AKS's docker bridge, some AWS services)
    "10.0.0.0/16",  # AKS's default service CIDR, and the first range everyone tries by hand
)
AVOIDED = _nets("10.128.0.0/9")  # GCP auto-mode subnets

ConcreteNetwork = tuple[str, Site]


def allocate_cidrs(
    wanted: Mapping[str, str],
    concrete: Iterable[ConcreteNetwork],
    recorded: Mapping[ConcreteNetwork, str] | None = None,
    supernet: str = DEFAULT_SUPERNET,
) -> dict[ConcreteNetwork, str]:
    """CIDR per concrete network: explicit ones as given, recorded ones kept, the rest auto.

    `wanted` maps each spec network to its `cidr` ("auto" or a CIDR).
    """
    recorded = dict(recorded or {})
    needed = sorted(set(concrete), key=lambda c: (c[0], c[1].stack))
    _check_explicit(wanted, needed)
    result = {key: wanted[key[0]] for key in needed if wanted[key[0]] != "auto"}
    result |= {key: recorded[key] for key in needed if key not in result and key in recorded}
    free = free_blocks(ipaddress.IPv4Network(supernet), _nets(*result.values()))
    for key in needed:
        if key not in result:
            block = next(free, None)
            if block is None:
                raise SpecError(
                    f"{supernet} has no free /{AUTO_PREFIX} left for network {key[0]!r} at {key[1]}",
                    path=("networks", key[0]),
                    hint="set a larger `peering.supernet`, or explicit CIDRs",
                )
            result[key] = str(block)
    _check_disjoint(wanted, result)
    return dict(sorted(result.items(), key=lambda kv: (kv[0][0], kv[0][1].stack)))


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


def _check_disjoint(wanted: Mapping[str, str], result: Mapping[ConcreteNetwork, str]) -> None:
    """The final plan is disjoint; only an explicit CIDR meeting a recorded one can break it."""
    items = sorted(result.items(), key=lambda kv: (kv[0][0], kv[0][1].stack))
    problems = []
    for i, ((a, site_a), cidr_a) in enumerate(items):
        for (b, site_b), cidr_b in items[i + 1 :]:
            if a == b or not ipaddress.IPv4Network(cidr_a).overlaps(ipaddress.IPv4Network(cidr_b)):
                continue
            if wanted[a] != "auto" and wanted[b] != "auto":
                continue  # reported by _check_explicit
            explicit = b if wanted[b] != "auto" else a
            problems.append(
                Problem(
                    f"network {b!r} at {site_b} ({cidr_b}) overlaps network {a!r} at {site_a} "
                    f"({cidr_a}), which the lock file records",
                    ("networks", explicit, "cidr"),
                    "choose another range: a deployed network never moves",
                )
            )
    if problems:
        raise SpecError(problems)


def free_blocks(
    supernet: ipaddress.IPv4Network, taken: Iterable[ipaddress.IPv4Network]
) -> Iterator[ipaddress.IPv4Network]:
    """/16s of `supernet` clear of `taken` and `RESERVED`; those touching `AVOIDED` last."""
    blocked = [*taken, *RESERVED]
    usable = [b for b in _blocks(supernet) if not any(b.overlaps(t) for t in blocked)]
    avoided = [b for b in usable if any(b.overlaps(a) for a in AVOIDED)]
    return chain((b for b in usable if b not in avoided), avoided)


def _blocks(supernet: ipaddress.IPv4Network) -> Iterator[ipaddress.IPv4Network]:
    if supernet.prefixlen > AUTO_PREFIX:
        return iter(())
    return supernet.subnets(new_prefix=AUTO_PREFIX)


def subnet_cidrs(cidr: str, count: int) -> tuple[str, ...]:
    """The first `count` workload subnets of a network: /20s of a /16 (prefix + 4, max /28).

    One per zone where the cloud needs it (AWS subnets are zonal). The rest of the range stays
    free for later needs: the gateway subnet (`gateway_subnet`, at the top), secondary ranges.
    """
    network = ipaddress.IPv4Network(cidr)
    prefix = min(network.prefixlen + 4, 28)
    subnets = network.subnets(new_prefix=prefix)
    return tuple(str(next(subnets)) for _ in range(count))


def gateway_subnet(cidr: str, prefix: int) -> str:
    """The last /`prefix` of a network: a VPN gateway's own subnet (Azure's `GatewaySubnet`).

    Taken from the top so it never meets the workload subnets, which grow from the bottom
    (at most a quarter of a /16, or of a /24's /28s, for the counts clouds use).
    """
    network = ipaddress.IPv4Network(cidr)
    size = 2 ** (32 - prefix)
    return str(ipaddress.IPv4Network((int(network.broadcast_address) + 1 - size, prefix)))
