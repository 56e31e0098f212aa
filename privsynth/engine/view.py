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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from privsynth.engine.paths import duckdb_files_sql, spark_paths
from privsynth.engine.spark_engine import backquote, java_format
from privsynth.engine.sql import quote_ident, sql_literal
from privsynth.engine.typed import (
    SAMPLE_ROWS,
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


def _raw_sql(path: Path) -> str:
    """A DuckDB subquery with the file's columns as `read_table` reads them (before type
    conversion) plus the file-order columns __ps_file, __ps_row."""
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
        f"FROM {csv_sql(path, parallel=False)}"
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
