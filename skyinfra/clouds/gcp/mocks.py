"""What GCP computes for the resources skyinfra creates, faked for the offline preview.

Ids follow the provider's formats (`projects/<project>/global/networks/<name>`, ...), self
links are the Compute API URL of the id, and buckets get the name Pulumi's auto-naming would
give them (`<logical>-<7 hex>`), since auto-naming does not happen under mocks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pulumi

from skyinfra.clouds.fakes import CloudFakes, Fakes

COMPUTE_API = "https://www.googleapis.com/compute/v1/"
STORAGE_API = "https://www.googleapis.com/storage/v1/b/"

Faked = tuple[str, dict[str, Any]]


def _project(state: dict[str, Any]) -> str:
    """The resource's `project` input, else the stack's `gcp:project` (preview sets it)."""
    return str(state.get("project") or pulumi.Config("gcp").get("project") or "skyinfra-preview")


def _region(state: dict[str, Any], fakes: Fakes) -> str:
    return str(state.get("region") or fakes.site.region)


def _compute(path: Callable[[str, dict[str, Any], Fakes], str]) -> Callable[..., Faked]:
    """A fake whose id is `projects/<project>/<path>` and whose selfLink is its API URL."""

    def fake(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        id_ = f"projects/{_project(state)}/{path(name, state, fakes)}"
        return id_, {"selfLink": COMPUTE_API + id_}

    return fake


def _global(collection: str) -> Callable[..., Faked]:
    return _compute(lambda _n, s, _f: f"global/{collection}/{s['name']}")


def _regional(collection: str) -> Callable[..., Faked]:
    return _compute(lambda _n, s, f: f"regions/{_region(s, f)}/{collection}/{s['name']}")


def _subnetwork(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _regional("subnetworks")(name, state, fakes)
    gateway = next(ipaddress.ip_network(state["ipCidrRange"]).hosts())
    return id_, {**extra, "gatewayAddress": str(gateway)}


def _template(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _global("instanceTemplates")(name, state, fakes)
    unique = f"{extra['selfLink']}?uniqueId={fakes.number(name, 19)}"
    return id_, {**extra, "selfLinkUnique": unique}


def _group_manager(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _regional("instanceGroupManagers")(name, state, fakes)
    group = extra["selfLink"].replace("/instanceGroupManagers/", "/instanceGroups/")
    return id_, {**extra, "instanceGroup": group}


def _tpu_node(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A TPU VM node: `projects/<project>/locations/<zone>/nodes/<name>`, as the TPU API ids it."""
    return f"projects/{_project(state)}/locations/{state['zone']}/nodes/{state['name']}", {
        "state": "READY"
    }


def _bucket(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Pulumi auto-names buckets `<logical>-<7 hex>`; the id is the bucket name."""
    explicit = state.get("name")
    bucket = str(explicit) if explicit and explicit != name else f"{name}-{fakes.hex(name, 7)}"
    return bucket, {"name": bucket, "url": f"gs://{bucket}", "selfLink": STORAGE_API + bucket}


def _service_account(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    email = f"{state['accountId']}@{_project(state)}.iam.gserviceaccount.com"
    return f"projects/{_project(state)}/serviceAccounts/{email}", {
        "email": email,
        "member": f"serviceAccount:{email}",
        "uniqueId": fakes.number(name, 21),
    }


def _pool(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Workload identity pools are named by the project's number, not its id."""
    pool = f"{_project_number(state, fakes)}/locations/global/workloadIdentityPools"
    full = f"{pool}/{state['workloadIdentityPoolId']}"
    return full, {"name": full, "state": "ACTIVE"}


def _pool_provider(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    pool = f"{_project_number(state, fakes)}/locations/global/workloadIdentityPools"
    full = (
        f"{pool}/{state['workloadIdentityPoolId']}/providers/"
        f"{state['workloadIdentityPoolProviderId']}"
    )
    return full, {"name": full, "state": "ACTIVE"}


def _project_number(state: dict[str, Any], fakes: Fakes) -> str:
    return f"projects/{fakes.number(_project(state), 12)}"


def _hmac_key(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """The access id is public; the SDK marks `secret` secret itself."""
    access_id = "GOOG1E" + fakes.hex(name, 24).upper()
    return f"projects/{_project(state)}/hmacKeys/{access_id}", {
        "accessId": access_id,
        "secret": fakes.hex("secret/" + name, 40),
        "state": "ACTIVE",
    }


def _transfer_agent(args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """The project's Storage Transfer Service agent and its numeric subject id."""
    project = str(args.get("project") or _project({}))
    number = fakes.number(project, 12)
    email = f"project-{number}@storage-transfer-service.iam.gserviceaccount.com"
    return {
        "email": email,
        "member": f"serviceAccount:{email}",
        "project": project,
        "subjectId": fakes.number("sts/" + project, 21),
        "id": project,
    }


def _storage_agent(args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """The project's Cloud Storage service agent (it publishes bucket notifications)."""
    project = str(args.get("project") or _project({}))
    email = f"service-{fakes.number(project, 12)}@gs-project-accounts.iam.gserviceaccount.com"
    return {
        "emailAddress": email,
        "member": f"serviceAccount:{email}",
        "project": project,
        "id": email,
    }


def _ha_vpn_gateway(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Google assigns the two interface addresses that peers point at."""
    id_, extra = _regional("vpnGateways")(name, state, fakes)
    interfaces = [{"id": i, "ipAddress": fakes.public_ip(f"{name}/{i}")} for i in range(2)]
    return id_, {**extra, "vpnInterfaces": interfaces}


def _interconnect(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """An ordered port: Google reports it pending until the cross-connect is in place."""
    id_, extra = _global("interconnects")(name, state, fakes)
    return id_, {**extra, "operationalStatus": "OS_UNPROVISIONED", "state": "ACTIVE"}


def _attachment(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Google takes the candidate addresses asked for (both /30 hosts) as the BGP addresses."""
    id_, extra = _regional("interconnectAttachments")(name, state, fakes)
    return id_, {
        **extra,
        "cloudRouterIpAddress": state.get("candidateCloudRouterIpAddress"),
        "customerRouterIpAddress": state.get("candidateCustomerRouterIpAddress"),
        "state": "ACTIVE",
    }


def _router_part(collection: str) -> Callable[..., Faked]:
    """Router interfaces, BGP peers and NATs: `<region>/<router>/<name>`, as the provider ids
    them."""

    def fake(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        return f"{_region(state, fakes)}/{state.get('router')}/{state['name']}", {}

    return fake


def _default_id(token: str, name: str, fakes: Fakes) -> str:
    """Other GCP resources (e.g. the peering layer's): a regional compute-style id."""
    member = token.split("/")[-1].split(":")[0]
    project = pulumi.Config("gcp").get("project") or "skyinfra-preview"
    return f"projects/{project}/regions/{fakes.site.region}/{member}s/{name}"


FAKES = CloudFakes(
    resources={
        "gcp:compute/network:Network": _global("networks"),
        "gcp:compute/subnetwork:Subnetwork": _subnetwork,
        "gcp:compute/firewall:Firewall": _global("firewalls"),
        "gcp:compute/instanceTemplate:InstanceTemplate": _template,
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _group_manager,
        "gcp:tpu/v2Vm:V2Vm": _tpu_node,
        "gcp:storage/bucket:Bucket": _bucket,
        "gcp:compute/router:Router": _regional("routers"),
        "gcp:compute/haVpnGateway:HaVpnGateway": _ha_vpn_gateway,
        "gcp:compute/externalVpnGateway:ExternalVpnGateway": _global("externalVpnGateways"),
        "gcp:compute/vPNTunnel:VPNTunnel": _regional("vpnTunnels"),
        "gcp:compute/routerInterface:RouterInterface": _router_part("interfaces"),
        "gcp:compute/routerPeer:RouterPeer": _router_part("peers"),
        "gcp:compute/routerNat:RouterNat": _router_part("nats"),
        "gcp:compute/interconnect:Interconnect": _interconnect,
        "gcp:compute/interconnectAttachment:InterconnectAttachment": _attachment,
        "gcp:serviceaccount/account:Account": _service_account,
        "gcp:storage/hmacKey:HmacKey": _hmac_key,
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _pool,
        "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _pool_provider,
    },
    invokes={
        "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": _transfer_agent,
        "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": _storage_agent,
    },
    default_id=_default_id,
)
