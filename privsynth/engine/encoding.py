"""Public encodings from raw values to integer codes, applied inside each engine.

A marginal is counted over integer codes 0..size-1. Raw columns are turned into codes by an
encoder built only from public knowledge (a policy's category list or bin edges), so the
encoding itself reveals nothing. Every engine applies the same encoder with the same rule
(numpy here, SQL CASE / comparisons in DuckDB, column expressions in Spark), which is what
makes their counts identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from privsynth.errors import InputError


@dataclass(frozen=True)
class Categories:
    """Code i for `values[i]`; every other value and a missing value get the last code.

    `size` is len(values) + 1: the extra cell holds values outside the public list and missing
    values, so no row is ever dropped and no private category is ever named.
    """

    values: tuple[Any, ...]

    def __init__(self, values: Sequence[Any]):
        vals = tuple(values)
        if len(set(vals)) != len(vals):
            raise InputError("a category list has duplicate values")
        object.__setattr__(self, "values", vals)

    @property
    def size(self) -> int:
        return len(self.values) + 1

    def encode(self, s: pd.Series) -> np.ndarray:
        # Look up each distinct value once (factorize is fast on arrow strings), then gather.
        other = len(self.values)
        seen, uniques = pd.factorize(s, use_na_sentinel=True)
        lut = pd.Index(self.values).get_indexer(pd.Index(uniques))
        lut = np.append(np.where(lut < 0, other, lut), other).astype(np.int64)
        return lut[seen]  # missing values (-1) pick the appended `other` code


@dataclass(frozen=True)
class Bins:
    """Bins between public `edges` e0 < e1 < ... < em: code j for e_j <= x < e_{j+1}.

    Values below e0 fall in the first bin and values at or above em in the last (public
    bounds clamp); a missing value gets code m. `size` is m + 1. Only comparisons with the
    edges are used, never arithmetic, so every engine bins a value identically.

    `datetime=True` bins timestamps by their nanoseconds since 1970 (as float64, the rule of
    the synthesizer's codecs); `date_format` parses text dates with that strptime format.
    """

    edges: tuple[float, ...]
    datetime: bool = False
    date_format: str | None = None

    def __init__(
        self, edges: Sequence[float], *, datetime: bool = False, date_format: str | None = None
    ):
        e = tuple(float(x) for x in edges)
        if len(e) < 2 or any(b <= a for a, b in zip(e, e[1:], strict=False)):
            raise InputError("bin edges must be at least two strictly increasing numbers")
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "datetime", bool(datetime))
        object.__setattr__(self, "date_format", date_format)

    @property
    def n_bins(self) -> int:
        return len(self.edges) - 1

    @property
    def size(self) -> int:
        return self.n_bins + 1

    @property
    def inner(self) -> tuple[float, ...]:
        """The edges that separate bins: a value's bin is how many of them it reaches."""
        return self.edges[1:-1]

    def numbers(self, s: pd.Series) -> np.ndarray:
        """The values as float64 (NaN when missing or unparsable): what the edges compare with."""
        if not self.datetime:
            return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ts = pd.to_datetime(s, errors="coerce", format=self.date_format)
        if getattr(ts.dt, "tz", None) is not None:
            ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        vals = ts.to_numpy(dtype="datetime64[ns]").astype("int64").astype(np.float64)
        vals[ts.isna().to_numpy()] = np.nan
        return vals

    def encode(self, s: pd.Series) -> np.ndarray:
        x = self.numbers(s)
        codes = np.searchsorted(np.asarray(self.inner), x, side="right")
        return np.where(np.isnan(x), self.n_bins, codes).astype(np.int64)


def category_key(value: Any) -> str:
    """The text a category is matched by: policy YAML may type a value differently from the
    data (1 vs "1" vs 1.0), so values compare by this text, never by their Python type."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    return str(value)


@dataclass(frozen=True)
class KeyCategories:
    """Public categories matched by `category_key`, with an `other` and a `missing` code.

    Code `lookup[key]` for a value whose key is listed, `n_categories` for any other value,
    `n_categories + 1` for a missing one (the synthesizer's layout: missing is a category of its
    own). `typed` holds the same categories as values of the column's type in a typed engine
    (SQL compares typed values; equal keys and equal typed values pick the same rows there).
    `nan_missing` says NaN counts as missing (float columns; pandas treats NaN as missing).
    """

    lookup: tuple[tuple[str, int], ...]
    n_categories: int
    typed: tuple[tuple[Any, int], ...] = ()
    nan_missing: bool = False

    @property
    def size(self) -> int:
        return self.n_categories + 2

    @property
    def other_code(self) -> int:
        return self.n_categories

    @property
    def missing_code(self) -> int:
        return self.n_categories + 1

    def encode(self, s: pd.Series) -> np.ndarray:
        table = dict(self.lookup)
        # Key each distinct value once, then gather. Factorize merges equal values, and equal
        # values have equal keys except across types (True == 1, keys "true" and "1"): so only
        # for typed columns and object columns of text.
        seen, uniques = pd.factorize(s, use_na_sentinel=True)
        values = pd.Index(uniques).to_list()
        if not pd.api.types.is_object_dtype(s.dtype) or all(type(v) is str for v in values):
            keys = [category_key(v) for v in values]
            lut = [table.get(k, self.other_code) for k in keys] + [self.missing_code]
            return np.asarray(lut, dtype=np.int64)[seen]
        miss = s.isna().to_numpy()
        codes = s.map(category_key).map(table).fillna(self.other_code)
        codes = codes.to_numpy(dtype=np.int64).copy()
        codes[miss] = self.missing_code
        return codes


Encoder = Categories | Bins | KeyCategories


def check_encoders(
    encoders: Mapping[str, Encoder] | None, domain: Mapping[str, int]
) -> Mapping[str, Encoder]:
    """Encoders must agree with the domain they are counted over."""
    encoders = encoders or {}
    for col, enc in encoders.items():
        if col in domain and int(domain[col]) != enc.size:
            raise InputError(
                f"column {col!r}: domain size {domain[col]} but its encoder has {enc.size} codes"
            )
    return encoders
