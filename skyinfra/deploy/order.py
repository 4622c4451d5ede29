"""The stack dependency graph of a topology: which stacks must be deployed before which.

A stack depends on every stack it reads by StackReference (`stacks.reads`, the same
knowledge the offline preview orders itself by): peering and replication stacks on their cloud
stacks, a GCP stack on the stack owning its global network. Destroying walks the same graph
backwards (`reversed`): a stack goes only once nothing that reads it is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from skyinfra.stacks import CLOUD, STACK_KINDS, StackKind, kind_of, reads
from skyinfra.topology import Topology


@dataclass(frozen=True)
class StackGraph:
    """Stacks in a stable order (cloud, peering, replication; by name) and, for each, the
    stacks that must finish successfully before it starts."""

    needs: Mapping[str, frozenset[str]]
    kinds: Mapping[str, StackKind]

    def __post_init__(self) -> None:
        for name, deps in self.needs.items():
            unknown = deps - self.needs.keys()
            if unknown:
                raise ValueError(f"stack {name} needs unknown stacks {sorted(unknown)}")
        self.order()  # rejects cycles early

    @property
    def names(self) -> list[str]:
        return list(self.needs)

    def dependants(self, name: str) -> set[str]:
        """Every stack that needs `name`, directly or not."""
        found: set[str] = set()
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for other, deps in self.needs.items():
                if current in deps and other not in found:
                    found.add(other)
                    frontier.append(other)
        return found

    def order(self) -> list[str]:
        """A topological order, stable: among ready stacks, the graph's own order."""
        done: list[str] = []
        left = dict(self.needs)
        while left:
            ready = [n for n, deps in left.items() if deps <= set(done)]
            if not ready:
                raise ValueError(f"stack dependency cycle among {sorted(left)}")
            done.extend(ready)
            for n in ready:
                del left[n]
        return done

    def reversed(self) -> StackGraph:
        """The graph destroy walks: each stack waits for the stacks that read it."""
        needs = {n: frozenset(o for o, deps in self.needs.items() if n in deps) for n in self.needs}
        return StackGraph(needs, self.kinds)

    def only(self, names: Iterable[str]) -> StackGraph:
        """The subgraph of `names` (their mutual dependencies kept, the others dropped)."""
        keep = set(names)
        unknown = keep - self.needs.keys()
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        return StackGraph(
            {n: deps & keep for n, deps in self.needs.items() if n in keep},
            {n: k for n, k in self.kinds.items() if n in keep},
        )


def stack_graph(topology: Topology) -> StackGraph:
    """The graph of every stack the compiled project holds."""
    kinds = {name: kind for kind in STACK_KINDS for name in kind.names(topology)}
    needs = {name: frozenset(reads(topology, name)) for name in kinds}
    return StackGraph(needs, kinds)


def retired_graph(names: Iterable[str], previous: StackGraph | None) -> StackGraph:
    """The graph of stacks that left the plan, for destroying them: their reads as the project
    they were compiled in recorded them (`previous`), else by kind (a peering or replication
    stack reads cloud stacks, so it goes first)."""
    kinds = {n: kind_of(n) for n in sorted(names)}
    clouds = frozenset(n for n, k in kinds.items() if k is CLOUD)
    needs: dict[str, frozenset[str]] = {}
    for name, kind in kinds.items():
        if previous is not None and name in previous.needs:
            needs[name] = previous.needs[name] & kinds.keys()
        else:
            needs[name] = frozenset() if kind is CLOUD else clouds
    return StackGraph(needs, kinds)
