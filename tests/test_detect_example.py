"""The scan on the bundled example table (skipped until the example table is in the tree)."""

from __future__ import annotations

from pathlib import Path

import pytest

import privsynth
from privsynth.detect import scan

EXAMPLE = Path(privsynth.__file__).parent / "datasets" / "example.csv"


@pytest.mark.skipif(not EXAMPLE.exists(), reason="bundled example table not in this tree")
def test_example_table_columns():
    res = scan(EXAMPLE)
    expected = {
        "direct": ["patient_id", "first_name", "last_name", "email", "phone", "ssn",
                   "street_address", "note"],
        "quasi": ["birth_date", "zip", "age", "sex", "race", "marital-status", "occupation"],
        "sensitive": ["income"],
        "other": ["capital-gain", "capital-loss", "hours-per-week"],
    }
    for cls, cols in expected.items():
        for col in cols:
            if col in [f.name for f in res]:
                assert str(res[col].cls) == cls, (col, res[col])
