"""AWS lowering: neutral plans -> pulumi_aws resources (imported only when lowering).

A network is a VPC with one private subnet per planned subnet CIDR (each in its own
availability zone) routed to a NAT gateway, public subnets routed to an internet gateway
(the NAT gateway and `public: true` groups live there), and a shared security group that
admits nothing (it carries the VMs' egress). A bucket is an auto-named S3 bucket with ACLs off, public
access blocked, KMS encryption and versioning. A compute group is a launch template behind an
auto scaling group of fixed size, with a security group of its own holding exactly the group's
ingress. GPUs come with the instance type on AWS, so nothing is attached.
"""

from __future__ import annotations

import base64

import pulumi
import pulumi_aws as aws

from skyinfra.clouds import get_cloud
from skyinfra.clouds.aws.federation import credential_parts
from skyinfra.clouds.aws.identity import instance_profile
from skyinfra.clouds.aws.limits import tags
from skyinfra.clouds.base import Context, compute_outputs
from skyinfra.clouds.outputs import BucketOutputs, ComputeOutputs, NetworkOutputs
from skyinfra.clouds.startup import multipart
from skyinfra.topology import BucketPlan, ComputePlan, NetworkPlan

__all__ = ["lower_bucket", "lower_compute", "lower_network"]

_ANYWHERE = "0.0.0.0/0"

# -- network --------------------------------------------------------------------------------


def lower_network(plan: NetworkPlan, ctx: Context) -> NetworkOutputs:
    """A VPC whose workload subnets are private; DNS on for private names. With NAT egress,
    public subnets (one per zone) route to an internet gateway and hold the NAT gateway (one
    per zone with `nat: per_zone`) and the `public: true` groups; the workload subnets route
    to the internet through the NAT (their zone's). With `egress: none` there is no internet
    gateway and no default route at all. Either way an S3 gateway endpoint takes same-region
    S3 traffic off the NAT (`_s3_endpoint`)."""
    vpc = aws.ec2.Vpc(
        ctx.child("vpc"),
        cidr_block=plan.cidr,
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags=_tags(ctx, "vpc"),
        opts=ctx.opts(),
    )
    zones = _zone_names(ctx)
    subnets = [_subnet(ctx, vpc, zones, i, cidr) for i, cidr in enumerate(plan.subnets)]
    public = [
        _subnet(ctx, vpc, zones, i, cidr, "public-subnet")
        for i, cidr in enumerate(plan.public_subnets)
    ]
    if plan.egress == "nat" and not public:
        raise ValueError(f"{plan.name}: NAT egress on AWS needs public subnets (NetworkKind)")
    nats: list[aws.ec2.NatGateway] = []
    public_table = None
    if plan.egress == "nat":
        gateways = get_cloud(plan.site.cloud).nat_gateways(plan)
        nats, public_table = _nat_gateways(ctx, vpc, public, gateways)
    tables = _route_tables(ctx, vpc, subnets, nats)
    _s3_endpoint(plan, ctx, vpc, [*tables, *([public_table] if public_table else [])])
    group = _shared_security_group(ctx, vpc)
    outputs: NetworkOutputs = {
        "id": vpc.id,
        "name": ctx.child("vpc"),
        "cidr": plan.cidr,
        "region": plan.site.region,
        "subnet_ids": [s.id for s in subnets],
        "security_group_id": group.id,
        "route_table_id": tables[0].id,
        "availability_zones": [s.availability_zone for s in subnets],
    }
    if nats and public_table is not None:
        outputs["public_subnet_ids"] = [s.id for s in public]
        outputs["public_route_table_id"] = public_table.id
        outputs["nat_gateway_ids"] = [nat.id for nat in nats]
    outputs["route_table_ids"] = [t.id for t in tables]
    return outputs


def _zone_names(ctx: Context) -> pulumi.Output[list[str]]:
    """The region's regular zones, sorted. Local and Wavelength zones (opt-in) are left out:
    their names (`us-east-1-bos-1a`) sort before `us-east-1a` and few instance types run there."""
    zones = aws.get_availability_zones_output(
        state="available",
        filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent),
    )
    return zones.names


def _subnet(
    ctx: Context,
    vpc: aws.ec2.Vpc,
    zones: pulumi.Output[list[str]],
    index: int,
    cidr: str,
    name: str = "subnet",
) -> aws.ec2.Subnet:
    """Subnet `index` in zone `index` (spreading a group over zones); no automatic public IPs,
    public subnets included: a public group's launch template asks for one explicitly, so
    nothing else (the NAT gateway has its Elastic IP) gets one by accident."""
    return aws.ec2.Subnet(
        ctx.child(f"{name}-{index}"),
        vpc_id=vpc.id,
        cidr_block=cidr,
        availability_zone=zones.apply(lambda names: names[index % len(names)]),
        map_public_ip_on_launch=False,
        tags=_tags(ctx, f"{name}-{index}"),
        opts=ctx.opts(),
    )


def _nat_gateways(
    ctx: Context, vpc: aws.ec2.Vpc, public: list[aws.ec2.Subnet], count: int
) -> tuple[list[aws.ec2.NatGateway], aws.ec2.RouteTable]:
    """The internet gateway, the public subnets' route table (default route to it), and
    `count` public NAT gateways, each with an Elastic IP, in the first `count` public subnets
    (one per zone): one for `nat: single`, one per zone for `per_zone` (a NAT gateway is
    zonal: it lives in its subnet's zone). A public NAT gateway must sit in a subnet routed
    to an internet gateway, and AWS asks for an explicit dependency on the gateway (the
    NatGateway docs, "Public NAT":
    https://www.pulumi.com/registry/packages/aws/api-docs/ec2/natgateway/)."""
    gateway = aws.ec2.InternetGateway(
        ctx.child("igw"), vpc_id=vpc.id, tags=_tags(ctx, "igw"), opts=ctx.opts()
    )
    table = aws.ec2.RouteTable(
        ctx.child("public-rt"), vpc_id=vpc.id, tags=_tags(ctx, "public-rt"), opts=ctx.opts()
    )
    aws.ec2.Route(
        ctx.child("public-default-route"),
        route_table_id=table.id,
        destination_cidr_block=_ANYWHERE,
        gateway_id=gateway.id,
        opts=ctx.opts(),
    )
    for i, subnet in enumerate(public):
        aws.ec2.RouteTableAssociation(
            ctx.child(f"public-rta-{i}"),
            subnet_id=subnet.id,
            route_table_id=table.id,
            opts=ctx.opts(),
        )
    nats = [_nat(ctx, subnet, gateway, i) for i, subnet in enumerate(public[:count])]
    return nats, table


def _nat(
    ctx: Context, subnet: aws.ec2.Subnet, gateway: aws.ec2.InternetGateway, index: int
) -> aws.ec2.NatGateway:
    """Zone `index`'s public NAT gateway in `subnet`, with an Elastic IP of its own
    (`domain="vpc"`: the VPC address pool; `vpc=True` is deprecated in the SDK)."""
    eip, name = _zoned("nat-eip", index), _zoned("nat", index)
    address = aws.ec2.Eip(ctx.child(eip), domain="vpc", tags=_tags(ctx, eip), opts=ctx.opts())
    return aws.ec2.NatGateway(
        ctx.child(name),
        allocation_id=address.allocation_id,
        subnet_id=subnet.id,
        connectivity_type="public",
        tags=_tags(ctx, name),
        opts=ctx.opts(depends_on=[gateway]),
    )


def _zoned(name: str, index: int) -> str:
    """Zone `index`'s resource of a kind: zone 0 keeps the name a single one always had
    (`nat`, `rt`), so switching `nat: single` to `per_zone` only adds resources."""
    return name if index == 0 else f"{name}-{index}"


def _route_tables(
    ctx: Context,
    vpc: aws.ec2.Vpc,
    subnets: list[aws.ec2.Subnet],
    nats: list[aws.ec2.NatGateway],
) -> list[aws.ec2.RouteTable]:
    """The workload subnets' tables: one per NAT gateway (one without NAT), each with a
    default route to its NAT; subnet `i` (in zone `i`) uses table `i` modulo their number,
    so with `per_zone` each zone's subnets go out through their own zone's NAT. The VPN
    gateway propagates BGP routes into every table; peering stacks add routes to them all."""
    tables = [_route_table(ctx, vpc, i, nat) for i, nat in enumerate(nats or [None])]
    for i, subnet in enumerate(subnets):
        aws.ec2.RouteTableAssociation(
            ctx.child(f"rta-{i}"),
            subnet_id=subnet.id,
            route_table_id=tables[i % len(tables)].id,
            opts=ctx.opts(),
        )
    return tables


def _route_table(
    ctx: Context, vpc: aws.ec2.Vpc, index: int, nat: aws.ec2.NatGateway | None
) -> aws.ec2.RouteTable:
    """Workload table `index`, its default route to `nat` (none without one)."""
    name = _zoned("rt", index)
    table = aws.ec2.RouteTable(
        ctx.child(name), vpc_id=vpc.id, tags=_tags(ctx, name), opts=ctx.opts()
    )
    # A standalone route, not an inline one: a table with inline routes removes the routes
    # other stacks add to it (VPC peering routes, from the peering stacks).
    if nat is not None:
        aws.ec2.Route(
            ctx.child(_zoned("default-route", index)),
            route_table_id=table.id,
            destination_cidr_block=_ANYWHERE,
            nat_gateway_id=nat.id,
            opts=ctx.opts(),
        )
    return table


def _s3_endpoint(
    plan: NetworkPlan, ctx: Context, vpc: aws.ec2.Vpc, tables: list[aws.ec2.RouteTable]
) -> aws.ec2.VpcEndpoint:
    """A gateway endpoint for S3 in the VPC's region, on every route table: same-region S3
    traffic takes it instead of the NAT gateway (no NAT data processing charge; a gateway
    endpoint itself is free) and works with `egress: none` too. AWS adds a route to the S3
    prefix list in each table (https://docs.aws.amazon.com/vpc/latest/privatelink/
    vpc-endpoints-s3.html); the default endpoint policy allows what IAM allows."""
    return aws.ec2.VpcEndpoint(
        ctx.child("s3-endpoint"),
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{plan.site.region}.s3",
        vpc_endpoint_type="Gateway",
        route_table_ids=[t.id for t in tables],
        tags=_tags(ctx, "s3-endpoint"),
        opts=ctx.opts(),
    )


def _shared_security_group(ctx: Context, vpc: aws.ec2.Vpc) -> aws.ec2.SecurityGroup:
    """The network's group, on every VM of it: egress to anywhere (the VMs' way out) and no
    ingress. Ingress is per compute group (`_group_security_group`), so a public bastion does
    not open its ports on the network's other VMs. `ingress=[]` is explicit: the rules are
    inline (attributes-as-blocks), and only an empty list removes rules already deployed
    (the pulumi_aws SecurityGroup docs, "Removing All Ingress and Egress Rules")."""
    return aws.ec2.SecurityGroup(
        ctx.child("sg"),
        vpc_id=vpc.id,
        # Changing the description replaces the group: keep it constant.
        description="skyinfra workload ingress",
        ingress=[],
        egress=[
            {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [_ANYWHERE]},
        ],
        tags=_tags(ctx, "sg"),
        opts=ctx.opts(),
    )


def _group_security_group(
    plan: ComputePlan, ctx: Context, network: NetworkOutputs
) -> aws.ec2.SecurityGroup:
    """This group's ingress, on this group's VMs only: its ports from the network's trusted
    (private) CIDRs and, only if the group is `public: true`, from the internet. Inline rules
    hold exactly that (drifted rules are removed); no ports means no ingress. No egress rule:
    AWS would add an allow-all one, which the provider removes; the shared group carries it."""
    trusted_cidrs = ctx.stack.network(plan.network).trusted_cidrs
    trusted = [_tcp(port, trusted_cidrs, "trusted") for port in sorted(set(plan.ports))]
    public = [_tcp(port, (_ANYWHERE,), "public") for port in sorted(set(plan.public_ports))]
    return aws.ec2.SecurityGroup(
        ctx.child("sg"),
        vpc_id=network["id"],
        # Changing the description replaces the group: keep it constant.
        description="skyinfra compute group ingress",
        ingress=trusted + public,
        egress=[],
        tags=_tags(ctx, "sg"),
        opts=ctx.opts(),
    )


def _tcp(port: int, sources: tuple[str, ...], why: str) -> aws.ec2.SecurityGroupIngressArgsDict:
    return {
        "protocol": "tcp",
        "from_port": port,
        "to_port": port,
        "cidr_blocks": list(sources),
        "description": f"{why} tcp/{port}",
    }


# -- bucket ---------------------------------------------------------------------------------


def lower_bucket(plan: BucketPlan, ctx: Context) -> BucketOutputs:
    """A private S3 bucket. Its name is auto-generated (`<logical>-<7 hex>`) because S3 names
    are global across all accounts. Only the bucket is protected: its settings resources can
    be replaced without touching objects."""
    bucket = aws.s3.Bucket(
        ctx.child("bucket"),
        force_destroy=False,
        tags=_tags(ctx, "bucket"),
        opts=ctx.opts(protect=plan.protect),
    )
    _lock_down(ctx, bucket)
    status: pulumi.Output[str] | str = "Disabled"
    if plan.versioning:
        versioning = aws.s3.BucketVersioning(
            ctx.child("versioning"),
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=ctx.opts(),
        )
        status = versioning.versioning_configuration.apply(lambda c: c.status)
    # `versioning` is read by replication stacks: S3 replication needs it on both buckets.
    return {
        "name": bucket.bucket,
        "id": bucket.id,
        "arn": bucket.arn,
        "region": bucket.region,
        "versioning": status,
    }


def _lock_down(ctx: Context, bucket: aws.s3.Bucket) -> None:
    """ACLs off (the owner owns every object), public access blocked at the bucket, and
    SSE-KMS with the AWS-managed key; the bucket key cuts KMS request costs."""
    aws.s3.BucketOwnershipControls(
        ctx.child("ownership"),
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=ctx.opts(),
    )
    aws.s3.BucketPublicAccessBlock(
        ctx.child("public-access"),
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=ctx.opts(),
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        ctx.child("encryption"),
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
                "bucket_key_enabled": True,
            }
        ],
        opts=ctx.opts(),
    )


# -- compute --------------------------------------------------------------------------------


def lower_compute(plan: ComputePlan, ctx: Context) -> ComputeOutputs:
    """A launch template and an auto scaling group pinned at `plan.count` VMs over the
    network's subnets (one per zone), so lost VMs are replaced in whichever zone has room."""
    network = ctx.attached_network()
    ingress = _group_security_group(plan, ctx, network)
    profile, role = instance_profile(plan, ctx, _tags(ctx, "role"))
    # Buckets on other clouds trusting this role (`federation.py`): their credential config.
    credentials = credential_parts(ctx.trust({"cloud": "aws", "role_arn": role.arn}))
    template = _launch_template(plan, ctx, network, ingress, profile, credentials)
    group = aws.autoscaling.Group(
        ctx.child("asg"),
        # A public group runs in the public subnets (routed to the internet gateway).
        vpc_zone_identifiers=network["public_subnet_ids" if plan.public else "subnet_ids"],
        min_size=plan.count,
        max_size=plan.count,
        desired_capacity=plan.count,
        launch_template={"id": template.id, "version": "$Latest"},
        # Spot: launch a replacement when AWS signals an interruption is likely.
        capacity_rebalance=plan.spot,
        tags=[{"key": k, "value": v, "propagate_at_launch": True} for k, v in _tags(ctx).items()],
        opts=ctx.opts(),
    )
    return compute_outputs(plan, group.id, launch_template_id=template.id, role_arn=role.arn)


def _launch_template(
    plan: ComputePlan,
    ctx: Context,
    network: NetworkOutputs,
    ingress: aws.ec2.SecurityGroup,
    profile: aws.iam.InstanceProfile,
    credentials: pulumi.Output[str] | None = None,
) -> aws.ec2.LaunchTemplate:
    """The VM blueprint. `update_default_version` keeps the default in step with `$Latest`."""
    ami = _ami(plan, ctx)
    return aws.ec2.LaunchTemplate(
        ctx.child("lt"),
        # The group's own role (its grants, SSM login): `identity.py`.
        iam_instance_profile={"arn": profile.arn},
        image_id=ami.id,
        instance_type=plan.instance_type,
        key_name=_key_name(plan, ctx),
        network_interfaces=[_nic(plan, network, ingress)],
        block_device_mappings=[_root_disk(plan, ami.root_device_name)],
        # IMDSv2 only; hop limit 2 lets containers on the VM reach the metadata service.
        metadata_options={
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 2,
        },
        instance_market_options=_spot(plan),
        tag_specifications=[
            {"resource_type": kind, "tags": _tags(ctx)} for kind in ("instance", "volume")
        ],
        user_data=_user_data(plan, credentials),
        update_default_version=True,
        tags=_tags(ctx, "lt"),
        opts=ctx.opts(),
    )


def _ami(plan: ComputePlan, ctx: Context) -> pulumi.Output[aws.ec2.GetAmiResult]:
    """The image for the arch (AWS spells the architectures `x86_64` and `arm64`, as the plan
    does): the user's AMI by id, else the newest image of the owner and name pattern (the
    plain image, or the Deep Learning AMI with the NVIDIA driver for GPU groups). Looked up
    either way: the root volume is resized under the name the AMI gives its root device."""
    image = get_cloud(plan.site.cloud).boot_image(plan)
    arch: aws.ec2.GetAmiFilterArgsDict = {"name": "architecture", "values": [plan.arch]}
    if "image_id" in image:  # an id names one image: no owner to trust, nothing to sort
        return aws.ec2.get_ami_output(
            filters=[{"name": "image-id", "values": [image["image_id"]]}, arch],
            opts=pulumi.InvokeOutputOptions(parent=ctx.parent),
        )
    return aws.ec2.get_ami_output(
        most_recent=True,
        owners=image["owners"],
        filters=[
            {"name": "name", "values": [image["name"]]},
            arch,
            {"name": "virtualization-type", "values": ["hvm"]},
        ],
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent),
    )


def _key_name(plan: ComputePlan, ctx: Context) -> pulumi.Output[str] | None:
    """Import the SSH public key as an EC2 key pair (auto-named), if the plan has one."""
    if not plan.ssh_public_key:
        return None
    pair = aws.ec2.KeyPair(
        ctx.child("key"),
        public_key=plan.ssh_public_key.strip(),
        tags=_tags(ctx, "key"),
        opts=ctx.opts(),
    )
    return pair.key_name


def _nic(
    plan: ComputePlan, network: NetworkOutputs, ingress: aws.ec2.SecurityGroup
) -> aws.ec2.LaunchTemplateNetworkInterfaceArgsDict:
    """A public IP only for a `public: true` group; the others reach the internet through the
    network's NAT gateway. What reaches a VM is only what the group's own security group
    admits (the shared one admits nothing). Booleans are strings here."""
    return {
        "device_index": 0,
        "associate_public_ip_address": "true" if plan.public else "false",
        "security_groups": [network["security_group_id"], ingress.id],
        "delete_on_termination": "true",
    }


def _root_disk(
    plan: ComputePlan, device: pulumi.Output[str]
) -> aws.ec2.LaunchTemplateBlockDeviceMappingArgsDict:
    """Resize the image's root volume (named by the AMI) to an encrypted gp3 disk."""
    return {
        "device_name": device,
        "ebs": {
            "volume_size": plan.disk_gb,
            "volume_type": "gp3",
            "encrypted": "true",
            "delete_on_termination": "true",
        },
    }


def _user_data(
    plan: ComputePlan, credentials: pulumi.Output[str] | None = None
) -> pulumi.Input[str] | None:
    """The startup script as EC2 user data (base64, as the launch template wants it);
    cloud-init runs it once, on the instance's first boot. Anyone allowed to describe the
    launch template or the instance can read it (it holds no secret). With `credentials`
    (the script configuring access to other clouds' buckets), both in one multipart archive,
    the credentials first."""
    if credentials is None:
        return None if plan.startup_script is None else _base64(plan.startup_script)
    script = plan.startup_script
    return credentials.apply(lambda c: _base64(multipart(c, script) if script else c))


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _spot(plan: ComputePlan) -> aws.ec2.LaunchTemplateInstanceMarketOptionsArgsDict | None:
    """One-time spot requests that terminate on interruption: the only kind an auto scaling
    group accepts, and it replaces the VM itself."""
    if not plan.spot:
        return None
    return {
        "market_type": "spot",
        "spot_options": {
            "spot_instance_type": "one-time",
            "instance_interruption_behavior": "terminate",
        },
    }


# -- shared ---------------------------------------------------------------------------------


def _tags(ctx: Context, suffix: str | None = None) -> dict[str, str]:
    """The resource's labels (the spec's, `skyinfra-project`, `skyinfra-resource`) and `Name`:
    `limits.tags`."""
    return tags(ctx, ctx.child(suffix) if suffix else ctx.name)
