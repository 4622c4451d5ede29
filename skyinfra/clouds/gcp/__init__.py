"""Google Cloud: facts for planning; its lowering table is `lowerings.py`.

GCP's catalog prices GPUs apart from their host machine types; `offers.py` joins them, and
makes Cloud TPU slices (`tpus.py`) offers of their own.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from skyinfra.clouds.base import (
    GPU_ATTACH,
    GPU_PATH_TAIL,
    Cloud,
    InterconnectSide,
    LoginPath,
    LoginTarget,
    ReplicationFacts,
    is_tpu,
    with_lookup,
)
from skyinfra.clouds.gcp import gpus, limits, tpus
from skyinfra.clouds.gcp.offers import join_gpu_offers
from skyinfra.clouds.records import LoginTrace
from skyinfra.errors import KeyPath, Problem
from skyinfra.offer import Offer, Row
from skyinfra.spec import Accelerator
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

#: The range IAP's TCP forwarding connects from: Google's proxy, not the internet (only a
#: caller holding roles/iap.tunnelResourceAccessor on the VM gets a tunnel through it).
#: https://cloud.google.com/iap/docs/using-tcp-forwarding#create-firewall-rule
IAP_RANGE = "35.235.240.0/20"
SSH_PORT = 22


def _family(project: str, family: str) -> str:
    return f"projects/{project}/global/images/family/{family}"


class Gcp(Cloud):
    name = "gcp"
    title = "Google Cloud"
    provider_namespace = "gcp"
    account_keys: ClassVar[dict[str, str]] = {"project": "the GCP project id to deploy into"}
    required_account_keys = frozenset({"project"})
    label_rules = limits.LABELS
    startup_script = limits.STARTUP_SCRIPT
    UNSUPPORTED: ClassVar[dict[str, str]] = {
        GPU_ATTACH: "GCP attaches a GPU only to machine types that can carry it",
        **tpus.UNSUPPORTED,
    }
    identity_kind = "service account"
    # Keyless federation (`federation.py`): an AWS group's role, or an Azure group's managed
    # identity (its tokens for the group's Entra application), through a workload identity
    # pool; its VMs carry Google ID tokens for S3 roles and Azure identities trusting them.
    workload_identity = "google-id-token"
    trusts: ClassVar[dict[str, str]] = {
        "aws-iam-role": "workload identity federation",
        "entra-id-token": "workload identity federation",
    }
    consumes = frozenset({"aws-web-identity", "azure-workload-identity"})
    cross_region_link = None  # a VPC network is global: regions are its subnets
    login = LoginPath(
        method="iap-tcp-forwarding",
        title="Identity-Aware Proxy TCP forwarding, with OS Login",
        docs="https://cloud.google.com/iap/docs/using-tcp-forwarding",
        prerequisites=(
            "the gcloud CLI, logged in (gcloud auth login)",
            "IAM role roles/iap.tunnelResourceAccessor (IAP-secured Tunnel User)",
            "IAM role roles/compute.osAdminLogin (or roles/compute.osLogin: no sudo) for OS Login",
            "IAM permission compute.instanceGroupManagers.list (roles/compute.viewer)",
        ),
        traces=(
            LoginTrace("gcp:compute/firewall:Firewall", ("sourceRanges",), IAP_RANGE),
            LoginTrace(
                "gcp:compute/instanceTemplate:InstanceTemplate",
                ("metadata", "enable-oslogin"),
                "TRUE",
            ),
        ),
    )
    inside_first_host_rank = 2
    interconnect = InterconnectSide(
        product="Cross-Cloud Interconnect",
        resources=(
            "gcp:compute/interconnect:Interconnect",
            "gcp:compute/interconnectAttachment:InterconnectAttachment",
            "gcp:compute/routerInterface:RouterInterface",
            "gcp:compute/routerPeer:RouterPeer",
            "gcp:compute/router:Router",
        ),
        order=(
            "pulumi up (phase 1) orders 2 Cross-Cloud Interconnect ports (10 Gbps), one in each "
            "edge availability domain (skyinfra:interconnect-location-1 and -2), facing "
            "skyinfra:interconnect-remote-location-1 and -2; Google provisions the cross-connects "
            "to the peer's ports (days to weeks, after it has their LOAs); phase 2 once both "
            "Interconnects are ACTIVE"
        ),
        phase_one="2 Cross-Cloud Interconnect ports",
        phase_two="2 VLAN attachments (MTU 1500), a Cloud Router interface and BGP peer on each",
        hub=True,
        config=(
            (
                "interconnect-location-1",
                "Google interconnect location (URL or name) of connection 1's port, in one edge "
                "availability domain, e.g. iad-zone1-1 (`gcloud compute interconnects locations "
                "list`)",
            ),
            (
                "interconnect-location-2",
                "Google interconnect location of connection 2's port, in the metro's other edge "
                "availability domain, e.g. iad-zone2-1",
            ),
            (
                "interconnect-remote-location-1",
                "the peer cloud's location connection 1 reaches, as Google names it "
                "(`gcloud compute interconnects remote-locations list`)",
            ),
            (
                "interconnect-remote-location-2",
                "the peer cloud's location connection 2 reaches (the same as connection 1's "
                "for an ExpressRoute Direct port pair)",
            ),
        ),
        # Redundancy: Google's SLA needs the two connections in two edge availability domains.
        distinct=(("interconnect-location-1", "interconnect-location-2"),),
    )
    replication = ReplicationFacts(
        within="gcp-storage-transfer-replication",
        foreign="gcp-storage-transfer",
        reads=("s3-web-identity-role", "blob-sas-token"),
        issues=("gcs-hmac-key",),
    )
    images: ClassVar[dict[tuple[str, str], Any]] = {
        ("ubuntu-22.04", "x86_64"): _family("ubuntu-os-cloud", "ubuntu-2204-lts"),
        ("ubuntu-22.04", "arm64"): _family("ubuntu-os-cloud", "ubuntu-2204-lts-arm64"),
        ("ubuntu-24.04", "x86_64"): _family("ubuntu-os-cloud", "ubuntu-2404-lts-amd64"),
        ("ubuntu-24.04", "arm64"): _family("ubuntu-os-cloud", "ubuntu-2404-lts-arm64"),
        ("debian-12", "x86_64"): _family("debian-cloud", "debian-12"),
        ("debian-12", "arm64"): _family("debian-cloud", "debian-12-arm64"),
    }
    # Deep Learning VM base images: Ubuntu with the NVIDIA driver (580) and CUDA 12.9. The
    # current families of https://cloud.google.com/deep-learning-vm/docs/images (the cu124
    # and cu128 families are deprecated); x86_64 only.
    gpu_images: ClassVar[dict[tuple[str, str], Any]] = {
        ("ubuntu-22.04", "x86_64"): _family(
            "deeplearning-platform-release", "common-cu129-ubuntu-2204-nvidia-580"
        ),
        ("ubuntu-24.04", "x86_64"): _family(
            "deeplearning-platform-release", "common-cu129-ubuntu-2404-nvidia-580"
        ),
    }
    custom_image_format = "projects/PROJECT/global/images/NAME or .../images/family/FAMILY"
    _IMAGE = re.compile(
        r"^(https://www\.googleapis\.com/compute/v1/)?projects/[a-z][-a-z0-9.:]*"
        r"/global/images/(family/)?[a-z]([-a-z0-9]*[a-z0-9])?$"
    )

    _ARM = re.compile(r"^(t2a|c4a|n4a)-")
    _BURSTABLE = re.compile(r"^(e2-(micro|small|medium)|f1-micro|g1-small)$")

    def is_arm64(self, instance_type: str) -> bool:
        return bool(self._ARM.match(instance_type))

    def is_burstable(self, instance_type: str) -> bool:
        return bool(self._BURSTABLE.match(instance_type))

    def has_nvidia_gpus(self, instance_type: str, accelerator: Accelerator | None) -> bool:
        """Requested GPUs, or an accelerator-optimised type's built-in ones (all NVIDIA); a
        Cloud TPU slice has none."""
        if tpus.slice_of(instance_type) is not None:
            return False
        return gpus.has_gpus(instance_type, accelerator)

    def accelerator_refusal(self, accelerator: Accelerator, path: KeyPath) -> Problem | None:
        """A Cloud TPU of a generation or size skyinfra cannot create (`tpu-v4-8`): said here,
        rather than as "no offer" (the catalog has its rows, but they give no offers)."""
        if is_tpu(accelerator.name) and tpus.slice_of(accelerator.name) is None:
            return self.unsupported(tpus.TPU_SHAPE, f"{accelerator} is a Cloud TPU", path)
        return super().accelerator_refusal(accelerator, path)

    def custom_image_problem(self, reference: str) -> str | None:
        if self._IMAGE.match(reference):
            return None
        return f"{reference!r} is not a Compute Engine image or image family path"

    def check(self, plan: NetworkPlan | BucketPlan | ComputePlan) -> list[Problem]:
        if not isinstance(plan, ComputePlan):
            return super().check(plan)
        found = tpus.slice_of(plan.instance_type)
        if found is not None:
            return [
                self.unsupported(feature, detail, ("compute", plan.name, *tail))
                for feature, detail, tail in tpus.refusals(plan, found)
            ]
        try:
            gpus.guest_accelerator(plan.instance_type, plan.accelerator)
        except ValueError as err:
            return [self.unsupported(GPU_ATTACH, str(err), ("compute", plan.name, *GPU_PATH_TAIL))]
        return []

    def offers_from_rows(self, rows: Iterable[Row]) -> Iterator[Offer]:
        return join_gpu_offers(self, list(rows))

    def offline_breaks(self, plan: ComputePlan) -> list[str]:
        """Google APIs stay reachable (Private Google Access on the subnets); the NVIDIA
        driver install a GPU group asks for fetches packages from the internet."""
        breaks = super().offline_breaks(plan)
        if self.gpu_driver(plan):
            breaks.append(
                "if its Deep Learning VM image lacks the NVIDIA driver, the first-boot driver "
                "install (install-nvidia-driver) cannot download it"
            )
        return breaks

    def login_command(self, target: LoginTarget) -> str:
        """`gcloud compute ssh --tunnel-through-iap` to the group's VM `index` (by URI, sorted;
        the URI carries the VM's zone), which the regional MIG (`name`) lists; for a group of
        TPU slices, `gcloud compute tpus tpu-vm ssh` to its node `index` (worker 0)."""
        project = target.settings["project"]
        if "tpu_nodes" in target.outputs:
            return _tpu_login(target, project)
        lookup = shlex.join(
            [
                *("gcloud", "compute", "instance-groups", "managed", "list-instances"),
                str(target.outputs["name"]),
                *("--region", target.site.region, "--project", project),
                *("--uri", "--sort-by=instance"),
            ]
        )
        lookup += f" | sed -n {target.index + 1}p"
        return with_lookup(
            ["gcloud", "compute", "ssh"], lookup, ["--tunnel-through-iap", "--project", project]
        )


def _tpu_login(target: LoginTarget, project: str) -> str:
    """TPU VMs take OS Login and IAP tunnelling like other VMs
    (https://cloud.google.com/sdk/gcloud/reference/compute/tpus/tpu-vm/ssh)."""
    node = str(target.outputs["tpu_nodes"][target.index])
    return shlex.join(
        [
            *("gcloud", "compute", "tpus", "tpu-vm", "ssh", node),
            *("--zone", str(target.outputs["zone"]), "--project", project),
            "--tunnel-through-iap",
        ]
    )
