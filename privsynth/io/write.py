"""Write a table to CSV or Parquet, atomically, keeping datetime formats where known.

Every CSV written here goes through `privsynth.io.safety.neutralize_formulas` unless the caller
passes `neutralize_formulas=False` (a machine consumer that wants the raw text): a text cell
that a spreadsheet would run as a formula gets a leading quote. Parquet keeps values as they
are (its readers do not evaluate cells).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from privsynth.io import safety
from privsynth.io.atomic import atomic_file


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    metadata: dict[str, str] | None = None,
    datetime_formats: dict[str, str] | None = None,
    neutralize_formulas: bool = True,
) -> Path:
    """Write `df` to `path` (`.parquet` or CSV by suffix); `metadata` goes into Parquet's footer.

    CSV text cells starting like a spreadsheet formula are quoted unless `neutralize_formulas`
    is False (see `privsynth.io.safety`)."""
    path = Path(path)
    with atomic_file(path) as tmp:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pa.Table.from_pandas(df, preserve_index=False)
            if metadata:
                merged = dict(table.schema.metadata or {})
                merged.update({k.encode(): v.encode() for k, v in metadata.items()})
                table = table.replace_schema_metadata(merged)
            pq.write_table(table, tmp)
        else:
            cells = csv_cells(df, datetime_formats, neutralize_formulas)
            cells.to_csv(tmp, index=False, quoting=csv_quoting(cells))
    return path


def csv_quoting(df: pd.DataFrame) -> int:
    """The csv quoting for `df`: minimal, unless a text cell or a name holds a carriage return.

    Python's csv writer (3.11) quotes a field with a line feed but not one with a lone CR, which
    every reader (pyarrow's, spreadsheets') takes for the end of a row: the rest of the cell
    would become a row of its own, starting wherever the writer of the cell wanted. Such a
    table is written with every text field quoted.
    """
    names = pd.Series([str(c) for c in df.columns], dtype=object)
    if names.str.contains("\r", regex=False).any():
        return csv.QUOTE_NONNUMERIC
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = pd.Series(s.cat.categories.astype(str), dtype=object)
        elif not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        try:
            if s.str.contains("\r", regex=False, na=False).any():
                return csv.QUOTE_NONNUMERIC
        except AttributeError:  # an object column without strings
            continue
    return csv.QUOTE_MINIMAL


def csv_cells(
    df: pd.DataFrame, datetime_formats: dict[str, str] | None, neutralize_formulas: bool
) -> pd.DataFrame:
    """The frame as it goes into a CSV: datetimes in their formats, formulas neutralized."""
    out = df
    if datetime_formats:
        out = df.copy()
        for col, fmt in datetime_formats.items():
            if col in out and pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime(fmt)
    return safety.neutralize_formulas(out) if neutralize_formulas else out


class TableWriter:
    """Write a table chunk by chunk to `path` (`.parquet` or CSV by suffix), atomically.

    Used as a context manager: rows appear at `path` only when the block exits cleanly, so a
    failure mid-stream leaves nothing half-written. Every chunk must have the first chunk's
    columns; Parquet chunks are cast to the first chunk's schema (or to `schema` when given,
    e.g. when the first chunk holds only missing values of a column) so dtypes stay stable.
    CSV chunks have formula-leading text cells quoted unless `neutralize_formulas` is False.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        metadata: dict[str, str] | None = None,
        datetime_formats: dict[str, str] | None = None,
        schema: pa.Schema | None = None,
        neutralize_formulas: bool = True,
    ) -> None:
        self.path = Path(path)
        self.neutralize_formulas = neutralize_formulas
        self._given_schema = schema
        self.metadata = metadata
        self.datetime_formats = datetime_formats or {}
        self.rows = 0
        self._ctx = None
        self._tmp: Path | None = None
        self._writer = None
        self._schema: pa.Schema | None = None
        self._columns: list[str] | None = None

    @property
    def parquet(self) -> bool:
        return self.path.suffix.lower() in (".parquet", ".pq")

    def __enter__(self) -> TableWriter:
        self._ctx = atomic_file(self.path)
        self._tmp = self._ctx.__enter__()
        return self

    def write(self, df: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = [str(c) for c in df.columns]
        elif [str(c) for c in df.columns] != self._columns:
            raise ValueError("every chunk must have the same columns, in the same order")
        if self.parquet:
            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._writer is None:
                schema = self._given_schema or table.schema
                if self.metadata:
                    merged = dict(schema.metadata or {})
                    merged.update({k.encode(): v.encode() for k, v in self.metadata.items()})
                    schema = schema.with_metadata(merged)
                self._schema = schema
                self._writer = pq.ParquetWriter(self._tmp, schema)
            self._writer.write_table(table.cast(self._schema))
        else:
            out = csv_cells(df, self.datetime_formats, self.neutralize_formulas)
            out.to_csv(
                self._tmp,
                index=False,
                header=self.rows == 0 and self._writer is None,
                mode="w" if self._writer is None else "a",
                quoting=csv_quoting(out),
            )
            self._writer = True
        self.rows += len(df)

    def __exit__(self, exc_type, exc, tb) -> bool | None:
        if self._writer is not None and self.parquet:
            self._writer.close()
        if self._writer is None and exc_type is None and self._columns is None:
            # Nothing was written: an empty file still needs to exist for an empty release.
            Path(self._tmp).touch()
        return self._ctx.__exit__(exc_type, exc, tb)
