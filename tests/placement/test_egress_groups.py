"""The optimiser prices flows within a cloud by region group (continent), through the one
formula the plan reports with (`catalog.network.egress_cost`)."""

from __future__ import annotations

import pytest

from skyinfra.catalog import load_catalog
from skyinfra.loader import parse_spec
from skyinfra.placement.decision import Decision
from skyinfra.placement.explain import flow_costs
from skyinfra.placement.place import place
from skyinfra.site import Site

CATALOG = load_catalog(None)
DATA = Site("gcp", "europe-west4")

SPEC = f"""\
name: demo
accounts: {{gcp: {{project: p}}}}
networks: {{core: {{}}}}
buckets:
  data: {{placement: {{cloud: gcp, region: {DATA.region}}}}}
compute:
  job: {{resources: {{cpus: "4+", memory: "16+"}}, placement: {{cloud: gcp}}}}
flows:
  - {{from: data, to: job, gb_per_month: GB}}
"""


def _job(gb: int) -> tuple[Decision, float]:
    """Where `job` goes with `gb`/month from the bucket, and what the plan says it costs."""
    placement = place(parse_spec(SPEC.replace("GB", str(gb))), CATALOG)
    (row,) = flow_costs(placement)
    return placement.decisions["job"], row.monthly_cost


def test_a_flow_worth_more_than_the_vm_saving_keeps_the_group_on_the_datas_continent() -> None:
    """1 TB/month. The cheapest 4-vCPU VM is in Asia ($81.42 against $107.70 beside the
    data): at a single inter-region rate (0.02/GB, $20) Asia won; at GCP's intercontinental
    0.08/GB ($80) staying in Europe, here beside the data, is cheaper."""
    job, cost = _job(1000)
    assert CATALOG.egress.group(job.site) == CATALOG.egress.group(DATA)
    assert (job.site, cost) == (DATA, 0.0)


def test_a_light_flow_goes_to_the_cheapest_vm_and_pays_the_intercontinental_rate() -> None:
    job, cost = _job(10)
    assert CATALOG.egress.group(job.site) != CATALOG.egress.group(DATA)
    assert cost == pytest.approx(10 * 0.08)  # GCP intercontinental (Skyplane)
    assert cost == pytest.approx(CATALOG.egress.cost(DATA, job.site, 10))
