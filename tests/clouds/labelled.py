"""Labels and startup scripts as the engine receives them, read generically for any cloud.

A resource "takes labels" when its SDK class has a `tags` or `labels` input (introspected from
the provider package the type token names), so a new resource type that can carry them and
does not is found without a list of types to keep up to date.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import inspect
from collections.abc import Iterator
from functools import cache
from typing import Any

from skyinfra.clouds import get_cloud
from skyinfra.preview import Registered, StackPreview
from skyinfra.site import Site
from skyinfra.spec import replica_name
from skyinfra.tokens import GATEWAY_TOKEN
from skyinfra.topology import PROJECT_LABEL, RESOURCE_LABEL, Topology
from tests.clouds.conftest import PROJECT, leaves, linked_spec, of_cloud, stack_spec

TOP = {"team": "ml-platform", "cost-centre": "c4711"}
DB_OWN = {"team": "data"}  # group `db` overrides `team`
SCRIPT = "#!/bin/bash\necho skyinfra-was-here > /var/tmp/boot\n"
LABEL_INPUTS = ("labels", "tags")  # GCP VMs also take `tags`: network tags, not labels


def labelled_spec(cloud: str) -> str:
    """`stack_spec` with top-level labels, group `db`'s own `team` and a startup script on
    group `api`."""
    text = stack_spec(cloud)
    script = SCRIPT.replace("\n", "\\n")
    text = text.replace("  api: {", f'  api: {{startup_script: "{script}", ', 1)
    text = text.replace("  db: {", "  db: {labels: {team: data}, ", 1)
    return _with_top(text)


def _with_top(text: str) -> str:
    return text + "labels: {" + ", ".join(f"{k}: {v}" for k, v in TOP.items()) + "}\n"


NET_OWN = {"tier": "core-net"}  # network `core`'s own labels in `labelled_linked_spec`
LINKED_BUCKETS = ("there", "back")  # `linked_spec`'s buckets: each labelled `data: <name>`


def labelled_linked_spec(a: Site, b: Site, mode: str) -> str:
    """`linked_spec` with top-level labels, network `core`'s own and each bucket's own."""
    text = linked_spec(a, b, mode)
    own = ", ".join(f"{k}: {v}" for k, v in NET_OWN.items())
    text = text.replace("networks: {core: {}}", f"networks: {{core: {{labels: {{{own}}}}}}}", 1)
    for bucket in LINKED_BUCKETS:
        text = text.replace(f"  {bucket}: {{", f"  {bucket}: {{labels: {{data: {bucket}}}, ", 1)
    return _with_top(text)


def owner_of(
    topology: Topology, stack: StackPreview, resource: Registered
) -> tuple[dict[str, str], str]:
    """(the spec labels that must reach `resource` beside the top-level ones, the neutral
    thing its `skyinfra-resource` must name) in a `labelled_linked_spec` project: a gateway
    or link serves network `core`, a replication belongs to its source bucket."""
    if stack.name.startswith("peer-"):
        (link,) = [x for x in topology.links.links if x.stack == stack.name]
        return NET_OWN, f"{link.network}:{link.a.stack}<->{link.b.stack}"
    if stack.name.startswith("repl-"):
        source = topology.replication(stack.name).source
        return {"data": source}, source
    (component,) = [r for r in stack.resources if r.urn == resource.parent]
    name = component.name.removeprefix(f"{PROJECT}-")
    if component.type == GATEWAY_TOKEN or name == "core":
        return NET_OWN, "core"
    for bucket in LINKED_BUCKETS:
        if name in (bucket, replica_name(bucket)):
            return {"data": bucket}, name
    return {}, name


def unlabelled_types(stack: StackPreview, cloud: str) -> set[str]:
    """The types of `cloud`'s resources in `stack` whose SDK class takes no tags/labels."""
    return {r.type for r in of_cloud(stack, cloud) if label_input(r.type) is None}


def label_faults(topology: Topology, stack: StackPreview, cloud: str) -> Iterator[str]:
    """What is wrong with the labels `cloud`'s taggable resources of `stack` received in a
    `labelled_linked_spec` project: a missing or wrong label, or one the cloud's rules
    refuse (skyinfra's own values must be respelled to fit them)."""
    rules = get_cloud(cloud).label_rules
    for resource in of_cloud(stack, cloud):
        key = label_input(resource.type)
        if key is None:
            continue
        got = labels_of(resource, key)
        where = f"{stack.name}: {resource.type} {resource.name}"
        own, names = owner_of(topology, stack, resource)
        wanted = {**TOP, **own, PROJECT_LABEL: PROJECT}
        if not wanted.items() <= got.items():
            yield f"{where}: {got} lacks some of {wanted}"
        if not _names(got.get(RESOURCE_LABEL, ""), names):
            yield f"{where}: {RESOURCE_LABEL}={got.get(RESOURCE_LABEL)!r}, not {names!r}"
        for label, why in rules.problems(got, "networks"):
            if label is not None:
                yield f"{where}: {label!r}: {why}"


def _names(value: str, neutral: str) -> bool:
    """Whether `value` names `neutral` (as given, or respelled with its parts kept: a link's
    `<network>:<a><-><b>` keeps the network and both site names)."""
    if value == neutral:
        return True
    parts = [p for p in neutral.replace("<->", ":").split(":") if p]
    return len(parts) > 1 and all(p in value for p in parts)


SCRIPT_FILE = "boot.sh"


def file_script_spec(cloud: str) -> str:
    """`labelled_spec` whose group `api` reads its script from `SCRIPT_FILE`."""
    inline = '"' + SCRIPT.replace("\n", "\\n") + '"'
    return labelled_spec(cloud).replace(inline, f"{{file: {SCRIPT_FILE}}}", 1)


@cache
def label_input(token: str) -> str | None:
    """The input of resource type `token` that holds tags or labels, per its SDK class."""
    namespace, module, name = token.split(":")
    package = importlib.import_module("pulumi_" + namespace.replace("-", "_"))
    where = module.split("/")[0]
    owner = package if where == "index" else importlib.import_module(f"{package.__name__}.{where}")
    cls = getattr(owner, name)
    params = inspect.signature(cls._internal_init).parameters
    return next((p for p in LABEL_INPUTS if p in params), None)


def labels_of(resource: Registered, key: str) -> dict[str, str]:
    """The labels a resource received in input `key`: a mapping, or a list of key/value
    entries (an AWS auto scaling group's `tags`)."""
    given = resource.inputs.get(key)
    if isinstance(given, list):
        return {entry["key"]: entry["value"] for entry in given}
    return dict(given or {})


def taggable(stack: StackPreview) -> Iterator[tuple[Registered, str]]:
    """Each custom resource of `stack` whose type takes labels, with that input's name."""
    for resource in stack.resources:
        if resource.custom and not resource.type.startswith("pulumi:"):
            key = label_input(resource.type)
            if key is not None:
                yield resource, key


def neutral_name(stack: StackPreview, resource: Registered) -> str:
    """The neutral resource (network, bucket, group) whose component `resource` hangs under."""
    (component,) = [r for r in stack.resources if r.urn == resource.parent]
    return component.name.removeprefix(f"{PROJECT}-")


def carries_script(values: Any, script: str) -> bool:
    """Whether `script` is among the string leaves of `values`, as is or base64-encoded."""
    for value in leaves(values):
        if not isinstance(value, str):
            continue
        if value == script:
            return True
        try:
            if base64.b64decode(value, validate=True).decode("utf-8") == script:
                return True
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
    return False
