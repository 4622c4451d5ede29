"""StackReferences between the stacks of one compiled project.

A reference names `<organization>/<project>/<stack>`. The project is the compiled project's
own (every stack of a spec lives in one Pulumi project); the organization is the stack's
`skyinfra:organization` config when set (`pulumi config set skyinfra:organization ORG`),
else the organization the referencing stack is deployed in (`organization` on a self-managed
backend), so stacks deployed side by side find each other without configuration. A stack
name that already contains `/` is used as given.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi

from skyinfra.clouds.outputs import BucketOutputs, GatewayOutputs, NetworkOutputs
from skyinfra.kinds.bucket import BUCKET
from skyinfra.kinds.network import NETWORK
from skyinfra.tokens import GATEWAYS_OUTPUT

ORGANIZATION_KEY = "organization"


def qualified(stack: str) -> str:
    """The fully qualified name of a sibling stack."""
    if "/" in stack:
        return stack
    org = pulumi.Config("skyinfra").get(ORGANIZATION_KEY) or pulumi.get_organization()
    return f"{org}/{pulumi.get_project()}/{stack}"


def stack_reference(
    stack: str, opts: pulumi.ResourceOptions | None = None
) -> pulumi.StackReference:
    """A reference to a sibling stack, logically named after the plain stack name."""
    return pulumi.StackReference(f"ref-{stack.rsplit('/', 1)[-1]}", qualified(stack), opts=opts)


def output(ref: pulumi.StackReference, *path: str) -> pulumi.Output[Any]:
    """The stack output at `path` (`networks`, `core`), failing clearly when it is missing."""
    first, *rest = path

    def dig(value: Any) -> Any:
        for key in rest:
            if not isinstance(value, dict) or key not in value:
                raise pulumi.RunError(
                    f"stack {ref.name} has no output {'.'.join(path)}: deploy it (again) first"
                )
            value = value[key]
        return value

    return ref.require_output(first).apply(dig)


# Typed reads of a cloud stack's outputs: an Output of the dict, typed as the dict because
# pulumi lifts indexing over an Output, so mypy checks every key a lowering reads of it.


def network_of(ref: pulumi.StackReference, network: str) -> NetworkOutputs:
    """`networks.<network>` of the referenced cloud stack."""
    return cast(NetworkOutputs, output(ref, NETWORK.output_key, network))


def gateway_of(ref: pulumi.StackReference, network: str) -> GatewayOutputs:
    """`gateways.<network>` of the referenced cloud stack."""
    return cast(GatewayOutputs, output(ref, GATEWAYS_OUTPUT, network))


def bucket_of(ref: pulumi.StackReference, bucket: str) -> BucketOutputs:
    """`buckets.<bucket>` of the referenced cloud stack."""
    return cast(BucketOutputs, output(ref, BUCKET.output_key, bucket))
