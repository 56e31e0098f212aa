"""Unit tests of membership inference: DCR ties, exact copies, ROC figures, epsilon bounds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from privsynth.audit import dp_ceiling, membership_inference
from privsynth.audit.membership import clopper_pearson, empirical_epsilon, roc_summary
from privsynth.errors import InputError


def test_dcr_ties_count_half_and_exact_copies():
    train = pd.DataFrame({"c": ["a", "b"]})
    holdout = pd.DataFrame({"c": ["a", "c"]})
    r = membership_inference(train, holdout, pd.DataFrame({"c": ["a"]}))
    assert r.dcr_share == pytest.approx(0.5)  # equally close to both
    r = membership_inference(train, holdout, pd.DataFrame({"c": ["a", "b"]}))
    assert r.dcr_share == pytest.approx(0.75)
    assert r.exact_copy_rate_train == 1.0 and r.exact_copy_rate_holdout == 0.5
    r = membership_inference(train, holdout, pd.DataFrame({"c": ["c", "c"]}))
    assert r.dcr_share == 0.0


def test_dp_ceiling():
    assert dp_ceiling(1.0).auc_max == pytest.approx(np.e / (1 + np.e))
    c = dp_ceiling(1.0, 1e-6)
    assert c.auc_max == pytest.approx(np.e / (1 + np.e), abs=1e-5)
    assert c.auc_max > dp_ceiling(1.0).auc_max
    assert c.tpr_at_1pct_fpr_max == pytest.approx(np.e * 0.01 + 1e-6)
    assert dp_ceiling(50.0).tpr_at_1pct_fpr_max == 1.0
    assert dp_ceiling(3.0).tpr_at_01pct_fpr_max == pytest.approx(np.exp(3) * 0.001)
    # the curve is a valid ROC: monotone from (0, delta) to (1, 1), above the diagonal
    f, t = np.array(c.roc_fpr), np.array(c.roc_tpr)
    assert f[0] == 0 and t[-1] == 1 and np.all(np.diff(t) >= 0) and np.all(t >= f)
    # tiny epsilon: no attack can beat guessing
    assert dp_ceiling(1e-9).auc_max == pytest.approx(0.5, abs=1e-6)
    with pytest.raises(InputError):
        dp_ceiling(0.0)


def test_clopper_pearson_edges():
    lo, hi = clopper_pearson(np.array([0, 1000]), 1000)
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert hi[0] == pytest.approx(1 - 0.025 ** (1 / 1000))
    assert lo[1] == pytest.approx(0.025 ** (1 / 1000))


def test_empirical_epsilon_perfect_and_blind():
    n = 1000
    perfect = roc_summary(np.ones(n), np.zeros(n))
    assert perfect.auc == 1.0 and perfect.advantage == 1.0
    expected = np.log(0.025 ** (1 / n) / (1 - 0.025 ** (1 / n)))
    assert perfect.eps_lower_bound == pytest.approx(expected, rel=1e-6)
    rng = np.random.default_rng(0)
    blind = roc_summary(rng.random(n), rng.random(n))
    assert abs(blind.auc - 0.5) < 0.05
    assert blind.eps_lower_bound < 0.5
    # a delta as large as the TPR removes the first bound entirely
    assert empirical_epsilon(np.array([0.0, 1.0]), np.array([0.5, 1.0]), n, n, delta=0.9) == 0.0


def test_roc_points_are_monotone_and_bounded():
    rng = np.random.default_rng(1)
    r = roc_summary(rng.normal(1, 1, 5000), rng.normal(0, 1, 5000))
    assert len(r.roc_fpr) <= 201
    assert np.all(np.diff(r.roc_fpr) >= 0) and np.all(np.diff(r.roc_tpr) >= 0)
    assert r.roc_fpr[0] == 0 and r.roc_fpr[-1] == 1
    assert 0.74 < r.auc < 0.78  # Phi(1/sqrt(2)) = 0.760
    assert r.tpr_at_01pct_fpr <= r.tpr_at_1pct_fpr


def test_result_to_dict_json_and_ceiling():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("ab"), 300)})
    r = membership_inference(
        df.iloc[:100], df.iloc[100:200], df.iloc[200:], epsilon=1.0, delta=1e-9
    )
    d = json.loads(json.dumps(r.to_dict()))
    assert d["ceiling"]["auc_max"] == pytest.approx(np.e / (1 + np.e))
    assert {"auc", "advantage", "tpr_at_1pct_fpr", "roc_fpr"} <= set(d["distance_attack"])
    assert d["density_attack"]["n_members"] == d["density_attack"]["n_non_members"] == 50


def test_membership_bad_input():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="empty"):
        membership_inference(df, df, df.iloc[:0])
    with pytest.raises(InputError, match="no column"):
        membership_inference(df, df, pd.DataFrame({"y": [1]}))
    with pytest.raises(InputError, match="epsilon"):
        membership_inference(df, df, df, epsilon=-1)


def test_dcr_share_uses_equal_sizes_when_train_is_larger():
    rng = np.random.default_rng(5)

    def draw(n):
        return pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(list("abcd"), n)})

    # train four times the holdout: unadjusted, a fresh release would sit closer to train
    r = membership_inference(draw(2000), draw(500), draw(1000), seed=2)
    assert abs(r.dcr_share - 0.5) < 0.06
    assert abs(r.distance_attack.auc - 0.5) < 0.05
