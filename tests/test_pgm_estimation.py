"""Estimation: exact recovery from noiseless marginals, warm starts, totals, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from privsynth.errors import InputError
from privsynth.synth import Domain, Factor, GraphicalModel, Measurement, estimate, estimate_total


def tree_model(seed: int, n: int = 7, total: float = 1000.0):
    """A random tree-structured model: each attribute hangs off an earlier one."""
    rng = np.random.default_rng(seed)
    attrs = [f"v{i}" for i in range(n)]
    dom = Domain(attrs, rng.integers(2, 5, n).tolist())
    edges = [(attrs[int(rng.integers(0, i))], attrs[i]) for i in range(1, n)]
    pots = {}
    for e in edges:
        c = dom.canonical(e)
        pots[c] = Factor(dom.project(c), rng.normal(0, 1, dom.project(c).shape))
    return dom, edges, GraphicalModel(dom, list(pots), pots, total=total)


@pytest.mark.parametrize("seed", [0, 3])
def test_noiseless_tree_marginals_are_recovered(seed):
    dom, edges, true = tree_model(seed)
    # measure the true 2-way marginals, in a scrambled axis order, with negligible noise
    ms = [Measurement(e[::-1], true.marginal(e[::-1]), 1e-3) for e in edges]
    fit = estimate(dom, ms, iters=3000, tol=0.0)
    assert fit.total == pytest.approx(1000.0)
    for e in edges:
        np.testing.assert_allclose(fit.marginal(e), true.marginal(e), rtol=1e-6)
    # the maximum-entropy fit of tree marginals is the tree model itself: unmeasured
    # higher-order marginals match too
    q = ("v0", "v3", "v6")
    np.testing.assert_allclose(fit.marginal(q), true.marginal(q), rtol=1e-6)


def test_noisy_fit_beats_raw_measurements():
    """Fusing overlapping noisy marginals reduces error compared with each raw measurement."""
    dom, edges, true = tree_model(1, total=5000.0)
    rng = np.random.default_rng(0)
    sigma = 20.0
    ms = []
    for e in edges:
        ms.append(
            Measurement(e, true.marginal(e) + rng.normal(0, sigma, true.marginal(e).shape), sigma)
        )
    for a in dom.attrs:
        ms.append(Measurement((a,), true.marginal((a,)) + rng.normal(0, sigma, dom[a]), sigma))
    fit = estimate(dom, ms, iters=500)
    raw = np.mean([np.abs(m.values - true.marginal(m.clique)).sum() for m in ms])
    fitted = np.mean([np.abs(fit.marginal(m.clique) - true.marginal(m.clique)).sum() for m in ms])
    assert fitted < 0.8 * raw
    assert np.all(fit.marginal(dom.attrs) >= 0)


def _iterations_to(target, dom, ms, **kw):
    hit = []

    def cb(step, loss):
        if loss <= target and not hit:
            hit.append(step)

    estimate(dom, ms, iters=3000, tol=0.0, callback=cb, **kw)
    return hit[0] if hit else 10**9


def test_warm_start_converges_faster_than_cold():
    dom, edges, true = tree_model(2, total=5000.0)
    rng = np.random.default_rng(1)
    sigma = 5.0

    def noisy(c):
        m = true.marginal(c)
        return Measurement(c, m + rng.normal(0, sigma, m.shape), sigma)

    first = [noisy(e) for e in edges[:-1]]
    model = estimate(dom, first, iters=1000)
    both = [*first, noisy(edges[-1]), noisy(("v1", "v2", "v3"))]
    best = estimate(dom, both, iters=3000, tol=0.0).loss_
    target = best + 1e-3 * max(best, 1.0)
    warm = _iterations_to(target, dom, both, warm_start=model)
    cold = _iterations_to(target, dom, both)
    assert warm < cold, (warm, cold)
    # the warm start begins exactly at the old distribution (the total is re-estimated)
    start = estimate(dom, both, iters=0, warm_start=model)
    q = ("v0", "v2", "v5")
    np.testing.assert_allclose(start.marginal(q) / start.total, model.marginal(q) / model.total)


def test_total_is_noise_weighted():
    dom = Domain(["a", "b"], [2, 3])
    precise = Measurement(("a",), np.array([60.0, 40.0]), 0.01)
    vague = Measurement(("a", "b"), np.full((2, 3), 100.0), 100.0)
    assert estimate_total([precise, vague]) == pytest.approx(100.0, rel=1e-3)
    assert estimate(dom, [precise, vague], iters=5).total == pytest.approx(100.0, rel=1e-3)
    assert estimate(dom, [precise], total=7.0, iters=5).total == 7.0
    # an attribute no measurement covers is uniform
    m = estimate(dom, [precise], iters=200)
    np.testing.assert_allclose(m.marginal("b"), np.full(3, m.total / 3))


def test_bad_input_is_rejected():
    dom = Domain(["a", "b"], [2, 3])
    with pytest.raises(InputError, match="sigma"):
        Measurement(("a",), np.ones(2), 0.0)
    with pytest.raises(InputError, match="shape"):
        estimate(dom, [Measurement(("a",), np.ones(3), 1.0)])
    with pytest.raises(InputError, match="'z'"):
        estimate(dom, [Measurement(("z",), np.ones(3), 1.0)])
    with pytest.raises(InputError, match="total"):
        estimate(dom, [Measurement(("a",), np.ones(2), 1.0)], total=-1)
    with pytest.raises(InputError, match="method"):
        estimate(dom, [Measurement(("a",), np.ones(2), 1.0)], method="newton")


def test_plain_mirror_descent_also_converges():
    dom, edges, true = tree_model(4, n=5)
    ms = [Measurement(e, true.marginal(e), 1.0) for e in edges]
    fit = estimate(dom, ms, iters=3000, tol=1e-12, method="mirror_descent")
    for e in edges:
        np.testing.assert_allclose(fit.marginal(e), true.marginal(e), rtol=1e-3, atol=1e-3)


def test_cell_scale_weighs_a_noisier_cell_less():
    """Two measurements of one 1-way disagree on cell 0; the per-cell scale decides who wins."""
    dom = Domain(["a"], [2])
    precise = Measurement(("a",), np.array([100.0, 100.0]), 1.0)
    merged = Measurement(("a",), np.array([300.0, 100.0]), 1.0, np.array([10.0, 1.0]))
    plain = Measurement(("a",), np.array([300.0, 100.0]), 1.0)
    with_scale = estimate(dom, [precise, merged], total=200.0, iters=2000).marginal(("a",))
    without = estimate(dom, [precise, plain], total=200.0, iters=2000).marginal(("a",))
    # with scale 10 on cell 0 its weight is 1/100: the fit stays near the precise measurement
    assert with_scale[0] < 105 < without[0]
    assert Measurement(("a",), np.ones(2), 2.0, np.array([1.0, 3.0])).variance == pytest.approx(40.0)
    with pytest.raises(InputError):
        Measurement(("a",), np.ones(2), 1.0, np.array([1.0, 0.0]))


def test_compress_oneways_gives_the_merged_cell_sqrt_k_noise():
    from privsynth.synth.mst import compress_oneways

    y = np.array([500.0, 400.0, 1.0, -2.0, 3.0, 0.5])
    comp, values, scales = compress_oneways({"a": y}, {"a": 10.0}, threshold=3.0)
    assert comp.domain == {"a": 3}
    assert values["a"].tolist() == [500.0, 400.0, 2.5]
    assert scales["a"].tolist() == [1.0, 1.0, 2.0]  # four cells merged: sqrt(4)
    _, _, none = compress_oneways({"a": np.array([500.0, 400.0])}, {"a": 10.0})
    assert none["a"] is None


def _total_correlation(joint: np.ndarray) -> float:
    """KL divergence of a 2-way table (normalized) from the product of its 1-way marginals."""
    p = joint / joint.sum()
    pa, pb = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / (pa * pb)[nz])).sum())


def _pair_measurements(rng, sigma, dependent):
    dom = Domain(["a", "b"], [4, 5])
    pa, pb = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    true = 2000.0 * np.outer(pa, pb)
    if dependent:
        true = 2000.0 * (0.5 * np.outer(pa, pb) + 0.5 * np.diag(pa)[:, [0, 1, 2, 3, 3]] * pb / pb)
        true = true / true.sum() * 2000.0
    ms = [
        Measurement(("a",), true.sum(1) + rng.normal(0, sigma, 4), sigma),
        Measurement(("b",), true.sum(0) + rng.normal(0, sigma, 5), sigma),
        Measurement(("a", "b"), true + rng.normal(0, sigma, true.shape), sigma),
    ]
    return dom, ms, true


def test_penalty_loss_is_measurement_loss_plus_lambda_n_tc():
    dom, ms, _ = _pair_measurements(np.random.default_rng(0), 5.0, dependent=True)
    lam = 0.3
    fit = estimate(dom, ms, total=2000.0, iters=3000, tol=0.0, penalty=lam)
    fitted = fit.marginal(("a", "b"))
    data_loss = sum(
        0.5 * float(((fit.marginal(m.clique) - m.values) ** 2).sum()) / m.sigma**2 for m in ms
    )
    assert fit.loss_ == pytest.approx(data_loss + lam * 2000.0 * _total_correlation(fitted), rel=1e-6)


def test_penalty_shrinks_interactions_toward_independence():
    """The total correlation of the fit falls as lambda grows; a huge lambda leaves the
    product of the 1-ways, while the 1-ways still follow their measurements."""
    dom, ms, true = _pair_measurements(np.random.default_rng(1), 2.0, dependent=True)
    tcs = []
    for lam in (0.0, 0.01, 0.1, 100.0):
        fit = estimate(dom, ms, total=2000.0, iters=3000, tol=0.0, penalty=lam)
        tcs.append(_total_correlation(fit.marginal(("a", "b"))))
    assert tcs[0] > tcs[1] > tcs[2] > tcs[3]
    assert tcs[3] < 0.1 * tcs[0]
    np.testing.assert_allclose(fit.marginal(("a",)), true.sum(1), atol=25.0)


def test_penalty_removes_noise_from_an_independent_table():
    """True table independent, 2-way measurement noisy: the penalized fit is closer to it."""
    errs = {0.0: [], 0.2: []}
    for seed in range(3):
        dom, ms, true = _pair_measurements(np.random.default_rng(seed), 30.0, dependent=False)
        for lam in errs:
            fit = estimate(dom, ms, total=2000.0, iters=2000, penalty=lam)
            errs[lam].append(np.abs(fit.marginal(("a", "b")) - true).sum())
    assert np.mean(errs[0.2]) < 0.8 * np.mean(errs[0.0])


def test_penalty_without_a_multiway_clique_changes_nothing():
    dom, ms, _ = _pair_measurements(np.random.default_rng(2), 5.0, dependent=True)
    plain = estimate(dom, ms[:2], total=2000.0, iters=500)
    penalized = estimate(dom, ms[:2], total=2000.0, iters=500, penalty=5.0)
    np.testing.assert_allclose(penalized.marginal(("a",)), plain.marginal(("a",)))


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_penalty_is_rejected(bad):
    dom = Domain(["a", "b"], [2, 3])
    with pytest.raises(InputError, match="penalty"):
        estimate(dom, [Measurement(("a",), np.ones(2), 1.0)], penalty=bad)
