"""Masking transforms: keyed pseudonyms are deterministic per key, refused without a key."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from privsynth.errors import InputError, MissingKeyError
from privsynth.transform import (
    faker_pseudonym,
    format_preserving,
    hmac_pseudonym,
    load_key,
    partial_mask,
    redact,
    shift_dates,
)

KEY = b"k" * 32
OTHER = b"o" * 32
NAMES = pd.Series(["Ann Lee", "Bob Ray", "Ann Lee", None, "Cy Oh"])


def test_hmac_same_key_same_output_other_key_different():
    a, b = hmac_pseudonym(NAMES, KEY), hmac_pseudonym(NAMES.copy(), KEY)
    assert a.tolist() == b.tolist()
    assert a[0] == a[2] and a[0] != a[1] and a[3] is None
    assert re.fullmatch(r"[0-9a-f]{16}", a[0])
    c = hmac_pseudonym(NAMES, OTHER)
    assert all(x != y for x, y in zip(a.dropna(), c.dropna(), strict=True))
    assert "Ann" not in "".join(a.dropna())


def test_load_key_refuses_without_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PRIVSYNTH_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="PRIVSYNTH_KEY"):
        load_key()
    with pytest.raises(MissingKeyError, match="not found"):
        load_key(key_file=tmp_path / "absent.key")
    monkeypatch.setenv("MY_KEY", "short")
    with pytest.raises(InputError, match="shorter than 16 bytes"):
        load_key(key_env="MY_KEY")
    monkeypatch.setenv("MY_KEY", "x" * 20)
    with pytest.raises(InputError, match="every byte is the same"):
        load_key(key_env="MY_KEY")
    monkeypatch.setenv("MY_KEY", " 9d2f61c7e0b84a35 ")
    assert load_key(key_env="MY_KEY") == b"9d2f61c7e0b84a35"
    (tmp_path / "k").write_bytes(b"c41e8a0f7b5d3926e1a4f8c0b7d2953e\n")
    assert load_key(key_file=tmp_path / "k") == b"c41e8a0f7b5d3926e1a4f8c0b7d2953e"
    (tmp_path / "big").write_bytes(b"c41e8a0f" * 1000)
    with pytest.raises(InputError, match="larger than"):
        load_key(key_file=tmp_path / "big")


def test_format_preserving_keeps_shape():
    s = pd.Series(["555-123-4567", "(415) 514-9480", "AB12-cd", "555-123-4567"])
    out = format_preserving(s, KEY)
    for before, after in zip(s, out, strict=True):
        assert len(before) == len(after)
        for x, y in zip(before, after, strict=True):
            assert x.isdigit() == y.isdigit() and x.isupper() == y.isupper()
            if not x.isalnum():
                assert x == y
    assert out[0] == out[3] and out[0] != s[0]
    assert format_preserving(s, OTHER)[0] != out[0]


def test_partial_mask_and_redact():
    s = pd.Series(["123-45-6789", "ab", None])
    assert partial_mask(s, keep_last=4).tolist() == ["***-**-6789", "**", None]
    assert partial_mask(s, keep_first=1, keep_last=0, keep_separators=False)[0] == "1" + "*" * 10
    assert redact(s).tolist() == ["[REDACTED]", "[REDACTED]", None]


def test_faker_pseudonym_consistent_keyed_and_locale_aware():
    a = faker_pseudonym(NAMES, KEY, provider="name")
    assert a.tolist() == faker_pseudonym(NAMES, KEY, provider="name").tolist()
    assert a[0] == a[2] and a[0] != "Ann Lee" and a[3] is None
    assert a.tolist() != faker_pseudonym(NAMES, OTHER, provider="name").tolist()
    emails = faker_pseudonym(pd.Series(["x@y.z"]), KEY, provider="email")
    assert "@" in emails[0]
    de = faker_pseudonym(pd.Series(["Berlin", "Hamburg", "Köln"]), KEY, provider="city", locale="de_DE")
    assert de.notna().all()
    with pytest.raises(InputError, match="unknown Faker provider"):
        faker_pseudonym(NAMES, KEY, provider="__class__")
    with pytest.raises(InputError, match="unknown Faker locale"):
        faker_pseudonym(NAMES, KEY, locale="xx_XX")


def test_date_shift_consistent_per_individual():
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-11", "2020-01-01", "2021-05-05"]))
    ids = pd.Series(["p1", "p1", "p2", "p2"])
    out = shift_dates(dates, ids, KEY, max_days=30)
    assert (out[1] - out[0]).days == 10  # intervals within one person survive
    shifts = (out - dates).dt.days
    assert shifts[0] == shifts[1] and shifts[2] == shifts[3]
    assert (shifts.abs() <= 30).all() and (shifts != 0).all()
    assert out.tolist() == shift_dates(dates, ids, KEY, max_days=30).tolist()
    with pytest.raises(InputError, match="not a date"):
        shift_dates(pd.Series(["nope"]), pd.Series(["a"]), KEY)
