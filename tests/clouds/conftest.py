"""Fixtures of the contract suites (tests/clouds/contract.py): a `cloud` per registered cloud,
a `pair` per pair of them, and what each previews, cached (one mock-engine run per input).

Everything is derived from the registry and the catalog, never from a list of clouds: the
sites are the regions of a cloud's cheapest NVIDIA GPU offers (else its first regions), the
instance types are what placement picks there, and the accounts carry each cloud's required
keys. A cloud added to the registry gets every contract test with no edit here.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from skyinfra.api import Plan
from skyinfra.build import build_topology
from skyinfra.catalog import load_catalog
from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.clouds.base import NON_NVIDIA_ACCELERATORS, is_tpu
from skyinfra.loader import parse_spec
from skyinfra.offer import Offer
from skyinfra.peering.model import INTERCONNECT_READY_KEY, InterconnectLink
from skyinfra.placement.place import place
from skyinfra.preview import Registered, StackPreview, preview_topology
from skyinfra.site import Site

CATALOG = load_catalog(None)
PROJECT = "demo"
EXPOSED = (22, 3389)  # the public bastion's ports: 3389 appears in no other rule
PRIVATE_PORT = 5432  # the private database's port


# -- sites and offers, from the catalog -------------------------------------------------------


def _gpu_offers(cloud: str) -> Iterator[Offer]:
    """Priced x86_64 offers of whole NVIDIA GPUs (Azure's fractional A10 slices are not asked
    for; the specs here ask for the default arch, so AWS's arm64 g5g is not one)."""
    for region in CATALOG.regions(cloud):
        for offer in CATALOG.offers(cloud, region):
            if (
                offer.accelerator
                and offer.accelerator not in NON_NVIDIA_ACCELERATORS
                and not is_tpu(offer.accelerator)
                and offer.price is not None
                and offer.arch == "x86_64"
                and offer.accelerator_count >= 1
                and offer.accelerator_count == int(offer.accelerator_count)
            ):
                yield offer


@cache
def gpu_offer(cloud: str) -> Offer | None:
    """The cloud's cheapest whole-NVIDIA-GPU offer, or None if its catalog has none."""
    return min(
        _gpu_offers(cloud),
        key=lambda o: (o.price, o.region, o.instance_type),
        default=None,
    )


def tpu_offer(cloud: str) -> Offer | None:
    """The cloud's cheapest priced single-VM Cloud TPU offer, or None if its catalog has none."""
    found = (
        o
        for region in CATALOG.regions(cloud)
        for o in CATALOG.offers(cloud, region)
        if o.accelerator and is_tpu(o.accelerator) and o.price is not None
    )
    return min(found, key=lambda o: (o.price or 0.0, o.region, o.instance_type), default=None)


@cache
def regions(cloud: str) -> tuple[str, str]:
    """Two regions of `cloud`: by the price of their cheapest NVIDIA GPU, then by name."""
    best: dict[str, float] = {}
    for offer in _gpu_offers(cloud):
        best[offer.region] = min(best.get(offer.region, offer.price or 0.0), offer.price or 0.0)
    ordered = sorted(CATALOG.regions(cloud), key=lambda r: (r not in best, best.get(r, 0.0), r))
    return ordered[0], ordered[1]


def site(cloud: str, index: int = 0) -> Site:
    return Site(cloud, regions(cloud)[index])


def plain_offer(where: Site) -> Offer:
    """The cheapest priced offer at `where` without any accelerator."""
    return min(
        (o for o in CATALOG.offers(where.cloud, where.region) if not o.accelerator and o.price),
        key=lambda o: (o.price or 0.0, o.instance_type),
    )


# -- specs --------------------------------------------------------------------------------------


def _accounts(clouds: set[str]) -> str:
    """`accounts:` with every required key of the clouds used set to a placeholder."""
    entries = [
        f"{c}: {{{', '.join(f'{k}: {PROJECT}-{k}' for k in sorted(keys))}}}"
        for c in sorted(clouds)
        if (keys := get_cloud(c).required_account_keys)
    ]
    return f"accounts: {{{', '.join(entries)}}}\n" if entries else ""


def _at(where: Site) -> str:
    return f"placement: {{cloud: {where.cloud}, region: {where.region}}}"


def spec(body: str, *sites: Site) -> str:
    return f"name: {PROJECT}\n{_accounts({s.cloud for s in sites})}{body}"


def stack_spec(cloud: str) -> str:
    """Everything one cloud stack lowers, in one spec (one preview per cloud) on network
    `core`: bucket `datasets` (protected) and `scratch` (`protect: false`); group `api` (2
    VMs, ports 22 and 443 from trusted ranges), a public bastion (SSH, RDP) and a private
    database; and, where the catalog has an NVIDIA GPU, group `gpu` asking for it."""
    here = site(cloud)
    ports = ", ".join(map(str, EXPOSED))
    cpus = f"resources: {{cpus: 2}}, {_at(here)}"
    offer = gpu_offer(cloud)
    return spec(
        "networks: {core: {}}\n"
        f"buckets:\n  datasets: {{{_at(here)}}}\n  scratch: {{{_at(here)}, protect: false}}\n"
        "compute:\n"
        f"  api: {{network: core, count: 2, ports: [22, 443], {cpus}}}\n"
        f"  bastion: {{network: core, ports: [{ports}], public: true, {cpus}}}\n"
        f"  db: {{network: core, ports: [{PRIVATE_PORT}], {cpus}}}\n"
        + (_gpu_group(offer) if offer is not None else ""),
        here,
    )


GRANTED = {("datasets", "read"), ("results", "write"), ("scratch", "admin")}


def grants_spec(cloud: str, bucket_site: Site | None = None) -> str:
    """Group `trainer` reads `datasets` (a flow in), writes `results` (a flow out) and is
    granted admin on `scratch`; group `idle` has no flow and no grant. Buckets at `site(cloud)`,
    `datasets` at `bucket_site` if given (another stack, maybe another cloud)."""
    here = site(cloud)
    there = bucket_site or here
    cpus = f"resources: {{cpus: 2}}, {_at(here)}"
    return spec(
        "networks: {core: {}}\n"
        f"buckets:\n  datasets: {{{_at(there)}}}\n  results: {{{_at(here)}}}\n"
        f"  scratch: {{{_at(here)}}}\n"
        "compute:\n"
        f"  trainer: {{network: core, {cpus}, grants: [{{bucket: scratch, access: admin}}]}}\n"
        f"  idle: {{network: core, {cpus}}}\n"
        "flows:\n  - {from: datasets, to: trainer, gb_per_month: 100}\n"
        "  - {from: trainer, to: results, gb_per_month: 10}\n",
        here,
        there,
    )


def _gpu_group(offer: Offer, instance_type: str | None = None) -> str:
    """Group `gpu` asking for `offer`'s GPUs, at its site, on `instance_type` if given."""
    typed = f"instance_type: {instance_type}, " if instance_type else ""
    gpus = f"{offer.accelerator}:{int(offer.accelerator_count)}"
    where = _at(Site(offer.cloud, offer.region))
    return f'  gpu: {{network: core, {typed}resources: {{accelerators: "{gpus}"}}, {where}}}\n'


def gpu_spec(offer: Offer, instance_type: str) -> str:
    """Only group `gpu`, asking for `offer`'s GPUs on `instance_type`."""
    here = Site(offer.cloud, offer.region)
    return spec(f"networks: {{core: {{}}}}\ncompute:\n{_gpu_group(offer, instance_type)}", here)


def linked_spec(a: Site, b: Site, mode: str) -> str:
    """A group on each site of network `core`, a flow between them, `peering.mode`; in `vpn`
    mode also a bucket on each site replicated to the other's group where the clouds' facts
    allow it (one direction for two regions of one cloud): one project per pair."""
    buckets = [
        f"  {name}: {{{_at(source)}, size_gb: 1000, replicate_to: [{group}]}}\n"
        for name, source, target, group in directions(a, b)
        if mode == "vpn" and replicable(source, target)
    ]
    return spec(
        "networks: {core: {}}\n"
        + ("buckets:\n" + "".join(buckets) if buckets else "")
        + "compute:\n"
        f"  vm-a: {{network: core, ports: [22], {_at(a)}}}\n"
        f"  vm-b: {{network: core, ports: [22], {_at(b)}}}\n"
        "flows:\n  - {from: vm-a, to: vm-b, gb_per_month: 10}\n"
        f"peering: {{mode: {mode}, links: auto}}\n",
        a,
        b,
    )


def directions(a: Site, b: Site) -> list[tuple[str, Site, Site, str]]:
    """(bucket, its site, the replica's site, the group it follows) of each replication
    direction between the two sites of a pair."""
    both = [("there", a, b, "vm-b"), ("back", b, a, "vm-a")]
    return both[:1] if a.cloud == b.cloud else both


def replicable(source: Site, target: Site) -> bool:
    """Whether the clouds' `ReplicationFacts` offer a mover from `source` into `target`."""
    if source.cloud == target.cloud:
        return True
    issued = get_cloud(source.cloud).replication.issues
    return any(kind in issued for kind in get_cloud(target.cloud).replication.reads)


def replication_spec(source: Site, target: Site) -> str:
    """Only bucket `src` at `source`, replicated next to bucket `dst` at `target`."""
    return spec(
        "buckets:\n"
        f"  src: {{{_at(source)}, size_gb: 1000, replicate_to: [dst]}}\n"
        f"  dst: {{{_at(target)}}}\n",
        source,
        target,
    )


# -- plans and previews -------------------------------------------------------------------------


@cache
def plan_of(text: str) -> Plan:
    """Load, place and plan a spec text (errors propagate: refusals are results)."""
    parsed = parse_spec(text)
    placement = place(parsed, CATALOG)
    return Plan(parsed, text, "sky.yaml", placement, build_topology(parsed, placement), CATALOG)


@dataclass(frozen=True)
class Project:
    """A planned spec and the preview of each of its stacks, by stack name."""

    plan: Plan
    stacks: dict[str, StackPreview]

    def cloud_stack(self, where: Site) -> StackPreview:
        return self.stacks[where.stack]

    def of_kind(self, prefix: str) -> list[StackPreview]:
        """Stacks whose name starts with `prefix` (`peer-`, `repl-`)."""
        return [p for name, p in self.stacks.items() if name.startswith(prefix)]

    def resources(self) -> Iterator[Registered]:
        for p in self.stacks.values():
            yield from p.resources


def config_values(keys: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A distinct placeholder per `skyinfra:` key the user must set (interconnect ordering),
    each in its own edge availability domain (`-zone<k>-`)."""
    return {f"skyinfra:{key}": f"loc-zone{k}-1" for k, (key, _) in enumerate(keys, start=1)}


@cache
def project(text: str, ready: bool = False) -> Project:
    """Every stack of `text` previewed; with `ready`, interconnects in phase 2 with their
    ordering config set."""
    plan = plan_of(text)
    configs = plan.stack_configs()
    if ready:
        for link in plan.topology.links.links:
            if not isinstance(link, InterconnectLink):
                continue
            extra = {**config_values(link.config), f"skyinfra:{INTERCONNECT_READY_KEY}": "true"}
            configs[link.stack] = {**configs.get(link.stack, {}), **extra}
    previews = preview_topology(plan.topology, configs)
    return Project(plan, {p.name: p for p in previews})


# -- what the engine received, read generically -------------------------------------------------


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar inside `value` (dicts' values, lists' items), depth first."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def text(value: Any) -> str:
    """A scalar as text; whole numbers without the `.0` the wire's doubles give them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def texts(resources: list[Registered]) -> set[str]:
    """Every input and output scalar of `resources`, as text."""
    return {text(x) for r in resources for x in leaves([r.inputs, r.outputs])}


def of_cloud(p: StackPreview, cloud: str) -> list[Registered]:
    """`p`'s resources of `cloud`'s providers (its namespaces, providers excluded)."""
    prefix = tuple(f"{n}:" for n in get_cloud(cloud).namespaces())
    return [r for r in p.resources if r.type.startswith(prefix)]


def children(p: StackPreview, component: Registered) -> list[Registered]:
    return [r for r in p.resources if r.parent == component.urn]


# -- fixtures -----------------------------------------------------------------------------------


def _pair_id(pair: tuple[str, str]) -> str:
    return "-".join(pair)


PAIRS = list(itertools.combinations_with_replacement(cloud_names(), 2))


@pytest.fixture(scope="session", params=cloud_names())
def cloud(request: pytest.FixtureRequest) -> str:
    """Each registered cloud's name."""
    name: str = request.param
    return name


@pytest.fixture(scope="session", params=PAIRS, ids=_pair_id)
def pair(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Each pair of registered clouds (a cloud with itself: two of its regions)."""
    found: tuple[str, str] = request.param
    return found


@pytest.fixture(scope="session")
def sites(pair: tuple[str, str]) -> tuple[Site, Site]:
    """The pair's two sites: each cloud's first region, or a cloud's first two regions."""
    a, b = pair
    return site(a), site(b, 1 if a == b else 0)


# -- known gaps ---------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the contract tests a cloud is known to fail, as its own test module declares in
    `CONTRACT_GAPS` (test name -> the bug): strict xfails, so a fix shows as a pass to record."""
    for item in items:
        if not isinstance(item, pytest.Function) or not _in_cloud_contract(item):
            continue
        name = item.callspec.params.get("cloud")
        if not isinstance(name, str):
            continue
        own = f"tests.clouds.test_{name}"
        try:
            module = importlib.import_module(own)
        except ModuleNotFoundError as error:
            if error.name != own:
                raise
            continue
        reason = getattr(module, "CONTRACT_GAPS", {}).get(item.originalname)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def _in_cloud_contract(item: pytest.Function) -> bool:
    """Whether `item` is a test of a `CloudContract` subclass run for one cloud."""
    classes = item.cls.__mro__ if item.cls is not None else ()
    return hasattr(item, "callspec") and any(c.__name__ == "CloudContract" for c in classes)
