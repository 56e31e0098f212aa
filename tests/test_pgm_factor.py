"""Domain and Factor: named-axis arithmetic must match explicit numpy broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError
from privsynth.synth import Domain, Factor


@pytest.fixture
def dom() -> Domain:
    return Domain(["a", "b", "c"], [2, 3, 4])


def test_domain_basics(dom):
    assert dom.size() == 24
    assert dom.size(["a", "c"]) == 8
    assert dom.project(["c", "a"]).shape == (4, 2)
    assert dom.marginalize(["b"]).attrs == ("a", "c")
    assert "b" in dom and "z" not in dom
    assert list(dom) == ["a", "b", "c"]
    assert dom == Domain.from_dict({"a": 2, "b": 3, "c": 4})
    assert dom != Domain.from_dict({"a": 2, "b": 3, "c": 5})
    assert dom.canonical(["c", "a"]) == ("a", "c")
    assert hash(dom) == hash(Domain.from_dict(dom.to_dict()))


def test_domain_rejects_bad_input(dom):
    with pytest.raises(InputError, match="'z'"):
        dom.project(["z"])
    with pytest.raises(InputError, match="twice"):
        Domain(["a", "a"], [2, 2])
    with pytest.raises(InputError, match="positive"):
        Domain(["a"], [0])


def test_project_and_sum(dom):
    v = np.arange(24.0).reshape(2, 3, 4)
    f = Factor(dom, v)
    np.testing.assert_allclose(f.project(["c", "a"]).values, v.sum(axis=1).T)
    np.testing.assert_allclose(f.sum(["b"]).values, v.sum(axis=1))
    assert f.sum() == pytest.approx(v.sum())


def test_binary_ops_align_axes(dom):
    rng = np.random.default_rng(0)
    f = Factor(dom.project(["c", "a"]), rng.normal(size=(4, 2)))
    g = Factor(dom.project(["b", "a"]), rng.normal(size=(3, 2)))
    h = f + g
    assert set(h.domain.attrs) == {"a", "b", "c"}
    want = f.values.T[:, None, :] + g.values.T[:, :, None]  # axes a, b, c
    np.testing.assert_allclose(h.transpose(["a", "b", "c"]).values, want)
    np.testing.assert_allclose(
        (f * g).transpose(["a", "b", "c"]).values, f.values.T[:, None, :] * g.values.T[:, :, None]
    )
    np.testing.assert_allclose(
        (f - g).transpose(["a", "b", "c"]).values, f.values.T[:, None, :] - g.values.T[:, :, None]
    )
    q = (f.exp() / g.exp()).log()
    assert q.allclose(f - g)
    assert (2.0 * f).allclose(f + f)


def test_expand_logsumexp_normalize(dom):
    rng = np.random.default_rng(1)
    f = Factor(dom.project(["b"]), rng.normal(size=3))
    e = f.expand(dom)
    assert e.values.shape == (2, 3, 4)
    np.testing.assert_allclose(e.values[1, :, 2], f.values)
    lse = e.logsumexp(["a", "c"])
    np.testing.assert_allclose(lse.values, f.values + np.log(8))
    assert e.logsumexp() == pytest.approx(np.log(np.exp(e.values).sum()))
    p = e.exp().normalize(10.0)
    assert p.sum() == pytest.approx(10.0)
    assert e.normalize(log=True).exp().sum() == pytest.approx(1.0)
    assert e.datavector().shape == (24,)


def test_factor_shape_mismatch(dom):
    with pytest.raises(InputError, match="shape"):
        Factor(dom, np.zeros((2, 3)))


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    seed=st.integers(0, 2**31 - 1),
    data=st.data(),
)
def test_projection_is_consistent(shape, seed, data):
    """Projecting in two steps equals projecting at once, in any axis order."""
    attrs = [f"x{i}" for i in range(len(shape))]
    dom = Domain(attrs, shape)
    f = Factor(dom, np.random.default_rng(seed).random(shape))
    keep = data.draw(st.lists(st.sampled_from(attrs), unique=True, min_size=1))
    inner = data.draw(st.permutations(keep))
    sub = keep[: max(1, len(keep) - 1)]
    assert f.project(keep).project(sub).allclose(f.project(sub))
    assert f.project(inner).allclose(f.project(keep))
    assert f.project(keep).sum() == pytest.approx(f.sum())
