"""Azure replication lowering (peering-reference section 10): into Blob, and reading from Blob.

From another Azure account: object replication, two policies, the destination's first (it
mints the policy and rule ids the source's must repeat), naming both accounts by full ARM id
(cross-tenant replication is off on new accounts). It needs versioning on both accounts and
the change feed on the source: the buckets' `BlobServiceProperties` in the cloud stacks, whose
exported state the policies consume (the cross-stack form of `depends_on`).

From S3 or GCS: an Azure Data Factory copy pipeline run hourly by a schedule trigger,
copying what changed in the last two hours (a manual run copies everything). The factory
writes with its system-assigned identity, granted Storage Blob Data Contributor on the
replica's container only; it reads with the credential the source cloud issued, held as a
SecureString (not marked secret by the SDK: wrapped here). ADF's discriminated unions are
built from the typed `*Args` classes (plain snake_case dicts are sent verbatim, broken).
ADF creates triggers Stopped and Pulumi cannot start one: the stack exports the command.

Read credential issued for other clouds' movers: a read+list SAS on the source container,
over HTTPS, expiring at the start of the year after next (an `up` in a new year rotates it;
the SDK does not mark it secret: wrapped here).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, datafactory, storage

from skyinfra.clouds.azure.limits import tags
from skyinfra.clouds.outputs import (
    BucketOutputs,
    CredentialOutputs,
    ReaderOutputs,
    ReplicationOutputs,
)
from skyinfra.clouds.records import Reader, ReplicateWithin, ReplicationContext

__all__ = ["ISSUERS", "MOVERS", "reader", "replicate_within"]

# Storage Blob Data Contributor (built-in role).
_BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
_ARM = "https://management.azure.com"
_ADF_API = "2018-06-01"
_FACTORY_NAME_MAX = 63
_SUFFIX = 8
_START = "2025-01-01T00:00:00Z"
_EPOCH = "1970-01-01T00:00:00Z"  # `since` of a manual run: everything


# -- Blob -> Blob -----------------------------------------------------------------------------


def replicate_within(step: ReplicateWithin, ctx: ReplicationContext) -> ReplicationOutputs:
    """Object replication: the destination policy first, then the source's repeating its ids."""
    source, replica = ctx.source, ctx.replica
    accounts = {
        "source_account": _ready(source, needs_change_feed=True).apply(
            lambda _: source["account_id"]
        ),
        "destination_account": _ready(replica, needs_change_feed=False).apply(
            lambda _: replica["account_id"]
        ),
    }
    destination = storage.ObjectReplicationPolicy(
        ctx.child("destination-policy"),
        account_name=replica["account_name"],
        resource_group_name=replica["resource_group_name"],
        object_replication_policy_id="default",
        rules=[{"source_container": source["name"], "destination_container": replica["name"]}],
        **accounts,
        opts=ctx.opts(),
    )
    storage.ObjectReplicationPolicy(
        ctx.child("source-policy"),
        account_name=source["account_name"],
        resource_group_name=source["resource_group_name"],
        object_replication_policy_id=destination.policy_id,
        rules=destination.rules.apply(_repeat_rules),
        **accounts,
        opts=ctx.opts(),
    )
    return {"policy_id": destination.policy_id, "post_deploy": []}


def _ready(bucket: BucketOutputs, needs_change_feed: bool) -> pulumi.Output[bool]:
    """True once the bucket's cloud stack reports what object replication needs on it."""

    def check(outputs: BucketOutputs) -> bool:
        name, versioning = outputs.get("name"), outputs.get("versioning")
        change_feed = outputs.get("change_feed")
        if not versioning or (needs_change_feed and not change_feed):
            raise pulumi.RunError(
                f"object replication needs versioning{' and the change feed' if needs_change_feed else ''} "
                f"on container {name}'s account: deploy (or update) its cloud stack first"
            )
        return True

    return pulumi.Output.from_input(bucket).apply(check)


def _repeat_rules(rules: Any) -> list[storage.ObjectReplicationPolicyRuleArgsDict]:
    """The destination policy's rules, ids included: the source policy must repeat them."""
    return [
        {
            "rule_id": r.rule_id,
            "source_container": r.source_container,
            "destination_container": r.destination_container,
        }
        for r in rules or []
    ]


# -- S3 / GCS -> Blob (Data Factory) ----------------------------------------------------------


def _from_s3(ctx: ReplicationContext, credential: CredentialOutputs) -> ReplicationOutputs:
    service = datafactory.AmazonS3LinkedServiceArgs(
        type="AmazonS3",
        authentication_type="AccessKey",
        access_key_id=credential["access_key_id"],
        secret_access_key=_secure(credential["secret"]),
    )
    location = datafactory.AmazonS3LocationArgs(
        type="AmazonS3Location", bucket_name=ctx.source["name"]
    )
    settings = datafactory.AmazonS3ReadSettingsArgs(
        type="AmazonS3ReadSettings", recursive=True, modified_datetime_start=_since()
    )
    return _copy_pipeline(ctx, service, location, settings)


def _from_gcs(ctx: ReplicationContext, credential: CredentialOutputs) -> ReplicationOutputs:
    service = datafactory.GoogleCloudStorageLinkedServiceArgs(
        type="GoogleCloudStorage",
        access_key_id=credential["access_id"],
        secret_access_key=_secure(credential["secret"]),
        service_url="https://storage.googleapis.com",
    )
    location = datafactory.GoogleCloudStorageLocationArgs(
        type="GoogleCloudStorageLocation", bucket_name=ctx.source["name"]
    )
    settings = datafactory.GoogleCloudStorageReadSettingsArgs(
        type="GoogleCloudStorageReadSettings", recursive=True, modified_datetime_start=_since()
    )
    return _copy_pipeline(ctx, service, location, settings)


def _secure(value: Any) -> datafactory.SecureStringArgs:
    return datafactory.SecureStringArgs(type="SecureString", value=pulumi.Output.secret(value))


def _since() -> dict[str, str]:
    return {"value": "@pipeline().parameters.since", "type": "Expression"}


def _copy_pipeline(
    ctx: ReplicationContext, source_service: Any, source_location: Any, read_settings: Any
) -> ReplicationOutputs:
    """Factory (own identity) -> two linked services -> two datasets -> copy -> trigger."""
    replica = ctx.replica
    group = replica["resource_group_name"]
    factory = _factory(ctx, group)
    names = {"resource_group_name": group, "factory_name": factory.name}
    grant = _grant_writer(ctx, factory)
    source_link = datafactory.LinkedService(
        ctx.child("source-link"),
        linked_service_name="source",
        properties=source_service,
        **names,
        opts=ctx.opts(),
    )
    replica_link = datafactory.LinkedService(
        ctx.child("replica-link"),
        linked_service_name="replica",
        properties=datafactory.AzureBlobStorageLinkedServiceArgs(
            type="AzureBlobStorage",
            authentication_type="Msi",
            service_endpoint=pulumi.Output.concat(
                "https://", replica["account_name"], ".blob.core.windows.net/"
            ),
        ),
        **names,
        opts=ctx.opts(depends_on=[grant]),
    )
    source_data = _dataset(ctx, "source", source_link, source_location, names)
    replica_data = _dataset(
        ctx,
        "replica",
        replica_link,
        datafactory.AzureBlobStorageLocationArgs(
            type="AzureBlobStorageLocation", container=replica["name"]
        ),
        names,
    )
    pipeline = datafactory.Pipeline(
        ctx.child("pipeline"),
        pipeline_name="copy",
        parameters={
            "since": datafactory.ParameterSpecificationArgs(type="String", default_value=_EPOCH)
        },
        activities=[_copy(source_data, replica_data, read_settings)],
        **names,
        opts=ctx.opts(),
    )
    trigger = datafactory.Trigger(
        ctx.child("trigger"),
        trigger_name="hourly",
        properties=datafactory.ScheduleTriggerArgs(
            type="ScheduleTrigger",
            recurrence=datafactory.ScheduleTriggerRecurrenceArgs(
                frequency="Hour", interval=1, start_time=_START, time_zone="UTC"
            ),
            # Two hours back: an hourly run that is late or fails is covered by the next.
            pipelines=[
                datafactory.TriggerPipelineReferenceArgs(
                    pipeline_reference=datafactory.PipelineReferenceArgs(
                        reference_name=pipeline.name, type="PipelineReference"
                    ),
                    parameters={"since": "@{addHours(trigger().scheduledTime, -2)}"},
                )
            ],
        ),
        **names,
        opts=ctx.opts(),
    )
    # The steps the plan announced (`Azure.replication.post_deploy`), with their commands.
    commands = [_arm_post(trigger.id, "start"), _arm_post(pipeline.id, "createRun")]
    steps = ctx.replication.post_deploy
    if len(steps) != len(commands):
        raise ValueError(f"{ctx.name}: the plan lists {len(steps)} post-deploy steps, not 2")
    return {
        "factory": factory.name,
        "post_deploy": [{"action": a, "command": c} for a, c in zip(steps, commands, strict=True)],
    }


def _arm_post(resource_id: Any, action: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        'az rest --method post --url "', _ARM, resource_id, f'/{action}?api-version={_ADF_API}"'
    )


def _factory(ctx: ReplicationContext, group: Any) -> datafactory.Factory:
    """A factory in the replica's resource group and region; names are global, so a readable
    prefix gets a random suffix (kept in state)."""
    suffix = random.RandomString(
        ctx.child("factory-suffix"),
        length=_SUFFIX,
        lower=True,
        numeric=True,
        upper=False,
        special=False,
        opts=ctx.opts(),
    )
    prefix = re.sub(r"-+", "-", ctx.name.lower())[: _FACTORY_NAME_MAX - _SUFFIX - 1].strip("-")
    return datafactory.Factory(
        ctx.child("factory"),
        factory_name=pulumi.Output.concat(prefix, "-", suffix.result),
        resource_group_name=group,
        location=ctx.replication.target.region,
        identity={"type": "SystemAssigned"},
        tags=tags(ctx),
        opts=ctx.opts(),
    )


def _grant_writer(
    ctx: ReplicationContext, factory: datafactory.Factory
) -> authorization.RoleAssignment:
    """Storage Blob Data Contributor for the factory's identity, on the replica container only."""
    client = authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent)
    )
    return authorization.RoleAssignment(
        ctx.child("factory-writer"),
        scope=ctx.replica["id"],
        principal_id=factory.identity.apply(lambda i: i.principal_id if i else None),
        principal_type="ServicePrincipal",
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/",
            client.subscription_id,
            "/providers/Microsoft.Authorization/roleDefinitions/",
            _BLOB_CONTRIBUTOR,
        ),
        opts=ctx.opts(),
    )


def _dataset(
    ctx: ReplicationContext,
    role: str,
    link: datafactory.LinkedService,
    location: Any,
    names: dict[str, Any],
) -> datafactory.Dataset:
    return datafactory.Dataset(
        ctx.child(f"{role}-data"),
        dataset_name=role,
        properties=datafactory.BinaryDatasetArgs(
            type="Binary",
            linked_service_name=datafactory.LinkedServiceReferenceArgs(
                reference_name=link.name, type="LinkedServiceReference"
            ),
            location=location,
        ),
        **names,
        opts=ctx.opts(),
    )


def _copy(
    source: datafactory.Dataset, replica: datafactory.Dataset, read_settings: Any
) -> datafactory.CopyActivityArgs:
    return datafactory.CopyActivityArgs(
        name="copy",
        type="Copy",
        inputs=[
            datafactory.DatasetReferenceArgs(reference_name=source.name, type="DatasetReference")
        ],
        outputs=[
            datafactory.DatasetReferenceArgs(reference_name=replica.name, type="DatasetReference")
        ],
        source=datafactory.BinarySourceArgs(type="BinarySource", store_settings=read_settings),
        sink=datafactory.BinarySinkArgs(
            type="BinarySink",
            store_settings=datafactory.AzureBlobStorageWriteSettingsArgs(
                type="AzureBlobStorageWriteSettings", copy_behavior="PreserveHierarchy"
            ),
        ),
    )


def reader(step: Reader, ctx: ReplicationContext) -> ReaderOutputs:
    """Data Factory reads with the issued credential itself: no identity to trust."""
    return {}


# -- credential for other clouds' movers --------------------------------------------------------


def _sas_token(ctx: ReplicationContext, reader: ReaderOutputs) -> CredentialOutputs:
    """Read and list on the source container only, HTTPS only, as a Pulumi secret."""
    source = ctx.source
    sas = storage.list_storage_account_service_sas_output(
        account_name=source["account_name"],
        resource_group_name=source["resource_group_name"],
        canonicalized_resource=pulumi.Output.concat(
            "/blob/", source["account_name"], "/", source["name"]
        ),
        resource="c",
        permissions="rl",
        protocols=storage.HttpProtocol.HTTPS,
        shared_access_expiry_time=_expiry(),
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent),
    )
    return {"sas_token": pulumi.Output.secret(sas.service_sas_token)}


def _expiry() -> str:
    """Start of the year after next: stable for a year, so `up` rotates the token yearly."""
    return f"{datetime.date.today().year + 2}-01-01T00:00:00Z"


ISSUERS: dict[str, Callable[[ReplicationContext, ReaderOutputs], CredentialOutputs]] = {
    "blob-sas-token": _sas_token
}
MOVERS: dict[str, Callable[[ReplicationContext, CredentialOutputs], ReplicationOutputs]] = {
    "s3-access-key": _from_s3,
    "gcs-hmac-key": _from_gcs,
}
