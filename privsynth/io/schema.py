"""Per-column type inference: integer, float, boolean, categorical, datetime, text, identifier.

Inference looks at a sample of distinct non-missing values (cheap on 1M rows); conversion is
then one vectorized pandas call per column.

Numbers are numbers only when the number type holds them exactly: integers up to 18 digits
(int64), decimals that survive a float64 round trip (at most 15 significant digits, or the
shortest representation of a double, such as 0.30000000000000004). A 30-digit id is kept as
text instead of becoming 1.2345678901234568e+29. Conversion checks the whole column again
(a value outside the inference sample may not fit): it keeps such a column as text
(`on_unfit="text"`, when the whole table is converted at once) or refuses it naming the
column and row (`on_unfit="raise"`, for chunks of a table whose other chunks are already out).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import numpy as np
import pandas as pd

from privsynth.errors import InputError

_SAMPLE = 5_000
BOOL_TRUE = frozenset({"true", "yes", "y", "t"})
_BOOL_TRUE = BOOL_TRUE
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
    if (
        values.str.fullmatch(_DECIMAL).all()
        and not leading_zero.any()
        and not unfit_float64(values).any()
    ):
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


_DECIMAL = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_DBL_DIG = 15  # decimal digits a float64 always carries exactly (C's DBL_DIG)


def unfit_float64(text: pd.Series) -> np.ndarray:
    """True for each decimal number in `text` that float64 does not hold exactly: more than 15
    significant digits and not the shortest text of a double (1.2345678901234567890123e+29,
    a 30-digit id), or outside float64's range. Non-numbers and missing values are False.

    Vectorized: lengths and a digit count select the few candidates, and only those (distinct
    values) get the exact decimal comparison.
    """
    t = text.astype("string").str.strip()
    out = np.zeros(len(t), dtype=bool)
    # an exponent past float64's range: 1e400 is inf, 1e-400 is 0
    has_exp = t.str.contains(r"\d[eE][+-]?\d", regex=True).fillna(False).to_numpy(dtype=bool)
    if has_exp.any():
        vals = pd.to_numeric(t[has_exp], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        nonzero = t[has_exp].str.contains(r"^[^eE]*[1-9]", regex=True).fillna(False)
        out[has_exp] = np.isinf(vals) | ((vals == 0) & nonzero.to_numpy(dtype=bool))
    long = (t.str.len() > _DBL_DIG).fillna(False).to_numpy(dtype=bool)
    if not long.any():
        return out
    cand = t[long]
    is_num = cand.str.fullmatch(_DECIMAL).fillna(False).to_numpy(dtype=bool)
    cand = cand[is_num]
    mantissa = cand.str.replace(r"[eE].*$", "", regex=True).str.lstrip("+-")
    # trailing zeros after a decimal point carry no value; those of an integer do (an id)
    mantissa = mantissa.where(~mantissa.str.contains(".", regex=False),
                              mantissa.str.rstrip("0"))
    sig = mantissa.str.replace(".", "", regex=False).str.lstrip("0").str.len()
    many = (sig > _DBL_DIG).to_numpy(dtype=bool)
    if not many.any():
        return out
    suspects = cand[many]
    lost = {v: not _round_trips(v) for v in suspects.unique()}
    bad = suspects.map(lost).to_numpy(dtype=bool)
    idx = np.flatnonzero(long)[np.flatnonzero(is_num)[np.flatnonzero(many)]]
    out[idx] |= bad
    return out


def _round_trips(value: str) -> bool:
    """The decimal `value` equals the shortest text of the float64 nearest to it."""
    try:
        f = float(value)
        return np.isfinite(f) and Decimal(value) == Decimal(repr(f))
    except (ValueError, InvalidOperation):
        return False


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


def convert_columns(
    df: pd.DataFrame, schema: Schema, *, on_unfit: str = "raise", row_offset: int = 0
) -> pd.DataFrame:
    """Convert text columns to their inferred types, vectorized, leaving typed columns alone.

    A number column holding a value its type cannot hold exactly (an integer past int64, a
    decimal float64 would round, `1.5` in a column the sample found integer): with
    `on_unfit="text"` the column stays text and `schema` says so; with `"raise"` an
    `InputError` names the column and the row (`row_offset` + position, 1-based as in a file
    without its header), never the value.
    """
    out = {}
    for col in df.columns:
        s, cs = df[col], schema[str(col)]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            out[col] = s
            continue
        text = s.astype("string").str.strip()
        if cs.type in (ColumnType.INTEGER, ColumnType.FLOAT):
            converted, bad = _to_number(text, cs.type)
            if bad is None:
                out[col] = converted
                continue
            if on_unfit != "text":
                row = row_offset + int(np.flatnonzero(bad)[0]) + 1
                raise InputError(
                    f"column {str(col)!r}, row {row:,}: a number its {cs.type} type cannot "
                    f"hold exactly (the type came from a row sample); such a column is kept as "
                    "text only when the whole table is read at once (the memory engine)"
                )
            cs.type = _text_kind(text, cs)
        if cs.type == ColumnType.BOOLEAN:
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


_LONG_INT = re.compile(r"[+-]?\d{19,}")


def _to_number(text: pd.Series, kind: ColumnType) -> tuple[pd.Series | None, np.ndarray | None]:
    """(the column as Int64 or float64, None), or (None, rows that do not fit) when a value
    would not survive the conversion exactly."""
    present = text.notna().to_numpy(dtype=bool)
    num = pd.to_numeric(text, errors="coerce")
    if kind == ColumnType.INTEGER:
        long = text.str.fullmatch(_LONG_INT.pattern).fillna(False).to_numpy(dtype=bool)
        vals = num.to_numpy(dtype=float, na_value=np.nan)
        frac = present & np.isfinite(vals) & (np.mod(vals, 1) != 0)
        bad = long | frac
        if not bad.any():
            try:
                return num.astype("Int64"), None
            except (TypeError, ValueError, OverflowError):
                bad = present & ~np.isfinite(vals)
                bad = bad if bad.any() else present
        return None, bad
    bad = unfit_float64(text)
    if bad.any():
        return None, bad
    return num.astype("float64"), None


def _text_kind(text: pd.Series, cs: ColumnSchema) -> ColumnType:
    """The non-numeric type of a column that turned out not to fit a number type."""
    values = pd.Series(text.dropna().unique(), dtype=object)
    if len(values) > _SAMPLE:
        values = values.sample(_SAMPLE, random_state=0)
    uniqueness = cs.n_distinct / max(cs.n_rows - cs.n_missing, 1)
    words = values.str.count(r"\s+") + 1
    if uniqueness > 0.9 and cs.n_distinct > 50 and words.mean() < 2.5:
        return ColumnType.IDENTIFIER
    return ColumnType.CATEGORICAL
