"""DP typing: a column's value type (and date format) from a noisy histogram of value SHAPES.

Synthesize mode may not infer a type from the private values (one value of 30.5 among integers
would re-bin every row; one ISO date first would change how every other date parses). When the
policy leaves a column untyped, this step counts the column's cells per shape from a fixed,
public list — each non-missing cell falls in exactly one shape — and releases that histogram
with one OpenDP Gaussian measurement (L2 sensitivity m: one person adds or removes at most m
cells), charged to the ledger as "schema: value shapes of column X". The type and date format
are then chosen from the NOISY counts only (post-processing), by `decide_type`:

1. counts below `NOISE_Z` noise standard deviations are treated as zero (noise, not shapes);
2. nothing left: `categorical` (DP key discovery will decide what, if anything, is kept);
3. numbers (integer + decimal shapes) >= `MAJORITY` of what is left: a number column,
   `integer` when decimals are under `INTEGER_TOLERANCE` of the numbers, else `float`;
4. boolean words >= `MAJORITY`: `boolean`;
5. date shapes >= `MAJORITY`: a date column in the family with the largest noisy count; ISO
   with more datetimes than dates is `datetime`; `d/m/Y` against `m/d/Y` is decided by the
   shapes that only one reading fits (a first number over 12 is a day), ambiguous ones
   (both numbers <= 12) follow the larger, ties read as m/d/Y;
6. free text (4+ words or over 40 characters) >= `TEXT_SHARE`: `text` (never synthesized:
   the column is dropped);
7. otherwise `categorical`.

Cells that do not fit the chosen type become missing when the column is read (row-local).
Cost: one Gaussian measurement of |SHAPES| counts per untyped column, at the rho the pipeline
gives it (its share is stated in the ledger).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.synth.ledger import Ledger
from privsynth.synth.measure import measure_marginal

_D = "[0-9]"
DECIMAL = rf"[+-]?({_D}+\.?{_D}*|\.{_D}+)([eE][+-]?{_D}+)?"
# (shape, regular expression over the stripped text); the first that matches the whole cell wins.
SHAPES: tuple[tuple[str, str], ...] = (
    ("integer", rf"[+-]?[1-9]{_D}{{0,17}}|[+-]?0"),
    ("leading_zero", rf"0{_D}+"),  # codes and ZIPs: the digits are text
    ("decimal", DECIMAL),
    ("boolean", r"(?i)true|false|yes|no|y|n|t|f"),
    ("iso_date", rf"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}"),
    ("iso_datetime", rf"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}[T ]{_D}{{2}}:{_D}{{2}}(:{_D}{{2}}(\.{_D}{{1,6}})?)?Z?"),
    ("ymd_slash", rf"{_D}{{4}}/{_D}{{1,2}}/{_D}{{1,2}}"),
    ("dmy_slash", rf"(1[3-9]|2{_D}|3[01])/(0?[1-9]|1[0-2])/{_D}{{4}}"),  # first > 12: a day
    ("mdy_slash", rf"(0?[1-9]|1[0-2])/(1[3-9]|2{_D}|3[01])/{_D}{{4}}"),  # second > 12: a day
    ("either_slash", rf"(0?[1-9]|1[0-2])/(0?[1-9]|1[0-2])/{_D}{{4}}"),  # both <= 12
    ("dmy_dot", rf"{_D}{{1,2}}\.{_D}{{1,2}}\.{_D}{{4}}"),
    ("free_text", r"(?s)(\S+\s+){3,}\S+.*|.{41,}"),
    ("other_text", r"(?s).*"),
)
SHAPE_NAMES = tuple(name for name, _ in SHAPES)
NOISE_Z = 3.0
MAJORITY = 0.9
INTEGER_TOLERANCE = 0.05
TEXT_SHARE = 0.5
# The formats a date column is read with, per family (tried in turn; the first that fits wins).
ISO_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d",
)
DATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "iso": ("iso_date", "iso_datetime"),
    "ymd_slash": ("ymd_slash",),
    "slash": ("dmy_slash", "mdy_slash", "either_slash"),
    "dmy_dot": ("dmy_dot",),
}


@dataclass(frozen=True)
class DPType:
    """What DP typing decided for a column: type, the formats its dates are read with (the
    first is how they are written back), and the noisy shape counts it decided from."""

    type: str  # integer | float | boolean | date | datetime | categorical | text
    formats: tuple[str, ...] = ()
    noisy: Mapping[str, float] | None = None
    sigma: float = 0.0


def shape_of(text: pd.Series) -> pd.Series:
    """The shape name of each stripped, non-missing text cell (vectorized, first match wins)."""
    out = pd.Series(None, index=text.index, dtype=object)
    todo = np.ones(len(text), dtype=bool)
    s = text.astype("string")
    for name, pattern in SHAPES:
        if not todo.any():
            break
        hit = s.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & todo
        out[hit] = name
        todo &= ~hit
    return out


def shape_counts(key_counts: Mapping[str, int]) -> np.ndarray:
    """Rows per shape (in `SHAPE_NAMES` order) from rows per distinct stripped value: a
    private intermediate, only ever passed to `measure_shapes`."""
    if not key_counts:
        return np.zeros(len(SHAPES), dtype=np.int64)
    keys = pd.Series(list(key_counts.keys()), dtype=object)
    counts = np.fromiter(key_counts.values(), dtype=np.int64, count=len(key_counts))
    shapes = shape_of(keys).to_numpy(dtype=object)
    index = {name: i for i, name in enumerate(SHAPE_NAMES)}
    codes = np.array([index[s] for s in shapes], dtype=np.int64)
    return np.bincount(codes, weights=counts, minlength=len(SHAPES)).astype(np.int64)


def measure_shapes(
    counts: np.ndarray, *, ledger: Ledger, rho: float, sensitivity: int, column: str
) -> tuple[dict[str, float], float]:
    """The noisy shape histogram (one OpenDP Gaussian, charged) and its noise std."""
    noisy, sigma, _ = measure_marginal(
        counts,
        ledger=ledger,
        rho=rho,
        sensitivity=sensitivity,
        what=f"schema: value shapes of column {column!r}",
    )
    return dict(zip(SHAPE_NAMES, (float(v) for v in noisy), strict=True)), float(sigma)


def _family_formats(noisy: Mapping[str, float]) -> tuple[str, tuple[str, ...]]:
    """(date or datetime, formats) of the date family with the largest noisy count."""
    fam = max(DATE_FAMILIES, key=lambda f: (sum(noisy[s] for s in DATE_FAMILIES[f]), f == "iso"))
    if fam == "iso":
        if noisy["iso_datetime"] > noisy["iso_date"]:
            return "datetime", ISO_DATETIME_FORMATS
        return "date", ("%Y-%m-%d",)
    if fam == "ymd_slash":
        return "date", ("%Y/%m/%d",)
    if fam == "dmy_dot":
        return "date", ("%d.%m.%Y",)
    if noisy["dmy_slash"] > noisy["mdy_slash"]:
        return "date", ("%d/%m/%Y",)
    return "date", ("%m/%d/%Y",)


def decide_type(noisy: Mapping[str, float], sigma: float, *, dates_only: bool = False) -> DPType:
    """The type (and date formats) from a noisy shape histogram: post-processing, see module
    doc. `dates_only`: the policy already says the column holds dates, only the format is
    chosen (ISO when no date shape stands out of the noise)."""
    kept = {k: (v if v >= NOISE_Z * sigma else 0.0) for k, v in noisy.items()}
    total = sum(kept.values())
    share = {k: (v / total if total > 0 else 0.0) for k, v in kept.items()}
    date_share = sum(share[s] for f in DATE_FAMILIES.values() for s in f)
    if dates_only:
        if date_share <= 0:
            return DPType("date", ("%Y-%m-%d",), dict(noisy), sigma)
        t, fmts = _family_formats(kept)
        return DPType(t, fmts, dict(noisy), sigma)
    if total <= 0:
        return DPType("categorical", (), dict(noisy), sigma)
    numbers = share["integer"] + share["decimal"]
    if numbers >= MAJORITY:
        frac = share["decimal"] / numbers if numbers else 0.0
        return DPType("integer" if frac < INTEGER_TOLERANCE else "float", (), dict(noisy), sigma)
    if share["boolean"] >= MAJORITY:
        return DPType("boolean", (), dict(noisy), sigma)
    if date_share >= MAJORITY:
        t, fmts = _family_formats(kept)
        return DPType(t, fmts, dict(noisy), sigma)
    if share["free_text"] >= TEXT_SHARE:
        return DPType("text", (), dict(noisy), sigma)
    return DPType("categorical", (), dict(noisy), sigma)


def typing_sigma(rho: float, sensitivity: int) -> float:
    """The noise std of the shape histogram at `rho` (for the pre-flight)."""
    return sensitivity / math.sqrt(2.0 * rho) if rho > 0 else math.inf


__all__ = [
    "DPType",
    "SHAPES",
    "SHAPE_NAMES",
    "decide_type",
    "measure_shapes",
    "shape_counts",
    "shape_of",
    "typing_sigma",
]
