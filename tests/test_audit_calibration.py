"""Calibration of the risk measures on Adult (issue 5's targets).

Three "releases" of a 3,000-row train set (holdout: 3,000 other rows, 50/50):
* copy: train itself, which every criterion must flag;
* fresh: 3,000 further real rows used nowhere else, which must look like the holdout
  (AUC 0.5 +- 0.03, every risk's interval covering 0);
* bootstrap: train resampled with replacement, a leaky release that must land in between.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.audit import inference, linkability, membership_inference, singling_out

N = 3000
COLS_A = ["age", "workclass", "fnlwgt", "education"]
COLS_B = ["marital-status", "occupation", "relationship", "race", "sex", "hours-per-week"]


@pytest.fixture(scope="module")
def sets(shared_data):
    df = pd.read_csv(shared_data / "adult-raw" / "adult.csv")
    idx = np.random.default_rng(2024).permutation(len(df))
    train = df.iloc[idx[:N]].reset_index(drop=True)
    holdout = df.iloc[idx[N : 2 * N]].reset_index(drop=True)
    fresh = df.iloc[idx[2 * N : 3 * N]].reset_index(drop=True)
    boot = train.iloc[np.random.default_rng(7).integers(0, N, N)].reset_index(drop=True)
    return train, holdout, {"copy": train.copy(), "fresh": fresh, "bootstrap": boot}


@pytest.fixture(scope="module")
def results(sets):
    train, holdout, releases = sets
    out = {}
    for name, rel in releases.items():
        out[name] = {
            "membership": membership_inference(train, holdout, rel, seed=1),
            "so_uni": singling_out(train, rel, holdout, n_attacks=300, seed=1),
            "so_multi": singling_out(
                train, rel, holdout, n_attacks=300, mode="multivariate", seed=1
            ),
            "link": linkability(
                train, rel, holdout, aux_cols=(COLS_A, COLS_B), n_attacks=300, seed=1
            ),
            "inf": inference(train, rel, holdout, secret="income", n_attacks=300, seed=1),
        }
    return out


def test_copy_is_flagged_on_every_criterion(results):
    r = results["copy"]
    m = r["membership"]
    assert m.dcr_share >= 0.95
    assert m.exact_copy_rate_train == 1.0
    assert m.distance_attack.auc >= 0.95
    assert m.distance_attack.tpr_at_01pct_fpr > 0.9
    assert m.density_attack.auc > 0.6
    assert m.distance_attack.eps_lower_bound > 3
    assert r["so_uni"].risk > 0.8 and r["so_multi"].risk > 0.8
    assert r["inf"].risk > 0.8
    assert r["link"].risk > 0.2 and r["link"].ci[0] > 0


def test_fresh_rows_score_near_baseline(results):
    r = results["fresh"]
    m = r["membership"]
    assert abs(m.distance_attack.auc - 0.5) <= 0.03
    assert abs(m.density_attack.auc - 0.5) <= 0.03
    assert abs(m.dcr_share - 0.5) <= 0.05
    assert m.exact_copy_rate_train < 0.01
    for key in ("so_uni", "so_multi", "link", "inf"):
        assert r[key].ci[0] == 0.0, key  # the interval covers zero risk
        assert r[key].details["residual_ci"][0] <= 0.0, key


def test_bootstrap_lies_in_between(results):
    copy, boot, fresh = results["copy"], results["bootstrap"], results["fresh"]
    auc = {k: v["membership"].distance_attack.auc for k, v in results.items()}
    assert auc["fresh"] + 0.1 < auc["bootstrap"] < auc["copy"]
    dens = {k: v["membership"].density_attack.auc for k, v in results.items()}
    assert dens["fresh"] < dens["bootstrap"] <= dens["copy"] + 0.02
    assert fresh["membership"].dcr_share < boot["membership"].dcr_share
    for key in ("so_multi", "inf"):
        assert fresh[key].risk < boot[key].risk < copy[key].risk, key
    assert boot["so_uni"].risk > 0.5


def test_baselines_are_release_blind(results):
    # the baseline does not look at the release, so it cannot tell a copy from fresh rows
    for key in ("so_uni", "link", "inf"):
        rates = [results[k][key].baseline_rate for k in results]
        assert max(rates) - min(rates) < 0.1, key
