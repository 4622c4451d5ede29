"""What AWS computes for the resources skyinfra creates, faked for the offline preview.

EC2 ids carry their kind's prefix and 17 hex digits (`vpc-0a1b...`), every resource that has
an ARN gets one in account 123456789012, and resources whose id is a name (S3 buckets, key
pairs, auto scaling groups) get the name Pulumi's auto-naming would give them
(`<logical>-<7 hex>`), since auto-naming does not happen under mocks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from skyinfra.clouds.fakes import CloudFakes, Fakes

ACCOUNT = "123456789012"

Faked = tuple[str, dict[str, Any]]
ResourceFake = Callable[[str, dict[str, Any], Fakes], Faked]


def _arn(fakes: Fakes, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{fakes.site.region}:{ACCOUNT}:{resource}"


def _ec2_id(prefix: str, name: str, fakes: Fakes) -> str:
    """Seeded by region too: two regions' stacks use the same logical names."""
    return f"{prefix}-{fakes.hex(prefix + fakes.site.region + name)}"


def _ec2(prefix: str, kind: str, **extra: str) -> ResourceFake:
    """An EC2 resource with a `<prefix>-<17 hex>` id and an ARN `.../<kind>/<id>`."""

    def fake(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        id_ = _ec2_id(prefix, name, fakes)
        return id_, {"arn": _arn(fakes, "ec2", f"{kind}/{id_}"), "ownerId": ACCOUNT, **extra}

    return fake


def _autoname(name: str, state: dict[str, Any], key: str, fakes: Fakes) -> str:
    """The explicit physical name if one was given, else what auto-naming would pick."""
    explicit = state.get(key)
    return str(explicit) if explicit and explicit != name else f"{name}-{fakes.hex(name, 7)}"


def _subnet(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _ec2("subnet", "subnet")(name, state, fakes)
    zone = str(state.get("availabilityZone") or f"{fakes.site.region}a")
    return id_, {**extra, "availabilityZoneId": _zone_id(fakes.site.region, zone[-1])}


def _security_group(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _ec2("sg", "security-group")(name, state, fakes)
    return id_, {**extra, "name": _autoname(name, state, "name", fakes)}


def _route_table_association(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    return _ec2_id("rtbassoc", name, fakes), {}


def _eip(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A VPC Elastic IP: known by its allocation id, with a documentation-range address."""
    id_ = _ec2_id("eipalloc", name, fakes)
    return id_, {"allocationId": id_, "publicIp": fakes.public_ip(fakes.site.region + name)}


def _nat_gateway(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A NAT gateway; its public IP is its Elastic IP's (not known here: a fresh fake one)."""
    id_ = _ec2_id("nat", name, fakes)
    return id_, {"publicIp": fakes.public_ip(fakes.site.region + name)}


def _key_pair(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """EC2 key pairs are known by name (the id); `key-...` is their separate pair id."""
    key_name = _autoname(name, state, "keyName", fakes)
    return key_name, {
        "keyName": key_name,
        "keyPairId": _ec2_id("key", name, fakes),
        "keyType": "ed25519"
        if str(state.get("publicKey", "")).startswith("ssh-ed25519")
        else "rsa",
        "fingerprint": ":".join(fakes.hex("fp" + name, 32)[i : i + 2] for i in range(0, 32, 2)),
        "arn": _arn(fakes, "ec2", f"key-pair/{key_name}"),
    }


def _launch_template(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_, extra = _ec2("lt", "launch-template")(name, state, fakes)
    return id_, {
        **extra,
        "name": _autoname(name, state, "name", fakes),
        "latestVersion": 1,
        "defaultVersion": 1,
    }


def _group(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Auto scaling groups are known by name; their ARN embeds a UUID."""
    group = _autoname(name, state, "name", fakes)
    arn = _arn(
        fakes, "autoscaling", f"autoScalingGroup:{fakes.uuid(name)}:autoScalingGroupName/{group}"
    )
    return group, {"name": group, "arn": arn}


def _bucket(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """S3 ARNs carry neither region nor account; the id is the bucket name."""
    bucket = _autoname(name, state, "bucket", fakes)
    region = fakes.site.region
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "region": region,
        "bucketRegion": region,
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
    }


def _bucket_setting(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Bucket sub-resources (ownership, public access block, encryption, versioning) are
    identified by their bucket's name."""
    return str(state["bucket"]), {}


def _iam(kind: str) -> ResourceFake:
    """IAM roles and users: global ARNs `arn:aws:iam::<account>:<kind>/<name>`."""

    def fake(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        own = _autoname(name, state, "name", fakes)
        return own, {"name": own, "arn": f"arn:aws:iam::{ACCOUNT}:{kind}/{own}"}

    return fake


def _access_key(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """The key id is the resource id; the SDK marks `secret` secret itself."""
    key_id = "AKIA" + fakes.hex(name, 16).upper()
    return key_id, {"secret": fakes.hex("secret/" + name, 40)}


def _datasync(kind: str) -> ResourceFake:
    """DataSync locations and tasks are known by ARN (`.../<kind>-<17 hex>`)."""

    def fake(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
        region = str(state.get("region") or fakes.site.region)
        arn = f"arn:aws:datasync:{region}:{ACCOUNT}:{kind}/{kind[:3]}-{fakes.hex(name)}"
        return arn, {"arn": arn}

    return fake


def _vpn_connection(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Two tunnels, each with a public outside address (what the peer points at) and, with
    planned inside /30s, the VGW on host 1 and the customer gateway on host 2."""
    id_, extra = _ec2("vpn", "vpn-connection")(name, state, fakes)
    for n in (1, 2):
        extra[f"tunnel{n}Address"] = fakes.public_ip(f"{name}/tunnel{n}")
        cidr = state.get(f"tunnel{n}InsideCidr")
        if cidr:
            first, second = list(ipaddress.ip_network(str(cidr)).hosts())[:2]
            extra[f"tunnel{n}VgwInsideAddress"] = str(first)
            extra[f"tunnel{n}CgwInsideAddress"] = str(second)
    return id_, extra


# -- invokes --------------------------------------------------------------------------------


def _lag(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """A LAG gets an id and an ARN at once; its port is down until the cross-connect."""
    id_ = f"dxlag-{fakes.hex(name, 8)}"
    return id_, {"arn": _arn(fakes, "directconnect", f"dxlag/{id_}"), "ownerAccountId": ACCOUNT}


def _dx_gateway(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    """Direct Connect gateways are global and id'd by a UUID."""
    return fakes.uuid(name), {"ownerAccountId": ACCOUNT}


def _virtual_interface(name: str, state: dict[str, Any], fakes: Fakes) -> Faked:
    id_ = f"dxvif-{fakes.hex(name, 8)}"
    return id_, {
        "arn": _arn(fakes, "directconnect", f"dxvif/{id_}"),
        "amazonSideAsn": fakes.number(name, 5),
        "awsDevice": f"EqDC2-{fakes.hex(name, 12)}",
        "mtu": 1500,
    }


def _caller_identity(_args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    return {
        "accountId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/skyinfra-preview",
        "id": ACCOUNT,
        "userId": "AIDA" + fakes.hex("user", 16).upper(),
    }


def _zone_id(region: str, letter: str) -> str:
    """AWS zone ids abbreviate the region (`us-east-1` -> `use1-az1`)."""
    first, *middle, last = region.split("-")
    return f"{first}{''.join(p[0] for p in middle)}{last}-az{ord(letter) - ord('a') + 1}"


def _availability_zones(args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    region = fakes.site.region
    letters = "abc"
    return {
        "id": region,
        "region": region,
        "names": [f"{region}{x}" for x in letters],
        "zoneIds": [_zone_id(region, x) for x in letters],
        "groupNames": [region] * len(letters),
        "state": args.get("state"),
    }


def _filter(args: dict[str, Any], key: str, default: str) -> str:
    for item in args.get("filters") or []:
        if item.get("name") == key and item.get("values"):
            return str(item["values"][0])
    return default


def _ami(args: dict[str, Any], fakes: Fakes) -> dict[str, Any]:
    """The image of the `image-id` filter, else the newest one matching the name pattern
    (`*` or `????????` becomes a build date)."""
    pattern = _filter(args, "name", "image-*")
    arch = _filter(args, "architecture", "x86_64")
    owner = (args.get("owners") or [ACCOUNT])[0]
    id_ = _filter(args, "image-id", f"ami-{fakes.hex(owner + pattern + arch)}")
    return {
        "id": id_,
        "imageId": id_,
        "arn": f"arn:aws:ec2:{fakes.site.region}::image/{id_}",
        "name": pattern.replace("????????", "20250101").replace("*", "20250101"),
        "architecture": arch,
        "ownerId": owner,
        "rootDeviceName": "/dev/sda1",
        "rootDeviceType": "ebs",
        "virtualizationType": "hvm",
        "state": "available",
    }


# EC2 id prefixes of resources other layers (peering) create without a fake of their own.
_PREFIXES = {
    "aws:ec2/vpnGateway:VpnGateway": "vgw",
    "aws:ec2/customerGateway:CustomerGateway": "cgw",
    "aws:ec2/vpnConnection:VpnConnection": "vpn",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "tgw",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach",
}


def _default_id(token: str, name: str, fakes: Fakes) -> str:
    """Other AWS resources: the kind's EC2 prefix if known, else a name-derived id."""
    prefix = _PREFIXES.get(token)
    return _ec2_id(prefix, name, fakes) if prefix else f"{name}-{fakes.hex(token + name, 8)}"


FAKES = CloudFakes(
    resources={
        "aws:ec2/vpc:Vpc": _ec2("vpc", "vpc"),
        "aws:ec2/subnet:Subnet": _subnet,
        "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
        "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
        "aws:ec2/routeTableAssociation:RouteTableAssociation": _route_table_association,
        "aws:ec2/securityGroup:SecurityGroup": _security_group,
        "aws:ec2/keyPair:KeyPair": _key_pair,
        "aws:ec2/eip:Eip": _eip,
        "aws:ec2/natGateway:NatGateway": _nat_gateway,
        "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
        "aws:autoscaling/group:Group": _group,
        "aws:ec2/vpnConnection:VpnConnection": _vpn_connection,
        "aws:directconnect/linkAggregationGroup:LinkAggregationGroup": _lag,
        "aws:directconnect/gateway:Gateway": _dx_gateway,
        "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface": _virtual_interface,
        "aws:s3/bucket:Bucket": _bucket,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_setting,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_setting,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _bucket_setting,
        "aws:s3/bucketVersioning:BucketVersioning": _bucket_setting,
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _bucket_setting,
        "aws:iam/role:Role": _iam("role"),
        "aws:iam/user:User": _iam("user"),
        "aws:iam/instanceProfile:InstanceProfile": _iam("instance-profile"),
        "aws:iam/accessKey:AccessKey": _access_key,
        "aws:datasync/locationObjectStorage:LocationObjectStorage": _datasync("location"),
        "aws:datasync/s3Location:S3Location": _datasync("location"),
        "aws:datasync/task:Task": _datasync("task"),
    },
    invokes={
        "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
        "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
        "aws:ec2/getAmi:getAmi": _ami,
    },
    default_id=_default_id,
)
