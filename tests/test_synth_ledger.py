"""The ledger: zCDP budget from (epsilon, delta) via OpenDP, refusals, conversion back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import BudgetExceededError, InputError
from privsynth.synth.ledger import Ledger, epsilon_delta_to_rho, rho_to_epsilon


def test_budget_round_trips_through_opendp_conversion():
    led = Ledger.from_epsilon_delta(1.0, 1e-9)
    # private-pgm's cdp_rho(1, 1e-9) is about 0.0147; OpenDP's bound is a little tighter
    assert 0.0145 < led.rho_budget < 0.016
    assert rho_to_epsilon(led.rho_budget, 1e-9) <= 1.0
    assert rho_to_epsilon(led.rho_budget * 1.001, 1e-9) > 1.0  # and it is the largest such rho


def test_charge_refuses_overspend_and_records_nothing():
    led = Ledger(0.01, 1.0, 1e-9)
    led.charge("a", "gauss", scale=1.0, sensitivity=1, rho=0.006)
    with pytest.raises(BudgetExceededError, match="only rho"):
        led.charge("b", "gauss", scale=1.0, sensitivity=1, rho=0.005)
    assert [e.what for e in led.entries] == ["a"]
    assert led.to_dict()["steps"][0]["rho"] == 0.006


def test_threshold_delta_comes_from_the_reserve():
    led = Ledger.from_epsilon_delta(1.0, 1e-9, delta_reserve=1e-10)
    led.charge("keys", "threshold", scale=1.0, sensitivity=1, rho=0.001, delta=8e-11)
    with pytest.raises(BudgetExceededError):
        led.charge("keys2", "threshold", scale=1.0, sensitivity=1, rho=0.001, delta=8e-11)


@pytest.mark.parametrize(
    ("eps", "delta"),
    [(0, 1e-9), (-1, 1e-9), (float("inf"), 1e-9), (1.0, 1.0), (1.0, 1.5), (1.0, -0.1), ("x", 1e-9)],
)
def test_bad_epsilon_delta_is_input_error(eps, delta):
    with pytest.raises(InputError):
        Ledger.from_epsilon_delta(eps, delta)


@settings(max_examples=60, deadline=None)
@given(
    eps=st.sampled_from([0.3, 1.0, 3.0]),
    steps=st.lists(st.floats(min_value=0.0, max_value=0.01, allow_nan=False), max_size=40),
)
def test_total_never_exceeds_budget(eps, steps):
    led = Ledger.from_epsilon_delta(eps, 1e-9)
    for i, rho in enumerate(steps):
        before = led.spent_rho
        fits = before + rho <= led.rho_budget
        try:
            led.charge(f"step {i}", "gauss", scale=1.0, sensitivity=1, rho=rho)
            accepted = True
        except BudgetExceededError:
            accepted = False
        assert accepted or not fits  # refuses only what would overspend
        assert led.spent_rho <= led.rho_budget * (1 + 1e-9)
    # converting the spent rho back never gives more than the policy's (epsilon, delta)
    assert led.epsilon_spent() <= eps + 1e-9


def test_rho_to_epsilon_is_monotone():
    a = epsilon_delta_to_rho(0.5, 1e-9)
    b = epsilon_delta_to_rho(1.0, 1e-9)
    assert 0 < a < b
