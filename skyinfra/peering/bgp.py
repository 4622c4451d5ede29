"""BGP ASNs: one private ASN per gateway (concrete network), distinct across the topology.

Distinct because eBGP needs the two ends to differ and AS-path loop prevention would drop
routes that transit a third site with a repeated ASN. Drawn from the 16-bit private range
(RFC 6996, 64512-65534: every provider accepts it, and AWS needs no `bgp_asn_extended`),
minus the IANA-reserved ASNs and every ASN a cloud reserves against its peers (Azure: 65515,
65517-65520). Azure's gateway could keep its default 65515, but two Azure sites linked
through a third would then share an ASN, so every site, Azure included, takes one from the
same pool. Allocation follows (network, stack) order; recorded ASNs are kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from skyinfra.errors import SpecError
from skyinfra.peering.ipam import ConcreteNetwork

PRIVATE_ASNS = range(64512, 65535)
IANA_RESERVED = frozenset({23456, *range(64496, 64512), *range(65535, 65552)})


def usable_asns(reserved: Collection[int]) -> list[int]:
    """Private ASNs no provider or registry reserves."""
    return [n for n in PRIVATE_ASNS if n not in IANA_RESERVED and n not in reserved]


def allocate_asns(
    gateways: Iterable[ConcreteNetwork],
    recorded: Mapping[ConcreteNetwork, int],
    reserved: Collection[int] = frozenset(),
) -> dict[ConcreteNetwork, int]:
    """An ASN per gateway: recorded ones kept while still usable, the rest lowest free."""
    needed = sorted(set(gateways), key=lambda g: (g[0], g[1].stack))
    pool = usable_asns(reserved)
    result: dict[ConcreteNetwork, int] = {}
    for key in needed:
        asn = recorded.get(key)
        if asn in pool and asn not in result.values():
            result[key] = asn
    free = iter(n for n in pool if n not in set(result.values()))
    for key in needed:
        if key not in result:
            asn = next(free, None)
            if asn is None:
                raise SpecError(f"no private BGP ASN left for network {key[0]!r} at {key[1]}")
            result[key] = asn
    return {key: result[key] for key in needed}
