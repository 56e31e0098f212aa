"""Privacy rule 1: every noise draw on private data is an OpenDP measurement; numpy never is."""

from __future__ import annotations

import random

import numpy as np
import opendp.measurements as odm
import opendp.prelude  # noqa: F401  (import OpenDP fully before RNGs are patched)
import pytest
from synth_helpers import small_coded, small_raw

import privsynth.synth.measure as measure
from privsynth.synth import AIM, MST, Ledger
from privsynth.synth.preprocess import BudgetPlan, build_encoder

_MAKERS = ["make_gaussian", "make_noisy_max", "make_gaussian_threshold", "make_private_quantile"]


@pytest.fixture
def watched(monkeypatch):
    """Record every OpenDP measurement built by the constructors, and every one invoked."""
    built, invoked = [], []
    for name in _MAKERS:
        orig = getattr(odm, name)

        def wrapper(*a, _orig=orig, _name=name, **k):
            meas = _orig(*a, **k)
            built.append((_name, meas))
            return meas

        monkeypatch.setattr(odm, name, wrapper)
    orig_invoke = measure.invoke

    def spy(meas, arg):
        invoked.append(meas)
        return orig_invoke(meas, arg)

    monkeypatch.setattr(measure, "invoke", spy)
    return built, invoked


class _NoRandom:
    def __getattr__(self, name):
        raise AssertionError(f"numpy Generator.{name} used during the measurement phase")


@pytest.fixture
def no_numpy_rng(monkeypatch):
    """Make numpy's and Python's RNGs raise: nothing in fit() may draw from them."""

    def boom(*a, **k):
        raise AssertionError("numpy/random RNG used during the measurement phase")

    monkeypatch.setattr(np.random, "default_rng", lambda *a, **k: _NoRandom())
    for name in [
        "normal",
        "laplace",
        "random",
        "rand",
        "randn",
        "randint",
        "choice",
        "uniform",
        "exponential",
        "gumbel",
        "binomial",
        "poisson",
        "shuffle",
        "permutation",
    ]:
        monkeypatch.setattr(np.random, name, boom)
    for name in ["random", "gauss", "normalvariate", "choice", "randint", "uniform"]:
        monkeypatch.setattr(random, name, boom)


def _check_all_through_opendp(led: Ledger, built, invoked):
    assert len(led.entries) > 0
    # every ledger step is one OpenDP invocation, and every invocation is a measurement that
    # one of OpenDP's constructors built (no home-made noise, no step without a ledger entry)
    assert len(invoked) == len(led.entries)
    built_ids = {id(m) for _, m in built}
    for meas in invoked:
        assert isinstance(meas, odm.Measurement)
        assert id(meas) in built_ids


def test_mst_noise_all_from_opendp(watched, no_numpy_rng):
    built, invoked = watched
    df, dom = small_coded(1500)
    model = MST(epsilon=1.0, delta=1e-9).fit(df, dom)
    _check_all_through_opendp(model.ledger_, built, invoked)
    names = {n for n, _ in built}
    assert {"make_gaussian", "make_noisy_max"} <= names
    # d 1-way marginals, d-1 selections, d-1 pairs: one OpenDP call per marginal (not per cell)
    d = len(dom)
    assert len(invoked) == d + 2 * (d - 1)


@pytest.mark.parametrize("variant", ["privsynth", "paper"])
def test_aim_noise_all_from_opendp(watched, no_numpy_rng, variant):
    built, invoked = watched
    df, dom = small_coded(1500)
    model = AIM(epsilon=1.0, delta=1e-9, rounds=4, iters=50, round_iters=20, variant=variant).fit(
        df, dom
    )
    _check_all_through_opendp(model.ledger_, built, invoked)
    assert model.ledger_.spent_rho <= model.ledger_.rho_budget * (1 + 1e-9)


def test_aim_default_refinement_draws_no_dp_noise(watched):
    """The default variant's sample refinement is post-processing: sampling (with the swap
    search) calls no OpenDP measurement and charges nothing."""
    built, invoked = watched
    df, dom = small_coded(1500)
    model = AIM(epsilon=1.0, delta=1e-9, seed=0, iters=50, round_iters=20).fit(df, dom)
    assert model.model_.refine_sweeps > 0
    spent, calls = model.ledger_.spent_rho, len(invoked)
    model.sample(1500)
    assert len(invoked) == calls and model.ledger_.spent_rho == spent


def test_preprocessing_noise_all_from_opendp(watched, no_numpy_rng):
    built, invoked = watched
    df = small_raw(800)
    led = Ledger.from_epsilon_delta(1.0, 1e-9, delta_reserve=1e-10)
    specs = {
        "city": {"discover": True},
        "age": {"bounds": [18, 90], "bins": 4, "binning": "dp_quantile"},
    }
    build_encoder(df, specs, ledger=led, plan=BudgetPlan(0.002, 1e-10, 0.002))
    _check_all_through_opendp(led, built, invoked)
    assert {"make_gaussian_threshold", "make_private_quantile"} <= {n for n, _ in built}


def test_seed_does_not_seed_the_dp_noise():
    df, dom = small_coded(800)
    a = MST(epsilon=1.0, seed=3).fit(df, dom).measurements_[0].values
    b = MST(epsilon=1.0, seed=3).fit(df, dom).measurements_[0].values
    assert not np.array_equal(a, b)  # OpenDP's sampler is not seedable (chance of equality ~0)


def test_sensitivity_scales_the_noise_with_the_unit_of_privacy():
    led = Ledger.from_epsilon_delta(1.0, 1e-9)
    counts = np.arange(6).reshape(2, 3)
    _, s1, e1 = measure.measure_marginal(counts, ledger=led, rho=0.001, sensitivity=1, what="a")
    _, s3, e3 = measure.measure_marginal(counts, ledger=led, rho=0.001, sensitivity=3, what="b")
    assert s3 == pytest.approx(3 * s1)  # L2 sensitivity m: a person's m rows in one cell
    assert e1.rho == pytest.approx(0.001) and e3.rho == pytest.approx(0.001)
    assert s1 == pytest.approx(1 / np.sqrt(2 * 0.001))
