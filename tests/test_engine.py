"""The in-memory counting engine: exact marginals and equivalence classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.engine import count_marginals, equivalence_classes
from privsynth.errors import InputError


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=200))
@settings(max_examples=50, deadline=None)
def test_marginal_matches_crosstab(rows):
    df = pd.DataFrame(rows, columns=["a", "b"])
    (m,) = count_marginals(df, [("a", "b")], {"a": 4, "b": 3})
    expected = np.zeros((4, 3))
    for a, b in rows:
        expected[a, b] += 1
    assert np.array_equal(m, expected)


def test_marginal_rejects_value_outside_domain():
    df = pd.DataFrame({"a": [0, 5]})
    with pytest.raises(InputError, match="outside its domain"):
        count_marginals(df, [("a",)], {"a": 3})


@given(st.lists(st.tuples(st.sampled_from(["x", "y", None]), st.integers(0, 3)), min_size=1, max_size=100))
@settings(max_examples=50, deadline=None)
def test_equivalence_classes_match_groupby(rows):
    df = pd.DataFrame(rows, columns=["s", "n"])
    ec = equivalence_classes(df, ["s", "n"])
    expected = df.groupby(["s", "n"], dropna=False).size()
    assert sorted(ec.sizes.tolist()) == sorted(expected.tolist())
    assert ec.sizes.sum() == len(df)
    # each row's class key equals the row's own values
    keys = ec.keys.iloc[ec.labels].reset_index(drop=True)
    pd.testing.assert_frame_equal(keys.fillna("NA"), df.fillna("NA"), check_dtype=False)
