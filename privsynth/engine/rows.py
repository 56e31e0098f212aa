"""A file's rows as privsynth's own reader would type them, without loading the file.

`privsynth.io.read_table` reads every CSV column as text and converts it with one type
inference (`infer_schema` + `convert_columns`): ZIP codes keep their leading zeros, dates get
one format. DuckDB and Spark infer types their own way. For the answers of the scan and the
audit to agree across engines, the file engines look at CSVs as text too (`text_data`) and
rows pulled to the driver (samples, chunks) get the reader's conversion (`typed_sample`,
`typed_chunks`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from privsynth.engine.source import CHUNK_ROWS, TableSource
from privsynth.errors import InputError
from privsynth.io.schema import Schema, convert_columns, infer_schema


def is_csv(source: TableSource) -> bool:
    path = source.path
    if path is None or path.is_dir():
        return False
    return path.suffix.lower() not in (".parquet", ".pq")


_DIALECTS: dict[tuple[str, float], tuple[str, bool, int]] = {}


def _dialect(path: Path) -> tuple[str, bool, int]:
    """(delimiter, header, columns) sniffed as `read_table` sniffs them; bad heads refused.

    DuckDB's own sniffer reads a ragged file as one wide column; with the dialect given it
    refuses it like `read_table` does.
    """
    from privsynth.io.read import _SNIFF_BYTES, _has_header, sniff_delimiter

    key = (str(path), path.stat().st_mtime)
    if key in _DIALECTS:
        return _DIALECTS[key]
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    if b"\x00" in head:
        raise InputError(f"{path}: looks like a binary file, expected CSV text")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    header = _has_header(text, delimiter)
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    _DIALECTS[key] = (delimiter, header, len(first))
    return _DIALECTS[key]


def _csv_sql(path: Path) -> str:
    from privsynth.engine.duckdb_engine import sql_literal
    from privsynth.io.read import NA_TOKENS

    delimiter, header, n_cols = _dialect(path)
    nulls = ", ".join(sql_literal(t) for t in NA_TOKENS)
    names = "" if header else (
        ", names = [" + ", ".join(sql_literal(f"col_{i + 1}") for i in range(n_cols)) + "]"
    )
    return (
        f"read_csv({sql_literal(str(path))}, header = {str(header).lower()}, "
        f"delim = {sql_literal(delimiter)}, quote = '\"', all_varchar = true, "
        f"nullstr = [{nulls}]{names})"
    )


@contextmanager
def _readable(source: TableSource) -> Iterator[None]:
    """DuckDB's errors on a malformed file as the one-line InputError `read_table` gives."""
    import duckdb

    try:
        yield
    except duckdb.Error as exc:
        what = "malformed CSV" if is_csv(source) else "not a readable Parquet file"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source.path}: {what}: {first}") from None


def _text_relation(source: TableSource):
    """A DuckDB relation over the file with CSV columns as text (NA tokens as missing)."""
    if not is_csv(source):
        return source._duck_relation()
    return source._con().sql(f"SELECT * FROM {_csv_sql(source.path)}")


def text_data(source: TableSource) -> Any:
    """What to hand `source.engine`'s methods so that CSV columns are counted as text.

    Memory: the DataFrame. DuckDB: a relation over the CSV read as text. Spark: the CSV read
    without schema inference. Parquet files carry their types and pass as they are.
    """
    if source.in_memory or not is_csv(source):
        return source.data
    if source.engine_name == "duckdb":
        con = source.engine.con  # the engine's own connection: relations are per connection
        return con.sql(f"SELECT * FROM {_csv_sql(source.path)}")
    if source.engine_name == "spark":
        from pyspark.sql import functions as F

        from privsynth.io.read import NA_TOKENS

        sdf = source.engine.spark.read.csv(str(source.path), header=True)
        # Spark has one null token per read: map the others to null as the reader does.
        return sdf.select(
            *[
                F.when(F.col(f"`{c}`").isin(NA_TOKENS), F.lit(None)).otherwise(F.col(f"`{c}`")).alias(c)
                for c in sdf.columns
            ]
        )
    return source.data


def _convert(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The reader's conversion for the columns the schema knows (text columns only)."""
    return convert_columns(df, schema).reset_index(drop=True)


def check_readable(source: TableSource) -> None:
    """Read the head of a file source the way the streams will (cheap): bad files fail here."""
    if source.in_memory or source.path is None:
        return
    with _readable(source):
        _text_relation(source).limit(2).df()


def raw_sample(source: TableSource, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Up to `n` uniform rows, CSV columns still text (all rows, in file order, if fewer)."""
    if source.in_memory:
        return source.sample(n, seed=seed)
    with _readable(source):
        rel = _text_relation(source)
        total = int(rel.aggregate("count(*)").fetchall()[0][0])
        if total == 0:
            raise InputError(f"{source.path}: the file has columns but no rows")
        if total <= n:
            return rel.df()  # the whole (small) table in file order
        query = f"SELECT * FROM rel USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({int(seed)})"
        return rel.query("rel", query).df()


def typed_sample(source: TableSource, n: int, *, seed: int = 0) -> tuple[pd.DataFrame, Schema]:
    """Up to `n` uniform rows typed as `read_table` types them, and the schema inferred.

    With fewer than `n` rows this is the whole table in file order: the same frame
    `read_table` returns.
    """
    rows = raw_sample(source, n, seed=seed)
    rows.columns = [str(c) for c in rows.columns]
    if source.in_memory:
        return rows, infer_schema(rows)
    schema = infer_schema(rows)
    return _convert(rows, schema), schema


def typed_chunks(
    source: TableSource, schema: Schema, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Every row in file order, `rows` at a time, typed with `schema` (from `typed_sample`)."""
    if source.in_memory:
        yield from source.chunks(rows)
        return
    with _readable(source):
        reader = _text_relation(source).to_arrow_reader(rows)
        for batch in reader:
            chunk = batch.to_pandas()
            chunk.columns = [str(c) for c in chunk.columns]
            yield _convert(chunk, schema)
