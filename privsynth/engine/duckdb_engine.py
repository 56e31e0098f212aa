"""Counting in DuckDB: embedded, out of core under a memory limit, over DataFrames or files.

Encoding and binning run in SQL (CASE over the public categories, comparisons with the public
bin edges), so raw rows never travel to Python; only the counts come back. All marginals of
one call come from a single scan that groups the rows by all the coded columns; the
marginals are then summed from the groups (GROUPING SETS when there are too many groups).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from privsynth.engine import base
from privsynth.engine.base import ColumnCounts, EquivalenceClasses, marginals_from_groups
from privsynth.engine.encoding import Bins, Categories, Encoder, KeyCategories
from privsynth.engine.paths import check_flat_parquet, duckdb_files_sql
from privsynth.engine.sql import quote_ident, sql_literal
from privsynth.errors import InputError

# Counting many cliques in one GROUPING SETS query keeps to one scan; very many sets make one
# huge aggregation, so they are cut into batches of this size.
_SETS_PER_QUERY = 32
_ROWID = "__privsynth_rowid"
_counter = itertools.count()


def code_sql(column: str, size: int, encoder: Encoder | None) -> str:
    """SQL expression giving the integer code of `column` (the rule of `encoding.py`)."""
    col = quote_ident(column)
    if isinstance(encoder, Categories):
        if not encoder.values:
            return "0"
        whens = " ".join(
            f"WHEN {col} = {sql_literal(v)} THEN {i}" for i, v in enumerate(encoder.values)
        )
        return f"(CASE {whens} ELSE {len(encoder.values)} END)"
    if isinstance(encoder, KeyCategories):
        return _key_categories_sql(col, encoder)
    if isinstance(encoder, Bins):
        x = f"TRY_CAST({col} AS DOUBLE)"
        if encoder.datetime:
            ts = col
            if encoder.date_format:
                ts = f"try_strptime(CAST({col} AS VARCHAR), {sql_literal(encoder.date_format)})"
            x = f"CAST(epoch_ns({ts}) AS DOUBLE)"
        reached = _edges_reached_sql(x, encoder.inner)
        return f"(CASE WHEN {x} IS NULL OR isnan({x}) THEN {encoder.n_bins} ELSE {reached} END)"
    return f"CAST({col} AS BIGINT)"


def _edges_reached_sql(x: str, inner: Sequence[float]) -> str:
    """How many of the sorted `inner` edges x reaches (x >= edge): a sum of comparisons for a
    few edges, a binary search of nested CASEs for many (thousands of grid edges would cost
    thousands of comparisons per row)."""
    if len(inner) <= 16:
        return " + ".join(f"CAST({x} >= {e!r} AS BIGINT)" for e in inner) or "0"

    def search(lo: int, hi: int) -> str:
        if lo == hi:
            return str(lo)
        mid = (lo + hi) // 2
        return f"(CASE WHEN {x} >= {inner[mid]!r} THEN {search(mid + 1, hi)} ELSE {search(lo, mid)} END)"

    return search(0, len(inner))


def _typed_literal(value: Any) -> str:
    if isinstance(value, float | np.floating) and not isinstance(value, bool):
        return f"CAST({sql_literal(repr(float(value)))} AS DOUBLE)"
    return sql_literal(value)


def _key_categories_sql(col: str, encoder: KeyCategories) -> str:
    """CASE over the typed public categories; missing first, then each category, else other."""
    missing = f"{col} IS NULL"
    if encoder.nan_missing:
        missing += f" OR isnan(CAST({col} AS DOUBLE))"
    whens = [f"WHEN {missing} THEN {encoder.missing_code}"]
    for value, code in encoder.typed:
        if isinstance(value, str):
            whens.append(f"WHEN CAST({col} AS VARCHAR) = {sql_literal(value)} THEN {code}")
        elif isinstance(value, float | np.floating):
            whens.append(f"WHEN CAST({col} AS DOUBLE) = {_typed_literal(value)} THEN {code}")
        else:
            whens.append(f"WHEN {col} = {sql_literal(value)} THEN {code}")
    return f"(CASE {' '.join(whens)} ELSE {encoder.other_code} END)"


class DuckDBEngine(base.EngineBase):
    """Counts with an embedded DuckDB connection.

    `data` may be a pandas DataFrame, a CSV or Parquet path (a folder of Parquet files too;
    paths are taken literally, never as glob patterns: `privsynth.engine.paths`), or a DuckDB
    relation. `memory_limit` (e.g. "1GB") caps DuckDB's memory; past
    it, aggregations spill to `temp_directory`.
    """

    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = "2GB",
        threads: int | None = None,
        temp_directory: str | os.PathLike[str] | None = None,
        connection: Any = None,
    ):
        import duckdb

        self.memory_limit = memory_limit
        self.threads = threads
        if connection is None:
            config: dict[str, Any] = {}
            if memory_limit:
                config["memory_limit"] = memory_limit
            if threads:
                config["threads"] = int(threads)
            if temp_directory:
                config["temp_directory"] = str(temp_directory)
            connection = duckdb.connect(":memory:", config=config)
            # DuckDB draws a progress bar on stderr for long queries; the CLI's stderr is ours.
            connection.execute("SET enable_progress_bar = false")
        self.con = connection

    # ------------------------------------------------------------------------- sources
    @contextmanager
    def _source(
        self, data: Any, columns: Sequence[str], *, rowid: bool = False
    ) -> Iterator[tuple[str, str | None]]:
        """Yield (FROM clause, row-number column or None) for `data`, restricted to `columns`."""
        cols = list(dict.fromkeys(columns))
        if isinstance(data, pd.DataFrame):
            missing = [c for c in cols if c not in data.columns]
            if missing:
                raise InputError(f"column {missing[0]!r} is not in the data")
            table = pa.Table.from_pandas(data[cols], preserve_index=False)
            if rowid:
                table = table.append_column(_ROWID, pa.array(np.arange(len(data), dtype=np.int64)))
            name = f"__privsynth_df_{next(_counter)}"
            self.con.register(name, table)
            try:
                yield quote_ident(name), _ROWID if rowid else None
            finally:
                self.con.unregister(name)
            return
        if isinstance(data, str | os.PathLike):
            # A path names one file or a folder of Parquet files, literally: never a glob.
            path = Path(data)
            if not path.exists():
                raise InputError(f"{path}: no such file")
            lit = duckdb_files_sql(path)
            if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
                check_flat_parquet(path)
                src = f"read_parquet({lit}, file_row_number = true)"
                self._check_columns(src, cols)
                yield src, "file_row_number" if rowid else None
                return
            src = f"read_csv({lit}, header = true)"
            self._check_columns(src, cols)
            if not rowid:
                yield src, None
                return
            # CSV scans have no row number: load once into a temporary table (insertion order
            # is preserved), whose rowid is the row's position in the file.
            name = f"__privsynth_csv_{next(_counter)}"
            self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {src}")
            try:
                yield f"(SELECT *, rowid AS {_ROWID} FROM {name})", _ROWID
            finally:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
            return
        if hasattr(data, "sql_query") and hasattr(data, "columns"):  # a DuckDB relation
            missing = [c for c in cols if c not in data.columns]
            if missing:
                raise InputError(f"column {missing[0]!r} is not in the data")
            if rowid:
                raise InputError("equivalence classes need a DataFrame or a file, not a relation")
            yield f"({data.sql_query()})", None
            return
        raise InputError(f"the duckdb engine cannot read a {type(data).__name__}")

    def _check_columns(self, src: str, cols: Sequence[str]) -> None:
        have = [d[0] for d in self.con.execute(f"SELECT * FROM {src} LIMIT 0").description]
        missing = [c for c in cols if c not in have]
        if missing:
            raise InputError(f"column {missing[0]!r} is not in the data")

    # ----------------------------------------------------------------------- marginals
    def marginals(
        self,
        data: Any,
        cliques: Sequence[Sequence[str]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> list[np.ndarray]:
        cliques, used, encoders = self._prepare(cliques, domain, encoders)
        used = sorted(used)
        out: list[np.ndarray | None] = [None] * len(cliques)
        with self._source(data, used) as (src, _):
            raw = [c for c in used if c not in encoders]
            if raw:
                self._check_codes(src, raw, domain)
            grouped = self._grouped(src, used, domain, encoders) if used else None
            if grouped is not None:
                return marginals_from_groups(grouped[0], grouped[1], cliques, domain)
            nonempty = [i for i, cl in enumerate(cliques) if cl]
            if len(nonempty) < len(cliques):
                total = self.con.execute(f"SELECT count(*) FROM {src}").fetchall()[0][0]
                for i, cl in enumerate(cliques):
                    if not cl:
                        out[i] = np.array(float(total))
            for start in range(0, len(nonempty), _SETS_PER_QUERY):
                batch = nonempty[start : start + _SETS_PER_QUERY]
                counts = self._grouping_sets(src, [cliques[i] for i in batch], domain, encoders)
                for i, arr in zip(batch, counts, strict=True):
                    out[i] = arr
        return out  # type: ignore[return-value]

    def _check_codes(self, src: str, cols: Sequence[str], domain: Mapping[str, int]) -> None:
        parts = []
        for c in cols:
            q = quote_ident(c)
            parts += [f"min({q})", f"max({q})", f"count(*) - count({q})"]
        row = self.con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchall()[0]
        for j, c in enumerate(cols):
            lo, hi, nulls = row[3 * j : 3 * j + 3]
            if nulls:
                raise InputError(f"column {c!r} has missing values; encode them as a code first")
            if lo is not None and (lo < 0 or hi >= domain[c]):
                # no values in the message: a code's value is a fact about the private data
                raise InputError(f"column {c!r} has a value outside its domain 0..{domain[c] - 1}")

    def _grouped(
        self, src: str, used: Sequence[str], domain: Mapping[str, int], encoders
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """Rows grouped by all coded columns (codes, counts); None past base.MAX_GROUPS groups."""
        codes = ", ".join(
            f"{code_sql(c, domain[c], encoders.get(c))} AS {quote_ident(c)}" for c in used
        )
        names = ", ".join(quote_ident(c) for c in used)
        res = self.con.execute(
            f"SELECT {names}, count(*) AS __ps_n FROM (SELECT {codes} FROM {src}) "
            f"GROUP BY ALL LIMIT {base.MAX_GROUPS + 1}"
        ).fetchnumpy()
        if len(res["__ps_n"]) > base.MAX_GROUPS:
            return None
        return {c: np.asarray(res[c], dtype=np.int64) for c in used}, np.asarray(res["__ps_n"])

    def _grouping_sets(
        self,
        src: str,
        cliques: Sequence[tuple[str, ...]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder],
    ) -> list[np.ndarray]:
        used = sorted({c for cl in cliques for c in cl})
        codes = ", ".join(
            f"{code_sql(c, domain[c], encoders.get(c))} AS {quote_ident(c)}" for c in used
        )
        flats = []
        for cl in cliques:
            expr, stride = [], 1
            for c in reversed(cl):  # row-major: the last column varies fastest
                expr.append(f"{quote_ident(c)} * {stride}" if stride > 1 else quote_ident(c))
                stride *= int(domain[c])
            flats.append(" + ".join(reversed(expr)))
        fcols = [f"f{i}" for i in range(len(cliques))]
        flat_sql = ", ".join(f"CAST({e} AS BIGINT) AS {f}" for e, f in zip(flats, fcols, strict=True))
        which = " ".join(f"WHEN {f} IS NOT NULL THEN {i}" for i, f in enumerate(fcols))
        sets = ", ".join(f"({f})" for f in fcols)
        sql = (
            f"SELECT CASE {which} END AS clique, COALESCE({', '.join(fcols)}) AS cell, "
            f"count(*) AS n FROM (SELECT {flat_sql} FROM (SELECT {codes} FROM {src})) "
            f"GROUP BY GROUPING SETS ({sets})"
        )
        res = self.con.execute(sql).fetchnumpy()
        clique = np.asarray(res["clique"], dtype=np.int64)
        cell = np.asarray(res["cell"], dtype=np.int64)
        n = np.asarray(res["n"], dtype=np.float64)
        out = []
        for i, cl in enumerate(cliques):
            shape = tuple(int(domain[c]) for c in cl)
            arr = np.zeros(int(np.prod(shape)), dtype=np.float64)
            sel = clique == i
            arr[cell[sel]] = n[sel]
            out.append(arr.reshape(shape))
        return out

    def grouped(
        self,
        data: Any,
        columns: Sequence[str],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        _, used, encoders = self._prepare([tuple(columns)], domain, encoders)
        with self._source(data, used) as (src, _):
            raw = [c for c in used if c not in encoders]
            if raw:
                self._check_codes(src, raw, domain)
            return self._grouped(src, used, domain, encoders)

    def key_counts(self, data: Any, column: str) -> dict[str, int]:
        q = quote_ident(column)
        with self._source(data, [column]) as (src, _):
            res = self.con.execute(
                f"SELECT {q} AS v, count(*) AS n FROM {src} WHERE {q} IS NOT NULL GROUP BY ALL"
            ).df()
        return base.counts_by_key(res["v"], res["n"])

    # --------------------------------------------------------------- equivalence classes
    def equivalence_classes(self, data: Any, columns: Sequence[str]) -> EquivalenceClasses:
        cols = list(columns)
        with self._source(data, cols, rowid=True) as (src, rid):
            n = self.con.execute(f"SELECT count(*) FROM {src}").fetchall()[0][0]
            if not cols:
                return EquivalenceClasses(
                    np.zeros(n, dtype=np.int64), np.array([n]), pd.DataFrame(index=[0])
                )
            qcols = ", ".join(quote_ident(c) for c in cols)
            on = " AND ".join(
                f"s.{quote_ident(c)} IS NOT DISTINCT FROM k.{quote_ident(c)}" for c in cols
            )
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE __privsynth_classes AS "
                f"SELECT {qcols}, __ps_size, __ps_first, row_number() OVER (ORDER BY __ps_first) - 1 AS __ps_label "
                f"FROM (SELECT {qcols}, count(*) AS __ps_size, min({rid}) AS __ps_first "
                f"FROM {src} GROUP BY ALL)"
            )
            try:
                cls = self.con.execute(
                    "SELECT __ps_size, __ps_first FROM __privsynth_classes ORDER BY __ps_label"
                ).fetchnumpy()
                pairs = self.con.execute(
                    f"SELECT s.{rid} AS rid, k.__ps_label AS label FROM {src} s "
                    f"JOIN __privsynth_classes k ON {on}"
                ).fetchnumpy()
                if isinstance(data, pd.DataFrame):
                    first = np.asarray(cls["__ps_first"], dtype=np.int64)
                    keys = data.iloc[first][cols].reset_index(drop=True)
                else:
                    keys = self.con.execute(
                        f"SELECT {qcols} FROM __privsynth_classes ORDER BY __ps_label"
                    ).df()
            finally:
                self.con.execute("DROP TABLE IF EXISTS __privsynth_classes")
        labels = np.empty(n, dtype=np.int64)
        labels[np.asarray(pairs["rid"], dtype=np.int64)] = np.asarray(pairs["label"], dtype=np.int64)
        return EquivalenceClasses(labels, np.asarray(cls["__ps_size"], dtype=np.int64), keys)

    # ------------------------------------------------------------------ column statistics
    def column_stats(self, data: Any, columns: Sequence[str]) -> dict[str, ColumnCounts]:
        cols = list(dict.fromkeys(columns))
        if not cols:
            return {}
        with self._source(data, cols) as (src, _):
            types = {
                d[0]: str(d[1]) for d in self.con.execute(f"SELECT * FROM {src} LIMIT 0").description
            }
            parts = ["count(*)"]
            for c in cols:
                q = quote_ident(c)
                # NaN is a value to DuckDB but missing to pandas: count it as missing.
                ok = f" FILTER (WHERE NOT isnan({q}))" if types.get(c) in ("DOUBLE", "FLOAT") else ""
                parts += [f"count(DISTINCT {q}){ok}", f"count(*) - count({q}){ok}"]
            row = self.con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchall()[0]
        n = int(row[0])
        return {
            c: ColumnCounts(n, int(row[1 + 2 * j]), int(row[2 + 2 * j])) for j, c in enumerate(cols)
        }

    # ------------------------------------------------------------------- value samples
    def sample_values(self, data: Any, column: str, n: int, *, seed: int = 0) -> pd.Series:
        q = quote_ident(column)
        with self._source(data, [column]) as (src, _):
            top = self.con.execute(
                f"SELECT {q} FROM (SELECT {q}, count(*) AS c FROM {src} WHERE {q} IS NOT NULL "
                f"GROUP BY {q}) ORDER BY c DESC, {q} LIMIT {int(n)}"
            ).df()[column]
            if len(top) >= n:
                return top.rename(column).reset_index(drop=True)
            rest = self.con.execute(
                f"SELECT {q} FROM (SELECT {q} FROM {src} WHERE {q} IS NOT NULL) "
                f"USING SAMPLE reservoir({int(n) - len(top)} ROWS) REPEATABLE ({int(seed)})"
            ).df()[column]
        return pd.concat([top, rest], ignore_index=True).rename(column)
