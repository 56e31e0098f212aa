"""Small integer-coded and raw tables for the synthesizer tests (fast: few columns, few rows)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
COLS = ["workclass", "race", "sex", "relationship", "income>50K"]


def small_coded(n: int = 3000) -> tuple[pd.DataFrame, dict[str, int]]:
    """First `n` rows of adult-pgm on five small columns, or a random stand-in."""
    path = SHARED / "adult-pgm" / "adult.csv"
    if path.exists():
        dom = json.loads((SHARED / "adult-pgm" / "domain.json").read_text())
        df = pd.read_csv(path, nrows=n, usecols=COLS)[COLS]
        return df, {c: dom[c] for c in COLS}
    rng = np.random.Generator(np.random.PCG64(0))
    dom = {"workclass": 9, "race": 5, "sex": 2, "relationship": 6, "income>50K": 2}
    return pd.DataFrame({c: rng.integers(0, k, n) for c, k in dom.items()}), dom


def small_raw(n: int = 2000) -> pd.DataFrame:
    rng = np.random.Generator(np.random.PCG64(1))
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n, p=[0.5, 0.3, 0.2]),
            "income": rng.choice(["<=50K", ">50K"], n, p=[0.7, 0.3]),
            "visit": pd.date_range("2021-01-01", periods=n, freq="6h").strftime("%Y-%m-%d"),
            "ssn": [f"{i:09d}" for i in range(n)],
        }
    )
    df.loc[7, "city"] = "Zzyzx"  # a category that occurs in exactly one row
    return df


def raw_policy(method: str = "mst", **release) -> dict:
    return {
        "name": "test",
        "unmatched": "error",
        "release": {
            "mode": "synthesize",
            "method": method,
            "epsilon": 1.0,
            "delta": 1e-9,
            **release,
        },
        "columns": {
            "ssn": {"action": "drop"},
            "age": {"action": "keep", "domain": {"bounds": [18, 90], "bins": 8}},
            "city": {"action": "keep", "domain": {"categories": ["Paris", "Lyon", "Nice"]}},
            "income": {"action": "keep", "domain": {"categories": ["<=50K", ">50K"]}},
            "visit": {
                "action": "keep",
                "domain": {"bounds": ["2021-01-01", "2022-12-31"], "bins": 6},
            },
        },
    }
