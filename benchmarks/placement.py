"""Placement optimiser benchmark; run by hand: `python benchmarks/placement.py [--sizes 10 100 1000]`.

Synthetic problems shaped like the full catalog: ~120 sites over 3 clouds, every compute group
offered on 100-120 of them, 2 flows per group (some needing a private link). Prices look real:
a group's monthly cost is its size times a per-region price index times a little per-offer
noise (`--noise`; 0.5 makes the costs nearly independent per site), inter-region egress
0.01-0.02 $/GB, internet egress 0.08-0.12 $/GB, links 0-40 $ within a cloud and 70-150 $
across clouds, VPN gateways 30-140 $. Prints the solve time and the greedy/optimal cost ratio
per size; asserts nothing (speed is not a unit test). Target: 1,000 groups in under 10 s.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

from skyinfra.placement.optimizer import greedy, solve_with_stats
from skyinfra.placement.problem import Flow, Option, PlacementProblem
from skyinfra.topology import Site

CLOUDS = ("aws", "gcp", "azure")


@dataclass(frozen=True)
class TableEgress:
    """Per-site $/GB rates, linear in volume."""

    inter: dict[Site, float]
    net: dict[Site, float]

    def inter_region(self, src: Site, gb: float) -> float:
        return self.inter[src] * gb

    def internet(self, src: Site, gb: float) -> float:
        return self.net[src] * gb


@dataclass(frozen=True)
class TableLinks:
    """Monthly link price per site pair and gateway price per site."""

    links: dict[tuple[Site, Site], float]
    gateways: dict[Site, float]

    def link(self, a: Site, b: Site) -> float:
        return self.links[(a, b) if a < b else (b, a)]

    def gateway(self, site: Site) -> float:
        return self.gateways[site]


def make_sites(per_cloud: int) -> list[Site]:
    return [Site(c, f"region-{i:02d}") for c in CLOUDS for i in range(per_cloud)]


def make_problem(
    groups: int, sites: list[Site], rng: random.Random, noise: float
) -> PlacementProblem:
    """A random problem of `groups` compute groups with 2 flows each."""
    index = {s: rng.uniform(1.0, 1.35) for s in sites}
    names = [f"g{i:04d}" for i in range(groups)]
    options = {}
    for name in names:
        size = rng.lognormvariate(6.0, 1.0)  # median ~400 $/month
        offered = rng.sample(sites, rng.randint(min(100, len(sites)), len(sites)))
        options[name] = [
            Option(s, round(size * index[s] * rng.uniform(1 - noise, 1 + noise), 2))
            for s in sorted(offered)
        ]
    flows = [
        Flow(name, rng.choice([n for n in names if n != name]), _volume(rng), rng.random() < 0.3)
        for name in names
        for _ in range(2)
    ]
    return PlacementProblem(options, flows, _egress(sites, rng), _links(sites, rng))


def _volume(rng: random.Random) -> float:
    return round(min(rng.lognormvariate(6.0, 1.2), 20_000.0), 1)  # median ~400 GB/month


def _egress(sites: list[Site], rng: random.Random) -> TableEgress:
    return TableEgress(
        {s: rng.uniform(0.01, 0.02) for s in sites}, {s: rng.uniform(0.08, 0.12) for s in sites}
    )


def _links(sites: list[Site], rng: random.Random) -> TableLinks:
    links = {(a, b): 0.0 if a.cloud == b.cloud else 146.0 for a in sites for b in sites if a < b}
    return TableLinks(links, {s: 146.0 if s.cloud == "azure" else 0.0 for s in sites})


def run(groups: int, per_cloud: int, seed: int, noise: float) -> None:
    problem = make_problem(groups, make_sites(per_cloud), random.Random(seed), noise)
    start = time.perf_counter()
    best, stats = solve_with_stats(problem)
    seconds = time.perf_counter() - start
    base = greedy(problem)
    print(
        f"{groups:>6} {stats.options:>8} {stats.kept:>6} {stats.rounds:>6} {stats.link_cuts:>6}"
        f" {stats.columns:>7} {stats.rows:>7} {seconds:>8.2f} {base.total:>12.0f}"
        f" {best.total:>12.0f} {base.total / best.total:>7.3f}"
        f" {'' if stats.optimal else ' (time limit)'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--sites-per-cloud", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=1, help="problems per size")
    parser.add_argument("--noise", type=float, default=0.05, help="per-offer price spread")
    args = parser.parse_args()
    print(
        f"{3 * args.sites_per_cloud} sites, noise {args.noise}; times include pruning and model build\n"
        f"{'groups':>6} {'options':>8} {'kept':>6} {'rounds':>6} {'cuts':>6} {'cols':>7}"
        f" {'rows':>7} {'seconds':>8} {'greedy $':>12} {'optimal $':>12} {'ratio':>7}"
    )
    for size in args.sizes:
        for seed in range(args.seeds):
            run(size, args.sites_per_cloud, seed, args.noise)


if __name__ == "__main__":
    main()
