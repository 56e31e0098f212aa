"""Utility metrics on hand-made tables whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.audit._binning import encode_pair
from privsynth.audit.utility import (
    chi_squared_tests,
    correlation_difference,
    ks_tests,
    marginal_tvd,
    ml_efficacy,
    propensity_score,
    utility,
)
from privsynth.errors import InputError


def _table(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n)
    y = x * 2 + rng.normal(0, 3, n)  # Pearson(x, y) ~ 0.99
    colour = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
    size = np.where(colour == "red", "big", rng.choice(["big", "small"], n))  # depends on colour
    label = np.where(x + rng.normal(0, 5, n) > 50, "yes", "no")
    return pd.DataFrame({"x": x, "y": y, "colour": colour, "size": size, "label": label})


def _shuffled(df: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Every column permuted independently: same marginals, no dependence left."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.permutation(df[c].to_numpy()) for c in df.columns})


def test_identical_tables_have_zero_distance():
    df = _table()
    enc = encode_pair(df, df.copy())
    for way in (1, 2, 3):
        assert marginal_tvd(enc, way=way).max == pytest.approx(0.0)
    assert all(t.statistic == pytest.approx(0.0) for t in ks_tests(enc))
    assert all(t.statistic == pytest.approx(0.0) and t.tvd == 0.0 for t in chi_squared_tests(enc))
    corr = correlation_difference(enc)
    assert corr.pearson_max_abs_diff == pytest.approx(0.0, abs=1e-12)
    assert corr.cramers_max_abs_diff == pytest.approx(0.0, abs=1e-12)
    prop = propensity_score(enc)
    assert prop.pmse < 1e-6  # nothing to tell apart: every propensity is the release share
    assert prop.auc == pytest.approx(0.5, abs=0.01)


def test_tvd_matches_hand_computation():
    orig = pd.DataFrame({"a": ["A", "A", "B", "B"], "b": ["u", "v", "u", "v"]})
    rel = pd.DataFrame({"a": ["A", "A", "A", "B"], "b": ["u", "u", "u", "v"]})
    one = marginal_tvd(orig, rel, way=1)
    # a: |0.5-0.75| + |0.5-0.25| = 0.5 -> 0.25 ; b: same -> 0.25
    assert one.mean == pytest.approx(0.25)
    two = marginal_tvd(orig, rel, way=2)
    # cells (A,u) .25 vs .75, (A,v) .25 vs 0, (B,u) .25 vs 0, (B,v) .25 vs .25 -> 0.5 * 1.0
    assert two.max == pytest.approx(0.5)
    disjoint = marginal_tvd(orig, pd.DataFrame({"a": ["A"] * 4, "b": ["u"] * 4}), way=1)
    assert disjoint.max == pytest.approx(0.5)


def test_numeric_bins_come_from_the_original_and_out_of_range_is_not_clipped():
    orig = pd.DataFrame({"v": np.linspace(0, 100, 500)})
    rel = pd.DataFrame({"v": np.full(500, 1000.0)})
    enc = encode_pair(orig, rel, bins=10)
    assert enc.labels["v"][0] == "0–10"
    # every release value is above the original's range: a cell the original never uses
    assert marginal_tvd(enc, way=1).max == pytest.approx(1.0)
    assert ks_tests(enc)[0].statistic == pytest.approx(1.0)


def test_independent_shuffles_are_detected():
    df = _table()
    enc = encode_pair(df, _shuffled(df))
    corr = correlation_difference(enc)
    assert corr.pearson_max_abs_diff > 0.9  # x ~ y was destroyed
    assert corr.cramers_max_abs_diff > 0.3  # colour -> size was destroyed
    # marginals are untouched by a permutation, joint ones are not
    assert marginal_tvd(enc, way=1).max == pytest.approx(0.0)
    assert marginal_tvd(enc, way=2).max > 0.2
    prop = propensity_score(enc)
    # a main-effects logistic model only sees the one-way cells, which a permutation keeps
    assert prop.pmse_ratio < 3


def test_pmse_ratio_near_one_for_two_samples_of_one_distribution():
    a, b = _table(3000, seed=0), _table(3000, seed=7)
    prop = propensity_score(a, b)
    assert 0.2 < prop.pmse_ratio < 3.0
    assert prop.auc < 0.56


def test_gbm_propensity_separates_a_shifted_release():
    df = _table(800)
    shifted = _table(800, seed=3)
    shifted["x"] += 8
    same = propensity_score(df, _table(800, seed=3), classifier="gbm")
    moved = propensity_score(df, shifted, classifier="gbm")
    assert moved.pmse > 3 * same.pmse
    assert moved.auc > 0.7 and moved.pmse_ratio > 3
    with pytest.raises(InputError, match="unknown propensity classifier"):
        propensity_score(df, df, classifier="forest")


def test_triples_are_sampled_on_wide_tables_and_the_result_says_so():
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"c{i}": rng.integers(0, 3, 300) for i in range(20)})
    res = marginal_tvd(wide, wide.copy(), way=3, max_sets=50, seed=1)
    assert res.sampled and res.n_sets == 50 and res.n_possible == 1140
    again = marginal_tvd(wide, wide.copy(), way=3, max_sets=50, seed=1)
    assert again.worst == res.worst  # seeded
    full = marginal_tvd(wide.iloc[:, :6], wide.iloc[:, :6].copy(), way=3)
    assert not full.sampled and full.n_sets == 20


def test_ml_efficacy_copy_vs_broken_target():
    train, holdout = _table(2000, seed=0), _table(1000, seed=5)
    copy = ml_efficacy(train, train.copy(), holdout, target="label")
    assert copy.task == "classification" and copy.holdout_used
    assert copy.ratio["auc"] == pytest.approx(1.0, abs=0.02)
    broken = train.copy()
    broken["label"] = np.random.default_rng(3).permutation(broken["label"].to_numpy())
    res = ml_efficacy(train, broken, holdout, target="label")
    assert res.release["auc"] < 0.6 < res.real["auc"]
    reg = ml_efficacy(train, train.copy(), None, target="y")
    assert reg.task == "regression" and not reg.holdout_used and "no holdout" in reg.note
    assert reg.real["r2"] > 0.9
    with pytest.raises(InputError, match="target column 'nope'"):
        ml_efficacy(train, train, holdout, target="nope")


def test_target_is_auto_chosen():
    df = _table(800)
    res = ml_efficacy(df, df.copy(), _table(400, seed=2))
    assert res.target == "label"


def test_generalized_and_identifier_columns_are_excluded_with_a_reason():
    rng = np.random.default_rng(0)
    n = 400
    orig = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "name": [f"person {i}" for i in range(n)],
            "sex": rng.choice(["F", "M"], n),
        }
    )
    rel = orig.copy()
    rel["age"] = (
        (orig["age"] // 10 * 10).astype(str) + "-" + (orig["age"] // 10 * 10 + 9).astype(str)
    )
    rel["name"] = [f"pseudonym {i}" for i in range(n)]
    res = utility(orig, rel, ml=False)
    assert "generalized" in res.excluded_columns["age"]
    assert "identifier-like" in res.excluded_columns["name"]
    assert res.tvd[1].n_sets == 1  # only sex is compared
    assert res.tvd[1].max == 0.0


def test_numeric_low_cardinality_matches_across_int_and_float():
    orig = pd.DataFrame({"k": [1, 2, 3, 4] * 50})
    rel = pd.DataFrame({"k": [1.0, 2.0, 3.0, 4.0] * 50})
    assert marginal_tvd(orig, rel, way=1).max == 0.0


def test_utility_to_dict_is_json_ready():
    import json

    df = _table(600)
    res = utility(df, _shuffled(df), _table(300, seed=4), target="label")
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert set(d["tvd"]) == {"1way", "2way", "3way"}
    assert d["ml_efficacy"]["target"] == "label"
    assert "NaN" not in text
