"""The program of a peering stack (`peer-<A>--<B>`): both halves of every link between A and B.

Gateways live in the cloud stacks (they are shared by all of a site's links, and Azure's takes
45 minutes); a peering stack reads their outputs by StackReference and declares the per-link
resources of both clouds with explicit providers, so each half can use the other's values in
one acyclic program. Halves whose tunnel addresses only exist once the link's own resources do
(AWS's VPN connections) are lowered first; the other half then points at those addresses.
Everything both halves must agree on comes from the link plan; the pre-shared keys are
`pulumi_random` passwords, one per tunnel, shared by both halves and secret everywhere.
Native peerings between two regions of one cloud live here for the same reason: each
direction needs the other network's id.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_random as random

from skyinfra.build import REFERENCE_KEYS
from skyinfra.clouds import Context, get_cloud
from skyinfra.clouds.base import LinkSide, Outputs, PeeringSide
from skyinfra.components import NATIVE_PEERING_TOKEN, VPN_LINK_TOKEN
from skyinfra.errors import UnsupportedError
from skyinfra.peering.model import Link, NativePeering, Tunnel, VpnLink
from skyinfra.references import output, stack_reference
from skyinfra.topology import Site, StackPlan, Topology

KEY_LENGTH = 32  # a letter, then 31 letters or digits: what AWS, GCP and Azure all accept


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
) -> Outputs:
    if isinstance(link, VpnLink):
        return VpnLinkComponent(topology, link, refs, list(providers.values())).outputs
    if isinstance(link, NativePeering):
        return NativePeeringComponent(topology, link, refs, providers).outputs
    raise UnsupportedError(
        f"link {link.name} ({link.mode}): dedicated interconnects are ordered from the providers "
        "and not generated; use `peering.mode: vpn` to get them as HA VPNs",
        path=("peering", "mode"),
    )


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
        name = f"{topology.project}-{link.name}"
        super().__init__(NATIVE_PEERING_TOKEN, name, None, None)
        sides = tuple(
            PeeringSide(
                site=site,
                network=output(refs[site], "networks", link.network),
                cidr=topology.stack(site.stack).network(link.network).cidr,
                provider=providers[site],
            )
            for site in (link.a, link.b)
        )
        stack = StackPlan(topology.project, link.a, topology.stack(link.a.stack).settings)
        self.outputs: Outputs = get_cloud(link.a.cloud).lower_native_peering(
            link, (sides[0], sides[1]), Context(self, name, stack)
        )
        self.register_outputs(self.outputs)


class VpnLinkComponent(pulumi.ComponentResource):
    """One neutral VPN link: its keys, and each cloud's half under it."""

    def __init__(
        self,
        topology: Topology,
        link: VpnLink,
        refs: dict[Site, pulumi.StackReference],
        providers: list[pulumi.ProviderResource],
    ) -> None:
        name = f"{topology.project}-{link.name}"
        super().__init__(VPN_LINK_TOKEN, name, None, pulumi.ResourceOptions(providers=providers))
        keys = tuple(_key(self, t) for t in link.tunnels)
        gateways = {s: output(refs[s], "gateways", link.network) for s in (link.a, link.b)}
        addresses = {s: gateways[s]["public_ips"] for s in (link.a, link.b)}
        halves: dict[Site, Outputs] = {}
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
                network=output(refs[site], "networks", link.network),
                gateway=gateways[site],
                peer_addresses=addresses[peer],
                keys=keys,
            )
            stack = StackPlan(topology.project, site, topology.stack(site.stack).settings)
            cloud = get_cloud(site.cloud)
            halves[site] = cloud.lower_vpn_half(side, Context(self, name, stack))
            if cloud.tunnel_addresses_per_link:
                addresses[site] = halves[site]["addresses"]
        self.outputs: Outputs = {
            site.stack: {"tunnels": h["tunnels"], "bgp_peers": h["bgp_peers"]}
            for site, h in halves.items()
        }
        self.register_outputs(self.outputs)


def _addresses_first(site: Site) -> int:
    return 0 if get_cloud(site.cloud).tunnel_addresses_per_link else 1


def _key(parent: pulumi.Resource, tunnel: Tunnel) -> pulumi.Output[str]:
    """A PSK every cloud accepts (AWS: [A-Za-z0-9._], not starting with 0). The provider
    marks `result` secret through the engine only: wrapped again so it stays secret anywhere."""
    password = random.RandomPassword(
        tunnel.key_name,
        length=KEY_LENGTH - 1,
        special=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return pulumi.Output.secret(pulumi.Output.concat("k", password.result))
