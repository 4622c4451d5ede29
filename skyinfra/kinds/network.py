"""The network kind: a private network, one concrete VPC/VNet per site that uses it.

Not placed by the optimiser: a network exists wherever a compute group attached to it runs
(`build.concrete_networks`), with the address range the IPAM gave it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyinfra.clouds import Cloud, get_cloud
from skyinfra.diagram import Node, NodeStyle, money, network_id
from skyinfra.guardrails.model import Intent, PlannedNetwork
from skyinfra.kinds.base import Kind, PlanInputs
from skyinfra.peering.ipam import gateway_subnet, subnet_cidrs
from skyinfra.site import Site
from skyinfra.spec import Network
from skyinfra.tokens import NETWORK_TOKEN
from skyinfra.topology import (
    NetworkPlan,
    StackPlan,
    Topology,
    component_name,
    resource_labels,
)


class NetworkKind(Kind):
    """Networks: derived from where their compute groups run."""

    def stack_plans(self, inputs: PlanInputs, site: Site) -> tuple[NetworkPlan, ...]:
        return tuple(
            self.plan(inputs, name, site) for (name, net_site) in inputs.cidrs if net_site == site
        )

    def plan(self, inputs: PlanInputs, name: str, site: Site) -> NetworkPlan:
        cloud, cidr = get_cloud(site.cloud), inputs.cidrs[(name, site)]
        links, home = inputs.links, inputs.homes.get((name, site))
        prefix = cloud.gateway_subnet_prefix if links.gateway(name, site) else None
        egress = inputs.spec.networks[name].egress
        return NetworkPlan(
            name=name,
            site=site,
            cidr=cidr,
            subnets=subnet_cidrs(cidr, cloud.subnets_per_network),
            peer_cidrs=tuple(inputs.cidrs[(name, peer)] for peer in links.peers(name, site)),
            gateway_subnet=gateway_subnet(cidr, prefix) if prefix else None,
            home=None if home == site.stack else home,
            labels=resource_labels(
                inputs.spec.name, name, inputs.spec.labels_of(self.section, name)
            ),
            egress=egress,
            public_subnets=_public_subnets(cidr, cloud, egress),
            nat=inputs.spec.networks[name].nat,
        )

    def home(self, plan: NetworkPlan) -> str | None:
        return plan.home

    def graph_nodes(
        self, plans: tuple[Any, ...], stack: StackPlan, report: Mapping[str, Any]
    ) -> list[Node]:
        gateways = {g["network"]: g for g in report["gateways"] if g["stack"] == stack.name}
        return [_node(n, gateways.get(n.name)) for n in plans]

    def intent(self, project: str, stack: StackPlan, plan: NetworkPlan) -> Intent:
        """Its planned range, and which groups' components are its members."""
        key = (stack.name, component_name(project, plan.name))
        groups = stack.groups_on(plan.name)
        return Intent(
            networks=(PlannedNetwork(stack.name, key[1], plan.cidr),),
            members={key: frozenset(component_name(project, g.name) for g in groups)},
        )


def offline_warnings(topology: Topology) -> list[str]:
    """One warning per compute group on a network with `egress: none` whose cloud says
    something it needs fetches from the internet (`Cloud.offline_breaks`): what breaks and
    what to do (`plan` and `check` print them)."""
    warnings = []
    for stack in topology.stacks:
        offline = {n.name for n in stack.networks if n.egress == "none"}
        for group in (g for g in stack.compute if g.network in offline):
            breaks = get_cloud(stack.site.cloud).offline_breaks(group)
            if breaks:
                warnings.append(
                    f"compute group {group.name} ({stack.name}) is on network {group.network} "
                    f"with egress: none (no internet): {'; '.join(breaks)}. Set `egress: nat` on "
                    f"network {group.network} if it needs these, or provide them inside the "
                    "network (endpoints, a package mirror, an image with everything baked in)"
                )
    return warnings


def _public_subnets(cidr: str, cloud: Cloud, egress: str) -> tuple[str, ...]:
    """The cloud's public subnets, carved right after the workload subnets (whose CIDRs stay
    where they were) from the bottom of the range, clear of the gateway subnet at the top."""
    if egress != "nat" or not cloud.public_subnets_per_network:
        return ()
    workload = cloud.subnets_per_network
    return subnet_cidrs(cidr, workload + cloud.public_subnets_per_network)[workload:]


def _node(network: NetworkPlan, gateway: Mapping[str, Any] | None) -> Node:
    """Where links attach: the network's name and CIDR, and the gateway its links share
    (as `plan` lists it: kind, BGP ASN, monthly cost)."""
    lines = [network.name, network.cidr]
    if gateway is not None:
        kind = gateway.get("kind", "VPN gateway")
        lines.append(f"{kind}, BGP {gateway['asn']}, {money(gateway['monthly_cost'])}")
    node_id = network_id(network.name, network.site)
    return Node(f"{node_id}/", tuple(lines), "network", node_id)


NETWORK = NetworkKind(
    name="network",
    section="networks",
    title="network",
    model=Network,
    plan_type=NetworkPlan,
    token=NETWORK_TOKEN,
    output_key="networks",
    placed=False,
    draw_order=0,
    styles={
        "network": NodeStyle(
            {"shape": "oval", "style": "filled", "fillcolor": "#dce8f7"},
            ('(["', '"])'),
            "fill:#dce8f7,stroke:#5b8bd0",
        )
    },
)
