"""The suppression marker: the one rule by which the audit reads suppressed cells.

A release cell that reads `*`, `**` or `***` (privsynth's and ARX's `*`, sdcMicro's longer
forms) is suppressed: its value was withheld. The utility metrics treat it as missing (a
suppressed cell carries no value to compare); re-identification risk counts a row suppressed on
every quasi-identifier in the class of fully suppressed rows, which ARX leaves out of the k
check. The attacks and membership inference see the marker as the category it is in the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MARKERS = frozenset({"*", "**", "***"})


def is_suppressed(values: pd.Series) -> np.ndarray:
    """Per cell of `values`, whether it holds a suppression marker."""
    return values.astype("string").isin(MARKERS).to_numpy(dtype=bool)


def rows_suppressed(frame: pd.DataFrame) -> np.ndarray:
    """Per row of `frame`, whether every one of its cells is suppressed."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=bool)
    return np.logical_and.reduce([is_suppressed(frame[c]) for c in frame.columns])
