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


def test_group_counts_matches_pandas_groupby():
    import numpy as np
    import pandas as pd

    from privsynth.engine import group_counts

    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 500)
    b = rng.integers(0, 300, 500)
    w = rng.integers(1, 4, 500)
    for cards in ([5, 300], [5, 2**40]):  # dense bincount path, then the sort path
        g = group_counts([a, b], cards, weights=w)
        expected = pd.DataFrame({"a": a, "b": b, "w": w}).groupby(["a", "b"])["w"].sum()
        got = pd.Series(g.counts, index=pd.MultiIndex.from_arrays([g.keys[:, 0], g.keys[:, 1]]))
        assert got.sort_index().tolist() == expected.sort_index().tolist()
        assert (g.keys[g.labels, 0] == a).all() and (g.keys[g.labels, 1] == b).all()


def test_group_counts_recompresses_instead_of_overflowing():
    import numpy as np

    from privsynth.engine import group_counts

    cols = [np.array([0, 1, 1, 0]), np.array([5, 7, 7, 5]), np.array([2, 3, 3, 9])]
    g = group_counts(cols, [2**31, 2**31, 2**31])
    assert g.n_groups == 3 and sorted(g.counts.tolist()) == [1, 1, 2]
    assert (g.keys[g.labels] == np.stack(cols, axis=1)).all()
