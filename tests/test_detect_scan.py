"""scan(): inputs, result object, sampling of large tables, the draft-policy hook."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import privsynth
from privsynth.detect import ColumnClass, ColumnFinding, ScanResult, scan
from privsynth.errors import InputError


def test_scan_a_csv_path_and_result_api(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("email,qty\n" + "".join(f"u{i}@example.com,{i % 7}\n" for i in range(50)))
    res = scan(p)
    assert isinstance(res, ScanResult) and len(res) == 2 and res.n_rows == 50
    assert isinstance(res["email"], ColumnFinding)
    assert res.columns(ColumnClass.DIRECT) == ["email"]
    d = json.loads(res.to_json())
    assert [c["name"] for c in d["columns"]] == ["email", "qty"]
    assert d["columns"][0]["class"] == "direct"


def test_top_level_export():
    assert privsynth.scan is scan and privsynth.ScanResult is ScanResult


def test_large_table_is_row_sampled_and_still_right():
    n = 300_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"email": np.char.add(np.arange(n).astype(str), "@example.org"),
                       "v": rng.integers(0, 5, n)})
    res = scan(df, sample=200, max_rows=50_000)
    assert res.n_rows == n
    assert res["email"].entity == "EMAIL_ADDRESS"
    assert any("sample" in e for e in res["email"].evidence)


def test_bad_input():
    with pytest.raises(InputError):
        scan(pd.DataFrame())
    with pytest.raises(InputError):
        scan(pd.DataFrame({"a": [1]}), sample=0)
    with pytest.raises(InputError):
        scan("/nonexistent/file.csv")


def test_draft_policy_calls_the_policy_package(monkeypatch):
    import importlib

    policy = importlib.import_module("privsynth.detect.scan")  # the module, not scan()

    seen = {}

    def fake_draft(findings):
        seen["findings"] = findings
        return "POLICY"

    monkeypatch.setattr(policy, "draft_policy", fake_draft, raising=False)
    res = scan(pd.DataFrame({"a": [1, 2, 3]}))
    assert res.draft_policy() == "POLICY"
    assert seen["findings"] is res.findings


def test_odd_frames():
    df = pd.DataFrame({0: [[1, 2], [3]], "b": [True, False], "c": pd.Categorical(["x", "y"])})
    res = scan(df)
    assert [f.name for f in res] == ["0", "b", "c"]
    assert all(f.cls == ColumnClass.OTHER for f in res)
    assert scan(pd.DataFrame({"a": pd.Series([], dtype=object)}))["a"].cls == ColumnClass.OTHER
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InputError, match="duplicate"):
        scan(dup)
