"""In-memory counting with numpy: flat-index bincount for marginals, factorize for classes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from privsynth.engine import base
from privsynth.engine.base import (
    ColumnCounts,
    EquivalenceClasses,
    GroupCounts,
    marginals_from_groups,
)
from privsynth.engine.encoding import Encoder, category_key
from privsynth.errors import InputError
from privsynth.io import read_table


def _codes(data: pd.DataFrame, column: str, size: int, encoder: Encoder | None = None) -> np.ndarray:
    if column not in data.columns:
        raise InputError(f"column {column!r} is not in the data")
    if encoder is not None:
        return encoder.encode(data[column])
    arr = data[column].to_numpy()
    if arr.dtype.kind not in "iu":
        if pd.isna(arr).any():
            raise InputError(f"column {column!r} has missing values; encode them as a code first")
        arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        # the row, not the value: a code's value is a fact about the private data
        row = int(np.flatnonzero((arr < 0) | (arr >= size))[0]) + 1
        raise InputError(
            f"column {column!r} has a value outside its domain 0..{size - 1} (row {row:,})"
        )
    return arr.astype(np.int64, copy=False)


def _frame(data: Any) -> pd.DataFrame:
    """DataFrames pass through; a CSV or Parquet path is read with `privsynth.io`."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | os.PathLike):
        return read_table(data)
    raise InputError(f"the memory engine cannot read a {type(data).__name__}")


def _group_rows(
    codes: Mapping[str, np.ndarray], domain: Mapping[str, int], max_groups: int
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Rows grouped by all coded columns: (codes per group, rows per group), or None when
    there are more than `max_groups` groups (then counting each marginal directly is cheaper)."""
    cols = list(codes)
    n = len(codes[cols[0]])
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for c in cols:
        size = int(domain[c])
        if span * size >= 2**62:  # re-compress before the mixed radix overflows
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max()) + 1 if n else 1
        key = key * size + codes[c]
        span *= size
    labels, _ = pd.factorize(key)
    counts = np.bincount(labels)
    if len(counts) > min(max_groups, base.MAX_GROUPS):
        return None
    first = np.zeros(len(counts), dtype=np.int64)
    first[labels[::-1]] = np.arange(n)[::-1]
    return {c: codes[c][first] for c in cols}, counts


class MemoryEngine(base.EngineBase):
    """Default engine for DataFrames: everything in numpy, no copies of the rows."""

    name = "memory"

    def marginals(
        self,
        data: pd.DataFrame,
        cliques: Sequence[Sequence[str]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> list[np.ndarray]:
        data = _frame(data)
        cliques, used, encoders = self._prepare(cliques, domain, encoders)
        # Each column is coded once, however many cliques it appears in.
        codes = {c: _codes(data, c, int(domain[c]), encoders.get(c)) for c in used}
        if len(cliques) > 2 and used:
            grouped = _group_rows(codes, domain, max_groups=max(len(data) // 4, 1))
            if grouped is not None:
                return marginals_from_groups(grouped[0], grouped[1], cliques, domain)
        out = []
        for cl in cliques:
            shape = tuple(int(domain[c]) for c in cl)
            if not cl:
                out.append(np.array(float(len(data))))
                continue
            flat = np.zeros(len(data), dtype=np.int64)
            for col, size in zip(cl, shape, strict=True):
                flat *= size
                flat += codes[col]
            counts = np.bincount(flat, minlength=int(np.prod(shape)))
            out.append(counts.reshape(shape).astype(np.float64))
        return out

    def grouped(
        self,
        data: pd.DataFrame,
        columns: Sequence[str],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        data = _frame(data)
        _, used, encoders = self._prepare([tuple(columns)], domain, encoders)
        codes = {c: _codes(data, c, int(domain[c]), encoders.get(c)) for c in used}
        if not used:
            return {}, np.array([len(data)], dtype=np.int64)
        return _group_rows(codes, domain, max_groups=base.MAX_GROUPS)

    def key_counts(self, data: pd.DataFrame, column: str) -> dict[str, int]:
        data = _frame(data)
        if column not in data.columns:
            raise InputError(f"column {column!r} is not in the data")
        keys = data[column].dropna().map(category_key)
        return {str(k): int(v) for k, v in keys.value_counts(sort=False).items()}

    def equivalence_classes(self, data: pd.DataFrame, columns: Sequence[str]) -> EquivalenceClasses:
        data = _frame(data)
        missing = [c for c in columns if c not in data.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is not in the data")
        n = len(data)
        if not columns:
            return EquivalenceClasses(
                np.zeros(n, dtype=np.int64), np.array([n]), pd.DataFrame(index=[0])
            )
        flat = np.zeros(n, dtype=np.int64)
        span = 1
        for col in columns:
            codes, uniq = pd.factorize(data[col], use_na_sentinel=False)
            k = max(len(uniq), 1)
            if span * k >= 2**62:  # re-compress before the mixed radix overflows
                flat = pd.factorize(flat)[0].astype(np.int64)
                span = int(flat.max()) + 1 if n else 1
            flat = flat * k + codes
            span *= k
        # factorize numbers the classes in order of their first row (the engines' shared order)
        labels, _ = pd.factorize(flat)
        labels = labels.astype(np.int64)
        sizes = np.bincount(labels).astype(np.int64)
        first_rows = np.zeros(len(sizes), dtype=np.int64)
        first_rows[labels[::-1]] = np.arange(n)[::-1]
        keys = data.iloc[first_rows][list(columns)].reset_index(drop=True)
        return EquivalenceClasses(labels, sizes, keys)

    def group_counts(
        self,
        codes: Sequence[np.ndarray],
        cardinalities: Sequence[int],
        weights: np.ndarray | None = None,
    ) -> GroupCounts:
        return base.group_codes(codes, cardinalities, weights)

    def column_stats(self, data: pd.DataFrame, columns: Sequence[str]) -> dict[str, ColumnCounts]:
        data = _frame(data)
        out = {}
        for col in columns:
            if col not in data.columns:
                raise InputError(f"column {col!r} is not in the data")
            s = data[col]
            present = s.dropna()
            try:
                distinct = int(present.nunique())
            except TypeError:  # unhashable cells (lists, dicts): count their text
                distinct = int(present.astype(str).nunique())
            out[col] = ColumnCounts(len(s), distinct, len(s) - len(present))
        return out

    def sample_values(self, data: pd.DataFrame, column: str, n: int, *, seed: int = 0) -> pd.Series:
        data = _frame(data)
        if column not in data.columns:
            raise InputError(f"column {column!r} is not in the data")
        s = data[column].dropna()
        counts = s.value_counts(sort=False)
        # Ties broken by value, as in the other engines (mixed types: first-seen order).
        with contextlib.suppress(TypeError):
            counts = counts.sort_index(kind="stable")
        counts = counts.sort_values(ascending=False, kind="stable")
        if len(counts) >= n:
            return pd.Series(counts.index[:n], name=column)
        rest = s.sample(min(len(s), n - len(counts)), random_state=seed)
        return pd.concat([pd.Series(counts.index, name=column), rest], ignore_index=True)
