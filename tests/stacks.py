"""Small hand-built stack plans and a runner, shared by the lowering tests."""

from __future__ import annotations

from dataclasses import replace

from skyinfra.peering.model import VpnGateway
from skyinfra.preview import Registered, StackPreview, preview_stack
from skyinfra.site import Site
from skyinfra.spec import Accelerator
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan, StackPlan

REGIONS = {"aws": "us-east-1", "gcp": "us-central1", "azure": "westeurope"}
SETTINGS = {"gcp": {"project": "demo-project"}}
# A real throwaway public key (its private half was never kept): clouds parse keys.
SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPGNCqIjtVeSgA5tzWfgrhiCHmxAVi26qBvEcRxcLMsW demo@example"
)


def stack_plan(
    cloud: str,
    *,
    gpu: Accelerator | None = None,
    instance_type: str | None = None,
    spot: bool = False,
    public: bool = False,
    count: int = 2,
    protect: bool = True,
) -> StackPlan:
    """One network (10.1.0.0/16, peer 10.2.0.0/16), one bucket, one compute group admitting
    ports 22 and 443 (from the trusted CIDRs, and the internet if `public`)."""
    site = Site(cloud, REGIONS[cloud])
    subnets = ("10.1.0.0/20", "10.1.16.0/20") if cloud == "aws" else ("10.1.0.0/20",)
    network = NetworkPlan(
        name="core",
        site=site,
        cidr="10.1.0.0/16",
        subnets=subnets,
        peer_cidrs=("10.2.0.0/16",),
        # AWS: where the NAT gateway and public groups live (as NetworkKind carves them).
        public_subnets=("10.1.32.0/20", "10.1.48.0/20") if cloud == "aws" else (),
    )
    default_types = {"aws": "m6i.xlarge", "gcp": "n2-standard-4", "azure": "Standard_D4s_v5"}
    group = ComputePlan(
        name="api",
        site=site,
        network="core",
        count=count,
        instance_type=instance_type or default_types[cloud],
        accelerator=gpu,
        image="ubuntu-22.04",
        disk_gb=200,
        spot=spot,
        ssh_public_key=SSH_KEY,
        ports=(22, 443),
        public=public,
    )
    bucket = BucketPlan(name="datasets", site=site, versioning=True, protect=protect)
    return StackPlan(
        project="demo",
        site=site,
        settings=SETTINGS.get(cloud, {}),
        networks=(network,),
        buckets=(bucket,),
        compute=(group,),
    )


GATEWAY_ASN = 64600
BGP_ADDRESSES = (("169.254.21.2", "169.254.21.6"), ("169.254.21.10", "169.254.21.14"))


def with_gateway(stack: StackPlan) -> StackPlan:
    """`stack` whose network has a VPN gateway (ASN 64600, two tunnels per instance)."""
    gateway = VpnGateway("core", stack.site, GATEWAY_ASN, BGP_ADDRESSES)
    networks = tuple(replace(n, gateway_subnet="10.1.255.0/27") for n in stack.networks)
    return replace(stack, networks=networks, gateways=(gateway,))


def run(stack: StackPlan) -> StackPreview:
    """Register `stack` under the mock engine and return what the engine received."""
    config = {"gcp:project": "demo-project"} if stack.site.cloud == "gcp" else {}
    return preview_stack(stack.project, stack, config)


def in_region(stack: StackPlan, region: str) -> StackPlan:
    """`stack` and everything in it moved to `region` of the same cloud."""
    site = Site(stack.site.cloud, region)
    return replace(
        stack,
        site=site,
        networks=tuple(replace(n, site=site) for n in stack.networks),
        buckets=tuple(replace(b, site=site) for b in stack.buckets),
        compute=tuple(replace(c, site=site) for c in stack.compute),
        gateways=tuple(replace(g, site=site) for g in stack.gateways),
    )


def bgp_router(p: StackPreview) -> Registered:
    """The GCP gateway's Cloud Router (the one with BGP): a network with Cloud NAT has a
    second, BGP-less router of its own."""
    (router,) = [r for r in p.by_type("gcp:compute/router:Router") if "bgp" in r.inputs]
    return router


def gateway_public_ips(p: StackPreview) -> list[Registered]:
    """The Azure gateway's public IPs (a network with NAT egress has one more, its NAT's)."""
    ips = p.by_type("azure-native:network:PublicIPAddress")
    return [r for r in ips if not r.name.endswith("-nat-ip")]
