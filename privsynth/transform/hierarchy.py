"""Generalization hierarchies in ARX's layout, and `generalize` to apply one level of them.

A hierarchy is a DataFrame of strings: one row per distinct original value, column 0 the value
itself, column i its generalization at level i, the last column `*`. The k-anonymity search
(`kanonymize`) takes these; the policy's hierarchy specs build them from a column's values.
Missing values are not rows: they stay missing at every level.
"""

from __future__ import annotations

import math
import os
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from privsynth.errors import InputError, first_row

STAR = "*"


def value_strings(series: pd.Series) -> pd.Series:
    """The level-0 label of each value: integers without `.0`, dates as ISO, NA kept as NA.

    Hierarchies and `generalize` both key on these strings, so 39, 39.0 and "39" meet.
    """
    s = series
    if pd.api.types.is_datetime64_any_dtype(s):
        has_time = bool(((s.dt.hour != 0) | (s.dt.minute != 0) | (s.dt.second != 0)).any())
        out = s.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
        return out.astype(object).where(s.notna(), None)
    if pd.api.types.is_bool_dtype(s):
        return s.astype(object).where(s.isna(), s.astype(str))
    if pd.api.types.is_numeric_dtype(s):
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(vals)
        is_int = finite & (np.floor(vals) == vals) & (np.abs(vals) < 2**53)
        out = np.full(len(s), None, dtype=object)
        out[is_int] = vals[is_int].astype(np.int64).astype(str)
        other = finite & ~is_int
        out[other] = np.char.mod("%.10g", vals[other])
        return pd.Series(out, index=s.index, dtype=object)
    out = s.astype(object)
    return out.where(out.isna(), out.astype(str))


def _distinct(series: pd.Series) -> pd.Series:
    labels = value_strings(series)
    return pd.Series(pd.unique(labels.dropna()), dtype=object)


def _not_numeric_row(values: pd.Series) -> str:
    """`row 17: ` for the first present value of `values` that is not a number."""
    bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
    return f"row {first_row(bad):,}: " if bad.any() else ""


def _column(values: pd.Series) -> str:
    """`column 'age': ` for error messages when the values carry their column's name."""
    name = getattr(values, "name", None)
    return f"column {name!r}: " if name is not None else ""


def _frame(levels: list[pd.Series | np.ndarray | list]) -> pd.DataFrame:
    cols = {i: pd.Series(np.asarray(lv, dtype=object)) for i, lv in enumerate(levels)}
    n = len(cols[0])
    cols[len(cols)] = pd.Series([STAR] * n, dtype=object)
    return pd.DataFrame(cols).astype(object)


# --------------------------------------------------------------------------------------- builders
def intervals_hierarchy(
    values: pd.Series,
    widths: list[float],
    *,
    bottom: float | None = None,
    top: float | None = None,
) -> pd.DataFrame:
    """Numeric intervals: level i bins values into `widths[i-1]`-wide intervals anchored at
    `bottom` (or 0). Values below `bottom` become `<bottom`, values >= `top` become `>=top`."""
    distinct = _distinct(values)
    nums = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=float)
    if np.isnan(nums).any():
        raise InputError(f"{_column(values)}{_not_numeric_row(values)}interval hierarchy needs numbers")
    anchor = 0.0 if bottom is None else float(bottom)
    integral = bool(np.all(np.floor(nums) == nums)) and all(float(w).is_integer() for w in widths)
    levels: list = [distinct.to_numpy(dtype=object)]
    for w in widths:
        lo = anchor + np.floor((nums - anchor) / w) * w
        hi = lo + w
        if integral:
            lab = np.char.add(np.char.add(_fmt(lo), "-"), _fmt(hi - 1))
        else:
            lab = np.char.add(np.char.add(np.char.add("[", _fmt(lo)), ", "), np.char.add(_fmt(hi), ")"))
        lab = lab.astype(object)
        if bottom is not None:
            lab[nums < bottom] = f"<{_fmt1(bottom)}"
        if top is not None:
            lab[nums >= top] = f">={_fmt1(top)}"
        levels.append(lab)
    return _frame(levels)


def _fmt(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    whole = np.floor(a) == a
    out = np.where(whole, np.char.mod("%d", np.where(whole, a, 0).astype(np.int64)), np.char.mod("%g", a))
    return out.astype(str)


def _fmt1(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


_DATE_FORMATS = {"month": "%Y-%m", "year": "%Y"}


def dates_hierarchy(
    values: pd.Series,
    levels: list[str],
    *,
    top_age: int | None = None,
    reference: date | None = None,
) -> pd.DataFrame:
    """Date truncation: the date itself, then each of week / month / quarter / year / decade.

    With `top_age`, dates in or before the year `reference.year - top_age` (someone born then
    can be `top_age` or older at `reference`, default today) become `<=YEAR` at every truncated
    level, so no level reveals an age over the cap (HIPAA Safe Harbor for ages over 89).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    else:
        dates = pd.to_datetime(values, errors="coerce", format="mixed")
        if (dates.isna() & values.notna()).any():
            row = first_row(dates.isna() & values.notna())
            raise InputError(f"{_column(values)}row {row:,}: date hierarchy needs dates")
    labels = value_strings(dates)
    keep = labels.notna() & ~labels.duplicated()
    d, lab0 = dates[keep].reset_index(drop=True), labels[keep].reset_index(drop=True)
    out: list = [lab0.to_numpy(dtype=object)]
    old = np.zeros(len(d), dtype=bool)
    if top_age is not None:
        cut = (reference or date.today()).year - top_age
        old = (d.dt.year <= cut).to_numpy(dtype=bool)
    for lv in levels:
        lab = _truncate_dates(d, lv).to_numpy(dtype=object)
        if old.any():
            lab[old] = f"<={cut}"
        out.append(lab)
    return _frame(out)


def _truncate_dates(d: pd.Series, level: str) -> pd.Series:
    if level in _DATE_FORMATS:
        return d.dt.strftime(_DATE_FORMATS[level])
    if level == "week":
        iso = d.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    if level == "quarter":
        return d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str)
    if level == "decade":
        return ((d.dt.year // 10) * 10).astype(str) + "s"
    raise InputError(f"unknown date level {level!r}")


def hipaa_zip3_restricted() -> list[str]:
    """ZIP3 prefixes whose areas held 20,000 or fewer people (Census 2000, HHS Safe Harbor
    guidance): Safe Harbor releases them as "000". Shipped as data in `privsynth/data`."""
    text = (resources.files("privsynth") / "data" / "hipaa_zip3_restricted.txt").read_text()
    return [ln.split("#")[0].strip() for ln in text.splitlines() if ln.split("#")[0].strip()]


def prefix_hierarchy(
    values: pd.Series,
    lengths: list[int],
    *,
    masked_prefixes: list[str] | str | None = None,
    masked_label: str = "000",
    zfill: int | None = None,
    pad: str | None = None,
) -> pd.DataFrame:
    """Prefix truncation (ZIP 02139 -> 021 -> 0): level i keeps `lengths[i-1]` characters.

    Values whose prefix is in `masked_prefixes` ("hipaa": the Safe Harbor ZIP3 list) become
    `masked_label` at every truncated level. `zfill` restores leading zeros of numbers;
    `pad` fills the cut characters (`021**`) instead of dropping them.
    """
    distinct = _distinct(values)
    keys = distinct.str.strip()
    if zfill:
        keys = keys.str.zfill(zfill)
    if masked_prefixes == "hipaa":
        masked_prefixes = hipaa_zip3_restricted()
    masked = set(masked_prefixes or [])
    levels: list = [distinct.to_numpy(dtype=object)]
    for n in lengths:
        cut = keys.str.slice(0, n)
        if pad:
            cut = cut + keys.str.len().sub(n).clip(lower=0).map(lambda k: pad * k)
        if masked:
            hit = np.zeros(len(keys), dtype=bool)
            for m in masked:
                hit |= keys.str.startswith(m).to_numpy(dtype=bool)
            # A masked prefix stays masked at coarser levels too: never reveal it by length.
            cut = cut.where(~hit, masked_label[:n] if n < len(masked_label) else masked_label)
        levels.append(cut.to_numpy(dtype=object))
    return _frame(levels)


def topcode_hierarchy(
    values: pd.Series,
    *,
    top: float | None = None,
    bottom: float | None = None,
    label: str | None = None,
    bottom_label: str | None = None,
) -> pd.DataFrame:
    """Top / bottom coding: values >= `top` -> `label` ("90+"), values < `bottom` -> `bottom_label`
    ("<18"); others keep their value. Level 2 is `*`."""
    distinct = _distinct(values)
    nums = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=float)
    if np.isnan(nums).any():
        raise InputError(f"{_column(values)}{_not_numeric_row(values)}top/bottom coding needs numbers")
    coded = distinct.to_numpy(dtype=object).copy()
    if top is not None:
        coded[nums >= top] = label if label is not None else f"{_fmt1(top)}+"
    if bottom is not None:
        coded[nums < bottom] = bottom_label if bottom_label is not None else f"<{_fmt1(bottom)}"
    return _frame([distinct.to_numpy(dtype=object), coded])


def read_arx_hierarchy(path: str | os.PathLike[str], sep: str = ";") -> pd.DataFrame:
    """A hierarchy from an ARX CSV: no header, one row per value, column 0 the value, the last
    column the root `*`. The one reader for `kanonymize` users and policy `type: arx` specs."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"hierarchy file {str(path)!r} does not exist")
    try:
        df = pd.read_csv(
            path,
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            engine="python" if len(sep) > 1 else "c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"hierarchy file {str(path)!r} is not a {sep!r}-separated table: {exc}") from None
    if df.empty:
        raise InputError(f"hierarchy file {str(path)!r} is empty")
    if df.shape[1] < 2:
        raise InputError(f"{path}: an ARX hierarchy needs at least two levels (value and *)")
    if df[0].duplicated().any():
        raise InputError(
            f"{path}: line {first_row(df[0].duplicated()):,} repeats a value of an earlier line "
            "in the first column"
        )
    df.columns = list(range(df.shape[1]))
    return df.astype(object)


def flat_hierarchy(values: pd.Series) -> pd.DataFrame:
    """Value or `*`: the hierarchy of a categorical column nobody described."""
    return _frame([_distinct(values).to_numpy(dtype=object)])


def default_hierarchy(values: pd.Series) -> pd.DataFrame:
    """A reasonable hierarchy for a quasi-identifier the policy gave none: dates truncate,
    numbers fall into nested intervals of a round width, categories are kept or starred."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return dates_hierarchy(values, ["month", "year", "decade"])
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = pd.to_numeric(values, errors="coerce").dropna()
        if nums.nunique() > 10:
            span = float(nums.max() - nums.min()) or 1.0
            base = 10 ** math.floor(math.log10(span / 20)) if span >= 20 else 1
            step = next(m * base for m in (1, 2, 5, 10) if span / (m * base) <= 20)
            return intervals_hierarchy(values, [step, step * 2, step * 4, step * 8])
    return flat_hierarchy(values)


def hierarchy_input(spec, values: pd.Series) -> pd.Series:
    """The column as its hierarchy keys it: date specs parse text dates (any common format)."""
    if getattr(spec, "type", None) == "dates" and not pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        bad = parsed.isna() & values.notna()
        if bad.any():
            raise InputError(
                f"date hierarchy on column {values.name!r}, row {first_row(bad):,}: "
                "not a date"
            )
        return parsed.rename(values.name)
    return values


def build_hierarchy(spec, values: pd.Series, *, base_dir: str | os.PathLike[str] | None = None):
    """Build the ARX-layout DataFrame of a policy hierarchy spec for a column's values."""
    kind = spec.type
    if kind == "intervals":
        return intervals_hierarchy(values, spec.widths, bottom=spec.bottom, top=spec.top)
    if kind == "dates":
        return dates_hierarchy(values, spec.levels, top_age=spec.top_age, reference=spec.reference)
    if kind == "prefix":
        return prefix_hierarchy(
            values,
            spec.lengths,
            masked_prefixes=spec.masked_prefixes,
            masked_label=spec.masked_label,
            zfill=spec.zfill,
            pad=spec.pad,
        )
    if kind == "topcode":
        return topcode_hierarchy(
            values, top=spec.top, bottom=spec.bottom, label=spec.label, bottom_label=spec.bottom_label
        )
    if kind == "arx":
        path = Path(spec.file)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        h = read_arx_hierarchy(path, sep=spec.delimiter)
        if spec.levels is not None and h.shape[1] != spec.levels:
            raise InputError(f"{path}: has {h.shape[1]} levels, the policy declares {spec.levels}")
        return h
    raise InputError(f"unknown hierarchy type {kind!r}")


def generalize(series: pd.Series, hierarchy: pd.DataFrame, level: int) -> pd.Series:
    """Replace each value by its level-`level` label in `hierarchy` (missing stays missing).

    Raises `InputError` for a level the hierarchy lacks or a value it does not list.
    """
    n_levels = hierarchy.shape[1]
    if not 0 <= level < n_levels:
        raise InputError(f"level {level} out of range: the hierarchy has levels 0..{n_levels - 1}")
    labels = value_strings(series)
    table = hierarchy.iloc[:, [0, level]].astype(str)
    mapping = pd.Series(table.iloc[:, 1].to_numpy(dtype=object), index=table.iloc[:, 0].to_numpy())
    if mapping.index.duplicated().any():
        mapping = mapping[~mapping.index.duplicated()]
    out = labels.map(mapping)
    unknown = out.isna() & labels.notna()
    if unknown.any():
        # the row, never the value (privacy rule 6): the value is a cell of the private data
        name = f"column {series.name!r}, " if series.name is not None else ""
        raise InputError(
            f"{name}row {first_row(unknown):,}: a value that is not in its hierarchy "
            f"({int(unknown.sum())} rows)"
        )
    return out.astype(object)
