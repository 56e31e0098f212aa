"""Typed views of a table for the streamed anonymize path: the same values, in the same pandas
dtypes, whether the table sits in memory or in a CSV / Parquet file read chunk by chunk.

The release of a file must not depend on how it was read. The memory path reads a file with
`privsynth.io.read_table` (CSV as text, then one type conversion); a `FileReader` reads the same
file in chunks with the same options and converts every chunk, and every table an engine counts
(groups of rows by their values), with the one conversion, so that a value is the same Python
object in a chunk, in a group key and in memory. Types are inferred from a uniform row sample;
a chunk value that does not fit the inferred type is refused rather than silently coerced.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from privsynth.engine import MemoryEngine
from privsynth.engine.duckdb_engine import quote_ident
from privsynth.engine.source import TableSource
from privsynth.engine.typed import (
    SAMPLE_ROWS,
    arrow_table,
    csv_dialect,
    file_sql,
    is_parquet,
    readable,
    sample_file,
    text_tables,
)
from privsynth.errors import InputError, row_of
from privsynth.io.read import parser_message
from privsynth.io.schema import ColumnType, Schema, convert_columns, infer_schema

_TYPED = (ColumnType.INTEGER, ColumnType.FLOAT, ColumnType.BOOLEAN, ColumnType.DATETIME)


class TableReader:
    """What the anonymize plan asks of a table (implemented for DataFrames and files)."""

    columns: list[str]
    in_memory: bool = False

    def sample(self, n: int = SAMPLE_ROWS) -> pd.DataFrame:
        raise NotImplementedError

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        raise NotImplementedError

    def group_sizes(self, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """Distinct value combinations of `columns` (missing included) and their row counts."""
        raise NotImplementedError

    def distinct(self, column: str) -> pd.Series:
        return self.group_sizes([column])[0][column]

    def n_rows(self) -> int:
        raise NotImplementedError

    def max_rows_per_value(self, column: str) -> int:
        raise NotImplementedError

    def whole_numbers(self, column: str) -> bool:
        """Every present value is a whole number (how per-value noise decides to round)."""
        raise NotImplementedError

    def dates_only(self, column: str) -> bool:
        """No value of a datetime column has a time of day (how CSV output prints it)."""
        raise NotImplementedError


def _dates_only(s: pd.Series) -> bool:
    s = s.dropna()
    return bool(((s.dt.hour == 0) & (s.dt.minute == 0) & (s.dt.second == 0)).all())


def _whole(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    present = vals[~np.isnan(vals)]
    return bool(present.size and np.all(np.floor(present) == present))


class FrameReader(TableReader):
    """A DataFrame already in memory: every question is answered on the frame itself."""

    in_memory = True

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.columns = [str(c) for c in df.columns]

    def sample(self, n: int = SAMPLE_ROWS) -> pd.DataFrame:
        return self.df  # the memory path resolves the policy on the whole table, as before

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        for start in range(0, max(len(self.df), 1), max(int(rows), 1)):
            yield self.df.iloc[start : start + rows]

    def group_sizes(self, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        ec = MemoryEngine().equivalence_classes(self.df, list(columns))
        return ec.keys, ec.sizes.astype(np.int64)

    def distinct(self, column: str) -> pd.Series:
        return self.df[column].drop_duplicates().reset_index(drop=True)

    def n_rows(self) -> int:
        return len(self.df)

    def max_rows_per_value(self, column: str) -> int:
        return int(self.df[column].value_counts(dropna=False).max()) if len(self.df) else 0

    def whole_numbers(self, column: str) -> bool:
        return _whole(self.df[column])

    def dates_only(self, column: str) -> bool:
        return _dates_only(self.df[column])


class FileReader(TableReader):
    """A CSV or Parquet file: rows, sample and types from `privsynth.engine.typed`, counts
    through DuckDB, and a check that refuses chunk values off the sampled types.

    `con` is the DuckDB connection that runs the counting queries (the engine's own, so its
    memory limit and threads apply).
    """

    def __init__(self, path: str | Path, con: Any = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        if con is None:
            con = duckdb.connect(":memory:")
        self.con = con
        self.parquet = is_parquet(self.path)
        if self.parquet:
            self._open_parquet()
        else:
            self.columns = list(csv_dialect(self.path).names)
        self._from = file_sql(self.path)
        self._schema: Schema | None = None
        self._targets: dict[str, Any] | None = None

    # ------------------------------------------------------------------ opening
    def _open_parquet(self) -> None:
        try:
            self._pf = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(
                f"{self.path}: not a readable Parquet file ({parser_message(exc)})"
            ) from None
        arrow = self._pf.schema_arrow
        for f in arrow:
            if pa.types.is_nested(f.type):
                raise InputError(
                    f"{self.path}: column {f.name!r} holds nested values ({f.type}); "
                    "privsynth needs a flat table"
                )
        self.columns = [str(n) for n in arrow.names]

    # ------------------------------------------------------------------ typing
    def _arrow_to_pandas(self, table: pa.Table) -> pd.DataFrame:
        df = table.to_pandas()
        df.columns = self.columns
        return df

    def _raw_sample(self, n: int) -> pd.DataFrame:
        # One scan of the file per sample size: types, the policy and the plan share it.
        cache = self.__dict__.setdefault("_samples", {})
        if n not in cache:
            cache[n] = sample_file(self.con, self.path, n)
        return cache[n].copy()

    @property
    def schema(self) -> Schema:
        """Column types inferred from a uniform sample (as `read_table` infers on the table)."""
        if self._schema is None:
            self._schema = infer_schema(self._raw_sample(SAMPLE_ROWS))
        return self._schema

    def target_dtypes(self) -> dict[str, Any]:
        """The dtype each column has when the whole file is read into pandas at once."""
        if self._targets is None:
            targets: dict[str, Any] = {}
            if self.parquet:
                empty = self._arrow_to_pandas(self._pf.schema_arrow.empty_table())
                kinds = {c: empty[c].dtype for c in self.columns}
                # Whole-file conversion turns integers with a missing value into floats and
                # booleans into objects; a chunk without one would keep int / bool.
                check = [c for c, d in kinds.items() if isinstance(d, np.dtype) and d.kind in "iub"]
                nulls = self._null_counts(check)
                for c, d in kinds.items():
                    if nulls.get(c, 0) and d.kind in "iu":
                        d = np.dtype("float64")
                    elif nulls.get(c, 0) and d.kind == "b":
                        d = np.dtype(object)
                    targets[c] = d
            self._targets = targets
        return self._targets

    def _null_counts(self, cols: Sequence[str]) -> dict[str, int]:
        if not cols:
            return {}
        parts = ", ".join(f"count(*) - count({quote_ident(c)})" for c in cols)
        row = self.con.sql(f"SELECT {parts} FROM {self._from}").fetchall()[0]
        return dict(zip(cols, (int(v) for v in row), strict=True))

    def normalize(self, df: pd.DataFrame, *, rows_are: str = "rows") -> pd.DataFrame:
        """Give a chunk (or a table of group keys) the dtypes of the whole file in memory."""
        targets = self.target_dtypes()
        for c in df.columns:
            t = targets.get(c)
            if t is not None and df[c].dtype != t:
                df[c] = df[c].astype(t)
        schema = Schema({c: self.schema[c] for c in df.columns})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = convert_columns(df, schema)
        for c in df.columns:
            if schema[c].type not in _TYPED:
                continue
            raw = df[c]
            if not (pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw)):
                continue
            lost = out[c].isna().to_numpy() & raw.notna().to_numpy()
            lost &= raw.astype(str).str.strip().ne("").to_numpy()
            if lost.any():
                where = f"row {row_of(df.index, lost):,}" if rows_are == "rows" else "a value"
                raise InputError(
                    f"column {c!r}, {where}: not {schema[c].type} as the sampled rows "
                    "suggested; the streamed release refuses to coerce it (use the memory "
                    "engine, or clean the column)"
                )
        return out

    # ------------------------------------------------------------------ the questions
    def sample(self, n: int = SAMPLE_ROWS) -> pd.DataFrame:
        return self.normalize(self._raw_sample(n), rows_are="sample")

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        """The file's rows in chunks, each indexed by its rows' positions in the file (so an
        error names the row, as on the memory path)."""
        start = 0
        with readable(self.path):
            for table in text_tables(self.path, rows):
                chunk = self._arrow_to_pandas(table)
                chunk.index = pd.RangeIndex(start, start + len(chunk))
                start += len(chunk)
                yield self.normalize(chunk)

    def group_sizes(self, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        cols = ", ".join(quote_ident(c) for c in columns)
        rel = self.con.sql(
            f"SELECT {cols}, count(*) AS __ps_n FROM {self._from} GROUP BY ALL"
        )
        table = arrow_table(rel)
        counts = table.column("__ps_n").to_numpy().astype(np.int64)
        keys = table.drop(["__ps_n"]).to_pandas()
        keys.columns = list(columns)
        keys = self.normalize(keys, rows_are="groups")
        return keys.reset_index(drop=True), counts

    def n_rows(self) -> int:
        return int(self.con.sql(f"SELECT count(*) FROM {self._from}").fetchall()[0][0])

    def max_rows_per_value(self, column: str) -> int:
        row = self.con.sql(
            f"SELECT max(n) FROM (SELECT count(*) AS n FROM {self._from} "
            f"GROUP BY {quote_ident(column)})"
        ).fetchall()[0][0]
        return int(row or 0)

    def whole_numbers(self, column: str) -> bool:
        if pd.api.types.is_integer_dtype(self.target_dtypes().get(column, np.dtype(object))):
            return True
        if self.schema[column].type is ColumnType.INTEGER:
            return True
        x = f"TRY_CAST({quote_ident(column)} AS DOUBLE)"
        row = self.con.sql(
            f"SELECT count({x}), coalesce(bool_and({x} = floor({x})), false) FROM {self._from}"
        ).fetchall()[0]
        return bool(row[0]) and bool(row[1])

    def dates_only(self, column: str) -> bool:
        if self.parquet:
            q = quote_ident(column)
            row = self.con.sql(
                f"SELECT coalesce(bool_and(CAST({q} AS TIMESTAMP) = date_trunc('day', "
                f"CAST({q} AS TIMESTAMP))), true) FROM {self._from}"
            ).fetchall()[0][0]
            return bool(row)
        cs = self.schema[column]
        if not any(tok in f for f in (cs.formats or [cs.format or ""]) for tok in ("%H", "%M", "%S")):
            return True
        # Formats with a time of day: look at the values (one pass over this column only).
        return all(_dates_only(ch[column]) for ch in self.chunks(1_000_000))


def reader_for(source: TableSource) -> TableReader:
    """The reader of a `TableSource` (memory: the frame; DuckDB: the file)."""
    if source.in_memory:
        df = source.frame.copy()
        df.columns = [str(c) for c in df.columns]
        return FrameReader(df)
    if source.path is None:
        raise InputError("the streamed release needs a CSV or Parquet file (or a DataFrame)")
    if Path(source.path).is_dir():
        raise InputError(f"{source.path}: a folder of Parquet files is not supported here yet")
    return FileReader(source.path, getattr(source.engine, "con", None))


__all__ = ["FileReader", "FrameReader", "TableReader", "reader_for"]
