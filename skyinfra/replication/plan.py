"""Replication planning: which replica buckets exist, where, and which mover fills each.

`buckets.<name>.replicate_to: [resources]` asks for a copy of the bucket next to each listed
resource. Per (bucket, target site) there is one `Replication`: targets sharing a site share
the replica, and a target on the bucket's own site needs none. The replica is an ordinary
bucket (same secure defaults, versioned, protected unless the source opts out) named
`<bucket>-replica`, in the target site's cloud stack: it follows its target and, like every
bucket, is stateful (placement holds replication targets at their locked site).

The mover is the replica cloud's (peering-reference section 10): within one cloud its own
replication (`within`), across clouds its transfer service (`foreign`), reading the source
through a credential the source's cloud issues (`ReplicationFacts`). Pairs without a
deployable mover are an `UnsupportedError` naming the alternatives.

Where the resources live (peering-reference section 6). The replica bucket sits in the
target's cloud stack. The mover and the source-side credential sit in a stack of their own,
`repl-<bucket>--<target stack>`, whose program reads both cloud stacks through
`StackReference`. Putting the mover in either cloud stack would make that stack read the
other's outputs; two buckets replicating in opposite directions between two sites (common for
disaster recovery) would then make the two cloud stacks read each other: a stack-level cycle
that only converges over several `up`s. With one stack per replication, cloud stacks never
read anything and replication stacks only read cloud stacks: deploy cloud stacks first, then
replication stacks, in any order. The one ordering the reference asks for across the two
(the mover after versioning / change feed of both buckets) follows from that order, and the
mover additionally consumes the buckets' exported versioning state (the cross-stack form of
`depends_on`).

Costs: a replication moves `replication_gb` per month from the source's site (the source
cloud's internet egress across clouds, inter-region egress within one: managed movers use
public endpoints, not the VPN) and stores a full copy at the target's storage price. Movers'
own fees (DataSync per GB, Data Factory DIU-hours, Storage Transfer) are not in the catalog.
"""

from __future__ import annotations

from skyinfra.clouds import get_cloud
from skyinfra.errors import Problem, SpecError, UnsupportedError
from skyinfra.placement.decision import Placement
from skyinfra.replication.model import Replication
from skyinfra.site import Site
from skyinfra.spec import Spec


def plan_replications(spec: Spec, placement: Placement) -> tuple[Replication, ...]:
    """One Replication per (bucket, target site) other than the bucket's own, sorted."""
    found: list[Replication] = []
    problems: list[Problem] = []
    unsupported = False
    for name, bucket in sorted(spec.buckets.items()):
        here = placement.site_of(name)
        by_site: dict[Site, list[str]] = {}
        for target in dict.fromkeys(bucket.replicate_to):
            if placement.site_of(target) != here:
                by_site.setdefault(placement.site_of(target), []).append(target)
        for site, targets in sorted(by_site.items()):
            try:
                found.append(_replication(spec, name, here, site, tuple(targets)))
            except SpecError as err:
                problems.extend(err.problems)
                unsupported |= isinstance(err, UnsupportedError)
    problems += _over_limit(spec, found)
    if problems:
        raise (UnsupportedError if unsupported else SpecError)(problems)
    return tuple(found)


def _over_limit(spec: Spec, found: list[Replication]) -> list[Problem]:
    """Replications within a cloud beyond what one source bucket may feed there."""
    problems = []
    for name in spec.buckets:
        within = [r for r in found if r.source == name and r.credential is None]
        limit = within and get_cloud(within[0].target.cloud).replication.within_per_source
        if limit and len(within) > limit:
            sites = ", ".join(r.target.stack for r in within)
            problems.append(
                Problem(
                    f"{within[0].mechanism} feeds at most {limit} replicas of one bucket; "
                    f"{name} would feed {len(within)} ({sites})",
                    ("buckets", name, "replicate_to"),
                    "replicate to fewer regions of this cloud, or chain: replicate a replica",
                )
            )
    return problems


def _replication(
    spec: Spec, name: str, source: Site, target: Site, targets: tuple[str, ...]
) -> Replication:
    bucket = spec.buckets[name]
    path = ("buckets", name, "replicate_to", bucket.replicate_to.index(targets[0]))
    into = get_cloud(target.cloud).replication
    if source.cloud == target.cloud:
        if into.source_versioning and not bucket.versioning:
            raise SpecError(
                f"{into.within} needs versioning on the source bucket, and {name} has versioning: false",
                path=("buckets", name, "versioning"),
                hint="remove `versioning: false`",
            )
        mechanism, credential, steps = into.within, None, tuple[str, ...]()
    else:
        credential = _credential(name, source, target, path)
        mechanism, steps = into.foreign, into.post_deploy
    return Replication(
        name, source, target, targets, mechanism, credential, bucket.replication_gb, steps
    )


def _credential(name: str, source: Site, target: Site, path: tuple[str | int, ...]) -> str:
    """The first credential kind the target's mover reads that the source cloud issues."""
    into, issued = get_cloud(target.cloud).replication, get_cloud(source.cloud).replication.issues
    usable = [kind for kind in into.reads if kind in issued]
    if usable:
        return usable[0]
    reasons = [into.refused[k] for k in issued if k in into.refused]
    raise UnsupportedError(
        f"replicating {name} from {source.stack} to {target.stack} is not supported: "
        + ("; ".join(reasons) or f"{into.foreign} cannot read {source.cloud} buckets"),
        path=path,
        hint=f"pin the target (or {name}) to a site on another cloud with placement:, or copy "
        "the data outside skyinfra",
    )
