"""Sampling (plain, count-matched, conditional) and save/load of fitted models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.errors import InputError
from privsynth.synth import Domain, Factor, GraphicalModel


@pytest.fixture(scope="module")
def model() -> GraphicalModel:
    """A loopy model (triangulation needed) with strong dependencies."""
    rng = np.random.default_rng(7)
    dom = Domain(["a", "b", "c", "d", "e", "f"], [3, 4, 2, 5, 3, 6])
    cliques = [("a", "b"), ("b", "c", "d"), ("d", "e"), ("e", "a"), ("f", "c"), ("f",)]
    pots = {
        dom.canonical(c): Factor(
            dom.project(dom.canonical(c)), rng.normal(0, 1.5, dom.project(dom.canonical(c)).shape)
        )
        for c in cliques
    }
    return GraphicalModel(dom, list(pots), pots, total=2000.0)


def _counts(df: pd.DataFrame, dom: Domain, attrs) -> np.ndarray:
    shape = [dom[a] for a in attrs]
    flat = np.ravel_multi_index([df[a].to_numpy() for a in attrs], shape)
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)


def test_sample_shape_and_codes(model):
    df = model.sample(1234, rng=np.random.default_rng(0))
    assert list(df.columns) == list(model.domain.attrs)
    assert len(df) == 1234
    for a in model.domain:
        assert df[a].dtype.kind == "i"
        assert df[a].between(0, model.domain[a] - 1).all()
    assert len(model.sample(0, rng=np.random.default_rng(0))) == 0
    assert len(model.sample(1, rng=np.random.default_rng(0))) == 1


def test_sample_is_reproducible(model):
    a = model.sample(500, rng=np.random.default_rng(3))
    b = model.sample(500, rng=np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(model.sample(500, rng=np.random.default_rng(4)))


@pytest.mark.parametrize("n", [5000, 777])
def test_one_way_counts_match_within_one(model, n):
    df = model.sample(n, rng=np.random.default_rng(n))
    for a in model.domain:
        expected = model.marginal((a,)) * n / model.total
        assert np.abs(_counts(df, model.domain, [a]) - expected).max() <= 1.0 + 1e-9, a


def test_joint_marginals_within_sampling_error(model):
    n = 20_000
    df = model.sample(n, rng=np.random.default_rng(1))
    for q in [("a", "b"), ("b", "c", "d"), ("a", "d"), ("c", "f"), ("a", "e", "f")]:
        p = model.marginal(q) / model.total
        got = _counts(df, model.domain, q) / n
        # 5 standard errors of a multinomial cell, plus a little slack for tiny cells
        assert np.all(np.abs(got - p) <= 5 * np.sqrt(p * (1 - p) / n) + 2 / n), q
        # and overall close: total variation well under i.i.d. sampling noise
        assert 0.5 * np.abs(got - p).sum() < 0.03


def test_conditional_sampling_matches_conditional(model):
    n = 20_000
    df = model.sample(n, rng=np.random.default_rng(2), where={"c": 1, "a": [0, 2]})
    assert (df["c"] == 1).all()
    assert df["a"].isin([0, 2]).all()
    joint = model.marginal(("a", "c", "d"))
    cond = joint[[0, 2], 1, :]
    cond = cond / cond.sum()
    got = _counts(df, model.domain, ["a", "d"])[[0, 2], :] / n
    assert np.abs(got - cond).max() < 0.02
    # 1-way counts of the conditioned sample still track the conditional expectation
    np.testing.assert_allclose(got.sum(axis=1), cond.sum(axis=1), atol=1.0 / n + 1e-12)


def test_conditional_sampling_rejects_bad_conditions(model):
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="'zz'"):
        model.sample(10, rng=rng, where={"zz": 0})
    with pytest.raises(InputError, match="outside"):
        model.sample(10, rng=rng, where={"a": 3})
    with pytest.raises(InputError, match="no value"):
        model.sample(10, rng=rng, where={"a": []})
    with pytest.raises(InputError, match="non-negative"):
        model.sample(-1, rng=rng)


def test_impossible_condition_is_reported():
    dom = Domain(["a", "b"], [2, 2])
    pot = Factor(dom, np.array([[0.0, -np.inf], [0.0, 0.0]]))
    m = GraphicalModel(dom, [("a", "b")], {("a", "b"): pot}, total=10.0)
    assert (m.sample(50, rng=np.random.default_rng(0), where={"a": 0})["b"] == 0).all()
    with pytest.raises(InputError, match="probability zero"):
        m.sample(5, rng=np.random.default_rng(0), where={"a": 0, "b": 1})


def test_save_load_round_trip(model, tmp_path):
    path = tmp_path / "model.npz"
    model.save(path)
    back = GraphicalModel.load(path)
    assert back.domain == model.domain
    assert back.cliques == model.cliques
    assert back.total == model.total
    for q in [("a",), ("b", "c", "d"), ("a", "d", "f")]:
        np.testing.assert_array_equal(back.marginal(q), model.marginal(q))
    pd.testing.assert_frame_equal(
        back.sample(300, rng=np.random.default_rng(5)),
        model.sample(300, rng=np.random.default_rng(5)),
    )


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.arange(3))
    with pytest.raises(InputError, match="graphical model"):
        GraphicalModel.load(bad)
    with pytest.raises(InputError):
        GraphicalModel.load(tmp_path / "missing.npz")


def test_independent_attributes_are_allocated_in_proportion():
    """Stratified allocation: with a and b independent in the model, every group of rows
    sharing a gets b in proportion p(b) within a couple of rows; i.i.d. draws would be off by
    tens of rows (the standard error of a cell here is ~15)."""
    dom = Domain(["a", "b"], [4, 5])
    pots = {
        ("a",): Factor(dom.project(("a",)), np.log([0.1, 0.2, 0.3, 0.4])),
        ("b",): Factor(dom.project(("b",)), np.log([0.3, 0.25, 0.2, 0.15, 0.1])),
    }
    model = GraphicalModel(dom, list(pots), pots, total=1.0)
    n = 10_000
    for seed in range(3):
        df = model.sample(n, rng=np.random.default_rng(seed))
        got = _counts(df, dom, ["a", "b"])
        expected = np.outer(got.sum(axis=1), model.marginal(("b",)) / model.total)
        assert np.abs(got - expected).max() <= 2.0
