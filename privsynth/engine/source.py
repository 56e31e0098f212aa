"""A table a stage reads: a DataFrame in memory, or a file an engine reads without loading it.

`open_source` picks the engine (`auto`: DuckDB for files over AUTO_DUCKDB_BYTES, memory
otherwise) and every stage then asks the source for what it needs: counts through
`source.engine`, a row sample for type inference and the scan, or the rows chunk by chunk for
transforms that stream. Only the memory source ever holds the whole table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from privsynth.engine import ENGINES, _is_large_file, get_engine
from privsynth.engine.base import CountingEngine
from privsynth.engine.paths import check_flat_parquet, duckdb_files_sql
from privsynth.engine.paths import is_parquet as _is_parquet
from privsynth.engine.typed import csv_dialect, typed_chunks, typed_sample
from privsynth.errors import InputError
from privsynth.io import read_table
from privsynth.settings import DEFAULT_CHUNK_ROWS, chunk_rows

__all__ = ["DEFAULT_CHUNK_ROWS", "TableSource", "chunk_rows", "open_source"]

def __getattr__(name: str) -> Any:
    # `from privsynth.engine.source import CHUNK_ROWS` reads the variable at that moment.
    if name == "CHUNK_ROWS":
        return chunk_rows()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class TableSource:
    """Where a table lives and which engine counts over it.

    `data` is what the engine's methods take: the DataFrame for `memory`, the file path for
    DuckDB and Spark. `path` is the input file when there is one (for the manifest's hash).
    """

    data: Any
    engine: CountingEngine
    path: Path | None = None
    _columns: list[str] | None = field(default=None, repr=False)

    @property
    def engine_name(self) -> str:
        return self.engine.name

    @property
    def in_memory(self) -> bool:
        return isinstance(self.data, pd.DataFrame)

    @property
    def frame(self) -> pd.DataFrame:
        """The whole table; only for in-memory sources (large files never load whole)."""
        if not self.in_memory:
            raise InputError(f"the {self.engine_name} source is not held in memory")
        return self.data

    @property
    def columns(self) -> list[str]:
        if self._columns is None:
            if self.in_memory:
                self._columns = [str(c) for c in self.data.columns]
            elif self.path is not None and not _is_parquet(self.path):
                self._columns = list(csv_dialect(self.path).names)  # as read_table names them
            else:
                self._columns = list(self._duck_relation().columns)
        return list(self._columns)

    def n_rows(self) -> int:
        """The exact row count: a private statistic, for internal use only (never released)."""
        if self.in_memory:
            return len(self.data)
        return int(self._duck_relation().aggregate("count(*)").fetchall()[0][0])

    def sample(self, n: int, *, seed: int = 0) -> pd.DataFrame:
        """Up to `n` uniform rows (all rows when there are fewer), typed as `read_table` types them."""
        if self.in_memory:
            df = self.data
            return df if len(df) <= n else df.sample(n=n, random_state=seed).sort_index()
        return typed_sample(self, n, seed=seed)[0]

    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The rows in file order, `rows` (default `chunk_rows()`) at a time, typed from a row
        sample's schema."""
        rows = int(rows or chunk_rows())
        if self.in_memory:
            for start in range(0, max(len(self.data), 1), rows):
                yield self.data.iloc[start : start + rows]
            return
        yield from typed_chunks(self, typed_sample(self)[1], rows)

    # ------------------------------------------------------------------ file access
    def _con(self):
        con = getattr(self.engine, "con", None) or getattr(self, "_own_con", None)
        if con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            self._own_con = con
        return con

    def _duck_relation(self):
        """A DuckDB relation over the file (used for sampling and chunks by every file source)."""
        if self.path is None:
            raise InputError("this source has no file to read")
        lit = duckdb_files_sql(self.path)
        if _is_parquet(self.path):
            return self._con().sql(f"SELECT * FROM read_parquet({lit})")
        return self._con().sql(f"SELECT * FROM read_csv({lit}, header = true)")


def open_source(
    data: str | os.PathLike[str] | pd.DataFrame,
    engine: str = "auto",
    *,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    load: Any = None,
) -> TableSource:
    """Open `data` (a DataFrame or a CSV/Parquet path) for the engine `engine`.

    `auto` reads small files and DataFrames into memory and leaves files larger than
    AUTO_DUCKDB_BYTES to DuckDB. `load` (default `privsynth.io.read_table`) reads a file for
    the memory engine, with privsynth's own CSV sniffing and type inference.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if isinstance(data, pd.DataFrame):
        if engine in ("auto", "memory"):
            return TableSource(data, get_engine("memory"))
        if engine == "duckdb":
            return TableSource(data, get_engine("duckdb", memory_limit=memory_limit or "2GB"))
        opts = {"master": spark_master} if spark_master else {}
        return TableSource(data, get_engine("spark", **opts))
    path = Path(data)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if engine == "auto":
        engine = "duckdb" if _is_large_file(path) else "memory"
    if engine == "memory":
        if load is None:
            load = read_table
        return TableSource(load(path), get_engine("memory"), path=path)
    if not path.is_dir() and not path.is_file():
        raise InputError(f"{path}: not a regular file (a device, pipe or socket)")
    if _is_parquet(path):
        check_flat_parquet(path)
    if engine == "duckdb":
        return TableSource(path, get_engine("duckdb", memory_limit=memory_limit or "2GB"), path=path)
    opts = {"master": spark_master} if spark_master else {}
    return TableSource(path, get_engine("spark", **opts), path=path)
