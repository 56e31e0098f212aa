"""Hierarchy builders return the ARX layout; generalize applies one level."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError
from privsynth.transform import (
    dates_hierarchy,
    default_hierarchy,
    generalize,
    intervals_hierarchy,
    prefix_hierarchy,
    topcode_hierarchy,
)
from privsynth.transform import (
    read_arx_hierarchy as arx_hierarchy,
)


def _arx_layout(h: pd.DataFrame, values) -> None:
    assert (h.iloc[:, -1] == "*").all()
    assert not h[0].duplicated().any()
    assert set(h[0]) == {str(v) for v in values}


def test_intervals():
    vals = pd.Series([1, 17, 39, 95, 39])
    h = intervals_hierarchy(vals, [5, 10], bottom=0, top=90)
    _arx_layout(h, [1, 17, 39, 95])
    assert generalize(vals, h, 1).tolist() == ["0-4", "15-19", "35-39", ">=90", "35-39"]
    assert generalize(vals, h, 2).tolist() == ["0-9", "10-19", "30-39", ">=90", "30-39"]
    assert generalize(vals, h, 3).eq("*").all()
    floats = intervals_hierarchy(pd.Series([0.5, 2.25]), [1.5])
    assert floats[1].tolist() == ["[0, 1.5)", "[1.5, 3)"]


def test_prefix_zip_with_hipaa_masking_and_zfill():
    zips = pd.Series([2139, "03601", "90210", None])
    h = prefix_hierarchy(zips, [3, 1], masked_prefixes="hipaa", zfill=5)
    out = generalize(zips, h, 1)
    assert out[:3].tolist() == ["021", "000", "902"] and pd.isna(out[3])
    assert generalize(zips, h, 0)[0] == "2139"
    padded = prefix_hierarchy(pd.Series(["02139"]), [3], pad="*")
    assert padded[1].tolist() == ["021**"]


def test_dates_levels():
    d = pd.Series(pd.to_datetime(["1980-03-02", "1999-12-31"]))
    h = dates_hierarchy(d, ["month", "quarter", "year", "decade"])
    assert h.iloc[0].tolist() == ["1980-03-02", "1980-03", "1980-Q1", "1980", "1980s", "*"]
    assert generalize(d, h, 3).tolist() == ["1980", "1999"]
    assert dates_hierarchy(pd.Series(["2001-02-03"]), ["year"]).iloc[0, 1] == "2001"


def test_topcode_ages():
    ages = pd.Series([30, 89, 90, 104])
    h = topcode_hierarchy(ages, top=90, label="90+")
    assert generalize(ages, h, 1).tolist() == ["30", "89", "90+", "90+"]
    b = topcode_hierarchy(pd.Series([5, 30]), bottom=18)
    assert b[1].tolist() == ["<18", "30"]


def test_arx_user_hierarchy(shared_data):
    h = arx_hierarchy(shared_data / "adult-arx" / "adult_hierarchy_age.csv")
    assert h.shape[1] == 5 and (h[4] == "*").all()
    assert generalize(pd.Series([39, 17]), h, 1).tolist() == ["35-39", "15-19"]


def test_generalize_errors(tmp_path):
    h = topcode_hierarchy(pd.Series([1, 2]), top=2)
    with pytest.raises(InputError, match="level 7 out of range"):
        generalize(pd.Series([1]), h, 7)
    with pytest.raises(InputError, match="column 'x', row 1: a value that is not in its hier") as e:
        generalize(pd.Series([3], name="x"), h, 1)
    assert "'3'" not in str(e.value)  # the row, never the cell (privacy rule 6)
    bad = tmp_path / "h.csv"
    bad.write_text("a;*\na;*\n")
    with pytest.raises(InputError, match="line 2 repeats a value") as e:
        arx_hierarchy(bad)
    assert "'a'" not in str(e.value)


def test_default_hierarchy_numbers_and_categories():
    h = default_hierarchy(pd.Series(range(17, 91)))
    assert h.shape[1] >= 4 and (h.iloc[:, -1] == "*").all()
    c = default_hierarchy(pd.Series(["a", "b"]))
    assert c.shape[1] == 2


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.integers(0, 120), min_size=1, max_size=40),
    st.lists(st.integers(1, 9), min_size=1, max_size=3, unique=True),
)
def test_intervals_nest_from_level_to_level(values, steps):
    widths = sorted({s * 10 ** i for i, s in enumerate(sorted(steps))})
    # Each width divides the next one, so every interval sits inside one coarser interval.
    widths = [widths[0] * (2**i) for i in range(len(widths))]
    vals = pd.Series(values)
    h = intervals_hierarchy(vals, widths, bottom=0)
    for lv in range(h.shape[1] - 1):
        fine, coarse = generalize(vals, h, lv), generalize(vals, h, lv + 1)
        pairs = pd.DataFrame({"f": fine, "c": coarse}).drop_duplicates()
        assert not pairs["f"].duplicated().any()  # one coarse label per fine label


@settings(max_examples=20, deadline=None)
@given(st.lists(st.from_regex(r"[0-9]{5}", fullmatch=True), min_size=1, max_size=40))
def test_prefix_levels_are_prefixes(zips):
    vals = pd.Series(zips)
    h = prefix_hierarchy(vals, [4, 3, 1])
    for lv, n in ((1, 4), (2, 3), (3, 1)):
        assert (generalize(vals, h, lv) == vals.str[:n]).all()
