"""Offline preview: run the real stack program under Pulumi's mock engine and record it.

The mocks behave like a provider where programs depend on it: every resource echoes its
inputs, gets a `name` (the logical name, as auto-naming would give) and a cloud-shaped id;
clouds add what their resources compute (ARNs, self links, public IPs) and answer invokes
(image lookups, client config) through `clouds/<cloud>/mocks.py`. Values are derived from
the resource's logical name, so a preview is deterministic.

What we record is what the engine receives: type token, logical name, parent, the input
properties (camelCase, as serialised), which top-level inputs are secret, protect flags,
and the id/state the mock returned.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from skyinfra.clouds import cloud_names, get_cloud
from skyinfra.peering.replica import Replication
from skyinfra.program import lower_stack
from skyinfra.topology import Site, StackPlan, Topology

SECRET = "[secret]"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass
class Registered:
    """One resource as the engine saw it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    secret_inputs: frozenset[str]
    protect: bool
    id: str | None
    outputs: dict[str, Any]
    secret_outputs: frozenset[str] = frozenset()
    dependencies: frozenset[str] = frozenset()  # URNs of explicit `depends_on` and inputs

    def to_json(self, show_secrets: bool = False) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "parent": self.parent or None,
            "protect": self.protect,
            "inputs": _mask(self.inputs, self.secret_inputs, show_secrets),
            "id": self.id,
            "outputs": _mask(self.outputs, self.secret_outputs, show_secrets),
        }


@dataclass
class StackPreview:
    """Every resource one stack registers, in registration order, and its outputs."""

    name: str
    site: Site
    resources: list[Registered]
    outputs: dict[str, Any]

    def by_type(self, token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Registered:
        found = self.by_type(token)
        if len(found) != 1:
            raise AssertionError(f"expected one {token}, found {len(found)}")
        return found[0]

    def to_json(self, show_secrets: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "cloud": self.site.cloud,
            "region": self.site.region,
            "resources": [r.to_json(show_secrets) for r in self.resources if r.custom],
            "components": [r.to_json(show_secrets) for r in self.resources if not r.custom],
            "outputs": self.outputs,
        }


def _mask(values: Mapping[str, Any], secret: frozenset[str], show: bool) -> dict[str, Any]:
    return {k: ({"secret": v} if show else SECRET) if k in secret else v for k, v in values.items()}


# -- fake provider ------------------------------------------------------------------------


@dataclass
class Fakes:
    """Deterministic fake values, derived from a seed string (usually the logical name)."""

    site: Site
    _ips: set[str] = field(default_factory=set)

    def hex(self, seed: str, length: int = 17) -> str:
        return hashlib.sha256(seed.encode()).hexdigest()[:length]

    def number(self, seed: str, digits: int = 12) -> str:
        return str(int(self.hex(seed, 16), 16))[:digits].rjust(digits, "0")

    def uuid(self, seed: str) -> str:
        h = self.hex(seed, 32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def public_ip(self, seed: str) -> str:
        """A distinct address from the documentation ranges (never a real host)."""
        pools = [
            ipaddress.IPv4Network(n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")
        ]
        start = int(self.hex(seed, 8), 16)
        for i in range(768):
            k = (start + i) % 768
            ip = str(pools[k // 256][k % 256])
            if ip not in self._ips and not ip.endswith((".0", ".255")):
                self._ips.add(ip)
                return ip
        raise RuntimeError("fake public IP pool exhausted")


ResourceFake = Callable[[str, dict[str, Any], Fakes], tuple[str | None, dict[str, Any]]]
InvokeFake = Callable[[dict[str, Any], Fakes], dict[str, Any]]


@dataclass(frozen=True)
class CloudFakes:
    """What one cloud's mocks add: per type token, an (id, extra outputs) function; invokes."""

    resources: Mapping[str, ResourceFake] = field(default_factory=dict)
    invokes: Mapping[str, InvokeFake] = field(default_factory=dict)
    default_id: Callable[[str, str, Fakes], str] | None = None


def _all_fakes() -> tuple[dict[str, ResourceFake], dict[str, InvokeFake], list[tuple[str, Any]]]:
    resources: dict[str, ResourceFake] = {}
    invokes: dict[str, InvokeFake] = {}
    defaults: list[tuple[str, Any]] = []
    for name in cloud_names():
        fakes = get_cloud(name).mock_fakes()
        resources.update(fakes.resources)
        invokes.update(fakes.invokes)
        defaults.append((get_cloud(name).provider_namespace + ":", fakes.default_id))
    return resources, invokes, defaults


class SkyMocks(pulumi.runtime.Mocks):
    """Echo inputs, add a name and a realistic id, plus each cloud's computed outputs."""

    def __init__(
        self, site: Site, stack_outputs: Mapping[str, dict[str, Any]] | None = None
    ) -> None:
        self.fakes = Fakes(site)
        self.resource_fakes, self.invoke_fakes, self.default_ids = _all_fakes()
        self.stack_outputs = dict(stack_outputs or {})  # what StackReferences read, by stack

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args.name)
        state = dict(args.inputs)
        state.setdefault("name", args.name)
        fake = self.resource_fakes.get(args.typ)
        if fake is not None:
            id_, extra = fake(args.name, state, self.fakes)
            return id_, {**state, **extra}
        return self._default_id(args.typ, args.name), state

    def _stack_reference(self, name: str) -> tuple[str, dict[str, Any]]:
        """A reference to `<org>/<project>/<stack>`: the outputs previewed for that stack."""
        stack = name.rsplit("/", 1)[-1]
        if stack not in self.stack_outputs:
            raise KeyError(f"the offline preview has no outputs of stack {stack!r}")
        return name, {"name": name, "outputs": self.stack_outputs[stack], "secretOutputNames": []}

    def _default_id(self, token: str, name: str) -> str:
        for prefix, make in self.default_ids:
            if make is not None and token.startswith(prefix):
                return make(token, name, self.fakes)
        return f"{name}-{self.fakes.hex(token + name, 8)}"

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        fake = self.invoke_fakes.get(args.token)
        if fake is None:
            raise NotImplementedError(f"the offline preview has no answer for invoke {args.token}")
        return fake(dict(args.args), self.fakes), []


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The stock mock monitor, also keeping what the SDK sent: parents, secrets, protect."""

    def __init__(self, mocks: SkyMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        self.recorded.append(
            Registered(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=_plain(rpc.deserialize_properties(request.object)),
                secret_inputs=_secret_keys(request.object),
                protect=bool(request.protect),
                id=registration.id or None,
                outputs=_plain(registration.state),
                secret_outputs=_secret_keys(request.object)
                | frozenset(request.additionalSecretOutputs),
                dependencies=frozenset(request.dependencies),
            )
        )
        return response


def _secret_keys(struct: struct_pb2.Struct) -> frozenset[str]:
    """Top-level properties with a secret anywhere inside (as the SDK marks them)."""
    return frozenset(k for k, v in struct.fields.items() if _has_secret(v))


def _has_secret(value: struct_pb2.Value) -> bool:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        sig = fields.get(rpc._special_sig_key)
        if sig is not None and sig.string_value == rpc._special_secret_sig:
            return True
        return any(_has_secret(v) for v in fields.values())
    if kind == "list_value":
        return any(_has_secret(v) for v in value.list_value.values)
    return False


def _plain(value: Any) -> Any:
    """JSON-friendly copy with secret wrappers removed (`secret_*` keys say what was secret)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return _plain(value.get("value"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def preview_stack(project: str, stack: StackPlan, config: Mapping[str, str]) -> StackPreview:
    """Run `stack`'s program under the mock engine; return what it registered."""
    return _preview(project, stack.name, stack.site, config, lambda: lower_stack(stack))


def preview_replication(
    project: str,
    replication: Replication,
    config: Mapping[str, str],
    stack_outputs: Mapping[str, dict[str, Any]],
) -> StackPreview:
    """Run a replication stack's program, its StackReferences reading `stack_outputs`."""
    from skyinfra.replication_stack import lower_replication

    return _preview(
        project,
        replication.stack,
        replication.target,
        config,
        lambda: lower_replication(project, replication),
        stack_outputs,
    )


def _preview(
    project: str,
    name: str,
    site: Site,
    config: Mapping[str, str],
    lower: Callable[[], dict[str, Any]],
    stack_outputs: Mapping[str, dict[str, Any]] | None = None,
) -> StackPreview:
    mocks = SkyMocks(site, stack_outputs)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=name, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config))
    outputs: dict[str, Any] = {}

    def program() -> None:
        exported = pulumi.Output.from_input(lower())
        _sync_await(exported.apply(outputs.update).future())

    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    _sync_await(run_pulumi_func(program))
    # Registration order depends on asyncio scheduling; names are stable (and a child's name
    # starts with its component's, so parents still come first).
    resources = sorted(monitor.recorded, key=lambda r: (r.name, r.type))
    return StackPreview(name, site, resources, _plain(outputs))


def preview_topology(
    topology: Topology, configs: Mapping[str, Mapping[str, str]], only: str | None = None
) -> list[StackPreview]:
    """Preview every stack (or just `only`): cloud stacks in name order, then replication
    stacks, which read the previewed outputs of the cloud stacks they reference."""
    wanted = [r for r in topology.replications if only is None or r.stack == only]
    needed = {only} | {s.stack for r in wanted for s in (r.source_site, r.target)}
    clouds = {
        s.name: preview_stack(topology.project, s, configs.get(s.name, {}))
        for s in topology.stacks
        if only is None or s.name in needed
    }
    outputs = {name: p.outputs for name, p in clouds.items()}
    replicas = [
        preview_replication(topology.project, r, configs.get(r.stack, {}), outputs) for r in wanted
    ]
    return [p for name, p in clouds.items() if only in (None, name)] + replicas
