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


@runtime_checkable
class CountingEngine(Protocol):
    """Where counting runs. Results are exact; noise is added above, never here."""

    name: str

    def marginal(self, data: Any, columns: Sequence[str], shape: Sequence[int]) -> np.ndarray:
        """Counts of every cell of the integer-coded columns, zero cells included."""
        ...

    def marginals(
        self, data: Any, cliques: Sequence[Sequence[str]], domain: Mapping[str, int]
    ) -> list[np.ndarray]:
        """`marginal` for many column sets over one public domain."""
        ...

    def equivalence_classes(self, data: Any, columns: Sequence[str]) -> EquivalenceClasses:
        """Group rows by their values on `columns` (missing values form their own group)."""
        ...

    def group_counts(
        self,
        codes: Sequence[np.ndarray],
        cardinalities: Sequence[int],
        weights: np.ndarray | None = None,
    ) -> GroupCounts:
        """Group rows by integer-coded columns (code c of column j in 0..cardinalities[j]-1)."""
        ...

    def sample_values(self, data: Any, column: str, n: int, *, seed: int = 0) -> pd.Series:
        """Up to `n` values of `column`: its distinct values first, most frequent first."""
        ...
