"""The counting interface: the only data-heavy work in privsynth goes through it.

Every stage reduces to "count these marginals", "count these equivalence classes" or "sample
values of this column". Engines implement these over their own storage (pandas in memory,
DuckDB, Spark); the privacy logic above them never sees rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from privsynth.engine.encoding import Encoder, category_key, check_encoders
from privsynth.errors import InputError


@dataclass
class EquivalenceClasses:
    """Rows grouped by their values on some columns.

    `labels[i]` is the class of row i (0..n_classes-1); `sizes[c]` is the number of rows in
    class c. `keys` holds one row of column values per class, in class order.
    """

    labels: np.ndarray
    sizes: np.ndarray
    keys: pd.DataFrame

    @property
    def n_classes(self) -> int:
        return int(self.sizes.size)

    def row_sizes(self) -> np.ndarray:
        """Size of each row's class, aligned with the rows."""
        return self.sizes[self.labels]


@dataclass
class GroupCounts:
    """Rows (or weighted rows) grouped by integer codes.

    `labels[i]` is the group of input row i (0..n_groups-1); `counts[g]` the number (or the
    summed weight) of rows in group g; `keys[g]` the codes of group g, one column per input.
    """

    labels: np.ndarray
    counts: np.ndarray
    keys: np.ndarray

    @property
    def n_groups(self) -> int:
        return int(self.counts.size)


@dataclass(frozen=True)
class ColumnCounts:
    """Whole-column counts of one column: rows, distinct non-missing values, missing values.

    Private statistics for internal decisions (the scan's uniqueness, the audit's inventory);
    never released as such.
    """

    rows: int
    distinct: int
    missing: int

    @property
    def present(self) -> int:
        return self.rows - self.missing


class EngineBase:
    """Plumbing every engine shares: `marginal` is `marginals` of one clique, and validation."""

    def marginal(
        self,
        data: Any,
        columns: Sequence[str],
        shape: Sequence[int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> np.ndarray:
        domain = dict(zip(columns, (int(s) for s in shape), strict=True))
        return self.marginals(data, [tuple(columns)], domain, encoders)[0]  # type: ignore[attr-defined]

    def group_counts(
        self,
        codes: Sequence[np.ndarray],
        cardinalities: Sequence[int],
        weights: np.ndarray | None = None,
    ) -> GroupCounts:
        """Codes already in driver memory are grouped there (the same answer as `memory`)."""
        return group_codes(codes, cardinalities, weights)

    @staticmethod
    def _prepare(
        cliques: Sequence[Sequence[str]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None,
    ) -> tuple[list[tuple[str, ...]], list[str], dict[str, Encoder]]:
        """Cliques as tuples, the columns they use (first-seen order), checked encoders."""
        encoders = check_encoders(encoders, domain)
        cliques = [tuple(cl) for cl in cliques]
        used = list(dict.fromkeys(c for cl in cliques for c in cl))
        for c in used:
            if c not in domain:
                raise InputError(f"column {c!r} has no size in the domain")
        return cliques, used, encoders


@runtime_checkable
class CountingEngine(Protocol):
    """Where counting runs. Results are exact; noise is added above, never here."""

    name: str

    def marginal(
        self,
        data: Any,
        columns: Sequence[str],
        shape: Sequence[int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> np.ndarray:
        """Counts of every cell of the coded columns, zero cells included.

        A column with an entry in `encoders` is coded by it (public categories or bin edges,
        applied inside the engine); any other column must already hold codes 0..size-1.
        """
        ...

    def marginals(
        self,
        data: Any,
        cliques: Sequence[Sequence[str]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> list[np.ndarray]:
        """`marginal` for many column sets over one public domain (one pass where possible)."""
        ...

    def equivalence_classes(self, data: Any, columns: Sequence[str]) -> EquivalenceClasses:
        """Group rows by their values on `columns` (missing values form their own group).

        Classes are numbered in order of their first row, so every engine returns the same
        labels, sizes and keys for the same rows.
        """
        ...

    def group_counts(
        self,
        codes: Sequence[np.ndarray],
        cardinalities: Sequence[int],
        weights: np.ndarray | None = None,
    ) -> GroupCounts:
        """Group rows by integer-coded columns (code c of column j in 0..cardinalities[j]-1)."""
        ...

    def column_stats(self, data: Any, columns: Sequence[str]) -> dict[str, ColumnCounts]:
        """Rows, distinct non-missing values and missing values of each column, in one pass."""
        ...

    def grouped(
        self,
        data: Any,
        columns: Sequence[str],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """Rows grouped by the coded `columns` in one pass: (codes per group, rows per group).

        The compact form of the whole table that every marginal over these columns can be
        summed from; None when there are more than MAX_GROUPS groups (count marginals instead).
        Groups come in no particular order.
        """
        ...

    def key_counts(self, data: Any, column: str) -> dict[str, int]:
        """Rows per distinct value of `column` (missing values left out), keyed by the value's
        `category_key` text: the private histogram that DP key discovery thresholds."""
        ...

    def sample_values(self, data: Any, column: str, n: int, *, seed: int = 0) -> pd.Series:
        """Up to `n` values of `column`: its distinct values first, most frequent first.

        Ties in frequency are broken by value, so the distinct part is the same in every
        engine; the random filler drawn when there are fewer than `n` distinct values is not.
        """
        ...


# Engines first group the rows by all the coded columns a call needs (one scan; the groups
# are far fewer than the rows on real tables), then derive every marginal from the groups on
# the driver. Past this many groups they fall back to counting each marginal in the engine.
MAX_GROUPS = 2_000_000


def counts_by_key(values: pd.Series, counts: Any) -> dict[str, int]:
    """Sum counts of distinct values by their `category_key` (NaN is missing, left out)."""
    values = pd.Series(values).reset_index(drop=True)
    counts = pd.Series(np.asarray(counts, dtype=np.int64))
    keep = values.notna().to_numpy()
    keys = values[keep].map(category_key)
    summed = counts[keep].groupby(keys.to_numpy(), sort=False).sum()
    return {str(k): int(v) for k, v in summed.items()}


def marginals_from_groups(
    codes: Mapping[str, np.ndarray],
    counts: np.ndarray,
    cliques: Sequence[Sequence[str]],
    domain: Mapping[str, int],
) -> list[np.ndarray]:
    """Exact marginals from grouped rows: `codes[c][g]` is group g's code, `counts[g]` its rows."""
    weights = np.asarray(counts, dtype=np.float64)
    out = []
    for cl in cliques:
        if not cl:
            out.append(np.array(float(weights.sum())))
            continue
        shape = tuple(int(domain[c]) for c in cl)
        flat = np.zeros(len(weights), dtype=np.int64)
        for c, size in zip(cl, shape, strict=True):
            flat = flat * size + np.asarray(codes[c], dtype=np.int64)
        cells = np.bincount(flat, weights=weights, minlength=int(np.prod(shape)))
        out.append(cells.reshape(shape))
    return out


def _mixed_radix(codes: Sequence[np.ndarray], cards: Sequence[int]) -> tuple[np.ndarray, int, bool]:
    """Flat int64 index of the code tuples, its span, and whether it was re-compressed.

    Re-compresses (factorizes the prefix) before the product of cardinalities overflows; the
    flat index then no longer unravels to the codes.
    """
    flat = np.zeros(codes[0].size, dtype=np.int64)
    span = 1
    compressed = False
    for col, card in zip(codes, cards, strict=True):
        if span * card >= 2**62:
            flat = pd.factorize(flat)[0].astype(np.int64)
            span = int(flat.max()) + 1 if flat.size else 1
            compressed = True
        flat = flat * card + np.asarray(col, dtype=np.int64)
        span *= card
    return flat, span, compressed


def group_codes(
    codes: Sequence[np.ndarray],
    cardinalities: Sequence[int],
    weights: np.ndarray | None = None,
) -> GroupCounts:
    """Group rows by integer codes (labels per row, count and key per group), in memory:
    what every engine does once the codes are in driver memory."""
    # Mixed-radix flat index over the codes; a dense bincount when the product of the
    # cardinalities is small, a sort (np.unique) otherwise.
    cards = [max(int(c), 1) for c in cardinalities]
    n = int(codes[0].size) if len(codes) else 0
    if not codes:
        total = float(weights.sum()) if weights is not None else n
        return GroupCounts(
            np.zeros(n, dtype=np.int64), np.array([total]), np.zeros((1, 0), dtype=np.int64)
        )
    flat, span, compressed = _mixed_radix(codes, cards)
    if span <= max(1 << 16, 4 * n):
        dense = np.bincount(flat, minlength=span)
        present = np.flatnonzero(dense)
        remap = np.empty(span, dtype=np.int64)
        remap[present] = np.arange(present.size)
        labels = remap[flat]
        uniq = present
    else:
        uniq, labels = np.unique(flat, return_inverse=True)
        labels = labels.reshape(-1)
    if weights is None:
        counts = np.bincount(labels, minlength=uniq.size).astype(np.int64)
    else:
        counts = np.bincount(labels, weights=weights, minlength=uniq.size)
        if np.issubdtype(np.asarray(weights).dtype, np.integer):
            counts = np.rint(counts).astype(np.int64)
    if not compressed:
        keys = np.stack(np.unravel_index(uniq, cards), axis=1).astype(np.int64)
    else:  # the flat index was re-compressed: read keys from a first row of each group
        first = np.full(uniq.size, n, dtype=np.int64)
        np.minimum.at(first, labels, np.arange(n))
        keys = np.stack([np.asarray(c, dtype=np.int64)[first] for c in codes], axis=1)
    return GroupCounts(labels.astype(np.int64, copy=False), counts, keys)
