"""The link plan: neutral, fully decided records that each cloud lowers its own half of.

Everything both ends of a link must agree on (ASNs, tunnel inside /30s, which address each
side takes, which gateway interface carries which tunnel, the PSK resource's name) is decided
here once, so two lowerings cannot disagree. Nothing here names a cloud.

A link joins two *concrete networks* of one spec network (the same `network` at sites `a`
and `b`, with `a < b`). Kinds:
- `NativePeering`: two regions of one cloud (VPC peering, global VNet peering).
- `VpnLink`: two clouds, site-to-site HA VPN with BGP over `tunnels`.
- `InterconnectLink`: two clouds over a dedicated link that must partly be ordered by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from skyinfra.site import Site, peering_stack_name

GATEWAY_IPS = 2  # every HA gateway presents two public IPs / instances (GCP, Azure, AWS conns)
# Peering-stack config key (`skyinfra:` namespace) saying an interconnect's connections are
# provisioned: without it `pulumi up` orders the ports only (phase 1), with it (`true`) it also
# declares what needs them active: VIFs, VLAN attachments, BGP (phase 2).
INTERCONNECT_READY_KEY = "interconnect-ready"


def link_name(network: str, a: Site, b: Site) -> str:
    """`core-aws-us-east-1--gcp-us-central1`: unique per link, stable (names resources)."""
    return f"{network}-{a.stack}--{b.stack}"


def peering_stack(a: Site, b: Site) -> str:
    """The peering stack that holds the per-link resources of every link between a and b."""
    return peering_stack_name(a.stack, b.stack)


class _Joins:
    """What every kind of link derives from its spec network and its two sites."""

    network: str
    a: Site
    b: Site

    @property
    def name(self) -> str:
        return link_name(self.network, self.a, self.b)

    @property
    def stack(self) -> str:
        return peering_stack(self.a, self.b)


@dataclass(frozen=True)
class TunnelEnd:
    """One side of a tunnel.

    `interface` is the index of the gateway public IP / instance the tunnel uses on this side
    (GCP HA VPN interface, Azure gateway ipConfiguration; on AWS the VPN connection, which
    faces the peer's IP `interface`). `slot` is the tunnel within that connection (AWS
    tunnel1/tunnel2 = 0/1; 0 elsewhere). `outside_index` numbers this side's tunnel outside
    addresses (`interface * per_interface + slot`): GCP's external gateway interface ids.
    """

    interface: int
    slot: int
    inside_ip: str  # this side's BGP address inside the tunnel's /30
    outside_index: int


@dataclass(frozen=True)
class Tunnel:
    index: int
    inside_cidr: str  # a /30: one peer on host 1, the other on host 2
    a: TunnelEnd
    b: TunnelEnd
    key_name: str  # logical name of the pulumi_random.RandomPassword holding its PSK


@dataclass(frozen=True)
class VpnLink(_Joins):
    """Site-to-site HA VPN between two clouds, BGP over every tunnel."""

    network: str
    a: Site
    b: Site
    a_asn: int
    b_asn: int
    tunnels: tuple[Tunnel, ...]

    mode = "vpn"

    def ends(self, site: Site) -> list[tuple[TunnelEnd, TunnelEnd]]:
        """(this side's end, the peer's end) of every tunnel, seen from `site`."""
        if site not in (self.a, self.b):
            raise KeyError(site)
        return [(t.a, t.b) if site == self.a else (t.b, t.a) for t in self.tunnels]

    def asn_of(self, site: Site) -> int:
        return self.a_asn if site == self.a else self.b_asn

    @property
    def inside(self) -> tuple[str, ...]:
        """Its tunnels' /30s, in order."""
        return tuple(t.inside_cidr for t in self.tunnels)


@dataclass(frozen=True)
class NativePeering(_Joins):
    """Two regions of one cloud joined by the cloud's own peering (`kind`, e.g. VPC peering)."""

    network: str
    a: Site
    b: Site
    kind: str

    mode = "peering"
    tunnels: tuple[Tunnel, ...] = ()

    @property
    def inside(self) -> tuple[str, ...]:
        """None: no BGP, so no link-local addresses."""
        return ()


@dataclass(frozen=True)
class Attachment:
    """One of an interconnect's redundant connections: a VLAN on its own port and a BGP /30.

    The hub (GCP's Cloud Router) takes host 1, the peer's edge host 2: what ExpressRoute
    expects of a customer router (Microsoft takes the second address of each /30), and any
    order suits Direct Connect.
    """

    index: int
    vlan: int
    cidr: str
    hub_ip: str
    edge_ip: str


@dataclass(frozen=True)
class InterconnectLink(_Joins):
    """A dedicated cross-cloud link: what Pulumi declares, and what must be ordered.

    `hub` is the site whose cloud runs the link to the other's edge (GCP Cross-Cloud
    Interconnect). `a_asn` / `b_asn` are the ASNs each end speaks on the link: the site's
    planned ASN, or a fixed one where the provider's edge imposes it (ExpressRoute: 12076).
    It is deployed in two phases: `phase_one` (per side) is what the first `pulumi up` orders,
    `phase_two` what it adds once the connections are provisioned and the peering stack's
    `skyinfra:interconnect-ready` is `true`. `distinct` pairs config keys that must differ
    (the two connections' locations: redundancy needs two facilities / edge domains).
    """

    network: str
    a: Site
    b: Site
    a_asn: int
    b_asn: int
    provider: str  # the product that makes the link, e.g. "Cross-Cloud Interconnect"
    resources: tuple[str, ...]  # Pulumi resource types, both sides
    out_of_band: tuple[str, ...]  # steps no SDK can take (port orders, LOAs)
    hub: Site | None = None
    attachments: tuple[Attachment, ...] = ()
    config: tuple[tuple[str, str], ...] = ()  # peering-stack config keys the user sets, why
    distinct: tuple[tuple[str, str], ...] = ()
    phase_one: tuple[str, ...] = ()
    phase_two: tuple[str, ...] = ()

    mode = "interconnect"
    tunnels: tuple[Tunnel, ...] = ()

    def asn_of(self, site: Site) -> int:
        return self.a_asn if site == self.a else self.b_asn

    @property
    def key_name(self) -> str:
        """The RandomPassword of the link's BGP MD5 key: one for all its sessions, because
        ExpressRoute private peering takes a single key for its primary and secondary."""
        return f"{self.name}-bgp-key"

    @property
    def inside(self) -> tuple[str, ...]:
        """Its attachments' /30s, in order."""
        return tuple(a.cidr for a in self.attachments)

    def peer_of(self, site: Site) -> Site:
        return self.b if site == self.a else self.a

    @property
    def ready_command(self) -> str:
        """What the user runs once the providers report the connections provisioned."""
        return f"pulumi config set -s {self.stack} skyinfra:{INTERCONNECT_READY_KEY} true"


Link = VpnLink | NativePeering | InterconnectLink


@dataclass(frozen=True)
class VpnGateway:
    """The BGP gateway of one concrete network, shared by all its cross-cloud links.

    Lives in the site's cloud stack. `bgp_addresses[i]` lists this side's inside addresses
    of every tunnel on interface / instance `i`, over ALL its links: an Azure gateway must
    declare them all up front (a VNet has a single VPN gateway).
    """

    network: str
    site: Site
    asn: int
    bgp_addresses: tuple[tuple[str, ...], ...]
    vpn: bool = True  # carries VPN links (mode `vpn`)
    interconnect: bool = False  # carries dedicated interconnects (mode `interconnect`)


@dataclass(frozen=True)
class LinkPlan:
    """Every link of a topology, in (network, a, b) order, and the gateways they share.

    `pairs` lists every (network, a, b) that is routed, including pairs that need no link
    resource (two regions of a cloud whose network is global).
    """

    links: tuple[Link, ...] = ()
    gateways: tuple[VpnGateway, ...] = ()
    pairs: tuple[tuple[str, Site, Site], ...] = ()

    def at(self, network: str, site: Site) -> list[Link]:
        """The links of one concrete network."""
        return [x for x in self.links if x.network == network and site in (x.a, x.b)]

    def peers(self, network: str, site: Site) -> list[Site]:
        """Sites whose part of `network` is routed to this one."""
        return [b if a == site else a for n, a, b in self.pairs if n == network and site in (a, b)]

    def gateway(self, network: str, site: Site) -> VpnGateway | None:
        return next((g for g in self.gateways if (g.network, g.site) == (network, site)), None)

    @property
    def asns(self) -> dict[tuple[str, Site], int]:
        return {(g.network, g.site): g.asn for g in self.gateways}

    @property
    def inside_cidrs(self) -> dict[str, tuple[str, ...]]:
        """Link name -> its link-local /30s (a VPN's tunnels', an interconnect's
        attachments'), in order (what the lock records)."""
        return {x.name: x.inside for x in self.links if x.inside}


@dataclass(frozen=True)
class NetworkRecord:
    """What the lock file records of the network plan, so that later plans keep it."""

    cidrs: Mapping[tuple[str, Site], str] = field(default_factory=dict)
    asns: Mapping[tuple[str, Site], int] = field(default_factory=dict)
    inside: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # link name -> /30s
    # network -> the stacks creating it where one network spans a cloud's regions (GCP)
    homes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
