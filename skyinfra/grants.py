"""Least-privilege grants of compute groups on buckets, derived once from the spec.

A flow from a bucket to a group grants the group read on the bucket; a flow from a group to
a bucket grants write (create and overwrite, no delete); `compute.<name>.grants` adds explicit
ones. Each cloud lowers the grants on its own buckets onto the group's identity, scoped to
the bucket. A grant on another cloud's bucket is keyless federation where the bucket's cloud
trusts the group's (`Cloud.trusts`): lowered in the group's stack, which then reads the
bucket's stack. Otherwise `plan` says it is not deployed and how to proceed
(`not_deployed`), and nothing creates a static key instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from skyinfra.clouds import get_cloud
from skyinfra.errors import Problem
from skyinfra.placement.decision import Decision
from skyinfra.site import Site
from skyinfra.spec import Spec
from skyinfra.suggest import did_you_mean
from skyinfra.topology import ComputePlan, Grant, Topology

__all__ = ["cycle_problems", "grant_problems", "grant_rows", "grants_of", "not_deployed"]

ACCESS_ORDER = ("read", "write", "admin")


def grants_of(spec: Spec, decisions: Mapping[str, Decision], group: str) -> tuple[Grant, ...]:
    """The grants of compute group `group`: its flows' and its explicit ones, one per
    (bucket, access), admin absorbing read and write; sorted by bucket then access."""
    asked: dict[str, dict[str, str]] = {}
    for flow in spec.flows:
        if flow.to == group and flow.source in spec.buckets:
            asked.setdefault(flow.source, {}).setdefault("read", "flow")
        if flow.source == group and flow.to in spec.buckets:
            asked.setdefault(flow.to, {}).setdefault("write", "flow")
    for explicit in spec.compute[group].grants:
        asked.setdefault(explicit.bucket, {})[explicit.access] = "grants"
    grants = []
    for bucket in sorted(asked):
        accesses = asked[bucket]
        if "admin" in accesses:
            accesses = {"admin": accesses["admin"]}
        site = _site(decisions, bucket)
        if site is None:
            continue
        home = _site(decisions, group)
        federation, account = _federation(spec, home, site)
        for access in sorted(accesses, key=ACCESS_ORDER.index):
            grants.append(Grant(bucket, access, site, accesses[access], federation, account))
    return tuple(grants)


def _federation(
    spec: Spec, home: Site | None, bucket: Site
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """How `bucket`'s cloud trusts a group at `home` ("" if it does not or need not), and the
    spec's account settings for that cloud (the group's stack makes a provider with them)."""
    if home is None or home.cloud == bucket.cloud:
        return "", ()
    identity = get_cloud(home.cloud).workload_identity
    federation = get_cloud(bucket.cloud).trusts.get(identity, "")
    if not federation:
        return "", ()
    return federation, tuple(sorted(spec.accounts.get(bucket.cloud, {}).items()))


def _site(decisions: Mapping[str, Decision], bucket: str) -> Site | None:
    decision = decisions.get(bucket)
    return None if decision is None else decision.site


def grant_problems(spec: Spec) -> list[Problem]:
    """Each explicit grant names a bucket of the spec (did-you-mean when misspelt)."""
    problems = []
    for name, group in spec.compute.items():
        for i, explicit in enumerate(group.grants):
            if explicit.bucket in spec.buckets:
                continue
            known = list(spec.buckets)
            listing = ", ".join(sorted(known)) or "none defined"
            problems.append(
                Problem(
                    f"unknown bucket {explicit.bucket!r} (known: {listing})",
                    ("compute", name, "grants", i, "bucket"),
                    did_you_mean(explicit.bucket, known),
                )
            )
    return problems


def cycle_problems(spec: Spec, decisions: Mapping[str, Decision]) -> list[Problem]:
    """A group granted a bucket in another stack (of its cloud, or federated from another
    cloud) makes its stack read that one (deployed first); two stacks reading each other
    that way cannot be deployed."""
    edges: dict[str, set[str]] = {}
    why: dict[tuple[str, str], str] = {}
    for name in spec.compute:
        if name not in decisions:
            continue
        home = decisions[name].site
        for grant in grants_of(spec, decisions, name):
            read = grant.site.cloud == home.cloud or grant.federation
            if read and grant.site.stack != home.stack:
                edges.setdefault(home.stack, set()).add(grant.site.stack)
                why.setdefault((home.stack, grant.site.stack), name)
    problems = []
    for (a, b), group in sorted(why.items()):
        if a < b and a in edges.get(b, set()):
            problems.append(
                Problem(
                    f"stacks {a} and {b} would read each other's buckets (grants of "
                    f"{group} and {why[(b, a)]}), so neither can be deployed first",
                    ("compute", group),
                    "place the buckets of one of the two stacks next to the groups reading them "
                    "(`placement:` or `colocate_with:`)",
                )
            )
    return problems


def grant_rows(topology: Topology) -> list[dict[str, object]]:
    """Every grant of the topology, for `plan` (text and --json), in stack and group order."""
    return [
        _row(group, grant)
        for stack in topology.stacks
        for group in stack.compute
        for grant in group.grants
    ]


def _row(group: ComputePlan, grant: Grant) -> dict[str, object]:
    within = grant.site.cloud == group.site.cloud
    cloud = group.site.cloud
    if within:
        via = f"{cloud}, {get_cloud(cloud).identity_kind}"
    else:
        via = f"{cloud} -> {grant.site.cloud}, {grant.federation or 'not deployed'}"
    return {
        "group": group.name,
        "bucket": grant.bucket,
        "access": grant.access,
        "why": grant.why,
        "group_cloud": group.site.cloud,
        "bucket_cloud": grant.site.cloud,
        "bucket_stack": grant.site.stack,
        "deployed": within or bool(grant.federation),
        "via": via,
        "federation": grant.federation or None,
    }


def not_deployed(topology: Topology) -> list[str]:
    """Warnings for the grants no stack deploys (a bucket on another cloud that does not
    trust the group's): what the group cannot do, and how to proceed without copying keys."""
    return [
        f"grant {row['group']} -> {row['bucket']}: {row['access']} ({row['group_cloud']} -> "
        f"{row['bucket_cloud']}) is NOT deployed: skyinfra deploys no keyless path from "
        f"{row['group_cloud']} identities to {row['bucket_cloud']} buckets"
        f"{_why_not(str(row['group_cloud']), str(row['bucket_cloud']))}; the group cannot "
        "reach the bucket until you grant its identity yourself (its stack exports it: "
        f"`compute.{row['group']}`), or place the group and the bucket on one cloud. "
        "skyinfra creates no static keys."
        for row in grant_rows(topology)
        if not row["deployed"]
    ]


def _why_not(group_cloud: str, bucket_cloud: str) -> str:
    reason = get_cloud(bucket_cloud).untrusted.get(get_cloud(group_cloud).workload_identity)
    return f" ({reason})" if reason else ""
