"""AWS lowering under the mock engine: what the engine receives for each neutral kind."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from skyinfra.catalog import load_catalog
from skyinfra.clouds import get_cloud
from skyinfra.clouds.aws.mocks import FAKES
from skyinfra.clouds.fakes import Fakes
from skyinfra.components import BUCKET_TOKEN, COMPUTE_TOKEN, NETWORK_TOKEN
from skyinfra.preview import Registered, StackPreview
from skyinfra.site import Site
from skyinfra.spec import Accelerator
from tests.stacks import SSH_KEY, run, stack_plan

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
BUCKET = "aws:s3/bucket:Bucket"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
KEY_PAIR = "aws:ec2/keyPair:KeyPair"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"
ROUTE = "aws:ec2/route:Route"
EIP = "aws:ec2/eip:Eip"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
CANONICAL = "099720109477"
TRUSTED = ["10.1.0.0/16", "10.2.0.0/16"]
EGRESS = [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]


# Contract tests (tests/clouds/contract.py) AWS fails today: strict xfails (conftest.py).
# Every group's own identity (its role, the SSM core policy, the instance profile).
IDENTITY = [
    "aws:iam/role:Role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/instanceProfile:InstanceProfile",
]


@cache
def plain() -> StackPreview:
    """m6i.xlarge x2 on demand, ports 22/443 from trusted CIDRs, protected versioned bucket."""
    return run(stack_plan("aws"))


@cache
def public_spot() -> StackPreview:
    """Spot VMs with port 443 also open to the internet."""
    return run(stack_plan("aws", public=True, spot=True))


@cache
def a100() -> StackPreview:
    """A100:8, which AWS provides as the p4d.24xlarge instance type."""
    return run(stack_plan("aws", gpu=Accelerator("A100", 8), instance_type="p4d.24xlarge"))


@cache
def bare() -> StackPreview:
    """No ingress ports, no SSH key, unversioned unprotected bucket, arm64 (Graviton) VMs."""
    stack = stack_plan("aws", protect=False)
    (network,), (bucket,), (group,) = stack.networks, stack.buckets, stack.compute
    return run(
        replace(
            stack,
            networks=(network,),
            buckets=(replace(bucket, versioning=False),),
            compute=(
                replace(
                    group, ports=(), arch="arm64", instance_type="m7g.large", ssh_public_key=None
                ),
            ),
        )
    )


def shared_sg(p: StackPreview) -> Registered:
    """The network's security group (the compute group has its own)."""
    (sg,) = [r for r in children(p, NETWORK_TOKEN) if r.type == SG]
    return sg


def group_sg(p: StackPreview) -> Registered:
    (sg,) = [r for r in children(p, COMPUTE_TOKEN) if r.type == SG]
    return sg


def children(p: StackPreview, token: str) -> list[Registered]:
    (component,) = p.by_type(token)
    return [r for r in p.resources if r.parent == component.urn]


def ids(p: StackPreview, token: str) -> list[str | None]:
    """By logical name: AWS subnets sort `public-subnet-*` before `subnet-*`."""
    return [r.id for r in sorted(p.by_type(token), key=lambda r: r.name)]


def ami_id(pattern: str, arch: str) -> str:
    """The id the AMI lookup returns when it asks for Canonical's `pattern` on `arch`."""
    args: dict[str, Any] = {
        "owners": [CANONICAL],
        "filters": [
            {"name": "name", "values": [pattern]},
            {"name": "architecture", "values": [arch]},
        ],
    }
    answer = FAKES.invokes["aws:ec2/getAmi:getAmi"](args, Fakes(Site("aws", "us-east-1")))
    return str(answer["id"])


# -- network --------------------------------------------------------------------------------


def test_network_is_a_vpc_with_private_and_public_subnets_a_nat_and_a_security_group() -> None:
    p = plain()
    routing = [*(2 * [ROUTE_TABLE]), *(2 * [ROUTE]), *(4 * [ASSOCIATION])]
    assert sorted(r.type for r in children(p, NETWORK_TOKEN)) == sorted(
        [VPC, SG, IGW, EIP, NAT, ENDPOINT, *(4 * [SUBNET]), *routing]
    )
    vpc = p.one(VPC)
    assert vpc.id and vpc.id.startswith("vpc-") and len(vpc.id) == 21
    assert vpc.inputs["cidrBlock"] == "10.1.0.0/16"
    assert vpc.inputs["enableDnsHostnames"] is True and vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["tags"] == {"Name": "demo-core-vpc", "skyinfra:project": "demo"}
    subnets = {r.name: r.inputs for r in p.by_type(SUBNET)}
    assert {n: (s["cidrBlock"], s["availabilityZone"], s["vpcId"]) for n, s in subnets.items()} == {
        "demo-core-subnet-0": ("10.1.0.0/20", "us-east-1a", vpc.id),
        "demo-core-subnet-1": ("10.1.16.0/20", "us-east-1b", vpc.id),
        "demo-core-public-subnet-0": ("10.1.32.0/20", "us-east-1a", vpc.id),
        "demo-core-public-subnet-1": ("10.1.48.0/20", "us-east-1b", vpc.id),
    }
    assert all(s["mapPublicIpOnLaunch"] is False for s in subnets.values())


def _subnet_ids(p: StackPreview, prefix: str) -> set[str | None]:
    return {r.id for r in p.by_type(SUBNET) if r.name.startswith(f"demo-core-{prefix}")}


def _routes(p: StackPreview) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in p.by_type(ROUTE)}


def test_workload_subnets_route_to_the_nat_gateway_public_ones_to_the_internet_gateway() -> None:
    p = plain()
    igw, nat, eip = p.one(IGW), p.one(NAT), p.one(EIP)
    tables = {r.name: r for r in p.by_type(ROUTE_TABLE)}
    workload, public = tables["demo-core-rt"], tables["demo-core-public-rt"]
    assert igw.inputs["vpcId"] == p.one(VPC).id
    assert "routes" not in workload.inputs  # inline routes would remove the peering layer's
    assert _routes(p) == {
        "demo-core-default-route": {
            "routeTableId": workload.id,
            "destinationCidrBlock": "0.0.0.0/0",
            "natGatewayId": nat.id,
        },
        "demo-core-public-default-route": {
            "routeTableId": public.id,
            "destinationCidrBlock": "0.0.0.0/0",
            "gatewayId": igw.id,
        },
    }
    associations = {
        (a.inputs["subnetId"], a.inputs["routeTableId"]) for a in p.by_type(ASSOCIATION)
    }
    assert associations == {(s, workload.id) for s in _subnet_ids(p, "subnet-")} | {
        (s, public.id) for s in _subnet_ids(p, "public-subnet-")
    }
    # One public NAT gateway with an Elastic IP, in the first public subnet, after the IGW.
    public_0 = next(r.id for r in p.by_type(SUBNET) if r.name == "demo-core-public-subnet-0")
    assert eip.inputs["domain"] == "vpc"
    assert nat.inputs["allocationId"] == eip.outputs["allocationId"]
    assert nat.inputs["subnetId"] == public_0
    assert nat.inputs["connectivityType"] == "public"
    assert p.outputs["networks"]["core"]["nat_gateway_ids"] == [nat.id]


def test_egress_none_has_no_internet_gateway_nat_or_default_route() -> None:
    stack = stack_plan("aws")
    (network,) = stack.networks
    p = run(replace(stack, networks=(replace(network, egress="none", public_subnets=()),)))
    assert not p.by_type(IGW) and not p.by_type(NAT) and not p.by_type(EIP)
    assert not p.by_type(ROUTE)
    assert len(p.by_type(SUBNET)) == 2 and len(p.by_type(ROUTE_TABLE)) == 1
    assert "public_subnet_ids" not in p.outputs["networks"]["core"]


@cache
def per_zone() -> StackPreview:
    stack = stack_plan("aws")
    (network,) = stack.networks
    return run(replace(stack, networks=(replace(network, nat="per_zone"),)))


def test_per_zone_puts_a_nat_gateway_in_each_zone_and_routes_each_zone_to_its_own() -> None:
    p = per_zone()
    nats = {r.name: r for r in p.by_type(NAT)}
    eips = {r.name: r for r in p.by_type(EIP)}
    subnets = {r.name: r for r in p.by_type(SUBNET)}
    tables = {r.name: r for r in p.by_type(ROUTE_TABLE)}
    # Zone 0 keeps the names `nat: single` has (switching only adds resources).
    assert set(nats) == {"demo-core-nat", "demo-core-nat-1"}
    assert set(tables) == {"demo-core-rt", "demo-core-rt-1", "demo-core-public-rt"}
    for zone, suffix in ((0, ""), (1, "-1")):
        nat = nats[f"demo-core-nat{suffix}"]
        assert nat.inputs["subnetId"] == subnets[f"demo-core-public-subnet-{zone}"].id
        assert (
            nat.inputs["allocationId"] == eips[f"demo-core-nat-eip{suffix}"].outputs["allocationId"]
        )
        table = tables[f"demo-core-rt{suffix}"]
        assert _routes(p)[f"demo-core-default-route{suffix}"] == {
            "routeTableId": table.id,
            "destinationCidrBlock": "0.0.0.0/0",
            "natGatewayId": nat.id,
        }
        # The zone's workload subnet (same zone as its NAT's public subnet) uses its table.
        workload = subnets[f"demo-core-subnet-{zone}"]
        public = subnets[f"demo-core-public-subnet-{zone}"]
        assert workload.inputs["availabilityZone"] == public.inputs["availabilityZone"]
        (association,) = [a for a in p.by_type(ASSOCIATION) if a.name == f"demo-core-rta-{zone}"]
        assert association.inputs == {"subnetId": workload.id, "routeTableId": table.id}
    out = p.outputs["networks"]["core"]
    assert out["nat_gateway_ids"] == [nats["demo-core-nat"].id, nats["demo-core-nat-1"].id]
    assert out["route_table_ids"] == [tables["demo-core-rt"].id, tables["demo-core-rt-1"].id]
    assert out["route_table_id"] == tables["demo-core-rt"].id  # kept for compatibility


def test_single_nat_keeps_one_workload_table_for_both_zones() -> None:
    out = plain().outputs["networks"]["core"]
    assert out["route_table_ids"] == [out["route_table_id"]]
    assert len(out["nat_gateway_ids"]) == 1


def test_an_s3_gateway_endpoint_for_the_region_is_on_every_route_table() -> None:
    """Same-region S3 traffic skips the NAT (no processing charge), with or without NAT."""
    stack = stack_plan("aws")
    (network,) = stack.networks
    sealed = run(replace(stack, networks=(replace(network, egress="none", public_subnets=()),)))
    for p in (plain(), per_zone(), sealed):
        endpoint = p.one(ENDPOINT)
        assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
        assert endpoint.inputs["vpcEndpointType"] == "Gateway"
        assert endpoint.inputs["vpcId"] == p.one(VPC).id
        assert sorted(endpoint.inputs["routeTableIds"]) == sorted(
            r.id for r in p.by_type(ROUTE_TABLE)
        )


def test_network_security_group_admits_nothing_and_carries_the_egress() -> None:
    sg = shared_sg(plain())
    assert sg.name == "demo-core-sg"  # the logical name it always had (URNs)
    assert sg.inputs["ingress"] == []  # explicit: removes rules deployed before
    assert sg.inputs["egress"] == EGRESS
    assert shared_sg(public_spot()).inputs["ingress"] == []  # a public group opens nothing here


def test_group_security_group_admits_its_ports_from_trusted_cidrs_only() -> None:
    p = plain()
    sg = group_sg(p)
    assert sg.name == "demo-api-sg"
    assert sg.inputs["vpcId"] == p.one(VPC).id
    assert sg.inputs["ingress"] == [
        {
            "protocol": "tcp",
            "fromPort": 22.0,
            "toPort": 22.0,
            "cidrBlocks": TRUSTED,
            "description": "trusted tcp/22",
        },
        {
            "protocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrBlocks": TRUSTED,
            "description": "trusted tcp/443",
        },
    ]
    assert sg.inputs["egress"] == []  # the network's group carries it


def test_a_public_group_opens_its_ports_to_the_internet_on_its_own_group() -> None:
    rules = group_sg(public_spot()).inputs["ingress"]
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in rules] == [
        (22.0, 22.0, TRUSTED),
        (443.0, 443.0, TRUSTED),
        (22.0, 22.0, ["0.0.0.0/0"]),
        (443.0, 443.0, ["0.0.0.0/0"]),
    ]


def test_no_ingress_ports_means_no_ingress_rule() -> None:
    assert group_sg(bare()).inputs["ingress"] == []
    assert shared_sg(bare()).inputs["ingress"] == []


def test_network_outputs_resolve_to_the_created_resources() -> None:
    p = plain()
    assert p.outputs["networks"]["core"] == {
        "id": p.one(VPC).id,
        "name": "demo-core-vpc",
        "cidr": "10.1.0.0/16",
        "region": "us-east-1",
        "subnet_ids": ids(p, SUBNET)[2:],
        "security_group_id": shared_sg(p).id,
        "route_table_id": next(r.id for r in p.by_type(ROUTE_TABLE) if r.name == "demo-core-rt"),
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "public_subnet_ids": ids(p, SUBNET)[:2],
        "public_route_table_id": next(
            r.id for r in p.by_type(ROUTE_TABLE) if r.name == "demo-core-public-rt"
        ),
        "nat_gateway_ids": [p.one(NAT).id],
        "route_table_ids": [next(r.id for r in p.by_type(ROUTE_TABLE) if r.name == "demo-core-rt")],
    }


# -- bucket ---------------------------------------------------------------------------------


def test_bucket_is_private_encrypted_versioned_and_protected() -> None:
    p = plain()
    assert sorted(r.type for r in children(p, BUCKET_TOKEN)) == sorted(
        [BUCKET, OWNERSHIP, PUBLIC_ACCESS, ENCRYPTION, VERSIONING]
    )
    bucket = p.one(BUCKET)
    assert "bucket" not in bucket.inputs  # auto-named: S3 names are global
    assert bucket.inputs["forceDestroy"] is False
    assert {r.type for r in children(p, BUCKET_TOKEN) if r.protect} == {BUCKET}
    name = bucket.id
    assert p.one(OWNERSHIP).inputs == {
        "bucket": name,
        "rule": {"objectOwnership": "BucketOwnerEnforced"},
    }
    assert p.one(PUBLIC_ACCESS).inputs == {
        "bucket": name,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert p.one(ENCRYPTION).inputs == {
        "bucket": name,
        "rules": [
            {
                "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"},
                "bucketKeyEnabled": True,
            }
        ],
    }
    assert p.one(VERSIONING).inputs == {
        "bucket": name,
        "versioningConfiguration": {"status": "Enabled"},
    }


def test_unversioned_unprotected_bucket() -> None:
    p = bare()
    assert sorted(r.type for r in children(p, BUCKET_TOKEN)) == sorted(
        [BUCKET, OWNERSHIP, PUBLIC_ACCESS, ENCRYPTION]
    )
    assert not any(r.protect for r in children(p, BUCKET_TOKEN))


def test_bucket_outputs_carry_the_auto_generated_name() -> None:
    out = plain().outputs["buckets"]["datasets"]
    assert out["name"] == out["id"] == plain().one(BUCKET).id
    assert out["name"].startswith("demo-datasets-bucket-") and len(out["name"]) == 28
    assert out["arn"] == f"arn:aws:s3:::{out['name']}"
    assert out["region"] == "us-east-1"


# -- compute --------------------------------------------------------------------------------


def test_compute_is_a_key_pair_a_launch_template_and_a_fixed_size_group() -> None:
    p = plain()
    assert sorted(r.type for r in children(p, COMPUTE_TOKEN)) == sorted(
        [SG, KEY_PAIR, TEMPLATE, GROUP, *IDENTITY]
    )
    assert p.one(KEY_PAIR).inputs["publicKey"] == (SSH_KEY)
    group = p.one(GROUP).inputs
    assert (group["minSize"], group["maxSize"], group["desiredCapacity"]) == (2.0, 2.0, 2.0)
    assert group["vpcZoneIdentifiers"] == ids(p, SUBNET)[2:]  # the private subnets
    assert group["launchTemplate"] == {"id": p.one(TEMPLATE).id, "version": "$Latest"}
    assert group["capacityRebalance"] is False
    assert {t["key"]: (t["value"], t["propagateAtLaunch"]) for t in group["tags"]} == {
        "Name": ("demo-api", True),
        "skyinfra:project": ("demo", True),
    }


def test_launch_template_carries_image_type_disk_key_and_security_group() -> None:
    p = plain()
    lt = p.one(TEMPLATE).inputs
    assert lt["instanceType"] == "m6i.xlarge"
    assert lt["imageId"] == ami_id(
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*", "x86_64"
    )
    assert lt["keyName"] == p.one(KEY_PAIR).id
    assert lt["networkInterfaces"] == [
        {
            "deviceIndex": 0.0,
            "associatePublicIpAddress": "false",
            "securityGroups": [shared_sg(p).id, group_sg(p).id],
            "deleteOnTermination": "true",
        }
    ]
    assert lt["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/sda1",
            "ebs": {
                "volumeSize": 200.0,
                "volumeType": "gp3",
                "encrypted": "true",
                "deleteOnTermination": "true",
            },
        }
    ]
    assert lt["metadataOptions"]["httpTokens"] == "required"
    assert "instanceMarketOptions" not in lt


def test_a_public_group_gets_a_public_ip_in_the_public_subnets() -> None:
    p = public_spot()
    (nic,) = p.one(TEMPLATE).inputs["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "true"
    assert p.one(GROUP).inputs["vpcZoneIdentifiers"] == ids(p, SUBNET)[:2]


def test_spot_groups_request_one_time_spot_and_rebalance() -> None:
    p = public_spot()
    assert p.one(TEMPLATE).inputs["instanceMarketOptions"] == {
        "marketType": "spot",
        "spotOptions": {
            "spotInstanceType": "one-time",
            "instanceInterruptionBehavior": "terminate",
        },
    }
    assert p.one(GROUP).inputs["capacityRebalance"] is True


def test_gpu_comes_with_the_instance_type() -> None:
    p = a100()
    assert p.one(TEMPLATE).inputs["instanceType"] == "p4d.24xlarge"
    assert p.outputs["compute"]["api"]["instance_type"] == "p4d.24xlarge"
    assert sorted(r.type for r in children(p, COMPUTE_TOKEN)) == sorted(
        [SG, KEY_PAIR, TEMPLATE, GROUP, *IDENTITY]
    )


def test_arm64_group_without_key_uses_the_arm64_image_and_no_key_pair() -> None:
    p = bare()
    assert sorted(r.type for r in children(p, COMPUTE_TOKEN)) == sorted(
        [SG, TEMPLATE, GROUP, *IDENTITY]
    )
    lt = p.one(TEMPLATE).inputs
    assert lt["instanceType"] == "m7g.large"
    assert lt["imageId"] == ami_id(
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*", "arm64"
    )
    assert "keyName" not in lt


def test_compute_outputs_resolve_to_the_created_resources() -> None:
    p = plain()
    assert p.outputs["compute"]["api"] == {
        "group_id": p.one(GROUP).id,
        "instance_type": "m6i.xlarge",
        "count": 2,
        "launch_template_id": p.one(TEMPLATE).id,
        "role_arn": p.one("aws:iam/role:Role").outputs["arn"],
    }
    assert str(p.one(GROUP).id).startswith("demo-api-asg-")


def test_the_arm64_name_rule_agrees_with_the_catalogs_arch_column() -> None:
    """Compiled stacks pick the AMI's arch by name rule (the lock has no arch); the bundled
    catalog's own arch column, which planning uses, must say the same for every type."""
    catalog, cloud = load_catalog(None), get_cloud("aws")
    offers = [o for r in catalog.regions("aws") for o in catalog.offers("aws", r)]
    assert {o.arch for o in offers} == {"x86_64", "arm64"}
    disagree = {
        o.instance_type
        for o in offers
        if o.arch != ("arm64" if cloud.is_arm64(o.instance_type) else "x86_64")
    }
    assert disagree == set()


def test_the_real_region_list_is_the_pinned_providers() -> None:
    """regions.json's AWS names are pulumi_aws's Region enum: the names the provider takes."""
    import pulumi_aws

    from skyinfra.catalog.regions import RegionNames
    from skyinfra.catalog.source import bundled

    names = RegionNames.read(bundled("regions.json")).names["aws"]
    assert names == {region.value for region in pulumi_aws.Region}
    assert {"eu-central-2", "ap-east-2", "mx-central-1"} <= names
