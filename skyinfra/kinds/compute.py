"""The compute kind: a managed group of identical VMs, placed by the optimiser.

Its candidates are the cheapest fitting offer at each allowed site
(`placement.candidates.compute_options`); a re-planned group keeps its locked instance type
while it still fits; the chosen sites must have the group's image and accept its SSH key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyinfra.catalog.vms import Catalog
from skyinfra.clouds import Cloud, get_cloud
from skyinfra.diagram import Node, NodeStyle, money, network_id, resource_id
from skyinfra.errors import KeyPath, Problem, SpecError
from skyinfra.grants import cycle_problems, grant_problems, grants_of
from skyinfra.guardrails.model import Intent
from skyinfra.kinds.base import Kind, PlanInputs, unknown_name
from skyinfra.offer import Offer
from skyinfra.placement.candidates import Scope, compute_options, monthly_cost
from skyinfra.placement.decision import Decision
from skyinfra.placement.problem import Option
from skyinfra.site import Site
from skyinfra.spec import Compute, Spec
from skyinfra.suggest import did_you_mean
from skyinfra.tokens import COMPUTE_TOKEN
from skyinfra.topology import ComputePlan, Grant, StackPlan, component_name, resource_labels
from skyinfra.units import HOURS_PER_MONTH

TIMES = "\N{MULTIPLICATION SIGN}"  # instance type times count


class ComputeKind(Kind):
    """Compute groups: priced by their VMs' hourly price; attached to a network."""

    def reference_problems(self, spec: Spec, known: Mapping[str, Any]) -> list[Problem]:
        """Each group names a network that exists (or the spec has exactly one)."""
        problems = []
        for name, group in spec.compute.items():
            path: KeyPath = ("compute", name, "network")
            if group.network is None and len(spec.networks) != 1:
                choices = ", ".join(spec.networks) or "add one under `networks:`"
                problems.append(
                    Problem(
                        "a compute group needs `network:`", ("compute", name), f"one of: {choices}"
                    )
                )
            elif group.network is not None and group.network not in spec.networks:
                problems.append(unknown_name("network", group.network, list(spec.networks), path))
            elif group.public and spec.networks[spec.network_of(name)].egress == "none":
                problems.append(_public_without_egress(name, spec.network_of(name)))
        return problems + grant_problems(spec)

    def options(self, spec: Spec, name: str, scope: Scope, catalog: Catalog) -> list[Option]:
        return compute_options(name, spec.compute[name], scope, catalog)

    def decide(self, spec: Spec, name: str, option: Option) -> Decision:
        offer: Offer = option.payload
        group = spec.compute[name]
        hourly = offer.hourly(group.spot)
        return Decision(
            name,
            self.name,
            option.site,
            instance_type=offer.instance_type,
            hourly_cost=None if hourly is None else round(hourly * group.count, 6),
        )

    def monthly_cost(self, decision: Decision) -> float | None:
        hourly = decision.hourly_cost
        return None if hourly is None else round(hourly * HOURS_PER_MONTH, 2)

    def keep_offer(
        self, spec: Spec, catalog: Catalog, name: str, old: Decision, option: Option
    ) -> Option:
        """A price change must not swap a group's VMs: keep the locked type while it fits."""
        if old.instance_type in (None, option.payload.instance_type):
            return option
        group = spec.compute[name]
        fitting = catalog.matching(old.site.cloud, old.site.region, group.resources, group.spot)
        offer = next((o for o in fitting if o.instance_type == old.instance_type), None)
        if offer is None or group.instance_type is not None:
            return option
        return Option(option.site, monthly_cost(offer, group), offer)

    def placement_problems(self, spec: Spec, decisions: Mapping[str, Decision]) -> list[Problem]:
        """Image problems first (a wrong image makes the key moot), then SSH key types, then
        stacks whose grants would make them read each other."""
        mine = {n: d for n, d in decisions.items() if d.kind == self.name}
        return (
            _image_problems(spec, mine)
            or _ssh_key_problems(spec, mine)
            or cycle_problems(spec, decisions)
        )

    def plan(self, inputs: PlanInputs, name: str, site: Site) -> ComputePlan:
        group = inputs.spec.compute[name]
        instance_type = inputs.placement.decisions[name].instance_type or ""
        image, custom_image = group.image_for(site.cloud)
        return ComputePlan(
            name=name,
            site=site,
            network=inputs.spec.network_of(name),
            count=group.count,
            instance_type=instance_type,
            accelerator=group.resources.accelerators,
            image=image,
            custom_image=custom_image,
            arch=arch_of(get_cloud(site.cloud), instance_type),
            disk_gb=group.resources.disk_gb,
            spot=group.spot,
            ssh_public_key=group.ssh_public_key,
            ports=tuple(sorted(set(group.ports))),
            public=group.public,
            labels=resource_labels(
                inputs.spec.name, name, inputs.spec.labels_of(self.section, name)
            ),
            startup_script=group.script,
            grants=grants_of(inputs.spec, inputs.placement.decisions, name),
        )

    def granted(self, plan: ComputePlan) -> tuple[Grant, ...]:
        return plan.grants_within + plan.grants_federated

    def attached_to(self, plan: ComputePlan) -> tuple[str, str] | None:
        return ("network", plan.network)

    def report_row(self, spec: Spec, decision: Decision) -> dict[str, Any]:
        return {
            "instance_type": decision.instance_type,
            "count": spec.compute[decision.name].count,
            "hourly_cost": decision.hourly_cost,
        }

    def graph_nodes(
        self, plans: tuple[Any, ...], stack: StackPlan, report: Mapping[str, Any]
    ) -> list[Node]:
        return [_node(g, report["placements"][g.name]) for g in plans]

    def intent(self, project: str, stack: StackPlan, plan: ComputePlan) -> Intent:
        """The ports it opens to the internet, and its public IPs, on purpose (`public: true`)."""
        key = (stack.name, component_name(project, plan.name))
        public = frozenset({key}) if plan.public else frozenset()
        return Intent(public_ports={key: frozenset(plan.public_ports)}, public_groups=public)


def arch_of(cloud: Cloud, instance_type: str) -> str:
    """CPU architecture of an instance type, by the cloud's naming rules."""
    return "arm64" if cloud.is_arm64(instance_type) else "x86_64"


def _node(group: ComputePlan, row: Mapping[str, Any]) -> Node:
    lines = [
        group.name,
        f"{group.instance_type} {TIMES} {group.count}" + (" (spot)" if group.spot else ""),
    ]
    lines.append(money(row["monthly_cost"]))
    cluster = network_id(group.network, group.site)
    return Node(resource_id(group.name, group.site.stack), tuple(lines), "compute", cluster)


def _image_problems(spec: Spec, decisions: Mapping[str, Decision]) -> list[Problem]:
    """Each group's image exists on its cloud for its instance type's arch; NVIDIA GPU groups
    need the cloud's driver variant of it; a user's own images are well-formed references."""
    problems = [p for name in spec.compute for p in _custom_image_problems(spec, name)]
    for name, d in decisions.items():
        cloud, group = get_cloud(d.site.cloud), spec.compute[name]
        image, custom = group.image_for(cloud.name)
        arch = arch_of(cloud, d.instance_type or "")
        path: KeyPath = ("compute", name, "image")
        if custom is not None:
            continue
        if (image, arch) not in cloud.images:
            hint = (
                did_you_mean(image, cloud.image_names)
                or f"known images: {', '.join(cloud.image_names)}"
            )
            problems.append(
                Problem(f"image {image!r} ({arch}) is not available on {cloud.name}", path, hint)
            )
        elif (image, arch) not in cloud.gpu_images and cloud.has_nvidia_gpus(
            d.instance_type or "", group.resources.accelerators
        ):
            problems.append(_no_gpu_image(cloud, image, arch, path))
    return problems


def _ssh_key_problems(spec: Spec, decisions: Mapping[str, Decision]) -> list[Problem]:
    """A group's SSH key is of a type its cloud accepts (EC2 and Azure refuse ECDSA)."""
    problems = []
    for name, d in decisions.items():
        key = spec.compute[name].ssh_public_key
        cloud = get_cloud(d.site.cloud)
        kind = key.split()[0] if key else None
        if kind is not None and kind not in cloud.ssh_key_types:
            problems.append(
                Problem(
                    f"{cloud.name} does not accept {kind} keys",
                    ("compute", name, "ssh_public_key"),
                    f"use a key of type {' or '.join(cloud.ssh_key_types)} "
                    "(`ssh-keygen -t ed25519`)",
                )
            )
    return problems


def _no_gpu_image(cloud: Cloud, image: str, arch: str, path: KeyPath) -> Problem:
    with_driver = sorted(n for n, a in cloud.gpu_images if a == arch)
    choices = f"use {' or '.join(with_driver)}, or " if with_driver else ""
    return Problem(
        f"image {image!r} ({arch}) has no NVIDIA-driver variant on {cloud.name}, and the "
        "group's GPUs need the driver",
        path,
        f"{choices}give your own image with the driver: `image: {{{cloud.name}: "
        f"{cloud.custom_image_format}}}`",
    )


def _custom_image_problems(spec: Spec, name: str) -> list[Problem]:
    """`image: {<cloud>: <reference>}`: known clouds, references in each cloud's format."""
    given = spec.compute[name].image
    if not isinstance(given, dict):
        return []
    problems: list[Problem] = []
    for cloud_name, reference in given.items():
        path: KeyPath = ("compute", name, "image", cloud_name)
        try:
            cloud = get_cloud(cloud_name, path)
        except SpecError as err:
            problems.extend(err.problems)
            continue
        reason = cloud.custom_image_problem(reference)
        if reason:
            problems.append(Problem(reason, path, f"use {cloud.custom_image_format}"))
    return problems


COMPUTE = ComputeKind(
    name="compute",
    section="compute",
    title="compute group",
    model=Compute,
    plan_type=ComputePlan,
    token=COMPUTE_TOKEN,
    output_key="compute",
    draw_order=1,
    styles={
        "compute": NodeStyle(
            {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff2cc"},
            ('["', '"]'),
            "fill:#fff2cc,stroke:#7f6000",
        )
    },
)


def _public_without_egress(group: str, network: str) -> Problem:
    """A public group needs an internet route, which `egress: none` rules out."""
    return Problem(
        f"compute group {group!r} is `public: true` but its network {network!r} has "
        "`egress: none` (no internet route at all)",
        ("compute", group, "public"),
        f"drop `public: true`, or set `networks.{network}.egress: nat`",
    )
