"""The program of a peering stack (`peer-<A>--<B>`): both halves of every link between A and B.

Gateways live in the cloud stacks (they are shared by all of a site's links, and Azure's takes
45 minutes); a peering stack reads their outputs by StackReference and declares the per-link
resources of both clouds with explicit providers, so each half can use the other's values in
one acyclic program. Halves whose tunnel addresses only exist once the link's own resources do
(AWS's VPN connections) are lowered first; the other half then points at those addresses.
Everything both halves must agree on comes from the link plan; the pre-shared keys are
`pulumi_random` passwords, one per tunnel, shared by both halves and secret everywhere.
Native peerings between two regions of one cloud live here for the same reason: each
direction needs the other network's id. Dedicated interconnects too: their ports and
attachments belong to one pair of sites; where the ports are (colocation facilities) only the
providers' ordering process knows, so those values come from this stack's config
(`skyinfra:<key>`), checked before anything is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import pulumi
import pulumi_random as random

from skyinfra.build import REFERENCE_KEYS
from skyinfra.clouds import Context, get_cloud
from skyinfra.clouds.base import InterconnectHalf, LinkSide, Outputs, PeeringSide
from skyinfra.clouds.outputs import InterconnectHalfOutputs, PeeringOutputs, VpnHalfOutputs
from skyinfra.peering.model import (
    INTERCONNECT_READY_KEY,
    InterconnectLink,
    Link,
    NativePeering,
    Tunnel,
    VpnLink,
)
from skyinfra.peering.modes import mode_of
from skyinfra.peering.modes.interconnect import INTERCONNECT
from skyinfra.peering.modes.native import NATIVE
from skyinfra.peering.modes.vpn import VPN
from skyinfra.references import gateway_of, network_of, stack_reference
from skyinfra.site import Site
from skyinfra.topology import StackPlan, Topology, component_name, link_labels

KEY_LENGTH = 32  # a letter, then 31 letters or digits: what AWS, GCP and Azure all accept
BGP_KEY_LENGTH = 24  # BGP MD5 keys: ExpressRoute takes at most 25 characters


def lower_peering_stack(topology: Topology, name: str) -> dict[str, Any]:
    """Register every link of peering stack `name`; return its stack outputs."""
    links = [x for x in topology.links.links if x.stack == name]
    a, b = topology.peering_sites(name)
    config = pulumi.Config("skyinfra")
    refs = {
        site: stack_reference(config.get(key) or site.stack)
        for key, site in zip(REFERENCE_KEYS, (a, b), strict=True)
    }
    providers = {site: _provider(topology, site) for site in (a, b)}
    return {
        "links": {x.name: _lower_link(topology, x, refs, providers) for x in links},
    }


def _provider(topology: Topology, site: Site) -> pulumi.ProviderResource:
    settings = topology.stack(site.stack).settings
    return get_cloud(site.cloud).provider(f"{site.stack}-provider", site, settings)


def _lower_link(
    topology: Topology,
    link: Link,
    refs: dict[Site, pulumi.StackReference],
    providers: dict[Site, pulumi.ProviderResource],
) -> Mapping[str, Any]:
    """Lower `link` with its mode's component (`COMPONENTS`, keyed by the mode's name)."""
    return COMPONENTS[mode_of(link).name](topology, link, refs, providers).outputs


def interconnect_config(link: InterconnectLink) -> dict[str, str]:
    """The link's out-of-band values from this stack's config, or one error naming every
    missing key, what it is and the command that sets it; then one naming every pair of
    keys that holds the same value where the two connections need two facilities."""
    config = pulumi.Config("skyinfra")
    values = {key: config.get(key) for key, _ in link.config}
    missing = [(key, why) for key, why in link.config if not values[key]]
    if missing:
        lines = "\n".join(
            f"  skyinfra:{key}: {why}\n    pulumi config set -s {link.stack} skyinfra:{key} VALUE"
            for key, why in missing
        )
        raise pulumi.RunError(
            f"peering stack {link.stack} (dedicated interconnect {link.name}) needs values only "
            f"the providers' ordering process gives; set them first:\n{lines}"
        )
    same = [(a, b) for a, b in link.distinct if values[a] == values[b]]
    if same:
        lines = "\n".join(f"  skyinfra:{a} = skyinfra:{b} = {values[a]!r}" for a, b in same)
        raise pulumi.RunError(
            f"peering stack {link.stack} (dedicated interconnect {link.name}): the two "
            "connections must land in two facilities / edge availability domains, or one outage "
            f"takes both down; these keys hold the same value:\n{lines}"
        )
    return {key: str(value) for key, value in values.items()}


def interconnect_ready(link: InterconnectLink) -> bool:
    """Phase 2: the user says the connections are provisioned (`skyinfra:interconnect-ready`)."""
    try:
        return bool(pulumi.Config("skyinfra").get_bool(INTERCONNECT_READY_KEY))
    except pulumi.ConfigTypeError:
        raise pulumi.RunError(
            f"peering stack {link.stack}: skyinfra:{INTERCONNECT_READY_KEY} must be true or "
            f"false (`{link.ready_command}` once the connections are provisioned)"
        ) from None


class NativePeeringComponent(pulumi.ComponentResource):
    """Two regions of one cloud joined by the cloud's own peering. It lives here, not in the
    cloud stacks, because each direction needs the other network's id: the peering stack reads
    both, and both regions' providers are explicit (one package, two regions)."""

    def __init__(
        self,
        topology: Topology,
        link: NativePeering,
        refs: dict[Site, pulumi.StackReference],
        providers: dict[Site, pulumi.ProviderResource],
    ) -> None:
        name = component_name(topology.project, link.name)
        super().__init__(mode_of(link).token, name, None, None)
        sides = tuple(
            PeeringSide(
                site=site,
                network=network_of(refs[site], link.network),
                cidr=topology.stack(site.stack).network(link.network).cidr,
                provider=providers[site],
                public_routes=_public_routes(topology, site, link.network),
                private_route_tables=_private_route_tables(topology, site, link.network),
            )
            for site in (link.a, link.b)
        )
        self.outputs: PeeringOutputs = get_cloud(link.a.cloud).lower_native_peering(
            link, (sides[0], sides[1]), _context(self, name, topology, link.a, link)
        )
        self.register_outputs(self.outputs)


class VpnLinkComponent(pulumi.ComponentResource):
    """One neutral VPN link: its keys, and each cloud's half under it."""

    def __init__(
        self,
        topology: Topology,
        link: VpnLink,
        refs: dict[Site, pulumi.StackReference],
        providers: dict[Site, pulumi.ProviderResource],
    ) -> None:
        name = component_name(topology.project, link.name)
        opts = pulumi.ResourceOptions(providers=list(providers.values()))
        super().__init__(mode_of(link).token, name, None, opts)
        keys = tuple(_key(self, t) for t in link.tunnels)
        gateways = {s: gateway_of(refs[s], link.network) for s in (link.a, link.b)}
        addresses = {s: gateways[s]["public_ips"] for s in (link.a, link.b)}
        halves: dict[Site, VpnHalfOutputs] = {}
        for site in sorted((link.a, link.b), key=_addresses_first):
            peer = link.b if site == link.a else link.a
            gateway_plan = topology.links.gateway(link.network, site)
            if gateway_plan is None:  # the planner gives every VPN link end a gateway
                raise ValueError(f"link {link.name}: no gateway planned at {site}")
            side = LinkSide(
                link=link,
                site=site,
                peer=peer,
                gateway_plan=gateway_plan,
                network=network_of(refs[site], link.network),
                gateway=gateways[site],
                peer_addresses=addresses[peer],
                keys=keys,
            )
            cloud = get_cloud(site.cloud)
            halves[site] = cloud.lower_vpn_half(side, _context(self, name, topology, site, link))
            if cloud.tunnel_addresses_per_link:
                addresses[site] = halves[site]["addresses"]
        self.outputs: Outputs = {
            site.stack: {"tunnels": h["tunnels"], "bgp_peers": h["bgp_peers"]}
            for site, h in halves.items()
        }
        self.register_outputs(self.outputs)


class InterconnectLinkComponent(pulumi.ComponentResource):
    """One dedicated interconnect: the link's BGP key, then each cloud's half under it. No
    value crosses between the halves at deploy time (VLANs, /30s and ASNs are planned), so
    their order does not matter; the physical cross-connects join them out of band.

    Two phases: ports ordered today stay pending for days to weeks, and the providers refuse
    what needs them active (AWS: a VIF on a connection that is not available; Google: VLAN
    attachments before the Interconnect is ready; Azure: a circuit before the port's links are
    up). So each half declares only its ports until `skyinfra:interconnect-ready` is true."""

    def __init__(
        self,
        topology: Topology,
        link: InterconnectLink,
        refs: dict[Site, pulumi.StackReference],
        providers: dict[Site, pulumi.ProviderResource],
    ) -> None:
        name = component_name(topology.project, link.name)
        opts = pulumi.ResourceOptions(providers=list(providers.values()))
        super().__init__(mode_of(link).token, name, None, opts)
        config, ready = interconnect_config(link), interconnect_ready(link)
        key = _secret_password(self, link.key_name, BGP_KEY_LENGTH)
        halves: dict[Site, InterconnectHalfOutputs] = {}
        for site in (link.a, link.b):
            side = InterconnectHalf(
                link=link,
                site=site,
                gateway=gateway_of(refs[site], link.network),
                network=network_of(refs[site], link.network),
                config=config,
                key=key,
                cidr=topology.stack(site.stack).network(link.network).cidr,
                ready=ready,
                public_routes=_public_routes(topology, site, link.network),
                private_route_tables=_private_route_tables(topology, site, link.network),
            )
            halves[site] = get_cloud(site.cloud).lower_interconnect_half(
                side, _context(self, name, topology, site, link)
            )
        self.outputs: Outputs = {site.stack: h for site, h in halves.items()}
        self.register_outputs(self.outputs)


def _public_routes(topology: Topology, site: Site, network: str) -> bool:
    """Whether the network at `site` has public subnets with a route table of their own."""
    return bool(topology.stack(site.stack).network(network).public_subnets)


def _private_route_tables(topology: Topology, site: Site, network: str) -> int:
    """How many route tables the network's workload subnets have at `site`: one per NAT
    gateway where the cloud has one per table (AWS), else one."""
    plan = topology.stack(site.stack).network(network)
    return max(1, get_cloud(site.cloud).nat_gateways(plan))


class LinkComponent(Protocol):
    """What lowers one mode's link: a component built from the link, the stack references
    of its two sites' cloud stacks and their explicit providers."""

    @property
    def outputs(self) -> Mapping[str, Any]: ...


LinkComponentType = Callable[  # its link: the mode's record type
    [Topology, Any, dict[Site, pulumi.StackReference], dict[Site, pulumi.ProviderResource]],
    LinkComponent,
]
# One component per link mode (`peering.modes`), by the mode's name; it registers under the
# mode's token. A test checks every registered mode has one.
COMPONENTS: dict[str, LinkComponentType] = {
    NATIVE.name: NativePeeringComponent,
    VPN.name: VpnLinkComponent,
    INTERCONNECT.name: InterconnectLinkComponent,
}


def _context(
    parent: pulumi.Resource, name: str, topology: Topology, site: Site, link: Link
) -> Context:
    """Where one cloud's half of a link is lowered: under `parent`, with `site`'s settings
    and the link's labels."""
    stack = StackPlan(topology.project, site, topology.stack(site.stack).settings)
    return Context(parent, name, stack, labels=link_labels(topology, link))


def _addresses_first(site: Site) -> int:
    return 0 if get_cloud(site.cloud).tunnel_addresses_per_link else 1


def _key(parent: pulumi.Resource, tunnel: Tunnel) -> pulumi.Output[str]:
    """A PSK every cloud accepts (AWS: [A-Za-z0-9._], not starting with 0)."""
    return _secret_password(parent, tunnel.key_name, KEY_LENGTH)


def _secret_password(parent: pulumi.Resource, name: str, length: int) -> pulumi.Output[str]:
    """A letter, then letters or digits (every provider's keys accept it). The provider
    marks `result` secret through the engine only: wrapped again so it stays secret anywhere."""
    password = random.RandomPassword(
        name,
        length=length - 1,
        special=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return pulumi.Output.secret(pulumi.Output.concat("k", password.result))
