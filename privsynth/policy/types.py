"""Types a policy action implies, checked before anything is transformed.

A date hierarchy or a date shift needs dates, intervals / top-coding / noise need numbers, a ZIP
prefix hierarchy (one with `zfill`) needs ZIP codes. A column of another type is refused with a
one-line error naming the column and the rule, never coerced: pandas reads floats as
nanoseconds since 1970, so a `Readmission_Rate` sent to a date rule would be released as the
constant `1970`. No cell value is quoted.
"""

from __future__ import annotations

import re

import pandas as pd

from privsynth.errors import InputError, first_row
from privsynth.policy.models import Action, ColumnAction

_ZIP = re.compile(r"\d{3,5}(-?\d{4})?")
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class TypeMismatchError(InputError):
    """A rule implies a type (date, number, ZIP code) the column's values do not have."""


def implied_type(action: ColumnAction) -> str | None:
    """'date', 'number' or 'zip' when `action` only makes sense for that type, else None."""
    if action.action is Action.SHIFT_DATES:
        return "date"
    if action.action is Action.NOISE:
        return "number"
    if action.action is Action.GENERALIZE and action.hierarchy is not None:
        kind = action.hierarchy.type
        if kind == "dates":
            return "date"
        if kind in ("intervals", "topcode"):
            return "number"
        if kind == "prefix" and getattr(action.hierarchy, "zfill", None) is not None:
            return "zip"
    return None


def _present(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values.astype(str).str.strip()
        values = values[values != ""]
    return values


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _bad_share(series: pd.Series, bad: pd.Series, what: str) -> str | None:
    """'text, N of M values not WHAT (first at row R)', or None when none is bad; `bad` is
    indexed like the present values of `series`, rows are 1-based positions in `series`."""
    if not bool(bad.any()):
        return None
    at = pd.Series(False, index=series.index)
    at[bad[bad].index] = True
    return (f"text, {int(bad.sum())} of {len(bad)} values not {what} (first at row "
            f"{first_row(at.to_numpy())})")


def actual_kind(series: pd.Series, wanted: str) -> str | None:
    """None when `series` fits `wanted`; otherwise a few words on what the values are."""
    values = _present(series)
    if values.empty:
        return None  # nothing to transform, nothing to coerce
    if wanted == "date":
        if pd.api.types.is_datetime64_any_dtype(values):
            return None
        if pd.api.types.is_bool_dtype(values):
            return "true/false values"
        if _numeric(values):
            return f"numbers ({values.dtype})"
        text = values.astype(str)
        if text.str.fullmatch(_NUMBER_TEXT).all():
            return "numbers written as text"
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        return _bad_share(series, parsed.isna(), "dates")
    if wanted == "number":
        if _numeric(values):
            return None
        if pd.api.types.is_bool_dtype(values):
            return "true/false values"
        if pd.api.types.is_datetime64_any_dtype(values):
            return "dates"
        bad = pd.to_numeric(values.astype(str), errors="coerce").isna()
        return _bad_share(series, bad, "numbers")
    if wanted == "zip":
        if _numeric(values):
            whole = (values.astype(float) % 1 == 0).all() and (values.astype(float) >= 0).all()
            return None if whole else "numbers with fractions"
        if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_bool_dtype(values):
            return "dates" if pd.api.types.is_datetime64_any_dtype(values) else "true/false values"
        bad = ~values.astype(str).str.fullmatch(_ZIP)
        return _bad_share(series, bad, "ZIP codes")
    raise ValueError(f"unknown implied type {wanted!r}")


def check_implied_type(
    policy_name: str, where: str, column: str, action: ColumnAction, series: pd.Series
) -> None:
    """Raise `TypeMismatchError` when the column does not have the type its action implies."""
    wanted = implied_type(action)
    if wanted is None:
        return
    found = actual_kind(series, wanted)
    if found is None:
        return
    how = {"date": "dates", "number": "numbers", "zip": "ZIP codes"}[wanted]
    raise TypeMismatchError(
        f"policy {policy_name!r} {where} ({action.action.value}) needs {how}, but column "
        f"{column!r} holds {found}: refusing to coerce; name the column under columns: with "
        "the action it needs"
    )
