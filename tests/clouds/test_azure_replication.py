"""Replication into Azure Blob (object replication, Data Factory) and the SAS Azure issues."""

from __future__ import annotations

import pytest

from tests.replicas import actions, policy, preview

POLICY = "azure-native:storage:ObjectReplicationPolicy"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
FACTORY = "azure-native:datafactory:Factory"
LINKED = "azure-native:datafactory:LinkedService"
DATASET = "azure-native:datafactory:Dataset"
PIPELINE = "azure-native:datafactory:Pipeline"
TRIGGER = "azure-native:datafactory:Trigger"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RANDOM_STRING = "random:index/randomString:RandomString"
ADF = sorted([FACTORY, RANDOM_STRING, ROLE_ASSIGNMENT, LINKED, LINKED, DATASET, DATASET])
ADF += [PIPELINE, TRIGGER]
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def test_blob_to_blob_is_object_replication_destination_policy_first() -> None:
    p = preview("azure", "azure")
    assert p.types() == [POLICY, POLICY]
    source, replica = p.source.outputs["buckets"]["src"], p.target.outputs["buckets"]["src-replica"]
    destination, origin = p.named("destination-policy"), p.named("source-policy")
    ids = {"sourceAccount": source["account_id"], "destinationAccount": replica["account_id"]}
    assert ids["sourceAccount"].startswith("/subscriptions/")  # full ARM ids
    assert destination.inputs["accountName"] == replica["account_name"]
    assert destination.inputs["objectReplicationPolicyId"] == "default"
    assert origin.inputs["accountName"] == source["account_name"]
    assert origin.inputs["objectReplicationPolicyId"] == destination.outputs["policyId"]
    for registered in (destination, origin):
        assert {k: registered.inputs[k] for k in ids} == ids
    (rule,) = origin.inputs["rules"]
    assert rule == {
        "ruleId": destination.outputs["rules"][0]["ruleId"],
        "sourceContainer": source["name"],
        "destinationContainer": replica["name"],
    }
    assert destination.name in p.depends_on(origin)


def test_object_replication_waits_for_versioning_and_change_feed_of_both_accounts() -> None:
    p = preview("azure", "azure")
    for stack, name in (
        (p.source, "demo-src-blob-service"),
        (p.target, "demo-src-replica-blob-service"),
    ):
        (service,) = [r for r in stack.by_type(BLOB_SERVICE) if r.name == name]
        assert service.inputs["isVersioningEnabled"] is True
        assert service.inputs["changeFeed"] == {"enabled": True}
    assert p.source.outputs["buckets"]["src"]["change_feed"] is True
    for registered in p.stack.by_type(POLICY):
        assert {"azure-westeurope", "azure-northeurope"} <= p.depends_on(registered)


@pytest.mark.parametrize(
    ("source", "service", "location", "read"),
    [
        ("aws", "AmazonS3", "AmazonS3Location", "AmazonS3ReadSettings"),
        (
            "gcp",
            "GoogleCloudStorage",
            "GoogleCloudStorageLocation",
            "GoogleCloudStorageReadSettings",
        ),
    ],
)
def test_s3_and_gcs_to_blob_are_data_factory_copy_pipelines(
    source: str, service: str, location: str, read: str
) -> None:
    p = preview(source, "azure")
    issued = {
        "aws": [
            "aws:iam/accessKey:AccessKey",
            "aws:iam/user:User",
            "aws:iam/userPolicy:UserPolicy",
        ],
        "gcp": [
            "gcp:serviceaccount/account:Account",
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            "gcp:storage/hmacKey:HmacKey",
        ],
    }[source]
    assert p.types() == sorted(ADF + issued)
    bucket, replica = p.source.outputs["buckets"]["src"], p.target.outputs["buckets"]["src-replica"]
    factory = p.stack.one(FACTORY)
    assert factory.inputs["identity"] == {"type": "SystemAssigned"}
    assert factory.inputs["resourceGroupName"] == replica["resource_group_name"]
    source_link = p.named("source-link")
    assert "properties" in source_link.secret_inputs  # the SecureString makes it all secret
    props = source_link.inputs["properties"]
    assert props["type"] == service
    assert props["secretAccessKey"]["type"] == "SecureString"  # camelCase: typed Args classes
    assert p.named("source-data").inputs["properties"]["location"] == {
        "type": location,
        "bucketName": bucket["name"],
    }
    assert p.named("replica-link").inputs["properties"]["authenticationType"] == "Msi"
    (copy,) = p.stack.one(PIPELINE).inputs["activities"]
    assert copy["type"] == "Copy" and copy["source"]["storeSettings"]["type"] == read
    trigger = p.stack.one(TRIGGER).inputs["properties"]
    assert trigger["type"] == "ScheduleTrigger"
    assert trigger["recurrence"]["frequency"] == "Hour"


def test_data_factory_writes_only_the_replica_container_with_its_own_identity() -> None:
    p = preview("aws", "azure")
    grant, factory = p.stack.one(ROLE_ASSIGNMENT), p.stack.one(FACTORY)
    assert grant.inputs["scope"] == p.target.outputs["buckets"]["src-replica"]["id"]
    assert grant.inputs["scope"].endswith("/blobServices/default/containers/src-replica")
    assert grant.inputs["principalId"] == factory.outputs["identity"]["principalId"]
    assert grant.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{BLOB_CONTRIBUTOR}")
    document = policy(p.stack.by_type("aws:iam/userPolicy:UserPolicy")[0])
    assert actions(document) == {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "kms:Decrypt",
    }
    assert "secret" in p.stack.by_type("aws:iam/accessKey:AccessKey")[0].secret_outputs


def test_data_factory_exports_the_trigger_start_it_cannot_do() -> None:
    p = preview("gcp", "azure")
    start, backfill = p.stack.outputs["post_deploy"]
    trigger, pipeline = p.stack.one(TRIGGER), p.stack.one(PIPELINE)
    assert start["command"] == (
        f'az rest --method post --url "https://management.azure.com{trigger.id}/start'
        '?api-version=2018-06-01"'
    )
    assert backfill["command"].endswith(f'{pipeline.id}/createRun?api-version=2018-06-01"')
    assert "Stopped" in start["action"]
