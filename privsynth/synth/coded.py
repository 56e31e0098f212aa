"""The private data as MST and AIM see it: integer codes over a public domain, counted on demand.

Two forms, one interface (`marginals`, `recode`, `n_rows`):
- `GroupedCodes`: the distinct code tuples and how many rows hold each (a compact weighted
  table). Engines build it with one GROUP BY over all coded columns; on real tables the groups
  are far fewer than the rows, so every later marginal is a bincount on the driver.
- `EngineCodes`: when there are too many groups, each marginal is counted by the engine over
  the raw rows (encoders applied in the engine) and recoded on the driver.

Both return exact counts; noise is added above them (privacy rule 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from privsynth.engine import CountingEngine, MemoryEngine
from privsynth.engine.base import marginals_from_groups
from privsynth.errors import InputError


@dataclass
class GroupedCodes:
    """Distinct rows of codes (`codes[col][g]`) and the number of rows in each (`counts[g]`).

    Groups are sorted by their codes, so the table is the same whichever engine grouped it.
    """

    codes: dict[str, np.ndarray]
    counts: np.ndarray

    def __post_init__(self) -> None:
        self.codes = {c: np.asarray(v, dtype=np.int64) for c, v in self.codes.items()}
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if self.codes and len(self.counts):
            order = np.lexsort([self.codes[c] for c in reversed(list(self.codes))])
            self.codes = {c: v[order] for c, v in self.codes.items()}
            self.counts = self.counts[order]

    @classmethod
    def from_frame(cls, df: pd.DataFrame, domain: Mapping[str, int]) -> GroupedCodes:
        """Group a DataFrame of integer codes (one row per record) in memory."""
        cols = list(domain)
        if not len(df):
            return cls({c: np.zeros(0, dtype=np.int64) for c in cols}, np.zeros(0, dtype=np.int64))
        g = MemoryEngine().group_counts(
            [df[c].to_numpy(dtype=np.int64) for c in cols], [domain[c] for c in cols]
        )
        return cls({c: g.keys[:, j] for j, c in enumerate(cols)}, g.counts)

    @property
    def columns(self) -> list[str]:
        return list(self.codes)

    @property
    def n_rows(self) -> int:
        """The exact number of rows: private, for internal use (a DP count is released)."""
        return int(self.counts.sum())

    @property
    def n_groups(self) -> int:
        return int(self.counts.size)

    def check(self, domain: Mapping[str, int]) -> None:
        for c, size in domain.items():
            if c not in self.codes:
                raise InputError(f"domain column {c!r} is not in the data")
            v = self.codes[c]
            if v.size and (v.min() < 0 or v.max() >= size):
                raise InputError(
                    f"column {c!r} has a value outside its domain 0..{size - 1} "
                    f"(found {int(v.min())}..{int(v.max())})"
                )

    def marginals(
        self, cliques: Sequence[Sequence[str]], domain: Mapping[str, int]
    ) -> list[np.ndarray]:
        return marginals_from_groups(self.codes, self.counts, [tuple(c) for c in cliques], domain)

    def recode(self, maps: Mapping[str, np.ndarray]) -> GroupedCodes:
        """Codes mapped through `maps[col][old] = new` (e.g. merged rare cells); groups that
        become equal stay separate rows, which sums the same."""
        out = object.__new__(GroupedCodes)
        out.codes = {c: np.asarray(maps[c], dtype=np.int64)[v] for c, v in self.codes.items()}
        out.counts = self.counts
        return out


@dataclass
class EngineCodes:
    """Marginals counted by `engine` over `data` with the public `encoders` (too many groups to
    bring to the driver). `maps` recodes the engine's codes (merged rare cells) on the driver."""

    engine: CountingEngine
    data: Any
    encoders: Mapping[str, Any]
    domain: dict[str, int]
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    _n_rows: int | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.domain)

    @property
    def n_rows(self) -> int:
        if self._n_rows is None:
            c = self.columns[0]
            self._n_rows = int(self.engine.marginals(self.data, [()], {c: self.domain[c]})[0])
        return self._n_rows

    def check(self, domain: Mapping[str, int]) -> None:
        for c, size in domain.items():
            if c not in self.domain or self.domain[c] != size:
                raise InputError(f"domain column {c!r} does not match the engine's coding")

    def marginals(
        self, cliques: Sequence[Sequence[str]], domain: Mapping[str, int]
    ) -> list[np.ndarray]:
        cliques = [tuple(c) for c in cliques]
        raw = self.engine.marginals(self.data, cliques, self.domain, self.encoders)
        return [self._recode_counts(x, cl, domain) for x, cl in zip(raw, cliques, strict=True)]

    def _recode_counts(self, x: np.ndarray, clique: tuple[str, ...], domain) -> np.ndarray:
        for axis, c in enumerate(clique):
            m = self.maps.get(c)
            if m is None:
                continue
            moved = np.moveaxis(x, axis, 0)
            out = np.zeros((int(domain[c]), *moved.shape[1:]), dtype=np.float64)
            np.add.at(out, m, moved)
            x = np.moveaxis(out, 0, axis)
        return x

    def recode(self, maps: Mapping[str, np.ndarray]) -> EngineCodes:
        new = {}
        for c, m in maps.items():
            m = np.asarray(m, dtype=np.int64)
            new[c] = m[self.maps[c]] if c in self.maps else m
        return EngineCodes(self.engine, self.data, self.encoders, self.domain, new, self._n_rows)


CodedData = GroupedCodes | EngineCodes


def check_domain(df: pd.DataFrame, domain: Mapping[str, int]) -> dict[str, int]:
    """Validate integer-coded data against a public domain; InputError names the first problem."""
    if not isinstance(df, pd.DataFrame):
        raise InputError("fit() expects a pandas DataFrame of integer codes")
    dom = check_domain_sizes(domain)
    extra = [c for c in df.columns if c not in dom]
    if extra:
        raise InputError(f"column {extra[0]!r} is missing from the domain")
    missing = [c for c in dom if c not in df.columns]
    if missing:
        raise InputError(f"domain column {missing[0]!r} is not in the data")
    if len(df) == 0:
        raise InputError("the data has no rows")
    for col, k in dom.items():
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s) or s.isna().any():
            raise InputError(
                f"column {col!r} must hold integer codes 0..{k - 1} without missing values"
            )
        arr = s.to_numpy()
        if arr.dtype.kind == "f" and not np.all(arr == np.floor(arr)):
            raise InputError(f"column {col!r} must hold integer codes")
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi >= k:
            raise InputError(
                f"column {col!r} has a value outside its domain 0..{k - 1} (found {int(lo)}..{int(hi)})"
            )
    return dom


def check_domain_sizes(domain: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(domain, Mapping) or not domain:
        raise InputError("domain must be a non-empty mapping {column: number of values}")
    dom = {}
    for col, size in domain.items():
        try:
            k = int(size)
        except (TypeError, ValueError):
            raise InputError(f"domain size of {col!r} must be an integer (got {size!r})") from None
        if k < 1:
            raise InputError(f"domain size of {col!r} must be >= 1 (got {size!r})")
        dom[str(col)] = k
    return dom


def as_coded(data: Any, domain: Mapping[str, int]) -> CodedData:
    """The input of MST/AIM `fit` as counted data: a DataFrame of codes is grouped in memory."""
    if isinstance(data, GroupedCodes | EngineCodes):
        data.check(domain)
        return data
    dom = check_domain(data, domain)
    return GroupedCodes.from_frame(data[list(dom)].astype(np.int64), dom)
