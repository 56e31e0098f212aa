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
    """

    edges: tuple[float, ...]

    def __init__(self, edges: Sequence[float]):
        e = tuple(float(x) for x in edges)
        if len(e) < 2 or any(b <= a for a, b in zip(e, e[1:], strict=False)):
            raise InputError("bin edges must be at least two strictly increasing numbers")
        object.__setattr__(self, "edges", e)

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

    def encode(self, s: pd.Series) -> np.ndarray:
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        codes = np.searchsorted(np.asarray(self.inner), x, side="right")
        return np.where(np.isnan(x), self.n_bins, codes).astype(np.int64)


Encoder = Categories | Bins


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
