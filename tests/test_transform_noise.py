"""Noise: DP noise goes through OpenDP and stays in bounds; statistical noise is labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError
from privsynth.transform import dp_noise, statistical_noise
from privsynth.transform.noise import NOT_A_GUARANTEE


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=1, max_size=50),
    st.floats(0.1, 5.0),
)
def test_laplace_stays_in_bounds(values, eps):
    s = pd.Series(values, dtype="Int64")
    res = dp_noise(s, epsilon=eps, bounds=(0, 99))
    out = res.values
    assert out.isna().tolist() == s.isna().tolist()
    assert ((out.dropna() >= 0) & (out.dropna() <= 99)).all()
    assert res.epsilon == pytest.approx(eps) and res.scale == pytest.approx(99 / eps)


def test_gaussian_in_bounds_and_costs_stated():
    s = pd.Series(np.linspace(0, 10, 200))
    res = dp_noise(s, epsilon=1.0, delta=1e-6, mechanism="gaussian", bounds=(0, 10))
    assert res.values.between(0, 10).all()
    assert res.epsilon <= 1.0 + 1e-9 and res.delta == pytest.approx(1e-6)


def test_noise_is_drawn_by_opendp(monkeypatch):
    import opendp.prelude as dp

    calls = []
    real = dp.m.make_laplace

    def spy(*args, **kwargs):
        calls.append(kwargs.get("scale", args[2] if len(args) > 2 else None))
        return real(*args, **kwargs)

    monkeypatch.setattr(dp.m, "make_laplace", spy)
    dp_noise(pd.Series([1.0, 2.0]), epsilon=0.5, bounds=(0, 10))
    assert calls == [20.0]
    g_calls = []
    real_g = dp.m.make_gaussian
    monkeypatch.setattr(dp.m, "make_gaussian", lambda *a, **k: g_calls.append(1) or real_g(*a, **k))
    dp_noise(pd.Series([1.0]), epsilon=1.0, delta=1e-6, mechanism="gaussian", bounds=(0, 10))
    assert g_calls


def test_contributions_scale_sensitivity():
    one = dp_noise(pd.Series([1.0]), epsilon=1.0, bounds=(0, 10))
    three = dp_noise(pd.Series([1.0]), epsilon=1.0, bounds=(0, 10), contributions=3)
    assert three.scale == pytest.approx(3 * one.scale)


def test_noise_input_errors():
    with pytest.raises(InputError, match="epsilon must be > 0"):
        dp_noise(pd.Series([1.0]), epsilon=0, bounds=(0, 1))
    with pytest.raises(InputError, match="needs numbers"):
        dp_noise(pd.Series(["a"]), epsilon=1, bounds=(0, 1))


def test_statistical_noise_is_labelled():
    res = statistical_noise(pd.Series([10, 20, 30]), scale=1.0, rng=np.random.default_rng(0))
    assert res.guarantee == NOT_A_GUARANTEE and res.epsilon is None
    assert res.record()["guarantee"] == "statistical noise: not a formal guarantee"
