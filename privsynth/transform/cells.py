"""Generalization cell by cell: a hierarchy level as a function of one cell (synthesize mode).

The anonymizer builds a hierarchy table from a column's distinct values (`transform.hierarchy`)
and looks every value up in it. A DP synthetic release may not build anything from the values,
so synthesize mode generalizes each cell on its own: the label of a cell depends on that cell,
the policy's hierarchy spec and the column's public type only. A cell the hierarchy cannot
place (not a date, not a number, absent from an ARX file) becomes missing. Labels follow the
anonymizer's: `021` (prefix), `2021-03` / `2021` / `2020s` / `<=1934` (dates), `20-29` for
integer columns or `[20, 30)` otherwise (intervals), `90+` / `<18` (top/bottom coding), `*` at
the top level.

`label_function` returns a pandas function of the raw cells; the pipeline applies it in memory
and inside DuckDB or Spark (as a vectorized UDF), so every engine computes the same labels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.engine.parse import CellParse, parse_series
from privsynth.errors import InputError
from privsynth.transform.hierarchy import (
    STAR,
    _fmt,
    _fmt1,
    _truncate_dates,
    hipaa_zip3_restricted,
    read_arx_hierarchy,
    value_strings,
)

Labels = Callable[[pd.Series], pd.Series]


def _out(values: Any, index: pd.Index, missing: np.ndarray) -> pd.Series:
    out = pd.Series(np.asarray(values, dtype=object), index=index, dtype=object)
    out[missing] = None
    return out


def label_function(
    spec: Any,
    level: int,
    *,
    integer: bool,
    date_formats: tuple[str, ...] = ("%Y-%m-%d",),
    base_dir: str | os.PathLike[str] | None = None,
) -> Labels:
    """The cell -> label function of hierarchy `spec` at `level` (module doc).

    `integer` is the column's public type (integer labels `20-29`); `date_formats` how its
    date cells are read. An ARX file is read here, once (it is part of the policy).
    """
    kind = spec.type
    n_levels = getattr(spec, "n_levels", None)
    if kind == "arx":
        path = Path(spec.file)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        table = read_arx_hierarchy(path, sep=spec.delimiter)
        n_levels = table.shape[1]
    if level < 0 or (n_levels is not None and level >= n_levels):
        raise InputError(f"level {level} is beyond this hierarchy's levels 0..{(n_levels or 1) - 1}")
    top = n_levels is not None and level == n_levels - 1

    if kind == "prefix":
        masked = spec.masked_prefixes
        masked = set(hipaa_zip3_restricted() if masked == "hipaa" else masked or [])

        def prefix(raw: pd.Series) -> pd.Series:
            text = parse_series(raw, CellParse("text"))
            miss = text.isna().to_numpy(dtype=bool)
            keys = text.fillna("").astype(str)
            if top:
                return _out(np.full(len(raw), STAR, dtype=object), raw.index, miss)
            if level == 0:
                return _out(keys.to_numpy(dtype=object), raw.index, miss)
            if spec.zfill:
                keys = keys.str.zfill(spec.zfill)
            n = spec.lengths[level - 1]
            cut = keys.str.slice(0, n)
            if spec.pad:
                cut = cut + keys.str.len().sub(n).clip(lower=0).map(lambda k: spec.pad * k)
            if masked:
                hit = np.zeros(len(keys), dtype=bool)
                for m in masked:
                    hit |= keys.str.startswith(m).to_numpy(dtype=bool)
                label = spec.masked_label[:n] if n < len(spec.masked_label) else spec.masked_label
                cut = cut.where(~hit, label)
            return _out(cut.to_numpy(dtype=object), raw.index, miss)

        return prefix

    if kind == "dates":
        levels = list(spec.levels)
        cut_year = None
        if spec.top_age is not None:
            cut_year = (spec.reference or date.today()).year - spec.top_age

        def dates(raw: pd.Series) -> pd.Series:
            d = parse_series(raw, CellParse("date", tuple(date_formats)))
            miss = d.isna().to_numpy(dtype=bool)
            if top:
                return _out(np.full(len(raw), STAR, dtype=object), raw.index, miss)
            filled = d.fillna(pd.Timestamp("2000-01-01"))
            if level == 0:
                lab = filled.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
            else:
                lab = _truncate_dates(filled, levels[level - 1]).to_numpy(dtype=object)
                if cut_year is not None:
                    old = (filled.dt.year <= cut_year).to_numpy(dtype=bool)
                    lab[old] = f"<={cut_year}"
            return _out(lab, raw.index, miss)

        return dates

    if kind in ("intervals", "topcode"):

        def numbers(raw: pd.Series) -> pd.Series:
            x = parse_series(raw, CellParse("number")).to_numpy(dtype=np.float64)
            miss = np.isnan(x)
            v = np.where(miss, 0.0, x)
            if top:
                return _out(np.full(len(raw), STAR, dtype=object), raw.index, miss)
            if level == 0:
                return _out(value_strings(pd.Series(v)).to_numpy(dtype=object), raw.index, miss)
            if kind == "topcode":
                lab = value_strings(pd.Series(v)).to_numpy(dtype=object)
                if spec.top is not None:
                    lab[v >= spec.top] = spec.label if spec.label is not None else f"{_fmt1(spec.top)}+"
                if spec.bottom is not None:
                    lab[v < spec.bottom] = (
                        spec.bottom_label if spec.bottom_label is not None else f"<{_fmt1(spec.bottom)}"
                    )
                return _out(lab, raw.index, miss)
            w = float(spec.widths[level - 1])
            anchor = 0.0 if spec.bottom is None else float(spec.bottom)
            lo = anchor + np.floor((v - anchor) / w) * w
            hi = lo + w
            if integer and all(float(x).is_integer() for x in spec.widths):
                lab = np.char.add(np.char.add(_fmt(lo), "-"), _fmt(hi - 1)).astype(object)
            else:
                lab = np.char.add(
                    np.char.add(np.char.add("[", _fmt(lo)), ", "), np.char.add(_fmt(hi), ")")
                ).astype(object)
            if spec.bottom is not None:
                lab[v < spec.bottom] = f"<{_fmt1(spec.bottom)}"
            if spec.top is not None:
                lab[v >= spec.top] = f">={_fmt1(spec.top)}"
            return _out(lab, raw.index, miss)

        return numbers

    if kind == "arx":
        mapping = pd.Series(
            table.iloc[:, level].astype(str).to_numpy(dtype=object),
            index=table.iloc[:, 0].astype(str).to_numpy(),
        )
        mapping = mapping[~mapping.index.duplicated()]

        def arx(raw: pd.Series) -> pd.Series:
            text = parse_series(raw, CellParse("text"))
            lab = text.map(mapping)
            miss = lab.isna().to_numpy(dtype=bool)
            return _out(lab.to_numpy(dtype=object), raw.index, miss)

        return arx
    raise InputError(f"unknown hierarchy type {kind!r}")


__all__ = ["Labels", "label_function"]
