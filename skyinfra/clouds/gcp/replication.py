"""GCP replication lowering (peering-reference section 10): into GCS, and reading from GCS.

Every mover into GCS is Storage Transfer Service, acting as the project's transfer service
agent: from another GCS bucket a `replicationSpec` job (event-driven, new and changed
objects; STS forbids a schedule with it), from S3 or Azure Blob an hourly `transferSpec` job.
The agent gets exactly the roles Google documents, granted before the job (`depends_on`):
- on the replica (every mover; https://cloud.google.com/storage-transfer/docs/sink-cloud-storage):
  legacyBucketWriter (bucket get, object create/list/delete) and, because the jobs overwrite
  objects that differ (`overwriteWhen: DIFFERENT`), `storage.objects.get`, which
  legacyObjectReader grants and nothing more;
- GCS -> GCS cross-bucket replication (https://cloud.google.com/storage-transfer/docs/cross-bucket-replication,
  https://cloud.google.com/storage/docs/using-cross-bucket-replication): objectViewer on the
  source (read objects) and legacyBucketOwner there (what the console grants: STS registers
  the source's Pub/Sub notification configuration, which takes storage.buckets.update); Pub/Sub
  Editor on the project for the agent, which creates the topic and subscription itself, and
  Pub/Sub Publisher on the project for the Cloud Storage service agent, which publishes the
  source's change notifications to that topic
  (https://cloud.google.com/storage/docs/reporting-changes#prereqs). Only these two are project
  grants: STS names the topic, so no narrower scope exists for them.

From S3 the agent assumes a role by web identity (its Google subject id is what the AWS role
trusts, `reader`), so no AWS key exists anywhere. From Azure it presents a SAS token, which
the SDK does not mark secret: it is wrapped here.

Read credential issued for other clouds' movers (DataSync, Data Factory): an HMAC key of a
dedicated service account that may only view the source bucket's objects; its secret is a
Pulumi secret.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_gcp as gcp

from skyinfra.clouds.outputs import CredentialOutputs, ReaderOutputs, ReplicationOutputs
from skyinfra.clouds.records import Reader, ReplicateWithin, ReplicationContext

__all__ = ["ISSUERS", "MOVERS", "reader", "replicate_within"]

_GOOGLE_ISSUER = "accounts.google.com"  # OIDC issuer of Google service-account identities
_EVERY_HOUR = "3600s"  # the shortest repeat interval STS accepts
# STS starts a job whose start date has passed at its next interval; a fixed date keeps the
# program deterministic.
_START: gcp.storage.TransferJobScheduleScheduleStartDateArgsDict = {
    "year": 2025,
    "month": 1,
    "day": 1,
}


def _agent(ctx: ReplicationContext) -> pulumi.Output[Any]:
    """The project's Storage Transfer Service agent (a Google-managed service account)."""
    return gcp.storage.get_transfer_project_service_account_output(
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent)
    )


def reader(step: Reader, ctx: ReplicationContext) -> ReaderOutputs:
    """Who reads the source: the STS agent, as a web identity (issuer and subject)."""
    return {"issuer": _GOOGLE_ISSUER, "subject": _agent(ctx).subject_id}


def _grant(
    ctx: ReplicationContext, suffix: str, bucket: Any, role: str, member: Any
) -> gcp.storage.BucketIAMMember:
    """One role on one bucket for one member: never a project-wide grant."""
    return gcp.storage.BucketIAMMember(
        ctx.child(suffix), bucket=bucket, role=role, member=member, opts=ctx.opts()
    )


def _agent_member(ctx: ReplicationContext) -> pulumi.Output[str]:
    return pulumi.Output.concat("serviceAccount:", _agent(ctx).email)


def _sink_grants(ctx: ReplicationContext) -> list[gcp.storage.BucketIAMMember]:
    """Write to the replica, and read its objects: STS compares them to the source's before
    overwriting one that differs (sink-cloud-storage: storage.objects.get)."""
    member, replica = _agent_member(ctx), ctx.replica["name"]
    return [
        _grant(ctx, "replica-writer", replica, "roles/storage.legacyBucketWriter", member),
        _grant(ctx, "replica-reader", replica, "roles/storage.legacyObjectReader", member),
    ]


def _pubsub_grants(ctx: ReplicationContext) -> list[gcp.projects.IAMMember]:
    """What event-driven replication needs of Pub/Sub, in the agent's project."""
    agent = _agent(ctx)
    storage_agent = gcp.storage.get_project_service_account_output(
        project=agent.project, opts=pulumi.InvokeOutputOptions(parent=ctx.parent)
    )
    grants = (
        ("agent-pubsub", "roles/pubsub.editor", _agent_member(ctx)),
        ("storage-pubsub", "roles/pubsub.publisher", storage_agent.member),
    )
    return [
        gcp.projects.IAMMember(
            ctx.child(suffix), project=agent.project, role=role, member=member, opts=ctx.opts()
        )
        for suffix, role, member in grants
    ]


# -- GCS -> GCS ---------------------------------------------------------------------------------


def replicate_within(step: ReplicateWithin, ctx: ReplicationContext) -> ReplicationOutputs:
    """An STS cross-bucket replication job (continuous, for new and changed objects)."""
    member, source = _agent_member(ctx), ctx.source["name"]
    grants = [
        _grant(ctx, "source-viewer", source, "roles/storage.objectViewer", member),
        _grant(ctx, "source-owner", source, "roles/storage.legacyBucketOwner", member),
        *_sink_grants(ctx),
        *_pubsub_grants(ctx),
    ]
    job = gcp.storage.TransferJob(
        ctx.child("job"),
        description=_description(ctx),
        replication_spec={
            "gcs_data_source": {"bucket_name": ctx.source["name"]},
            "gcs_data_sink": {"bucket_name": ctx.replica["name"]},
            "transfer_options": {"overwrite_when": "DIFFERENT"},
        },
        opts=ctx.opts(depends_on=grants),
    )
    return {"job": job.name, "post_deploy": []}


# -- S3 / Azure Blob -> GCS -----------------------------------------------------------------------


def _from_s3(ctx: ReplicationContext, credential: CredentialOutputs) -> ReplicationOutputs:
    """Hourly STS job reading S3 as the role the AWS side made for the STS agent."""
    source = {"bucket_name": ctx.source["name"], "role_arn": credential["role_arn"]}
    return _transfer(ctx, {"aws_s3_data_source": source})


def _from_blob(ctx: ReplicationContext, credential: CredentialOutputs) -> ReplicationOutputs:
    """Hourly STS job reading the Azure container with a SAS token (wrapped as secret)."""
    source = {
        "storage_account": ctx.source["account_name"],
        "container": ctx.source["name"],
        "azure_credentials": {"sas_token": pulumi.Output.secret(credential["sas_token"])},
    }
    return _transfer(ctx, {"azure_blob_storage_data_source": source})


def _transfer(ctx: ReplicationContext, source: dict[str, Any]) -> ReplicationOutputs:
    grants = _sink_grants(ctx)
    spec: gcp.storage.TransferJobTransferSpecArgsDict = {
        "gcs_data_sink": {"bucket_name": ctx.replica["name"]},
        "transfer_options": {"overwrite_when": "DIFFERENT"},
        **source,  # type: ignore[typeddict-item]
    }
    job = gcp.storage.TransferJob(
        ctx.child("job"),
        description=_description(ctx),
        transfer_spec=spec,
        schedule={"schedule_start_date": _START, "repeat_interval": _EVERY_HOUR},
        opts=ctx.opts(depends_on=grants),
    )
    return {"job": job.name, "post_deploy": []}


def _description(ctx: ReplicationContext) -> str:
    return f"skyinfra {ctx.project}: {ctx.replication.source} -> {ctx.replication.replica}"


# -- credential for other clouds' movers --------------------------------------------------------


def _hmac_key(ctx: ReplicationContext, reader: ReaderOutputs) -> CredentialOutputs:
    """A service account that may only view the source's objects, and its HMAC key."""
    account = gcp.serviceaccount.Account(
        ctx.child("reader"),
        account_id=_account_id(ctx.name),
        display_name=f"skyinfra: reads {ctx.replication.source} for its replica",
        opts=ctx.opts(),
    )
    member = pulumi.Output.concat("serviceAccount:", account.email)
    _grant(ctx, "reader-viewer", ctx.source["name"], "roles/storage.objectViewer", member)
    key = gcp.storage.HmacKey(
        ctx.child("reader-hmac"), service_account_email=account.email, opts=ctx.opts()
    )
    return {"access_id": key.access_id, "secret": pulumi.Output.secret(key.secret)}


def _account_id(name: str) -> str:
    """A service-account id (6-30 of [a-z0-9-]) that is stable for the replication."""
    return f"sky-repl-{hashlib.sha256(name.encode()).hexdigest()[:12]}"


ISSUERS: dict[str, Callable[[ReplicationContext, ReaderOutputs], CredentialOutputs]] = {
    "gcs-hmac-key": _hmac_key
}
MOVERS: dict[str, Callable[[ReplicationContext, CredentialOutputs], ReplicationOutputs]] = {
    "s3-web-identity-role": _from_s3,
    "blob-sas-token": _from_blob,
}
