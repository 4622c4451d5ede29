"""Amazon Web Services: facts for planning; its lowering table is `lowerings.py`."""

from __future__ import annotations

import re
import shlex
from typing import Any, ClassVar

from skyinfra.clouds.aws import limits
from skyinfra.clouds.base import (
    GPU_ATTACH,
    TPU,
    Cloud,
    InterconnectSide,
    LoginPath,
    LoginTarget,
    ReplicationFacts,
    with_lookup,
)
from skyinfra.clouds.records import LoginTrace
from skyinfra.topology import ComputePlan

_CANONICAL = "099720109477"
_DEBIAN = "136693071363"
_AMAZON = "amazon"  # the owner alias of AWS's own AMIs, Deep Learning AMIs included


def _dlami(arch: str, ubuntu: str) -> dict[str, Any]:
    """The newest Deep Learning Base OSS Nvidia Driver GPU AMI: Ubuntu with the NVIDIA driver,
    CUDA and the container toolkit. Names end in an 8-digit build date; AWS's documented
    lookup is `--owners amazon` with this name and `????????`
    (https://docs.aws.amazon.com/dlami/latest/devguide/aws-deep-learning-base-gpu-ami-ubuntu-22-04.html).
    The arm64 build (Graviton GPU instances: G5g) is named "ARM64 Base"."""
    kind = "Deep Learning ARM64 Base" if arch == "arm64" else "Deep Learning Base"
    return _ami(_AMAZON, f"{kind} OSS Nvidia Driver GPU AMI (Ubuntu {ubuntu}) ????????")


def _ami(owner: str, pattern: str) -> dict[str, Any]:
    """An AMI lookup: the newest image of `owner` whose name matches `pattern`."""
    return {"owners": [owner], "name": pattern}


class Aws(Cloud):
    name = "aws"
    title = "Amazon Web Services"
    provider_namespace = "aws"
    subnets_per_network = 2
    public_subnets_per_network = 2  # one per workload subnet's zone
    nat_zonal = True  # a NAT gateway lives in one subnet, so one zone
    regional_storage_endpoint = True  # the S3 gateway endpoint (lowering.py `_s3_endpoint`)
    account_keys: ClassVar[dict[str, str]] = {"profile": "named AWS CLI profile to deploy with"}
    cross_region_link = "aws-vpc-peering"
    label_rules = limits.LABELS
    startup_script = limits.STARTUP_SCRIPT
    # An EC2 instance type's accelerators come with the type; nothing attaches one later
    # (Elastic GPUs and Elastic Inference are retired): https://aws.amazon.com/ec2/instance-types/
    UNSUPPORTED: ClassVar[dict[str, str]] = {
        GPU_ATTACH: (
            "AWS cannot attach accelerators to an instance type: use a type that carries them "
            "(G and P families for GPUs, Inf and Trn for AWS's own)"
        ),
        TPU: (
            "Cloud TPUs are Google Cloud's and AWS offers none: place the group on Google Cloud, or "
            "use AWS's own accelerators (Trainium, Inferentia) by their names"
        ),
    }
    vpn_tunnels_per_peer_ip = 2
    # Session Manager: the SSM agent (preinstalled on Ubuntu AMIs) dials out to Systems
    # Manager with the instance profile's AmazonSSMManagedInstanceCore policy; no inbound port.
    login = LoginPath(
        method="ssm-session-manager",
        title="AWS Systems Manager Session Manager",
        docs="https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html",
        prerequisites=(
            "the AWS CLI v2",
            "the Session Manager plugin for the AWS CLI (https://docs.aws.amazon.com/"
            "systems-manager/latest/userguide/session-manager-working-with-install-plugin.html)",
            "IAM permissions autoscaling:DescribeAutoScalingGroups and ssm:StartSession",
        ),
        traces=(LoginTrace("aws:ec2/launchTemplate:LaunchTemplate", ("iamInstanceProfile",)),),
    )
    tunnel_addresses_per_link = True  # each VPN connection brings its own two addresses
    inside_first_host_rank = 0  # with explicit inside CIDRs the VGW always takes host 1
    reserved_inside_cidrs = (
        *(f"169.254.{i}.0/30" for i in range(6)),
        "169.254.169.252/30",
    )
    interconnect = InterconnectSide(
        product="AWS Direct Connect",
        resources=(
            "aws:directconnect/linkAggregationGroup:LinkAggregationGroup",
            "aws:directconnect/gateway:Gateway",
            "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface",
            "aws:directconnect/gatewayAssociation:GatewayAssociation",
            "aws:ec2/vpnGateway:VpnGateway",
            "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",
        ),
        order=(
            "pulumi up (phase 1) creates 2 Direct Connect LAGs of one 10 Gbps port each, at "
            "skyinfra:directconnect-location-1 and -2; download each port's LOA-CFA "
            "(`aws directconnect describe-loa --connection-id <port>`) and give both to Google "
            "for the Cross-Cloud Interconnect cross-connects; phase 2 once both LAGs are available"
        ),
        phase_one="a Direct Connect gateway associated with the VGW, 2 LAGs",
        phase_two="2 private virtual interfaces (MTU 1500)",
        config=(
            (
                "directconnect-location-1",
                "AWS Direct Connect location code of connection 1's LAG, the facility of "
                "skyinfra:interconnect-remote-location-1 (`aws directconnect describe-locations`)",
            ),
            (
                "directconnect-location-2",
                "AWS Direct Connect location code of connection 2's LAG, the facility of "
                "skyinfra:interconnect-remote-location-2 (not connection 1's)",
            ),
        ),
        # Redundancy: two locations, so one facility's outage leaves a connection up.
        distinct=(("directconnect-location-1", "directconnect-location-2"),),
    )
    replication = ReplicationFacts(
        within="aws-s3-replication",
        foreign="aws-datasync",
        reads=("gcs-hmac-key",),
        issues=("s3-web-identity-role", "s3-access-key"),
        refused={
            "blob-sas-token": (
                "AWS DataSync reads Azure Blob only through a DataSync agent in pulumi_aws 7.51.1 "
                "(LocationAzureBlob.agent_arns is required, although the DataSync API allows "
                "agentless transfers: hashicorp/terraform-provider-aws#43066), and activating an "
                "agent needs a VM whose port 80 the deploying machine can reach; the AWS CLI can "
                "create the agentless location (`aws datasync create-location-azure-blob` "
                "without --agent-arns) outside skyinfra"
            )
        },
        source_versioning=True,
    )
    catalog_coverage = (
        "the bundled AWS catalog covers current-generation families in 23 regions; legacy ones "
        "(a1, c4, m4, p2, p3, r4, t2, x1, ...) are left out"
    )
    images: ClassVar[dict[tuple[str, str], Any]] = {
        ("ubuntu-22.04", "x86_64"): _ami(
            _CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"
        ),
        ("ubuntu-22.04", "arm64"): _ami(
            _CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*"
        ),
        ("ubuntu-24.04", "x86_64"): _ami(
            _CANONICAL, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
        ),
        ("ubuntu-24.04", "arm64"): _ami(
            _CANONICAL, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*"
        ),
        ("debian-12", "x86_64"): _ami(_DEBIAN, "debian-12-amd64-*"),
        ("debian-12", "arm64"): _ami(_DEBIAN, "debian-12-arm64-*"),
    }
    gpu_images: ClassVar[dict[tuple[str, str], Any]] = {
        (f"ubuntu-{ubuntu}", arch): _dlami(arch, ubuntu)
        for ubuntu in ("22.04", "24.04")
        for arch in ("x86_64", "arm64")
    }
    # EC2 imports RSA and ED25519 keys only (ImportKeyPair; no ECDSA):
    # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-key-pairs.html
    ssh_key_types = ("ssh-ed25519", "ssh-rsa")
    identity_kind = "IAM role"
    # Keyless federation (`federation.py`): VMs sign STS GetCallerIdentity with their role;
    # buckets trust Google service accounts' ID tokens by web identity.
    workload_identity = "aws-iam-role"
    trusts: ClassVar[dict[str, str]] = {"google-id-token": "web identity"}
    untrusted: ClassVar[dict[str, str]] = {
        "entra-id-token": "skyinfra does not make the IAM OIDC provider for the Entra ID tenant "
        "and the role trusting the group's Entra application tokens (it makes that application "
        "for GCS only); create them by hand, or place the bucket on GCP or Azure"
    }
    consumes = frozenset({"gcp-external-account"})
    custom_image_format = "an AMI id, ami-0123456789abcdef0"
    _AMI_ID = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")

    def custom_image(self, reference: str) -> dict[str, Any]:
        """An AMI by id: looked up (for its root device) by id, with no owner to trust."""
        return {"image_id": reference}

    def custom_image_problem(self, reference: str) -> str | None:
        if self._AMI_ID.match(reference):
            return None
        return f"{reference!r} is not an AMI id (ami- and 8 or 17 hex digits)"

    # Graviton families carry a "g" after the generation digit (m7g, c6gn, r7gd) or are a1.
    _ARM = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)\.")
    _BURSTABLE = re.compile(r"^t\d[a-z]*\.")

    def is_arm64(self, instance_type: str) -> bool:
        return bool(self._ARM.match(instance_type))

    def is_burstable(self, instance_type: str) -> bool:
        return bool(self._BURSTABLE.match(instance_type))

    # Families whose types carry accelerators: GPUs (g4dn, g5, g6e, gr6, p4d, p5en, ...),
    # Inferentia, Trainium, Gaudi (dl1), FPGAs (f1) and video transcoders (vt1).
    accelerated_types = re.compile(r"^(g\d|gr\d|p\d|inf\d|trn\d|dl\d|f\d|vt\d)[a-z0-9-]*\.")

    def offline_breaks(self, plan: ComputePlan) -> list[str]:
        """Session Manager's agent dials out to Systems Manager: without the internet it
        needs interface endpoints skyinfra does not create (same-region S3 still works,
        through the network's gateway endpoint)
        https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html"""
        return [
            *super().offline_breaks(plan),
            "`skyinfra ssh` (SSM Session Manager) cannot connect: the SSM agent needs the ssm, "
            "ssmmessages and ec2messages VPC interface endpoints, which skyinfra does not create",
        ]

    def login_command(self, target: LoginTarget) -> str:
        """`aws ssm start-session` to the group's VM `index` (by instance id, sorted), which
        `aws autoscaling describe-auto-scaling-groups` finds in the group (`group_id`)."""
        region = target.site.region
        profile = ["--profile", target.settings["profile"]] if "profile" in target.settings else []
        query = f"sort_by(AutoScalingGroups[0].Instances, &InstanceId)[{target.index}].InstanceId"
        lookup = shlex.join(
            [
                *("aws", "autoscaling", "describe-auto-scaling-groups"),
                *("--auto-scaling-group-names", str(target.outputs["group_id"])),
                *("--region", region, *profile, "--query", query, "--output", "text"),
            ]
        )
        return with_lookup(
            ["aws", "ssm", "start-session", "--target"], lookup, ["--region", region, *profile]
        )
