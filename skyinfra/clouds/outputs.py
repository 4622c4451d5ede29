"""The outputs other stacks read: one TypedDict per thing a cloud lowers.

A cloud stack exports `networks`, `buckets`, `compute` and `gateways` (name -> one of these);
peering stacks read networks and gateways by StackReference, replication stacks read buckets,
and a stack whose network lives in another stack (`NetworkPlan.home`) reads that network.
Lowerings return these types and readers index them, so mypy checks every key on both sides.

Keys every cloud sets are required; a key only some clouds set is `NotRequired` and its
comment names who sets it (tests/clouds/test_outputs.py checks both against every example's
preview). Values are `Any`: a lowering's are plain values or pulumi Outputs, and a reader's
are Outputs (pulumi lifts indexing over another stack's output).

Renaming or reordering a key changes every deployed stack's outputs: don't. (No `from
__future__ import annotations` here: `NotRequired` must be evaluated for `__required_keys__`.)
"""

from typing import Any, NotRequired, TypedDict

__all__ = [
    "BucketOutputs",
    "ComputeOutputs",
    "CredentialOutputs",
    "GatewayOutputs",
    "InterconnectHalfOutputs",
    "NetworkOutputs",
    "PeeringOutputs",
    "ReaderOutputs",
    "ReplicationOutputs",
    "TrustOutputs",
    "VpnHalfOutputs",
    "WorkloadIdentity",
]


class NetworkOutputs(TypedDict):
    """`networks.<name>` of a cloud stack: the VPC / VNet and its workload subnets."""

    id: Any
    name: Any
    cidr: Any
    region: Any
    subnet_ids: Any
    security_group_id: NotRequired[Any]  # aws: the shared security group
    route_table_id: NotRequired[Any]  # aws
    availability_zones: NotRequired[Any]  # aws: one per subnet
    self_link: NotRequired[Any]  # gcp
    subnet_self_links: NotRequired[Any]  # gcp
    resource_group_name: NotRequired[Any]  # azure
    nsg_id: NotRequired[Any]  # azure
    asg_ids: NotRequired[Any]  # azure: compute group -> application security group id
    location: NotRequired[Any]  # azure
    gateway_subnet_id: NotRequired[Any]  # azure, when the network has a gateway
    public_subnet_ids: NotRequired[Any]  # aws, with NAT egress: routed to the internet gateway
    public_route_table_id: NotRequired[Any]  # aws, with NAT egress: the public subnets' table
    nat_gateway_ids: NotRequired[Any]  # with NAT egress: aws NAT gateways, azure NAT gateway
    nat_router: NotRequired[Any]  # gcp, with NAT egress: the Cloud Router carrying Cloud NAT
    # aws: every workload route table, one per NAT gateway (`nat: per_zone`), the first being
    # `route_table_id`; what routes to peers go into
    route_table_ids: NotRequired[Any]


class BucketOutputs(TypedDict):
    """`buckets.<name>` of a cloud stack (what a replication stack reads of both buckets)."""

    name: Any
    id: Any
    arn: NotRequired[Any]  # aws
    region: NotRequired[Any]  # aws
    versioning: NotRequired[Any]  # aws ("Enabled" / "Disabled"), azure (bool)
    account_name: NotRequired[Any]  # azure: the storage account holding the container
    account_id: NotRequired[Any]  # azure
    resource_group_name: NotRequired[Any]  # azure
    url: NotRequired[Any]  # gcp, azure
    change_feed: NotRequired[Any]  # azure
    self_link: NotRequired[Any]  # gcp


class ComputeOutputs(TypedDict):
    """`compute.<name>` of a cloud stack."""

    group_id: Any
    instance_type: Any
    count: Any
    launch_template_id: NotRequired[Any]  # aws
    template_id: NotRequired[Any]  # gcp
    instance_group: NotRequired[Any]  # gcp
    name: NotRequired[Any]  # azure: the scale set's name; gcp: the managed instance group's
    admin_username: NotRequired[Any]  # azure
    resource_group_name: NotRequired[Any]  # azure: the scale set's resource group
    # The group's own identity, to grant it more by hand (e.g. federation across clouds):
    role_arn: NotRequired[Any]  # aws: its IAM role
    service_account: NotRequired[Any]  # gcp: its service account's email
    service_account_id: NotRequired[Any]  # gcp: its unique id (the `sub` of its ID tokens)
    identity_client_id: NotRequired[Any]  # azure: its managed identity's client id
    identity_principal_id: NotRequired[Any]  # azure: its principal (object) id
    tpu_nodes: NotRequired[Any]  # gcp, a group of Cloud TPU slices: its TPU VM nodes' names
    zone: NotRequired[Any]  # gcp, a group of Cloud TPU slices: the zone of its nodes


class GatewayOutputs(TypedDict):
    """`gateways.<network>` of a cloud stack: the BGP gateway every link of a network uses.

    `public_ips` is empty where the tunnel addresses come with each link instead
    (`Cloud.tunnel_addresses_per_link`, AWS) or the gateway carries no VPN links."""

    asn: Any
    public_ips: Any
    vpn_gateway_id: NotRequired[Any]  # aws: the virtual private gateway
    route_table_ids: NotRequired[Any]  # aws
    region: NotRequired[Any]  # gcp
    router_id: NotRequired[Any]  # gcp: the Cloud Router
    router_name: NotRequired[Any]  # gcp
    ha_vpn_gateway_id: NotRequired[Any]  # gcp, when the gateway carries VPN links
    resource_group_name: NotRequired[Any]  # azure
    location: NotRequired[Any]  # azure
    gateway_id: NotRequired[Any]  # azure, when the gateway carries VPN links
    ip_configuration_ids: NotRequired[Any]  # azure, when the gateway carries VPN links
    expressroute_gateway_id: NotRequired[Any]  # azure, when it carries interconnects


class VpnHalfOutputs(TypedDict):
    """One cloud's half of a VPN link; the peering stack exports `tunnels` and `bgp_peers`."""

    tunnels: Any
    bgp_peers: Any
    addresses: NotRequired[Any]  # clouds with `tunnel_addresses_per_link` (aws): the peer's targets


class InterconnectHalfOutputs(TypedDict):
    """One cloud's half of a dedicated interconnect (exported by the peering stack)."""

    attachments: Any
    bgp_peers: Any
    dx_gateway_id: NotRequired[Any]  # aws: the Direct Connect gateway
    lags: NotRequired[Any]  # aws
    interconnects: NotRequired[Any]  # gcp: the Cross-Cloud Interconnect ports
    port_id: NotRequired[Any]  # azure: the ExpressRoute Direct port pair
    circuit_id: NotRequired[Any]  # azure, phase 2
    connection_id: NotRequired[Any]  # azure, phase 2


class PeeringOutputs(TypedDict):
    """A native peering between two regions of one cloud (exported by the peering stack)."""

    peering_connection_id: NotRequired[Any]  # aws
    peerings: NotRequired[Any]  # azure: both directions' VNet peerings


class ReplicationOutputs(TypedDict):
    """What a replica's mover returns; the replication stack exports `post_deploy`."""

    post_deploy: Any  # steps after `pulumi up` that Pulumi cannot take, with their commands
    role_arn: NotRequired[Any]  # aws: the S3 replication role
    task_arn: NotRequired[Any]  # aws: the DataSync task
    job: NotRequired[Any]  # gcp: the Storage Transfer Service job
    policy_id: NotRequired[Any]  # azure: the object replication policy
    factory: NotRequired[Any]  # azure: the Data Factory


# Between two clouds' lowerings of one replication (replication stack), not exported: what
# one cloud's step returns, the other cloud's next step reads.


class ReaderOutputs(TypedDict, total=False):
    """The identity a mover reads a foreign source with (empty: the credential is enough)."""

    issuer: Any  # gcp: the OIDC issuer of the Storage Transfer Service's identity
    subject: Any  # gcp: that identity's subject id


class CredentialOutputs(TypedDict, total=False):
    """The credential a source's cloud issues a foreign mover, by `Replication.credential`."""

    role_arn: Any  # aws, s3-web-identity-role: the role the mover assumes
    access_key_id: Any  # aws, s3-access-key
    access_id: Any  # gcp, gcs-hmac-key
    secret: Any  # aws s3-access-key, gcp gcs-hmac-key (a secret Output)
    sas_token: Any  # azure, blob-sas-token (a secret Output)


# Between a compute group's cloud and a foreign bucket's cloud (keyless federation, in the
# group's stack), not exported: the group's identity goes one way, a credential recipe back.


class WorkloadIdentity(TypedDict, total=False):
    """A compute group's own identity, as another cloud's trust names it."""

    cloud: Any  # the group's cloud (always set)
    role_arn: Any  # aws: the group's IAM role (its VMs' sessions are `assumed-role/<name>`)
    service_account_id: Any  # gcp: the service account's unique id (`sub`/`azp` of its tokens)
    principal_id: Any  # azure: the managed identity's principal (object) id
    tenant_id: Any  # azure: its Entra ID tenant
    client_id: Any  # azure: the managed identity's client id (which identity IMDS answers for)
    audience: Any  # azure: the Entra ID application ID URI its tokens for other clouds carry


class TrustOutputs(TypedDict, total=False):
    """A credential recipe: what the bucket's cloud trusts, for the group's VMs to use.

    `kind` says how the VMs obtain the credential, so the group's cloud can write the
    configuration the providers' SDKs read (`Cloud.consumes`):
    `aws-web-identity`: a web identity token file and `AWS_ROLE_ARN`;
    `azure-workload-identity`: a federated token file and `AZURE_CLIENT_ID`/`AZURE_TENANT_ID`;
    `gcp-external-account`: a Google `external_account` credential file.
    """

    kind: Any  # always set
    audience: Any  # the audience the group's token must carry (gcp: the WIF provider's)
    role_arn: Any  # aws-web-identity: the role to assume
    region: Any  # aws-web-identity: the bucket's region (`AWS_REGION`)
    client_id: Any  # azure-workload-identity: the identity the token is exchanged for
    tenant_id: Any  # azure-workload-identity
