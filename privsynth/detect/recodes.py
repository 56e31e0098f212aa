"""Columns that recode another column: `GenderID` beside `Sex`, `RACEN` beside `RACE`.

A recode carries the same information as what it recodes, so it is the same quasi-identifier
(or the same sensitive attribute). Found cheaply on a row sample, from distinct counts only:
on the rows where both columns have a value, column B recodes column A both ways when the
pairs (A, B) have as many distinct values as A and as B (a bijection); B is a coarsening of A
(`AGEGR1` beside `AGE`, `MarriedID` beside `MaritalDesc`) when the pairs have as many distinct
values as A, B has fewer, and A's values repeat enough (several rows per value) that the
dependency is not an accident of a small sample. Near-unique columns are
left out: any two keys are bijections of each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SAMPLE_ROWS = 5000  # rows of the table the dependencies are checked on
MAX_DISTINCT = 200  # a recode is a category: more distinct values than this is no recode
MIN_ROWS = 20  # rows where both columns have a value
REPEATS = 3  # a coarsening needs this many rows per value of the source, on average


@dataclass(frozen=True)
class Recode:
    """Column `target` recodes column `source` (indices into the table's columns)."""

    target: int
    source: int
    both_ways: bool  # a bijection (True) or a coarsening of the source (False)


def _codes(rows: pd.DataFrame) -> list[tuple[np.ndarray, int]]:
    """Per column: integer codes (-1 for missing) and the number of distinct values."""
    out = []
    for col in rows.columns:
        s = rows[col]
        try:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
        except TypeError:  # unhashable cells
            codes, uniques = pd.factorize(s.astype(str), use_na_sentinel=True)
        blank = np.fromiter((isinstance(u, str) and u.strip() in ("", "nan", "None")
                             for u in uniques), dtype=bool, count=len(uniques))
        if blank.any():  # blank strings are missing too
            codes = np.where((codes >= 0) & blank[np.maximum(codes, 0)], -1, codes)
        out.append((codes.astype(np.int64), len(uniques)))
    return out


def find_recodes(rows: pd.DataFrame, sources: list[int], targets: list[int],
                 coarsenable: set[int], seed: int = 0) -> list[Recode]:
    """The best recode for each target column, if any.

    `sources` are columns whose class is known (personal), `targets` columns still undecided;
    `coarsenable` are the sources a coarsening may come from (categories, ages, dates: not
    money or free text). A bijection beats a coarsening; among coarsenings the source with
    the fewest values (the closest) wins.
    """
    if not sources or not targets or rows.shape[0] < MIN_ROWS:
        return []
    if len(rows) > SAMPLE_ROWS:
        rows = rows.sample(SAMPLE_ROWS, random_state=seed)
    wanted = sorted(set(sources) | set(targets))
    sub = rows.iloc[:, wanted]
    index = {c: i for i, c in enumerate(wanted)}
    codes = _codes(sub)
    out = []
    for t in targets:
        ct, nt = codes[index[t]]
        if not 2 <= nt <= MAX_DISTINCT:
            continue
        best: tuple[tuple, Recode] | None = None
        for s in sources:
            if s == t:
                continue
            cs, ns = codes[index[s]]
            if not 2 <= ns <= MAX_DISTINCT:
                continue
            mask = (cs >= 0) & (ct >= 0)
            n = int(mask.sum())
            if n < MIN_ROWS or ns > n / 2:
                continue
            a, b = cs[mask], ct[mask]
            na, nb = len(np.unique(a)), len(np.unique(b))
            if nb < 2 or na > n / 2 or nb > n / 2:
                continue
            pairs = len(np.unique(a * (nb + 1 + int(b.max())) + b))
            if pairs != na:
                continue  # the target is not a function of the source
            if nb == na:
                rank = (0, na)
                rec = Recode(t, s, True)
            elif s in coarsenable and n >= REPEATS * na:
                rank = (1, na)
                rec = Recode(t, s, False)
            else:
                continue
            if best is None or rank < best[0]:
                best = (rank, rec)
        if best is not None:
            out.append(best[1])
    return out
