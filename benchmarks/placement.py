"""Placement optimiser benchmark; run by hand: `python benchmarks/placement.py [--sizes 10 100 1000]`.

Specs of N compute groups with 2N flows, placed over the full bundled catalog (every cloud and
region, no policy): requirements drawn from a realistic mix (90% CPU groups from 2 to 64
vCPUs at 2-8 GiB per vCPU, 10% GPU groups from T4:1 to H100:8; 1-6 VMs; 20% spot), flows
between random pairs (lognormal volume, median ~400 GB/month). A flow between two compute
groups needs a private link, so its placement pays for VPN links and gateways; `--unlinked`
drops that (data flows that only cost egress). Prints the time to build the candidates, the
solve time (the target: 1,000 groups under 10 s), how much of the problem pruning and
reduced-cost fixing left, and the greedy/optimal cost ratio. Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from typing import Any

import yaml

from skyinfra.catalog.vms import Catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.place import problem_of
from skyinfra.placement.solver import greedy, solve_with_stats

CPU = [("2+", "4+"), ("2+", "8+"), ("4+", "8+"), ("4+", "16+"), ("8+", "32+"), ("8+", "64+")]
CPU += [("16+", "32+"), ("16+", "64+"), ("32+", "128+"), ("48+", "192+"), ("64+", "256+")]
GPU = ["T4:1", "T4:4", "L4:1", "V100:1", "A100:1", "A100:8", "H100:8"]


def make_spec(groups: int, rng: random.Random) -> dict[str, Any]:
    compute: dict[str, Any] = {}
    for i in range(groups):
        if rng.random() < 0.1:
            resources = {"accelerators": rng.choice(GPU)}
        else:
            cpus, memory = rng.choice(CPU)
            resources = {"cpus": cpus, "memory": memory}
        group = {"network": "core", "count": rng.randint(1, 6), "resources": resources}
        if rng.random() < 0.2:
            group["spot"] = True
        compute[f"g{i:04d}"] = group
    names = list(compute)
    flows = []
    for _ in range(2 * groups):
        source, target = rng.sample(names, 2)
        gb = round(min(rng.lognormvariate(6.0, 1.2), 20_000.0), 1)
        flows.append({"from": source, "to": target, "gb_per_month": gb})
    return {"name": "bench", "networks": {"core": {}}, "compute": compute, "flows": flows}


def run(groups: int, args: argparse.Namespace, seed: int, catalog: Catalog) -> None:
    spec = parse_spec(yaml.safe_dump(make_spec(groups, random.Random(seed))))
    start = time.perf_counter()
    problem = problem_of(spec, catalog)
    if args.unlinked:
        flows = [dataclasses.replace(f, linked=False) for f in problem.flows]
        problem = dataclasses.replace(problem, flows=flows)
    built = time.perf_counter() - start
    best, stats = solve_with_stats(problem, args.time_limit)
    base = greedy(problem)
    print(
        f"{groups:>6} {stats.options:>8} {stats.kept:>6} {stats.rounds:>6} {stats.link_cuts:>6}"
        f" {built:>9.2f} {stats.seconds:>8.2f} {base.total:>12.0f} {best.total:>12.0f}"
        f" {base.total / best.total:>7.4f}"
        f"{'' if stats.optimal else f'  (time limit: best found, bound {stats.bound:.0f})'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--seeds", type=int, default=1, help="specs per size")
    parser.add_argument("--unlinked", action="store_true", help="flows need no private link")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    args = parser.parse_args()
    catalog = Catalog.bundled()
    print(
        f"full bundled catalog, {'unlinked' if args.unlinked else 'linked'} flows\n"
        f"{'groups':>6} {'options':>8} {'kept':>6} {'rounds':>6} {'cuts':>6}"
        f" {'build s':>9} {'solve s':>8} {'greedy $':>12} {'optimal $':>12} {'ratio':>7}"
    )
    for size in args.sizes:
        for seed in range(args.seeds):
            run(size, args, seed, catalog)


if __name__ == "__main__":
    main()
