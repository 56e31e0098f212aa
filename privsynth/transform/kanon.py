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

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from privsynth.engine import group_counts
from privsynth.errors import InputError
from privsynth.transform.criteria import Criterion
from privsynth.transform.loss import discernibility, ncp
from privsynth.transform.mondrian import mondrian
from privsynth.transform.problem import KAnonResult, Problem, fill_achieved, prepare

MAX_LATTICE = 2_000_000
SUPPRESSED = "*"
# Progress of a long search, for the command line to show (`privsynth release` prints this
# logger's records on stderr); a line at most every PROGRESS_EVERY_S seconds.
PROGRESS = logging.getLogger("privsynth.progress")
PROGRESS_EVERY_S = 2.0


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

    last_said = [time.perf_counter()]

    def say(i_visited: int) -> None:
        now = time.perf_counter()
        if now - last_said[0] >= PROGRESS_EVERY_S:
            last_said[0] = now
            best = f", best loss so far {best_val:.3f}" if best_idx >= 0 else ""
            PROGRESS.info(
                "k-anonymity: %s of %s generalizations checked%s",
                f"{lat.checked:,}", f"{n_nodes:,}", best,
            )  # fmt: skip

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
        say(int(i))
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
    order_by: Mapping[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, KAnonResult]:
    """k-anonymize `df` over its quasi-identifiers; return the released table and a result.

    Suppressed rows keep their other columns; their quasi-identifier cells become "*".
    `l_diversity` is an int (distinct l-diversity) or a criterion object (`EntropyLDiversity`,
    `RecursiveCLDiversity`); `t_closeness` a float or a `TCloseness`; both apply to every
    column of `sensitive`. `method="optimal"` searches the full-domain generalization lattice
    for the least `loss` ("ncp" or "discernibility"); `method="mondrian"` recodes locally.
    With `weights` (optimal only), row i stands for `weights[i]` identical rows: the search,
    its loss and its suppression count are those of the expanded table. `order_by` (Mondrian)
    gives numbers or dates for quasi-identifiers whose column holds text, cut in their order.

    Suppressed rows (all quasi-identifiers `*`) form one equivalence class of the release; when
    it would hold fewer than k rows, k would not hold for them, so they are removed (without
    `weights`; with `weights` the result's `n_removed` says so, and the caller removes the rows
    whose quasi-identifiers are all `*`).
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
    PROGRESS.info(
        "k-anonymity: k = %d over %d quasi-identifier(s) (%s), %s rows, %s",
        prob.k, len(prob.qis), ", ".join(prob.qis), f"{prob.n:,}",
        "Mondrian partitioning" if method == "mondrian" else
        f"{int(np.prod([h.n_levels for h in prob.hierarchies], dtype=np.float64)):,} "
        "generalizations to search",
    )  # fmt: skip
    if method == "mondrian":
        out, result = mondrian(prob, mode=mondrian_mode, order_by=order_by)
        result.time_s = time.perf_counter() - t0
        _said_done(result)
        return out, result

    levels, lat, checked = optimal_search(prob, loss=loss)
    out, row_supp, tab, fail = apply_node(prob, lat, levels)
    kept = ~fail
    w = prob.weights
    n_supp = int(row_supp.sum()) if w is None else int(w[row_supp].sum())
    removed = n_supp > 0 and _star_class_fails(prob, tab, fail, levels)
    if removed and w is None:
        out = out.loc[~row_supp]
    pen = np.column_stack(
        [
            h.leaf_ncp(lv)[c]
            for h, c, lv in zip(prob.hierarchies, prob.leaf_codes, levels, strict=True)
        ]
    )
    k_achieved = int(tab.sizes[kept].min()) if kept.any() else 0
    if n_supp and not removed:  # the `*` class is a class of the release too
        k_achieved = min(k_achieved, _star_size(prob, tab, fail, levels)) if kept.any() else n_supp
    result = KAnonResult(
        method="optimal",
        quasi_identifiers=list(prob.qis),
        k=prob.k,
        k_achieved=k_achieved,
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
        n_removed=n_supp if removed else 0,
        loss_by_column=column_loss(prob.qis, pen, w, row_supp),
    )
    fill_achieved(prob, result, tab.sizes[kept], [h[kept] for h in tab.hists])
    result.time_s = time.perf_counter() - t0
    _said_done(result)
    return out, result


def _said_done(result: KAnonResult) -> None:
    levels = f"levels {result.levels}, " if result.levels else ""
    PROGRESS.info(
        "k-anonymity: done in %.1f s: %sk achieved %d, %s row(s) suppressed%s, loss %.3f",
        result.time_s, levels, result.k_achieved, f"{result.n_suppressed:,}",
        f" (removed: {result.n_removed:,})" if result.n_removed else "", result.loss,
    )  # fmt: skip


def _star_classes(prob: Problem, tab: _Classes, fail: np.ndarray, levels: tuple[int, ...]):
    """Classes released with every quasi-identifier `*`: the suppressed ones, and kept
    classes whose generalization happens to be `*` on every quasi-identifier."""
    all_star = np.ones(tab.sizes.size, dtype=bool)
    for i, (h, lv) in enumerate(zip(prob.hierarchies, levels, strict=True)):
        all_star &= h.labels[lv][tab.keys[:, i]] == SUPPRESSED
    return fail | all_star


def _star_size(prob: Problem, tab: _Classes, fail: np.ndarray, levels: tuple[int, ...]) -> int:
    return int(tab.sizes[_star_classes(prob, tab, fail, levels)].sum())


def _star_class_fails(
    prob: Problem, tab: _Classes, fail: np.ndarray, levels: tuple[int, ...]
) -> bool:
    """Whether the release's `*` class (all suppressed rows, plus any kept rows starred on every
    quasi-identifier) fails the privacy models: fewer than k rows, or not l-diverse / t-close."""
    star = _star_classes(prob, tab, fail, levels)
    sizes = np.array([int(tab.sizes[star].sum())])
    hists = [h[star].sum(axis=0, keepdims=True) for h in tab.hists]
    return bool(prob.failing_any(sizes, hists).any())


def column_loss(
    qis: Sequence[str], pen: np.ndarray, weights: np.ndarray | None, suppressed: np.ndarray
) -> dict[str, float]:
    """NCP of each quasi-identifier (suppressed cells cost 1): the release's loss per column."""
    p = np.where(np.asarray(suppressed, dtype=bool)[:, None], 1.0, pen)
    w = np.ones(p.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    total = max(float(w.sum()), 1.0)
    return {q: float((p[:, i] * w).sum() / total) for i, q in enumerate(qis)}


__all__ = ["KAnonResult", "kanonymize"]
