"""DP bounds and bin edges for a numeric or date column the policy gives no bounds.

The column's values are counted over a FIXED public grid — numbers: 0 and +-10^(k/8) for
k = -16..80 (0.01 to 1e10, 194 cells, each about a third wider than the last); dates: the first
of every month from 1900 to 2100 — and the histogram is released with one OpenDP Gaussian
measurement (L2 sensitivity m), charged to the ledger as "schema: range of column X". Values
outside the grid count in its end cells. Everything after is post-processing of the noisy
counts (`dp_range`):

1. windows of 1, 2, 4, ... adjacent cells are summed (noise std sigma * sqrt(width));
   a window counts as holding values when its noisy sum is at least `NOISE_Z` times that std;
2. the histogram also counts the column's missing cells, so the values present are estimated
   as the (public or DP) row count minus that noisy count; the finest width whose windows
   standing out of the noise hold at least `COVERAGE` of them is used, and lo / hi are the
   outer edges of its first / last such window. When no width does, the column gets no DP
   bounds (a range would clip much of it) and is dropped with a notice;
3. `bins` edges are placed at equal shares of the noisy mass between lo and hi (linear inside
   a grid cell), so skewed columns (incomes, amounts) get narrow bins where people are; integer
   columns get integer edges;
4. the grid cells between lo and hi keep their noisy mass as decoding weights: a synthetic
   value is drawn inside its bin in proportion to them (not uniformly), at no extra cost.

The coarse grid's cells are wide (a third of a number's size: 237 to 316 holds every
temperature in kelvin), so a second pass (`COARSE_SHARE` of the budget to the first) counts
the values again over `REFINE_CELLS` equal cells between the first pass's bounds
(`refine_grid`, a function of that DP output) and applies the same rules; when the second pass
finds no range, the first pass's stands.

The resolution is the grid's: about 33% of a number's size, a month of a date (give public
bounds for finer ones). A column spread thinly over a wide range (birth dates over 70 years in
a thousand rows) may have no window standing out of the noise: then it has no DP bounds. Integer-ness comes from the column's public or DP type, never from the
values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.synth.ledger import Ledger
from privsynth.synth.measure import measure_marginal

# A window "stands out" at NOISE_Z noise stds: high enough that among the ~5,000 windows of
# the date grid a window of pure noise passes with probability ~2% (one would stretch the range).
NOISE_Z = 4.5
COVERAGE = 0.8
_POS = [10.0 ** (k / 8) for k in range(-16, 81)]
NUMBER_GRID: tuple[float, ...] = tuple([-v for v in reversed(_POS)] + [0.0] + _POS)
DATE_GRID: tuple[float, ...] = tuple(
    float(pd.Timestamp(year=y, month=mo, day=1).value)
    for y in range(1900, 2101)
    for mo in range(1, 13)
    if y < 2100 or mo == 1
)


REFINE_CELLS = 64
# The share of a column's DP-bounds budget the coarse grid gets; the refining grid the rest.
COARSE_SHARE = 0.4


def grid_for(kind: str) -> tuple[float, ...]:
    """The public grid's edges for a `numeric` or `datetime` column."""
    return DATE_GRID if kind == "datetime" else NUMBER_GRID


def refine_grid(lo: float, hi: float, *, integer: bool, cells: int = REFINE_CELLS) -> tuple[float, ...]:
    """The second, finer grid: `cells` equal cells between the first pass's bounds (a
    function of that DP output only); for integers, one cell per integer when they fit."""
    if integer:
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        if hi_i - lo_i + 1 <= cells:
            return tuple(float(x) for x in range(lo_i, hi_i + 2))
    if not hi > lo:
        hi = lo + 1.0
    return tuple(float(x) for x in np.linspace(lo, hi, cells + 1))


@dataclass(frozen=True)
class DPRange:
    """The range DP bounds found, the bin edges placed in it, and the grid cells between lo
    and hi with their noisy mass (decoding weights; all post-processing)."""

    lo: float
    hi: float
    edges: tuple[float, ...]
    width: int  # grid cells per window at the chosen resolution
    sigma: float
    cell_edges: tuple[float, ...] = ()
    cell_weights: tuple[float, ...] = ()


def measure_range(
    counts: np.ndarray, *, ledger: Ledger, rho: float, sensitivity: int, column: str,
    step: str = "DP bounds",
) -> tuple[np.ndarray, float]:
    """The noisy grid histogram (one OpenDP Gaussian, charged) and its noise std. `counts`
    ends with the column's missing cell (so the rows present can be estimated)."""
    noisy, sigma, _ = measure_marginal(
        counts, ledger=ledger, rho=rho, sensitivity=sensitivity,
        what=f"schema: range of column {column!r} ({step})",
    )
    return np.asarray(noisy, dtype=np.float64), float(sigma)


def _windows(noisy: np.ndarray, width: int) -> np.ndarray:
    n = int(math.ceil(len(noisy) / width)) * width
    padded = np.zeros(n)
    padded[: len(noisy)] = noisy
    return padded.reshape(-1, width).sum(axis=1)


def dp_range(
    noisy: np.ndarray,
    sigma: float,
    edges: tuple[float, ...],
    *,
    bins: int,
    integer: bool,
    rows: float | None = None,
) -> DPRange | None:
    """Bounds and bin edges from a noisy grid histogram (post-processing; module doc).

    `noisy` holds the grid's cells and, last, the missing cell; `rows` is the table's
    (public or DP) row count, so that rows minus the noisy missing count estimates how many
    values there are. The finest window width whose windows standing out of the noise hold
    `COVERAGE` of them gives the range; none does: None (a range would clip the column).
    """
    noisy = np.asarray(noisy, dtype=np.float64)
    cells = len(edges) - 1
    grid, missing = noisy[:cells], float(noisy[cells]) if len(noisy) > cells else 0.0
    present = (rows - missing) if rows is not None else float(np.clip(grid, 0, None).sum())
    if present <= NOISE_Z * sigma:
        return None
    widths = [1 << i for i in range(int(math.log2(cells)) + 1)]
    chosen = None
    for w in widths:
        sums = _windows(grid, w)
        keep = sums >= NOISE_Z * sigma * math.sqrt(w)
        if keep.any() and float(sums[keep].sum()) >= COVERAGE * present:
            chosen = (w, keep, sums)
            break
    if chosen is None:
        return None
    w, keep, sums = chosen
    idx = np.flatnonzero(keep)
    first, last = int(idx[0]) * w, min(int(idx[-1]) * w + w, cells)
    e = np.asarray(edges, dtype=np.float64)
    lo, hi = float(e[first]), float(e[last])
    # mass per grid cell: a kept window's noisy sum spread evenly over its cells
    mass = np.zeros(cells)
    for j in idx:
        a, b = int(j) * w, min(int(j) * w + w, cells)
        mass[a:b] = max(sums[j], 0.0) / (b - a)
    mass = mass[first:last]
    cell_edges = e[first : last + 1]
    cum = np.concatenate([[0.0], np.cumsum(mass)])
    targets = cum[-1] * np.arange(1, bins) / bins
    inner = np.interp(targets, cum, cell_edges) if cum[-1] > 0 else np.array([])
    out = np.unique(np.concatenate([[lo], inner, [hi]]))
    if integer:
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        if hi_i < lo_i:
            hi_i = lo_i
        if hi_i - lo_i + 1 <= bins:  # few integers: one bin each, decoded exactly
            edges_i = np.arange(lo_i, hi_i + 2, dtype=np.float64)
            return DPRange(lo, hi, tuple(float(x) for x in edges_i), w, sigma)
        cell_edges = np.concatenate([[lo_i], cell_edges[1:-1], [hi_i + 1]])
        inner_i = np.ceil(out[1:-1])
        out = np.unique(np.concatenate([[lo_i], inner_i[(inner_i > lo_i) & (inner_i <= hi_i)],
                                        [hi_i + 1]]))
    if len(out) < 2:
        out = np.array([lo, hi if hi > lo else lo + 1.0])
    return DPRange(
        lo, hi, tuple(float(x) for x in out), w, sigma,
        tuple(float(x) for x in cell_edges), tuple(float(x) for x in mass),
    )


__all__ = [
    "COARSE_SHARE",
    "DATE_GRID",
    "DPRange",
    "NUMBER_GRID",
    "dp_range",
    "grid_for",
    "measure_range",
    "refine_grid",
]
