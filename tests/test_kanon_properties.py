"""Property tests: the search's output honours the privacy models, and its optimum is the true one.

The brute force below is an independent re-implementation with pandas (generalize every cell,
group, suppress failing classes, score) over every node of small random lattices.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError
from privsynth.transform import (
    DistinctLDiversity,
    EntropyLDiversity,
    RecursiveCLDiversity,
    TCloseness,
    kanonymize,
)

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def problems(draw):
    n_qi = draw(st.integers(1, 3))
    n = draw(st.integers(4, 40))
    cols, hiers = {}, {}
    for j in range(n_qi):
        d = draw(st.integers(2, 6))
        # the first QI may be numeric (Mondrian then releases ranges of it)
        numeric = j == 0 and draw(st.booleans())
        values = [10 * i for i in range(d)] if numeric else [f"v{j}_{i}" for i in range(d)]
        levels = {0: values}
        if draw(st.booleans()):  # a middle level: values grouped at random
            g = draw(st.lists(st.integers(0, 2), min_size=d, max_size=d))
            levels[1] = [f"g{j}_{x}" for x in g]
        levels[len(levels)] = ["*"] * d
        hiers[f"q{j}"] = pd.DataFrame(levels)
        # rows use a subset of the hierarchy's values (the domain is larger than the data)
        cols[f"q{j}"] = draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))
    cols["s"] = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n))
    df = pd.DataFrame(cols)
    k = draw(st.integers(2, max(2, min(5, n))))
    ms = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5]))
    extra = draw(
        st.sampled_from(
            [
                {},
                {"l_diversity": 2},
                {"l_diversity": EntropyLDiversity(1.8)},
                {"l_diversity": RecursiveCLDiversity(2.0, 2)},
                {"t_closeness": 0.4},
            ]
        )
    )
    if extra:
        extra = {**extra, "sensitive": ["s"]}
    return df, hiers, k, ms, extra


def _criteria(k, extra):
    l_div = extra.get("l_diversity")
    if isinstance(l_div, int):
        l_div = DistinctLDiversity(l_div)
    t = extra.get("t_closeness")
    return l_div, (TCloseness(t) if t is not None else None)


def _failing_classes(gen: pd.DataFrame, qis, k, extra, overall):
    """Per row: does its class fail a criterion (independent pandas implementation)."""
    key = gen[qis].apply(tuple, axis=1)
    size = key.map(key.value_counts())
    fail = size < k
    l_div, t = _criteria(k, extra)
    if l_div is None and t is None:
        return fail.to_numpy()
    by_class = gen.groupby(key)["s"]
    bad = set()
    for cls, vals in by_class:
        counts = np.array(sorted(vals.value_counts().tolist(), reverse=True), dtype=float)
        p = counts / counts.sum()
        if isinstance(l_div, DistinctLDiversity) and len(counts) < l_div.l:
            bad.add(cls)
        if (
            isinstance(l_div, EntropyLDiversity)
            and -(p * np.log(p)).sum() < math.log(l_div.l) - 1e-12
        ):
            bad.add(cls)
        if isinstance(l_div, RecursiveCLDiversity):
            tail = counts[l_div.l - 1 :].sum()
            if not counts[0] < l_div.c * tail:
                bad.add(cls)
        if t is not None:
            dist = vals.value_counts(normalize=True).reindex(overall.index, fill_value=0.0)
            if 0.5 * (dist - overall).abs().sum() > t.t + 1e-12:
                bad.add(cls)
    return (fail | key.isin(bad)).to_numpy()


def _brute_force(df, hiers, k, ms, extra):
    qis = [c for c in df.columns if c.startswith("q")]
    n = len(df)
    overall = df["s"].value_counts(normalize=True)
    heights = [hiers[q].shape[1] for q in qis]
    best = None
    for levels in itertools.product(*[range(h) for h in heights]):
        gen = df.copy()
        pens = []
        for q, lv in zip(qis, levels, strict=True):
            h = hiers[q]
            gen[q] = df[q].map(dict(zip(h[0], h[lv], strict=True)))
            leaves = h[lv].value_counts()
            pens.append(((gen[q].map(leaves) - 1) / (len(h) - 1)).to_numpy())
        fail = _failing_classes(gen, qis, k, extra, overall)
        if fail.sum() > math.floor(ms * n + 1e-9):
            continue
        pen = np.column_stack(pens)
        pen[fail] = 1.0
        loss = pen.mean()
        if best is None or loss < best[0] - 1e-12:
            best = (loss, levels)
    return best


@SETTINGS
@given(problems())
def test_output_honours_privacy_models_and_suppression_limit(case):
    df, hiers, k, ms, extra = case
    qis = list(hiers)
    try:
        out, res = kanonymize(df, qis, hiers, k=k, max_suppression=ms, **extra)
    except InputError:
        assert _brute_force(df, hiers, k, ms, extra) is None  # truly no feasible node
        return
    expected = pd.DataFrame(
        {
            q: df[q].map(dict(zip(hiers[q][0], hiers[q][res.levels[q]], strict=True))).astype(str)
            for q in qis
        }
    )
    expected = expected.loc[out.index]  # rows removed with their `*` class are gone
    supp = (out[qis] != expected).any(axis=1).to_numpy()  # anything but the node's value ...
    assert (out.loc[supp, qis] == "*").all().all()  # ... is a suppressed cell, on whole rows
    assert supp.sum() + res.n_removed == res.n_suppressed <= math.floor(ms * len(df) + 1e-9)
    assert res.n_removed in (0, res.n_suppressed)  # all suppressed rows go, or none
    assert (out["s"] == df.loc[out.index, "s"]).all()  # non-QI columns untouched
    if len(out):
        # The claimed k holds for suppressed rows too: the `*` class is a class of the release
        # like any other, and satisfies every model, or its rows were removed.
        assert out.groupby(qis).size().min() >= k
        assert res.k_achieved >= k
        every = _failing_classes(out, qis, k, extra, df["s"].value_counts(normalize=True))
        assert not every.any()
    kept = out[~supp]
    if len(kept):
        assert kept.groupby(qis).size().min() >= k
        fail = _failing_classes(kept, qis, k, extra, df["s"].value_counts(normalize=True))
        assert not fail.any()
        if extra.get("l_diversity") == 2:
            assert kept.groupby(qis)["s"].nunique().min() >= 2 and res.l_achieved >= 2


@SETTINGS
@given(problems())
def test_optimum_is_never_worse_than_any_lattice_node(case):
    df, hiers, k, ms, extra = case
    qis = list(hiers)
    brute = _brute_force(df, hiers, k, ms, extra)
    if brute is None:
        with pytest.raises(InputError):
            kanonymize(df, qis, hiers, k=k, max_suppression=ms, **extra)
        return
    _, res = kanonymize(df, qis, hiers, k=k, max_suppression=ms, **extra)
    assert res.loss == pytest.approx(brute[0], abs=1e-9)
    assert res.nodes_checked <= res.lattice_size


@settings(max_examples=30, deadline=None, derandomize=True)
@given(problems())
def test_discernibility_optimum_matches_brute_force(case):
    df, hiers, k, ms, _ = case
    qis = list(hiers)
    n = len(df)
    best = None
    for levels in itertools.product(*[range(hiers[q].shape[1]) for q in qis]):
        gen = df.copy()
        for q, lv in zip(qis, levels, strict=True):
            gen[q] = df[q].map(dict(zip(hiers[q][0], hiers[q][lv], strict=True)))
        sizes = gen.groupby(qis).size()
        n_supp = int(sizes[sizes < k].sum())
        if n_supp > math.floor(ms * n + 1e-9):
            continue
        dm = float((sizes[sizes >= k] ** 2).sum() + n_supp * n)
        best = dm if best is None else min(best, dm)
    _, res = kanonymize(df, qis, hiers, k=k, max_suppression=ms, loss="discernibility")
    assert res.discernibility == pytest.approx(best)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(problems(), st.sampled_from(["strict", "relaxed"]))
def test_mondrian_output_is_k_anonymous(case, mode):
    df, hiers, k, _, extra = case
    qis = list(hiers)
    try:
        out, res = kanonymize(df, qis, hiers, k=k, method="mondrian", mondrian_mode=mode, **extra)
    except InputError:
        fail = _failing_classes(
            df.assign(**{q: "*" for q in qis}), qis, k, extra, df["s"].value_counts(normalize=True)
        )
        assert fail.all()  # only when even the fully generalized table fails
        return
    assert out.groupby(qis).size().min() >= k
    assert not _failing_classes(out, qis, k, extra, df["s"].value_counts(normalize=True)).any()
    assert 0.0 <= res.loss <= 1.0 and res.n_suppressed == 0
    if pd.api.types.is_integer_dtype(df["q0"]):  # numeric: a range "lo-hi" holding the value
        bounds = out["q0"].str.split("-", expand=True).astype(float).ffill(axis=1)
        assert ((df["q0"] >= bounds[0]) & (df["q0"] <= bounds[bounds.columns[-1]])).all()
