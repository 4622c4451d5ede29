"""Local search: single and compound moves that lower a choice's total, priced incrementally."""

from __future__ import annotations

import math
from collections import defaultdict

from skyinfra.peering.modes import gateway_ends
from skyinfra.placement.solver.presolve import _Edge, _key, _Reduced
from skyinfra.site import Site


def _descended(
    red: _Reduced,
    sites: list[Site],
    options: list[list[Site]],
    passes: int = 5,
    compound: bool = False,
) -> list[Site]:
    """The feasible choice `sites` after moving single groups, each to the one of its
    `options` that lowers the total most, while a pass moves any (a tighter UB fixes more);
    with `compound`, a pass of `_compound` moves follows whenever single moves are stuck."""
    moves = _Moves(red, sites)
    for _ in range(passes):
        moved = False
        for g, candidates in enumerate(options):
            gains = [(moves.delta(g, s), s) for s in candidates if s != moves.sites[g]]
            best = min(gains, default=None)
            if best is not None and best[0] < -1e-9:
                moves.apply(g, best[1])
                moved = True
        if not moved and not (compound and _compound(moves)):
            break
    return moves.sites


def _compound(moves: _Moves) -> bool:
    """One pass of the moves `_Moves.attempt` tries; whether any lowered the total."""
    red, sites = moves.red, moves.sites
    improved = False
    for i, j in sorted(red.linked):
        # a linked pair, together to a site one of them or one of their partners uses
        if sites[i] == sites[j]:
            continue
        near = {sites[p] for g in (i, j) for p in moves.partners[g]} | {sites[i], sites[j]}
        for t in sorted(near):
            if t in red.groups[i].costs and t in red.groups[j].costs:
                improved |= moves.attempt([(i, t), (j, t)])
    on: dict[Site, list[int]] = defaultdict(list)
    for g, s in enumerate(sites):
        if len(red.groups[g].costs) > 1:
            on[s].append(g)
    for s in sorted(on):  # every group off site s to t
        for t in sorted(on):
            if t != s and t.cloud == s.cloud and on[s] and moves.attempt([(g, t) for g in on[s]]):
                improved = True
                for site in (s, t):
                    on[site] = [g for g in on[s] + on[t] if sites[g] == site]
    return improved


class _Moves:
    """A complete choice that prices moving one group incrementally (egress of its flows,
    the links its linked partners share with others, gateways): `evaluate` would re-price
    every flow for every trial."""

    def __init__(self, red: _Reduced, sites: list[Site]) -> None:
        self.red, self.sites = red, list(sites)
        self.edges: list[list[_Edge]] = [[] for _ in red.groups]
        for e in red.edges:
            self.edges[e.a].append(e)
            self.edges[e.b].append(e)
        self.partners: list[list[int]] = [[] for _ in red.groups]
        for i, j in red.linked:
            self.partners[i].append(j)
            self.partners[j].append(i)
        self.avoid: list[list[int]] = [[] for _ in red.groups]
        for i, j in red.avoid:
            self.avoid[i].append(j)
            self.avoid[j].append(i)
        self.fees: list[list[tuple[tuple[int, ...], dict[Site, float]]]] = [[] for _ in red.groups]
        for fee in red.fees:
            for g in fee[0]:
                self.fees[g].append(fee)
        self.uses: dict[tuple[Site, Site], int] = defaultdict(int)  # linked pairs per link
        self.cross: dict[Site, int] = defaultdict(int)  # cross-cloud links in use per site
        for i, j in red.linked:
            self._use(sites[i], sites[j], 1)

    def delta(self, g: int, b: Site) -> float:
        """How much moving group g to site b changes the total (inf if it breaks avoid)."""
        a, sites = self.sites[g], self.sites
        if any(sites[h].cloud == b.cloud for h in self.avoid[g]):
            return math.inf
        change = self.red.groups[g].costs[b] - self.red.groups[g].costs[a]
        for e in self.edges[g]:
            if e.a == g:
                change += e.price(b, sites[e.b]) - e.price(a, sites[e.b])
            else:
                change += e.price(sites[e.a], b) - e.price(sites[e.a], a)
        change += self._fee_delta(g, a, b)
        counts: dict[tuple[Site, Site], int] = defaultdict(int)
        for p in self.partners[g]:
            for site, step in ((a, -1), (b, 1)):
                if site != sites[p]:
                    counts[_key(site, sites[p])] += step
        cross = dict(self.cross)
        prices = self.red.prices
        for key, step in counts.items():
            before, after = self.uses[key] > 0, self.uses[key] + step > 0
            if before == after:
                continue
            change += prices.link(*key) if after else -prices.link(*key)
            for site in gateway_ends(*key):
                was = cross.get(site, 0)
                cross[site] = was + (1 if after else -1)
                if (was > 0) != (cross[site] > 0):
                    change += prices.gateway(site) if cross[site] > 0 else -prices.gateway(site)
        return change

    def _fee_delta(self, g: int, a: Site, b: Site) -> float:
        """Shared fees g alone brings to b (none there yet) or takes from a (its last)."""
        change = 0.0
        for members, fees in self.fees[g]:
            others = {self.sites[h] for h in members if h != g}
            change += (b not in others) * fees.get(b, 0.0) - (a not in others) * fees.get(a, 0.0)
        return change

    def attempt(self, moves: list[tuple[int, Site]]) -> bool:
        """Make the moves, one after the other, if together they lower the total; whether
        they did. Finds what single moves cannot: a linked pair to a common site, every
        group off a site (its gateway goes only with its last link)."""
        undo: list[tuple[int, Site]] = []
        change = 0.0
        for g, b in moves:
            if b == self.sites[g] or b not in self.red.groups[g].costs:
                continue
            step = self.delta(g, b)
            if step == math.inf:
                change = math.inf
                break
            undo.append((g, self.sites[g]))
            change += step
            self.apply(g, b)
        if change < -1e-9:
            return True
        for g, a in reversed(undo):
            self.apply(g, a)
        return False

    def apply(self, g: int, b: Site) -> None:
        a = self.sites[g]
        for p in self.partners[g]:
            self._use(a, self.sites[p], -1)
            self._use(b, self.sites[p], 1)
        self.sites[g] = b

    def _use(self, s: Site, t: Site, step: int) -> None:
        if s == t:
            return
        key = _key(s, t)
        before = self.uses[key] > 0
        self.uses[key] += step
        if before != (self.uses[key] > 0):
            for site in gateway_ends(*key):
                self.cross[site] += 1 if step > 0 else -1
