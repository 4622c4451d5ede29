"""The placement MIP: groups, egress, avoid rules and the link cuts, and the separation of
the cuts a (fractional or integer) point violates."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable

import numpy as np

from skyinfra.peering.modes import gateway_ends
from skyinfra.placement.solver.highs import _Expr, _Program
from skyinfra.placement.solver.presolve import _Cut, _Edge, _Group, _key, _pair, _Reduced, _SetCut
from skyinfra.site import Site

EAGER_LINK_PAIRS = 16  # linked groups with at most this many site pairs get every cut upfront
EAGER_CUT_BUDGET = 100_000  # ... and every linked pair does when all of them need no more cuts
CLOUD_CUTS = 400  # a violated pair's cuts for its two clouds at once, up to this many


class _Model(_Program):
    """The MIP in a HiGHS instance, grown in place as link cuts are added."""

    def __init__(
        self, red: _Reduced, cuts: Iterable[_Cut] = (), set_cuts: Iterable[_SetCut] = ()
    ) -> None:
        super().__init__()
        self.red = red
        self.links: dict[tuple[Site, Site], int] = {}
        self.gateways: dict[Site, int] = {}
        self.cuts: set[_Cut] = set()
        self.set_cuts: set[_SetCut] = set()
        self._build(cuts)
        for set_cut in sorted(set_cuts):
            g, _, s, _ = set_cut
            if s in self.red.groups[g].costs:
                self.set_cut(*set_cut)

    # the model

    def _build(self, cuts: Iterable[_Cut]) -> None:
        for group in self.red.groups:
            self._add_group(group)
        shared: dict[tuple[int, int, Site], float] = defaultdict(float)
        for e in self.red.edges:
            self._add_edge(e, shared)
        for (i, j, s), coef in shared.items():
            if coef:
                self._product(coef, self.ind(i, s), self.ind(j, s))
        for i, j in sorted(self.red.avoid):
            clouds = {s.cloud for g in (i, j) for s in self.red.groups[g].costs}
            for k in sorted(clouds):
                self._constraint([(1, self.in_cloud(i, k)), (1, self.in_cloud(j, k))], 0, 1)
        for members, fees in self.red.fees:
            self._add_fee(members, fees)
        groups = self.red.groups
        pairs = sum(len(groups[i].costs) * len(groups[j].costs) for i, j in self.red.linked)
        for i, j in sorted(self.red.linked):
            self._eager_cuts(i, j, pairs <= EAGER_CUT_BUDGET)
        for cut in sorted(cuts):
            i, j, s, t = cut
            if s in self.red.groups[i].costs and t in self.red.groups[j].costs:
                self.cut(*cut)

    def _add_group(self, group: _Group) -> None:
        if len(group.costs) == 1:
            [(site, cost)] = group.costs.items()
            self.fixed.append(site)
            self.x.append({})
            self._offset += cost
            return
        self.fixed.append(None)
        self.x.append({s: self._col(c, integer=True) for s, c in group.costs.items()})
        self._constraint([(1, (list(self.x[-1].values()), 0))], 1, 1)

    def _add_fee(self, members: tuple[int, ...], fees: dict[Site, float]) -> None:
        """A shared fee: n[s] >= x[g,s] for each member g, n costing fee(s); fees are not
        negative, so the minimiser holds n at 1 exactly when a member is on s."""
        for s, fee in sorted(fees.items()):
            on = [self.ind(g, s) for g in members]
            if any(not cols and k == 1 for cols, k in on):
                self._objective(fee, ([], 1.0))  # a member has no other site
                continue
            varying = [e for e in on if e[0]]
            if varying:
                n = self._col(fee)
                for e in varying:
                    self._constraint([(1, ([n], 0)), (-1, e)], 0, math.inf)

    def _add_edge(self, e: _Edge, shared: dict[tuple[int, int, Site], float]) -> None:
        """Egress of A->B as net(src) minus the same-cloud, same-group and same-site savings."""
        sa, sb = self.red.groups[e.a].costs, self.red.groups[e.b].costs
        if all(e.inter[s] >= 0 and 0 <= e.far[s] <= e.net[s] for s in sa):
            self._add_edge_apart(e)
            return
        for s in sa:
            self._objective(e.net[s], self.ind(e.a, s))
            if s in sb:
                shared[(*_pair(e.a, e.b), s)] -= e.inter[s]
        for k in sorted({t.cloud for t in sb}):
            near = {s: e.far[s] - e.net[s] for s in sa if s.cloud == k}
            self._add_level(e.a, near, self.in_cloud(e.b, k))
        zone = self.red.zone
        for g in sorted({zone[t] for t in sb}, key=repr):
            near = {s: e.inter[s] - e.far[s] for s in sa if zone[s] == g}
            self._add_level(e.a, near, self.in_zone(e.b, g))

    def _add_level(self, a: int, change: dict[Site, float], z: _Expr) -> None:
        """change[s] when a is on s and b in the set `z` counts (a cloud, a region group)."""
        saving = []
        for s, coef in change.items():
            if coef == 0:
                continue
            w = self._product(coef, self.ind(a, s), z, bound_q=False)
            if w is not None and coef < 0:
                saving.append(w)
        if saving:  # a is on one site: the savings of a set never exceed b's share of it
            self._constraint([(1, (saving, 0)), (-1, z)], -math.inf, 0)

    def _add_edge_apart(self, e: _Edge) -> None:
        """Egress of A->B as inter(src) [apart] + (far - inter)(src) [other region group]
        + (net - far)(src) [other cloud] (inter >= 0, far <= net)."""
        sa = self.red.groups[e.a].costs
        if self.fixed[e.a] is None and self.fixed[e.b] is None:
            self._apart_sites(e)
        else:
            for s in sa:
                self._apart_site(e.inter[s], e.a, e.b, s)
        zone = self.red.zone
        for g in sorted({zone[s] for s in sa}, key=repr):
            saving = {s: e.far[s] - e.inter[s] for s in sa if zone[s] == g}
            self._apart_set(e.a, saving, self.in_zone(e.b, g))
        for k in sorted({s.cloud for s in sa}):
            saving = {s: e.net[s] - e.far[s] for s in sa if s.cloud == k}
            self._apart_set(e.a, saving, self.in_cloud(e.b, k))

    def _apart_site(self, coef: float, a: int, b: int, s: Site) -> None:
        """coef when a is on s and b is not: w >= x[a,s] - x[b,s], pushed down to 0 or 1."""
        (pa, ka), (pb, kb) = self.ind(a, s), self.ind(b, s)
        if coef == 0 or (not pa and ka == 0) or (not pb and kb == 1):
            return
        if not pa:
            self._objective(-coef, (pb, kb - 1))
        elif not pb:
            self._objective(coef, (pa, ka))
        else:
            w = self._col(coef)
            self._rows.append((0.0, math.inf, [w, *pa, *pb], [1.0, -1.0, 1.0]))

    def _apart_sites(self, e: _Edge) -> None:
        """`_apart_site` for every site of A when neither group is fixed, batched: the
        largest models have a few hundred thousand of these rows."""
        xa, xb = self.x[e.a], self.x[e.b]
        costs, flushed = self._costs, self._flushed
        coefs: list[float] = []
        pairs: list[int] = []
        for s, ca in xa.items():
            coef = e.inter[s]
            if coef == 0:
                continue
            cb = xb.get(s)
            if cb is None:  # b is never on s: a on s always pays
                costs[ca - flushed] += coef
            else:
                coefs.append(coef)
                pairs += (ca, cb)
        if coefs:
            first = flushed + len(costs)
            costs += coefs
            self._upper += [1.0] * len(coefs)
            for k in range(len(coefs)):  # w >= x[a,s] - x[b,s]
                self._apart += (first + k, pairs[2 * k], pairs[2 * k + 1])

    def in_zone(self, g: int, zone: Hashable) -> _Expr:
        """1 when group g is in region group `zone`."""
        fixed, of = self.fixed[g], self.red.zone
        if fixed is not None:
            return [], float(of[fixed] == zone)
        return [c for s, c in self.x[g].items() if of[s] == zone], 0.0

    def _apart_set(self, a: int, saving: dict[Site, float], z: _Expr) -> None:
        """saving[s] when a is on s and b outside the set of sites `z` counts, which holds
        every s (one cloud, or one region group). A negative one (a continent dearer within
        than out of it) is saving[s] for a on s, less the same when b is inside."""
        for s, d in saving.items():
            if d < 0:
                self._objective(d, self.ind(a, s))
                self._product(-d, self.ind(a, s), z)
        saving = {s: d for s, d in saving.items() if d > 0}
        if not saving:
            return
        zb, kb = z
        top = max(saving.values())
        if top == 0 or (not zb and kb == 1):
            return
        if not zb:
            for s, d in saving.items():
                self._objective(d, self.ind(a, s))
            return
        fixed = self.fixed[a]
        if fixed is not None:
            self._objective(-saving[fixed], (zb, -1.0))
            return
        # One row per price level θ: w >= sum min(saving[s], θ) x[a,s] - θ Z[b,k]. Each is
        # exact at integer points; together they bound fractional ones far better than the
        # top level alone (a spread over sites of k while b is partly in k still pays).
        w = self._col(1.0, upper=math.inf)
        cols = np.array([w, *(self.x[a][s] for s in saving), *zb], np.int32)
        prices = np.fromiter(saving.values(), float, len(saving))
        levels = np.unique(prices[prices > 0])[:, None]
        vals = np.empty((len(levels), len(cols)))
        vals[:, 0] = 1.0
        vals[:, 1 : 1 + len(prices)] = -np.minimum(prices[None, :], levels)
        vals[:, 1 + len(prices) :] = levels
        rows = len(levels)
        self._blocks.append(
            (
                np.zeros(rows),
                np.full(rows, np.inf),
                np.full(rows, len(cols)),
                np.tile(cols, rows),
                vals.ravel(),
            )
        )

    def _eager_cuts(self, i: int, j: int, every: bool) -> None:
        """All cuts of a linked pair upfront when few (or `every` pair's): each lazy round
        is a whole MIP solve, a few thousand rows more are cheaper."""
        si, sj = self.red.groups[i].costs, self.red.groups[j].costs
        if every or len(si) * len(sj) <= EAGER_LINK_PAIRS or len(si) == 1 or len(sj) == 1:
            for s, t in itertools.product(si, sj):
                if s != t:
                    self.cut(i, j, s, t)

    def cut(self, i: int, j: int, s: Site, t: Site) -> None:
        """L[s,t] >= x[i,s] + x[j,t] - 1: linked groups i on s and j on t pay the link."""
        key = (i, j, s, t)
        if key in self.cuts or self.red.prices.free(s, t):
            return
        self.cuts.add(key)
        link = ([self._link(s, t)], 0.0)
        self._constraint([(1, link), (-1, self.ind(i, s)), (-1, self.ind(j, t))], -1, math.inf)

    def _link(self, s: Site, t: Site) -> int:
        key = _key(s, t)
        if key not in self.links:
            self.links[key] = col = self._col(self.red.prices.link(s, t))
            for site in gateway_ends(*key):
                self._constraint([(1, ([self._gateway(site)], 0)), (-1, ([col], 0))], 0, math.inf)
        return self.links[key]

    def _gateway(self, site: Site) -> int:
        if site not in self.gateways:
            self.gateways[site] = self._col(self.red.prices.gateway(site))
        return self.gateways[site]

    # separation: the cuts a point misses

    def violated_cuts(self, values: np.ndarray) -> list[_Cut]:
        """The cuts the (fractional) point `values` violates: x[i,s] + x[j,t] - 1 > L[s,t]."""
        out = []
        support = self._supports(values)
        for i, j in sorted(self.red.linked):
            on_i, on_j = support[i], support[j]
            for (s, p), (t, q) in itertools.product(on_i, on_j):
                if s == t or (i, j, s, t) in self.cuts or self.red.prices.free(s, t):
                    continue
                link = self.links.get(_key(s, t))
                if p + q - 1 > (0.0 if link is None else values[link]) + 1e-9:
                    out.append((i, j, s, t))
        return out

    def violated_set_cuts(self, values: np.ndarray) -> list[_SetCut]:
        """Links and gateways a fractional point escapes by spreading a partner over the
        (often equally priced) sites of another cloud: with g on s and its partner h in
        cloud k, s links to some site of k, sum_t L[s,t] >= x[g,s] + Z[h,k] - 1, and has a
        gateway, G[s] >= x[g,s] + Z[h,k] - 1. Each L[s,t] alone only gets x[g,s] + x[h,t] - 1."""
        out = []
        support = self._supports(values)
        for i, j in sorted(self.red.linked):
            for g, h in ((i, j), (j, i)):
                clouds: dict[str, float] = defaultdict(float)
                for t, q in support[h]:
                    clouds[t.cloud] += q
                for s, p in support[g]:
                    for k, q in clouds.items():
                        if k == s.cloud or (g, h, s, k) in self.set_cuts or p + q - 1 <= 1e-6:
                            continue
                        far = [t for t in self._options(h) if t.cloud == k]
                        paid = sum(
                            values[c] for t in far if (c := self.links.get(_key(s, t))) is not None
                        )
                        gate = self.gateways.get(s)
                        gated = 0.0 if gate is None or gate >= len(values) else values[gate]
                        if p + q - 1 > min(paid, gated) + 1e-6:
                            out.append((g, h, s, k))
        return out

    def set_cut(self, g: int, h: int, s: Site, k: str) -> None:
        """The two rows of `violated_set_cuts` for g on s and h in cloud k."""
        far = [t for t in self._options(h) if t.cloud == k]
        if not far or s.cloud == k or (g, h, s, k) in self.set_cuts:
            return
        self.set_cuts.add((g, h, s, k))
        z = self.in_cloud(h, k)
        links = ([self._link(s, t) for t in far], 0.0)
        self._constraint([(1, links), (-1, self.ind(g, s)), (-1, z)], -1, math.inf)
        gateway = ([self._gateway(s)], 0.0)
        self._constraint([(1, gateway), (-1, self.ind(g, s)), (-1, z)], -1, math.inf)

    def options_in(self, g: int, cloud: str) -> list[Site]:
        """Group g's sites in `cloud`."""
        return [s for s in self._options(g) if s.cloud == cloud]

    def _options(self, g: int) -> list[Site]:
        fixed = self.fixed[g]
        return [fixed] if fixed is not None else list(self.x[g])

    def _supports(self, values: np.ndarray) -> list[list[tuple[Site, float]]]:
        """Per group, the sites the point `values` puts some of it on, with how much."""
        return [
            [(fixed, 1.0)]
            if fixed is not None
            else [(s, float(values[c])) for s, c in x.items() if values[c] > 1e-9]
            for fixed, x in zip(self.fixed, self.x, strict=True)
        ]

    def ties(self, i: int, j: int, s: Site, t: Site) -> list[_Cut]:
        """The cut (i, j, s, t) and those of the sites tied with s for i and with t for j:
        catalog prices are often equal across regions of a cloud, and without these cuts
        the next solve hops to an equally priced site pair whose link it does not charge."""
        return [(i, j, u, v) for u in self._tied(i, s) for v in self._tied(j, t) if u != v]

    def clouds_of(self, i: int, j: int, s: Site, t: Site) -> list[_Cut]:
        """The cut (i, j, s, t) and those of every site pair in the same two clouds, when
        there are not too many: one round then settles the pair for those clouds, where
        adding only the violated cut lets the next LP hop to a neighbouring region."""
        si = [u for u in self.red.groups[i].costs if u.cloud == s.cloud]
        sj = [v for v in self.red.groups[j].costs if v.cloud == t.cloud]
        if len(si) * len(sj) > CLOUD_CUTS:
            return self.ties(i, j, s, t)
        return [(i, j, u, v) for u in si for v in sj if u != v]

    def _tied(self, g: int, s: Site) -> list[Site]:
        costs = self.red.groups[g].costs
        return [u for u, c in costs.items() if u.cloud == s.cloud and abs(c - costs[s]) <= 1e-9]

    def missing_cuts(self, sites: list[Site]) -> list[_Cut]:
        """The cuts the choice `sites` violates: its links the model does not charge."""
        cuts = ((i, j, sites[i], sites[j]) for i, j in sorted(self.red.linked))
        return [
            c
            for c in cuts
            if c[2] != c[3] and c not in self.cuts and not self.red.prices.free(*c[2:])
        ]
