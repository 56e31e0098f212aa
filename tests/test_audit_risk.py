"""Re-identification risk on tables small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.audit import reidentification_risk, zayatz_population_uniques
from privsynth.errors import InputError


@pytest.fixture
def tiny() -> pd.DataFrame:
    # classes over (a, b): (1, x) x2, (1, y) x1, (2, y) x3
    return pd.DataFrame(
        {
            "a": [1, 1, 1, 2, 2, 2],
            "b": ["x", "x", "y", "y", "y", "y"],
            "s": ["p", "q", "p", "p", "p", "q"],
        }
    )


def test_classes_k_and_prosecutor_risk(tiny):
    r = reidentification_risk(tiny, ["a", "b"])
    assert (r.n_records, r.n_classes, r.k) == (6, 3, 1)
    assert r.prosecutor_max == 1.0
    assert r.prosecutor_avg == pytest.approx((1 / 2 * 2 + 1 + 1 / 3 * 3) / 6)  # = 3 / 6
    assert r.marketer == pytest.approx(3 / 6)
    assert r.sample_uniques == 1 and r.sample_uniques_share == pytest.approx(1 / 6)
    assert r.class_size_histogram == {1: 1, 2: 1, 3: 1}
    # every record's risk is >= 1/3 > 0.09
    assert r.records_at_risk == 1.0


def test_threshold_is_strict_share_of_records(tiny):
    r = reidentification_risk(tiny, ["a", "b"], threshold=0.4)
    # risks 1/2, 1/2, 1, 1/3, 1/3, 1/3 -> three records above 0.4
    assert r.records_at_risk == pytest.approx(0.5)
    r = reidentification_risk(tiny, ["a", "b"], threshold=0.5)
    assert r.records_at_risk == pytest.approx(1 / 6)  # 1/2 is not above 0.5


def test_journalist_without_population_is_prosecutor_upper_bound(tiny):
    r = reidentification_risk(tiny, ["a", "b"])
    assert r.journalist_basis == "upper_bound"
    assert r.journalist_max == r.prosecutor_max and r.journalist_avg == r.prosecutor_avg
    assert any("upper bound" in n for n in r.notes)


def test_journalist_and_marketer_from_population(tiny):
    extra = pd.DataFrame({"a": [1, 1, 2, 2, 2, 3], "b": ["x", "y", "y", "y", "y", "z"]})
    population = pd.concat([tiny[["a", "b"]], extra], ignore_index=True)
    # population classes: (1,x)=3, (1,y)=2, (2,y)=6, (3,z)=1
    r = reidentification_risk(tiny, ["a", "b"], population=population)
    assert r.journalist_basis == "population"
    assert r.journalist_max == pytest.approx(1 / 2)
    assert r.journalist_avg == pytest.approx((2 / 3 + 1 / 2 + 3 / 6) / 6)
    assert r.marketer == pytest.approx((2 / 3 + 1 / 2 + 3 / 6) / 6)
    assert r.prosecutor_max == 1.0  # unchanged by the population


def test_journalist_from_sampling_fraction(tiny):
    r = reidentification_risk(tiny, ["a", "b"], sampling_fraction=0.25)
    assert r.journalist_basis == "sampling_fraction"
    assert r.journalist_max == pytest.approx(0.25)  # F = f / pi = 4 for the unique
    assert r.population_uniques is not None


def test_l_diversity_distinct_and_entropy(tiny):
    r = reidentification_risk(tiny, ["a", "b"], sensitive="s")
    # (1,x): {p,q}; (1,y): {p}; (2,y): {p,p,q}
    assert r.l_distinct_by_column == {"s": 1} and r.l_distinct == 1
    assert r.l_entropy == pytest.approx(1.0)
    r2 = reidentification_risk(tiny.iloc[[0, 1]], ["a", "b"], sensitive=["s"])
    assert r2.l_distinct == 2 and r2.l_entropy == pytest.approx(2.0)


def test_fully_suppressed_rows_form_one_class():
    df = pd.DataFrame({"a": ["*", "*", "*", "1", "1"], "b": ["*", "*", "*", "x", "x"]})
    r = reidentification_risk(df, ["a", "b"])
    assert r.n_suppressed == 3
    assert r.n_classes == 2 and r.k == 2
    assert r.prosecutor_max == pytest.approx(1 / 2)
    # one suppressed row: a class of 1 for k, left out under ARX's convention
    r = reidentification_risk(df.iloc[2:], ["a", "b"])
    assert r.k == 1 and r.k_excluding_suppressed == 2
    # a partly suppressed row groups with rows suppressed in the same columns
    partly = pd.DataFrame({"a": ["1", "1", "*"], "b": ["x", "x", "x"]})
    assert reidentification_risk(partly, ["a", "b"]).class_size_histogram == {1: 1, 2: 1}
    assert reidentification_risk(df.iloc[:3], ["a", "b"]).k_excluding_suppressed is None


def test_to_dict_is_json_ready(tiny):
    import json

    d = reidentification_risk(tiny, ["a", "b"], sensitive="s", sampling_fraction=0.5).to_dict()
    json.dumps(d)
    assert d["k"] == 1 and d["class_size_histogram"]["3"] == 1


def test_zayatz_known_cases():
    sizes = np.array([1, 1, 2])
    # pi = 1: the sample is the population, every sample unique is a population unique
    assert zayatz_population_uniques(sizes, 1.0) == pytest.approx(2.0)
    # pi = 0.5: P(f=1|F=1) = 0.5, P(f=1|F=2) = 2*0.5*0.5 = 0.5; c1 = 2, c2 = 1
    # PU = 2 * (2*0.5) / (2*0.5 + 1*0.5) = 4/3
    assert zayatz_population_uniques(sizes, 0.5) == pytest.approx(4 / 3)
    assert zayatz_population_uniques(np.array([2, 3]), 0.3) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 30), min_size=1, max_size=30),
    st.floats(0.01, 1.0),
)
def test_zayatz_never_exceeds_sample_uniques(sizes, pi):
    pu = zayatz_population_uniques(np.array(sizes), pi)
    assert 0.0 <= pu <= sum(1 for s in sizes if s == 1) + 1e-9


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from("xyz")), min_size=1, max_size=40))
def test_risk_invariants(rows):
    df = pd.DataFrame(rows, columns=["a", "b"])
    r = reidentification_risk(df, ["a", "b"])
    assert r.prosecutor_max == pytest.approx(1 / r.k)
    assert r.prosecutor_avg == pytest.approx(r.n_classes / r.n_records)
    assert 0 <= r.records_at_risk <= 1
    assert sum(s * c for s, c in r.class_size_histogram.items()) == r.n_records


def test_bad_input(tiny):
    with pytest.raises(InputError, match="zip"):
        reidentification_risk(tiny, ["a", "zip"])
    with pytest.raises(InputError):
        reidentification_risk(tiny, [])
    with pytest.raises(InputError, match="threshold"):
        reidentification_risk(tiny, ["a"], threshold=0)
    with pytest.raises(InputError, match="sampling_fraction"):
        reidentification_risk(tiny, ["a"], sampling_fraction=1.5)
    with pytest.raises(InputError, match="both"):
        reidentification_risk(tiny, ["a", "b"], sensitive="b")
    with pytest.raises(InputError, match="empty"):
        reidentification_risk(tiny.iloc[:0], ["a"])
