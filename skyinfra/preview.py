"""Offline preview: run the real stack program under Pulumi's mock engine and record it.

The mocks behave like a provider where programs depend on it: every resource echoes its
inputs, gets a `name` (the logical name, as auto-naming would give) and a cloud-shaped id;
clouds add what their resources compute (ARNs, self links, public IPs) and answer invokes
(image lookups, client config) through `clouds/<cloud>/mocks.py`. Values are derived from
the resource's logical name, so a preview is deterministic.

Stacks read each other's outputs through StackReferences (peering stacks read both cloud
stacks, GCP stacks the stack that owns the global network). The mock answers a reference
with the outputs the referenced stack's own preview exported, so cloud stacks are previewed
first, each stack after the ones it reads, and every value crossing stacks is the one the
referenced stack would export.

What we record is what the engine receives: type token, logical name, parent, the input
properties (camelCase, as serialised), which top-level inputs are secret, protect flags,
and the id/state the mock returned; and every data-source call (invoke) the program makes
with its arguments, since those are the lookups a real deploy resolves (which AMI filter,
which zones, which client config).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
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
from skyinfra.clouds.fakes import Fakes, InvokeFake, ResourceFake
from skyinfra.peering.modes import mode_of
from skyinfra.program import lower_stack
from skyinfra.replication.model import Replication
from skyinfra.replication_stack import lower_replication
from skyinfra.site import Site
from skyinfra.stacks import PEERING, STACK_KINDS, StackKind, reads
from skyinfra.topology import StackPlan, Topology

SECRET = "[secret]"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
ORGANIZATION = "organization"  # what a self-managed backend calls the organization


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
    create_timeout: str | None = None  # the `custom_timeouts` create option, if set
    delete_before_replace: bool = False  # the `delete_before_replace` option

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


@dataclass(frozen=True)
class Invoke:
    """One data-source call as the engine received it: token and arguments (camelCase)."""

    token: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "args": self.args}

    @property
    def key(self) -> tuple[str, str]:
        """Sort and identity key: the token, then the arguments as canonical JSON."""
        return self.token, json.dumps(self.args, sort_keys=True, default=str)


@dataclass
class StackPreview:
    """Every resource one stack registers, in registration order, and its outputs; the
    distinct lookups (invokes) its program makes, sorted by token and arguments."""

    name: str
    site: Site
    resources: list[Registered]
    outputs: dict[str, Any]
    peer: Site | None = None  # a peering stack's second site (`site` is its first)
    invokes: list[Invoke] = field(default_factory=list)

    def by_type(self, token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Registered:
        found = self.by_type(token)
        if len(found) != 1:
            raise AssertionError(f"expected one {token}, found {len(found)}")
        return found[0]

    def to_json(self, show_secrets: bool = False) -> dict[str, Any]:
        where: dict[str, Any] = {"cloud": self.site.cloud, "region": self.site.region}
        if self.peer is not None:  # a peering stack spans two sites
            sites = [{"cloud": s.cloud, "region": s.region} for s in (self.site, self.peer)]
            where = {"cloud": None, "region": None, "kind": "peering", "sites": sites}
        return {
            "name": self.name,
            **where,
            "resources": [r.to_json(show_secrets) for r in self.resources if r.custom],
            "components": [r.to_json(show_secrets) for r in self.resources if not r.custom],
            "invokes": [i.to_json() for i in self.invokes],
            "outputs": self.outputs,
        }


def _mask(values: Mapping[str, Any], secret: frozenset[str], show: bool) -> dict[str, Any]:
    return {k: ({"secret": v} if show else SECRET) if k in secret else v for k, v in values.items()}


# -- fake provider ------------------------------------------------------------------------


def _random_string(logical: str, state: dict[str, Any], fakes: Fakes) -> tuple[str, dict[str, Any]]:
    """`pulumi_random` (no cloud): lowercase hex, plus an upper first / special last
    character unless those classes are off."""
    length = int(state.get("length") or 16)
    text = _stretch(fakes, logical, length)
    if state.get("upper", True) is not False:
        text = text[:1].upper() + text[1:]
    if state.get("special", True) is not False and length > 1:
        text = text[:-1] + "_"
    return text, {"result": text}


def _random_password(
    logical: str, state: dict[str, Any], fakes: Fakes
) -> tuple[str, dict[str, Any]]:
    """One character of each class that is on, then hex: deterministic, of the length asked."""
    length = int(state.get("length") or 16)
    classes = (("upper", "A"), ("lower", "a"), ("numeric", "1"), ("special", "_"))
    head = "".join(c for key, c in classes if state.get(key, True) is not False)
    text = (head + _stretch(fakes, logical, length))[:length]
    return "none", {"result": text, "bcryptHash": f"$2a$10${fakes.hex(text, 53)}"}


def _stretch(fakes: Fakes, seed: str, length: int) -> str:
    """`length` hex characters derived from `seed` (sha256 gives 64 at a time)."""
    text = ""
    while len(text) < length:
        text += fakes.hex(f"{seed}/{len(text)}", 64)
    return text[:length]


_BUILTIN_FAKES: dict[str, ResourceFake] = {
    "random:index/randomString:RandomString": _random_string,
    "random:index/randomPassword:RandomPassword": _random_password,
}


def _all_fakes() -> tuple[dict[str, ResourceFake], dict[str, InvokeFake], list[tuple[str, Any]]]:
    resources: dict[str, ResourceFake] = dict(_BUILTIN_FAKES)
    invokes: dict[str, InvokeFake] = {}
    defaults: list[tuple[str, Any]] = []
    for name in cloud_names():
        fakes = get_cloud(name).mock_fakes()
        resources.update(fakes.resources)
        invokes.update(fakes.invokes)
        defaults.append((get_cloud(name).provider_namespace + ":", fakes.default_id))
    return resources, invokes, defaults


class SkyMocks(pulumi.runtime.Mocks):
    """Echo inputs, add a name and a realistic id, plus each cloud's computed outputs.

    `sites` are the stack's sites (two for a peering stack): a resource's fakes use the site
    of its cloud. `references` holds the exported outputs of stacks already previewed.
    """

    def __init__(
        self,
        site: Site,
        *more_sites: Site,
        references: Mapping[str, dict[str, Any]] | None = None,
        ips: set[str] | None = None,
    ) -> None:
        shared = set() if ips is None else ips
        self.fakes = Fakes(site, shared)
        self.by_namespace = {
            get_cloud(s.cloud).provider_namespace + ":": Fakes(s, shared)
            for s in (*more_sites, site)
        }
        self.references = references or {}
        self.resource_fakes, self.invoke_fakes, self.default_ids = _all_fakes()
        self.calls: dict[tuple[str, str], Invoke] = {}

    def _fakes(self, token: str) -> Fakes:
        return next(
            (f for prefix, f in self.by_namespace.items() if token.startswith(prefix)), self.fakes
        )

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(str(args.inputs["name"]))
        state = dict(args.inputs)
        state.setdefault("name", args.name)
        fakes = self._fakes(args.typ)
        fake = self.resource_fakes.get(args.typ)
        if fake is not None:
            id_, extra = fake(args.name, state, fakes)
            return id_, {**state, **extra}
        return self._default_id(args.typ, args.name, fakes), state

    def _stack_reference(self, qualified: str) -> tuple[str, dict[str, Any]]:
        stack = qualified.rsplit("/", 1)[-1]
        if stack not in self.references:
            raise KeyError(f"the preview has no outputs of stack {qualified!r} (not previewed)")
        outputs = self.references[stack]
        return qualified, {"name": qualified, "outputs": outputs, "secretOutputNames": []}

    def _default_id(self, token: str, name: str, fakes: Fakes) -> str:
        for prefix, make in self.default_ids:
            if make is not None and token.startswith(prefix):
                return make(token, name, fakes)
        return f"{name}-{fakes.hex(token + name, 8)}"

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # Canonical JSON (sorted keys): the wire format's maps carry no order of their own.
        canonical = json.loads(json.dumps(_plain(dict(args.args)), sort_keys=True, default=str))
        call = Invoke(args.token, canonical)
        self.calls.setdefault(call.key, call)
        fake = self.invoke_fakes.get(args.token)
        if fake is None:
            raise NotImplementedError(f"the offline preview has no answer for invoke {args.token}")
        return fake(dict(args.args), self._fakes(args.token)), []

    def invokes(self) -> list[Invoke]:
        """Each distinct call the program made, in a deterministic order."""
        return [self.calls[key] for key in sorted(self.calls)]


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The stock mock monitor, also keeping what the SDK sent: parents, secrets, protect."""

    def __init__(self, mocks: SkyMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Registered] = []

    # The SDK calls the monitor from worker threads, where the stock monitor would make
    # each thread an event loop that is never closed (see `_own_event_loop`).
    def Invoke(self, request: Any) -> Any:
        with _own_event_loop():
            return super().Invoke(request)

    def ReadResource(self, request: Any) -> Any:
        with _own_event_loop():
            return super().ReadResource(request)

    def RegisterResource(self, request: Any) -> Any:
        with _own_event_loop():
            return self._register(request)

    def _register(self, request: Any) -> Any:
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
                create_timeout=request.customTimeouts.create or None,
                delete_before_replace=bool(request.deleteBeforeReplace),
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


def preview_stack(
    project: str,
    stack: StackPlan,
    config: Mapping[str, str],
    references: Mapping[str, dict[str, Any]] | None = None,
    ips: set[str] | None = None,
) -> StackPreview:
    """Run `stack`'s program under the mock engine; return what it registered."""
    mocks = SkyMocks(stack.site, references=references, ips=ips)
    resources, outputs = _run(project, stack.name, mocks, config, lambda: lower_stack(stack))
    return StackPreview(stack.name, stack.site, resources, outputs, invokes=mocks.invokes())


def preview_peering_stack(
    topology: Topology,
    name: str,
    config: Mapping[str, str],
    references: Mapping[str, dict[str, Any]],
    ips: set[str] | None = None,
) -> StackPreview:
    """Run peering stack `name` under the mock engine, its references answered from
    `references` (the cloud stacks' previewed outputs)."""
    return _preview_kind(PEERING, topology, name, config, references, ips)


def preview_replication(
    project: str,
    replication: Replication,
    config: Mapping[str, str],
    references: Mapping[str, dict[str, Any]],
    ips: set[str] | None = None,
) -> StackPreview:
    """Run a replication stack's program, its StackReferences answered from `references`
    (the cloud stacks' previewed outputs)."""
    r = replication
    mocks = SkyMocks(r.target, r.source_site, references=references, ips=ips)
    resources, outputs = _run(
        project, r.stack, mocks, config, lambda: lower_replication(project, r)
    )
    return StackPreview(r.stack, r.target, resources, outputs, invokes=mocks.invokes())


def _run(
    project: str,
    stack: str,
    mocks: SkyMocks,
    config: Mapping[str, str],
    lower: Callable[[], dict[str, Any]],
) -> tuple[list[Registered], dict[str, Any]]:
    with _own_event_loop():
        return _run_program(project, stack, mocks, config, lower)


def _run_program(
    project: str,
    stack: str,
    mocks: SkyMocks,
    config: Mapping[str, str],
    lower: Callable[[], dict[str, Any]],
) -> tuple[list[Registered], dict[str, Any]]:
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, monitor=monitor,
        organization=ORGANIZATION,
    )  # fmt: skip
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
    return resources, _plain(outputs)


@contextmanager
def _own_event_loop() -> Iterator[None]:
    """Run the block on an event loop of our own, closed (with its worker threads) after it.

    Pulumi's `_sync_await` and mock monitor otherwise take or make the thread's implicit
    loop, which nobody closes: at interpreter exit such a loop may be collected after its
    self-pipe socket, and its `__del__` then prints "Exception ignored ... Invalid file
    descriptor: -1" (depending on the order of collection, so only in some runs). Inside
    a running loop, that loop is used.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def preview_topology(
    topology: Topology,
    configs: Mapping[str, Mapping[str, str]],
    only: str | Collection[str] | None = None,
) -> list[StackPreview]:
    """Preview every stack (or just those in `only`) kind by kind (`STACK_KINDS`: cloud stacks
    in name order, a network's home stack first, then the stacks reading them); the stacks
    `only` reads are run, not returned."""
    chosen = None if only is None else {only} if isinstance(only, str) else set(only)
    needed = None if chosen is None else set().union(*(_needed(topology, s) for s in chosen))
    references: dict[str, dict[str, Any]] = {}
    ips: set[str] = set()
    previews = []
    for kind in STACK_KINDS:
        for name in kind.names(topology):
            if needed is None or name in needed:
                config = kind.preview_config(topology, name, configs)
                p = _preview_kind(kind, topology, name, config, references, ips)
                references[name] = p.outputs
                previews.append(p)
    return [p for p in previews if chosen is None or p.name in chosen]


def _preview_kind(
    kind: StackKind,
    topology: Topology,
    name: str,
    config: Mapping[str, str],
    references: Mapping[str, dict[str, Any]],
    ips: set[str] | None,
) -> StackPreview:
    """Run stack `name`'s program (`kind.program`) under the mock engine, its references
    answered from `references` (the previewed outputs of the stacks it reads)."""
    site, *more = kind.sites(topology, name)
    mocks = SkyMocks(site, *more, references=references, ips=ips)
    lower = functools.partial(kind.lower, topology, name)
    resources, outputs = _run(topology.project, name, mocks, config, lower)
    peer = more[0] if kind.shows_peer else None
    return StackPreview(name, site, resources, outputs, peer=peer, invokes=mocks.invokes())


def final_phase(
    topology: Topology, configs: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """`configs` with every link's peering stack in its last phase (an interconnect's
    `skyinfra:interconnect-ready`): everything its stacks will hold, phase 1's ports among
    it, which is what the guardrails check."""
    out = {name: dict(config) for name, config in configs.items()}
    for link in topology.links.links:
        if last := mode_of(link).final_phase_config(link):
            out.setdefault(link.stack, {}).update(last)
    return out


def _needed(topology: Topology, stack: str) -> set[str]:
    """`stack` and every stack it reads, directly or not."""
    return {stack}.union(*(_needed(topology, r) for r in reads(topology, stack)))
