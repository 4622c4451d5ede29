"""Google Cloud lowering: neutral plans -> pulumi_gcp resources (imported only when lowering).

A network is a custom-mode VPC network with its subnetworks and, per region, Cloud NAT for
the VMs without a public IP (all but `public: true` groups); a bucket is a private, versioned
GCS bucket; a compute group is an instance template behind a regional managed instance group,
with allow-only firewall rules that target the group's own network tag. GPU groups get the
accelerator wiring GCP needs (guest accelerators on N1, built-in GPUs on the
accelerator-optimised families) and a distribution shape that tolerates zones without the GPU.
A group of Cloud TPU slices is one TPU VM node per member instead (`_tpu_group`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypedDict

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds import get_cloud
from skyinfra.clouds.base import (
    GPU_ATTACH,
    GPU_PATH_TAIL,
    Context,
    compute_outputs,
)
from skyinfra.clouds.gcp import IAP_RANGE, SSH_PORT, Gcp, gpus, tpus
from skyinfra.clouds.gcp.federation import credential_parts
from skyinfra.clouds.gcp.identity import CLOUD_PLATFORM, attached, service_account
from skyinfra.clouds.gcp.limits import labels
from skyinfra.clouds.outputs import (
    BucketOutputs,
    ComputeOutputs,
    NetworkOutputs,
    WorkloadIdentity,
)
from skyinfra.errors import UnsupportedError
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

__all__ = ["lower_bucket", "lower_compute", "lower_network"]

# -- network --------------------------------------------------------------------------------


def lower_network(plan: NetworkPlan, ctx: Context) -> NetworkOutputs:
    """A custom-mode VPC network (auto mode would claim 10.128.0.0/9 and clash with peers).

    One network serves every region: the network's first stack on GCP creates it, and the
    others (`plan.home` set) add their regional subnetwork and firewall rules to it, read by
    StackReference. GLOBAL dynamic routing lets routes that a Cloud Router learns over a VPN
    reach every region. A GCP network has no CIDR of its own: the plan's `cidr` (this
    region's part) lives on in the outputs and the groups' firewall rules' trusted sources.
    The network holds no firewall rule: ingress is per compute group (`_firewalls`).
    """
    net = _network(plan, ctx)
    subnets = [_subnetwork(plan, ctx, net["id"], i, cidr) for i, cidr in enumerate(plan.subnets)]
    outputs: NetworkOutputs = {
        **net,
        "cidr": plan.cidr,
        "region": plan.site.region,
        "subnet_ids": [s.id for s in subnets],
        "subnet_self_links": [s.self_link for s in subnets],
    }
    if plan.egress == "nat":
        outputs["nat_router"] = _cloud_nat(plan, ctx, net["id"], subnets)
    return outputs


def _cloud_nat(
    plan: NetworkPlan, ctx: Context, network: Any, subnets: list[gcp.compute.Subnetwork]
) -> Any:
    """Cloud NAT for this region's subnetworks, on a Cloud Router of its own (no BGP): the
    VPN's router belongs to the gateway, exists only while the site has cross-cloud links and
    carries their ASN; a router needs BGP only for dynamic routing, not for NAT
    (https://cloud.google.com/nat/docs/overview, "Cloud NAT ... is not a proxy: it is
    configured on a Cloud Router, which only groups the NAT configuration"). Addresses are
    allocated by Google (AUTO_ONLY). Only the listed subnetworks are NATed: the network spans
    regions, and each region's stack owns its own subnetworks and NAT."""
    router = gcp.compute.Router(
        ctx.child("nat-router"), network=network, region=plan.site.region, opts=ctx.opts()
    )
    gcp.compute.RouterNat(
        ctx.child("nat"),
        router=router.name,
        region=plan.site.region,
        nat_ip_allocate_option="AUTO_ONLY",
        source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
        subnetworks=[
            {"name": s.self_link, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]} for s in subnets
        ],
        opts=ctx.opts(),
    )
    return router.name


class _Network(TypedDict):
    """The network's part of `NetworkOutputs` (its own, or its home stack's)."""

    id: Any
    name: Any
    self_link: Any


def _network(plan: NetworkPlan, ctx: Context) -> _Network:
    """The network's id, name and self link: created here, or its home stack's."""
    if plan.home is not None:
        home = ctx.attached_network()
        return {"id": home["id"], "name": home["name"], "self_link": home["self_link"]}
    net = gcp.compute.Network(
        ctx.child("vpc"), auto_create_subnetworks=False, routing_mode="GLOBAL", opts=ctx.opts()
    )
    return {"id": net.id, "name": net.name, "self_link": net.self_link}


def _subnetwork(
    plan: NetworkPlan, ctx: Context, network: Any, index: int, cidr: str
) -> gcp.compute.Subnetwork:
    """A regional subnetwork; Private Google Access lets VMs without public IPs reach GCS."""
    return gcp.compute.Subnetwork(
        ctx.child(f"subnet-{index}"),
        ip_cidr_range=cidr,
        region=plan.site.region,
        network=network,
        private_ip_google_access=True,
        opts=ctx.opts(),
    )


def _firewalls(plan: ComputePlan, ctx: Context, tag: str) -> None:
    """Allow rules only: GCP's implied rules already deny all other ingress and allow all egress.

    A firewall rule applies to the whole (global) network, to the VMs it targets: each rule
    here targets this group's network tag, which only this group's template carries, so a
    `public: true` bastion opens its ports on its own VMs, not on its neighbours'. The trusted
    sources are this region's part of the network and its peers. SSH from IAP's range is the
    way in (`Gcp.login`): IAP admits only callers IAM lets through.
    """
    network = ctx.attached_network()["id"]
    _allow(ctx, "fw-iap", network, (SSH_PORT,), (IAP_RANGE,), tag)
    if plan.ports:
        trusted = ctx.stack.network(plan.network).trusted_cidrs
        _allow(ctx, "fw-trusted", network, plan.ports, trusted, tag)
    if plan.public_ports:
        _allow(ctx, "fw-public", network, plan.public_ports, ("0.0.0.0/0",), tag)


def _allow(
    ctx: Context,
    suffix: str,
    network: Any,
    ports: tuple[int, ...],
    sources: tuple[str, ...],
    tag: str,
) -> gcp.compute.Firewall:
    """One ingress rule: TCP `ports` from `sources` to the VMs carrying network tag `tag`."""
    return gcp.compute.Firewall(
        ctx.child(suffix),
        network=network,
        direction="INGRESS",
        allows=[{"protocol": "tcp", "ports": [str(p) for p in sorted(set(ports))]}],
        source_ranges=list(sources),
        target_tags=[tag],
        opts=ctx.opts(),
    )


# -- bucket ---------------------------------------------------------------------------------


def lower_bucket(plan: BucketPlan, ctx: Context) -> BucketOutputs:
    """A private GCS bucket in the site's region.

    Objects are always encrypted at rest with Google-managed keys (no `encryption` block is
    needed; that block only selects a customer-managed KMS key). Uniform bucket-level access
    turns off per-object ACLs, and enforced public access prevention refuses any public grant.
    `force_destroy=False` makes deleting a non-empty bucket fail instead of emptying it.
    """
    bucket = gcp.storage.Bucket(
        ctx.child("bucket"),
        location=plan.site.region.upper(),
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning={"enabled": plan.versioning},
        force_destroy=False,
        labels=_labels(ctx),
        opts=ctx.opts(protect=plan.protect),
    )
    return {"name": bucket.name, "id": bucket.id, "url": bucket.url, "self_link": bucket.self_link}


# -- compute --------------------------------------------------------------------------------

# Families that boot only from Hyperdisk (no Persistent Disk support).
_HYPERDISK_ONLY = re.compile(r"^(c4|c4a|c4d|n4|a3-ultragpu|a4|x4|m4)-")
# Public image projects whose images all support Shielded VM (UEFI, vTPM) on x86_64.
_SHIELDED_IMAGES = ("projects/ubuntu-os-cloud/", "projects/debian-cloud/")
# No GCP region has more than 4 zones; a regional MIG's fixed surge/unavailable values must
# be 0 or at least the number of zones it uses.
_MAX_ZONES = 4


def lower_compute(plan: ComputePlan, ctx: Context) -> ComputeOutputs:
    """An instance template and a regional MIG of `plan.count` VMs spread over the region,
    and the firewall rules that admit this group's ingress (TPU slices: `_tpu_group`)."""
    tag = _target_tag(ctx)
    _firewalls(plan, ctx, tag)
    account = service_account(plan, ctx)  # its own identity: `identity.py`
    # Buckets on other clouds trusting the account (`federation.py`): their credential config.
    identity: WorkloadIdentity = {"cloud": "gcp", "service_account_id": account.unique_id}
    credentials = credential_parts(ctx.trust(identity))
    found = tpus.slice_of(plan.instance_type)
    if found is not None:
        return _tpu_group(plan, ctx, found, tag, account, credentials)
    template = _template(plan, ctx, tag, account, credentials)
    group = gcp.compute.RegionInstanceGroupManager(
        ctx.child("group"),
        base_instance_name=_dns_label(ctx.name, 58),
        region=plan.site.region,
        # selfLinkUnique pins the exact template version the SDK documents for MIG versions.
        versions=[{"instance_template": template.self_link_unique, "name": "primary"}],
        target_size=plan.count,
        **_gpu_placement(plan),
        opts=ctx.opts(),
    )
    return compute_outputs(
        plan,
        group.id,
        template_id=template.id,
        instance_group=group.instance_group,
        name=group.name,  # what `gcloud compute instance-groups managed` commands take
        service_account=account.email,
        service_account_id=account.unique_id,
    )


def _target_tag(ctx: Context) -> str:
    """The group's network tag: `<project>-<group>-vm` (a network tag is a 1-63 character
    RFC 1035 label). Group names are unique in a spec and a group runs at one site, so no
    other VM of the project carries it. A name too long for a label is cut and given a hash of
    the whole, so two long group names sharing their first 63 characters get different tags."""
    full = f"{ctx.name}-vm"
    label = _dns_label(full, 63)
    if label == full:
        return label
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{_dns_label(full, 63 - len(digest) - 1)}-{digest}"


def _template(
    plan: ComputePlan,
    ctx: Context,
    tag: str,
    account: gcp.serviceaccount.Account,
    credentials: pulumi.Output[str] | None = None,
) -> gcp.compute.InstanceTemplate:
    """The VM blueprint; templates are immutable, so a change makes a new (auto-named) one."""
    image = get_cloud(plan.site.cloud).boot_image(plan)
    return gcp.compute.InstanceTemplate(
        ctx.child("template"),
        machine_type=plan.instance_type,
        disks=[_boot_disk(plan, image)],
        network_interfaces=[_nic(plan, ctx)],
        tags=[tag],  # what this group's firewall rules target (and only them)
        guest_accelerators=_guest_accelerators(plan),
        metadata=_with_credentials(plan, _metadata(plan), credentials),
        service_account=attached(account),
        scheduling=_scheduling(plan),
        shielded_instance_config=_shielded(plan, image),
        labels=_labels(ctx),
        opts=ctx.opts(),
    )


def _boot_disk(plan: ComputePlan, image: str) -> gcp.compute.InstanceTemplateDiskArgsDict:
    """Boot disk from the image family (new VMs get the family's latest image)."""
    hyperdisk = _HYPERDISK_ONLY.match(plan.instance_type)
    return {
        "boot": True,
        "auto_delete": True,
        "source_image": image,
        "disk_size_gb": plan.disk_gb,
        "disk_type": "hyperdisk-balanced" if hyperdisk else "pd-balanced",
    }


def _nic(plan: ComputePlan, ctx: Context) -> gcp.compute.InstanceTemplateNetworkInterfaceArgsDict:
    """First subnet of the group's network. An ephemeral public IP (an empty access config)
    only for a `public: true` group; the others reach the internet through the network's
    Cloud NAT, and Google APIs through Private Google Access. Only the rules targeting the
    group's tag admit anything."""
    network = ctx.attached_network()
    nic: gcp.compute.InstanceTemplateNetworkInterfaceArgsDict = {
        "network": network["self_link"],
        "subnetwork": network["subnet_self_links"][0],
    }
    if plan.public:
        nic["access_configs"] = [{}]
    return nic


_SCRIPT_KEY = "skyinfra-startup-script"
# Fetches the group's script from the metadata server and runs it once: the marker is on the
# boot disk, which a VM the group recreates does not keep (so a new VM runs it again).
_RUN_ONCE = f"""#!/bin/bash
# skyinfra: run this group's startup script once, on the VM's first boot.
set -eu
state=/var/lib/skyinfra
[ -e "$state/startup-script.done" ] && exit 0
mkdir -p "$state"
curl -sSf -H 'Metadata-Flavor: Google' \\
  'http://metadata.google.internal/computeMetadata/v1/instance/attributes/{_SCRIPT_KEY}' \\
  > "$state/startup-script"
chmod 700 "$state/startup-script"
touch "$state/startup-script.done"
exec "$state/startup-script"
"""


def _metadata(plan: ComputePlan) -> dict[str, str]:
    """OS Login on: who may log in, and as whom, is IAM's say (roles/compute.osLogin,
    osAdminLogin), and keys live in users' OS Login profiles, so no key goes into metadata
    (VMs with OS Login ignore `ssh-keys`: https://cloud.google.com/compute/docs/oslogin/set-up-oslogin).
    GPU groups on a Deep Learning VM image also ask it to install the NVIDIA driver on first
    boot if the image lacks it, as Google's instructions for GPU instances do
    (https://cloud.google.com/deep-learning-vm/docs/cli).

    A startup script is kept as given under `skyinfra-startup-script`; the `startup-script`
    key, which the guest agent runs at every boot
    (https://cloud.google.com/compute/docs/instances/startup-scripts/linux), holds
    `_RUN_ONCE`, which runs it on the VM's first boot only, as cloud-init does on AWS and
    Azure. (The template's `metadata_startup_script` is the same key: never set both.)
    """
    metadata = {"enable-oslogin": "TRUE"}
    if plan.startup_script is not None:
        metadata[_SCRIPT_KEY] = plan.startup_script
        metadata["startup-script"] = _RUN_ONCE
    if get_cloud(plan.site.cloud).gpu_driver(plan):
        metadata["install-nvidia-driver"] = "True"
    return metadata


def _with_credentials(
    plan: ComputePlan, metadata: dict[str, str], credentials: pulumi.Output[str] | None
) -> dict[str, Any]:
    """`metadata` whose `startup-script` first configures the credentials for other clouds'
    buckets (at every boot: it also restarts the token timer), then runs `_RUN_ONCE`'s part
    if the group has a startup script."""
    if credentials is None:
        return dict(metadata)
    run_once = _RUN_ONCE.split("\n", 1)[1] if plan.startup_script is not None else ""
    script = credentials.apply(lambda c: f"#!/bin/bash\nset -eu\n{c}{run_once}")
    return {**metadata, "startup-script": script}


def _scheduling(plan: ComputePlan) -> gcp.compute.InstanceTemplateSchedulingArgsDict:
    """Spot settings; GPU and Spot VMs cannot live-migrate, so they stop on host maintenance."""
    scheduling: gcp.compute.InstanceTemplateSchedulingArgsDict = {}
    if _has_gpus(plan) or plan.spot:
        scheduling["on_host_maintenance"] = "TERMINATE"
    if plan.spot:
        scheduling["provisioning_model"] = "SPOT"
        scheduling["preemptible"] = True
        scheduling["automatic_restart"] = False
        # DELETE, not STOP: the MIG recreates preempted VMs once capacity returns.
        scheduling["instance_termination_action"] = "DELETE"
    else:
        scheduling["provisioning_model"] = "STANDARD"
    return scheduling


def _shielded(
    plan: ComputePlan, image: str
) -> gcp.compute.InstanceTemplateShieldedInstanceConfigArgsDict | None:
    """Shielded VM where the image supports it. Secure Boot stays off on GPU VMs: it refuses
    the unsigned NVIDIA kernel modules most driver installs build."""
    if plan.arch != "x86_64" or not image.startswith(_SHIELDED_IMAGES):
        return None
    return {
        "enable_secure_boot": not _has_gpus(plan),
        "enable_vtpm": True,
        "enable_integrity_monitoring": True,
    }


def _has_gpus(plan: ComputePlan) -> bool:
    return gpus.has_gpus(plan.instance_type, plan.accelerator)


def _guest_accelerators(
    plan: ComputePlan,
) -> list[gcp.compute.InstanceTemplateGuestAcceleratorArgsDict] | None:
    """GPUs to attach to the VM, or None when it has none or carries them built in.

    `Gcp.check` has already refused plans whose GPU cannot attach (at compile time); this
    raises the same error for plans that did not go through it. A GPU is never dropped.
    """
    try:
        guest = gpus.guest_accelerator(plan.instance_type, plan.accelerator)
    except ValueError as err:
        path = ("compute", plan.name, *GPU_PATH_TAIL)
        raise UnsupportedError([Gcp.unsupported(GPU_ATTACH, str(err), path)]) from None
    return None if guest is None else [{"type": guest[0], "count": guest[1]}]


def _gpu_placement(plan: ComputePlan) -> dict[str, Any]:
    """GPU groups may use any zone that has the GPU.

    By default a regional MIG keeps an EVEN spread over its zones and keeps retrying a zone
    that lacks the GPU (or is out of it). Target shape ANY creates VMs wherever capacity is.
    GCP only accepts a non-EVEN shape with proactive redistribution off, which means an
    explicit update policy. The provider then sends both fixed surge and unavailable values
    (0 when unset, and a rollout with both at 0 cannot progress), so they are set here:
    replace up to `_MAX_ZONES` VMs at a time without surging, because extra GPU VMs during a
    rollout need GPU quota that is rarely there.
    """
    if not _has_gpus(plan):
        return {}
    return {
        "distribution_policy_target_shape": "ANY",
        "update_policy": {
            "type": "PROACTIVE",
            "minimal_action": "REPLACE",
            "instance_redistribution_type": "NONE",
            "max_surge_fixed": 0,
            "max_unavailable_fixed": _MAX_ZONES,
        },
    }


# -- Cloud TPU slices ----------------------------------------------------------------------


def _tpu_group(
    plan: ComputePlan,
    ctx: Context,
    found: tpus.Slice,
    tag: str,
    account: gcp.serviceaccount.Account,
    credentials: pulumi.Output[str] | None = None,
) -> ComputeOutputs:
    """`plan.count` TPU VM nodes (`gcp.tpu.V2Vm`), `<group>-<i>`, in the slice's zone of the
    region: a managed instance group cannot hold TPU VMs, so the group is its nodes, each
    with what a MIG's template gives its VMs (subnetwork, network tag for the group's
    firewall rules, service account, labels, metadata). `Gcp.check` has refused the shapes
    and settings a node cannot take (`tpus.refusals`)."""
    zone = found.zone(plan.site.region)
    if zone is None:  # a plan that did not go through `Gcp.check`
        detail = f"{found.accelerator} in {plan.site.region}"
        problem = Gcp.unsupported(tpus.TPU_ZONE, detail, ("compute", plan.name, "placement"))
        raise UnsupportedError([problem])
    nodes = [
        _tpu_node(plan, ctx, found, zone, i, tag, account, credentials) for i in range(plan.count)
    ]
    names = [_tpu_name(ctx, i) for i in range(plan.count)]
    return compute_outputs(
        plan,
        [node.id for node in nodes],
        tpu_nodes=names,  # what `gcloud compute tpus tpu-vm` commands take, with the zone
        zone=zone,
        service_account=account.email,
        service_account_id=account.unique_id,
    )


def _tpu_node(
    plan: ComputePlan,
    ctx: Context,
    found: tpus.Slice,
    zone: str,
    index: int,
    tag: str,
    account: gcp.serviceaccount.Account,
    credentials: pulumi.Output[str] | None = None,
) -> gcp.tpu.V2Vm:
    """One slice: the TPU software version of its generation
    (https://cloud.google.com/tpu/docs/runtimes), on the group's first subnetwork with an
    external IP only for a `public: true` group (the others go out through Cloud NAT, and to
    Google APIs through Private Google Access, which the TPU API asks for without external
    IPs), Spot when asked (https://cloud.google.com/tpu/docs/spot)."""
    network = ctx.attached_network()
    return gcp.tpu.V2Vm(
        ctx.child(f"tpu-{index}"),
        name=_tpu_name(ctx, index),
        zone=zone,
        accelerator_type=found.accelerator_type,
        runtime_version=found.generation.runtime_version,
        network_config={
            "network": network["id"],
            "subnetwork": network["subnet_ids"][0],
            "enable_external_ips": plan.public,
        },
        tags=[tag],  # what this group's firewall rules target
        service_account={"email": account.email, "scopes": [CLOUD_PLATFORM]},
        scheduling_config={"spot": True} if plan.spot else None,
        metadata=_with_credentials(plan, _metadata(plan), credentials),
        labels=_labels(ctx),
        opts=ctx.opts(),
    )


def _tpu_name(ctx: Context, index: int) -> str:
    """Node `index` of the group: `<project>-<group>-<index>`, an RFC 1035 label of at most
    62 characters (the TPU API names nodes like other Compute resources; count <= 1000)."""
    return f"{_dns_label(ctx.name, 58)}-{index}"


# -- shared ---------------------------------------------------------------------------------


def _labels(ctx: Context) -> dict[str, str]:
    """The resource's labels (the spec's, checked against GCP's rules at plan time,
    `skyinfra-project`, `skyinfra-resource`) and `skyinfra-name`: `limits.labels`."""
    return labels(ctx)


def _dns_label(text: str, limit: int) -> str:
    """An RFC 1035 label (GCP resource names): lowercase, starts with a letter, no '-' at the end."""
    label = re.sub(r"[^a-z0-9-]", "-", text.lower())
    label = label if label[:1].isalpha() else f"x-{label}"
    return label[:limit].rstrip("-")
