"""GCP's rows of the guardrail tables (`skyinfra.guardrails.table.CloudGuardrails`).

GCS buckets are private by their own flags; firewalls hold ingress and reach the VMs of
their network that carry a target tag or service account (all of them without targets);
networks have no ranges of their own, their regional subnetworks do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from skyinfra.clouds.gcp import IAP_RANGE
from skyinfra.guardrails.ingress import Ingress, port_range
from skyinfra.guardrails.model import Intent, Resource, as_list, is_true, lookup
from skyinfra.guardrails.table import CloudGuardrails, IngressType

__all__ = ["GUARDRAILS"]

_BUCKET = "gcp:storage/bucket:Bucket"
_TPU_VM = "gcp:tpu/v2Vm:V2Vm"  # a Cloud TPU VM node: `networkConfig`, not network interfaces
_VMS = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance", _TPU_VM}
)


def _gcs_private(r: Resource, _: Intent) -> Iterator[str]:
    if r.inputs.get("publicAccessPrevention") != "enforced":
        yield "public access prevention is not enforced"
    if not is_true(r.inputs.get("uniformBucketLevelAccess")):
        yield "uniform bucket-level access is off (object ACLs may grant public reads)"


def _firewall(r: Resource) -> Iterator[Ingress]:
    if r.inputs.get("direction", "INGRESS") != "INGRESS" or is_true(r.inputs.get("disabled")):
        return
    sources = tuple(str(s) for s in as_list(r.inputs.get("sourceRanges")))
    named = [*as_list(r.inputs.get("targetTags")), *as_list(r.inputs.get("targetServiceAccounts"))]
    targets = tuple(str(t) for t in named) or None
    for allow in as_list(r.inputs.get("allows")):
        protocol = str(lookup(allow, "protocol") or "").lower()
        ports = as_list(lookup(allow, "ports")) or ["*"]
        for port in ports:
            yield Ingress(protocol, port_range(port), sources, targets)


def _firewall_reaches(
    firewall: Resource, rule: Ingress, vm: Resource, _: Mapping[str, Resource]
) -> bool:
    """A firewall applies to the VMs of its network carrying one of its target tags or
    service accounts; without targets, to all of them."""
    if vm.type not in _VMS:
        return False
    if _network_name(firewall.inputs.get("network")) not in _networks(vm):
        return False
    if rule.targets is None:
        return True
    account = lookup(vm.inputs, "serviceAccount", "email")  # one per template or instance
    named = {str(t) for t in [*as_list(vm.inputs.get("tags")), account] if t}
    return bool(set(rule.targets) & named)


def _nics(vm: Resource) -> list[Any]:
    """A VM's network attachments: its NICs, or a TPU node's network config(s)."""
    if vm.type == _TPU_VM:
        return [*as_list(vm.inputs.get("networkConfigs")), vm.inputs.get("networkConfig")]
    return as_list(vm.inputs.get("networkInterfaces"))


def _networks(vm: Resource) -> set[str]:
    return {_network_name(lookup(n, "network")) for n in _nics(vm) if n}


def _network_name(ref: Any) -> str:
    """`projects/p/global/networks/n`, its self link, or a bare name -> `n`."""
    return str(ref).rsplit("/networks/", 1)[-1]


def _subnetwork_ranges(r: Resource) -> list[str]:
    return [str(r.inputs["ipCidrRange"])] if r.inputs.get("ipCidrRange") else []


# -- grants-scoped ---------------------------------------------------------------------------


def _project_storage_role(r: Resource, _: Intent) -> Iterator[str]:
    """A Cloud Storage role granted on the whole project reaches every bucket in it."""
    roles = [r.inputs.get("role")]
    policy = r.inputs.get("policyData")
    if isinstance(policy, str):  # IAMPolicy: the whole policy as JSON
        roles = [b.get("role") for b in _bindings(policy)]
    wide = [str(x) for x in roles if isinstance(x, str) and x.startswith("roles/storage.")]
    if wide:
        yield f"project-level {', '.join(wide)} reaches every bucket of the project"


def _whole_pool(r: Resource, _: Intent) -> Iterator[str]:
    """A bucket grant to every identity of a workload identity pool (`.../*`), not the one
    role or identity the pool's provider admits."""
    member = r.inputs.get("member")
    if isinstance(member, str) and member.startswith("principalSet://") and member.endswith("/*"):
        yield f"bucket grant to every identity of a workload identity pool ({member})"


def _unconditioned_provider(r: Resource, _: Intent) -> Iterator[str]:
    """A workload identity pool provider without an attribute condition admits every
    identity of the foreign account or tenant."""
    if not r.inputs.get("attributeCondition"):
        yield "workload identity pool provider without an attribute condition"


def _bindings(policy: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(policy)
    except ValueError:
        return []
    return [b for b in as_list(data.get("bindings")) if isinstance(b, dict)]


def _external_ip(r: Resource) -> bool:
    """An access config on a NIC is an external IP (an empty one: an ephemeral address); a
    TPU node's network config asks for them with `enableExternalIps`."""
    if r.type == _TPU_VM:
        return any(is_true(lookup(n, "enableExternalIps")) for n in _nics(r) if n)
    return any(as_list(lookup(nic, "accessConfigs")) for nic in _nics(r))


GUARDRAILS = CloudGuardrails(
    public_bucket={_BUCKET: _gcs_private},
    ingress={
        "gcp:compute/firewall:Firewall": IngressType(
            _firewall,
            _firewall_reaches,
            # IAP's TCP forwarding: Google's proxy, which admits only IAM-authorised callers
            # (https://cloud.google.com/iap/docs/using-tcp-forwarding), not the internet.
            proxies={IAP_RANGE: "Identity-Aware Proxy TCP forwarding"},
        )
    },
    vms=_VMS,
    vpn_keys={
        "gcp:compute/vPNTunnel:VPNTunnel": (("sharedSecret",),),
        # the BGP MD5 key of an interconnect's router peer: the same kind of link secret
        "gcp:compute/routerPeer:RouterPeer": (("md5AuthenticationKey",),),
    },
    credentials={
        "gcp:storage/transferJob:TransferJob": (
            ("transferSpec", "azureBlobStorageDataSource", "azureCredentials", "sasToken"),
        ),
    },
    stateful=frozenset({_BUCKET, "gcp:sql/databaseInstance:DatabaseInstance"}),
    ranges={"gcp:compute/subnetwork:Subnetwork": _subnetwork_ranges},
    grants={
        "gcp:projects/iAMMember:IAMMember": _project_storage_role,
        "gcp:projects/iAMBinding:IAMBinding": _project_storage_role,
        "gcp:projects/iAMPolicy:IAMPolicy": _project_storage_role,
        "gcp:storage/bucketIAMMember:BucketIAMMember": _whole_pool,
        "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (
            _unconditioned_provider
        ),
    },
    long_lived_keys=frozenset({"gcp:serviceaccount/key:Key", "gcp:storage/hmacKey:HmacKey"}),
    identities=frozenset({"gcp:serviceaccount/account:Account"}),
    public_address=dict.fromkeys(_VMS, _external_ip),
    nat=frozenset({"gcp:compute/routerNat:RouterNat"}),
)
