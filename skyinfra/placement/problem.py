"""The placement problem as pure numbers: what the optimiser sees, and how a choice is priced.

The intercloud layer turns a spec + catalog into a `PlacementProblem`: for every resource a
list of `Option`s (one per site it may run on, already the cheapest offer there, with its
fixed monthly cost), the flows between resources, co-location / anti-affinity constraints,
and the price models of data egress and peering links. `evaluate` prices any complete choice;
the optimiser must find the choice that minimises it.

Cost model (monthly USD):
- each resource: its option's `cost` (compute: hourly x 730 x count; storage: GB-month);
- each flow of `gb` from the source's site to the target's site: `catalog.network.egress_cost`,
  i.e. 0 within a site, `egress.inter_region(src, gb)` to a region of the source's region
  group, `egress.inter_group(src, gb)` to another group of its cloud, `egress.internet(src,
  gb)` to another cloud (each depends on the *source* site and the flow's volume; the
  destination only through its cloud and region group); a `linked`
  flow between clouds is priced by `linked_egress` instead when set (a link mode that bills
  the data it carries itself: interconnect egress);
- each pair of distinct sites joined by at least one `linked` flow: `links.link(a, b)` once;
- each site with at least one link that needs a gateway (`peering.modes.gateway_ends`: one
  between clouds): `links.gateway(site)` once (VPN gateways are shared by all links of a site);
- each `SiteFee`: its fee at every distinct site its members use, once per site (a network's
  NAT gateway hours, shared by the private groups on the network there);
- each `Charge`: its price at the site of `at`, by where `other` is (NAT data processing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from skyinfra.catalog.network import EgressParts
from skyinfra.catalog.network import egress_cost as network_egress_cost
from skyinfra.peering.modes import gateway_ends
from skyinfra.site import Site


@dataclass(frozen=True)
class Option:
    """One way to place a resource: a site and the fixed monthly cost of running there."""

    site: Site
    cost: float
    payload: Any = field(default=None, compare=False)  # e.g. the chosen offer; opaque here


@dataclass(frozen=True)
class Flow:
    """`gb` per month from `source` to `target`; `linked` if it needs a private network link.

    `replication` marks the copy that keeps a bucket's replica next to `target` filled
    (`replicate_to`): never linked, since managed movers use the providers' public endpoints.
    """

    source: str
    target: str
    gb: float
    linked: bool = False
    replication: bool = False


@dataclass(frozen=True)
class SiteFee:
    """A fixed monthly cost paid once at each site that hosts any of `members`: a network's
    NAT gateways (hours, addresses), shared by the private compute groups on it there."""

    members: tuple[str, ...]
    fees: Mapping[Site, float]  # a site not listed costs nothing


@dataclass(frozen=True)
class Charge:
    """A monthly charge at the site of `at` on its traffic with `other` (NAT data
    processing): by where `other` is, on `at`'s site, elsewhere in its cloud or in another
    cloud; each keyed by `at`'s site (a site not listed: nothing)."""

    at: str
    other: str
    same_site: Mapping[Site, float]
    same_cloud: Mapping[Site, float]
    other_cloud: Mapping[Site, float]

    def price(self, here: Site, there: Site) -> float:
        """The charge with `at` on `here` and `other` on `there`."""
        if here == there:
            return self.same_site.get(here, 0.0)
        if here.cloud == there.cloud:
            return self.same_cloud.get(here, 0.0)
        return self.other_cloud.get(here, 0.0)


# Price of moving data out of a site (0 within a site is implied): its parts, per source.
EgressModel = EgressParts


class LinkModel(Protocol):
    """Fixed monthly prices of private connectivity between sites."""

    def link(self, a: Site, b: Site) -> float:
        """A link between two distinct sites (symmetric): tunnels or peering."""
        ...

    def gateway(self, site: Site) -> float:
        """A site's VPN gateway, needed once it has any cross-cloud link."""
        ...


@dataclass(frozen=True)
class PlacementProblem:
    options: Mapping[str, list[Option]]  # resource -> non-empty list, at most one per site
    flows: list[Flow]
    egress: EgressModel
    links: LinkModel
    colocate: list[tuple[str, str]] = field(default_factory=list)  # same site
    avoid: list[tuple[str, str]] = field(default_factory=list)  # different clouds
    linked_egress: EgressModel | None = None  # linked flows between clouds (None: `egress`)

    def egress_of(self, flow: Flow) -> EgressModel:
        """The egress model pricing `flow` (its `internet` is only asked across clouds)."""
        if flow.linked and self.linked_egress is not None:
            return self.linked_egress
        return self.egress

    fees: list[SiteFee] = field(default_factory=list)  # NAT gateways per network site
    charges: list[Charge] = field(default_factory=list)  # NAT data processing per flow end


@dataclass(frozen=True)
class Solution:
    """A complete choice and its cost, broken down."""

    choice: dict[str, Option]
    resources_cost: float
    egress_cost: float
    links_cost: float
    links: frozenset[tuple[Site, Site]]  # (a, b) with a < b
    gateways: frozenset[Site]
    nat_cost: float = 0.0  # the fees and charges (NAT gateways and data processing)

    @property
    def total(self) -> float:
        return self.resources_cost + self.egress_cost + self.links_cost + self.nat_cost


def egress_cost(egress: EgressModel, src: Site, dst: Site, gb: float) -> float:
    """Monthly cost of moving `gb` from `src` to `dst`: the catalog's one egress formula
    (`catalog.network.egress_cost`). The solver sums its parts per flow edge and source site
    and applies the same rule to them (`solver.presolve._Edge.price`, linearised in
    `solver.model`); tests/placement/test_moves.py and test_optimality.py hold it to
    `evaluate`."""
    return network_egress_cost(egress, src, dst, gb)


def flow_cost(problem: PlacementProblem, flow: Flow, src: Site, dst: Site) -> float:
    return egress_cost(problem.egress_of(flow), src, dst, flow.gb)


def feasible(problem: PlacementProblem, choice: Mapping[str, Option]) -> bool:
    """Whether `choice` respects co-location and anti-affinity."""
    return all(choice[a].site == choice[b].site for a, b in problem.colocate) and all(
        choice[a].site.cloud != choice[b].site.cloud for a, b in problem.avoid
    )


def evaluate(problem: PlacementProblem, choice: Mapping[str, Option]) -> Solution:
    """The cost of a complete choice under the model above (constraints not checked)."""
    egress = sum(
        flow_cost(problem, f, choice[f.source].site, choice[f.target].site) for f in problem.flows
    )
    links = {
        tuple(sorted((choice[f.source].site, choice[f.target].site)))
        for f in problem.flows
        if f.linked and choice[f.source].site != choice[f.target].site
    }
    gateways = {s for a, b in links for s in gateway_ends(a, b)}
    links_cost = sum(problem.links.link(a, b) for a, b in links) + sum(
        problem.links.gateway(s) for s in gateways
    )
    return Solution(
        choice=dict(choice),
        resources_cost=sum(o.cost for o in choice.values()),
        egress_cost=egress,
        links_cost=links_cost,
        links=frozenset(links),  # type: ignore[arg-type]
        gateways=frozenset(gateways),
        nat_cost=nat_cost(problem, choice),
    )


def nat_cost(problem: PlacementProblem, choice: Mapping[str, Option]) -> float:
    """The fees of the distinct sites each fee's members use, and every charge."""
    fees = sum(
        fee.fees.get(site, 0.0)
        for fee in problem.fees
        for site in {choice[m].site for m in fee.members}
    )
    return fees + sum(c.price(choice[c.at].site, choice[c.other].site) for c in problem.charges)
