"""A file's rows as privsynth's own reader would type them, without loading the file.

`privsynth.io.read_table` reads every CSV column as text and converts it with one type
inference (`infer_schema` + `convert_columns`): ZIP codes keep their leading zeros, dates get
one format. DuckDB and Spark infer types their own way. For the answers of every stage at scale
(scan, audit, streamed anonymize, DP synthesis) to agree with the memory path, this module is
the one place that reads a file as `read_table` does: the CSV dialect (`csv_dialect`, with
`read_table`'s sniffing), the file as text in DuckDB (`file_sql`, `text_data`), a raw row sample
(`raw_sample`) and the Schema inferred from it (`typed_sample`), and the rows in file order
chunk by chunk (`text_tables`, `typed_chunks`).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from privsynth.engine.paths import (
    check_flat_parquet,
    duckdb_files_sql,
    hadoop_literal_path,
    parquet_files,
)
from privsynth.engine.paths import is_parquet as _is_parquet
from privsynth.engine.sql import sql_literal
from privsynth.errors import InputError
from privsynth.io.read import (
    MAX_ROW_BYTES,
    NA_TOKENS,
    csv_error,
    has_header,
    header_names,
    literal_path,
    parser_message,
    sniff_delimiter,
    sniff_head,
)
from privsynth.io.schema import Schema, convert_columns, infer_schema
from privsynth.settings import chunk_rows

if TYPE_CHECKING:
    from privsynth.engine.source import TableSource

_parsed = itertools.count()

SAMPLE_ROWS = 20_000
# pyarrow's parse block when a CSV is streamed: a row (a long cell) may not be longer.
STREAM_BLOCK_BYTES = 16 * 1024 * 1024


def is_parquet(path: Path) -> bool:
    """A Parquet file or a folder of Parquet files (anything else is read as CSV)."""
    return _is_parquet(Path(path))


def is_csv(source: TableSource) -> bool:
    return source.path is not None and not is_parquet(source.path)


# ------------------------------------------------------------------------------ dialect
@dataclass(frozen=True)
class CsvDialect:
    """How `read_table` reads a CSV: delimiter, header, the column names it gives (stripped, or
    col_1.. without a header) and the names pyarrow parses (`raw_names`)."""

    delimiter: str
    header: bool
    names: tuple[str, ...]
    raw_names: tuple[str, ...]


_DIALECTS: dict[tuple[str, float, int], CsvDialect] = {}


def csv_dialect(path: Path) -> CsvDialect:
    """The dialect `read_table` sniffs (`privsynth.io.read`'s sniffer); bad heads refused.

    DuckDB's own sniffer reads a ragged file as one wide column; with the dialect given it
    refuses it like `read_table` does.
    """
    import pyarrow.csv as pacsv


    path = Path(path)
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key in _DIALECTS:
        return _DIALECTS[key]
    text, encoding = sniff_head(path)
    if encoding != "utf-8":  # DuckDB and pyarrow would have to agree on every byte's decoding
        raise InputError(f"{path}: not utf-8; files at scale are read as utf-8 CSV only")
    delimiter = sniff_delimiter(text)
    header = has_header(text, delimiter)
    probe = None
    for block in (1 << 20, MAX_ROW_BYTES):  # the default block first; long rows need more
        try:
            probe = pacsv.open_csv(
                literal_path(path),
                read_options=pacsv.ReadOptions(
                    autogenerate_column_names=not header, block_size=block
                ),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"'),
            )
            break
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < MAX_ROW_BYTES:
                continue
            raise csv_error(path, exc, delimiter=delimiter) from None
    raw = tuple(probe.schema.names)
    probe.close()
    names = tuple(str(c).strip() for c in raw) if header else tuple(
        f"col_{i + 1}" for i in range(len(raw))
    )
    _DIALECTS[key] = CsvDialect(delimiter, header, names, raw)
    return _DIALECTS[key]


def header_dialect(path: Path) -> CsvDialect:
    """The dialect decided from the header line alone (`io.read.header_names`): what
    synthesize mode reads with, so that no value of the table decides how it is parsed."""
    names, delimiter = header_names(Path(path))
    return CsvDialect(delimiter, True, tuple(names), tuple(names))


def csv_sql(path: Path, *, parallel: bool = True, dialect: CsvDialect | None = None) -> str:
    """A DuckDB `read_csv(...)` of the file as `read_table` reads it: the sniffed dialect (or
    `dialect`), every column text, its NA tokens missing (quoted ones kept). `parallel=False`
    keeps file order for a row numbering."""
    d = dialect or csv_dialect(path)
    names = "[" + ", ".join(sql_literal(c) for c in d.names) + "]"
    nulls = "[" + ", ".join(sql_literal(t) for t in NA_TOKENS) + "]"
    order = "" if parallel else ", parallel = false"
    return (
        f"read_csv({duckdb_files_sql(path)}, delim = {sql_literal(d.delimiter)}, "
        f"header = {str(d.header).lower()}, names = {names}, all_varchar = true, "
        f"nullstr = {nulls}, allow_quoted_nulls = false, quote = '\"', escape = '\"', "
        f"max_line_size = {MAX_ROW_BYTES}{order})"
    )


def file_sql(path: Path) -> str:
    """A DuckDB table function reading the file (CSV as text, Parquet as typed); the path is
    taken literally (`privsynth.engine.paths`)."""
    if is_parquet(path):
        return f"read_parquet({duckdb_files_sql(path)})"
    return csv_sql(path)


@contextmanager
def readable(path: Path | None) -> Iterator[None]:
    """DuckDB's and pyarrow's errors on a malformed file as the one-line InputError
    `read_table` gives."""
    import duckdb

    try:
        yield
    except (duckdb.Error, pa.ArrowInvalid) as exc:
        if path is not None and not is_parquet(Path(path)):
            d = csv_dialect(Path(path))
            raise csv_error(Path(path), exc, delimiter=d.delimiter) from None
        raise InputError(f"{path}: not a readable Parquet file: {parser_message(exc)}") from None


def arrow_table(rel: Any) -> pa.Table:
    """A DuckDB relation's rows as one Arrow table (newer DuckDB hands back a reader)."""
    fetch = getattr(rel, "to_arrow_table", None) or getattr(rel, "fetch_arrow_table", None)
    table = fetch() if fetch is not None else rel.arrow()
    return table if isinstance(table, pa.Table) else table.read_all()


def _parquet_files(path: Path) -> list[Path]:
    return parquet_files(path)


def _to_pandas(table: pa.Table, path: Path) -> pd.DataFrame:
    """Arrow rows as pandas the way `read_table` converts them (Parquet: with the file's own
    schema and pandas metadata, e.g. Int64; CSV: the dialect's column names)."""
    if is_parquet(path):
        files = _parquet_files(path)
        if files:
            import pyarrow.parquet as pq

            schema = pq.read_schema(files[0])
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
                table = table.cast(schema)
        df = table.to_pandas()
        df.columns = [str(c) for c in df.columns]
        return df
    df = table.to_pandas()
    df.columns = list(csv_dialect(path).names)
    return df


# ------------------------------------------------------------------------------ samples
def sample_file(con: Any, path: Path, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Up to `n` uniform rows of the file, CSV columns still text (all rows, in file order,
    if there are fewer). `con` is the DuckDB connection that reads it."""
    path = Path(path)
    if is_parquet(path):
        check_flat_parquet(path)
    with readable(path):
        rel = con.sql(f"SELECT * FROM {file_sql(path)}")
        total = int(rel.aggregate("count(*)").fetchall()[0][0])
        if total == 0:
            raise InputError(f"{path}: the file has columns but no rows")
        if total > n:
            rel = rel.query(
                "rel",
                f"SELECT * FROM rel USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({int(seed)})",
            )
        return _to_pandas(arrow_table(rel), path)


def raw_sample(source: TableSource, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Up to `n` uniform rows of a source, CSV columns still text (see `sample_file`)."""
    if source.in_memory:
        return source.sample(n, seed=seed)
    return sample_file(source._con(), source.path, n, seed=seed)


def type_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, Schema]:
    """`read_table`'s typing of raw rows: the schema inferred from them, and the rows converted."""
    raw.columns = [str(c) for c in raw.columns]
    schema = infer_schema(raw)
    return convert_columns(raw, schema, on_unfit="text").reset_index(drop=True), schema


def typed_sample(source: TableSource, n: int = SAMPLE_ROWS, *, seed: int = 0) -> tuple[pd.DataFrame, Schema]:
    """Up to `n` uniform rows typed as `read_table` types them, and the schema inferred.

    With fewer than `n` rows this is the whole table in file order: the same frame
    `read_table` returns.
    """
    rows = raw_sample(source, n, seed=seed)
    if source.in_memory:
        rows.columns = [str(c) for c in rows.columns]
        return rows, infer_schema(rows)
    return type_rows(rows)


# ------------------------------------------------------------------------------- chunks
def _text_batches(path: Path, rows: int) -> Iterator[pa.RecordBatch]:
    """The file's rows in file order as Arrow batches, CSV parsed by pyarrow as `read_table`
    parses it (every column text)."""
    import pyarrow.parquet as pq

    if is_parquet(path):
        for file in _parquet_files(path):
            yield from pq.ParquetFile(file).iter_batches(batch_size=rows, use_pandas_metadata=True)
        return
    import pyarrow.csv as pacsv

    d = csv_dialect(path)
    reader = pacsv.open_csv(
        literal_path(path),
        read_options=pacsv.ReadOptions(
            autogenerate_column_names=not d.header, block_size=STREAM_BLOCK_BYTES
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=d.delimiter, quote_char='"', newlines_in_values=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in d.raw_names},
            null_values=NA_TOKENS,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    yield from reader


def text_tables(path: Path, rows: int) -> Iterator[pa.Table]:
    """The file's rows in file order, exactly `rows` per table (the last one shorter; one empty
    table for a Parquet file without rows, so an output still gets its header)."""
    import pyarrow.parquet as pq

    path = Path(path)
    rows = max(int(rows), 1)
    files = _parquet_files(path) if is_parquet(path) else []
    arrow_schema = pq.read_schema(files[0]) if files else None
    meta = arrow_schema.metadata if arrow_schema is not None else None
    pending: list[pa.RecordBatch] = []
    held, yielded = 0, False

    def table(batches: list[pa.RecordBatch]) -> pa.Table:
        t = pa.Table.from_batches(batches)
        return t.replace_schema_metadata(meta) if meta else t

    for batch in _text_batches(path, rows):
        pending.append(batch)
        held += batch.num_rows
        while held >= rows:
            t = table(pending)
            yield t.slice(0, rows)
            yielded = True
            rest = t.slice(rows)
            pending, held = rest.to_batches(), rest.num_rows
    if held or (not yielded and pending):
        yield table(pending)
    elif not yielded and arrow_schema is not None:
        yield arrow_schema.empty_table()


def typed_chunks(
    source: TableSource, schema: Schema, rows: int | None = None
) -> Iterator[pd.DataFrame]:
    """Every row in file order, `rows` (default `chunk_rows()`) at a time, typed with `schema`
    (from `typed_sample`)."""
    rows = int(rows or chunk_rows())
    if source.in_memory:
        yield from source.chunks(rows)
        return
    done = 0
    with readable(source.path):
        for table in text_tables(source.path, rows):
            chunk = _to_pandas(table, source.path)
            yield convert_columns(chunk, schema, row_offset=done).reset_index(drop=True)
            done += len(chunk)


# ----------------------------------------------------------------------- engine data
def text_data(source: TableSource) -> Any:
    """What to hand `source.engine`'s methods so that CSV columns are counted as text.

    Memory: the DataFrame. DuckDB: a relation over the CSV read as text. Spark: the CSV read
    without schema inference. Parquet files carry their types and pass as they are.
    """
    if source.in_memory or not is_csv(source):
        return source.data
    if source.engine_name == "duckdb":
        con = source.engine.con  # the engine's own connection: relations are per connection
        return con.sql(f"SELECT * FROM {csv_sql(source.path)}")
    if source.engine_name == "spark":
        return spark_text_frame(source.engine.spark, source.path)
    return source.data


@contextmanager
def parsed_text_data(source: TableSource) -> Iterator[Any]:
    """`text_data`, parsed once when several whole-column passes follow (the scan's).

    A CSV relation in DuckDB is re-parsed by every query; for a DuckDB CSV source the text
    columns are loaded once into a temporary table (spilled past the memory limit) and dropped
    afterwards. Other sources are yielded as `text_data` gives them.
    """
    data = text_data(source)
    if source.in_memory or source.engine_name != "duckdb" or not is_csv(source):
        yield data
        return
    con = source.engine.con
    name = f"__privsynth_parsed_{next(_parsed)}"
    with readable(source.path):
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {csv_sql(source.path)}")
    try:
        yield con.table(name)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def spark_text_frame(spark: Any, path: Path) -> Any:
    """The CSV as a Spark DataFrame read as `read_table` reads it: the sniffed dialect, the
    same column names, every column text, every NA token missing."""
    from pyspark.sql import functions as F

    d = csv_dialect(path)
    sdf = spark.read.csv(
        hadoop_literal_path(path),
        header=d.header,
        sep=d.delimiter,
        quote='"',
        escape='"',
        inferSchema=False,
    ).toDF(*d.names)
    # Spark has one null token per read: map the others to null as the reader does.
    return sdf.select(
        *[
            F.when(F.col(f"`{c}`").isin(NA_TOKENS), F.lit(None)).otherwise(F.col(f"`{c}`")).alias(c)
            for c in sdf.columns
        ]
    )


def check_readable(source: TableSource) -> None:
    """Read the head of a file source the way the streams will (cheap): bad files fail here."""
    if source.in_memory or source.path is None:
        return
    with readable(source.path):
        source._con().sql(f"SELECT * FROM {file_sql(source.path)}").limit(2).df()
