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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.engine import group_counts
from privsynth.errors import InputError
from privsynth.transform.loss import discernibility, ncp
from privsynth.transform.problem import KAnonResult, Problem, fill_achieved


@dataclass
class _Numeric:
    """An ordered quasi-identifier: cut at the median of its values, released as a range.

    `values` per row (NaN where missing), `leaves` the distinct present values sorted, `dates`
    whether the values are seconds since the epoch (printed as ISO dates)."""

    values: np.ndarray
    leaves: np.ndarray
    domain: int
    dates: bool = False

    def penalty(self, lo: float, hi: float) -> float:
        m = np.searchsorted(self.leaves, hi, "right") - np.searchsorted(self.leaves, lo, "left")
        return (max(int(m), 1) - 1) / (self.domain - 1) if self.domain > 1 else 0.0

    def label(self, lo: float, hi: float) -> str:
        if not self.dates:
            return _range_label(lo, hi)
        a, b = (_date(x) for x in (lo, hi))
        return a if a == b else f"{a}/{b}"  # an ISO 8601 interval


def _date(seconds: float) -> str:
    ts = pd.Timestamp(int(round(seconds * 1e9)))
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M:%S")


def _ordered(series: pd.Series) -> tuple[np.ndarray, bool] | None:
    """Numbers (or dates, as seconds) of an ordered column; None for anything else."""
    if pd.api.types.is_datetime64_any_dtype(series):
        # seconds since the epoch whatever the column's unit (pandas keeps us or ns); an aware
        # column is read in UTC
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        vals = ((series - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        return vals, True
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), False
    return None


def _numeric_dims(
    prob: Problem, order_by: Mapping[str, pd.Series] | None = None
) -> list[_Numeric | None]:
    """Per quasi-identifier, its ordered view (None: cut along its hierarchy instead).

    A QI is ordered when `order_by` gives its values as numbers or dates (the caller's typed
    column; a release passes them, since its table holds the hierarchy's text labels), or when
    the table's own column is numeric with no missing value. Missing values of an ordered QI
    are split off first, then released as missing."""
    dims: list[_Numeric | None] = []
    order_by = order_by or {}
    for h, codes in zip(prob.hierarchies, prob.leaf_codes, strict=True):
        given = order_by.get(h.name)
        if given is not None:
            view = _ordered(pd.Series(given).reset_index(drop=True))
            if view is not None and len(view[0]) == len(codes):
                vals, dates = view
                leaves = np.unique(vals[np.isfinite(vals)])
                domain = leaves.size + int(np.isnan(vals).any())
                dims.append(_Numeric(vals, leaves, domain, dates))
                continue
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


def mondrian(
    prob: Problem, mode: str = "strict", order_by: Mapping[str, pd.Series] | None = None
) -> tuple[pd.DataFrame, KAnonResult]:
    """Partition the table of `prob`; return the recoded table and its result. `order_by`
    gives the numbers or dates of quasi-identifiers whose table column holds text labels, so
    they are cut in their order, not along text."""
    if mode not in ("strict", "relaxed"):
        raise InputError(f"mondrian mode must be 'strict' or 'relaxed', got {mode!r}")
    n, q = prob.n, len(prob.qis)
    hs = prob.hierarchies
    nums = _numeric_dims(prob, order_by)
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
                present = v[np.isfinite(v)]
                if present.size == 0:  # all missing: stays missing, nothing to cut
                    ranges[i] = None
                    widths[i] = 0.0
                elif present.size < v.size:  # missing and present together: cut them apart
                    ranges[i] = (float(present.min()), float(present.max()))
                    widths[i] = 1.0
                else:
                    lo, hi = float(present.min()), float(present.max())
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
                    v = nums[i].values[rows]
                    if ranges[i] is None:
                        label = None
                    elif np.isnan(v).any():
                        label = "*"
                    else:
                        label = nums[i].label(*ranges[i])
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
        loss_by_column={name: float(penalties[:, i].mean()) if n else 0.0
                        for i, name in enumerate(prob.qis)},  # fmt: skip
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
        missing = np.isnan(v)
        if missing.any():
            if missing.all():
                return None, None
            return [rows[missing], rows[~missing]], [list(state), list(state)]
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
