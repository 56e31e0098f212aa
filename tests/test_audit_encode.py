"""The shared HEOM encoding: distances equal the formula, across frames, with gaps and wide
categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.audit._distance import MixedEncoder, iter_blocks, row_hashes, sq_distances
from privsynth.errors import InputError


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "age": rng.integers(18, 90, n),
            "c": rng.choice(["a", "b", None], n),
            "wide": rng.choice([f"z{i}" for i in range(200)], n),  # > 64 levels: compared directly
        }
    )


def _heom(a: pd.DataFrame, b: pd.DataFrame, frames: list[pd.DataFrame]) -> np.ndarray:
    allx = pd.concat(frames)
    out = np.zeros((len(a), len(b)))
    for col in ("x", "age"):
        lo, hi = allx[col].min(), allx[col].max()
        xa = ((a[col] - lo) / (hi - lo)).fillna(-1.0).to_numpy()
        xb = ((b[col] - lo) / (hi - lo)).fillna(-1.0).to_numpy()
        out += (xa[:, None] - xb[None, :]) ** 2
    for col in ("c", "wide"):
        ca = a[col].fillna("<NA>").to_numpy()
        cb = b[col].fillna("<NA>").to_numpy()
        out += ca[:, None] != cb[None, :]
    return out


def test_distances_match_formula_in_float64_and_float32():
    a, b = _frame(120, 1), _frame(90, 2)
    enc = MixedEncoder([a, b])
    ea, eb = enc.encode(a), enc.encode(b)
    expected = _heom(a, b, [a, b])
    assert np.allclose(sq_distances(ea, eb), expected, atol=1e-9)
    assert np.allclose(sq_distances(ea.as32(), eb.as32()), expected, atol=1e-4)
    blocks = np.vstack([d for _, d in iter_blocks(ea, eb)])
    assert np.allclose(blocks, expected, atol=1e-9)


def test_identical_rows_are_exactly_zero_apart_and_hash_equal():
    a = _frame(50, 3)
    enc = MixedEncoder([a])
    e = enc.encode(a)
    assert np.allclose(np.diag(sq_distances(e, e)), 0.0, atol=1e-12)
    h = row_hashes(e.codes)
    assert np.array_equal(h, row_hashes(enc.encode(a.copy()).codes))
    assert len(np.unique(h)) == len(a.drop_duplicates())


def test_mixed_types_across_frames_become_categorical():
    # a generalised release ("30-39") against integer ages: compared as categories
    train = pd.DataFrame({"age": [31, 35, 52]})
    release = pd.DataFrame({"age": ["30-39", "30-39", "50-59"]})
    enc = MixedEncoder([train, release])
    assert not enc.is_numeric("age")
    d = sq_distances(enc.encode(train), enc.encode(release))
    assert np.allclose(d, 1.0)


def test_unknown_column_is_an_input_error():
    with pytest.raises(InputError, match="zip"):
        MixedEncoder([pd.DataFrame({"a": [1]})], ["zip"])
