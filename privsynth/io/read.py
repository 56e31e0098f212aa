"""Read a table from CSV, Parquet or a DataFrame into pandas, with clear errors on bad input.

CSV parsing goes through pyarrow (multithreaded, and strict about ragged rows); the delimiter
is sniffed, the header guessed, utf-8 tried before latin-1. Every column is read as text and
then converted by `schema.infer_schema`, so type decisions live in one place.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from privsynth.errors import InputError
from privsynth.io.schema import Schema, convert_columns, infer_schema

NA_TOKENS = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "#N/A"]
_SNIFF_BYTES = 256 * 1024
_DELIMITERS = [",", ";", "\t", "|"]


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    infer_types: bool = True,
    header: bool | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Load `source` (CSV path, Parquet path or DataFrame) as a DataFrame with inferred types.

    `header` and `delimiter` override the sniffed values. Raises `InputError` with a one-line
    message for a missing, empty, binary or ragged file.
    """
    return load_table(source, infer_types=infer_types, header=header, delimiter=delimiter)[0]


def load_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    infer_types: bool = True,
    header: bool | None = None,
    delimiter: str | None = None,
) -> tuple[pd.DataFrame, Schema]:
    """Like `read_table` but also return the `Schema` (types, datetime formats) it inferred."""
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        df.columns = [str(c) for c in df.columns]
        if df.shape[1] == 0:
            raise InputError("the DataFrame has no columns")
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a folder, expected a CSV or Parquet file")
        if path.suffix.lower() in (".parquet", ".pq"):
            df = _read_parquet(path)
        else:
            df = _read_csv(path, header=header, delimiter=delimiter)
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise InputError(f"duplicate column name {dup!r}")
    schema = infer_schema(df)
    if infer_types:
        df = convert_columns(df, schema)
    return df, schema


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise InputError(
                f"{path}: column {field.name!r} holds nested values ({field.type}); "
                "privsynth needs a flat table"
            )
    if table.num_rows == 0:
        raise InputError(f"{path}: the file has columns but no rows")
    return table.to_pandas()


def sniff_head(path: Path) -> tuple[str, str]:
    """(the head of a CSV as text, its encoding: utf-8 or latin-1); empty or binary refused."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    if b"\x00" in head:
        raise InputError(f"{path}: looks like a binary file, expected CSV text")
    encoding = "utf-8"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is still utf-8.
        if exc.start >= len(head) - 4:
            text = head[: exc.start].decode("utf-8")
        else:
            encoding, text = "latin-1", head.decode("latin-1")
    return text.removeprefix("\ufeff"), encoding


def _read_csv(path: Path, *, header: bool | None, delimiter: str | None) -> pd.DataFrame:
    text, encoding = sniff_head(path)
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    if header is None:
        header = _has_header(text, delimiter)
    try:
        return _arrow_csv(path, delimiter, header, encoding)
    except pa.ArrowInvalid as exc:
        msg = _first_line(exc)
        if encoding == "utf-8" and "UTF8" in msg.upper():
            try:
                return _arrow_csv(path, delimiter, header, "latin-1")
            except pa.ArrowInvalid as exc2:
                msg = _first_line(exc2)
        raise InputError(f"{path}: malformed CSV: {msg}") from None


def _arrow_csv(path: Path, delimiter: str, header: bool, encoding: str) -> pd.DataFrame:
    read_opts = pacsv.ReadOptions(autogenerate_column_names=not header, encoding=encoding)
    parse_opts = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', newlines_in_values=True)
    # Read every column as text: conversion happens in one place, after inference.
    probe = pacsv.open_csv(path, read_options=read_opts, parse_options=parse_opts)
    names = probe.schema.names
    probe.close()
    convert_opts = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=NA_TOKENS,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    table = pacsv.read_csv(path, read_opts, parse_opts, convert_opts)
    df = table.to_pandas()
    if not header:
        df.columns = [f"col_{i + 1}" for i in range(df.shape[1])]
    else:
        df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    _check_unterminated_quote(path, df)
    return df


def _check_unterminated_quote(path: Path, df: pd.DataFrame) -> None:
    """Refuse a file whose last quoted field never closes.

    pyarrow then reads the rest of the file into that one field without complaint. In a
    well-formed CSV every quote opens, closes or is doubled, so the file holds an even number
    of them; the (full-file) count only runs when the last row holds a line break, the symptom.
    """
    last = df.iloc[-1]
    if not any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in last):
        return
    quotes = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            quotes += chunk.count(b'"')
    if quotes % 2:
        raise InputError(
            f"{path}: malformed CSV: a quoted field is never closed (unterminated quote "
            f"near row {len(df) + 1})"
        )


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent field count."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_score = ",", -1.0
    for d in _DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=d)]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) + 0.01 * mode
        if score > best_score:
            best, best_score = d, score
    return best


def _looks_numeric(value: str) -> bool:
    try:
        float(value.replace(",", ""))
        return True
    except ValueError:
        return False


def _has_header(text: str, delimiter: str) -> bool:
    """Guess whether the first row is a header.

    A header if some column is numeric in the body but not in the first row, or if every
    first-row cell is a short non-numeric label that never recurs in its column.
    """
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[:201]
    rows = [r for r in rows if r]
    if len(rows) < 2:
        return True
    first, body = rows[0], rows[1:-1] if len(rows) > 2 else rows[1:]
    if any(not c.strip() for c in first):
        return False
    if any(_looks_numeric(c) for c in first):
        return False
    for j in range(len(first)):
        col = [r[j] for r in body if j < len(r) and r[j].strip()]
        if col and all(_looks_numeric(v) for v in col):
            return True
    if len(set(first)) != len(first):
        return False
    for j, cell in enumerate(first):
        col = {r[j].strip().lower() for r in body if j < len(r)}
        if cell.strip().lower() in col or len(cell) > 60:
            return False
    return True


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
