"""Compile-path benchmarks; run by hand: `python benchmarks/compile.py [--resources N]`.

1. Load + validate + place + compile a generated spec of N resources (default 1,000) into a
   Pulumi project on disk. Target: under 1 s.
2. Under Pulumi's mock engine, skyinfra's cost per registered cloud resource (neutral
   components, topology, output collection) against registering the very same cloud
   resources directly, with no skyinfra component around them. Target: under 10% overhead.
Prints figures and ratios; asserts nothing (speed is not a unit test).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pulumi
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from skyinfra.api import compile_project, plan_spec
from skyinfra.build import stack_config
from skyinfra.clouds import Context, get_cloud
from skyinfra.preview import SkyMocks, _RecordingMonitor, preview_stack
from skyinfra.topology import StackPlan

SITES = [
    ("aws", "us-east-1"),
    ("aws", "eu-west-1"),
    ("gcp", "us-central1"),
    ("gcp", "europe-west4"),
    ("azure", "westeurope"),
    ("azure", "eastus"),
]
SIZES = [
    '{cpus: "2+", memory: "8+"}',
    '{cpus: "4+", memory: "16+"}',
    '{cpus: "8+"}',
    '{cpus: "16", memory: "64+"}',
]


def generated_spec(resources: int) -> str:
    """Half buckets, half compute groups, spread over six sites and four networks."""
    lines = ["name: bench", "accounts: {gcp: {project: bench-project}}", "networks:"]
    lines += [f"  net{i}: {{}}" for i in range(4)]
    lines.append("buckets:")
    for i in range(resources // 2):
        cloud, region = SITES[i % len(SITES)]
        lines.append(f"  b{i}: {{placement: {{cloud: {cloud}, region: {region}}}, size_gb: {i}}}")
    lines.append("compute:")
    for i in range(resources - resources // 2):
        cloud, region = SITES[i % len(SITES)]
        lines.append(
            f"  c{i}: {{network: net{i % 4}, count: {1 + i % 3}, ports: [22], "
            f"resources: {SIZES[i % len(SIZES)]}, placement: {{cloud: {cloud}, region: {region}}}}}"
        )
    return "\n".join(lines) + "\n"


def time_compile(resources: int, repeats: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(generated_spec(resources))
        times = []
        for i in range(repeats):
            start = time.perf_counter()
            compile_project(spec, Path(tmp) / f"out{i}")
            times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(
        f"compile of {resources} resources: best {best:.3f} s, median {median:.3f} s (target < 1 s)"
    )


def _run_direct(stack: StackPlan) -> int:
    """Register the stack's cloud resources with the same lowering code, minus skyinfra."""
    mocks = SkyMocks(stack.site)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=stack.project, stack=stack.name, preview=False, monitor=monitor
    )
    pulumi.runtime.set_all_config(stack_config(stack))
    cloud = get_cloud(stack.site.cloud)

    def program() -> None:
        networks = {}
        for n in stack.networks:
            name = f"{stack.project}-{n.name}"
            networks[n.name] = cloud.lower(n, Context(None, name, stack))  # type: ignore[arg-type]
        for b in stack.buckets:
            cloud.lower(b, Context(None, f"{stack.project}-{b.name}", stack))  # type: ignore[arg-type]
        for c in stack.compute:
            cloud.lower(c, Context(None, f"{stack.project}-{c.name}", stack, networks[c.network]))  # type: ignore[arg-type]

    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    _sync_await(run_pulumi_func(program))
    return sum(1 for r in monitor.recorded if r.custom)


def _best(fn: Callable[[], int], repeats: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - start)
    return min(times), count


def _interleaved(
    a: Callable[[], int], b: Callable[[], int], repeats: int
) -> tuple[float, int, float, int]:
    """Best times of `a` and `b`, after one warm-up run each, alternating so that neither
    profits from caches the other warmed (the first run of either pays imports)."""
    a(), b()
    times_a, times_b, count_a, count_b = [], [], 0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        count_a = a()
        times_a.append(time.perf_counter() - start)
        start = time.perf_counter()
        count_b = b()
        times_b.append(time.perf_counter() - start)
    return min(times_a), count_a, min(times_b), count_b


def time_overhead(groups: int, repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(generated_spec(groups * len(SITES) * 2))
        plan = plan_spec(spec)
    for stack in plan.topology.stacks[::2]:  # one site per cloud
        config = stack_config(stack)
        sky, n_sky, direct, n_direct = _interleaved(
            lambda s=stack, c=config: sum(
                1 for r in preview_stack(s.project, s, c).resources if r.custom
            ),
            lambda s=stack: _run_direct(s),
            repeats,
        )
        assert n_sky == n_direct, (n_sky, n_direct)
        overhead = (sky - direct) / direct * 100
        print(
            f"{stack.name}: {n_sky} cloud resources; skyinfra {sky / n_sky * 1000:.2f} ms/resource, "
            f"direct {direct / n_direct * 1000:.2f} ms/resource; overhead {overhead:+.1f}% (target < 10%)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--resources", type=int, default=1000, help="resources in the compile benchmark"
    )
    parser.add_argument(
        "--groups", type=int, default=5, help="buckets and groups per site in the mock benchmark"
    )
    args = parser.parse_args()
    time_compile(args.resources)
    time_overhead(args.groups)


if __name__ == "__main__":
    sys.exit(main())
