"""Row-local parsing of cells under a PUBLIC type: the same value in pandas, DuckDB and Spark.

A DP synthetic release reads each cell under the type its public schema gives the column,
never under a type inferred from the column's values. Every rule here looks at one cell at a
time (a 1-stable map, applied before any DP measurement): a cell that does not parse becomes
missing, nothing else changes. The rules are written three times — pandas (`parse_series`),
DuckDB SQL (`parse_sql`) and Spark (`parse_spark`) — and kept narrow enough that the three
agree (a property test checks pandas against DuckDB on generated cells):

- `number`: ASCII whitespace stripped; a plain decimal (`-12`, `3.5`, `.5`, `1e6`) becomes a
  float64, anything else (`1,000`, `nan`, `inf`, `12 kg`) and non-finite results are missing.
  Stored numbers (Parquet, DataFrame dtypes) are taken as they are.
- `date`: stripped text parsed with the public strftime formats, the first that fits wins;
  stored timestamps are taken as they are (time zones converted to UTC).
- `text`: stripped text, an empty cell missing; stored numbers and booleans as their
  `category_key` text (1.0 -> "1", True -> "true").
- `lower`: `text`, lower-cased: how cells meet a public category list (so `female` matches
  `Female`; synonyms such as `F` do not).
- `bool`: `lower` mapped to "true" (true, yes, y, t, 1) or "false" (false, no, n, f, 0);
  anything else is missing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.engine.encoding import category_key
from privsynth.engine.spark_engine import java_format
from privsynth.engine.sql import sql_literal

WHITESPACE = " \t\n\r\x0b\x0c"
_WS_SQL = "chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)"
_WS_RE = r"^[ \t\n\r\x0b\x0c]+|[ \t\n\r\x0b\x0c]+$"
DECIMAL = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
BOOL_TRUE = ("true", "yes", "y", "t", "1")
BOOL_FALSE = ("false", "no", "n", "f", "0")
KINDS = ("number", "date", "text", "lower", "bool")


@dataclass(frozen=True)
class CellParse:
    """How the cells of one column are read: `kind` (see module doc), date `formats`."""

    kind: str
    formats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown cell parse {self.kind!r}")
        if self.kind == "date" and not self.formats:
            raise ValueError("a date parse needs at least one format")


# ------------------------------------------------------------------------------------ pandas
def _text(s: pd.Series) -> pd.Series:
    """Each cell as stripped text (None when missing or empty), stored values by their key."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        out = s.astype(object).map(category_key, na_action="ignore")
        return out.where(s.notna(), None)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype(object).map(lambda v: v.isoformat(sep=" "), na_action="ignore")
    text = s.astype("string").str.strip(WHITESPACE)
    text = text.where(text.ne(""), pd.NA)
    return text.astype(object).where(text.notna(), None)


def parse_series(s: pd.Series, parse: CellParse) -> pd.Series:
    """`s` read cell by cell under `parse` (see module doc); the index is kept."""
    kind = parse.kind
    if kind == "number":
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            vals = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            text = _text(s).astype("string")
            ok = text.str.fullmatch(DECIMAL).fillna(False).to_numpy(dtype=bool)
            vals = pd.Series(np.nan, index=s.index, dtype="float64")
            if ok.any():
                vals[ok] = pd.to_numeric(text[ok], errors="coerce").astype("float64")
        arr = vals.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(np.where(np.isfinite(arr), arr, np.nan), index=s.index, name=s.name)
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s):
            out = s
            if getattr(s.dt, "tz", None) is not None:
                out = s.dt.tz_convert("UTC").dt.tz_localize(None)
            return out.astype("datetime64[ns]").rename(s.name)
        text = _text(s)
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]", name=s.name)
        todo = text.notna().to_numpy(dtype=bool).copy()
        for fmt in parse.formats:
            if not todo.any():
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
            if getattr(got.dt, "tz", None) is not None:
                got = got.dt.tz_convert("UTC").dt.tz_localize(None)
            out.loc[got.index] = got.astype("datetime64[ns]")
            todo = todo & out.isna().to_numpy(dtype=bool)
        return out
    text = _text(s)
    if kind == "text":
        return text.rename(s.name)
    low = text.map(str.lower, na_action="ignore").where(text.notna(), None)
    if kind == "lower":
        return low.rename(s.name)
    out = pd.Series(None, index=s.index, dtype=object, name=s.name)
    out[low.isin(BOOL_TRUE).to_numpy(dtype=bool)] = "true"
    out[low.isin(BOOL_FALSE).to_numpy(dtype=bool)] = "false"
    return out


def parse_frame(df: pd.DataFrame, parses: dict[str, CellParse]) -> pd.DataFrame:
    """The columns of `parses`, each read under its parse (other columns left out)."""
    return pd.DataFrame({c: parse_series(df[c], p) for c, p in parses.items()}, index=df.index)


# ------------------------------------------------------------------------------------ DuckDB
def parse_sql(col: str, parse: CellParse, *, stored: str | None = None) -> str:
    """The SQL expression reading column expression `col` under `parse` (DuckDB).

    `stored` is the column's stored type ("integer", "float", "boolean", "datetime", None for
    text), so stored numbers and timestamps are taken as they are, as in pandas.
    """
    kind = parse.kind
    if kind == "number" and stored in ("integer", "float", "boolean"):
        x = f"TRY_CAST({col} AS DOUBLE)"
        return f"(CASE WHEN isfinite({x}) THEN {x} END)"
    if kind == "date" and stored == "datetime":
        return f"CAST({col} AS TIMESTAMP)"
    text = _text_sql(col, stored)
    if kind == "number":
        x = f"TRY_CAST({text} AS DOUBLE)"
        ok = f"regexp_full_match({text}, {sql_literal(DECIMAL)})"
        return f"(CASE WHEN {ok} AND isfinite({x}) THEN {x} END)"
    if kind == "date":
        parts = [f"try_strptime({text}, {sql_literal(f)})" for f in parse.formats]
        ts = f"coalesce({', '.join(parts)})" if len(parts) > 1 else parts[0]
        return f"CAST({ts} AS TIMESTAMP)"
    if kind == "text":
        return text
    low = f"lower({text})"
    if kind == "lower":
        return low
    trues = ", ".join(sql_literal(v) for v in BOOL_TRUE)
    falses = ", ".join(sql_literal(v) for v in BOOL_FALSE)
    return f"(CASE WHEN {low} IN ({trues}) THEN 'true' WHEN {low} IN ({falses}) THEN 'false' END)"


def _text_sql(col: str, stored: str | None) -> str:
    """Stripped text of a cell, NULL when empty; stored values by their category key."""
    if stored == "boolean":
        return f"(CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END)"
    if stored in ("integer", "float"):
        x = f"CAST({col} AS DOUBLE)"
        return (
            f"(CASE WHEN {x} = floor({x}) AND abs({x}) < 1e18 THEN CAST(CAST({x} AS BIGINT) AS "
            f"VARCHAR) ELSE CAST({col} AS VARCHAR) END)"
        )
    t = f"trim(CAST({col} AS VARCHAR), {_WS_SQL})"
    return f"nullif({t}, '')"


# ------------------------------------------------------------------------------------- Spark
def parse_spark(col, parse: CellParse, *, stored: str | None = None):  # noqa: ANN001, ANN201
    """The Spark column expression reading `col` under `parse` (see `parse_sql`)."""
    from pyspark.sql import functions as F

    kind = parse.kind
    if kind == "number" and stored in ("integer", "float", "boolean"):
        x = col.cast("double")
        return F.when(~F.isnan(x) & (F.abs(x) != float("inf")), x)
    if kind == "date" and stored == "datetime":
        return col.cast("timestamp")
    if stored == "boolean":
        text = F.when(col, F.lit("true")).when(~col, F.lit("false"))
    elif stored in ("integer", "float"):
        x = col.cast("double")
        text = F.when((x == F.floor(x)) & (F.abs(x) < 1e18), x.cast("long").cast("string"))
        text = text.otherwise(col.cast("string"))
    else:
        t = F.regexp_replace(col.cast("string"), _WS_RE, "")
        text = F.when(t != "", t)
    if kind == "number":
        x = text.try_cast("double")
        return F.when(text.rlike(f"^{DECIMAL}$") & (F.abs(x) != float("inf")), x)
    if kind == "date":
        parts = [F.try_to_timestamp(text, F.lit(java_format(f))) for f in parse.formats]
        return F.coalesce(*parts) if len(parts) > 1 else parts[0]
    if kind == "text":
        return text
    low = F.lower(text)
    if kind == "lower":
        return low
    return F.when(low.isin(*BOOL_TRUE), F.lit("true")).when(low.isin(*BOOL_FALSE), F.lit("false"))


__all__ = [
    "BOOL_FALSE",
    "BOOL_TRUE",
    "DECIMAL",
    "CellParse",
    "WHITESPACE",
    "parse_frame",
    "parse_series",
    "parse_spark",
    "parse_sql",
]
