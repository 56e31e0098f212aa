"""Shared encoding of mixed-type tables for the audit's distances and predicates.

All frames of one audit (train, holdout, release) are encoded together so they share category
codes and numeric ranges. Two views:

* `codes`: one float column per attribute (numeric values as they are, categories as integer
  codes) for predicates (singling out) and exact matching;
* `embed`: a matrix whose squared Euclidean distance is the Heterogeneous
  Euclidean-Overlap Metric (HEOM, Wilson & Martinez 1997), our Gower-like distance:
  d²(x, y) = Σ_numeric ((x−y)/range)² + Σ_categorical [x ≠ y].
  Numeric columns are range-normalised, categories one-hot scaled by 1/√2 (two distinct one-hot
  vectors are then at squared distance exactly 1). Using squared differences instead of Gower's
  |x−y| lets the whole distance run as one BLAS matrix product per block (10-20x faster than an
  elementwise L1 over mixed columns); categorical mismatches count exactly as in Gower.

Missing values: a missing category is a category; a missing number sits one range-width below
the column's minimum (so it is at distance >= 1 from every observed value, 0 from another gap).
High-cardinality categories (more than `WIDE` levels) are not one-hot encoded; their mismatches
are counted by direct comparison inside each distance block.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.errors import InputError

WIDE = 64
# Squared distances closer than this are ties. Nearest-neighbour searches of the attacks (few
# queries) run in float64, where |a|²+|b|²−2ab is good to ~1e-13, and resolve numeric gaps of
# 3e-5 of a column's range. The membership scans over every pair run in float32 (twice as fast),
# which resolves about 1e-5: there a numeric gap under 1 % of the range (squared 1e-4) is a tie.
TIE_TOL_64 = 1e-9
TIE_TOL = 1e-4
_BLOCK_ELEMENTS = 8_000_000  # 32-64 MB per distance block


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _as_number(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        # seconds since the epoch, whatever unit pandas keeps (us or ns): tables compare
        return ((series - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


@dataclass
class Encoded:
    """One frame, encoded against a shared `MixedEncoder`."""

    codes: np.ndarray  # (n, n_columns) float64: numeric values / category codes
    embed: np.ndarray  # (n, D) centred HEOM embedding (float64, or float32 after `as32`)
    sqnorm: np.ndarray  # (n,) squared norms of `embed`, same dtype
    wide: np.ndarray  # (n, n_wide) int64 codes of high-cardinality categories

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def take(self, idx: np.ndarray) -> Encoded:
        return Encoded(self.codes[idx], self.embed[idx], self.sqnorm[idx], self.wide[idx])

    def as32(self) -> Encoded:
        """The same rows with a float32 embedding, for the large all-pairs scans."""
        return Encoded(
            self.codes, self.embed.astype(np.float32), self.sqnorm.astype(np.float32), self.wide
        )


class MixedEncoder:
    """Fit on every frame of an audit at once, then encode each frame (optionally a subset of
    columns, for the attacks that look at auxiliary columns only)."""

    def __init__(self, frames: Sequence[pd.DataFrame], columns: Sequence[str] | None = None):
        if not frames:
            raise InputError("nothing to encode")
        cols = list(columns) if columns is not None else list(frames[0].columns)
        for f in frames:
            missing = [c for c in cols if c not in f.columns]
            if missing:
                raise InputError(f"column {missing[0]!r} is missing from one of the tables")
        self.columns = cols
        self.numeric: dict[str, tuple[float, float]] = {}  # col -> (lo, span)
        self.categories: dict[str, pd.Index] = {}
        for c in cols:
            if all(_is_numeric(f[c]) or pd.api.types.is_datetime64_any_dtype(f[c]) for f in frames):
                vals = np.concatenate([_as_number(f[c]) for f in frames])
                finite = vals[np.isfinite(vals)]
                lo = float(finite.min()) if finite.size else 0.0
                hi = float(finite.max()) if finite.size else 1.0
                self.numeric[c] = (lo, hi - lo if hi > lo else 1.0)
            else:
                allv = pd.concat([self._as_category(f[c]) for f in frames], ignore_index=True)
                self.categories[c] = pd.Index(pd.unique(allv))
        self.kinds = {c: ("numeric" if c in self.numeric else "categorical") for c in cols}
        # the embedding is centred on the pooled mean (one origin for every frame): distances do
        # not change, but smaller norms keep the float32 expansion |a|²+|b|²−2ab accurate
        self._mean: dict[tuple[str, ...], np.ndarray] = {}
        self._frames = frames

    @staticmethod
    def _as_category(series: pd.Series) -> pd.Series:
        return series.astype(object).where(series.notna(), "<NA>").astype(str)

    def is_numeric(self, col: str) -> bool:
        return col in self.numeric

    def cardinality(self, col: str) -> int:
        return len(self.categories[col])

    def _column_codes(self, df: pd.DataFrame, c: str) -> np.ndarray:
        if c in self.numeric:
            return _as_number(df[c])
        return self.categories[c].get_indexer(self._as_category(df[c])).astype(np.float64)

    def codes(self, df: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
        cols = list(columns) if columns is not None else self.columns
        if not cols:
            return np.zeros((len(df), 0))
        return np.column_stack([self._column_codes(df, c) for c in cols])

    def _raw_embed(self, df: pd.DataFrame, cols: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        parts: list[np.ndarray] = []
        wide: list[np.ndarray] = []
        n = len(df)
        for c in cols:
            if c in self.numeric:
                lo, span = self.numeric[c]
                x = (_as_number(df[c]) - lo) / span
                x[~np.isfinite(x)] = -1.0
                parts.append(x[:, None])
            else:
                k = len(self.categories[c])
                codes = self._column_codes(df, c).astype(np.int64)
                if k > WIDE:
                    wide.append(codes)
                    continue
                onehot = np.zeros((n, k), dtype=np.float64)
                onehot[np.arange(n), codes] = np.sqrt(0.5)
                parts.append(onehot)
        emb = np.hstack(parts) if parts else np.zeros((n, 0))
        wid = np.column_stack(wide) if wide else np.zeros((n, 0), dtype=np.int64)
        return emb, wid

    def _pooled_mean(self, cols: Sequence[str]) -> np.ndarray:
        """Mean of the embedding over every fitted frame, from the codes (no one-hot built)."""
        total = sum(len(f) for f in self._frames)
        parts: list[np.ndarray] = []
        for c in cols:
            if c in self.numeric:
                lo, span = self.numeric[c]
                x = (np.concatenate([_as_number(f[c]) for f in self._frames]) - lo) / span
                x[~np.isfinite(x)] = -1.0
                parts.append(np.array([x.mean() if total else 0.0]))
            elif len(self.categories[c]) <= WIDE:
                codes = np.concatenate(
                    [self._column_codes(f, c).astype(np.int64) for f in self._frames]
                )
                freq = np.bincount(codes, minlength=len(self.categories[c])) / max(total, 1)
                parts.append(freq * np.sqrt(0.5))
        return np.concatenate(parts) if parts else np.zeros(0)

    def encode(self, df: pd.DataFrame, columns: Sequence[str] | None = None) -> Encoded:
        cols = tuple(columns) if columns is not None else tuple(self.columns)
        unknown = [c for c in cols if c not in self.kinds]
        if unknown:
            raise InputError(f"column {unknown[0]!r} was not part of the audit's columns")
        if cols not in self._mean:
            self._mean[cols] = self._pooled_mean(cols)
        emb, wide = self._raw_embed(df, cols)
        emb = emb - self._mean[cols]
        sq = np.einsum("ij,ij->i", emb, emb)
        return Encoded(self.codes(df, cols), emb, sq, wide)


def block_rows(n_ref: int) -> int:
    return max(1, _BLOCK_ELEMENTS // max(n_ref, 1))


def _augment(q: Encoded, r: Encoded, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """[q, |q|², 1] · [−2r, 1, |r|²]ᵀ = |q − r|²: one matrix product per block, no extra
    passes over the (large) distance block to add the norms."""
    dt = q.embed.dtype
    ones_q = np.ones((len(q), 1), dtype=dt)
    ones_r = np.ones((len(r), 1), dtype=dt)
    qa = np.hstack([q.embed, q.sqnorm[:, None].astype(dt), ones_q])
    ra = np.hstack([-2.0 * r.embed, ones_r, r.sqnorm[:, None].astype(dt)]) * dt.type(scale)
    return qa, np.ascontiguousarray(ra.T)


def _add_wide(d: np.ndarray, qw: np.ndarray, rw: np.ndarray, scale: float) -> None:
    for j in range(qw.shape[1]):
        d += (qw[:, j][:, None] != rw[:, j][None, :]) * d.dtype.type(scale)


def sq_distances(q: Encoded, r: Encoded) -> np.ndarray:
    """Squared HEOM distances between every row of `q` and every row of `r` (>= 0), in the
    embedding's dtype."""
    qa, rat = _augment(q, r, 1.0)
    d = qa @ rat
    _add_wide(d, q.wide, r.wide, 1.0)
    np.maximum(d, 0.0, out=d)
    return d


def iter_blocks(
    q: Encoded, r: Encoded, *, scale: float = 1.0, clip: bool = True
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (row slice of q, `scale` × squared distances of those rows to all of r), block by
    block. With clip=False tiny negative rounding errors are left in (clip the reductions)."""
    qa, rat = _augment(q, r, scale)
    step = block_rows(len(r))
    for start in range(0, len(q), step):
        sl = slice(start, min(start + step, len(q)))
        d = qa[sl] @ rat
        _add_wide(d, q.wide[sl], r.wide, scale)
        if clip:
            np.maximum(d, 0.0, out=d)
        yield sl, d


def nearest(
    q: Encoded, r: Encoded, *, k: int = 1, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n_q, k) and squared distances of the k nearest rows of `r` for each row of `q`.

    Ties are broken uniformly at random with `rng`. For k = 1 the tied rows are those within
    TIE_TOL_64 of the row's minimum and one of them is drawn; for k > 1 distances are quantised
    to the tie grid and a random fraction below one grid step is added before the partial sort,
    so every tied neighbour is equally likely to be chosen.
    """
    if len(r) == 0:
        raise InputError("the reference table is empty")
    k = min(k, len(r))
    rng = rng or np.random.default_rng(0)
    idx = np.empty((len(q), k), dtype=np.int64)
    dist = np.empty((len(q), k), dtype=np.float64)
    for sl, d in iter_blocks(q, r):
        rows = np.arange(d.shape[0])
        if k == 1:
            near = d.min(axis=1)
            rr, cc = np.nonzero(d <= (near + TIE_TOL_64)[:, None])  # row-major: grouped by row
            n_tied = np.bincount(rr, minlength=d.shape[0])
            first = np.cumsum(n_tied) - n_tied
            pick = cc[first + np.floor(rng.random(d.shape[0]) * n_tied).astype(np.int64)]
            idx[sl, 0] = pick
            dist[sl, 0] = d[rows, pick]
            continue
        key = np.floor(d / TIE_TOL_64)
        key += rng.random(key.shape)
        part = (
            np.argpartition(key, k - 1, axis=1)[:, :k]
            if k < len(r)
            else np.tile(np.arange(len(r)), (key.shape[0], 1))
        )
        order = np.argsort(key[rows[:, None], part], axis=1)
        part = part[rows[:, None], order]
        idx[sl] = part
        dist[sl] = d[rows[:, None], part]
    return idx, dist


def row_hashes(codes: np.ndarray) -> np.ndarray:
    """One 64-bit hash per row of a codes matrix (NaN-safe), for exact-copy detection."""
    frame = pd.DataFrame(np.nan_to_num(codes, nan=-1.2345e300))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()
