"""Per-column type inference: integer, float, boolean, categorical, datetime, text, identifier.

Inference looks at a sample of distinct non-missing values (cheap on 1M rows); conversion is
then one vectorized pandas call per column.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

_SAMPLE = 5_000
_BOOL_TRUE = {"true", "yes", "y", "t"}
_BOOL_FALSE = {"false", "no", "n", "f"}
# Tried in order; the first one that parses (almost) every sampled value wins.
DATETIME_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
]


class ColumnType(StrEnum):
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"


@dataclass
class ColumnSchema:
    """What one column holds; `format` is the strptime format of a datetime column."""

    name: str
    type: ColumnType
    n_rows: int
    n_missing: int
    n_distinct: int
    format: str | None = None
    formats: list[str] = field(default_factory=list)

    @property
    def uniqueness(self) -> float:
        """Distinct values per non-missing row (1.0: every value unique)."""
        present = self.n_rows - self.n_missing
        return self.n_distinct / present if present else 0.0


@dataclass
class Schema:
    """Every column's `ColumnSchema`; `encoding` is the text encoding decided for a CSV file
    (utf-8 or latin-1, see `privsynth.io.read`), None for Parquet files and DataFrames."""

    columns: dict[str, ColumnSchema]
    encoding: str | None = None

    def __getitem__(self, name: str) -> ColumnSchema:
        return self.columns[name]

    def to_dict(self) -> dict[str, dict]:
        return {k: {**asdict(v), "type": str(v.type)} for k, v in self.columns.items()}


def infer_schema(df: pd.DataFrame) -> Schema:
    """Infer a `ColumnSchema` for every column of `df` (raw text or already typed)."""
    return Schema({str(c): infer_column(df[c], str(c)) for c in df.columns})


def infer_column(s: pd.Series, name: str | None = None) -> ColumnSchema:
    """Infer the type of one column from a sample of its distinct non-missing values."""
    name = str(s.name) if name is None else name
    n_rows = len(s)
    nonnull = s.dropna()
    n_missing = n_rows - len(nonnull)
    n_distinct = int(nonnull.nunique())
    base = dict(name=name, n_rows=n_rows, n_missing=n_missing, n_distinct=n_distinct)
    if pd.api.types.is_bool_dtype(s):
        return ColumnSchema(type=ColumnType.BOOLEAN, **base)
    if pd.api.types.is_datetime64_any_dtype(s):
        return ColumnSchema(type=ColumnType.DATETIME, **base)
    if pd.api.types.is_integer_dtype(s):
        return ColumnSchema(type=ColumnType.INTEGER, **base)
    if pd.api.types.is_float_dtype(s):
        whole = nonnull.size and np.all(np.mod(nonnull.to_numpy(dtype=float), 1) == 0)
        return ColumnSchema(type=ColumnType.INTEGER if whole else ColumnType.FLOAT, **base)
    if len(nonnull) == 0:
        return ColumnSchema(type=ColumnType.CATEGORICAL, **base)
    values = pd.Series(nonnull.astype(str).unique())
    if len(values) > _SAMPLE:
        values = values.sample(_SAMPLE, random_state=0)
    values = values.str.strip()
    kind, fmt, fmts = _infer_text_kind(values, n_distinct, len(nonnull))
    return ColumnSchema(type=kind, format=fmt, formats=fmts, **base)


def _infer_text_kind(
    values: pd.Series, n_distinct: int, n_present: int
) -> tuple[ColumnType, str | None, list[str]]:
    lower = values.str.lower()
    if lower.isin(_BOOL_TRUE | _BOOL_FALSE).all() and n_distinct <= 2:
        return ColumnType.BOOLEAN, None, []
    is_int = values.str.fullmatch(r"[+-]?\d{1,18}")
    # Leading zeros (ZIP codes, ids) mean the text matters, not the number.
    leading_zero = values.str.fullmatch(r"0\d+")
    if is_int.all() and not leading_zero.any():
        return ColumnType.INTEGER, None, []
    if values.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?").all() and not leading_zero.any():
        return ColumnType.FLOAT, None, []
    fmts = _datetime_formats(values)
    if fmts:
        return ColumnType.DATETIME, fmts[0], fmts
    uniqueness = n_distinct / max(n_present, 1)
    words = values.str.count(r"\s+") + 1
    mean_len = values.str.len().mean()
    if words.mean() >= 4 or (mean_len > 40 and uniqueness > 0.5):
        return ColumnType.TEXT, None, []
    if uniqueness > 0.9 and n_distinct > 50 and words.mean() < 2.5:
        return ColumnType.IDENTIFIER, None, []
    return ColumnType.CATEGORICAL, None, []


def _datetime_formats(values: pd.Series, min_share: float = 0.95) -> list[str]:
    """Formats that together parse at least `min_share` of values, best first."""
    sample = values.head(500)
    if not sample.str.contains(r"\d").all() or sample.str.len().max() > 40:
        return []
    remaining = sample
    chosen: list[str] = []
    for fmt in DATETIME_FORMATS:
        if remaining.empty:
            break
        parsed = pd.to_datetime(remaining, format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            chosen.append(fmt)
            remaining = remaining[~ok]
    if not chosen or len(remaining) > (1 - min_share) * len(sample):
        return []
    # Bare 4-digit or 8-digit numbers are years or ids far more often than dates.
    if chosen == ["%Y%m%d"]:
        return []
    return chosen


def parse_datetimes(s: pd.Series, formats: list[str]) -> pd.Series:
    """Parse text with each format in turn; values no format parses become NaT."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = s.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        out[parsed.index] = parsed
        todo &= out.isna()
    return out


def convert_columns(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Convert text columns to their inferred types, vectorized, leaving typed columns alone."""
    out = {}
    for col in df.columns:
        s, cs = df[col], schema[str(col)]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            out[col] = s
            continue
        text = s.astype("string").str.strip()
        if cs.type == ColumnType.INTEGER:
            out[col] = pd.to_numeric(text, errors="coerce").astype("Int64")
        elif cs.type == ColumnType.FLOAT:
            out[col] = pd.to_numeric(text, errors="coerce").astype("float64")
        elif cs.type == ColumnType.BOOLEAN:
            low = text.str.lower()
            out[col] = low.map(lambda v: v in _BOOL_TRUE if v is not pd.NA else pd.NA).astype(
                "boolean"
            )
        elif cs.type == ColumnType.DATETIME:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[col] = parse_datetimes(text, cs.formats or [cs.format])
        else:
            out[col] = text.astype(object).where(text.notna(), None)
    return pd.DataFrame(out, index=df.index)
