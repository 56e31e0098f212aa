"""Unit tests of the Article 29 attacks: rates, intervals, baselines and ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.audit import AttackResult, inference, linkability, singling_out
from privsynth.audit._distance import MixedEncoder, nearest
from privsynth.audit.attacks import _result, wilson
from privsynth.errors import InputError


def _random_table(n: int, seed: int, n_secret: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.integers(0, 100, n),
            "c": rng.choice(list("abcdefgh"), n),
            "secret": rng.choice([f"s{i}" for i in range(n_secret)], n),
        }
    )


def test_wilson_matches_known_interval():
    centre, half = wilson(40, 100)
    assert centre == pytest.approx(0.40370, abs=1e-4)
    assert centre - half == pytest.approx(0.30940, abs=1e-4)
    assert centre + half == pytest.approx(0.49800, abs=1e-4)


def test_risk_is_normalised_excess_and_clipped():
    r = _result("t", 1000, 600, 100, 200, 0.95, {})
    a, c = wilson(600, 1000)[0], wilson(200, 1000)[0]
    assert r.risk == pytest.approx((a - c) / (1 - c))
    assert r.ci[0] < r.risk < r.ci[1]
    worse = _result("t", 1000, 100, 100, 200, 0.95, {})
    assert worse.risk == 0.0 and worse.ci[0] == 0.0
    assert worse.details["residual"] < 0


def test_to_dict_has_contract_keys():
    d = _result("t", 10, 5, 1, 2, 0.95, {}).to_dict()
    for key in (
        "attack_rate",
        "baseline_rate",
        "control_rate",
        "risk",
        "ci",
        "n_attacks",
        "n_success",
    ):
        assert key in d
    assert isinstance(d["ci"], list) and len(d["ci"]) == 2
    assert isinstance(_result("t", 10, 5, 1, 2, 0.95, {}), AttackResult)


def test_nearest_breaks_ties_uniformly_and_reproducibly():
    ref = pd.DataFrame({"c": ["a"] * 4 + ["b"] * 4})
    q = pd.DataFrame({"c": ["a"] * 4000})
    enc = MixedEncoder([ref, q])
    r_enc, q_enc = enc.encode(ref), enc.encode(q)
    idx, dist = nearest(q_enc, r_enc, rng=np.random.default_rng(3))
    assert set(np.unique(idx)) == {0, 1, 2, 3}
    assert np.all(dist == 0)
    share = np.bincount(idx[:, 0], minlength=4) / len(q)
    assert np.all(np.abs(share - 0.25) < 0.04)
    again, _ = nearest(q_enc, r_enc, rng=np.random.default_rng(3))
    assert np.array_equal(idx, again)


def test_nearest_prefers_strictly_closer_rows():
    ref = pd.DataFrame({"x": [0.0, 5.0, 10.0], "c": ["a", "b", "a"]})
    q = pd.DataFrame({"x": [4.0, 9.0, 0.5], "c": ["b", "a", "a"]})
    enc = MixedEncoder([ref, q])
    idx, _ = nearest(enc.encode(q), enc.encode(ref), k=2)
    assert idx[:, 0].tolist() == [1, 2, 0]
    assert idx[2, 1] == 2  # same category, numerically further: still before a mismatch


def test_inference_baseline_is_one_over_cardinality():
    # secret independent of everything: attack, control and baseline all ~ 1/5
    train, control, syn = _random_table(2000, 1), _random_table(2000, 2), _random_table(2000, 3)
    syn.index = syn.index + 10**6  # index labels must not matter
    r = inference(train, syn, control, secret="secret", n_attacks=1000, seed=0)
    assert r.baseline_rate == pytest.approx(0.2, abs=0.04)
    assert r.attack_rate == pytest.approx(0.2, abs=0.04)
    assert r.ci[0] == 0.0


def test_inference_on_copy_is_high_and_numeric_tolerance():
    train, control = _random_table(1000, 1, n_secret=20), _random_table(1000, 2, n_secret=20)
    train["id"] = np.arange(1000)
    control["id"] = np.arange(1000, 2000)
    r = inference(train, train, control, secret="secret", n_attacks=300)
    assert r.attack_rate > 0.95 and r.risk > 0.8
    num = inference(train, train, control, secret="x", n_attacks=300, tolerance=0.0)
    assert num.details["numeric_secret"] and num.attack_rate > 0.95


def test_singling_out_copy_vs_independent():
    train, control = _random_table(1500, 1), _random_table(1500, 2)
    train["u"] = np.random.default_rng(0).normal(size=1500).round(6)
    control["u"] = np.random.default_rng(1).normal(size=1500).round(6)
    copy = singling_out(train, train, control, n_attacks=200, seed=1)
    assert copy.attack_rate > 0.95 and copy.risk > 0.9
    assert copy.baseline_rate < 0.2
    fresh = _random_table(1500, 5)
    fresh["u"] = np.random.default_rng(2).normal(size=1500).round(6)
    ind = singling_out(train, fresh, control, n_attacks=200, seed=1)
    assert ind.risk < 0.1
    multi = singling_out(train, train, control, n_attacks=100, mode="multivariate", n_cols=2)
    assert multi.n_attacks > 0 and multi.attack_rate > 0.9


def test_linkability_copy_and_ties():
    train, control = _random_table(800, 1), _random_table(800, 2)
    train["id"] = np.arange(800).astype(float)
    control["id"] = np.arange(800).astype(float) + 0.5
    # the id column links a copy perfectly
    r = linkability(train, train, control, aux_cols=(["id"], ["id", "c"]), n_attacks=200)
    assert r.attack_rate > 0.95
    # a constant column ties every release row: links only by luck, like the baseline
    for t in (train, control):
        t["k"] = "same"
    tied = linkability(train, train, control, aux_cols=(["k"], ["c"]), n_attacks=400)
    assert tied.attack_rate < 0.05 and tied.ci[0] == 0.0


def test_attack_bad_input():
    t = _random_table(50, 1)
    with pytest.raises(InputError, match="secret"):
        inference(t, t, t, secret="nope")
    with pytest.raises(InputError, match="auxiliary"):
        inference(t, t, t, secret="secret", aux_cols=["secret"])
    with pytest.raises(InputError, match="mode"):
        singling_out(t, t, t, mode="bivariate")
    with pytest.raises(InputError, match="aux_cols"):
        linkability(t, t, t, aux_cols=(["x"], []))
    with pytest.raises(InputError, match="empty"):
        singling_out(t, t.iloc[:0], t)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2000), st.data())
def test_risk_interval_invariants(n, data):
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(0, n))
    c = data.draw(st.integers(0, n))
    r = _result("t", n, a, b, c, 0.95, {})
    assert 0.0 <= r.ci[0] <= r.risk <= r.ci[1] <= 1.0
    for rate, (lo, hi) in (
        (r.attack_rate, r.attack_ci),
        (r.baseline_rate, r.baseline_ci),
        (r.control_rate, r.control_ci),
    ):
        assert 0.0 <= lo <= rate <= hi <= 1.0
    if a <= c:
        assert r.risk == 0.0
