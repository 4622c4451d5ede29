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

from skyinfra.preview import Registered, StackPreview
from tests.clouds.conftest import PROJECT, leaves, stack_spec

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
    return text + "labels: {" + ", ".join(f"{k}: {v}" for k, v in TOP.items()) + "}\n"


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
