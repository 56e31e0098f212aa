"""File paths handed to DuckDB and Spark exactly as named: never read as glob patterns.

Both engines expand wildcards in the paths their readers take: DuckDB's `read_csv('t[1].csv')`
reads `t1.csv`, `read_csv('p*.csv')` reads every file starting with `p`, and Hadoop (under
Spark) does the same with `{a,b}` and `\\`. A user who names one file must get that file and
nothing else, so every path goes through this module on its way to an engine:

- DuckDB: each of its glob characters (`*`, `?`, `[`) is wrapped in a one-character class
  (`[*]`, `[?]`, `[[]`), which DuckDB's globbing matches literally (a path without them is not
  globbed at all). Paths are made absolute first, so `~` or a `scheme://` look-alike is a
  local name, not the home folder or a remote file system. A name with a backslash and a
  glob character cannot be expressed to DuckDB (its glob has no literal backslash): refused.
- Spark/Hadoop: each glob character (`\\ { } [ ] * ?`) gets a backslash, Hadoop's escape, and
  the path becomes a `file://` URI, so a `:` in a name is not read as a scheme.
- A folder of Parquet files is listed here, in Python (sorted by name, `*.parquet` only), and
  the engines get the list: the folder's own name is never a pattern either.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from privsynth.engine.sql import sql_literal
from privsynth.errors import InputError
from privsynth.io.read import check_flat, parser_message

_DUCKDB_GLOB = re.compile(r"([*?\[])")
_HADOOP_GLOB = re.compile(r"([\\{}\[\]*?])")


def absolute(path: str | os.PathLike[str]) -> str:
    """`path` made absolute without resolving symlinks (what the user named, from the root)."""
    return os.path.abspath(os.fspath(path))


def duckdb_literal_path(path: str | os.PathLike[str]) -> str:
    """A path string DuckDB's readers take as naming exactly this one file.

    DuckDB's globbing has no way to match a literal backslash, so a path holding both a
    backslash and a glob character cannot be named: refused with a clear error.
    """
    full = absolute(path)
    if "\\" in full and _DUCKDB_GLOB.search(full):
        raise InputError(
            f"{path}: DuckDB cannot read a path with both '\\' and one of * ? [ in it; rename it "
            "or use --engine memory"
        )
    return _DUCKDB_GLOB.sub(r"[\1]", full)


def hadoop_literal_path(path: str | os.PathLike[str]) -> str:
    """A path string Spark's readers (Hadoop globbing) take as naming exactly this file.

    Hadoop cannot name a file with `:` in it (its checksum file `.x:y.crc` becomes a "relative
    path in an absolute URI"): such a path is refused with a clear error.
    """
    full = absolute(path)
    if ":" in full:
        raise InputError(
            f"{path}: Spark cannot read a path with ':' in it; rename it or use --engine duckdb"
        )
    return "file://" + _HADOOP_GLOB.sub(r"\\\1", full)


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """A Parquet file or a folder of Parquet files (anything else is read as CSV)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in (".parquet", ".pq")


def parquet_files(path: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files of `path`: the file itself, or a folder's `*.parquet` files sorted by
    name (listed by Python, so nothing in the folder's name is a pattern); none is an error."""
    p = Path(absolute(path))  # absolute: pyarrow would expand a leading ~
    if not p.is_dir():
        return [p]
    files = sorted(f for f in p.iterdir() if f.suffix == ".parquet" and f.is_file())
    if not files:
        raise InputError(f"{path}: a folder without .parquet files")
    return files


def duckdb_files_sql(path: str | os.PathLike[str]) -> str:
    """The first argument of `read_parquet(...)`/`read_csv(...)` for `path`: one quoted literal
    path, or a list of them for a folder of Parquet files."""
    p = Path(path)
    if p.is_dir():
        files = parquet_files(p)
        if len(files) == 1:
            return sql_literal(duckdb_literal_path(files[0]))
        return "[" + ", ".join(sql_literal(duckdb_literal_path(f)) for f in files) + "]"
    return sql_literal(duckdb_literal_path(p))


def spark_paths(path: str | os.PathLike[str]) -> list[str]:
    """The arguments of `spark.read.parquet(*paths)` / `spark.read.csv(paths)` for `path`."""
    p = Path(path)
    if p.is_dir():
        return [hadoop_literal_path(f) for f in parquet_files(p)]
    return [hadoop_literal_path(p)]


def check_flat_parquet(path: str | os.PathLike[str]) -> None:
    """Refuse a Parquet file (or folder) with nested columns before an engine reads it, with
    the one-line error the memory reader gives (an engine would fail later, on a row sample)."""
    for file in parquet_files(path):
        try:
            schema = pq.read_schema(file)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{file}: not a readable Parquet file ({parser_message(exc)})") from None
        check_flat(schema, Path(path))
