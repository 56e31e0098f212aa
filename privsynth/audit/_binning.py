"""Shared integer coding of an original table and its release, for the utility metrics.

The audit is run by the data holder on their own data, so bins and category lists come from
the ORIGINAL table (no DP here: nothing of this is published except the metrics themselves).
Numeric columns get equal-width bins over the original's range (release values outside it go to
an extra "below" / "above" cell, so an out-of-range release is not hidden by clipping);
categorical columns keep the original's most frequent levels; missing values are a category.

Columns whose release values no longer share the original's representation (a numeric column
generalized to "30-39" intervals, a name column replaced by pseudonyms) cannot be compared cell
by cell; they are excluded from the value-level metrics and listed with the reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from privsynth.audit.suppression import is_suppressed
from privsynth.engine import count_marginals

NUMERIC = "numeric"
CATEGORICAL = "categorical"



@dataclass
class EncodedPair:
    """Original and release coded on one public-to-the-auditor domain."""

    columns: list[str]
    kinds: dict[str, str]
    original: pd.DataFrame  # int64 codes
    release: pd.DataFrame  # int64 codes
    domain: dict[str, int]
    labels: dict[str, list[str]]
    numeric_original: dict[str, np.ndarray] = field(default_factory=dict)  # raw floats
    numeric_release: dict[str, np.ndarray] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # column -> reason
    codings: dict[str, ColumnCoding] = field(default_factory=dict)  # how each column was coded
    # Counts over the whole tables when the codes above are a row sample (audit at scale):
    # `full_counts(which, sets)` -> one array per column set, on `full_domain` / `full_labels`.
    full_counts: Any = None
    full_domain: dict[str, int] = field(default_factory=dict)
    full_labels: dict[str, list[str]] = field(default_factory=dict)

    def marginals(self, which: str, sets: list[tuple[str, ...]]) -> list[np.ndarray]:
        """Counts of each column set in the original ("o") or the release ("r"): over the
        whole tables when full counts are attached, else over the coded rows."""
        if self.full_counts is not None:
            return self.full_counts(which, sets)
        return count_marginals(self.original if which == "o" else self.release, sets, self.domain)

    def one_way_labels(self, col: str) -> list[str]:
        """Labels of the cells `marginals(which, [(col,)])` returns."""
        return self.full_labels[col] if self.full_counts is not None else self.labels[col]


def _as_float(s: pd.Series) -> tuple[np.ndarray, float]:
    """Float values of `s` (NaN for missing) and the share of non-missing values that did not parse."""
    if pd.api.types.is_datetime64_any_dtype(s):
        # seconds since the epoch whatever the unit (an original in us, a parsed release in
        # ns must land on the same bins)
        if s.dt.tz is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        vals = ((s - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(
            dtype=float, na_value=np.nan
        )
        return vals, 0.0
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float).to_numpy(), 0.0
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), 0.0
    text = s.astype("string")
    text = text.mask(is_suppressed(text))
    num = pd.to_numeric(text, errors="coerce")
    present = text.notna().to_numpy()
    bad = present & num.isna().to_numpy()
    share = float(bad.sum() / max(present.sum(), 1))
    return num.to_numpy(dtype=float, na_value=np.nan), share


def _as_dates(s: pd.Series, recoded_share: float) -> tuple[pd.Series, str]:
    """A release column of date strings as datetimes, or the reason it is not comparable
    (years only, "1980s", shifted to another representation)."""
    text = s.astype("string")
    present = text.notna()
    if present.any() and text[present].str.len().median() < 8:
        return s, "generalized in the release (coarser than full dates)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = float((present & parsed.isna()).sum() / max(int(present.sum()), 1))
    if bad > recoded_share:
        return s, f"generalized or recoded in the release ({bad:.0%} of its values are not dates)"
    return parsed, ""


def _is_numeric_original(s: pd.Series, max_levels: int) -> bool:
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if not pd.api.types.is_numeric_dtype(s):
        return False
    return s.nunique(dropna=True) > max_levels


def _short(x: float) -> str:
    """Compact number for bin labels: 1.23M, 45.6k, 17.5."""
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def _category_keys(so: pd.Series, sr: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Comparable keys: floats when the original is numeric (so 13 == 13.0), else strings."""
    if pd.api.types.is_numeric_dtype(so) and not pd.api.types.is_bool_dtype(so):
        vr, bad = _as_float(sr)
        if bad == 0.0:
            return pd.Series(_as_float(so)[0]), pd.Series(vr)
    to = so.astype("string").reset_index(drop=True)
    tr = sr.astype("string").reset_index(drop=True)
    return to, tr.mask(is_suppressed(tr))


def _bin(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..bins-1 inside the edges; bins = below, bins+1 = above, bins+2 = missing."""
    bins = len(edges) - 1
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    codes = codes.astype(np.int64)
    codes[values < edges[0]] = bins
    codes[values > edges[-1]] = bins + 1
    codes[np.isnan(values)] = bins + 2
    return codes, bins


def _compact(orig: np.ndarray, rel: np.ndarray, labels: list[str]):
    """Drop code values neither table uses (keeps domains, and 3-way tables, small)."""
    used = np.zeros(len(labels), dtype=bool)
    used[np.unique(orig)] = True
    used[np.unique(rel)] = True
    remap = np.cumsum(used) - 1
    return remap[orig], remap[rel], [lab for lab, u in zip(labels, used, strict=True) if u]


@dataclass(frozen=True)
class ColumnCoding:
    """How one column is coded: enough to code more rows of either table the same way.

    The decisions (bins, kept levels, float or text keys, dates in the release) are taken once
    from the two tables `encode_pair` sees; `code_column` then applies them to any rows, e.g.
    every chunk of a file too large to load (the audit's full-table counts).
    """

    kind: str  # NUMERIC | CATEGORICAL
    labels: tuple[str, ...]  # one per code, before compaction
    edges: tuple[float, ...] = ()  # numeric: bin edges
    levels: tuple = ()  # categorical: the kept levels, most frequent first
    float_keys: bool = False  # categorical: compare as floats (numeric original)
    release_dates: bool = False  # numeric: the release holds dates as text


def code_column(coding: ColumnCoding, s: pd.Series, which: str) -> np.ndarray:
    """Uncompacted codes of `s`, a column of the original (`which="o"`) or the release ("r")."""
    if coding.kind == NUMERIC:
        if coding.release_dates and which == "r":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = pd.to_datetime(s.astype("string"), errors="coerce", format="mixed")
        return _bin(_as_float(s)[0], np.asarray(coding.edges))[0]
    if coding.float_keys:
        keys = pd.Series(_as_float(s)[0])
    else:
        keys = s.astype("string").reset_index(drop=True)
        if which == "r":
            keys = keys.mask(is_suppressed(keys))
    k = len(coding.levels)
    codes = pd.Index(list(coding.levels)).get_indexer(keys).astype(np.int64)
    codes[(codes < 0) & keys.notna().to_numpy()] = k  # (other): beyond the top levels
    codes[codes < 0] = k + 1
    return codes


def encode_pair(
    original: pd.DataFrame,
    release: pd.DataFrame,
    *,
    bins: int = 20,
    max_levels: int = 50,
    identifier_share: float = 0.5,
    recoded_share: float = 0.05,
    skip: Mapping[str, str] | None = None,
    keep_recoded: bool = False,
) -> EncodedPair:
    """Code both tables on the original's bins / levels; see the module docstring.

    `skip` names columns left out of the comparison up front (with the reason: e.g. the
    manifest says they were generalized). With `keep_recoded` (a synthetic release, whose
    values should all be the original's), values the original never holds are not taken for a
    recoding of the column: they are compared as they are, falling in the "(other)" cell of a
    categorical column or the missing cell of a numeric one, so a table of `other` scores as
    far from the original as it is."""
    columns: list[str] = []
    kinds: dict[str, str] = {}
    domain: dict[str, int] = {}
    labels: dict[str, list[str]] = {}
    codes_o: dict[str, np.ndarray] = {}
    codes_r: dict[str, np.ndarray] = {}
    num_o: dict[str, np.ndarray] = {}
    num_r: dict[str, np.ndarray] = {}
    excluded: dict[str, str] = {}
    codings: dict[str, ColumnCoding] = {}
    n_orig = max(len(original), 1)
    for col in original.columns:
        if skip and col in skip:
            excluded[col] = skip[col]
            continue
        so, sr = original[col], release[col]
        dates = False
        if pd.api.types.is_datetime64_any_dtype(so) and not pd.api.types.is_datetime64_any_dtype(
            sr
        ):
            parsed, why = _as_dates(sr, recoded_share)
            if why and not keep_recoded:
                excluded[col] = why
                continue
            if why:  # a synthetic release: what does not parse as a date is a lost value
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parsed = pd.to_datetime(sr.astype("string"), errors="coerce", format="mixed")
            sr = parsed
            dates = True
        if _is_numeric_original(so, max_levels):
            vo, _ = _as_float(so)
            vr, bad = _as_float(sr)
            if bad > recoded_share and not keep_recoded:
                excluded[col] = (
                    f"generalized or recoded in the release ({bad:.0%} of its values are not numbers)"
                )
                continue
            finite = vo[np.isfinite(vo)]
            if finite.size == 0:
                excluded[col] = "no values in the original"
                continue
            lo, hi = float(finite.min()), float(finite.max())
            if hi <= lo:
                hi = lo + 1.0
            edges = np.linspace(lo, hi, bins + 1)
            co, nb = _bin(vo, edges)
            cr, _ = _bin(vr, edges)
            labs = [f"{_short(edges[i])}–{_short(edges[i + 1])}" for i in range(nb)]
            labs += [f"<{_short(lo)}", f">{_short(hi)}", "(missing)"]
            kinds[col] = NUMERIC
            num_o[col], num_r[col] = vo, vr
            codings[col] = ColumnCoding(
                NUMERIC, tuple(labs), edges=tuple(float(e) for e in edges), release_dates=dates
            )
        else:
            to, tr = _category_keys(so, sr)
            float_keys = pd.api.types.is_float_dtype(to)
            n_unique = to.nunique(dropna=True)
            if n_unique > max_levels and n_unique / n_orig > identifier_share:
                excluded[col] = f"identifier-like ({n_unique} distinct values in the original)"
                continue
            counts = to.value_counts(dropna=True)
            cats = list(counts.index[:max_levels])
            present = tr.notna().to_numpy()
            in_orig = tr.isin(set(counts.index)).to_numpy()
            share_new = float((present & ~in_orig).sum() / max(present.sum(), 1))
            if share_new > recoded_share and n_unique > 1 and not keep_recoded:
                excluded[col] = (
                    f"generalized or recoded in the release ({share_new:.0%} of its values "
                    "never occur in the original)"
                )
                continue
            k = len(cats)
            index = pd.Index(cats)
            co = index.get_indexer(to).astype(np.int64)  # -1: missing or not a kept level
            cr = index.get_indexer(tr).astype(np.int64)
            co[(co < 0) & to.notna().to_numpy()] = k  # (other): beyond the top levels
            cr[(cr < 0) & tr.notna().to_numpy()] = k
            co[co < 0] = k + 1
            cr[cr < 0] = k + 1
            labs = [str(c) for c in cats] + ["(other)", "(missing)"]
            kinds[col] = CATEGORICAL
            codings[col] = ColumnCoding(
                CATEGORICAL, tuple(labs), levels=tuple(cats), float_keys=bool(float_keys)
            )
        co, cr, labs = _compact(co, cr, labs)
        columns.append(col)
        codes_o[col], codes_r[col] = co, cr
        domain[col] = len(labs)
        labels[col] = labs
    return EncodedPair(
        columns=columns,
        kinds=kinds,
        original=pd.DataFrame(codes_o, index=None),
        release=pd.DataFrame(codes_r, index=None),
        domain=domain,
        labels=labels,
        numeric_original=num_o,
        numeric_release=num_r,
        excluded=excluded,
        codings=codings,
    )
