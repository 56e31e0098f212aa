"""Write a table to CSV or Parquet, atomically, keeping datetime formats where known."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from privsynth.io.atomic import atomic_file


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    metadata: dict[str, str] | None = None,
    datetime_formats: dict[str, str] | None = None,
) -> Path:
    """Write `df` to `path` (`.parquet` or CSV by suffix); `metadata` goes into Parquet's footer."""
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
            out = df
            if datetime_formats:
                out = df.copy()
                for col, fmt in datetime_formats.items():
                    if col in out and pd.api.types.is_datetime64_any_dtype(out[col]):
                        out[col] = out[col].dt.strftime(fmt)
            out.to_csv(tmp, index=False)
    return path
