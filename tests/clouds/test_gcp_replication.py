"""Replication into GCS (Storage Transfer Service) and the credential GCP issues."""

from __future__ import annotations

from tests.replicas import actions, policy, preview

JOB = "gcp:storage/transferJob:TransferJob"
IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
# The mock's transfer service agent of project demo-project (clouds/gcp/mocks.py).
AGENT = "serviceAccount:project-{}@storage-transfer-service.iam.gserviceaccount.com"


def grants(p) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    return {
        (r.inputs["bucket"], r.inputs["role"]): r.inputs["member"]
        for r in p.stack.by_type(IAM_MEMBER)
    }


def test_gcs_to_gcs_is_an_sts_replication_job_with_exactly_the_documented_grants() -> None:
    p = preview("gcp", "gcp")
    assert p.types() == sorted([IAM_MEMBER] * 4 + [PROJECT_MEMBER] * 2 + [JOB])
    source = p.source.outputs["buckets"]["src"]["name"]
    replica = p.target.outputs["buckets"]["src-replica"]["name"]
    found = grants(p)
    assert set(found) == {
        (source, "roles/storage.objectViewer"),
        (source, "roles/storage.legacyBucketOwner"),  # registers the source's notifications
        (replica, "roles/storage.legacyBucketWriter"),
        (replica, "roles/storage.legacyObjectReader"),  # storage.objects.get for DIFFERENT
    }
    (member,) = set(found.values())
    assert member.startswith("serviceAccount:project-") and "storage-transfer-service" in member
    project = {
        r.inputs["role"]: (r.inputs["project"], r.inputs["member"])
        for r in p.stack.by_type(PROJECT_MEMBER)
    }
    number = member.split("-", 1)[1].split("@")[0]  # the project number, as in both agents
    assert project == {
        "roles/pubsub.editor": ("demo-project", member),  # creates topic and subscription
        "roles/pubsub.publisher": (  # the Cloud Storage agent publishes the notifications
            "demo-project",
            f"serviceAccount:service-{number}@gs-project-accounts.iam.gserviceaccount.com",
        ),
    }


def test_sts_jobs_depend_on_their_grants() -> None:
    p = preview("gcp", "gcp")
    names = {r.name for r in p.stack.by_type(IAM_MEMBER) + p.stack.by_type(PROJECT_MEMBER)}
    assert names <= p.depends_on(p.stack.one(JOB))
    s3 = preview("aws", "gcp")
    assert {r.name for r in s3.stack.by_type(IAM_MEMBER)} <= s3.depends_on(s3.stack.one(JOB))


def test_s3_to_gcs_reads_through_a_web_identity_role_trusting_only_the_sts_agent() -> None:
    p = preview("aws", "gcp")
    assert p.types() == sorted([ROLE, ROLE_POLICY, IAM_MEMBER, IAM_MEMBER, JOB])
    assert not p.stack.by_type(ACCESS_KEY)  # no long-lived AWS key anywhere
    (statement,) = policy(p.stack.one(ROLE), "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Federated": "accounts.google.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    ((key, subject),) = statement["Condition"]["StringEquals"].items()
    assert key == "accounts.google.com:sub" and subject.isdigit() and len(subject) == 21
    source = p.source.outputs["buckets"]["src"]
    document = policy(p.stack.one(ROLE_POLICY))
    assert actions(document) == {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "kms:Decrypt",
    }
    assert {s["Resource"] for s in document["Statement"] if s["Effect"] == "Allow"} >= {
        source["arn"],
        f"{source['arn']}/*",
    }
    job = p.stack.one(JOB)
    assert job.inputs["transferSpec"]["awsS3DataSource"] == {
        "bucketName": source["name"],
        "roleArn": p.stack.one(ROLE).outputs["arn"],
    }
    replica = p.target.outputs["buckets"]["src-replica"]["name"]
    assert job.inputs["transferSpec"]["gcsDataSink"] == {"bucketName": replica}
    assert job.inputs["schedule"]["repeatInterval"] == "3600s"
    assert set(grants(p)) == {
        (replica, "roles/storage.legacyBucketWriter"),
        (replica, "roles/storage.legacyObjectReader"),  # overwriteWhen DIFFERENT reads the sink
    }
    assert job.inputs["transferSpec"]["transferOptions"] == {"overwriteWhen": "DIFFERENT"}


def test_azure_to_gcs_presents_a_read_only_sas_kept_secret() -> None:
    p = preview("azure", "gcp")
    assert p.types() == sorted([IAM_MEMBER, IAM_MEMBER, JOB])
    replica = p.target.outputs["buckets"]["src-replica"]["name"]
    assert (replica, "roles/storage.legacyObjectReader") in grants(p)
    job = p.stack.one(JOB)
    assert "transferSpec" in job.secret_inputs  # the SAS inside makes the whole spec secret
    source = p.source.outputs["buckets"]["src"]
    blob = job.inputs["transferSpec"]["azureBlobStorageDataSource"]
    assert (blob["storageAccount"], blob["container"]) == (source["account_name"], source["name"])
    token = blob["azureCredentials"]["sasToken"]
    assert "sp=rl&" in token and "sr=c&" in token and "spr=https&" in token
    assert "[secret]" in str(p.stack.to_json()["resources"])
