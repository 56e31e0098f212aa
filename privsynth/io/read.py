"""Read a table from CSV, Parquet or a DataFrame into pandas, with clear errors on bad input.

CSV parsing goes through pyarrow (multithreaded, and strict about ragged rows); the delimiter
is sniffed, the header guessed. Every column is read as text and then converted by
`schema.infer_schema`, so type decisions live in one place.

Encoding is decided once per file, from its first 256 KiB, and said: UTF-8 if they decode as
UTF-8, else Latin-1 (every byte is a Latin-1 character, so that reading cannot fail). The
decision is in `Schema.encoding` and `df.attrs["encoding"]`. A file decided UTF-8 that holds a
byte sequence that is not UTF-8 further on is refused with the byte offset and line of the
first such byte (never re-read silently as Latin-1, which would garble every other non-ASCII
character of the file). UTF-16 files are named as such. Line endings may be LF, CRLF or a
lone CR; a cell may be up to `MAX_ROW_BYTES` long. Parser messages are reduced to what they say
about the file's shape: they never quote a row or a cell of it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from privsynth.errors import InputError
from privsynth.io.safety import restore_formulas as restore_formula_cells
from privsynth.io.schema import Schema, convert_columns, infer_schema

NA_TOKENS = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "#N/A"]
_SNIFF_BYTES = 256 * 1024
_DELIMITERS = [",", ";", "\t", "|"]
# pyarrow parses in blocks and a row may not straddle two of them: the first try uses its
# default block, a file with longer rows is parsed again with blocks of this size.
MAX_ROW_BYTES = 64 * 1024 * 1024
_BLOCK_BYTES = 1 << 20


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    infer_types: bool = True,
    header: bool | None = None,
    delimiter: str | None = None,
    restore_formulas: bool = False,
) -> pd.DataFrame:
    """Load `source` (CSV path, Parquet path or DataFrame) as a DataFrame with inferred types.

    `header` and `delimiter` override the sniffed values. `restore_formulas` undoes the quote
    privsynth's CSV writers put before formula-leading cells (for reading back a release).
    Raises `InputError` with a one-line message for a missing, empty, binary, ragged or
    wrongly encoded file.
    """
    return load_table(
        source,
        infer_types=infer_types,
        header=header,
        delimiter=delimiter,
        restore_formulas=restore_formulas,
    )[0]


def load_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    infer_types: bool = True,
    header: bool | None = None,
    delimiter: str | None = None,
    restore_formulas: bool = False,
) -> tuple[pd.DataFrame, Schema]:
    """Like `read_table` but also return the `Schema` (types, datetime formats, the encoding
    decided for a CSV file) it inferred."""
    encoding = None
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        df.columns = [str(c) for c in df.columns]
        if df.shape[1] == 0:
            raise InputError("the DataFrame has no columns")
    else:
        path = Path(source)
        check_input_file(path)
        if path.suffix.lower() in (".parquet", ".pq"):
            df = _read_parquet(path)
        else:
            df, encoding = _read_csv(path, header=header, delimiter=delimiter)
    if restore_formulas:
        df = restore_formula_cells(df)
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise InputError(f"duplicate column name {dup!r}")
    schema = infer_schema(df)
    schema.encoding = encoding
    if infer_types:
        df = convert_columns(df, schema, on_unfit="text")
    df.attrs["encoding"] = encoding
    return df, schema


def literal_path(path: str | os.PathLike[str]) -> str:
    """`path` as pyarrow must get it to open that file: absolute (pyarrow expands a leading
    `~` to the home folder, so a file named `~` would not be read)."""
    return os.path.abspath(os.fspath(path))


def check_input_file(path: Path) -> None:
    """Refuse, with one line, a path that is missing, a folder, or not a regular file (a FIFO,
    a device such as /dev/zero, a socket): reading one would hang or never end."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a CSV or Parquet file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file (a device, pipe or socket)")


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(literal_path(path))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({parser_message(exc)})") from None
    check_flat(table.schema, path)
    if table.num_rows == 0:
        raise InputError(f"{path}: the file has columns but no rows")
    return table.to_pandas()


def check_flat(schema: pa.Schema, path: Path) -> None:
    """Refuse a Parquet schema with nested columns (lists, structs, maps): a table is flat."""
    for field in schema:
        if pa.types.is_nested(field.type):
            raise InputError(
                f"{path}: column {field.name!r} holds nested values ({_type_name(field.type)}); "
                "privsynth needs a flat table"
            )


def _type_name(t: pa.DataType) -> str:
    kind = "list" if pa.types.is_list(t) or pa.types.is_large_list(t) else str(t).split("<")[0]
    return kind


def sniff_head(path: Path) -> tuple[str, str]:
    """(the head of a CSV as text, its encoding: utf-8 or latin-1); empty or binary refused.

    The encoding is decided here for the whole file: UTF-8 when its first 256 KiB decode as
    UTF-8 (a character cut at the boundary included), else Latin-1.
    """
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise InputError(f"{path}: UTF-16/32 text; save it as UTF-8 CSV")
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


def _read_csv(
    path: Path, *, header: bool | None, delimiter: str | None
) -> tuple[pd.DataFrame, str]:
    text, encoding = sniff_head(path)
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    if header is None:
        header = has_header(text, delimiter)
    block = _BLOCK_BYTES
    while True:
        try:
            return _arrow_csv(path, delimiter, header, encoding, block), encoding
        except pa.ArrowInvalid as exc:
            raw = str(exc)
            if "straddl" in raw and block < MAX_ROW_BYTES:
                block = MAX_ROW_BYTES  # a row longer than the block: parse with big blocks
                continue
            raise csv_error(path, exc, encoding=encoding, delimiter=delimiter) from None


def csv_error(
    path: Path, exc: BaseException, *, encoding: str = "utf-8", delimiter: str = ","
) -> InputError:
    """The one-line InputError for a CSV the parser refused: where and what, never a cell.

    A decoding failure names the byte offset and line of the first byte that is not UTF-8; a
    row with the wrong number of fields names its line; anything else keeps only the parser's
    words (`_first_line`, which drops quoted and row text).
    """
    raw = str(exc)
    if "utf8" in raw.lower().replace("-", "") or "unicode" in raw.lower():
        where = first_invalid_utf8(path)
        if where is not None:
            offset, line = where
            return InputError(
                f"{path}: not valid UTF-8 at byte {offset:,} (line {line:,}); the file was "
                f"read as UTF-8 because its first {_SNIFF_BYTES // 1024} KiB are. Save it as "
                "UTF-8 (e.g. iconv -f latin1 -t utf-8) and run again"
            )
    if "straddl" in raw:
        return InputError(
            f"{path}: malformed CSV: a row is too long to parse (the limit is 16 MiB when a "
            f"file is streamed, {MAX_ROW_BYTES // 2**20} MiB otherwise), or a quote is never "
            "closed"
        )
    m = re.search(r"Expected (\d+) columns?, got (\d+)", raw) or re.search(
        r"Expected Number of Columns: (\d+) Found: (\d+)", raw
    )
    if m:
        line = first_ragged_line(path, encoding, delimiter)
        at = f"line {line:,}" if line is not None else "a row"
        return InputError(
            f"{path}: malformed CSV: {at} has {m.group(2)} fields where the header has "
            f"{m.group(1)}"
        )
    return InputError(f"{path}: malformed CSV: {parser_message(exc)}")


def first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """(byte offset, 1-based line) of the first byte of `path` that is not UTF-8, or None.

    Streams the file through an incremental decoder: linear, in 16 MiB chunks.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # the decoder's buffer may hold up to 3 bytes of the previous chunk
                bad = max(exc.start - (len(exc.object) - len(chunk)), 0)
                return offset + bad, lines + chunk[:bad].count(b"\n")
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(offset - 1, 0), lines
    return None


def first_ragged_line(path: Path, encoding: str, delimiter: str) -> int | None:
    """The line on which the first row whose field count differs from the header's starts
    (the error path only: one streamed pass of Python's csv reader)."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh, _big_fields():
        reader = csv.reader(fh, delimiter=delimiter)
        width = None
        line = 1  # the line the next row starts on
        try:
            for row in reader:
                if row and width is None:
                    width = len(row)
                elif row and len(row) != width:
                    return line
                line = reader.line_num + 1
        except csv.Error:
            return None
    return None


def _arrow_csv(
    path: Path, delimiter: str, header: bool, encoding: str, block: int = _BLOCK_BYTES
) -> pd.DataFrame:
    read_opts = pacsv.ReadOptions(
        autogenerate_column_names=not header, encoding=encoding, block_size=block
    )
    parse_opts = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', newlines_in_values=True)
    # Read every column as text: conversion happens in one place, after inference.
    probe = pacsv.open_csv(literal_path(path), read_options=read_opts, parse_options=parse_opts)
    names = probe.schema.names
    probe.close()
    convert_opts = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=NA_TOKENS,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    table = pacsv.read_csv(literal_path(path), read_opts, parse_opts, convert_opts)
    df = table.to_pandas()
    if not header:
        df.columns = [f"col_{i + 1}" for i in range(df.shape[1])]
    else:
        df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    _check_unterminated_quote(path, df)
    return df


# ------------------------------------------------------------ reading without looking at values
def header_line(path: Path) -> str:
    """The first line of a CSV (its header), decoded as UTF-8 with replacement, BOM removed."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise InputError(f"{path}: UTF-16/32 text; save it as UTF-8 CSV")
    if b"\x00" in head:
        raise InputError(f"{path}: looks like a binary file, expected CSV text")
    first = re.split(rb"\r\n|\n|\r", head, maxsplit=1)[0]
    return first.decode("utf-8", errors="replace").removeprefix("\ufeff")


def header_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most fields (`,` `;` tab `|`; ties
    and a one-column header: the first of them). Decided from the header alone, so it never
    depends on a value of the table."""
    best, best_n = ",", 1
    for d in _DELIMITERS:
        rows = _csv_rows(line, d)
        n = len(rows[0]) if rows else 1
        if n > best_n:
            best, best_n = d, n
    return best


def header_names(path: Path, delimiter: str | None = None) -> tuple[list[str], str]:
    """(the column names of a CSV's header line, stripped; the delimiter), from that line only."""
    line = header_line(path)
    delimiter = delimiter or header_delimiter(line)
    rows = _csv_rows(line, delimiter)
    names = [str(c).strip() for c in (rows[0] if rows else [line])]
    return names, delimiter


def read_csv_text(path: str | os.PathLike[str], *, delimiter: str | None = None) -> pd.DataFrame:
    """A CSV read without looking at its values: the header line gives the names and the
    delimiter, every cell is text (`NA_TOKENS` missing), bytes that are not UTF-8 become U+FFFD
    in their own cell only. What synthesize mode reads (no type inference, no sniffing of
    rows); a file that is not a table (ragged rows, an unclosed quote) is refused."""
    path = Path(path)
    check_input_file(path)
    names, delimiter = header_names(path, delimiter)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"duplicate column name {dup!r}")
    raw = [f"c{i}" for i in range(len(names))]
    block = _BLOCK_BYTES
    while True:
        try:
            table = pacsv.read_csv(
                literal_path(path),
                pacsv.ReadOptions(column_names=raw, skip_rows=1, block_size=block),
                pacsv.ParseOptions(delimiter=delimiter, quote_char='"', newlines_in_values=True),
                pacsv.ConvertOptions(
                    column_types={n: pa.binary() for n in raw},
                    null_values=NA_TOKENS,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < MAX_ROW_BYTES:
                block = MAX_ROW_BYTES
                continue
            raise csv_error(path, exc, delimiter=delimiter) from None
    cols = {}
    for name, col in zip(names, table.columns, strict=True):
        try:
            cols[name] = col.cast(pa.string()).to_pandas()
        except (pa.ArrowInvalid, UnicodeDecodeError):  # a cell that is not UTF-8: that cell only
            cols[name] = pd.Series(
                [None if b is None else b.decode("utf-8", "replace") for b in col.to_pylist()],
                dtype=object,
            )
    df = pd.DataFrame(cols)
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    _check_unterminated_quote(path, df)
    df.attrs["encoding"] = "utf-8"
    df.attrs["privsynth_text"] = True  # read without inference: synthesize mode can use it
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


@contextlib.contextmanager
def _big_fields() -> Iterator[None]:
    """Let Python's csv module read fields of any length for the block (its default limit,
    128 KiB, made a long cell in the sniffed head an internal error); restored afterwards."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """Rows of `text` as Python's csv module reads them: LF, CRLF or lone CR line endings
    (universal newlines), fields of any length; a malformed head gives the rows read so far."""
    rows: list[list[str]] = []
    with _big_fields():
        reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
        try:
            for row in reader:
                rows.append(row)
        except csv.Error:
            pass
    return rows


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent field count."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    try:
        with _big_fields():
            sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(_DELIMITERS))
        return sniffed.delimiter
    except csv.Error:
        pass
    best, best_score = ",", -1.0
    for d in _DELIMITERS:
        counts = [len(row) for row in _csv_rows("\n".join(lines), d)]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) + 0.01 * mode
        if score > best_score:
            best, best_score = d, score
    return best


# A column header that is a year (`2023`): a label, not a number, when the row's text cells are
# labels too (they never recur in their column, checked below).
_YEAR = re.compile(r"(1[89]|2[01])\d\d")


def _looks_numeric(value: str) -> bool:
    try:
        float(value.replace(",", ""))
        return True
    except ValueError:
        return False


def has_header(text: str, delimiter: str) -> bool:
    """Guess whether the first row is a header.

    A header if some column is numeric in the body but not in the first row, or if every
    first-row cell is a short label that never recurs in its column; numeric first-row cells
    are allowed only as year labels (`2023`), so a row of numbers stays data.
    """
    rows = _csv_rows(text, delimiter)[:201]
    rows = [r for r in rows if r]
    if len(rows) < 2:
        return True
    first, body = rows[0], rows[1:-1] if len(rows) > 2 else rows[1:]
    if any(not c.strip() for c in first):
        return False
    numeric = [_looks_numeric(c) for c in first]
    if all(numeric):
        return False
    for j in range(len(first)):
        if numeric[j]:
            continue
        col = [r[j] for r in body if j < len(r) and r[j].strip()]
        if col and all(_looks_numeric(v) for v in col):
            return True
    if len(set(first)) != len(first):
        return False
    if any(numeric) and not all(_YEAR.fullmatch(c.strip()) for c, n in zip(first, numeric,
                                                                           strict=True) if n):
        # numbers in the first row that are not year labels (a `2023` column): a data row
        return False
    for j, cell in enumerate(first):
        col = {r[j].strip().lower() for r in body if j < len(r)}
        if cell.strip().lower() in col or len(cell) > 60:
            return False
    return True


def parser_message(exc: BaseException) -> str:
    """The first line of a parser's message without anything of the data in it.

    pyarrow appends the offending row ("Expected 2 columns, got 3: <the row>") and DuckDB quotes
    values ("Could not convert string 'Jane Doe'"): quoted text becomes '...', and anything
    after the parser's own words (a `: ` followed by the row) is cut.
    """
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.split(r"\s*Original Line:", first)[0]
    first = re.sub(r"(Expected \d+ columns?, got \d+):.*", r"\1", first)
    first = re.sub(r"(invalid value|string) ('[^']*'|\"[^\"]*\"|\S+)", r"\1 '...'", first)
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", first)
    return first[:300]


# The former private names, for code that still uses them.
_first_line = parser_message
_has_header = has_header
