"""The bundled example table: real Adult census rows joined with generated direct identifiers.

Used by the demo, the tests and the docs. See `SOURCE.md` beside the CSV for its origin,
licence and how `scripts/make_example.py` regenerates it byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from privsynth.io import read_table

_HERE = Path(__file__).resolve().parent

__all__ = ["example_path", "example_policy_path", "example_split", "example_table"]


def example_path() -> Path:
    """Path of the bundled `example.csv` (10,000 rows, 26 columns)."""
    return _HERE / "example.csv"


def example_policy_path() -> Path:
    """Path of `example-synthetic.yaml`: the demo's DP synthesis policy, written for this
    table (declared types and the public Adult domains)."""
    return _HERE / "example-synthetic.yaml"


def example_table() -> pd.DataFrame:
    """The example table, read through `privsynth.io` like any user file."""
    return read_table(example_path())


def example_split(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shuffle the example rows and cut them in half: (train, holdout).

    The holdout is what an audit compares against to measure membership inference: rows the
    release never saw, from the same population.
    """
    df = example_table()
    order = np.random.default_rng(seed).permutation(len(df))
    half = len(df) // 2
    train = df.iloc[order[:half]].reset_index(drop=True)
    holdout = df.iloc[order[half:]].reset_index(drop=True)
    return train, holdout
