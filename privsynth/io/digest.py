"""Digests of inputs: a file's sha256 (streamed) and a DataFrame's (its columns and rows).

Manifests and audit reports record them so a reader can check which table was used.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes, read 1 MB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(df: pd.DataFrame) -> str:
    """sha256 of a DataFrame's column names and row hashes (index ignored)."""
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()
