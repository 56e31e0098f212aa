"""DP bounds and bin edges for a numeric or date column the policy gives no bounds.

The column's values are counted over a FIXED public grid — numbers: 0 and +-10^(k/8) for
k = -16..80 (0.01 to 1e10, 194 cells, each about a third wider than the last); dates: the start
of every year from 1800 to 2100 — and the histogram is released with one OpenDP Gaussian
measurement (L2 sensitivity m), charged to the ledger as "schema: range of column X". Values
outside the grid count in its end cells. Everything after is post-processing of the noisy
counts (`dp_range`):

1. windows of 1, 2, 4, ... adjacent cells are summed (noise std sigma * sqrt(width));
   a window counts as holding values when its noisy sum is at least `NOISE_Z` times that std;
2. the finest width whose windows holding values keep at least `COVERAGE` of what the
   coarsest width finds is used; lo / hi are the outer edges of its first / last such window
   (no window stands out: None, and the column is dropped with a notice);
3. `bins` edges are placed at equal shares of the noisy mass between lo and hi (linear inside
   a grid cell), so skewed columns (incomes, amounts) get narrow bins where people are; integer
   columns get integer edges.

The resolution is the grid's: about 33% of a number's size, one year of a date (give public
bounds for finer ones). Integer-ness comes from the column's public or DP type, never from the
values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.synth.ledger import Ledger
from privsynth.synth.measure import measure_marginal

NOISE_Z = 3.0
COVERAGE = 0.8
_POS = [10.0 ** (k / 8) for k in range(-16, 81)]
NUMBER_GRID: tuple[float, ...] = tuple([-v for v in reversed(_POS)] + [0.0] + _POS)
DATE_GRID: tuple[float, ...] = tuple(
    float(pd.Timestamp(year=y, month=1, day=1).value) for y in range(1800, 2101)
)


def grid_for(kind: str) -> tuple[float, ...]:
    """The public grid's edges for a `numeric` or `datetime` column."""
    return DATE_GRID if kind == "datetime" else NUMBER_GRID


@dataclass(frozen=True)
class DPRange:
    """The range DP bounds found and the bin edges placed in it (all post-processing)."""

    lo: float
    hi: float
    edges: tuple[float, ...]
    width: int  # grid cells per window at the chosen resolution
    sigma: float


def measure_range(
    counts: np.ndarray, *, ledger: Ledger, rho: float, sensitivity: int, column: str
) -> tuple[np.ndarray, float]:
    """The noisy grid histogram (one OpenDP Gaussian, charged) and its noise std."""
    noisy, sigma, _ = measure_marginal(
        counts, ledger=ledger, rho=rho, sensitivity=sensitivity,
        what=f"schema: range of column {column!r} (DP bounds)",
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
) -> DPRange | None:
    """Bounds and bin edges from a noisy grid histogram (post-processing; module doc)."""
    noisy = np.asarray(noisy, dtype=np.float64)
    cells = len(edges) - 1
    noisy = noisy[:cells]
    widths = [1 << i for i in range(int(math.log2(cells)) + 1)]
    found = []
    for w in widths:
        sums = _windows(noisy, w)
        keep = sums >= NOISE_Z * sigma * math.sqrt(w)
        found.append((w, keep, float(sums[keep].sum())))
    best_mass = max(m for _, _, m in found)
    if best_mass <= 0:
        return None
    w, keep, _ = next(f for f in found if f[2] >= COVERAGE * best_mass)
    idx = np.flatnonzero(keep)
    first, last = int(idx[0]) * w, min(int(idx[-1]) * w + w, cells)
    e = np.asarray(edges, dtype=np.float64)
    lo, hi = float(e[first]), float(e[last])
    # mass per grid cell: a kept window's noisy sum spread evenly over its cells
    mass = np.zeros(cells)
    sums = _windows(noisy, w)
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
        inner_i = np.ceil(out[1:-1])
        out = np.unique(np.concatenate([[lo_i], inner_i[(inner_i > lo_i) & (inner_i <= hi_i)],
                                        [hi_i + 1]]))
    if len(out) < 2:
        out = np.array([lo, hi if hi > lo else lo + 1.0])
    return DPRange(lo, hi, tuple(float(x) for x in out), w, sigma)


__all__ = ["DATE_GRID", "DPRange", "NUMBER_GRID", "dp_range", "grid_for", "measure_range"]
