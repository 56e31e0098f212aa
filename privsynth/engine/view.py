"""The rows a DP release counts over, prepared inside the engine: typed like `read_table`, with
each person's contribution bounded.

A file read by `privsynth.io.read_table` has its text columns converted (integers, floats,
booleans, dates by their inferred formats, text stripped). A file left to DuckDB or Spark must
be counted as the same values, so `typed_sample` infers the conversions from a row sample (the
file is never loaded) and `private_view` applies them in SQL / Spark expressions. With a
unit-of-privacy id column, at most `max_rows` rows per person are kept: the first ones in file
order, the rows `bound_contributions` keeps in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from privsynth.engine.parse import CellParse, parse_series, parse_spark, parse_sql
from privsynth.engine.paths import duckdb_files_sql, parquet_files, spark_paths
from privsynth.engine.spark_engine import backquote, java_format
from privsynth.engine.sql import quote_ident, sql_literal
from privsynth.engine.typed import (
    SAMPLE_ROWS,
    CsvDialect,
    csv_sql,
    is_parquet,
    raw_sample,
    spark_text_frame,
    type_rows,
)
from privsynth.errors import InputError
from privsynth.io.schema import BOOL_TRUE

_WS = "chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)"
_ORDER = ("__ps_file", "__ps_row")  # file order: the rows a per-person bound keeps


@dataclass(frozen=True)
class Conversion:
    """How `read_table` turns a text column into its type (`privsynth.io.schema`)."""

    type: str  # integer | float | boolean | datetime | anything else: stripped text
    formats: tuple[str, ...] = ()


def _raw_sql(path: Path, dialect: CsvDialect | None = None) -> str:
    """A DuckDB subquery with the file's columns as `read_table` reads them (before type
    conversion) plus the file-order columns __ps_file, __ps_row. `dialect` overrides the CSV
    dialect (synthesize mode: decided from the header line alone)."""
    if is_parquet(path):
        lit = duckdb_files_sql(path)  # literal paths: never a glob
        return (
            f"SELECT * EXCLUDE (filename, file_row_number), filename AS __ps_file, "
            f"file_row_number AS __ps_row FROM read_parquet({lit}, filename = true, "
            f"file_row_number = true)"
        )
    # CSV scans carry no row number; DuckDB keeps insertion (= file) order for this one
    # single-threaded numbering.
    return (
        f"SELECT *, '' AS __ps_file, row_number() OVER () AS __ps_row "
        f"FROM {csv_sql(path, parallel=False, dialect=dialect)}"
    )


def typed_sample(source: Any, n: int = SAMPLE_ROWS, *, seed: int = 0):
    """(up to `n` rows typed as `read_table` would type them, conversions for the engine).

    A memory source is its own frame (already typed, nothing to convert). For a file, the
    shared row sample (`privsynth.engine.typed`) gives the schema, and every text column of
    the file gets the conversion the sample got.
    """
    if source.in_memory:
        return source.frame, {}
    raw = raw_sample(source, n, seed=seed)
    text = [
        str(c) for c in raw.columns
        if pd.api.types.is_object_dtype(raw[c]) or pd.api.types.is_string_dtype(raw[c])
    ]
    typed, schema = type_rows(raw)
    conversions = {
        c: Conversion(str(schema[c].type), tuple(schema[c].formats or ())) for c in text
    }
    return typed, conversions


def private_view(
    source: Any,
    columns: list[str],
    *,
    conversions: dict[str, Conversion] | None = None,
    id_column: str | None = None,
    max_rows: int = 1,
) -> Any:
    """What `source.engine` counts over: `columns`, converted, at most `max_rows` per person.

    Memory: a DataFrame. DuckDB: a relation on the engine's connection. Spark: a DataFrame.
    """
    conversions = conversions or {}
    if id_column is not None and id_column not in source.columns:
        raise InputError(f"unit_of_privacy.id_column {id_column!r} is not in the data")
    missing = [c for c in columns if c not in source.columns]
    if missing:
        raise InputError(f"column {missing[0]!r} is not in the data")
    if source.in_memory:
        df = source.frame
        if id_column is not None:  # first rows per person in table order (a 1-stable bound)
            keep = df.groupby(id_column, sort=False, dropna=False).cumcount() < max_rows
            df = df.loc[keep.to_numpy()]
        return df[list(columns)]
    if source.engine_name == "duckdb":
        return _duckdb_view(source, columns, conversions, id_column, max_rows)
    if source.engine_name == "spark":
        return _spark_view(source, columns, conversions, id_column, max_rows)
    raise InputError(f"no private view for the {source.engine_name} engine")


# ------------------------------------------------------------------------------- DuckDB
def _convert_sql(col: str, conv: Conversion | None) -> str:

    if conv is None:
        return col
    t = f"trim(CAST({col} AS VARCHAR), {_WS})"
    if conv.type == "integer":
        return f"TRY_CAST({t} AS BIGINT)"
    if conv.type == "float":
        return f"TRY_CAST({t} AS DOUBLE)"
    if conv.type == "boolean":
        trues = ", ".join(sql_literal(v) for v in sorted(BOOL_TRUE))
        return f"(CASE WHEN {t} IS NULL THEN NULL WHEN lower({t}) IN ({trues}) THEN TRUE ELSE FALSE END)"
    if conv.type == "datetime":
        parts = [f"try_strptime({t}, {sql_literal(f)})" for f in conv.formats]
        return f"coalesce({', '.join(parts)})" if parts else f"TRY_CAST({t} AS TIMESTAMP)"
    return t


def _duckdb_view(source, columns, conversions, id_column, max_rows):

    con = source.engine.con
    raw = _raw_sql(Path(source.path))
    select = ", ".join(
        f"{_convert_sql(quote_ident(c), conversions.get(c))} AS {quote_ident(c)}" for c in columns
    )
    if id_column is None:
        return con.sql(f"SELECT {select} FROM ({raw})")
    pid = _convert_sql(quote_ident(id_column), conversions.get(id_column))
    bounded = (
        f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY {pid} ORDER BY "
        f"{', '.join(_ORDER)}) AS __ps_k FROM ({raw})) WHERE __ps_k <= {int(max_rows)}"
    )
    return con.sql(f"SELECT {select} FROM ({bounded})")


# -------------------------------------------------------------------------------- Spark
def _convert_spark(col, conv: Conversion | None):
    from pyspark.sql import functions as F

    if conv is None:
        return col
    t = F.regexp_replace(col.cast("string"), r"^\s+|\s+$", "")
    if conv.type == "integer":
        return t.try_cast("long")
    if conv.type == "float":
        return t.try_cast("double")
    if conv.type == "boolean":
        return F.when(t.isNull(), F.lit(None)).otherwise(F.lower(t).isin(sorted(BOOL_TRUE)))
    if conv.type == "datetime":
        parts = [F.try_to_timestamp(t, F.lit(java_format(f))) for f in conv.formats]
        return F.coalesce(*parts) if parts else t.try_cast("timestamp")
    return t


def _spark_view(source, columns, conversions, id_column, max_rows):
    from pyspark.sql import Window
    from pyspark.sql import functions as F


    spark = source.engine.spark
    path = Path(source.path)
    if is_parquet(path):
        sdf = spark.read.parquet(*spark_paths(path))
    else:
        sdf = spark_text_frame(spark, path)
    if id_column is not None:
        # monotonically_increasing_id grows with the row's position in the file.
        sdf = sdf.withColumn("__ps_row", F.monotonically_increasing_id())
        pid = _convert_spark(F.col(backquote(id_column)), conversions.get(id_column))
        w = Window.partitionBy(pid).orderBy("__ps_row")
        sdf = sdf.withColumn("__ps_k", F.row_number().over(w)).where(
            F.col("__ps_k") <= int(max_rows)
        )
    return sdf.select(
        *[_convert_spark(F.col(backquote(c)), conversions.get(c)).alias(c) for c in columns]
    )


# ------------------------------------------------------------------ synthesize mode: public view
Labels = Callable[[pd.Series], pd.Series]
_udfs = itertools.count()


def public_view(
    source: Any,
    parses: Mapping[str, CellParse],
    *,
    stored: Mapping[str, str | None] | None = None,
    labels: Mapping[str, Labels] | None = None,
    id_column: str | None = None,
    max_rows: int = 1,
    dialect: CsvDialect | None = None,
) -> Any:
    """What a DP synthetic release counts over: each column read cell by cell under its public
    type (`parses`, `engine.parse`), or mapped to its generalization label (`labels`: a pandas
    function of the raw cells, applied row by row in every engine), with at most `max_rows`
    rows per person. Rows without a person id are each their own person (kept).

    Nothing here depends on the values as a whole: the same rows and the same values whether
    the table sits in memory, in DuckDB or in Spark. `stored` gives the column types a Parquet
    file or a DataFrame stores (taken as they are); `dialect` how a CSV is split (synthesize
    mode decides it from the header line alone).
    """
    stored = dict(stored or {})
    labels = dict(labels or {})
    columns = list(parses) + [c for c in labels if c not in parses]
    for c in [*columns, *([id_column] if id_column else [])]:
        if c not in source.columns:
            raise InputError(f"column {c!r} is not in the data")
    if source.in_memory:
        df = source.frame
        if id_column is not None:
            pid = parse_series(df[id_column], CellParse("text"))
            rank = df.groupby(pid.to_numpy(), dropna=True, sort=False).cumcount()
            keep = pid.isna().to_numpy() | (rank.to_numpy(dtype=float, na_value=0) < max_rows)
            df = df.loc[keep]
        out = {}
        for c in columns:
            out[c] = labels[c](df[c]) if c in labels else parse_series(df[c], parses[c])
        return pd.DataFrame(out, index=df.index).reset_index(drop=True)
    if source.engine_name == "duckdb":
        return _duckdb_public(source, parses, stored, labels, id_column, max_rows, dialect)
    if source.engine_name == "spark":
        return _spark_public(source, parses, stored, labels, id_column, max_rows)
    raise InputError(f"no public view for the {source.engine_name} engine")


_ARROW_IN = {"integer": ("DOUBLE", pa.float64()), "float": ("DOUBLE", pa.float64()),
             "boolean": ("BOOLEAN", pa.bool_()), "datetime": ("TIMESTAMP", pa.timestamp("us"))}


def _register_labels(con: Any, fn: Labels, stored: str | None) -> str:
    """A DuckDB scalar function (Arrow batches) applying the pandas label function `fn`."""
    name = f"__ps_labels_{next(_udfs)}"
    sql_type, _ = _ARROW_IN.get(stored or "", ("VARCHAR", pa.string()))

    def udf(arr: pa.Array) -> pa.Array:
        vals = fn(arr.to_pandas())
        return pa.array(vals.astype(object).where(vals.notna(), None).tolist(), type=pa.string())

    con.create_function(name, udf, [sql_type], "VARCHAR", type="arrow", null_handling="special")
    return name


def _duckdb_public(source, parses, stored, labels, id_column, max_rows, dialect):
    con = source.engine.con
    raw = _raw_sql(Path(source.path), dialect)
    parts = []
    for c, p in parses.items():
        parts.append(f"{parse_sql(quote_ident(c), p, stored=stored.get(c))} AS {quote_ident(c)}")
    for c, fn in labels.items():
        name = _register_labels(con, fn, stored.get(c))
        parts.append(f"{name}({quote_ident(c)}) AS {quote_ident(c)}")
    select = ", ".join(parts) or "1 AS __ps_one"  # no column: the rows only (a count)
    if id_column is None:
        return con.sql(f"SELECT {select} FROM ({raw})")
    pid = parse_sql(quote_ident(id_column), CellParse("text"), stored=stored.get(id_column))
    bounded = (
        f"SELECT * FROM (SELECT *, {pid} AS __ps_pid, row_number() OVER (PARTITION BY {pid} "
        f"ORDER BY {', '.join(_ORDER)}) AS __ps_k FROM ({raw})) "
        f"WHERE __ps_pid IS NULL OR __ps_k <= {int(max_rows)}"
    )
    return con.sql(f"SELECT {select} FROM ({bounded})")


def _spark_public(source, parses, stored, labels, id_column, max_rows):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = source.engine.spark
    path = Path(source.path)
    sdf = spark.read.parquet(*spark_paths(path)) if is_parquet(path) else spark_text_frame(spark, path)
    if id_column is not None:
        sdf = sdf.withColumn("__ps_row", F.monotonically_increasing_id())
        pid = parse_spark(F.col(backquote(id_column)), CellParse("text"), stored=stored.get(id_column))
        sdf = sdf.withColumn("__ps_pid", pid)
        w = Window.partitionBy("__ps_pid").orderBy("__ps_row")
        sdf = sdf.withColumn("__ps_k", F.row_number().over(w)).where(
            F.col("__ps_pid").isNull() | (F.col("__ps_k") <= int(max_rows))
        )
    cols = [
        parse_spark(F.col(backquote(c)), p, stored=stored.get(c)).alias(c) for c, p in parses.items()
    ]
    for c, fn in labels.items():
        udf = F.pandas_udf(lambda s, _fn=fn: _fn(s).astype(object), "string")
        cols.append(udf(F.col(backquote(c))).alias(c))
    return sdf.select(*(cols or [F.lit(1).alias("__ps_one")]))


def stored_types(source: Any) -> dict[str, str | None]:
    """The value types a source's storage declares: a Parquet file's schema, a DataFrame's
    dtypes; a CSV file declares none (every cell is text, whichever engine reads it)."""
    path = Path(source.path) if source.path is not None else None
    if path is None or not is_parquet(path):
        if source.in_memory and path is None:
            frame = source.frame
            return {str(c): _dtype_type(frame[c].dtype) for c in frame.columns}
        return {c: None for c in source.columns}
    import pyarrow.parquet as pq

    schema = pq.read_schema(parquet_files(path)[0])
    empty = schema.empty_table().to_pandas()
    return {str(c): _dtype_type(empty[c].dtype) for c in empty.columns}


def _dtype_type(dtype: Any) -> str | None:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return None


__all__ = ["Conversion", "private_view", "public_view", "stored_types", "typed_sample"]
