"""Cross-reference checks of a loaded spec: names unique across kinds, targets exist.

Above the model (`spec.py`) and the resource kinds (`skyinfra.kinds`): the checks every kind
shares loop over the registry, and each kind adds its own (`Kind.reference_problems`).
Problems are collected, each with its key path, rather than stopping at the first.
"""

from __future__ import annotations

import fnmatch

from skyinfra import kinds
from skyinfra.errors import KeyPath, Problem
from skyinfra.kinds.base import unknown_name
from skyinfra.spec import PlacementSpec, Spec


def check_references(spec: Spec) -> list[Problem]:
    """Every cross-reference problem in `spec` (names unique, targets exist), with key paths."""
    known = kinds.workloads(spec)
    return [
        *_duplicate_names(spec),
        *(p for kind in kinds.KINDS for p in kind.reference_problems(spec, known)),
        *_flow_refs(spec),
        *_placement_refs(spec),
    ]


def _duplicate_names(spec: Spec) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for kind in kinds.KINDS:
        for name in kind.resources(spec):
            if name in seen:
                problems.append(
                    Problem(
                        f"name {name!r} is already used in {seen[name]}: names are unique across kinds",
                        (kind.section, name),
                    )
                )
            seen.setdefault(name, kind.section)
    return problems


def _flow_refs(spec: Spec) -> list[Problem]:
    known = kinds.workloads(spec)
    problems = []
    for i, flow in enumerate(spec.flows):
        for key, ref in (("from", flow.source), ("to", flow.to)):
            if ref not in known:
                problems.append(
                    unknown_name(kinds.placed_titles(), ref, list(known), ("flows", i, key))
                )
        if flow.source == flow.to:
            problems.append(Problem("a flow needs two different endpoints", ("flows", i, "to")))
    return problems


def _placement_refs(spec: Spec) -> list[Problem]:
    known = kinds.workloads(spec)
    problems = []
    for kind in kinds.placed_kinds():
        for name, res in kind.resources(spec).items():
            base: KeyPath = (kind.section, name, "placement")
            refs: list[tuple[KeyPath, str]] = [
                ((*base, "avoid", i), ref) for i, ref in enumerate(res.placement.avoid)
            ]
            if res.placement.colocate_with:
                refs.insert(0, ((*base, "colocate_with"), res.placement.colocate_with))
            for path, ref in refs:
                if ref not in known:
                    problems.append(unknown_name("resource", ref, list(known), path))
                elif ref == name:
                    problems.append(Problem("a resource cannot refer to itself", path))
            problems += _contradictions(res.placement, base)
    return problems


def _contradictions(placement: PlacementSpec, base: KeyPath) -> list[Problem]:
    """Keys of one placement that exclude each other, reported at the second one."""
    found = []
    cloud, clouds = placement.cloud, placement.clouds
    if cloud is not None and clouds is not None and cloud not in clouds:
        found.append(
            Problem(
                f"cloud {cloud} is not among clouds [{', '.join(clouds)}]",
                (*base, "clouds"),
                "give `cloud` to pin one cloud or `clouds` to allow several, not both",
            )
        )
    region, regions = placement.region, placement.regions
    if (
        region is not None
        and regions is not None
        and not any(fnmatch.fnmatchcase(region, p) for p in regions)
    ):
        found.append(
            Problem(
                f"region {region} matches none of regions [{', '.join(regions)}]",
                (*base, "regions"),
                "give `region` to pin one region or `regions` to allow several, not both",
            )
        )
    if placement.colocate_with is not None and placement.colocate_with in placement.avoid:
        i = placement.avoid.index(placement.colocate_with)
        found.append(
            Problem(
                f"{placement.colocate_with!r} is both in colocate_with (same site) and in avoid "
                "(another cloud)",
                (*base, "avoid", i),
            )
        )
    return found
