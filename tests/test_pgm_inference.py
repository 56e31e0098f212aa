"""Junction trees and exact inference, checked against brute force on the full joint."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.synth import Domain, Factor, GraphicalModel, build_junction_tree, junction_tree_size


def _random_cliques(rng, attrs, k):
    out = []
    for _ in range(k):
        size = int(rng.integers(1, 4))
        out.append(tuple(rng.choice(attrs, size, replace=False).tolist()))
    return out


def _random_model(seed, n_attrs=6, n_cliques=6, scale=1.0):
    rng = np.random.default_rng(seed)
    attrs = [f"v{i}" for i in range(n_attrs)]
    dom = Domain(attrs, rng.integers(2, 4, n_attrs).tolist())
    cliques = {dom.canonical(c) for c in _random_cliques(rng, attrs, n_cliques)}
    pots = {c: Factor(dom.project(c), rng.normal(0, scale, dom.project(c).shape)) for c in cliques}
    return dom, pots, GraphicalModel(dom, list(pots), pots, total=250.0)


def _brute_joint(dom, pots, total):
    log = Factor.zeros(dom)
    for f in pots.values():
        log = log + f
    vals = log.transpose(dom.attrs).values
    p = np.exp(vals - vals.max())
    return Factor(dom, total * p / p.sum())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 9))
def test_running_intersection_and_cover(seed, k):
    rng = np.random.default_rng(seed)
    attrs = [f"v{i}" for i in range(7)]
    dom = Domain(attrs, rng.integers(2, 5, 7).tolist())
    cliques = _random_cliques(rng, attrs, k)
    jt = build_junction_tree(dom, cliques)
    sets = [set(c) for c in jt.cliques]
    # every input clique and every attribute is inside one tree clique
    for c in cliques:
        assert any(set(c) <= s for s in sets)
    assert set().union(*sets) == set(attrs)
    # it is a tree (n - 1 edges, connected from the root)
    assert sum(p >= 0 for p in jt.parent) == len(sets) - 1
    assert sorted(jt.order) == list(range(len(sets)))
    # running intersection: the cliques holding any attribute form a connected subtree
    for a in attrs:
        holders = {i for i, s in enumerate(sets) if a in s}
        tops = [i for i in holders if jt.parent[i] not in holders]
        assert len(tops) == 1, (a, jt.cliques, jt.parent)
    # separators are the intersections with the parent
    for i, p in enumerate(jt.parent):
        if p >= 0:
            assert set(jt.sep[i]) == sets[i] & sets[p]
    # maximal: no clique is inside another
    for i, j in itertools.permutations(range(len(sets)), 2):
        assert not sets[i] <= sets[j]


def test_junction_tree_size_in_mb():
    dom = Domain(["a", "b", "c", "d"], [10, 20, 30, 40])
    # a chain a-b, b-c, c-d: the tree's cliques are exactly the edges
    size = junction_tree_size(dom, [("a", "b"), ("b", "c"), ("c", "d")])
    assert size == pytest.approx((200 + 600 + 1200) * 8 / 2**20)
    # closing the cycle forces a triangulation: at least one 3-way clique
    assert junction_tree_size(dom, [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]) > size
    assert junction_tree_size(dom.to_dict(), [("a", "b")]) == pytest.approx(
        (200 + 30 + 40) * 8 / 2**20
    )


@pytest.mark.parametrize("seed", range(6))
def test_marginals_match_brute_force(seed):
    dom, pots, model = _random_model(seed, scale=2.0)
    joint = _brute_joint(dom, pots, model.total)
    rng = np.random.default_rng(seed)
    queries = [tuple(rng.choice(dom.attrs, k, replace=False).tolist()) for k in (1, 2, 2, 3, 4)]
    queries += list(pots)
    for q in queries:  # includes cliques that are in no single tree clique
        np.testing.assert_allclose(model.marginal(q), joint.project(q).values, rtol=1e-9, atol=1e-9)
    assert model.marginal(dom.attrs).sum() == pytest.approx(250.0)


def test_inference_is_stable_with_extreme_potentials():
    """Potentials of +-800 overflow a naive exp; log-space messages must not."""
    dom, pots, _ = _random_model(3, n_attrs=5, n_cliques=5)
    pots = {c: f * 400.0 for c, f in pots.items()}
    model = GraphicalModel(dom, list(pots), pots, total=1.0)
    joint = _brute_joint(dom, pots, 1.0)
    for c in pots:
        got = model.marginal(c)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, joint.project(c).values, atol=1e-9)


def test_disconnected_components_are_independent():
    dom = Domain(["a", "b", "c", "d"], [2, 3, 2, 3])
    rng = np.random.default_rng(0)
    pots = {
        ("a", "b"): Factor(dom.project(["a", "b"]), rng.normal(size=(2, 3))),
        ("c", "d"): Factor(dom.project(["c", "d"]), rng.normal(size=(2, 3))),
    }
    model = GraphicalModel(dom, list(pots), pots, total=1.0)
    ab, cd = model.marginal(("a", "b")), model.marginal(("c", "d"))
    np.testing.assert_allclose(
        model.marginal(("a", "b", "c", "d")), np.einsum("ab,cd->abcd", ab, cd), atol=1e-12
    )
