"""Replication into S3 (S3 Replication, DataSync from GCS) and the credentials AWS issues."""

from __future__ import annotations

import copy
import json

import pytest

from skyinfra.errors import UnsupportedError
from skyinfra.preview import preview_replication
from tests.replicas import actions, plan_of, policy, preview, spec_text

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
OBJECT_STORAGE = "aws:datasync/locationObjectStorage:LocationObjectStorage"
S3_LOCATION = "aws:datasync/s3Location:S3Location"
TASK = "aws:datasync/task:Task"
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
HMAC = "gcp:storage/hmacKey:HmacKey"
IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"


def test_s3_to_s3_is_s3_replication_with_a_role_s3_assumes() -> None:
    p = preview("aws", "aws")
    assert p.types() == sorted([ROLE, ROLE_POLICY, REPLICATION])
    source, replica = p.source.outputs["buckets"]["src"], p.target.outputs["buckets"]["src-replica"]
    # Versioning on both buckets, in their cloud stacks.
    assert p.source.one(VERSIONING).inputs["bucket"] == source["name"]
    (versioning,) = [r for r in p.target.by_type(VERSIONING) if r.name.startswith("demo-src-")]
    assert versioning.inputs["bucket"] == replica["name"]
    role = p.named("role")
    assert policy(role, "assumeRolePolicy")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    config = p.stack.one(REPLICATION)
    assert config.inputs["region"] == "us-east-1"
    assert config.inputs["bucket"] == source["name"]
    assert config.inputs["role"] == role.outputs["arn"]
    (rule,) = config.inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["deleteMarkerReplication"] == {"status": "Enabled"}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert rule["destination"]["bucket"] == replica["arn"]
    assert rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"] == (
        "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3"
    )


def test_s3_replication_waits_for_the_policy_and_both_buckets_versioning() -> None:
    p = preview("aws", "aws")
    config = p.stack.one(REPLICATION)
    # Versioning lives in the cloud stacks: the rule consumes both stacks' exported versioning
    # state (a StackReference each), the cross-stack form of depends_on.
    assert {"aws-us-east-1", "aws-eu-west-1", "demo-src-to-aws-eu-west-1-policy"} <= p.depends_on(
        config
    )
    assert p.source.outputs["buckets"]["src"]["versioning"] == "Enabled"
    assert p.target.outputs["buckets"]["src-replica"]["versioning"] == "Enabled"


def test_s3_replication_role_may_only_replicate_between_the_two_buckets() -> None:
    p = preview("aws", "aws")
    document = policy(p.stack.one(ROLE_POLICY))
    assert actions(document) == {
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
        "kms:Decrypt",
        "kms:Encrypt",
    }
    source = p.source.outputs["buckets"]["src"]["arn"]
    replica = p.target.outputs["buckets"]["src-replica"]["arn"]
    by_action = {a: s for s in document["Statement"] for a in s["Action"]}
    assert by_action["s3:ListBucket"]["Resource"] == source
    assert by_action["s3:GetObjectVersionForReplication"]["Resource"] == f"{source}/*"
    assert by_action["s3:ReplicateObject"]["Resource"] == f"{replica}/*"
    kms = by_action["kms:Encrypt"]["Condition"]
    assert kms["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert kms["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [replica, f"{replica}/*"]


def test_gcs_to_s3_is_agentless_datasync_with_a_gcs_hmac_key() -> None:
    p = preview("gcp", "aws")
    assert p.types() == sorted(
        [ROLE, ROLE_POLICY, OBJECT_STORAGE, S3_LOCATION, TASK, SERVICE_ACCOUNT, HMAC, IAM_MEMBER]
    )
    source = p.source.outputs["buckets"]["src"]
    replica = p.target.outputs["buckets"]["src-replica"]
    reader, key = p.stack.one(SERVICE_ACCOUNT), p.stack.one(HMAC)
    grant = p.stack.one(IAM_MEMBER)
    assert grant.inputs == {
        "bucket": source["name"],
        "role": "roles/storage.objectViewer",
        "member": f"serviceAccount:{reader.outputs['email']}",
    }
    assert key.inputs["serviceAccountEmail"] == reader.outputs["email"]
    location = p.stack.one(OBJECT_STORAGE)
    assert location.inputs["serverHostname"] == "storage.googleapis.com"
    assert location.inputs["serverProtocol"] == "HTTPS"
    assert location.inputs["bucketName"] == source["name"]
    assert location.inputs["accessKey"] == key.outputs["accessId"]
    assert "agentArns" not in location.inputs
    sink = p.stack.one(S3_LOCATION)
    assert sink.inputs["s3BucketArn"] == replica["arn"]
    assert sink.inputs["s3Config"] == {
        "bucketAccessRoleArn": p.named("datasync-role").outputs["arn"]
    }
    task = p.stack.one(TASK)
    assert task.inputs["taskMode"] == "ENHANCED"
    assert task.inputs["schedule"] == {"scheduleExpression": "rate(1 hour)"}
    assert (task.inputs["sourceLocationArn"], task.inputs["destinationLocationArn"]) == (
        location.id,
        sink.id,
    )
    assert "demo-src-to-aws-us-east-1-datasync-policy" in p.depends_on(sink)


def test_datasync_credentials_are_secrets_and_its_role_writes_only_the_replica() -> None:
    p = preview("gcp", "aws")
    assert "secretKey" in p.stack.one(OBJECT_STORAGE).secret_inputs
    assert "secret" in p.stack.one(HMAC).secret_outputs
    document = policy(p.named("datasync-policy"))
    replica = p.target.outputs["buckets"]["src-replica"]["arn"]
    resources = {json.dumps(s["Resource"]) for s in document["Statement"]}
    assert resources == {json.dumps(replica), json.dumps(f"{replica}/*"), json.dumps("*")}
    kms = next(s for s in document["Statement"] if s["Resource"] == "*")
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"}


def test_azure_to_s3_is_refused_naming_the_datasync_agent_gap() -> None:
    with pytest.raises(UnsupportedError, match="agent_arns is required") as err:
        plan_of(spec_text("azure", "aws"))
    assert "buckets.src.replicate_to[0]" in str(err.value)
    assert "another cloud" in str(err.value)


def test_s3_replication_refuses_a_bucket_its_stack_reports_unversioned() -> None:
    p = preview("aws", "aws")
    (replication,) = plan_of(spec_text("aws", "aws")).topology.replications
    source = copy.deepcopy(p.source.outputs)
    source["buckets"]["src"]["versioning"] = "Disabled"
    outputs = {p.source.name: source, p.target.name: p.target.outputs}
    with pytest.raises(Exception, match="S3 replication needs versioning on bucket"):
        preview_replication("demo", replication, {"aws:region": "us-east-1"}, outputs)
