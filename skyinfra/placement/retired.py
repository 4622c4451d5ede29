"""What leaves the plan: stacks no longer in it (retired), and every move.

A stack the new plan no longer has still holds running, billed resources until someone
destroys it. The lock file records every stack of a plan and what it holds, and the stacks
retired but not yet destroyed (`lock.py`). Each plan compares the previous lock with itself:
it carries the earlier retired stacks forward (unless a stack is back in the plan) and adds
the stacks that just left, so `plan` followed by `up` still knows them. `up` destroys them
once the user confirms, then forgets them (`api.forget_retired`).

Why a stack left (`reason`):
- `renamed`: the spec's `name:` changed; Pulumi keys stacks by project, so every stack of the
  old project is retired (and the new project's stacks are created from scratch);
- `moved`: a resource it existed for is now on another site (`--replan`, or its recorded
  site no longer fits the spec);
- `removed`: none moved: the spec no longer has what it existed for (a resource, a flow that
  asked for a link, a `replicate_to` entry).
A cloud stack exists for the resources on its site, a peering stack (`peer-A--B`) for those
on either site, a replication stack (`repl-<bucket>--<site>`) for its bucket and the
resources on the target site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skyinfra import kinds
from skyinfra.kinds.network import NETWORK
from skyinfra.placement.decision import Placement
from skyinfra.placement.lock import LockHistory, RetiredStack
from skyinfra.placement.place import replicas_by_target
from skyinfra.site import parse_peering_stack, parse_replication_stack

if TYPE_CHECKING:
    from skyinfra.spec import Spec
    from skyinfra.topology import Topology


MOVED, REMOVED, RENAMED = "moved", "removed", "renamed"


@dataclass(frozen=True)
class Move:
    """A resource (or a network's home, kind "network") that changes stack."""

    resource: str
    kind: str  # the name of its kind (`skyinfra.kinds`)
    source: str  # stack it leaves
    target: str  # stack it goes to
    stateful: bool  # its data (or everything on the network) does not follow


@dataclass(frozen=True)
class Lifecycle:
    """What a plan changes about what was deployed from the previous lock."""

    retired: tuple[RetiredStack, ...] = ()
    moves: tuple[Move, ...] = ()
    warnings: tuple[str, ...] = ()


def stack_contents(topology: Topology) -> dict[str, list[str]]:
    """Every stack of a topology and the component names it holds (recorded in the lock)."""
    contents = {
        s.name: sorted({plan.name for kind in kinds.KINDS for plan in kind.plans(s)})
        for s in topology.stacks
    }
    for link in topology.links.links:
        contents.setdefault(link.stack, []).append(link.name)
    for r in topology.replications:
        contents[r.stack] = [r.name]
    return {name: sorted(held) for name, held in sorted(contents.items())}


def lifecycle(
    previous: LockHistory | None,
    spec: Spec,
    placement: Placement,
    topology: Topology,
    homes: Mapping[str, Sequence[str]],
) -> Lifecycle:
    """Retired stacks, moves and their warnings of the plan (`placement`, `topology`, `homes`
    as the lock will record them) against the lock it started from (None: a first plan)."""
    moves = _resource_moves(spec, placement)
    if previous is None:
        return Lifecycle(moves=moves)
    network_moves = _home_moves(previous.record.homes, homes)
    old = previous.project or spec.name
    warnings = [_home_warning(m) for m in network_moves]
    if old != spec.name:
        warnings.insert(0, _rename_warning(old, spec.name, len(previous.stacks)))
    return Lifecycle(
        retired_stacks(previous, spec.name, placement, stack_contents(topology)),
        moves + network_moves,
        tuple(warnings),
    )


def retired_stacks(
    previous: LockHistory,
    project: str,
    placement: Placement,
    stacks: Mapping[str, Sequence[str]],
) -> tuple[RetiredStack, ...]:
    """Stacks recorded in `previous` (or retired by it) that a plan of `project` with
    `placement` and these `stacks` no longer has, sorted by project and stack."""
    old = previous.project or project
    carried = [r for r in previous.retired if not (r.project == project and r.stack in stacks)]
    fresh = [
        RetiredStack(
            old,
            stack,
            RENAMED if old != project else _reason(stack, previous.placement, placement),
            tuple(held),
        )
        for stack, held in previous.stacks.items()
        if old != project or stack not in stacks
    ]
    merged = {(r.project, r.stack): r for r in (*carried, *fresh)}
    return tuple(merged[key] for key in sorted(merged))


def _reason(stack: str, old: Placement, new: Placement) -> str:
    served = _served(stack, old)
    moved = any(n in new.decisions and new.site_of(n) != old.site_of(n) for n in served)
    return MOVED if moved else REMOVED


def _served(stack: str, old: Placement) -> set[str]:
    """The resources (of the old placement) a stack existed for; see the module docstring."""
    extra: set[str] = set()
    if (pair := parse_peering_stack(stack)) is not None:
        sites = set(pair)
    elif (replica := parse_replication_stack(stack)) is not None:
        bucket, target = replica
        sites, extra = {target}, {bucket}
    else:
        sites = {stack}
    return extra | {n for n, d in old.decisions.items() if d.site.stack in sites}


def _resource_moves(spec: Spec, placement: Placement) -> tuple[Move, ...]:
    replicas = replicas_by_target(spec)
    return tuple(
        Move(
            name,
            placement.decisions[name].kind,
            a.stack,
            b.stack,
            kinds.is_stateful(placement.decisions[name]) or name in replicas,
        )
        for name, (a, b) in sorted(placement.moves.items())
    )


def _home_moves(
    old: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]
) -> tuple[Move, ...]:
    """Networks spanning a cloud's regions whose creating stack changes on that cloud: the
    network is destroyed in the old home and created anew in the new one."""
    found = []
    for network, homes in sorted(old.items()):
        for home in homes:
            cloud = _cloud(home)
            now = [h for h in new.get(network, ()) if _cloud(h) == cloud]
            if now and home not in now:
                found.append(Move(network, NETWORK.name, home, now[0], stateful=True))
    return tuple(found)


def _cloud(stack: str) -> str:
    return stack.partition("-")[0]  # cloud names contain no '-' (`Site.stack`)


def _home_warning(move: Move) -> str:
    return (
        f"network {move.resource}: now created by {move.target}, no longer by {move.source}: "
        f"the network is DESTROYED and created anew, replacing every subnet, rule and VM on "
        f"it in the {_cloud(move.source)} stacks"
    )


def _rename_warning(old: str, new: str, count: int) -> str:
    return (
        f"the project was renamed {old} -> {new}: Pulumi keeps stacks per project, so every "
        f"stack of {new} is created from scratch (its buckets EMPTY) and the {count} stack(s) "
        f"of {old} are retired; they keep running, and billing, until destroyed"
    )
