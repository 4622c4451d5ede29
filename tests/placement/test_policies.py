"""Each placement policy's effect, infeasibility messages, and optimality on a real spec."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from skyinfra.catalog import load_catalog
from skyinfra.errors import SpecError
from skyinfra.loader import load_spec, parse_spec
from skyinfra.placement.place import place
from skyinfra.placement.problem import evaluate
from skyinfra.placement.solver import brute_force

CATALOG = load_catalog(None)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HEAD = "name: demo\naccounts: {gcp: {project: p}}\nnetworks: {core: {}}\n"


def plan(body: str):  # type: ignore[no-untyped-def]
    return place(parse_spec(HEAD + body), CATALOG)


def test_policy_clouds_limit_where_groups_go() -> None:
    p = plan('policy: {clouds: [gcp]}\ncompute:\n  web: {resources: {cpus: "4+", memory: "16+"}}\n')
    assert p.site_of("web").cloud == "gcp"


def test_the_cheapest_site_wins_without_other_costs() -> None:
    p = plan('compute:\n  web: {resources: {cpus: "4+", memory: "16+"}}\n')
    cheapest = min(
        (
            o
            for c in ("aws", "gcp", "azure")
            for r in CATALOG.regions(c)
            for o in CATALOG.matching(
                c,
                r,
                parse_spec(HEAD + 'compute:\n  web: {resources: {cpus: "4+", memory: "16+"}}\n')
                .compute["web"]
                .resources,
                False,
            )[:1]
        ),
        key=lambda o: o.price or 0,
    )
    assert p.decisions["web"].hourly_cost == pytest.approx(cheapest.price)


def test_region_globs_of_policy_and_resource_both_apply() -> None:
    p = plan(
        'policy: {regions: ["eu-*", "europe-*"]}\ncompute:\n  web: {resources: {cpus: "4+"}, placement: {regions: ["eu-*"]}}\n'
    )
    site = p.site_of("web")
    assert site.cloud == "aws" and fnmatch.fnmatch(site.region, "eu-*")


def test_geo_narrows_to_the_jurisdiction() -> None:
    p = plan('compute:\n  web: {resources: {cpus: "4+"}, placement: {geo: [ch]}}\n')
    assert "ch" in CATALOG.geo_tags(p.site_of("web").cloud, p.site_of("web").region)


def test_colocate_with_puts_both_in_one_site() -> None:
    p = plan(
        'compute:\n  web: {resources: {cpus: "4+"}, placement: {cloud: azure, region: westeurope}}\n'
        '  worker: {resources: {cpus: "2+"}, placement: {colocate_with: web}}\n'
    )
    assert p.site_of("worker") == p.site_of("web")


def test_avoid_puts_a_replica_on_another_cloud() -> None:
    p = plan(
        'compute:\n  a: {resources: {cpus: "4+"}}\n  b: {resources: {cpus: "4+"}, placement: {avoid: [a]}}\n'
    )
    assert p.site_of("a").cloud != p.site_of("b").cloud


def test_max_hourly_price_excludes_dearer_offers() -> None:
    p = plan(
        'compute:\n  gpu: {resources: {accelerators: "T4:1"}, placement: {max_hourly_price: 0.6}}\n'
    )
    assert (p.decisions["gpu"].hourly_cost or 0) <= 0.6


def test_max_hourly_price_too_low_names_the_cheapest_offer() -> None:
    with pytest.raises(SpecError, match=r"costs at most \$0.01/h per VM") as err:
        plan(
            'compute:\n  gpu: {resources: {accelerators: "T4:1"}, placement: {max_hourly_price: 0.01}}\n'
        )
    assert "the cheapest is" in str(err.value)


def test_pins_are_honoured() -> None:
    p = plan(
        'compute:\n  web: {resources: {cpus: "4+"}, placement: {cloud: gcp, region: asia-south1}}\n'
    )
    assert p.site_of("web").stack == "gcp-asia-south1"


def test_infeasible_geo_says_which_constraint_emptied_the_set() -> None:
    with pytest.raises(SpecError) as err:
        plan(
            'compute:\n  t: {resources: {accelerators: "H100:8"}, placement: {clouds: [gcp], geo: [ch]}}\n'
        )
    (problem,) = err.value.problems
    assert "no region on [gcp] in geo [ch] offers accelerators=H100:8" in problem.message
    assert problem.hint is not None and problem.hint.startswith("nearest offers:")
    assert problem.path == ("compute", "t", "placement")


def test_unknown_geo_code_suggests_one() -> None:
    with pytest.raises(SpecError, match="did you mean 'eu'"):
        plan('compute:\n  t: {resources: {cpus: "2+"}, placement: {geo: [ue]}}\n')


def test_colocation_without_common_site_is_explained() -> None:
    with pytest.raises(SpecError, match="none in common"):
        plan(
            'compute:\n  a: {resources: {cpus: "2+"}, placement: {cloud: aws, region: us-east-1}}\n'
            '  b: {resources: {cpus: "2+"}, placement: {cloud: gcp, region: us-east1, colocate_with: a}}\n'
        )


def test_egress_pulls_an_unpinned_bucket_next_to_its_reader() -> None:
    p = plan(
        "buckets:\n  data: {size_gb: 100}\n"
        'compute:\n  t: {resources: {cpus: "8+"}, placement: {cloud: gcp, region: europe-west4}}\n'
        "flows:\n  - {from: data, to: t, gb_per_month: 50000}\n"
    )
    assert p.site_of("data") == p.site_of("t")


def test_ml_platform_plan_equals_brute_force() -> None:
    placement = place(load_spec(EXAMPLES / "ml-platform.yaml"), CATALOG)
    assert placement.problem is not None and placement.solution is not None
    best = brute_force(placement.problem)
    assert placement.solution.total == pytest.approx(best.total)
    assert evaluate(placement.problem, placement.solution.choice).total == pytest.approx(best.total)
    assert "eu" in CATALOG.geo_tags(placement.site_of("api").cloud, placement.site_of("api").region)
