"""MST and AIM on integer-coded data: the estimator API, conditioning, save/load, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_helpers import small_coded

from privsynth.errors import InputError
from privsynth.synth import AIM, MST
from privsynth.synth.base import MarginalSynthesizer
from privsynth.synth.ledger import rho_to_epsilon


@pytest.fixture(scope="module")
def fitted_mst():
    df, dom = small_coded(3000)
    return MST(epsilon=2.0, delta=1e-9, seed=5).fit(df, dom), df, dom


def test_mst_spends_exactly_its_budget_and_samples(fitted_mst):
    model, df, dom = fitted_mst
    led = model.ledger_
    assert led.spent_rho <= led.rho_budget * (1 + 1e-9)
    assert led.spent_rho >= led.rho_budget * 0.999  # and does not waste it
    assert rho_to_epsilon(led.spent_rho, 1e-9) <= 2.0
    out = model.sample(1000)
    assert list(out.columns) == list(dom) and len(out) == 1000
    for c, k in dom.items():
        assert out[c].between(0, k - 1).all()
    # utility sanity: the synthetic 1-way of sex is close to the real one at epsilon = 2
    real = df["sex"].value_counts(normalize=True).sort_index()
    syn = model.sample(20000)["sex"].value_counts(normalize=True).sort_index()
    assert np.abs(real.to_numpy() - syn.reindex(real.index, fill_value=0).to_numpy()).sum() < 0.1


def test_seed_makes_sampling_reproducible(fitted_mst, tmp_path):
    model, _, _ = fitted_mst
    model.save(tmp_path / "m")
    a = MarginalSynthesizer.load(tmp_path / "m").sample(500)
    b = MarginalSynthesizer.load(tmp_path / "m").sample(500)
    pd.testing.assert_frame_equal(a, b)
    loaded = MarginalSynthesizer.load(tmp_path / "m")
    assert isinstance(loaded, MST)
    assert loaded.ledger_.to_dict()["steps"] == model.ledger_.to_dict()["steps"]
    np.testing.assert_allclose(loaded.model_.marginal(("sex",)), model.model_.marginal(("sex",)))


def test_conditional_sampling(fitted_mst):
    model, _, _ = fitted_mst
    out = model.sample(400, where={"income>50K": 1})
    assert len(out) == 400 and (out["income>50K"] == 1).all()
    out = model.sample(300, where={"race": [1, 2]})
    assert set(out["race"]) <= {1, 2}
    with pytest.raises(InputError, match="outside the domain"):
        model.sample(10, where={"race": 99})


def test_aim_fits_within_budget():
    df, dom = small_coded(2000)
    model = AIM(epsilon=1.0, delta=1e-9, seed=1, rounds=12, iters=100, round_iters=20).fit(df, dom)
    led = model.ledger_
    assert led.spent_rho <= led.rho_budget * (1 + 1e-9)
    assert led.spent_rho >= led.rho_budget * 0.999
    assert any(len(c) >= 2 for c in model.cliques_)
    out = model.sample(500, where={"sex": 0})
    assert (out["sex"] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epsilon": 0}, "epsilon"),
        ({"epsilon": -1}, "epsilon"),
        ({"delta": 1.0}, "delta"),
        ({"delta": 2}, "delta"),
    ],
)
def test_bad_privacy_parameters(kwargs, match):
    df, dom = small_coded(200)
    for klass in (MST, AIM):
        with pytest.raises(InputError, match=match):
            klass(**kwargs).fit(df, dom)


def test_bad_domain():
    df, dom = small_coded(200)
    short = {k: v for k, v in dom.items() if k != "race"}
    with pytest.raises(InputError, match="'race' is missing from the domain"):
        MST().fit(df, short)
    bad = df.copy()
    bad.loc[3, "sex"] = 7
    with pytest.raises(InputError, match="outside its domain"):
        MST().fit(bad, dom)
    with pytest.raises(InputError, match="not in the data"):
        MST().fit(df, {**dom, "zip": 10})
    with pytest.raises(InputError, match="not fitted"):
        MST().sample(5)


def _tree_tc(model) -> float:
    """Sum over the fitted tree's edges of the total correlation of their model marginals."""
    tc = 0.0
    for e in model.cliques_:
        if len(e) != 2:
            continue
        p = np.asarray(model.model_.marginal(e), dtype=np.float64)
        p = p / p.sum()
        q = p.sum(axis=1, keepdims=True) * p.sum(axis=0, keepdims=True)
        nz = p > 0
        tc += float((p[nz] * np.log(p[nz] / q[nz])).sum())
    return tc


def test_mst_regularize_pulls_the_fit_toward_independence():
    df, dom = small_coded(3000)
    plain = MST(epsilon=2.0, delta=1e-9, seed=5, regularize=0.0).fit(df, dom)
    strong = MST(epsilon=2.0, delta=1e-9, seed=5, regularize=50.0).fit(df, dom)
    assert _tree_tc(strong) < 0.5 * _tree_tc(plain)
    with pytest.raises(InputError, match="regularize"):
        MST(regularize=-1.0)


def test_aim_rounds_follow_public_marginal_sizes():
    """4 x columns rounds by default; 16 x columns (the paper's) when the workload's
    marginals are tiny (median <= 64 cells, from the public domain); explicit rounds win."""
    assert AIM().settings(14, 7282.0)["rounds"] == 56
    assert AIM().settings(16, 8.0)["rounds"] == 256
    assert AIM(small_marginal_cells=0).settings(16, 8.0)["rounds"] == 64
    assert AIM(rounds=30).settings(16, 8.0)["rounds"] == 30
    assert AIM(variant="paper").settings(14, 7282.0)["rounds"] == 224
    with pytest.raises(InputError, match="regularize"):
        AIM(regularize=float("nan"))
