"""NAT in the optimiser's objective: a network site's NAT as `SiteFee`s and `Charge`s.

Gateway hours and addresses are a fixed cost of each site that hosts a private compute group
(not `public: true`) of a network with `egress: nat`: one fee per such network over its
private groups, paid once per site they use (the catalog's `nat` price, times the gateways
`nat: per_zone` makes: `Cloud.nat_gateway_count`). Data processing is a charge at a private
group's end of each flow outside private links, by where the other end is
(`NatPrice.processes`, the rule `plan` prices NAT rows with): another cloud always; a bucket of
the group's own cloud unless it bypasses the NAT (GCP: Private Google Access; AWS: the S3
gateway endpoint and Azure: the storage service endpoint, same region only); the cloud's own
VMs never. Left out: GCP's per-VM charge
(about $1 per VM-month, capped) and traffic the spec does not describe (package mirrors, APIs).
"""

from __future__ import annotations

from collections.abc import Mapping

from skyinfra.catalog.vms import Catalog
from skyinfra.clouds import get_cloud
from skyinfra.peering.modes import linked_network
from skyinfra.placement.problem import Charge, Option, SiteFee
from skyinfra.site import Site
from skyinfra.spec import Spec

__all__ = ["nat_charges", "nat_fees"]


def behind_nat(spec: Spec) -> dict[str, str]:
    """Private compute group -> its network, for networks with NAT egress."""
    return {
        name: spec.network_of(name)
        for name, group in spec.compute.items()
        if not group.public and spec.networks[spec.network_of(name)].egress == "nat"
    }


def nat_fees(spec: Spec, catalog: Catalog, options: Mapping[str, list[Option]]) -> list[SiteFee]:
    """One fee per network with NAT egress: its gateways' monthly hours at each site its
    private groups may use."""
    groups = behind_nat(spec)
    fees = []
    for network in sorted(set(groups.values())):
        members = tuple(sorted(g for g, n in groups.items() if n == network))
        sites = {o.site for m in members for o in options[m]}
        nat = spec.networks[network].nat
        fees.append(SiteFee(members, {s: _gateways(catalog, s, nat) for s in sorted(sites)}))
    return fees


def _gateways(catalog: Catalog, site: Site, nat: str) -> float:
    price = catalog.nat(site.cloud)
    if price is None:
        return 0.0
    return price.monthly(0, get_cloud(site.cloud).nat_gateway_count("nat", nat))


def nat_charges(spec: Spec, catalog: Catalog, options: Mapping[str, list[Option]]) -> list[Charge]:
    """Per flow outside private links, a charge at each private end behind a NAT."""
    groups = behind_nat(spec)
    return [
        _charge(spec, catalog, options[here], here, there, flow.gb_per_month)
        for flow in spec.flows
        if linked_network(spec, flow) is None
        for here, there in ((flow.source, flow.to), (flow.to, flow.source))
        if here in groups
    ]


def _charge(
    spec: Spec, catalog: Catalog, options: list[Option], here: str, there: str, gb: float
) -> Charge:
    """`gb` processed at `here`'s NAT, by where `there` is, for each site of `here`."""
    bucket = there in spec.buckets
    prices: list[dict[Site, float]] = [{}, {}, {}]
    for site in (o.site for o in options):
        price = catalog.nat(site.cloud)
        if price is None:
            continue
        regional = get_cloud(site.cloud).regional_storage_endpoint
        cases = ((True, True), (True, False), (False, False))  # site, cloud, elsewhere
        for table, (same_cloud, same_region) in zip(prices, cases, strict=True):
            if price.processes(same_cloud, same_region, bucket, regional):
                table[site] = price.per_gb * gb
    return Charge(here, there, *prices)
