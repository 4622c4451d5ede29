"""The cloud contract as abstract test suites, in the way of fsspec's `tests/abstract/`.

`CloudContract` holds every test one cloud must pass, `PairContract` every test two clouds
(or two regions of one cloud) must pass together. Neither is collected here (their names do
not start with `Test`): tests/clouds/test_cloud_contract.py and test_pair_contract.py subclass
them, and the `cloud` / `pair` fixtures of tests/clouds/conftest.py run them over
`cloud_names()` and every pair of it. The tests read only public pieces: specs planned and
previewed under the mock engine, the registry's `Cloud` facts, its fakes and guardrail table.

An expected refusal is a valid result (sqlglot's `validate_all` with `UnsupportedError`): a
feature a cloud declares in `Cloud.UNSUPPORTED` must be refused at plan time, worded from
that entry; a link or replication the clouds' facts say cannot be made must be refused with
the reason those facts give.
"""

from __future__ import annotations

import ast
import base64
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import get_type_hints

import pytest

from skyinfra.api import plan_spec
from skyinfra.clouds import Cloud, cloud_names, get_cloud
from skyinfra.clouds.base import CONTRACT, GPU_ATTACH, NAT_PER_ZONE, TPU
from skyinfra.clouds.fakes import CloudFakes
from skyinfra.clouds.gcp import tpus
from skyinfra.clouds.records import (
    ByCredential,
    FillFromForeign,
    InterconnectHalf,
    IssueCredential,
    LinkSide,
    LoginTrace,
    NoLoweringError,
    PeeringPair,
    Reader,
    ReplicateWithin,
)
from skyinfra.components import (
    BUCKET_TOKEN,
    COMPUTE_TOKEN,
    GATEWAY_TOKEN,
    NATIVE_PEERING_TOKEN,
    NETWORK_TOKEN,
)
from skyinfra.errors import KeyPath, Problem, SpecError, UnsupportedError
from skyinfra.guardrails.check import check_previews, resource_of
from skyinfra.guardrails.table import CloudGuardrails
from skyinfra.peering.links import tunnel_count
from skyinfra.peering.model import InterconnectLink, NativePeering, VpnGateway, VpnLink
from skyinfra.preview import Registered, StackPreview
from skyinfra.report import plan_report
from skyinfra.site import Site
from skyinfra.spec import replica_name
from skyinfra.stacks import reads
from skyinfra.tokens import REPLICATION_TOKEN
from skyinfra.topology import (
    PROJECT_LABEL,
    RESOURCE_LABEL,
    BucketPlan,
    ComputePlan,
    NetworkPlan,
)
from tests.clouds import labelled
from tests.clouds.conftest import (
    CATALOG,
    EXPOSED,
    GRANTED,
    PROJECT,
    Project,
    children,
    directions,
    gpu_offer,
    gpu_spec,
    grants_spec,
    leaves,
    linked_spec,
    of_cloud,
    plain_offer,
    plan_of,
    project,
    replicable,
    replication_spec,
    site,
    spec,
    stack_spec,
    texts,
    tpu_offer,
)

PACKAGE = Path(__file__).resolve().parents[2] / "skyinfra"
KEY_TOKEN = "random:index/randomPassword:RandomPassword"  # a link's PSK / BGP key


def _other(cloud: str) -> str | None:
    """Another registered cloud (the first one), to link `cloud` with."""
    return next((c for c in cloud_names() if c != cloud), None)


def gateway_project(cloud: str) -> Project:
    """`cloud` VPN-linked to another cloud: its stack then lowers a VPN gateway (the same
    project as the pair's link test, so previewed once)."""
    other = _other(cloud)
    if other is None:
        pytest.skip("a VPN gateway needs a second cloud to link to")
    order = cloud_names()
    a, b = sorted((cloud, other), key=order.index)
    return project(linked_spec(site(a), site(b), "vpn"))


def gpu_project(cloud: str) -> tuple[Project, ComputePlan]:
    offer = gpu_offer(cloud)
    if offer is None:
        pytest.skip(f"the {cloud} catalog has no NVIDIA GPU offer")
    p = project(stack_spec(cloud))
    (group,) = [g for s in p.plan.topology.stacks for g in s.compute if g.name == "gpu"]
    return p, group


def refused(text: str, tmp_path: Path) -> list[Problem]:
    """The problems `plan` reports for `text` (written to a file, so they are located)."""
    path = tmp_path / "sky.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        plan_spec(path)
    return list(caught.value.problems)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


# Each feature a cloud may declare in `UNSUPPORTED`, and a spec that asks for it there.
def _gpu_on_a_plain_type(cloud: str) -> str:
    offer = gpu_offer(cloud)
    if offer is None:
        pytest.skip(f"the {cloud} catalog has no NVIDIA GPU to ask for")
    return gpu_spec(offer, plain_offer(Site(offer.cloud, offer.region)).instance_type)


def per_zone_spec(cloud: str) -> str:
    """Network `core` with `nat: per_zone`, one group of 2 VMs on it at the cloud's site."""
    here = site(cloud)
    return spec(
        "networks:\n  core:\n    nat: per_zone\n"
        f"compute:\n  api: {{network: core, count: 2, resources: {{cpus: 2}}, "
        f"placement: {{cloud: {cloud}, region: {here.region}}}}}\n",
        here,
    )


def _tpu_spec(where: Site, *lines: str) -> str:
    """Only group `tpu` at `where`, one key a line (so each refusal has a line of its own)."""
    keys = "".join(f"    {line}\n" for line in lines)
    return spec(
        f"networks: {{core: {{}}}}\ncompute:\n  tpu:\n    network: core\n{keys}"
        f"    placement: {{cloud: {where.cloud}, region: {where.region}}}\n",
        where,
    )


def _a_tpu(cloud: str) -> str:
    return _tpu_spec(site(cloud), 'resources: {accelerators: "tpu-v5litepod-8"}')


def _a_tpu_v4(cloud: str) -> str:
    return _tpu_spec(site(cloud), 'resources: {accelerators: "tpu-v4-8"}')


def _tpu_site(cloud: str) -> Site:
    offer = tpu_offer(cloud)
    if offer is None:
        pytest.skip(f"the {cloud} catalog has no Cloud TPU offer")
    return Site(offer.cloud, offer.region)


def _multi_host_slices(cloud: str) -> str:
    where = _tpu_site(cloud)
    return _tpu_spec(where, "count: 2", 'resources: {accelerators: "tpu-v5litepod-16"}')


def _tpu_with_an_image(cloud: str) -> str:
    offer = tpu_offer(cloud)
    assert offer is not None and offer.accelerator
    where = Site(offer.cloud, offer.region)
    return _tpu_spec(
        where, "image: debian-12", f'resources: {{accelerators: "{offer.accelerator}"}}'
    )


def _tpu_in_a_region_without_it(cloud: str) -> str:
    """A pinned slice type (no offer to check against) in a region with no zone for it."""
    lacking = [r for r in CATALOG.regions(cloud) if r not in tpus.V6E.zones]
    return _tpu_spec(Site(cloud, lacking[0]), "instance_type: v6e-8")


# feature -> (the spec asking for it on a cloud, where `plan` must locate the refusal)
TRIGGERS: dict[str, tuple[Callable[[str], str], KeyPath]] = {
    GPU_ATTACH: (_gpu_on_a_plain_type, ("compute", "gpu", "resources", "accelerators")),
    TPU: (_a_tpu, ("compute", "tpu", "resources", "accelerators")),
    tpus.TPU_SHAPE: (_a_tpu_v4, ("compute", "tpu", "resources", "accelerators")),
    tpus.TPU_MULTI_HOST_GROUP: (_multi_host_slices, ("compute", "tpu", "count")),
    tpus.TPU_BOOT: (_tpu_with_an_image, ("compute", "tpu", "image")),
    tpus.TPU_ZONE: (_tpu_in_a_region_without_it, ("compute", "tpu", "placement")),
    NAT_PER_ZONE: (per_zone_spec, ("networks", "core", "nat")),
}


@cache
def _string_literals(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text())
    return frozenset(
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def _types(resources: list[Registered]) -> list[str]:
    return sorted(r.type for r in resources)


def _ids(p: StackPreview) -> set[str]:
    return {r.id for r in p.resources if r.id}


def _component(p: StackPreview, token: str, name: str) -> Registered:
    (found,) = [r for r in p.by_type(token) if r.name == f"{PROJECT}-{name}"]
    return found


def _grants(stack: StackPreview, group: str) -> dict[tuple[str, str], Registered]:
    """The grant resources under `group`, by (bucket, access) from their names."""
    component = _component(stack, COMPUTE_TOKEN, group)
    marker = f"{component.name}-grant-"
    found = {}
    for r in children(stack, component):
        if r.name.startswith(marker):
            bucket, _, access = r.name.removeprefix(marker).rpartition("-")
            found[(bucket, access)] = r
    return found


def _decoded(values: set[str]) -> set[str]:
    """`values` and the text of those that are base64 (AWS user data, Azure custom data)."""
    out = set(values)
    for value in values:
        try:
            out.add(base64.b64decode(value, validate=True).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return out


# What names a compute group's own identity in its stack outputs, per group cloud: the
# federated trust on the bucket's cloud must pin it (its last path segment).
_IDENTITY_KEYS = ("service_account_id", "role_arn", "identity_principal_id")


class CloudContract:
    """What every cloud must provide on its own. Subclasses get every test; the `cloud`
    fixture names the cloud."""

    # -- registry and facts -------------------------------------------------------------------

    def test_a_misspelt_name_suggests_this_cloud(self, cloud: str) -> None:
        with pytest.raises(SpecError, match=f"did you mean '{cloud}'"):
            get_cloud(cloud[:-1])

    def test_lowering_table_covers_every_kind(self, cloud: str) -> None:
        """Kinds, gateway, link halves and replication steps: one table, every neutral type."""
        table = set(get_cloud(cloud).lowerings())
        assert {NetworkPlan, BucketPlan, ComputePlan, VpnGateway} <= table
        assert {LinkSide, InterconnectHalf, ReplicateWithin, Reader} <= table
        assert table == get_cloud(cloud).required_lowerings()
        assert table <= set(CONTRACT)

    def test_a_native_peering_is_lowered_where_regions_need_a_link(self, cloud: str) -> None:
        c = get_cloud(cloud)
        assert (PeeringPair in c.lowerings()) == (c.cross_region_link is not None)

    def test_an_unknown_type_names_the_cloud_and_the_type(self, cloud: str) -> None:
        class Mystery:
            pass

        with pytest.raises(NoLoweringError, match=rf"cloud '{cloud}' has no lowering for Mystery"):
            get_cloud(cloud).lower(Mystery(), None)  # type: ignore[call-overload]

    def test_every_lowering_returns_the_outputs_its_contract_names(self, cloud: str) -> None:
        """The return annotation of each table entry is the TypedDict `CONTRACT` names for its
        type (credential steps: each kind's function), so mypy checks the keys it writes."""
        for kind, lowering in get_cloud(cloud).lowerings().items():
            functions = (
                lowering.steps.values() if isinstance(lowering, ByCredential) else [lowering]
            )
            for function in functions:
                returned = get_type_hints(function)["return"]
                assert returned is CONTRACT[kind], (kind, function)

    def test_the_provider_is_declared_with_the_table(self, cloud: str) -> None:
        assert callable(get_cloud(cloud)._own("lowerings").provider)

    def test_its_name_appears_only_in_its_own_package_and_the_registry(self, cloud: str) -> None:
        offenders = []
        for path in PACKAGE.rglob("*.py"):
            rel = path.relative_to(PACKAGE).as_posix()
            own = rel.startswith(f"clouds/{cloud}/") or rel == "clouds/__init__.py"
            if not own and cloud in _string_literals(path):
                offenders.append(rel)
        assert not offenders, offenders

    def test_an_undeclared_feature_cannot_be_refused(self, cloud: str) -> None:
        with pytest.raises(KeyError):
            get_cloud(cloud).unsupported("no.such.feature", "detail", ())

    def test_replication_lowerings_match_the_facts(self, cloud: str) -> None:
        facts, table = get_cloud(cloud).replication, get_cloud(cloud).lowerings()
        assert _by_credential(cloud, IssueCredential).kinds == set(facts.issues)
        assert _by_credential(cloud, FillFromForeign).kinds == set(facts.reads)
        assert not set(facts.refused) & set(facts.reads)
        assert callable(table[ReplicateWithin]) and callable(table[Reader])
        assert facts.within != facts.foreign

    def test_an_unhandled_credential_kind_names_the_cloud(self, cloud: str) -> None:
        step = IssueCredential("no-such-credential", {})
        with pytest.raises(NoLoweringError, match=rf"cloud '{cloud}' cannot IssueCredential"):
            get_cloud(cloud).lower(step, None)  # type: ignore[arg-type]

    def test_credentials_it_reads_are_issued_elsewhere_and_its_own_by_it_alone(
        self, cloud: str
    ) -> None:
        facts = get_cloud(cloud).replication
        others = [get_cloud(c).replication for c in cloud_names() if c != cloud]
        issued_elsewhere = {kind for f in others for kind in f.issues}
        assert set(facts.reads) | set(facts.refused) <= issued_elsewhere | set(facts.issues)
        assert not set(facts.issues) & issued_elsewhere

    # -- every neutral kind lowers ---------------------------------------------------------------

    def test_one_component_per_neutral_resource_with_frozen_tokens(self, cloud: str) -> None:
        p = project(stack_spec(cloud))
        plan = p.plan.topology.stack(site(cloud).stack)
        assert {g.name for g in plan.compute} >= {"api", "bastion", "db"}
        expected = [(NETWORK_TOKEN, n.name) for n in plan.networks]
        expected += [(BUCKET_TOKEN, b.name) for b in plan.buckets]
        expected += [(COMPUTE_TOKEN, g.name) for g in plan.compute]
        components = [r for r in p.cloud_stack(site(cloud)).resources if not r.custom]
        assert sorted((r.type, r.name) for r in components) == sorted(
            (token, f"{PROJECT}-{name}") for token, name in expected
        )

    def test_every_resource_hangs_under_a_component_and_is_named_from_it(self, cloud: str) -> None:
        p = project(stack_spec(cloud)).cloud_stack(site(cloud))
        components = {r.urn: r for r in p.resources if not r.custom}
        for r in p.resources:
            if r.custom:
                assert r.parent in components, f"{r.type} {r.name} is under no component"
                assert r.name.startswith(components[r.parent].name), r.name

    def test_network_outputs(self, cloud: str) -> None:
        p = project(stack_spec(cloud))
        (plan,) = p.plan.topology.stack(site(cloud).stack).networks
        stack = p.cloud_stack(site(cloud))
        out = stack.outputs["networks"]["core"]
        assert out["cidr"] == plan.cidr and out["region"] == site(cloud).region
        assert len(out["subnet_ids"]) == len(plan.subnets) == get_cloud(cloud).subnets_per_network
        assert out["id"] and out["name"]
        assert out["id"] in _ids(stack) and set(out["subnet_ids"]) <= _ids(stack)

    def test_bucket_outputs_and_protection(self, cloud: str) -> None:
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        out = stack.outputs["buckets"]["datasets"]
        assert out["name"] and out["id"]
        kept = children(stack, _component(stack, BUCKET_TOKEN, "datasets"))
        assert any(r.protect for r in kept), f"bucket datasets protects none of {_types(kept)}"
        loose = children(stack, _component(stack, BUCKET_TOKEN, "scratch"))  # protect: false
        assert loose and not any(r.protect for r in loose), "protect: false is not honoured"

    def test_compute_outputs(self, cloud: str) -> None:
        p = project(stack_spec(cloud))
        (plan,) = [g for g in p.plan.topology.stack(site(cloud).stack).compute if g.name == "api"]
        stack = p.cloud_stack(site(cloud))
        out = stack.outputs["compute"]["api"]
        assert (out["instance_type"], out["count"]) == (plan.instance_type, 2)
        assert out["group_id"] in _ids(stack)

    def test_its_declared_login_path_reaches_the_engine(self, cloud: str) -> None:
        """Every trace of `Cloud.login` (what `skyinfra ssh` and README promise) is on some
        resource of each compute group (none of them has an SSH key: the way in needs none)."""
        login = get_cloud(cloud).login
        assert login.traces and login.docs.startswith("https://")
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        groups = stack.by_type(COMPUTE_TOKEN)
        assert groups
        for group in groups:
            made = children(stack, group)
            for trace in login.traces:
                found = [r for r in made if r.type == trace.type and _holds(r.inputs, trace)]
                assert found, f"{group.name}: no {trace} among {_types(made)} ({login.title})"

    def test_site_outputs(self, cloud: str) -> None:
        out = project(stack_spec(cloud)).cloud_stack(site(cloud)).outputs
        assert (out["cloud"], out["region"]) == (cloud, site(cloud).region)

    def test_no_gateway_without_links(self, cloud: str) -> None:
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        assert not stack.by_type(GATEWAY_TOKEN) and stack.outputs["gateways"] == {}

    def test_a_linked_network_gets_a_vpn_gateway_with_its_outputs(self, cloud: str) -> None:
        stack = gateway_project(cloud).cloud_stack(site(cloud))
        gateway = _component(stack, GATEWAY_TOKEN, "core-vpn")
        made = children(stack, gateway)
        assert made and all(r.name.startswith(gateway.name) for r in made)
        out = stack.outputs["gateways"]["core"]
        assert out and None not in leaves(out) and "" not in leaves(out)
        ids = {v for k, v in out.items() if k.endswith("_id")}
        assert ids and ids <= {r.id for r in made}

    # -- GPUs: lowered with a driver, or refused as declared -----------------------------------

    def test_an_nvidia_gpu_group_lowers_with_the_driver_image(self, cloud: str) -> None:
        p, group = gpu_project(cloud)
        c = get_cloud(cloud)
        assert c.gpu_driver(group)
        assert c.boot_image(group) == c.gpu_images[(group.image, group.arch)]
        stack = p.cloud_stack(group.site)
        component = _component(stack, COMPUTE_TOKEN, "gpu")
        received = texts(children(stack, component))
        received |= {str(x) for i in stack.invokes for x in leaves(i.args)}
        wanted = {str(x) for x in leaves(c.boot_image(group))}
        assert wanted <= received, wanted - received

    def test_every_declared_refusal_is_refused_at_plan_where_asked(
        self, cloud: str, tmp_path: Path
    ) -> None:
        for feature, reason in get_cloud(cloud).UNSUPPORTED.items():
            assert feature in TRIGGERS, f"no contract trigger for declared feature {feature!r}"
            trigger, path = TRIGGERS[feature]
            text = trigger(cloud)
            (problem,) = refused(text, tmp_path)
            assert problem.message.endswith(reason)
            assert problem.path == path
            assert (problem.file, problem.line) == (
                str(tmp_path / "sky.yaml"),
                line_of(text, f"{path[-1]}:"),
            )

    def test_a_gpu_on_a_type_without_it_is_refused_or_attached(self, cloud: str) -> None:
        """The cheapest type without GPUs, asked for a GPU: refused as declared (above), or
        planned on a type the catalog lists with that GPU, never silently without it."""
        text = _gpu_on_a_plain_type(cloud)
        if GPU_ATTACH in get_cloud(cloud).UNSUPPORTED:
            with pytest.raises(SpecError) as caught:
                plan_of(text)
            (problem,) = caught.value.problems
            assert problem.message.endswith(get_cloud(cloud).UNSUPPORTED[GPU_ATTACH])
            return
        (stack,) = plan_of(text).topology.stacks
        (group,) = stack.compute
        listed = CATALOG.find(cloud, group.site.region, group.instance_type)
        assert group.accelerator is not None
        assert listed is not None and listed.accelerator == group.accelerator.name, (
            f"{group.instance_type} has no {group.accelerator} and {cloud} declares no "
            f"{GPU_ATTACH!r} refusal"
        )

    # -- fakes: the preview's provider knows every type the lowering emits ---------------------

    def _previews(self, cloud: str) -> Iterator[StackPreview]:
        yield from project(stack_spec(cloud)).stacks.values()
        if _other(cloud) is not None:
            yield from gateway_project(cloud).stacks.values()

    def test_it_trusts_other_clouds_or_says_why_not(self, cloud: str) -> None:
        """Keyless federation is declared per bucket cloud: every other registered cloud's
        groups are either trusted (with the mechanism `plan` names) or refused with a reason."""
        c = get_cloud(cloud)
        others = {get_cloud(o).workload_identity for o in set(cloud_names()) - {cloud}}
        assert c.workload_identity and c.workload_identity not in others
        assert set(c.trusts) <= others and not set(c.trusts) & set(c.untrusted)
        assert set(c.trusts) | set(c.untrusted) == others
        assert all(c.trusts.values()) and all(c.untrusted.values())

    def test_fakes_handle_every_type_the_lowering_emits(self, cloud: str) -> None:
        fakes = get_cloud(cloud).mock_fakes()
        for p in self._previews(cloud):
            for r in of_cloud(p, cloud):
                assert r.id, f"{r.type} {r.name} got no id"
                assert r.type in fakes.resources or fakes.default_id is not None, r.type

    def test_fakes_are_keyed_by_this_clouds_tokens_and_answer_its_invokes(self, cloud: str) -> None:
        prefix = tuple(f"{n}:" for n in get_cloud(cloud).namespaces())
        fakes = get_cloud(cloud).mock_fakes()
        assert isinstance(fakes, CloudFakes) and fakes.resources
        assert all(t.startswith(prefix) for t in [*fakes.resources, *fakes.invokes])
        made = {i.token for p in self._previews(cloud) for i in p.invokes}
        assert {t for t in made if t.startswith(prefix)} <= set(fakes.invokes)

    def test_stack_outputs_are_all_computed(self, cloud: str) -> None:
        """Every exported value is set: a fake that misses a computed output leaves a hole."""
        for stack in self._previews(cloud):
            missing = [x for x in leaves(stack.outputs) if x is None or x == ""]
            assert not missing, stack.outputs

    # -- guardrails: the cloud's table covers what its lowering emits --------------------------

    def _table(self, cloud: str) -> CloudGuardrails:
        table = get_cloud(cloud).guardrails()
        assert table is not None, f"{cloud} declares no guardrail table"
        return table

    def test_bucket_resources_are_in_the_guardrail_table(self, cloud: str) -> None:
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        bucket = children(stack, _component(stack, BUCKET_TOKEN, "datasets"))
        types = {r.type for r in bucket}
        assert types & set(table.public_bucket), f"no no-public-bucket row for {types}"
        # No encryption rows at all: the provider encrypts every bucket, no setting can stop it.
        assert types & set(table.encryption) or not table.encryption
        for companion in (*table.public_bucket_companions, *table.encryption_companions):
            if companion.owner in types:
                assert companion.token in types, companion.missing
        protected = {r.type for r in bucket if r.protect}
        assert protected, "the bucket has no protected resource"
        assert protected <= table.stateful | table.stateful_under_bucket, protected

    def test_compute_resources_are_in_the_guardrail_table(self, cloud: str) -> None:
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        types = {r.type for r in children(stack, _component(stack, COMPUTE_TOKEN, "api"))}
        assert types & table.vms, f"no VM row for {types}"

    def test_every_resource_holding_an_ingress_rule_is_in_the_guardrail_table(
        self, cloud: str
    ) -> None:
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        port = EXPOSED[-1]  # the bastion's RDP port: in its ingress rules only
        holders = {r.type for r in stack.resources if r.custom and _admits(texts([r]), port)}
        assert holders and holders <= set(table.ingress), holders - set(table.ingress)

    def test_its_lowering_passes_every_guardrail(self, cloud: str) -> None:
        p = project(stack_spec(cloud))
        assert check_previews(list(p.stacks.values()), p.plan.topology) == []

    # -- labels and startup scripts ------------------------------------------------------------

    def test_every_taggable_resource_carries_the_spec_labels_and_skyinfras(
        self, cloud: str
    ) -> None:
        """Every resource whose SDK type takes `tags`/`labels` gets the top-level labels, its
        resource's own over them, and `skyinfra-project` / `skyinfra-resource`."""
        stack = project(labelled.labelled_spec(cloud)).cloud_stack(site(cloud))
        found = list(labelled.taggable(stack))
        assert found
        for resource, key in found:
            name = labelled.neutral_name(stack, resource)
            own = labelled.DB_OWN if name == "db" else {}
            wanted = {**labelled.TOP, **own, PROJECT_LABEL: PROJECT, RESOURCE_LABEL: name}
            got = labelled.labels_of(resource, key)
            assert wanted.items() <= got.items(), f"{resource.type} {resource.name}: {got}"

    def test_types_declared_unlabelled_take_no_labels_in_the_sdk(self, cloud: str) -> None:
        """Each entry of `label_rules.unlabelled` names a real SDK class (the import fails
        otherwise) without a `tags`/`labels` input, and says why that is fine."""
        for token, why in get_cloud(cloud).label_rules.unlabelled.items():
            assert why and labelled.label_input(token) is None, token

    def test_every_type_it_emits_takes_labels_or_is_declared_unlabelled(self, cloud: str) -> None:
        """A type without tags/labels in the SDK must be declared, so a new resource that
        could carry labels is never skipped unnoticed (its peers: the pair contract)."""
        declared = set(get_cloud(cloud).label_rules.unlabelled)
        for text in (labelled.labelled_spec(cloud), grants_spec(cloud)):
            stack = project(text).cloud_stack(site(cloud))
            undeclared = labelled.unlabelled_types(stack, cloud) - declared
            assert not undeclared, f"declare in {cloud}'s label_rules.unlabelled: {undeclared}"

    def test_the_startup_script_reaches_the_vms_of_its_group_only(self, cloud: str) -> None:
        stack = project(labelled.labelled_spec(cloud)).cloud_stack(site(cloud))
        for group in ("api", "db"):
            made = children(stack, _component(stack, COMPUTE_TOKEN, group))
            received = [r.inputs for r in made]
            assert labelled.carries_script(received, labelled.SCRIPT) == (group == "api"), group

    def test_a_startup_script_over_the_clouds_limit_is_refused_at_plan(
        self, cloud: str, tmp_path: Path
    ) -> None:
        """The cloud's declared limit (`Cloud.startup_script`) holds at plan time: a script of
        exactly that many bytes plans, one byte more is refused at the group's key."""
        limit = get_cloud(cloud).startup_script.max_bytes
        text = labelled.file_script_spec(cloud)
        head = "#!/bin/sh\n"
        (tmp_path / labelled.SCRIPT_FILE).write_text(head + "x" * (limit - len(head)))
        (tmp_path / "ok.yaml").write_text(text)
        plan_spec(tmp_path / "ok.yaml")  # at the limit: plans
        (tmp_path / labelled.SCRIPT_FILE).write_text(head + "x" * (limit - len(head) + 1))
        (problem,) = refused(text, tmp_path)
        assert problem.path == ("compute", "api", "startup_script")
        assert problem.line == line_of(text, "  api:")
        assert f"{limit + 1} bytes" in problem.message and str(limit) in problem.message

    def test_labels_beyond_the_clouds_rules_are_refused_at_plan(
        self, cloud: str, tmp_path: Path
    ) -> None:
        """Too long a key (at its key) and too many labels (at the resource's `labels`)."""
        rules = get_cloud(cloud).label_rules
        long_key = "k" * (rules.key_max_by_section.get("compute", rules.key_max) + 1)
        text = labelled.labelled_spec(cloud).replace("team: data", f"team: data, {long_key}: v")
        (problem,) = {p.path: p for p in refused(text, tmp_path)}.values()
        assert problem.path == ("compute", "db", "labels", long_key)
        assert problem.line == line_of(text, "  db:") and cloud in problem.message
        many = ", ".join(f"k{i}: v" for i in range(rules.max_count))
        text = labelled.labelled_spec(cloud).replace("team: data", f"team: data, {many}")
        (problem,) = refused(text, tmp_path)
        assert problem.path == ("compute", "db", "labels")
        assert str(rules.max_count) in problem.message

    # -- identities and grants ------------------------------------------------------------

    def test_every_group_has_its_own_identity_on_its_vms(self, cloud: str) -> None:
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        seen = set()
        for group in stack.by_type(COMPUTE_TOKEN):
            made = children(stack, group)
            [identity] = [r for r in made if r.type in table.identities]
            [vm] = [r for r in made if r.type in table.vms]
            carried = {str(v) for v in leaves(identity.outputs) if isinstance(v, str) and v}
            assert carried & texts([vm]), f"{vm.name} does not carry {identity.name}"
            seen.add(identity.urn)
        assert len(seen) == len(stack.by_type(COMPUTE_TOKEN)) >= 3

    def _grants(self, stack: StackPreview, group: str) -> dict[tuple[str, str], Registered]:
        return _grants(stack, group)

    def test_exactly_the_grants_the_flows_imply_scoped_to_the_bucket(self, cloud: str) -> None:
        p = project(grants_spec(cloud))
        stack = p.cloud_stack(site(cloud))
        grants = self._grants(stack, "trainer")
        assert set(grants) == GRANTED
        assert self._grants(stack, "idle") == {}
        buckets = stack.outputs["buckets"]
        for (bucket, _), r in grants.items():
            inputs = {str(v) for v in leaves(r.inputs)}
            own = str(buckets[bucket]["name"])
            assert any(own in x for x in inputs), f"{r.name} does not name bucket {own}"
            for other in set(buckets) - {bucket}:
                name = str(buckets[other]["name"])
                assert not any(name in x for x in inputs), f"{r.name} reaches {name}"
        assert check_previews(list(p.stacks.values()), p.plan.topology) == []

    def test_a_bucket_in_another_stack_is_read_by_reference(self, cloud: str) -> None:
        p = project(grants_spec(cloud, site(cloud, 1)))
        home, there = site(cloud).stack, site(cloud, 1).stack
        assert there in reads(p.plan.topology, home)
        stack = p.cloud_stack(site(cloud))
        grants = self._grants(stack, "trainer")
        assert set(grants) == GRANTED
        # The bucket's name as the other stack exported it (the preview's StackReference).
        name = str(p.cloud_stack(site(cloud, 1)).outputs["buckets"]["datasets"]["name"])
        assert any(name in str(v) for v in leaves(grants[("datasets", "read")].inputs))
        assert "datasets" not in stack.outputs["buckets"]

    # -- private by default, with egress (issue 13) ------------------------------------------

    def test_only_a_public_group_gets_public_ips(self, cloud: str) -> None:
        """What the engine receives: no public IP on the VMs of `api` and `db`, one on the
        VMs of the `public: true` bastion (read by the cloud's own guardrail rows)."""
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        for group, public in (("api", False), ("db", False), ("bastion", True)):
            made = children(stack, _component(stack, COMPUTE_TOKEN, group))
            vms = [resource_of(r) for r in made if r.type in table.public_address]
            assert vms, f"no VM of {group} in the public_address rows: {_types(made)}"
            assert {table.public_address[vm.type](vm) for vm in vms} == {public}, group

    def test_a_tpu_group_is_refused_or_private_nodes_with_its_identity(
        self, cloud: str, tmp_path: Path
    ) -> None:
        """A Cloud TPU group: refused as declared where the cloud has none (`TPU`); else every
        VM it makes is in the cloud's VM rows, has no public IP, carries the group's own
        identity, and the stack passes every guardrail."""
        if TPU in get_cloud(cloud).UNSUPPORTED:
            (problem,) = refused(_a_tpu(cloud), tmp_path)
            assert problem.message.endswith(get_cloud(cloud).UNSUPPORTED[TPU])
            return
        offer = tpu_offer(cloud)
        if offer is None:
            pytest.skip(f"the {cloud} catalog has no Cloud TPU offer")
        where = Site(offer.cloud, offer.region)
        asked = f'resources: {{accelerators: "{offer.accelerator}"}}'
        p = project(_tpu_spec(where, "count: 2", "ports: [8000]", asked))
        table = self._table(cloud)
        stack = p.cloud_stack(where)
        made = children(stack, _component(stack, COMPUTE_TOKEN, "tpu"))
        vms = [r for r in made if r.type in table.vms]
        assert vms, f"no VM of the TPU group in the guardrail table's VM rows: {_types(made)}"
        assert not any(table.public_address[vm.type](resource_of(vm)) for vm in vms)
        [identity] = [r for r in made if r.type in table.identities]
        carried = {str(v) for v in leaves(identity.outputs) if isinstance(v, str) and v}
        assert all(carried & texts([vm]) for vm in vms)
        assert check_previews(list(p.stacks.values()), p.plan.topology) == []

    def test_a_network_with_compute_goes_out_through_nat(self, cloud: str) -> None:
        """The network has the cloud's NAT, and each workload subnet reaches it through what
        routes it (a route table and its association, the NAT's subnetwork list, the subnet's
        NAT gateway): a chain of resources naming one another, the network itself left out."""
        table = self._table(cloud)
        stack = project(stack_spec(cloud)).cloud_stack(site(cloud))
        made = children(stack, _component(stack, NETWORK_TOKEN, "core"))
        nats = [r for r in made if r.type in table.nat]
        assert len(nats) == 1, f"no single NAT ({sorted(table.nat)}) in {_types(made)}"
        out = stack.outputs["networks"]["core"]
        inside = [r for r in made if r.id != out["id"]]
        for subnet in out["subnet_ids"]:
            start = next(r for r in inside if r.id == subnet)
            assert nats[0] in _named_chain(start, inside), f"{subnet} has no way to the NAT"

    def test_nat_per_zone_routes_each_zone_to_its_own_nat_or_is_refused(
        self, cloud: str, tmp_path: Path
    ) -> None:
        """`nat: per_zone`: refused as declared, or as many NATs as `Cloud.nat_gateways`
        says (what `plan` prices), and each workload subnet's nearest NAT (fewest resources
        naming one another) is one of its own: no two zones share one."""
        text = per_zone_spec(cloud)
        if NAT_PER_ZONE in get_cloud(cloud).UNSUPPORTED:
            (problem,) = refused(text, tmp_path)
            assert problem.message.endswith(get_cloud(cloud).UNSUPPORTED[NAT_PER_ZONE])
            return
        p = project(text)
        (network,) = p.plan.topology.stack(site(cloud).stack).networks
        table, stack = self._table(cloud), p.cloud_stack(site(cloud))
        made = children(stack, _component(stack, NETWORK_TOKEN, "core"))
        nats = [r for r in made if r.type in table.nat]
        assert len(nats) == get_cloud(cloud).nat_gateways(network) >= 1
        out = stack.outputs["networks"]["core"]
        inside = [r for r in made if r.id != out["id"]]
        nearest = [
            _nearest(next(r for r in inside if r.id == s), inside, nats) for s in out["subnet_ids"]
        ]
        assert all(len(n) == 1 for n in nearest), nearest
        zonal = min(len(nats), len(out["subnet_ids"]))
        assert len({n[0].urn for n in nearest}) == zonal

    def test_egress_none_has_no_nat_and_no_public_ip(self, cloud: str) -> None:
        here = site(cloud)
        text = spec(
            "networks: {core: {egress: none}}\n"
            f"compute:\n  api: {{network: core, ports: [22], resources: {{cpus: 2}}, "
            f"placement: {{cloud: {cloud}, region: {here.region}}}}}\n",
            here,
        )
        table = self._table(cloud)
        stack = project(text).cloud_stack(here)
        assert not [r for r in stack.resources if r.type in table.nat]
        vms = [resource_of(r) for r in stack.resources if r.type in table.public_address]
        assert vms and not any(table.public_address[vm.type](vm) for vm in vms)

    def test_egress_none_refuses_a_public_group(self, cloud: str, tmp_path: Path) -> None:
        here = site(cloud)
        text = spec(
            "networks: {core: {egress: none}}\n"
            f"compute:\n  web: {{network: core, public: true, ports: [443], "
            f"placement: {{cloud: {cloud}, region: {here.region}}}}}\n",
            here,
        )
        (problem,) = refused(text, tmp_path)
        assert problem.path == ("compute", "web", "public")
        assert "egress: none" in problem.message and problem.line == line_of(text, "web:")


def _holds(inputs: object, trace: LoginTrace) -> bool:
    """Whether `inputs` has `trace.value` (or, for None, anything) at `trace.path`, lists
    fanned out along the way; a list at the end holds the value as one of its items."""
    found: list[object] = [inputs]
    for key in trace.path:
        found = [x for x in _fanned(found) if isinstance(x, dict) and key in x]
        found = [x[key] for x in found]  # type: ignore[index]
    if trace.value is None:
        return any(v is not None for v in found)
    return any(v == trace.value or (isinstance(v, list) and trace.value in v) for v in found)


def _fanned(values: list[object]) -> Iterator[object]:
    for value in values:
        if isinstance(value, list):
            yield from value
        else:
            yield value


def _named_chain(start: Registered, resources: list[Registered]) -> list[Registered]:
    """Every resource linked to `start` by inputs that name another's id or self link (either
    way round), transitively: what a subnet's routing is made of."""

    def names(r: Registered) -> set[str]:
        return {str(x) for x in (r.id, r.outputs.get("selfLink")) if x}

    def links(a: Registered, b: Registered) -> bool:
        return bool(names(b) & texts_of_inputs(a)) or bool(names(a) & texts_of_inputs(b))

    found, todo = [start], [start]
    while todo:
        here = todo.pop()
        for r in resources:
            if r not in found and links(here, r):
                found.append(r)
                todo.append(r)
    return found


def _nearest(
    start: Registered, resources: list[Registered], targets: list[Registered]
) -> list[Registered]:
    """The `targets` fewest links (as `_named_chain`) away from `start`, not walking past
    a target: where a subnet's traffic first meets one."""
    seen, layer = [start], [start]
    while layer:
        found = [r for r in layer if r in targets]
        if found:
            return found
        nxt = []
        for here in layer:
            for r in resources:
                if r not in seen and _named(here, r):
                    seen.append(r)
                    nxt.append(r)
        layer = nxt
    return []


def _named(a: Registered, b: Registered) -> bool:
    """Whether either resource's inputs name the other's id or self link."""

    def names(r: Registered) -> set[str]:
        return {str(x) for x in (r.id, r.outputs.get("selfLink")) if x}

    return bool(names(b) & texts_of_inputs(a)) or bool(names(a) & texts_of_inputs(b))


def texts_of_inputs(r: Registered) -> set[str]:
    return {str(x) for x in leaves(r.inputs)}


def _admits(values: set[str], port: int) -> bool:
    """Whether any of `values` is `port` or a range including it (`3389`, `22-3389`)."""
    for v in values:
        bounds = re.fullmatch(r"(\d+)(?:-(\d+))?", v)
        if bounds and int(bounds[1]) <= port <= int(bounds[2] or bounds[1]):
            return True
    return False


class PairContract:
    """What two clouds (or two regions of one cloud) must do together: link halves that
    agree, replication both ways, and peering / replication stacks the fakes and guardrails
    know. The `pair` fixture names the clouds, `sites` their sites."""

    # -- grants across clouds: keyless federation or a plain refusal ------------------------

    def test_a_grant_across_clouds_is_federated_or_said_not_deployed(
        self, pair: tuple[str, str]
    ) -> None:
        """Both directions: where the bucket's cloud trusts the group's (`Cloud.trusts`),
        what the engine receives in the group's stack is the trust pinned to the group's own
        identity, the grant scoped to the bucket, and the credential configuration on the
        group's VMs; otherwise nothing is made and `plan` says so, without static keys."""
        a, b = pair
        if a == b:
            pytest.skip("a grant within one cloud is the cloud contract's")
        for group_cloud, bucket_cloud in ((a, b), (b, a)):
            p = project(grants_spec(group_cloud, site(bucket_cloud)))
            identity = get_cloud(group_cloud).workload_identity
            federation = get_cloud(bucket_cloud).trusts.get(identity)
            if federation:
                self._check_federated(p, group_cloud, bucket_cloud, federation)
            else:
                self._check_not_deployed(p, group_cloud, bucket_cloud)
            assert check_previews(list(p.stacks.values()), p.plan.topology) == []

    def _check_federated(self, p: Project, g: str, b: str, federation: str) -> None:
        home, there = site(g), site(b)
        assert there.stack in reads(p.plan.topology, home.stack)
        stack = p.cloud_stack(home)
        grants = _grants(stack, "trainer")
        assert set(grants) == GRANTED
        granted = grants[("datasets", "read")]
        assert granted.type.startswith(get_cloud(b).provider_namespace + ":")
        inputs = {str(v) for v in leaves(granted.inputs)}
        buckets = p.cloud_stack(there).outputs["buckets"]
        assert any(str(buckets["datasets"]["name"]) in x for x in inputs), "grant not on bucket"
        for other in ("results", "scratch"):
            name = str(stack.outputs["buckets"][other]["name"])
            assert not any(name in x for x in inputs), f"the federated grant reaches {other}"
        component = _component(stack, COMPUTE_TOKEN, "trainer")
        made = children(stack, component)
        trust = [r for r in of_cloud(stack, b) if r in made and r not in grants.values()]
        assert trust, f"no {b} trust under the group"
        outputs = stack.outputs["compute"]["trainer"]
        (key,) = [k for k in _IDENTITY_KEYS if k in outputs]
        identity = str(outputs[key]).rsplit("/", 1)[-1]
        assert any(identity in x for x in texts(trust)), f"the trust does not pin {key}"
        assert not [r for r in of_cloud(stack, b) if r not in made], "trust outside the group"
        vms = [r for r in made if r.type in self._vm_types(g)]
        carried = _decoded({str(v) for v in leaves([r.inputs for r in vms])})
        recipe = {text for r in trust for text in texts([r]) if len(text) > 20}
        assert any(value in x for value in recipe for x in carried), "no credential config"
        report = plan_report(p.plan)
        [row] = [r for r in report["grants"] if r["bucket"] == "datasets"]
        assert row["deployed"] is True and row["via"] == f"{g} -> {b}, {federation}"
        assert not [w for w in report["warnings"] if "grant trainer" in w]

    def _vm_types(self, cloud: str) -> frozenset[str]:
        table = get_cloud(cloud).guardrails()
        assert table is not None
        return table.vms

    def _check_not_deployed(self, p: Project, g: str, b: str) -> None:
        stack = p.cloud_stack(site(g))
        assert set(_grants(stack, "trainer")) == GRANTED - {("datasets", "read")}
        assert site(b).stack not in reads(p.plan.topology, site(g).stack)
        assert not of_cloud(stack, b), f"{b} resources in a {g} stack"
        report = plan_report(p.plan)
        [row] = [r for r in report["grants"] if r["bucket"] == "datasets"]
        assert row["deployed"] is False and row["via"] == f"{g} -> {b}, not deployed"
        [warning] = [w for w in report["warnings"] if w.startswith("grant trainer -> datasets")]
        assert "NOT deployed" in warning and "no static keys" in warning
        reason = get_cloud(b).untrusted.get(get_cloud(g).workload_identity)
        assert reason is None or reason in " ".join(warning.split())

    # -- links --------------------------------------------------------------------------------

    def test_the_sites_are_linked_with_halves_that_agree(self, sites: tuple[Site, Site]) -> None:
        """Two clouds: a VPN whose halves agree; one cloud: its native cross-region link."""
        a, b = sites
        if a.cloud == b.cloud:
            self._check_native(a, b)
            return
        p = project(linked_spec(a, b, "vpn"))
        (link,) = p.plan.topology.links.links
        assert isinstance(link, VpnLink)
        assert len(link.tunnels) == tunnel_count(get_cloud(a.cloud), get_cloud(b.cloud))
        (peering,) = p.of_kind("peer-")
        keys = [str(r.outputs["result"]) for r in peering.by_type(KEY_TOKEN)]
        assert len(keys) == len(link.tunnels)
        for here in (a, b):
            peer = b if here == a else a
            side = of_cloud(peering, here.cloud)
            assert side, f"{here.cloud} lowered no half of the link"
            own = of_cloud(p.cloud_stack(here), here.cloud)
            received = texts(side) | texts(own)
            held = texts(side)
            for key in keys:  # as generated, or with the prefix a cloud's rules ask for
                assert any(key in value for value in held), f"{here.cloud} misses a tunnel key"
            assert str(link.asn_of(here)) in texts(own), "own ASN not on its gateway"
            assert str(link.asn_of(peer)) in texts(side), "peer ASN not in its half"
            for tunnel, (end, _) in zip(link.tunnels, link.ends(here), strict=True):
                forms = {end.inside_ip, f"{end.inside_ip}/30", tunnel.inside_cidr}
                assert forms & received, f"{here.cloud} misses tunnel {tunnel.index}'s address"

    def _check_native(self, a: Site, b: Site) -> None:
        """Two regions of one cloud: its `cross_region_link`, or none (a global network)."""
        p = project(linked_spec(a, b, "vpn"))
        kind = get_cloud(a.cloud).cross_region_link
        if kind is None:
            assert p.plan.topology.links.links == () and not p.of_kind("peer-")
            return
        (link,) = p.plan.topology.links.links
        assert isinstance(link, NativePeering) and link.kind == kind
        (peering,) = p.of_kind("peer-")
        assert peering.by_type(NATIVE_PEERING_TOKEN) and of_cloud(peering, a.cloud)
        networks = {p.cloud_stack(s).outputs["networks"]["core"]["id"] for s in (a, b)}
        assert networks <= texts(of_cloud(peering, a.cloud))

    def test_interconnect_halves_agree_or_the_documented_refusal(
        self, sites: tuple[Site, Site]
    ) -> None:
        a, b = sites
        if a.cloud == b.cloud:  # the mode concerns clouds: regions keep their native link
            assert plan_of(linked_spec(a, b, "interconnect")).topology.links.links == (
                plan_of(linked_spec(a, b, "vpn")).topology.links.links
            )
            return
        sides = [get_cloud(s.cloud).interconnect for s in (a, b)]
        text = linked_spec(a, b, "interconnect")
        if not any(side is not None and side.hub for side in sides):
            with pytest.raises(UnsupportedError, match="no first-party dedicated interconnect"):
                plan_of(text)
            return
        p = project(text, ready=True)
        (link,) = p.plan.topology.links.links
        assert isinstance(link, InterconnectLink)
        (peering,) = p.of_kind("peer-")
        declared = {
            r.type for r in peering.resources if r.custom and not r.type.startswith("pulumi:")
        } - {KEY_TOKEN}
        for here in (a, b):
            stack = p.cloud_stack(here)
            for gateway in stack.by_type(GATEWAY_TOKEN):
                declared |= {r.type for r in children(stack, gateway)}
            assert str(link.asn_of(here)) in texts(peering.resources)
        assert declared == set(link.resources)
        for attachment in link.attachments:
            assert {attachment.hub_ip, attachment.edge_ip} <= {
                x.split("/")[0] for x in texts(peering.resources)
            }

    def test_auto_never_chooses_an_unpriced_interconnect(self, sites: tuple[Site, Site]) -> None:
        """`peering.mode: auto` at 10 PB a month: an interconnect exactly where the catalog
        prices every part of one between the two clouds, else a VPN."""
        a, b = sites
        text = linked_spec(a, b, "auto").replace("gb_per_month: 10}", "gb_per_month: 10000000}")
        if a.cloud == b.cloud:  # the mode concerns clouds: regions keep their native link
            vpn = text.replace("mode: auto", "mode: vpn")
            assert plan_of(text).topology.links.links == plan_of(vpn).topology.links.links
            return
        (link,) = plan_of(text).topology.links.links
        links = CATALOG.links
        quote = links.interconnect(a, b, {a: 1.0, b: 1.0})
        sides = [get_cloud(s.cloud).interconnect for s in (a, b)]
        hub = any(side is not None and side.hub for side in sides)
        if hub and quote.total is not None:
            assert isinstance(link, InterconnectLink)
        else:
            assert isinstance(link, VpnLink)

    # -- replication --------------------------------------------------------------------------

    def test_replication_lowers_or_the_refused_credential_path(
        self, sites: tuple[Site, Site]
    ) -> None:
        p = project(linked_spec(*sites, "vpn"))
        for bucket, source, target, _ in directions(*sites):
            if replicable(source, target):
                self._check_replication(p, bucket, source, target)
                continue
            into = get_cloud(target.cloud).replication
            with pytest.raises(UnsupportedError) as caught:
                plan_of(replication_spec(source, target))
            (problem,) = caught.value.problems
            assert problem.path == ("buckets", "src", "replicate_to", 0)
            reasons = [into.refused[k] for k in get_cloud(source.cloud).replication.issues]
            assert all(reason in problem.message for reason in reasons)

    def _check_replication(self, p: Project, bucket: str, source: Site, target: Site) -> None:
        (r,) = [r for r in p.plan.topology.replications if r.source == bucket]
        into = get_cloud(target.cloud).replication
        within = source.cloud == target.cloud
        issued = get_cloud(source.cloud).replication.issues
        assert r.mechanism == (into.within if within else into.foreign)
        assert r.credential == (None if within else next(k for k in into.reads if k in issued))
        stack = p.stacks[r.stack]
        (component,) = stack.by_type(REPLICATION_TOKEN)
        made = children(stack, component)
        assert made and all(x.name.startswith(component.name) for x in made)
        clouds = {c for c in cloud_names() for x in made if x in of_cloud(stack, c)}
        assert target.cloud in clouds  # the mover is the replica's cloud's
        if not within:  # the credential the source's cloud issues: made, or asked for
            prefix = get_cloud(source.cloud).provider_namespace + ":"
            asked = any(i.token.startswith(prefix) for i in stack.invokes)
            assert source.cloud in clouds or asked
        replicas = p.cloud_stack(target)
        replica = _component(replicas, BUCKET_TOKEN, replica_name(bucket))
        kept = children(replicas, replica)
        assert any(x.protect for x in kept), f"{replica.name} protects none of {_types(kept)}"

    # -- labels -------------------------------------------------------------------------------

    def _labelled_projects(self, sites: tuple[Site, Site]) -> Iterator[Project]:
        """The pair's VPN (or native) project with labels and, where the clouds can make
        one, its interconnect in phase 2 (every resource it declares)."""
        a, b = sites
        yield project(labelled.labelled_linked_spec(a, b, "vpn"))
        if a.cloud == b.cloud:  # regions keep their native link in interconnect mode
            return
        text = labelled.labelled_linked_spec(a, b, "interconnect")
        try:
            plan_of(text)
        except UnsupportedError:
            return
        yield project(text, ready=True)

    def test_every_taggable_resource_of_every_stack_carries_its_labels(
        self, sites: tuple[Site, Site]
    ) -> None:
        """Site stacks (gateways and their public IPs included), peering stacks and
        replication stacks: every resource whose SDK type takes tags/labels carries the
        top-level labels, `skyinfra-project`, the labels of the network it serves (gateway,
        link) or of the bucket it copies (replication) and a `skyinfra-resource` naming that
        neutral thing, all valid by its cloud's rules; every other type is declared in the
        cloud's `label_rules.unlabelled`."""
        clouds = {s.cloud for s in sites}
        for p in self._labelled_projects(sites):
            for stack in p.stacks.values():
                for cloud in clouds:
                    faults = list(labelled.label_faults(p.plan.topology, stack, cloud))
                    assert not faults, "\n".join(faults)
                    declared = set(get_cloud(cloud).label_rules.unlabelled)
                    undeclared = labelled.unlabelled_types(stack, cloud) - declared
                    assert not undeclared, f"declare in {cloud}'s unlabelled: {undeclared}"

    # -- fakes and guardrails over the stacks two sites make ----------------------------------

    def _projects(self, sites: tuple[Site, Site]) -> Iterator[Project]:
        yield project(linked_spec(*sites, "vpn"))

    def test_fakes_handle_every_type_of_the_link_and_replication_stacks(
        self, sites: tuple[Site, Site]
    ) -> None:
        for p in self._projects(sites):
            for stack in p.stacks.values():
                for cloud in {s.cloud for s in sites}:
                    fakes = get_cloud(cloud).mock_fakes()
                    for r in of_cloud(stack, cloud):
                        assert r.id, f"{r.type} {r.name} got no id"
                        assert r.type in fakes.resources or fakes.default_id is not None

    def test_every_secret_input_is_declared_in_its_clouds_guardrail_table(
        self, sites: tuple[Site, Site]
    ) -> None:
        for p in self._projects(sites):
            for stack in p.stacks.values():
                for cloud in {s.cloud for s in sites}:
                    self._check_secrets(get_cloud(cloud), stack)

    def _check_secrets(self, cloud: Cloud, stack: StackPreview) -> None:
        table = cloud.guardrails()
        assert table is not None
        declared = {**table.vpn_keys, **table.credentials}
        for r in of_cloud(stack, cloud.name):
            if r.secret_inputs:
                assert r.type in declared, f"{r.type} holds secrets no guardrail row names"
                assert r.secret_inputs <= {path[0] for path in declared[r.type]}, r.type

    def test_the_link_and_replication_stacks_pass_every_guardrail(
        self, sites: tuple[Site, Site]
    ) -> None:
        for p in self._projects(sites):
            assert check_previews(list(p.stacks.values()), p.plan.topology) == []


def _by_credential(cloud: str, step: type) -> ByCredential[object]:
    lowering = get_cloud(cloud).lowerings()[step]
    assert isinstance(lowering, ByCredential)
    return lowering
