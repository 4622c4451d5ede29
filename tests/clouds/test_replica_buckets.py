"""A replica is a bucket like any other: same secure defaults, versioned, protected."""

from __future__ import annotations

import pytest

from skyinfra.components import BUCKET_TOKEN
from tests.replicas import preview

# Per cloud: the replica's resources and what makes each one private, encrypted and versioned.
PROTECTED = {
    "aws": {"aws:s3/bucket:Bucket"},
    "gcp": {"gcp:storage/bucket:Bucket"},
    "azure": {
        "azure-native:resources:ResourceGroup",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
    },
}


def replica_resources(cloud: str):  # type: ignore[no-untyped-def]
    p = preview("aws" if cloud != "aws" else "gcp", cloud)
    (component,) = [r for r in p.target.by_type(BUCKET_TOKEN) if r.name == "demo-src-replica"]
    return {r.type: r for r in p.target.resources if r.parent == component.urn}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_replica_is_protected(cloud: str) -> None:
    found = replica_resources(cloud)
    assert {t for t, r in found.items() if r.protect} == PROTECTED[cloud]


def test_s3_replica_defaults() -> None:
    found = replica_resources("aws")
    block = found["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"].inputs
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    (rule,) = found[
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ].inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms"}
    versioning = found["aws:s3/bucketVersioning:BucketVersioning"].inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}


def test_gcs_replica_defaults() -> None:
    bucket = replica_resources("gcp")["gcp:storage/bucket:Bucket"].inputs
    assert bucket["publicAccessPrevention"] == "enforced"
    assert bucket["uniformBucketLevelAccess"] is True
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["location"] == "US-CENTRAL1"


def test_blob_replica_defaults() -> None:
    found = replica_resources("azure")
    account = found["azure-native:storage:StorageAccount"].inputs
    assert account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["encryption"]["services"]["blob"]["enabled"] is True
    assert found["azure-native:storage:BlobContainer"].inputs["publicAccess"] == "None"
    assert found["azure-native:storage:BlobServiceProperties"].inputs["isVersioningEnabled"] is True
