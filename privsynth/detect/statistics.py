"""Column statistics the decision uses: uniqueness, cardinality, value length, numeric range.

Computed on the (possibly row-subsampled) column once; the text statistics on the sampled
distinct values only, so the cost does not grow with the table.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

_DIGIT = re.compile(r"\d")


@dataclass
class ColumnStats:
    n_rows: int
    n_missing: int
    n_distinct: int
    uniqueness: float  # distinct / non-missing rows (on the rows looked at)
    mean_length: float  # characters, over sampled values
    mean_words: float
    digit_share: float  # share of sampled values that are only digits
    alpha_share: float  # share of sampled values with no digit at all
    numeric: bool
    integer: bool
    min: float | None = None
    max: float | None = None

    @property
    def present(self) -> int:
        return self.n_rows - self.n_missing

    def to_dict(self) -> dict:
        return asdict(self)


def column_stats(column: pd.Series, values: pd.Series) -> ColumnStats:
    """Statistics of `column` (rows) and `values` (its sampled values as stripped strings)."""
    n_rows = len(column)
    nonnull = column.dropna()
    n_missing = n_rows - len(nonnull)
    try:
        n_distinct = int(nonnull.nunique())
    except TypeError:  # unhashable cells (lists, dicts)
        n_distinct = int(nonnull.astype(str).nunique())
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    lo = hi = None
    integer = False
    if numeric and len(nonnull):
        arr = nonnull.to_numpy(dtype=float)
        lo, hi = float(np.min(arr)), float(np.max(arr))
        with np.errstate(invalid="ignore"):  # inf % 1 is NaN (not an integer), no warning
            integer = bool(np.all(np.mod(arr, 1) == 0))
    elif len(values) and values.iloc[0][:1] in set("+-.0123456789"):
        num = pd.to_numeric(values, errors="coerce")
        if num.notna().mean() > 0.98:
            numeric = True
            lo, hi = float(num.min()), float(num.max())
            with np.errstate(invalid="ignore"):
                integer = bool(np.all(np.mod(num.dropna(), 1) == 0))
    if len(values):
        raw = list(values)
        mean_length = float(np.mean([len(x) for x in raw]))
        mean_words = float(np.mean([len(x.split()) or 1 for x in raw]))
        digit_share = float(np.mean([x.isdigit() for x in raw]))
        alpha_share = float(np.mean([_DIGIT.search(x) is None for x in raw]))
    else:
        digit_share = alpha_share = mean_length = mean_words = 0.0
    present = n_rows - n_missing
    return ColumnStats(
        n_rows=n_rows, n_missing=n_missing, n_distinct=n_distinct,
        uniqueness=n_distinct / present if present else 0.0,
        mean_length=mean_length, mean_words=mean_words, digit_share=digit_share,
        alpha_share=alpha_share, numeric=bool(numeric), integer=integer, min=lo, max=hi,
    )


def column_type(column: pd.Series, stats: ColumnStats, date_share: float) -> str:
    """A coarse type from dtype and statistics (the io schema's vocabulary)."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    if stats.numeric:
        return "integer" if stats.integer else "float"
    if date_share >= 0.95:
        return "datetime"
    if stats.mean_words >= 4 or (stats.mean_length > 40 and stats.uniqueness > 0.5):
        return "text"
    if stats.uniqueness > 0.9 and stats.n_distinct > 50 and stats.mean_words < 2.5:
        return "identifier"
    return "categorical"
