"""k-anonymity search: optimal global full-domain generalization with suppression (Flash-like).

The search space is the lattice of level vectors, one level per quasi-identifier. A node is
*feasible* when the rows of the equivalence classes that fail some criterion (k-anonymity,
l-diversity, t-closeness) are few enough to suppress (<= max_suppression of the rows). Among
feasible nodes we return the one with the least information loss, and it is the true optimum:

* every node's NCP is bounded below by its generalization-only loss, which is additive over
  quasi-identifiers and monotone in the lattice, so nodes are visited by increasing bound and
  the search stops once the bound reaches the best loss found (ARX's lower-bound pruning);
* failing a *monotone* criterion (k-anonymity, distinct l-diversity) with too many rows to
  suppress carries over to every specialization (predictive tagging as in Flash), so whole
  down-sets are discarded; the non-monotone models (entropy / recursive l-diversity,
  t-closeness) are checked explicitly at each node and prune only through the monotone
  criteria they imply;
* each node's classes are counted by rolling up the class table of an already counted finer
  node (or of the bottom node), never by regrouping all rows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from privsynth.engine import group_counts
from privsynth.errors import InputError
from privsynth.transform.criteria import (
    Criterion,
    KAnonymity,
    SensitiveContext,
    TCloseness,
    as_l_criterion,
    as_t_criterion,
)
from privsynth.transform.encoding import EncodedHierarchy, default_hierarchy, encode_hierarchy
from privsynth.transform.loss import discernibility, ncp

MAX_LATTICE = 2_000_000
SUPPRESSED = "*"


@dataclass
class KAnonResult:
    """What a k-anonymity run chose and achieved.

    `levels` is the generalization level per quasi-identifier (None for Mondrian, whose
    recoding is local); `loss` the NCP of the output (suppressed cells count 1);
    `optimal` says the global search proved its node the optimum over the lattice.
    """

    method: str
    quasi_identifiers: list[str]
    k: int
    k_achieved: int
    n_rows: int
    n_suppressed: int
    suppression_rate: float
    max_suppression: float
    loss: float
    discernibility: float
    levels: dict[str, int] | None = None
    l_achieved: float | None = None
    t_achieved: float | None = None
    criteria: list[str] = field(default_factory=list)
    loss_metric: str = "ncp"
    nodes_checked: int = 0
    lattice_size: int = 0
    optimal: bool = False
    time_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Sensitive:
    name: str
    codes: np.ndarray
    size: int
    ctx: SensitiveContext


@dataclass
class _Classes:
    """Equivalence classes of one lattice node: group codes per QI, sizes, sensitive counts."""

    levels: tuple[int, ...]
    keys: np.ndarray
    sizes: np.ndarray
    hists: list[np.ndarray]
    labels: np.ndarray | None = None  # class of each row of the table this was grouped from
    _sparse: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def sparse_hist(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zero cells of sensitive histogram j: (class, value, count), computed once."""
        if j not in self._sparse:
            rows, vals = np.nonzero(self.hists[j])
            self._sparse[j] = (rows, vals, self.hists[j][rows, vals].astype(np.float64))
        return self._sparse[j]


@dataclass
class _Eval:
    relaxed_ok: bool
    ok: bool
    failing: np.ndarray
    n_suppressed: int
    loss: float
    raw_dm: float


@dataclass
class Problem:
    """A table prepared for anonymization: QIs and sensitive attributes as integer codes."""

    df: pd.DataFrame
    qis: list[str]
    hierarchies: list[EncodedHierarchy]
    leaf_codes: list[np.ndarray]
    sensitive: list[_Sensitive]
    criteria: list[Criterion]
    k: int
    max_suppression: float
    weights: np.ndarray | None = None  # row i of df stands for weights[i] identical rows
    _check_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        if self.weights is not None:
            return int(self.weights.sum())
        return len(self.df)

    @property
    def suppression_budget(self) -> int:
        return int(np.floor(self.max_suppression * self.n + 1e-9))

    def _checks(self, relaxed: bool) -> list[tuple[Criterion, int | None]]:
        """(criterion, sensitive attribute index or None) pairs to evaluate, built once."""
        key = "relaxed" if relaxed else "full"
        if key not in self._check_cache:
            checks: list[tuple[Criterion, int | None]] = []
            for crit in self.criteria:
                targets = range(len(self.sensitive)) if crit.needs_sensitive else [None]
                for j in targets:
                    ctx = self.sensitive[j].ctx if j is not None else None
                    c = crit.relaxation(ctx) if relaxed else crit
                    if c is not None:
                        checks.append((c, j if c.needs_sensitive else None))
            self._check_cache[key] = checks
        return self._check_cache[key]

    def failing(self, sizes: np.ndarray, hists: list[np.ndarray], relaxed: bool) -> np.ndarray:
        """Classes violating any criterion (or any monotone relaxation of one)."""
        fail = np.zeros(sizes.size, dtype=bool)
        for c, j in self._checks(relaxed):
            if j is None:
                fail |= c.failing(sizes)
            else:
                fail |= c.failing(sizes, hists[j], self.sensitive[j].ctx)
        return fail

    def failing_any(self, sizes: np.ndarray, hists: list[np.ndarray]) -> np.ndarray:
        """Classes to suppress: violating a criterion or the monotone relaxation of one."""
        return self.failing(sizes, hists, relaxed=False) | self.failing(sizes, hists, relaxed=True)

    def achieved(self, crit: Criterion, sizes: np.ndarray, hists: list[np.ndarray]) -> float:
        if not crit.needs_sensitive:
            return crit.achieved(sizes)
        vals = [crit.achieved(sizes, h, s.ctx) for s, h in zip(self.sensitive, hists, strict=True)]
        return float(max(vals) if isinstance(crit, TCloseness) else min(vals))


def prepare(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, pd.DataFrame] | None,
    k: int,
    max_suppression: float,
    l_diversity: int | float | Criterion | None,
    sensitive: str | Sequence[str] | None,
    t_closeness: float | Criterion | None,
    weights: np.ndarray | None = None,
) -> Problem:
    """Validate the request and encode the table (shared by the global and Mondrian searches).

    With `weights`, row i of `df` stands for `weights[i]` identical rows: a table grouped by
    its quasi-identifiers and sensitive values in an engine is searched exactly like the rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("kanonymize expects a pandas DataFrame")
    if weights is not None:
        weights = np.asarray(weights)
        if weights.shape != (len(df),) or weights.dtype.kind not in "iu" or (weights < 0).any():
            raise InputError("weights must be one non-negative integer per row of the table")
        weights = weights.astype(np.int64)
    qis = list(quasi_identifiers or [])
    if not qis:
        raise InputError("no quasi-identifiers given")
    if len(set(qis)) != len(qis):
        raise InputError("a quasi-identifier is listed twice")
    for c in qis:
        if c not in df.columns:
            raise InputError(f"quasi-identifier {c!r} is not a column of the table")
    hierarchies = dict(hierarchies or {})
    for c in hierarchies:
        if c not in qis:
            raise InputError(f"hierarchy given for {c!r}, which is not a quasi-identifier")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InputError(f"k must be an integer >= 2, got {k!r}")
    n = int(weights.sum()) if weights is not None else len(df)
    if k > n:
        raise InputError(f"k={k} is larger than the table ({n} rows)")
    if isinstance(max_suppression, bool) or not (
        isinstance(max_suppression, int | float) and 0 <= max_suppression < 1
    ):
        raise InputError(f"max_suppression must be in [0, 1), got {max_suppression!r}")
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    sens_cols = list(sensitive or [])
    for c in sens_cols:
        if c not in df.columns:
            raise InputError(f"sensitive attribute {c!r} is not a column of the table")
        if c in qis:
            raise InputError(f"{c!r} cannot be both a quasi-identifier and sensitive")
    criteria: list[Criterion] = [KAnonymity(int(k))]
    for extra in (as_l_criterion(l_diversity), as_t_criterion(t_closeness)):
        if extra is not None:
            criteria.append(extra)
    if any(c.needs_sensitive for c in criteria) and not sens_cols:
        raise InputError("l-diversity and t-closeness need sensitive=[column, ...]")

    encoded, codes = [], []
    for c in qis:
        h = hierarchies.get(c)
        enc = encode_hierarchy(c, default_hierarchy(df[c]) if h is None else h)
        encoded.append(enc)
        codes.append(enc.encode(df[c]))
    sens = []
    for c in sens_cols:
        col = df[c]
        ordered = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        )
        # sort=True orders numeric values for the ordered EMD; missing values form a category
        s_codes, uniq = pd.factorize(col, sort=True, use_na_sentinel=False)
        m = max(len(uniq), 1)
        overall = np.bincount(s_codes, weights=weights, minlength=m) / max(n, 1)
        sens.append(
            _Sensitive(c, s_codes.astype(np.int64), m, SensitiveContext(c, overall, ordered))
        )
    return Problem(
        df, qis, encoded, codes, sens, criteria, int(k), float(max_suppression), weights
    )


def _hists(labels: np.ndarray, n_groups: int, sens_codes: np.ndarray, size: int, weights=None):
    flat = labels * size + sens_codes
    h = np.bincount(flat, weights=weights, minlength=n_groups * size)
    return h.reshape(n_groups, size)


class _Lattice:
    """The generalization lattice of a Problem and the counting of its nodes."""

    def __init__(self, prob: Problem, cache_slots: int = 64):
        self.prob = prob
        self.heights = [h.n_levels for h in prob.hierarchies]
        size = int(np.prod(self.heights, dtype=np.float64))
        if size > MAX_LATTICE:
            raise InputError(
                f"the generalization lattice has {size:,} nodes (more than {MAX_LATTICE:,}); "
                "use fewer quasi-identifiers or levels, or method='mondrian'"
            )
        # every level vector, last attribute varying fastest (index = mixed radix of levels)
        self.nodes = (
            np.indices(self.heights, dtype=np.int64).reshape(len(self.heights), -1).T.copy()
        )
        # row-level grouping once: the bottom node's classes
        g = group_counts(
            prob.leaf_codes, [h.domain_size for h in prob.hierarchies], weights=prob.weights
        )
        hists = [
            _hists(g.labels, g.n_groups, s.codes, s.size, prob.weights) for s in prob.sensitive
        ]
        if prob.weights is not None:
            hists = [np.rint(h).astype(np.int64) for h in hists]
        self.bottom = _Classes(tuple([0] * len(self.heights)), g.keys, g.counts, hists, g.labels)
        # remembered class tables for roll-up; unused slots sit above every node
        self._cache_slots = cache_slots
        self._cache_levels = np.full((cache_slots, len(self.heights)), np.iinfo(np.int64).max)
        self._cache_sizes = np.full(cache_slots, np.inf)
        self._cache_tabs: list[_Classes | None] = [None] * cache_slots
        self._cache_next = 0
        self.checked = 0

    def index(self, levels: Sequence[int]) -> int:
        idx = 0
        for lv, h in zip(levels, self.heights, strict=True):
            idx = idx * h + int(lv)
        return idx

    def _source(self, levels: tuple[int, ...]) -> _Classes:
        """The smallest remembered class table of a node finer than (or equal to) `levels`."""
        finer = (self._cache_levels <= np.asarray(levels)).all(axis=1)
        if not finer.any():
            return self.bottom
        slot = int(np.argmin(np.where(finer, self._cache_sizes, np.inf)))
        tab = self._cache_tabs[slot]
        return tab if tab.sizes.size < self.bottom.sizes.size else self.bottom

    def classes(self, levels: tuple[int, ...], keep_labels: bool = False) -> _Classes:
        """Roll up the classes of `levels` from the smallest counted finer node."""
        src = self.bottom if keep_labels else self._source(levels)
        hs = self.prob.hierarchies
        cols = [
            h.lift(src.keys[:, i], src.levels[i], lv)
            for i, (h, lv) in enumerate(zip(hs, levels, strict=True))
        ]
        g = group_counts(
            cols, [h.n_groups(lv) for h, lv in zip(hs, levels, strict=True)], weights=src.sizes
        )
        hists = []
        for j, m in enumerate(h.shape[1] for h in src.hists):
            # sum the finer classes' histograms over their non-zero (class, value) cells only
            rows, vals, counts = src.sparse_hist(j)
            cells = g.labels[rows] * m + vals
            rolled = np.bincount(cells, weights=counts, minlength=g.n_groups * m)
            hists.append(np.rint(rolled).astype(np.int64).reshape(g.n_groups, m))
        tab = _Classes(levels, g.keys, g.counts, hists, g.labels if keep_labels else None)
        if not keep_labels:
            self._remember(tab)
        return tab

    def _remember(self, tab: _Classes) -> None:
        # a ring buffer: the most recent tables, oldest overwritten first
        slot = self._cache_next % self._cache_slots
        self._cache_next += 1
        self._cache_levels[slot] = tab.levels
        self._cache_sizes[slot] = tab.sizes.size
        self._cache_tabs[slot] = tab

    def evaluate(self, levels: tuple[int, ...], base_loss: float, loss: str) -> _Eval:
        """Feasibility and loss of one node."""
        self.checked += 1
        prob = self.prob
        tab = self.classes(levels)
        relaxed_fail = prob.failing(tab.sizes, tab.hists, relaxed=True)
        budget = prob.suppression_budget
        relaxed_ok = int(tab.sizes[relaxed_fail].sum()) <= budget
        fail = prob.failing(tab.sizes, tab.hists, relaxed=False) | relaxed_fail
        n_supp = int(tab.sizes[fail].sum())
        ok = relaxed_ok and n_supp <= budget
        # Lower bound on the discernibility of this node and every coarser one: a row of a
        # class of size s here ends in a kept class of size >= max(s, k) or is suppressed
        # (cost n >= that), so it costs at least max(s, k).
        sz = tab.sizes.astype(np.float64)
        raw_dm = float((sz * np.maximum(sz, prob.k)).sum())
        if loss == "ncp":
            # generalization-only loss + what suppression adds on top of it
            q = len(prob.qis)
            extra = np.zeros(int(fail.sum()))
            for i, (h, lv) in enumerate(zip(prob.hierarchies, levels, strict=True)):
                extra += 1.0 - h.group_ncp[lv][tab.keys[fail, i]]
            value = base_loss + float((extra * tab.sizes[fail]).sum()) / (prob.n * q)
        else:
            value = discernibility(tab.sizes[~fail], n_supp, prob.n)
        return _Eval(relaxed_ok, ok, fail, n_supp, value, raw_dm)


def generalization_loss_bounds(prob: Problem, nodes: np.ndarray) -> np.ndarray:
    """NCP of each node ignoring suppression: a lower bound, additive over the QIs."""
    q = len(prob.qis)
    total = np.zeros(nodes.shape[0])
    for i, (h, codes) in enumerate(zip(prob.hierarchies, prob.leaf_codes, strict=True)):
        freq = np.bincount(codes, weights=prob.weights, minlength=h.domain_size) / prob.n
        per_level = np.array([float(freq @ h.leaf_ncp(lv)) for lv in range(h.n_levels)])
        total += per_level[nodes[:, i]]
    return total / q


def optimal_search(
    prob: Problem, loss: str = "ncp", use_probes: bool = True
) -> tuple[tuple[int, ...], _Lattice, int]:
    """Return the optimal node, the lattice, and the number of nodes counted.

    Nodes are visited by increasing lower bound of their loss (ties: lower nodes first), so
    the first time the bound of the next node reaches the best loss found, no unvisited node
    can beat it. Nodes tagged infeasible by a coarser node are skipped without counting.
    """
    lat = _Lattice(prob)
    nodes = lat.nodes
    n_nodes = nodes.shape[0]
    bound = generalization_loss_bounds(prob, nodes) if loss == "ncp" else np.zeros(n_nodes)
    infeasible = np.zeros(n_nodes, dtype=bool)
    evaluated = np.zeros(n_nodes, dtype=bool)
    relaxed_ok = np.zeros(n_nodes, dtype=bool)
    best_val, best_idx = np.inf, -1

    def tag_below(i: int) -> None:
        infeasible[(nodes <= nodes[i]).all(axis=1)] = True

    def visit(i: int) -> _Eval:
        nonlocal best_val, best_idx
        ev = lat.evaluate(tuple(int(x) for x in nodes[i]), float(bound[i]), loss)
        evaluated[i] = True
        relaxed_ok[i] = ev.relaxed_ok
        if not ev.relaxed_ok:
            tag_below(i)
        elif ev.ok and (
            ev.loss < best_val - 1e-12 or (abs(ev.loss - best_val) <= 1e-12 and i < best_idx)
        ):
            best_val, best_idx = ev.loss, i
        if loss != "ncp":
            # discernibility of a coarser node is at least this node's raw bound
            above = (nodes >= nodes[i]).all(axis=1)
            bound[above] = np.maximum(bound[above], ev.raw_dm)
        return ev

    heights = np.array(lat.heights)
    strides = np.array(
        [int(np.prod(heights[a + 1 :])) for a in range(heights.size)], dtype=np.int64
    )

    def status(i: int) -> bool:
        """Relaxed (monotone) feasibility of node i, counting it if not known yet."""
        if infeasible[i]:
            return False
        if not evaluated[i]:
            visit(i)
        return bool(relaxed_ok[i])

    def probe(i: int) -> None:
        # Flash-style: climb from node i to a maximal candidate (raising the attribute that
        # costs least), then binary-search the chain for its lowest feasible node; every
        # infeasible node met tags its whole down-set, every feasible one is scored.
        path = [i]
        cur = i
        while True:
            ups = [cur + strides[a] for a in range(heights.size) if nodes[cur, a] + 1 < heights[a]]
            ups = [j for j in ups if bound[j] < best_val - 1e-12]
            if not ups:
                break
            cur = min(ups, key=lambda j: (bound[j], j))
            path.append(cur)
        if len(path) < 3 or not status(path[-1]):
            return
        lo, hi = 0, len(path) - 1  # path[hi] is feasible; path[lo] unknown
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if status(path[mid]):
                hi = mid
            else:
                lo = mid

    visit(n_nodes - 1)  # the top node: an upper bound whenever it is feasible
    order = np.lexsort((nodes.sum(axis=1), bound))
    for i in order:
        if bound[i] > best_val + 1e-12:
            if loss == "ncp":  # static bounds, visited in increasing order: done
                break
            continue
        if evaluated[i] or infeasible[i]:
            continue
        if use_probes:
            probe(int(i))
        if not (evaluated[i] or infeasible[i]):
            visit(int(i))
    if best_idx < 0:
        raise InputError(
            "no generalization satisfies the privacy models within the suppression limit; "
            "raise max_suppression or relax k / l / t"
        )
    return tuple(int(x) for x in nodes[best_idx]), lat, lat.checked


def apply_node(
    prob: Problem, lat: _Lattice, levels: tuple[int, ...]
) -> tuple[pd.DataFrame, np.ndarray, _Classes, np.ndarray]:
    """Generalize the table to `levels` and suppress the failing classes' QI cells."""
    tab = lat.classes(levels, keep_labels=True)
    fail = prob.failing_any(tab.sizes, tab.hists)
    row_class = tab.labels[lat.bottom.labels]
    row_supp = fail[row_class]
    out = prob.df.copy()
    for h, codes, lv in zip(prob.hierarchies, prob.leaf_codes, levels, strict=True):
        vals = h.labels[lv][h.maps[lv][codes]].copy()
        vals[row_supp] = SUPPRESSED
        out[h.name] = pd.Series(vals, index=out.index, dtype=object)
    return out, row_supp, tab, fail


def kanonymize(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, pd.DataFrame] | None = None,
    k: int = 5,
    max_suppression: float = 0.05,
    l_diversity: int | float | Criterion | None = None,
    sensitive: str | Sequence[str] | None = None,
    t_closeness: float | Criterion | None = None,
    method: str = "optimal",
    loss: str = "ncp",
    mondrian_mode: str = "strict",
    weights: np.ndarray | None = None,
) -> tuple[pd.DataFrame, KAnonResult]:
    """k-anonymize `df` over its quasi-identifiers; return the released table and a result.

    Suppressed rows keep their other columns; their quasi-identifier cells become "*".
    `l_diversity` is an int (distinct l-diversity) or a criterion object (`EntropyLDiversity`,
    `RecursiveCLDiversity`); `t_closeness` a float or a `TCloseness`; both apply to every
    column of `sensitive`. `method="optimal"` searches the full-domain generalization lattice
    for the least `loss` ("ncp" or "discernibility"); `method="mondrian"` recodes locally.
    With `weights` (optimal only), row i stands for `weights[i]` identical rows: the search,
    its loss and its suppression count are those of the expanded table.
    """
    t0 = time.perf_counter()
    if method not in ("optimal", "mondrian"):
        raise InputError(f"method must be 'optimal' or 'mondrian', got {method!r}")
    if loss not in ("ncp", "discernibility"):
        raise InputError(f"loss must be 'ncp' or 'discernibility', got {loss!r}")
    if weights is not None and method == "mondrian":
        raise InputError(
            "Mondrian recodes rows locally and needs the rows themselves: use the memory "
            "engine (or method: optimal) for method: mondrian"
        )
    prob = prepare(
        df,
        quasi_identifiers,
        hierarchies,
        k,
        max_suppression,
        l_diversity,
        sensitive,
        t_closeness,
        weights=weights,
    )
    if method == "mondrian":
        from privsynth.transform.mondrian import mondrian

        out, result = mondrian(prob, mode=mondrian_mode)
        result.time_s = time.perf_counter() - t0
        return out, result

    levels, lat, checked = optimal_search(prob, loss=loss)
    out, row_supp, tab, fail = apply_node(prob, lat, levels)
    kept = ~fail
    w = prob.weights
    n_supp = int(row_supp.sum()) if w is None else int(w[row_supp].sum())
    pen = np.column_stack(
        [
            h.leaf_ncp(lv)[c]
            for h, c, lv in zip(prob.hierarchies, prob.leaf_codes, levels, strict=True)
        ]
    )
    result = KAnonResult(
        method="optimal",
        quasi_identifiers=list(prob.qis),
        k=prob.k,
        k_achieved=int(tab.sizes[kept].min()) if kept.any() else 0,
        n_rows=prob.n,
        n_suppressed=n_supp,
        suppression_rate=n_supp / prob.n,
        max_suppression=prob.max_suppression,
        loss=ncp(pen, weights=w, suppressed=row_supp),
        discernibility=discernibility(tab.sizes[kept], n_supp, prob.n),
        levels={q: int(lv) for q, lv in zip(prob.qis, levels, strict=True)},
        criteria=[repr(c) for c in prob.criteria],
        loss_metric=loss,
        nodes_checked=checked,
        lattice_size=int(lat.nodes.shape[0]),
        optimal=True,
    )
    _fill_achieved(prob, result, tab.sizes[kept], [h[kept] for h in tab.hists])
    result.time_s = time.perf_counter() - t0
    return out, result


def _fill_achieved(
    prob: Problem, result: KAnonResult, sizes: np.ndarray, hists: list[np.ndarray]
) -> None:
    if not sizes.size:
        return
    for crit in prob.criteria[1:]:
        value = prob.achieved(crit, sizes, hists)
        if isinstance(crit, TCloseness):
            result.t_achieved = value
        else:
            result.l_achieved = value


__all__ = ["KAnonResult", "kanonymize"]
