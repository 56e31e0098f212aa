"""Privacy rule 2 in preprocessing: public categories and bounds only, or DP-released ones."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from synth_helpers import raw_policy, small_raw

from privsynth.errors import InputError
from privsynth.synth import Ledger, synthesize
from privsynth.synth.preprocess import OTHER, BudgetPlan, ColumnType, build_encoder


def test_rare_category_never_in_output_with_public_list():
    df = small_raw(1500)
    rel = synthesize(df, raw_policy("mst"), seed=0)
    assert "Zzyzx" not in set(rel.data["city"].dropna())
    more = rel.sample(20000)
    assert "Zzyzx" not in set(more["city"].dropna())
    assert set(more["city"].dropna()) <= {"Paris", "Lyon", "Nice", OTHER}
    assert not any("Zzyzx" in str(v) for v in str(rel.manifest))


def test_rare_category_never_in_output_with_key_discovery():
    df = small_raw(1500)
    pol = raw_policy("mst")
    pol["columns"]["city"] = {"action": "keep", "domain": {"discover": True}}
    rel = synthesize(df, pol, seed=0)
    cats = rel.synthesizer.encoder.codecs["city"].categories
    assert "Zzyzx" not in cats  # one row is far below the threshold
    assert "Paris" in cats  # frequent keys are released
    assert "Zzyzx" not in set(rel.sample(20000)["city"].dropna())
    assert any("key discovery" in s["what"] for s in rel.manifest["ledger"]["steps"])


def test_public_rare_category_may_appear():
    # the same single-row value is allowed when the policy lists it (public knowledge)
    df = small_raw(1500)
    pol = raw_policy("mst")
    pol["columns"]["city"]["domain"]["categories"].append("Zzyzx")
    rel = synthesize(df, pol, seed=0)
    assert "Zzyzx" in rel.synthesizer.encoder.codecs["city"].categories


def test_values_outside_public_bounds_are_clipped():
    df = pd.DataFrame({"age": [5, 30, 200, 60], "x": [0.5, -100.0, 1e9, 2.0]})
    enc = build_encoder(
        df, {"age": {"bounds": [18, 90], "bins": 4}, "x": {"bounds": [0, 10], "bins": 5}}
    )
    codes = enc.encode(df)
    assert codes["age"].tolist() == [0, 0, 3, 2]  # edges 18, 36, 54, 72, 91
    assert codes["x"].tolist() == [0, 0, 4, 1]
    out = enc.decode(codes, np.random.default_rng(0))
    assert out["age"].between(18, 90).all() and out["x"].between(0, 10).all()
    assert str(out["age"].dtype) == "Int64"  # integers stay integers


def test_bins_come_from_the_policy_not_the_data():
    spec = {"age": {"bounds": [0, 100], "bins": 4}}
    a = build_encoder(pd.DataFrame({"age": [1, 2, 3]}), spec)
    b = build_encoder(pd.DataFrame({"age": [50, 99, 97, 98]}), spec)
    assert a.codecs["age"].edges == b.codecs["age"].edges == [0.0, 25.0, 50.0, 75.0, 101.0]


def test_no_api_path_derives_bounds():
    df = pd.DataFrame({"age": [1, 2, 3], "when": pd.to_datetime(["2020-01-01"] * 3)})
    for spec in [None, {}, {"bins": 8}, {"bounds": None}, {"bounds": [1]}]:
        with pytest.raises(InputError, match=r"bounds: \[lo, hi\], bins: 32"):
            build_encoder(df, {"age": spec})
    with pytest.raises(InputError, match="bounds"):
        build_encoder(df, {"when": {"bins": 3}})
    # no parameter of the encoder builder can ask for data-derived bounds
    params = set(inspect.signature(build_encoder).parameters)
    # `counts` only counts rows into OpenDP measurements (key discovery, DP quantiles, DP
    # bounds); `types` are public (policy, storage or DP typing)
    assert params == {"df", "specs", "types", "ledger", "plan", "sensitivity", "counts"}


def test_categorical_without_public_list_is_refused():
    df = pd.DataFrame({"city": ["a", "b"]})
    with pytest.raises(InputError, match="categories"):
        build_encoder(df, {"city": None})
    with pytest.raises(InputError, match="budget"):
        build_encoder(df, {"city": {"discover": True}})  # discovery without a ledger


def test_missing_values_are_a_category_and_dates_round_trip():
    df = pd.DataFrame(
        {
            "city": ["a", None, "zzz", "b"],
            "when": ["03/02/2021", None, "28/12/2021", "01/01/2021"],
            "score": [1.5, np.nan, 2.5, 3.0],
        }
    )
    specs = {
        "city": {"categories": ["a", "b"]},
        "when": {"bounds": ["2021-01-01", "2021-12-31"], "bins": 12},
        "score": {"bounds": [0, 5], "bins": 5},
    }
    # the format is public (the policy's `format:`), never guessed from the values
    enc = build_encoder(df, specs, types={"when": ColumnType("date", ("%d/%m/%Y",))})
    codes = enc.encode(df)
    assert codes["city"].tolist() == [0, 3, 2, 1]  # a, missing, other, b
    assert codes["when"].tolist()[1] == enc.codecs["when"].missing_code
    assert codes["when"].tolist()[2] == 11  # read with the declared d/m/Y: 28 December
    # without a declared format the dates are read as ISO: these cells become missing
    iso = build_encoder(df, specs).encode(df)
    assert set(iso["when"]) == {enc.codecs["when"].missing_code}
    out = enc.decode(codes, np.random.default_rng(0))
    assert out["city"][0] == "a" and pd.isna(out["city"][1]) and out["city"][2] == OTHER
    assert out["when"].isna().tolist() == [False, True, False, False]
    parsed = pd.to_datetime(out["when"].dropna(), format="%d/%m/%Y")  # the input's format
    assert parsed.between("2021-01-01", "2021-12-31").all()
    assert np.isnan(out["score"].iloc[1])


def test_dp_quantile_bins_are_charged():
    df = pd.DataFrame({"age": np.arange(1000) % 80 + 10})
    led = Ledger.from_epsilon_delta(1.0, 1e-9)
    enc = build_encoder(
        df,
        {"age": {"bounds": [0, 100], "bins": 4, "binning": "dp_quantile"}},
        ledger=led,
        plan=BudgetPlan(quantile_rho=0.003),
    )
    edges = enc.codecs["age"].edges
    assert edges[0] == 0 and edges[-1] == 101 and len(edges) <= 5
    assert abs(led.spent_rho - 0.003) < 1e-9 and len(led.entries) == 3


def test_public_edges_keep_zeros_exact_and_never_come_from_the_data():
    from privsynth.synth.preprocess import build_encoder

    s = pd.Series([0, 0, 0, 0, 700, 1200, 99_999, 250_000], dtype="int64")
    enc = build_encoder(pd.DataFrame({"gain": s}), {"gain": {"edges": [0, 1, 1000, 100000]}})
    codec = enc.codecs["gain"]
    # integer bins [0,0], [1,999], [1000,100000]; the edges are the policy's, not the data's
    assert codec.edges == [0.0, 1.0, 1000.0, 100001.0]
    assert codec.source == "public edges"
    codes = codec.encode(s)
    assert list(codes[:4]) == [0, 0, 0, 0]
    assert codes[-1] == 2  # 250,000 is clipped to the last public edge
    rng = np.random.default_rng(0)
    decoded = codec.decode(np.array([0] * 50), rng)
    assert (np.asarray(decoded) == 0).all()


def test_edges_must_increase():
    from privsynth.errors import PolicyError
    from privsynth.policy import parse_policy

    text = (
        "name: x\nrelease: {mode: synthesize, epsilon: 1, delta: 1.0e-9}\n"
        "columns:\n  a: {action: keep, domain: {edges: [0, 5, 5]}}\n"
    )
    with pytest.raises(PolicyError, match="increasing"):
        parse_policy(text)
