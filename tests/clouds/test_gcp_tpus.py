"""Cloud TPU slices on GCP: offers from the catalog's TPU rows, refusals at plan time, and
what the engine receives for a group of them (one `gcp.tpu.V2Vm` node per member)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from skyinfra.api import plan_spec
from skyinfra.catalog import load_catalog
from skyinfra.clouds import get_cloud
from skyinfra.clouds.base import GPU_ATTACH, TPU
from skyinfra.clouds.gcp import tpus
from skyinfra.clouds.gcp.identity import CLOUD_PLATFORM
from skyinfra.clouds.records import LoginTarget
from skyinfra.components import COMPUTE_TOKEN
from skyinfra.errors import SpecError, UnsupportedError
from skyinfra.guardrails.check import resource_of
from skyinfra.preview import Registered, StackPreview
from skyinfra.site import Site
from skyinfra.spec import Accelerator
from skyinfra.topology import ComputePlan, StackPlan
from tests.stacks import run, stack_plan

TPU_VM = "gcp:tpu/v2Vm:V2Vm"
FIREWALL = "gcp:compute/firewall:Firewall"
ACCOUNT = "gcp:serviceaccount/account:Account"
CATALOG = load_catalog(None)
CLOUD_TPU_REFUSALS = (("aws", TPU), ("azure", TPU), ("gcp", tpus.TPU_SHAPE))


def offer(region: str, accelerator: str) -> Any:
    (found,) = [o for o in CATALOG.offers("gcp", region) if o.accelerator == accelerator]
    return found


# -- offers -----------------------------------------------------------------------------------


def test_a_tpu_row_is_an_offer_of_its_own_priced_as_the_row() -> None:
    """us-central1's `tpu-v6e-8` row: 21.6 $/h, Spot 4.11533 $/h (the VM's host included)."""
    found = offer("us-central1", "tpu-v6e-8")
    assert (found.instance_type, found.accelerator_count) == ("v6e-8", 1)
    assert (found.price, found.spot_price) == (21.6, 4.11533)
    assert (found.vcpus, found.memory_gib, found.arch) == (180, 1440, "x86_64")


def test_a_multi_host_slice_has_all_its_vms_resources() -> None:
    found = offer("us-central1", "tpu-v5litepod-16")  # 4 VMs of 4 chips (112 vCPUs, 192 GiB)
    assert (found.instance_type, found.vcpus, found.memory_gib) == ("v5litepod-16", 448, 768)


def test_the_placeholder_price_is_no_price() -> None:
    """asia-east1 lists v6e at 700 $/h for every size: unknown, so never chosen."""
    found = offer("asia-east1", "tpu-v6e-8")
    assert (found.price, found.spot_price) == (None, None)
    assert offer("southamerica-west1", "tpu-v6e-8").price == 21.6
    assert offer("southamerica-west1", "tpu-v6e-8").spot_price is None


def test_tpu_hosts_and_unsupported_generations_are_no_offers() -> None:
    offers = CATALOG.offers("gcp", "us-central1")
    assert not [o for o in offers if o.instance_type.endswith("-tpu")]
    assert not [o for o in offers if (o.accelerator or "").startswith(("tpu-v4", "tpu-v5p"))]
    # ...but they are in the catalog: the rows exist, only the offers are withheld.
    assert {"tpu-v4-8", "tpu-v5p-8"} <= set(CATALOG.accelerator_names(["gcp"]))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tpu-v6e-8", ("v6e-8", 1)),
        ("v5litepod-4", ("v5litepod-4", 1)),
        ("tpu-v6e-256", ("v6e-256", 64)),
        ("tpu-v6e-2", None),  # no such single-VM shape
        ("tpu-v6e-18", None),  # not whole 4-chip VMs
        ("tpu-v4-8", None),
        ("A100", None),
    ],
)
def test_slice_shapes(name: str, expected: tuple[str, int] | None) -> None:
    found = tpus.slice_of(name)
    assert (None if found is None else (found.accelerator_type, found.vms)) == expected


# -- planning ---------------------------------------------------------------------------------


def _plan(tmp_path: Path, group: str) -> Any:
    path = tmp_path / "sky.yaml"
    path.write_text(
        "name: demo\naccounts: {gcp: {project: p}}\nnetworks: {core: {}}\n"
        f"compute:\n  tpu:\n    network: core\n{group}"
    )
    return plan_spec(path)


def _refused(tmp_path: Path, group: str) -> list[Any]:
    with pytest.raises(SpecError) as caught:
        _plan(tmp_path, group)
    return list(caught.value.problems)


def test_every_cloud_allowed_places_a_tpu_on_gcp(tmp_path: Path) -> None:
    """AWS and Azure declare they have no TPU: they leave the candidates, not the plan."""
    plan = _plan(tmp_path, '    resources: {accelerators: "tpu-v6e-8"}\n')
    (stack,) = plan.topology.stacks
    (group,) = stack.compute
    assert (group.site.cloud, group.instance_type) == ("gcp", "v6e-8")
    assert group.site.region in tpus.V6E.zones


def test_a_generation_skyinfra_cannot_create_is_refused_by_every_cloud(tmp_path: Path) -> None:
    """tpu-v4-8 is in the catalog, but no cloud can give it: each says why, no "no offer"."""
    problems = _refused(tmp_path, "    resources: {accelerators: tpu-v4-8}\n")
    reasons = {p.message.removeprefix("tpu-v4-8:1 is a Cloud TPU: ") for p in problems}
    assert reasons == {get_cloud(c).UNSUPPORTED[k] for c, k in CLOUD_TPU_REFUSALS}
    assert {p.path for p in problems} == {("compute", "tpu", "resources", "accelerators")}


def test_a_slice_type_with_another_accelerator_is_refused(tmp_path: Path) -> None:
    (problem,) = _refused(
        tmp_path,
        "    instance_type: v6e-8\n    resources: {accelerators: tpu-v5litepod-8}\n"
        "    placement: {cloud: gcp, region: us-east1}\n",
    )
    assert problem.path == ("compute", "tpu", "resources", "accelerators")
    assert "v6e-8 is the Cloud TPU slice tpu-v6e-8:1, not tpu-v5litepod-8:1" in problem.message
    assert problem.message.endswith(get_cloud("gcp").UNSUPPORTED[GPU_ATTACH])


def test_a_disk_size_on_a_tpu_is_refused(tmp_path: Path) -> None:
    (problem,) = _refused(tmp_path, "    resources: {accelerators: tpu-v6e-8, disk_gb: 500}\n")
    assert problem.path == ("compute", "tpu", "resources", "disk_gb")
    assert problem.message.endswith(get_cloud("gcp").UNSUPPORTED[tpus.TPU_BOOT])


def test_a_tpu_attached_to_a_machine_type_says_what_a_tpu_is(tmp_path: Path) -> None:
    (problem,) = _refused(
        tmp_path,
        "    instance_type: n2-standard-8\n    resources: {accelerators: tpu-v6e-8}\n"
        "    placement: {cloud: gcp, region: us-east1}\n",
    )
    assert "is a Cloud TPU: it is a TPU VM of its own" in problem.message


# -- lowering: what the engine receives -------------------------------------------------------


def _tpu_stack(*, spot: bool = False, public: bool = False, count: int = 2) -> StackPlan:
    stack = stack_plan("gcp", spot=spot, public=public, count=count, instance_type="v6e-8")
    (group,) = stack.compute
    tpu = replace(
        group,
        accelerator=Accelerator("tpu-v6e-8"),
        disk_gb=100,
        labels=(("team", "research"),),
        startup_script="#!/bin/bash\necho hi\n",
    )
    return replace(stack, compute=(tpu,))


@cache
def trainer() -> StackPreview:
    """2 x v6e-8 in us-central1, on demand, private."""
    return run(_tpu_stack())


@cache
def public_spot() -> StackPreview:
    """1 x v6e-8, Spot, `public: true`."""
    return run(_tpu_stack(spot=True, public=True, count=1))


def nodes(p: StackPreview) -> list[Registered]:
    return sorted(p.by_type(TPU_VM), key=lambda r: r.name)


def test_one_tpu_vm_node_per_member_and_no_instance_group() -> None:
    p = trainer()
    assert [n.name for n in nodes(p)] == ["demo-api-tpu-0", "demo-api-tpu-1"]
    assert [n.inputs["name"] for n in nodes(p)] == ["demo-api-0", "demo-api-1"]
    (group,) = p.by_type(COMPUTE_TOKEN)
    assert {n.parent for n in nodes(p)} == {group.urn}
    assert not [r for r in p.resources if r.type.startswith("gcp:compute/instance")]
    assert not [r for r in p.resources if "InstanceGroupManager" in r.type]


def test_the_slice_boots_its_generations_documented_software_version() -> None:
    for node in nodes(trainer()):
        assert node.inputs["acceleratorType"] == "v6e-8"
        assert node.inputs["runtimeVersion"] == "v2-alpha-tpuv6e"
        assert node.inputs["zone"] == "us-central1-a"
        assert "schedulingConfig" not in node.inputs


def test_v5e_boots_the_v5e_software_version() -> None:
    stack = _tpu_stack(count=1)
    (group,) = stack.compute
    v5e = replace(group, instance_type="v5litepod-4", accelerator=Accelerator("tpu-v5litepod-4"))
    (node,) = nodes(run(replace(stack, compute=(v5e,))))
    assert (node.inputs["acceleratorType"], node.inputs["runtimeVersion"]) == (
        "v5litepod-4",
        "v2-alpha-tpuv5-lite",
    )


def test_nodes_join_the_groups_subnetwork_without_external_ips() -> None:
    p = trainer()
    network = p.outputs["networks"]["core"]
    for node in nodes(p):
        assert node.inputs["networkConfig"] == {
            "network": network["id"],
            "subnetwork": network["subnet_ids"][0],
            "enableExternalIps": False,
        }
    (node,) = nodes(public_spot())
    assert node.inputs["networkConfig"]["enableExternalIps"] is True


def test_spot_slices_ask_for_spot() -> None:
    (node,) = nodes(public_spot())
    assert node.inputs["schedulingConfig"] == {"spot": True}


def test_nodes_carry_the_groups_service_account_tag_labels_and_script() -> None:
    p = trainer()
    (account,) = p.by_type(ACCOUNT)
    tags = {t for f in p.by_type(FIREWALL) for t in f.inputs["targetTags"]}
    for node in nodes(p):
        assert node.inputs["serviceAccount"] == {
            "email": account.outputs["email"],
            "scopes": [CLOUD_PLATFORM],
        }
        assert node.inputs["tags"] == sorted(tags)
        assert node.inputs["labels"] == {
            "team": "research",
            "skyinfra-project": "demo",
            "skyinfra-name": "demo-api",
        }
        metadata = node.inputs["metadata"]
        assert metadata["enable-oslogin"] == "TRUE"
        assert metadata["skyinfra-startup-script"] == "#!/bin/bash\necho hi\n"
        assert "install-nvidia-driver" not in metadata
        assert metadata["startup-script"].startswith("#!/bin/bash\n# skyinfra: run this group")


def test_outputs_name_the_nodes_and_their_zone() -> None:
    out = trainer().outputs["compute"]["api"]
    assert out["tpu_nodes"] == ["demo-api-0", "demo-api-1"]
    assert out["zone"] == "us-central1-a"
    assert out["group_id"] == [n.id for n in nodes(trainer())]
    assert out["instance_type"] == "v6e-8"


# -- guardrails and login ---------------------------------------------------------------------


def test_guardrail_rows_read_a_nodes_public_ip_and_firewall_reach() -> None:
    table = get_cloud("gcp").guardrails()
    assert table is not None and TPU_VM in table.vms
    private = [resource_of(n) for n in nodes(trainer())]
    (public,) = [resource_of(n) for n in nodes(public_spot())]
    assert not any(table.public_address[TPU_VM](n) for n in private)
    assert table.public_address[TPU_VM](public)
    ingress = table.ingress[FIREWALL]
    for firewall in (resource_of(f) for f in trainer().by_type(FIREWALL)):
        for rule in ingress.parse(firewall):
            assert all(ingress.reaches(firewall, rule, n, {}) for n in private)


def test_login_reaches_node_index_through_iap() -> None:
    target = LoginTarget(
        group="trainer",
        site=Site("gcp", "us-central1"),
        outputs={"tpu_nodes": ["demo-trainer-0", "demo-trainer-1"], "zone": "us-central1-a"},
        settings={"project": "p"},
        index=1,
    )
    assert get_cloud("gcp").login_command(target) == (
        "gcloud compute tpus tpu-vm ssh demo-trainer-1 --zone us-central1-a --project p "
        "--tunnel-through-iap"
    )


def test_a_plan_that_skipped_the_check_still_refuses_an_unknown_zone() -> None:
    stack = _tpu_stack(count=1)
    (group,) = stack.compute
    moved: ComputePlan = replace(group, site=Site("gcp", "europe-west1"))
    with pytest.raises(UnsupportedError, match="skyinfra knows no zone"):
        run(replace(stack, compute=(moved,)))
