"""AWS replication lowering (peering-reference section 10): into S3, and reading from S3.

Into S3: from another S3 bucket by S3 Replication (an IAM role S3 assumes, one rule that also
replicates SSE-KMS objects and delete markers); from GCS by DataSync in Enhanced mode,
agentless, reading GCS's S3-compatible XML API with an HMAC key, hourly. Azure Blob sources
are refused at plan time (`Aws.replication.refused`): DataSync's Azure location needs an agent
in this SDK.

Read credentials issued for other clouds' movers, each allowing only List/GetBucketLocation
on the bucket and GetObject on its objects (plus KMS Decrypt through S3 for this bucket, the
objects being SSE-KMS): for Storage Transfer Service a role trusting exactly Google's
per-project transfer service account by web identity (no long-lived key exists); for Data
Factory an IAM user's access key (ADF's S3 connector takes no federated identity), whose
secret stays a Pulumi secret.

Buckets use the AWS-managed `aws/s3` key, whose key policy lets principals of the account
use it through S3; the IAM statements below narrow that to this bucket (`kms:ViaService` and
the bucket-key encryption context, which is the bucket's ARN).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from skyinfra.clouds.aws import limits
from skyinfra.clouds.outputs import (
    BucketOutputs,
    CredentialOutputs,
    ReaderOutputs,
    ReplicationOutputs,
)
from skyinfra.clouds.records import Reader, ReplicateWithin, ReplicationContext

__all__ = ["ISSUERS", "MOVERS", "reader", "replicate_within"]

_RULE_ID = "skyinfra-replica"
_SCHEDULE = "rate(1 hour)"  # DataSync's finest schedule


# -- S3 -> S3 ---------------------------------------------------------------------------------


def replicate_within(step: ReplicateWithin, ctx: ReplicationContext) -> ReplicationOutputs:
    """S3 Replication from the source bucket to the replica (another region).

    Objects that predate the rule are not replicated: S3 Batch Replication copies them, a
    one-off job outside this stack (README, "Replication").
    """
    source_region, replica_region = (
        ctx.replication.source_site.region,
        ctx.replication.target.region,
    )
    source_arn, replica_arn = ctx.source["arn"], ctx.replica["arn"]
    role, policy = _role(
        ctx,
        "",
        json.dumps(_trust_service("s3.amazonaws.com")),
        "skyinfra: S3 replication to the replica bucket",
        pulumi.Output.json_dumps(
            _policy(
                _allow(["s3:GetReplicationConfiguration", "s3:ListBucket"], source_arn),
                _allow(
                    [
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                    ],
                    _objects(source_arn),
                ),
                _allow(
                    ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                    _objects(replica_arn),
                ),
                _kms(["kms:Decrypt"], source_region, source_arn),
                _kms(["kms:Encrypt"], replica_region, replica_arn),
            )
        ),
    )
    account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=ctx.parent))
    aws.s3.BucketReplicationConfig(
        ctx.child("replication"),
        region=source_region,
        bucket=_versioned(ctx.source),
        role=role.arn,
        rules=[
            {
                "id": _RULE_ID,
                "status": "Enabled",
                "filter": {"prefix": ""},
                "delete_marker_replication": {"status": "Enabled"},
                "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                "destination": {
                    "bucket": _versioned(ctx.replica).apply(lambda _: replica_arn),
                    "storage_class": "STANDARD",
                    "encryption_configuration": {
                        "replica_kms_key_id": pulumi.Output.concat(
                            "arn:aws:kms:", replica_region, ":", account.account_id, ":alias/aws/s3"
                        )
                    },
                },
            }
        ],
        opts=ctx.opts(depends_on=[policy]),
    )
    return {"role_arn": role.arn, "post_deploy": []}


def _versioned(bucket: BucketOutputs) -> pulumi.Output[str]:
    """The bucket's name once its cloud stack reports versioning Enabled: S3 refuses a
    replication rule otherwise. The cross-stack form of `depends_on` its BucketVersioning."""

    def check(outputs: BucketOutputs) -> str:
        name, status = outputs.get("name"), outputs.get("versioning")
        if status != "Enabled":
            raise pulumi.RunError(
                f"S3 replication needs versioning on bucket {name}; its stack reports {status!r}: "
                "deploy (or update) its cloud stack first"
            )
        return str(name)

    return pulumi.Output.from_input(bucket).apply(check)


# -- GCS -> S3 --------------------------------------------------------------------------------


def _from_gcs(ctx: ReplicationContext, credential: CredentialOutputs) -> ReplicationOutputs:
    """DataSync, Enhanced mode, no agent: GCS through its S3-compatible endpoint, hourly."""
    region = ctx.replication.target.region
    replica_arn = ctx.replica["arn"]
    role, policy = _role(
        ctx,
        "datasync-",
        json.dumps(_trust_service("datasync.amazonaws.com")),
        "skyinfra: DataSync writes the replica bucket",
        pulumi.Output.json_dumps(
            _policy(
                _allow(
                    ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                    replica_arn,
                ),
                _allow(
                    [
                        "s3:AbortMultipartUpload",
                        "s3:DeleteObject",
                        "s3:GetObject",
                        "s3:GetObjectTagging",
                        "s3:ListMultipartUploadParts",
                        "s3:PutObject",
                        "s3:PutObjectTagging",
                    ],
                    _objects(replica_arn),
                ),
                _kms(["kms:Decrypt", "kms:GenerateDataKey"], region, replica_arn),
            )
        ),
    )
    source = aws.datasync.LocationObjectStorage(
        ctx.child("source"),
        region=region,
        server_hostname="storage.googleapis.com",
        server_protocol="HTTPS",
        server_port=443,
        bucket_name=ctx.source["name"],
        subdirectory="/",
        access_key=credential["access_id"],
        secret_key=credential["secret"],
        tags=_tags(ctx, "source"),
        opts=ctx.opts(),
    )
    sink = aws.datasync.S3Location(
        ctx.child("sink"),
        region=region,
        s3_bucket_arn=replica_arn,
        subdirectory="/",
        s3_config={"bucket_access_role_arn": role.arn},
        tags=_tags(ctx, "sink"),
        opts=ctx.opts(depends_on=[policy]),
    )
    task = aws.datasync.Task(
        ctx.child("task"),
        region=region,
        name=ctx.name,
        source_location_arn=source.arn,
        destination_location_arn=sink.arn,
        task_mode="ENHANCED",
        schedule={"schedule_expression": _SCHEDULE},
        # Copy what changed, keep what the source deleted (a replica is not a mirror of
        # mistakes); GCS's XML API has no object tags to copy.
        options={
            "transfer_mode": "CHANGED",
            "verify_mode": "ONLY_FILES_TRANSFERRED",
            "overwrite_mode": "ALWAYS",
            "preserve_deleted_files": "PRESERVE",
            "object_tags": "NONE",
        },
        tags=_tags(ctx, "task"),
        opts=ctx.opts(),
    )
    return {"task_arn": task.arn, "post_deploy": []}


def reader(step: Reader, ctx: ReplicationContext) -> ReaderOutputs:
    """DataSync authenticates with the credential itself: no identity to trust."""
    return {}


# -- credentials for other clouds' movers ----------------------------------------------------


def _web_identity_role(ctx: ReplicationContext, reader: ReaderOutputs) -> CredentialOutputs:
    """A role only `reader`'s principal can assume by web identity, reading the source."""
    issuer = reader["issuer"]
    trust = pulumi.Output.json_dumps(
        _policy(
            {
                "Effect": "Allow",
                "Principal": {"Federated": issuer},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{issuer}:sub": reader["subject"]}},
            }
        )
    )
    role, _ = _role(
        ctx,
        "reader-",
        trust,
        "skyinfra: the replica's transfer service reads the source bucket",
        _read_policy(ctx),
    )
    return {"role_arn": role.arn}


def _role(
    ctx: ReplicationContext, prefix: str, trust: Any, description: str, policy: Any
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """An IAM role (`<prefix>role`) trusted as `trust` says, with its one inline policy
    (`<prefix>policy`): every mover's credential on AWS has this shape."""
    role = aws.iam.Role(
        ctx.child(f"{prefix}role"),
        assume_role_policy=trust,
        description=description,
        tags=_tags(ctx, f"{prefix}role"),
        opts=ctx.opts(),
    )
    attached = aws.iam.RolePolicy(
        ctx.child(f"{prefix}policy"), role=role.id, policy=policy, opts=ctx.opts()
    )
    return role, attached


def _access_key(ctx: ReplicationContext, reader: ReaderOutputs) -> CredentialOutputs:
    """An IAM user that can only read the source bucket, and its access key (secret)."""
    user = aws.iam.User(ctx.child("reader"), tags=_tags(ctx, "reader"), opts=ctx.opts())
    aws.iam.UserPolicy(
        ctx.child("reader-policy"), user=user.name, policy=_read_policy(ctx), opts=ctx.opts()
    )
    key = aws.iam.AccessKey(ctx.child("reader-key"), user=user.name, opts=ctx.opts())
    return {"access_key_id": key.id, "secret": pulumi.Output.secret(key.secret)}


def _read_policy(ctx: ReplicationContext) -> pulumi.Output[str]:
    arn = ctx.source["arn"]
    return pulumi.Output.json_dumps(
        _policy(
            _allow(["s3:ListBucket", "s3:GetBucketLocation"], arn),
            _allow(["s3:GetObject"], _objects(arn)),
            _kms(["kms:Decrypt"], ctx.replication.source_site.region, arn),
        )
    )


# -- IAM documents ------------------------------------------------------------------------------


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _objects(bucket_arn: Any) -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket_arn, "/*")


def _kms(actions: list[str], region: str, bucket_arn: Any) -> dict[str, Any]:
    """KMS use only through S3 in `region` and only for this bucket's objects (with S3
    bucket keys the encryption context is the bucket's ARN, else the object's)."""
    return {
        "Effect": "Allow",
        "Action": actions,
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, _objects(bucket_arn)]},
        },
    }


def _trust_service(service: str) -> dict[str, Any]:
    return _policy(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    )


def _tags(ctx: ReplicationContext, suffix: str) -> dict[str, str]:
    return limits.tags(ctx, ctx.child(suffix))


ISSUERS: dict[str, Callable[[ReplicationContext, ReaderOutputs], CredentialOutputs]] = {
    "s3-web-identity-role": _web_identity_role,
    "s3-access-key": _access_key,
}
MOVERS: dict[str, Callable[[ReplicationContext, CredentialOutputs], ReplicationOutputs]] = {
    "gcs-hmac-key": _from_gcs
}
