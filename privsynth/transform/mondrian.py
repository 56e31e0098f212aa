"""Local recoding by Mondrian multidimensional partitioning (LeFevre et al., ICDE 2006).

The table is split recursively, always on the quasi-identifier whose current generalization
is widest (by its NCP cell penalty), as long as every part still satisfies the privacy models.
Numeric quasi-identifiers are cut at the median and released as ranges "lo-hi"; categorical
ones are cut along their hierarchy (a node is replaced by its children one level down). Loss is
NCP computed exactly as for global recoding, so the two methods compare: a range covering m of
the A values of the attribute's hierarchy costs (m - 1) / (A - 1).

Mondrian suppresses nothing: every part keeps at least k rows (and satisfies the other
models) by construction, so `max_suppression` does not apply. `mode="strict"` keeps the parts' numeric ranges disjoint (rows equal to the median stay
together); `mode="relaxed"` halves the rows even through ties, for lower loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.engine import group_counts
from privsynth.errors import InputError
from privsynth.transform.loss import discernibility, ncp
from privsynth.transform.problem import KAnonResult, Problem, fill_achieved


@dataclass
class _Numeric:
    values: np.ndarray  # per row
    leaves: np.ndarray  # the hierarchy's values, sorted
    domain: int

    def penalty(self, lo: float, hi: float) -> float:
        m = np.searchsorted(self.leaves, hi, "right") - np.searchsorted(self.leaves, lo, "left")
        return (max(int(m), 1) - 1) / (self.domain - 1) if self.domain > 1 else 0.0


def _numeric_dims(prob: Problem) -> list[_Numeric | None]:
    dims: list[_Numeric | None] = []
    for h, codes in zip(prob.hierarchies, prob.leaf_codes, strict=True):
        col = prob.df[h.name]
        numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        )
        leaves = pd.to_numeric(pd.Series(h.values), errors="coerce").to_numpy(dtype=np.float64)
        if numeric and not np.isnan(leaves).any():
            dims.append(_Numeric(leaves[codes], np.sort(leaves), h.domain_size))
        else:
            dims.append(None)
    return dims


def mondrian(prob: Problem, mode: str = "strict") -> tuple[pd.DataFrame, KAnonResult]:
    """Partition the table of `prob`; return the recoded table and its result."""
    if mode not in ("strict", "relaxed"):
        raise InputError(f"mondrian mode must be 'strict' or 'relaxed', got {mode!r}")
    n, q = prob.n, len(prob.qis)
    hs = prob.hierarchies
    nums = _numeric_dims(prob)
    sens_codes = [s.codes for s in prob.sensitive]

    def violates(parts: list[np.ndarray]) -> bool:
        sizes = np.array([p.size for p in parts])
        hists = [
            np.stack([np.bincount(c[p], minlength=s.size) for p in parts])
            for c, s in zip(sens_codes, prob.sensitive, strict=True)
        ]
        return bool(prob.failing_any(sizes, hists).any())

    root_rows = np.arange(n)
    if violates([root_rows]):
        raise InputError(
            "the whole table does not satisfy the privacy models; Mondrian cannot help"
        )

    # categorical state: (level, group); level == n_levels means a virtual root above the top
    top_state = []
    for h in hs:
        top = h.n_levels - 1
        top_state.append((top, 0) if h.n_groups(top) == 1 else (h.n_levels, 0))

    def cat_penalty(i: int, state: tuple[int, int]) -> float:
        lv, g = state
        return 1.0 if lv >= hs[i].n_levels else float(hs[i].group_ncp[lv][g])

    out_labels = [np.empty(n, dtype=object) for _ in range(q)]
    penalties = np.zeros((n, q))
    class_sizes: list[int] = []
    stack: list[tuple[np.ndarray, list[tuple[int, int] | None]]] = [(root_rows, list(top_state))]

    while stack:
        rows, state = stack.pop()
        widths = np.zeros(q)
        ranges: list[tuple[float, float] | None] = [None] * q
        for i in range(q):
            if nums[i] is not None:
                v = nums[i].values[rows]
                lo, hi = float(v.min()), float(v.max())
                ranges[i] = (lo, hi)
                widths[i] = nums[i].penalty(lo, hi)
            else:
                widths[i] = cat_penalty(i, state[i])
        split = None
        for i in np.argsort(-widths, kind="stable"):
            if widths[i] <= 0:
                break
            parts, child_states = _try_split(prob, i, rows, state, nums[i], mode)
            if parts is not None and not violates(parts):
                split = (parts, child_states)
                break
        if split is None:
            class_sizes.append(rows.size)
            for i in range(q):
                if nums[i] is not None:
                    lo, hi = ranges[i]
                    label = _range_label(lo, hi)
                    penalties[rows, i] = widths[i]
                else:
                    lv, g = state[i]
                    label = "*" if lv >= hs[i].n_levels else hs[i].labels[lv][g]
                    penalties[rows, i] = widths[i]
                out_labels[i][rows] = label
            continue
        parts, child_states = split
        for p, st in zip(parts, child_states, strict=True):
            stack.append((p, st))

    out = prob.df.copy()
    for i, name in enumerate(prob.qis):
        out[name] = pd.Series(out_labels[i], index=out.index, dtype=object)
    # equivalence classes of the released table (relaxed parts may share labels and merge)
    codes, cards = [], []
    for name in prob.qis:
        c, u = pd.factorize(out[name])
        codes.append(c)
        cards.append(len(u))
    g = group_counts(codes, cards)
    hists = [
        np.bincount(g.labels * s.size + s.codes, minlength=g.n_groups * s.size).reshape(
            g.n_groups, s.size
        )
        for s in prob.sensitive
    ]
    result = KAnonResult(
        method=f"mondrian-{mode}",
        quasi_identifiers=list(prob.qis),
        k=prob.k,
        k_achieved=int(g.counts.min()),
        n_rows=n,
        n_suppressed=0,
        suppression_rate=0.0,
        max_suppression=prob.max_suppression,
        loss=ncp(penalties),
        discernibility=discernibility(g.counts, 0, n),
        criteria=[repr(c) for c in prob.criteria],
        nodes_checked=len(class_sizes),
    )
    fill_achieved(prob, result, g.counts, hists)
    return out, result


def _fmt(x: float) -> str:
    """A number as hierarchies spell it (integral values without '.0'), like `as_strings`."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 2**53 else str(x)


def _range_label(lo: float, hi: float) -> str:
    return _fmt(lo) if lo == hi else f"{_fmt(lo)}-{_fmt(hi)}"


def _try_split(prob: Problem, i: int, rows: np.ndarray, state: list, num, mode: str):
    """Candidate parts of `rows` cut on dimension i (None if the cut leaves a part empty)."""
    k = prob.k
    if num is not None:
        v = num.values[rows]
        if rows.size < 2 * k:
            return None, None
        if mode == "relaxed":
            order = np.argsort(v, kind="stable")
            half = rows.size // 2
            return [rows[order[:half]], rows[order[half:]]], [list(state), list(state)]
        median = np.partition(v, rows.size // 2)[rows.size // 2]
        left = v < median
        if left.sum() < k:  # the median's ties go left instead
            left = v <= median
        if left.all() or not left.any():
            return None, None
        return [rows[left], rows[~left]], [list(state), list(state)]
    h = prob.hierarchies[i]
    lv, _g = state[i]
    if lv == 0:
        return None, None
    child_level = lv - 1
    child = h.maps[child_level][prob.leaf_codes[i][rows]]
    uniq, inv = np.unique(child, return_inverse=True)
    if uniq.size < 2:
        # a single child: descend without splitting (the node is refined for free)
        st = list(state)
        st[i] = (child_level, int(uniq[0]))
        return [rows], [st]
    order = np.argsort(inv, kind="stable")
    bounds = np.cumsum(np.bincount(inv, minlength=uniq.size))[:-1]
    parts = np.split(rows[order], bounds)
    states = []
    for gcode in uniq:
        st = list(state)
        st[i] = (child_level, int(gcode))
        states.append(st)
    return parts, states
