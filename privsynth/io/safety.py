"""Spreadsheet formula injection: text cells a spreadsheet would run as a formula, neutralized.

Excel, LibreOffice and Google Sheets evaluate a CSV cell whose first character is `=`, `+`,
`-` or `@` (and, in some versions, a leading tab or carriage return) as a formula; a release of
private text (a name field holding `=HYPERLINK(...)`) must not execute when an analyst opens
it. Following OWASP's CSV-injection guidance (and ASVS 5.0 requirement 1.2.10, which adds the
NUL character), every such text cell gets a leading single quote, which spreadsheets read as
"this cell is text" and do not display. The full-width forms of the four signs are treated the
same (East Asian spreadsheet locales accept them as formula signs).

Decisions, documented in the README:
- Only text is touched. Columns of a numeric, boolean or datetime dtype are numbers to every
  reader and stay numbers (a negative income stays `-5`). In a text column a cell that is
  exactly a plain decimal number (`-5`, `+1.5e3`) is left alone too: a spreadsheet reads it
  as that number, and no formula fits in it.
- Header cells (column names) follow the same rule: a name is a cell to a spreadsheet.
- The rule is reversible: a cell already starting with quotes followed by a formula sign gets
  one more quote, so `restore_formulas` gives back exactly the original text. Machine
  consumers either pass `neutralize_formulas=False` to the writers or read the file back with
  `restore_formulas`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The first characters that make a spreadsheet evaluate a cell (OWASP: = + - @ TAB CR; ASVS
# adds NUL; full-width = + - @ for East Asian locales).
FORMULA_SIGNS = "=+-@\t\r\x00\uff1d\uff0b\uff0d\uff20"
_SIGN_CLASS = "[" + FORMULA_SIGNS.replace("-", r"\-").replace("\x00", r"\x00") + "]"
# Quotes, then a formula sign: escaped (one more quote) so the rule can be undone exactly.
_NEEDS_QUOTE = rf"'*{_SIGN_CLASS}"
_ESCAPED = rf"'+{_SIGN_CLASS}"
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _is_text_dtype(s: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def _quote_mask(values: pd.Series) -> np.ndarray:
    """True where a text value needs the leading quote (non-text values: False)."""
    try:
        hit = values.str.match(_NEEDS_QUOTE, na=False)
    except AttributeError:  # an object column without a single string
        return np.zeros(len(values), dtype=bool)
    hit = hit.to_numpy(dtype=bool, copy=True)
    if hit.any():
        plain = values.str.fullmatch(_PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
        hit &= ~plain
    return hit


def _escaped_mask(values: pd.Series) -> np.ndarray:
    try:
        return values.str.match(_ESCAPED, na=False).to_numpy(dtype=bool)
    except AttributeError:
        return np.zeros(len(values), dtype=bool)


def neutralize_cells(values: pd.Series) -> pd.Series:
    """`values` with a leading `'` on every text cell a spreadsheet would run as a formula."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories, dtype=object)
        return values.cat.rename_categories(neutralize_cells(cats).tolist())
    if not _is_text_dtype(values):
        return values
    hit = _quote_mask(values)
    if not hit.any():
        return values
    out = values.to_numpy(dtype=object, copy=True)
    out[hit] = "'" + values[hit].astype(str).to_numpy(dtype=object)
    return _like(out, values)


def restore_cells(values: pd.Series) -> pd.Series:
    """Undo `neutralize_cells`: drop the one quote it added (exact inverse on text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories, dtype=object)
        return values.cat.rename_categories(restore_cells(cats).tolist())
    if not _is_text_dtype(values):
        return values
    hit = _escaped_mask(values)
    if not hit.any():
        return values
    out = values.to_numpy(dtype=object, copy=True)
    out[hit] = values[hit].astype(str).str.slice(1).to_numpy(dtype=object)
    return _like(out, values)


def _like(cells: np.ndarray, values: pd.Series) -> pd.Series:
    """`cells` as a Series with `values`' index, name and (text) dtype."""
    dtype = values.dtype if isinstance(values.dtype, pd.StringDtype) else object
    return pd.Series(cells, index=values.index, name=values.name, dtype=dtype)


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with formula-leading text cells and column names quoted (see the module docstring).

    Columns that need nothing are shared with `df`, not copied; `df` itself is never changed.
    """
    return _per_column(df, neutralize_cells)


def _per_column(df: pd.DataFrame, fn) -> pd.DataFrame:
    """`fn` applied to the column names and to every text column (by position: duplicate
    names are fine); `df` itself when nothing changes."""
    before = [str(c) for c in df.columns]
    names = list(fn(pd.Series(before, dtype=object)))
    changed = {}
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if _is_text_dtype(s):
            new = fn(s)
            if new is not s:
                changed[i] = new
    if not changed and names == before:
        return df
    out = df.copy(deep=False)
    for i, new in changed.items():
        out.isetitem(i, new)
    out.columns = names
    return out


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo `neutralize_formulas` on a table read back from one of privsynth's CSV outputs."""
    return _per_column(df, restore_cells)
