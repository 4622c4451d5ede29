"""The offline preview records the lookups (invokes) a program makes, as the engine got them."""

from __future__ import annotations

from typing import Any

from skyinfra.preview import Invoke, SkyMocks, _run
from skyinfra.topology import Site


def _program() -> dict[str, Any]:
    """Two identical lookups, then another one, from plain Pulumi code."""
    import pulumi_aws as aws

    for _ in range(2):
        aws.get_availability_zones_output(state="available")
    ami = aws.ec2.get_ami_output(most_recent=True, owners=["amazon"], name_regex="^x")
    return {"ami": ami.id}


def test_the_mocks_call_records_each_distinct_invoke_with_its_arguments_in_order() -> None:
    mocks = SkyMocks(Site("aws", "us-east-1"))
    _run("demo", "aws-us-east-1", mocks, {}, _program)
    assert mocks.invokes() == [
        Invoke(
            "aws:ec2/getAmi:getAmi",
            {"mostRecent": True, "nameRegex": "^x", "owners": ["amazon"]},
        ),
        Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}),
    ]
