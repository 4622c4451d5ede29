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

`peering.mode: auto` (`auto` set): each link between clouds is a VPN (the above) or, where
`auto.interconnect` prices one, an interconnect: its fixed price instead of the VPN's, its
linked flows at `auto.carried` egress, and no VPN gateway on its account. A choice's cost is
the cheapest assignment of modes to its links (`auto_modes`), enumerated because the VPN
gateway of a site is shared between its links; a tie keeps the VPN.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from skyinfra.catalog.network import EgressParts
from skyinfra.catalog.network import egress_cost as network_egress_cost
from skyinfra.peering.modes import gateway_ends
from skyinfra.peering.modes.interconnect import INTERCONNECT
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


Pair = tuple[Site, Site]  # a link's sites, a < b


@dataclass(frozen=True)
class AutoLinks:
    """`peering.mode: auto`: what an interconnect costs where one could replace a VPN.

    `interconnect(a, b)`: its fixed month (ports, attachments) between sites of two clouds,
    None where it is not priced (never chosen then); `carried`: the egress of linked flows
    it carries; `keep`: the mode the lock recorded per link and the saving another mode must
    exceed to replace it (hysteresis, `placement.lock`), as a function of the recorded mode's
    month of that link.
    """

    interconnect: Callable[[Site, Site], float | None]
    carried: EgressModel
    recorded: Mapping[Pair, str] = field(default_factory=dict)
    keep: Callable[[float], float] = field(default=lambda month: 0.0)


@dataclass(frozen=True)
class PlacementProblem:
    options: Mapping[str, list[Option]]  # resource -> non-empty list, at most one per site
    flows: list[Flow]
    egress: EgressModel
    links: LinkModel
    colocate: list[tuple[str, str]] = field(default_factory=list)  # same site
    avoid: list[tuple[str, str]] = field(default_factory=list)  # different clouds
    linked_egress: EgressModel | None = None  # linked flows between clouds (None: `egress`)
    auto: AutoLinks | None = None  # `peering.mode: auto`: links are VPNs or interconnects

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
    interconnects: frozenset[tuple[Site, Site]] = frozenset()  # `auto`: links made dedicated

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


def solved_flow_cost(problem: PlacementProblem, solution: Solution, flow: Flow) -> float:
    """`flow_cost` in `solution`: under `auto`, a linked flow between clouds over a link the
    solution made an interconnect is priced at that interconnect's carried egress."""
    src, dst = solution.choice[flow.source].site, solution.choice[flow.target].site
    pair = (min(src, dst), max(src, dst))
    if problem.auto is not None and flow.linked and pair in solution.interconnects:
        return egress_cost(problem.auto.carried, src, dst, flow.gb)
    return flow_cost(problem, flow, src, dst)


def feasible(problem: PlacementProblem, choice: Mapping[str, Option]) -> bool:
    """Whether `choice` respects co-location and anti-affinity."""
    return all(choice[a].site == choice[b].site for a, b in problem.colocate) and all(
        choice[a].site.cloud != choice[b].site.cloud for a, b in problem.avoid
    )


def evaluate(problem: PlacementProblem, choice: Mapping[str, Option]) -> Solution:
    """The cost of a complete choice under the model above (constraints not checked)."""
    if problem.auto is not None:
        return _evaluate_auto(problem, problem.auto, choice)
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


class AutoTooLarge(ValueError):
    """More than `peering.mode: auto` enumerates (placements or links): the message says."""


AUTO_LINK_LIMIT = 12  # links between clouds one choice may have under `auto` (2^n enumerated)


def _evaluate_auto(
    problem: PlacementProblem, auto: AutoLinks, choice: Mapping[str, Option]
) -> Solution:
    """`evaluate` under `peering.mode: auto`: the choice with its links' best modes."""
    plain = evaluate(replace(problem, auto=None, linked_egress=None), choice)
    return _priced(problem, auto, choice, plain, _auto_modes(problem, auto, choice, plain))[0]


def _auto_modes(
    problem: PlacementProblem, auto: AutoLinks, choice: Mapping[str, Option], plain: Solution
) -> frozenset[Pair]:
    """The links of `choice` to make interconnects: the assignment of modes with the lowest
    month, a recorded link's mode kept unless another saves more than `auto.keep` of it.
    Exact: every assignment of the links an interconnect could serve is priced."""
    able = sorted(p for p in plain.links if auto.interconnect(*p) is not None)
    if len(able) > AUTO_LINK_LIMIT:
        raise AutoTooLarge(
            f"{len(able)} links could be interconnects in one placement (auto enumerates "
            f"their modes for at most {AUTO_LINK_LIMIT})"
        )
    best: tuple[float, frozenset[Pair]] | None = None
    for picks in itertools.product((False, True), repeat=len(able)):
        dedicated = frozenset(p for p, pick in zip(able, picks, strict=True) if pick)
        total, months = _priced(problem, auto, choice, plain, dedicated)
        held = sum(
            auto.keep(months[p][mode == INTERCONNECT.name])
            for p, mode in auto.recorded.items()
            if p in able and (p in dedicated) != (mode == INTERCONNECT.name)
        )
        if best is None or total.total + held < best[0] - 1e-9:
            best = (total.total + held, dedicated)
    return best[1] if best is not None else frozenset()


def _priced(
    problem: PlacementProblem,
    auto: AutoLinks,
    choice: Mapping[str, Option],
    plain: Solution,
    dedicated: frozenset[Pair],
) -> tuple[Solution, dict[Pair, tuple[float, float]]]:
    """(the solution with `dedicated` links as interconnects, and each link's month as a VPN
    and as an interconnect, gateways aside: what the hysteresis compares)."""
    egress = 0.0
    carried: dict[Pair, list[float]] = {p: [0.0, 0.0] for p in plain.links}
    for f in problem.flows:
        src, dst = choice[f.source].site, choice[f.target].site
        pair: Pair = (min(src, dst), max(src, dst))
        over = f.linked and src.cloud != dst.cloud and pair in carried
        cost = egress_cost(problem.egress, src, dst, f.gb)
        if over:
            ic = egress_cost(auto.carried, src, dst, f.gb)
            carried[pair][0] += cost
            carried[pair][1] += ic
            cost = ic if pair in dedicated else cost
        egress += cost
    months: dict[Pair, tuple[float, float]] = {}
    for p in plain.links:
        fixed = auto.interconnect(*p)
        vpn_month = problem.links.link(*p) + carried[p][0]
        months[p] = (vpn_month, math.inf if fixed is None else fixed + carried[p][1])
    vpn_links = [p for p in plain.links if p not in dedicated]
    gateways = {s for a, b in vpn_links for s in gateway_ends(a, b)}
    links_cost = (
        sum(problem.links.link(*p) for p in vpn_links)
        + sum(auto.interconnect(*p) or 0.0 for p in dedicated)
        + sum(problem.links.gateway(s) for s in gateways)
    )
    solution = Solution(
        choice=dict(choice),
        resources_cost=plain.resources_cost,
        egress_cost=egress,
        links_cost=links_cost,
        links=plain.links,
        gateways=frozenset(gateways),
        nat_cost=plain.nat_cost,
        interconnects=dedicated,
    )
    return solution, months
