"""SQL text for DuckDB: quoted identifiers and literals (no DuckDB import needed to build it)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from privsynth.errors import InputError


def quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A SQL literal for a public category value (never for private data)."""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise InputError(f"category value {value!r} is not a finite number")
        return repr(float(value))
    if isinstance(value, pd.Timestamp):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"
