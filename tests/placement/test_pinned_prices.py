"""A pinned instance type is priced like the same offer unpinned (issue 14 §7).

Both come from the offers the cloud builds from its catalog rows (`Catalog.offer_for`), so
GCP's separately priced GPUs are part of a pinned N1 host's price as of a searched one.
"""

from __future__ import annotations

import pytest

from skyinfra.clouds import cloud_names
from skyinfra.errors import SpecError
from skyinfra.kinds import monthly_cost
from skyinfra.placement.decision import Decision
from skyinfra.site import Site
from skyinfra.spec import Resources
from tests.clouds.conftest import CATALOG, gpu_offer, plan_of, site, spec

COUNT = 3
CASES = [(cloud, gpus) for cloud in cloud_names() for gpus in (False, True)]


def _request(cloud: str, gpus: bool) -> tuple[Site, str]:
    """Where to place, and the `resources` mapping: the cloud's cheapest NVIDIA GPU offer's
    GPUs at its region, or a CPU-only request at the cloud's first test site."""
    if not gpus:
        return site(cloud), '{cpus: "2+", memory: "8+"}'
    offer = gpu_offer(cloud)
    if offer is None:
        pytest.skip(f"the {cloud} catalog has no NVIDIA GPU to ask for")
    gpu = f"{offer.accelerator}:{int(offer.accelerator_count)}"
    return Site(offer.cloud, offer.region), f'{{accelerators: "{gpu}"}}'


def _decision(
    where: Site, resources: str, instance_type: str | None = None, count: int = COUNT
) -> Decision:
    """Group `web` (`count` VMs) asking `resources` at `where`, on `instance_type` if given."""
    typed = f"instance_type: {{{where.cloud}: {instance_type}}}, " if instance_type else ""
    group = (
        f"  web: {{count: {count}, {typed}resources: {resources}, "
        f"placement: {{cloud: {where.cloud}, region: {where.region}}}}}\n"
    )
    text = spec(f"networks: {{core: {{}}}}\ncompute:\n{group}", where)
    return plan_of(text).placement.decisions["web"]


@pytest.mark.parametrize(("cloud", "gpus"), CASES)
def test_pinning_the_type_the_search_chose_keeps_its_price(cloud: str, gpus: bool) -> None:
    where, resources = _request(cloud, gpus)
    unpinned = _decision(where, resources)
    assert unpinned.instance_type is not None
    pinned = _decision(where, resources, unpinned.instance_type)
    assert pinned.instance_type == unpinned.instance_type
    assert unpinned.hourly_cost
    assert pinned.hourly_cost == unpinned.hourly_cost
    assert monthly_cost(pinned) == monthly_cost(unpinned)


@pytest.mark.parametrize(("cloud", "gpus"), CASES)
def test_every_fitting_type_pinned_costs_its_catalog_offer(cloud: str, gpus: bool) -> None:
    """Not only the cheapest: each of the first few types a search would accept, pinned,
    costs that offer's full price (host and GPUs) times the count."""
    where, resources = _request(cloud, gpus)
    wanted = Resources.model_validate(
        {"accelerators": resources.split('"')[1]}
        if gpus
        else {"cpus": "2+", "memory": "8+"}  # as `_request` asks
    )
    fitting = CATALOG.matching(where.cloud, where.region, wanted, False)[:4]
    assert fitting
    for offer in fitting:
        decision = _decision(where, resources, offer.instance_type)
        assert offer.price is not None
        assert decision.hourly_cost == pytest.approx(offer.price * COUNT), offer.instance_type


GCP_V100 = (
    '{accelerators: "V100:1"}',
    Site("gcp", "us-central1"),
)


@pytest.mark.parametrize("instance_type", [None, "n1-standard-1"])
def test_a_pinned_gcp_n1_host_carries_its_gpu_price(instance_type: str | None) -> None:
    """The issue's case: n1-standard-1 with a V100 is $1,845.07/month in us-central1 pinned
    or not (the host alone, $34.67, is what the pinned path used to charge)."""
    resources, where = GCP_V100
    decision = _decision(where, resources, instance_type, count=1)
    assert decision.instance_type == "n1-standard-1"
    # gcp.csv us-central1: n1-standard-1 0.0475 $/h + the accelerator-only row V100,1 2.48 $/h.
    assert decision.hourly_cost == pytest.approx(0.0475 + 2.48)
    assert monthly_cost(decision) == 1845.07


def test_a_pinned_type_that_cannot_carry_the_gpus_is_no_candidate() -> None:
    """Outside a pinned site, a type the catalog lists only without the GPUs asked for (an
    N1 host over V100:1's 12-vCPU limit) is not offered at its host-only price."""
    resources, where = GCP_V100
    group = f"  web: {{instance_type: n1-standard-16, resources: {resources}, placement: {{cloud: gcp}}}}\n"
    with pytest.raises(SpecError, match="offers instance type n1-standard-16 with V100:1"):
        plan_of(spec(f"networks: {{core: {{}}}}\ncompute:\n{group}", where))
