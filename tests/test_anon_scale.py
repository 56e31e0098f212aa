"""The streamed anonymize path: a file released chunk by chunk through DuckDB (or Spark) gives
the same rows, manifest and k-anonymity decisions as the in-memory release of the same file."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import privsynth as ps
from privsynth.engine.source import open_source
from privsynth.errors import InputError
from privsynth.io import read_table, write_table
from privsynth.pipeline.run import anonymize_source, release, write_release
from privsynth.policy import load_policy
from privsynth.transform import kanonymize

KEY = "unit-test-key-9f8e7d6c5b4a3210"
CHUNK = 700  # smaller than every table below, so chunking is exercised

MASKING = """
name: masking-all
unmatched: keep
release: {mode: anonymize}
columns:
  patient_id: {action: pseudonymize, method: hmac, key_env: PRIVSYNTH_KEY}
  first_name: {action: pseudonymize, method: faker, provider: first_name}
  phone: {action: pseudonymize, method: format}
  ssn: {action: mask, keep_last: 4}
  birth_date: {action: shift_dates, id_column: patient_id, max_days: 30}
  zip: {action: generalize, hierarchy: {type: prefix, lengths: [3], zfill: 5}, level: 1}
  age: {action: generalize, hierarchy: {type: intervals, widths: [5, 10], bottom: 0}, level: 1}
  note: {action: redact}
  street_address: {action: drop}
  hours-per-week: {action: noise, mechanism: statistical, scale: 2.0, bounds: [1, 99]}
"""

KANON = """
name: kanon-scale
unmatched: keep
release: {mode: anonymize}
privacy:
  k: 5
  l: 2
  t: 0.35
  sensitive: [income]
  quasi_identifiers: [age, sex, race, zip, birth_date]
  max_suppression: 0.05
columns:
  age: {action: generalize, hierarchy: {type: intervals, widths: [5, 10, 20, 40], bottom: 0}}
  zip: {action: generalize, hierarchy: {type: prefix, lengths: [3, 2, 1], zfill: 5}}
  birth_date: {action: generalize, hierarchy: {type: dates, levels: [month, year, decade]}}
  patient_id: {action: pseudonymize, method: hmac}
  note: {action: drop}
"""


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("PRIVSYNTH_KEY", KEY)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The first 3,000 example rows as CSV and Parquet (with a few missing values added)."""
    df = ps.example_table().head(3000).copy()
    df.loc[[5, 1200, 2900], "age"] = pd.NA
    df.loc[[7, 2500], "race"] = None
    d = tmp_path_factory.mktemp("scale-in")
    write_table(df, d / "t.parquet")
    df.to_csv(d / "t.csv", index=False)
    return {"parquet": d / "t.parquet", "csv": d / "t.csv"}


def _policy(tmp_path: Path, text: str):
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return load_policy(p)


def _memory_release(path: Path, policy, out: Path, seed=3) -> dict:
    rel = release(read_table(path), policy, seed=seed)
    write_release(rel, out, input_path=path)
    return json.loads((out / "manifest.json").read_text())


def _same_manifest(a: dict, b: dict) -> None:
    a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    # The residual check runs on a row sample, which differs by engine (the whole table's in
    # memory, the reader's on a file): the verdict and the columns it fails must agree.
    ra, rb = a.pop("residual_check", None), b.pop("residual_check", None)
    assert (ra is None) == (rb is None)
    if ra is not None:
        assert ra["passed"] == rb["passed"]
        assert {f["column"] for f in ra["failures"]} == {f["column"] for f in rb["failures"]}
    for m in (a, b):
        m.pop("created_utc")
        if m.get("privacy"):
            m["privacy"]["achieved"].pop("time_s")
    if a.get("privacy") and b.get("privacy"):
        got, want = a["privacy"].pop("achieved"), b["privacy"].pop("achieved")
        _same_result(got, want)
    assert a == b


def _same_result(got: dict, want: dict) -> None:
    """KAnonResult dicts equal; floats up to last-bit noise (sums taken in another order)."""
    got, want = dict(got), dict(want)
    got.pop("time_s", None), want.pop("time_s", None)
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-12), key
        else:
            assert got[key] == value, key


def _same_files(a: Path, b: Path, fmt: str) -> None:
    if fmt == "csv":
        assert (a / "release.csv").read_text() == (b / "release.csv").read_text()
    else:
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / "release.parquet"), pd.read_parquet(b / "release.parquet")
        )


# ------------------------------------------------------------------------- memory vs DuckDB
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_masking_policy_duckdb_equals_memory(files, tmp_path, fmt):
    policy = _policy(tmp_path, MASKING)
    mem = _memory_release(files[fmt], policy, tmp_path / "mem")
    src = open_source(files[fmt], "duckdb")
    got = anonymize_source(src, policy, tmp_path / "duck", seed=3, chunk_rows=CHUNK)
    _same_files(tmp_path / "mem", tmp_path / "duck", fmt)
    _same_manifest(mem, got)
    assert json.loads((tmp_path / "duck" / "manifest.json").read_text())["output"]["rows"] == 3000
    out = read_table(tmp_path / "duck" / f"release.{fmt}")
    # keyed and consistent: one person's dates all moved by the same shift
    assert out["patient_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert "street_address" not in out.columns


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_kanonymity_policy_duckdb_equals_memory(files, tmp_path, fmt):
    policy = _policy(tmp_path, KANON)
    mem = _memory_release(files[fmt], policy, tmp_path / "mem")
    src = open_source(files[fmt], "duckdb")
    got = anonymize_source(src, policy, tmp_path / "duck", seed=3, chunk_rows=CHUNK)
    _same_manifest(mem, got)
    _same_files(tmp_path / "mem", tmp_path / "duck", fmt)
    ach = got["privacy"]["achieved"]
    assert ach["optimal"] and ach["n_rows"] == 3000
    out = read_table(tmp_path / "duck" / f"release.{fmt}").astype({"income": object})
    qis = got["privacy"]["quasi_identifiers"]
    kept = out[~(out[qis].astype(str) == "*").all(axis=1)]
    sizes = kept.groupby(qis, dropna=False).size()
    assert sizes.min() >= 5
    assert len(out) - len(kept) == ach["n_suppressed"]


def test_memory_source_equals_release_and_write_release(files, tmp_path):
    policy = _policy(tmp_path, KANON)
    path = files["parquet"]
    mem = _memory_release(path, policy, tmp_path / "old")
    got = anonymize_source(open_source(path, "memory"), policy, tmp_path / "new", seed=3)
    _same_manifest(mem, got)
    _same_files(tmp_path / "old", tmp_path / "new", "parquet")


def test_hipaa_example_duckdb_equals_memory(tmp_path):
    path = tmp_path / "example.csv"
    shutil.copy(Path(ps.__file__).parent / "datasets" / "example.csv", path)
    # the fail-safe built-in stops at Adult's workclass / capital-gain / capital-loss (the
    # scan is not sure they are not personal): a reviewer's copy decides them
    builtin = Path(ps.__file__).parent / "policies" / "hipaa-safe-harbor.yaml"
    copy = tmp_path / "hipaa.yaml"
    copy.write_text(builtin.read_text() + "columns:\n" + "".join(
        f"  {c}: {{action: keep}}\n" for c in ("workclass", "capital-gain", "capital-loss")))
    policy = load_policy(copy)
    mem = _memory_release(path, policy, tmp_path / "mem")
    got = anonymize_source(
        open_source(path, "duckdb"), policy, tmp_path / "duck", chunk_rows=3000, seed=3
    )
    _same_manifest(mem, got)
    _same_files(tmp_path / "mem", tmp_path / "duck", "csv")
    out = pd.read_csv(tmp_path / "duck" / "release.csv", dtype=str)
    assert "ssn" not in out and out["zip"].str.len().max() == 3


# -------------------------------------------------------------------- the weighted search
def test_weighted_search_equals_row_search():
    df = ps.example_table()[["age", "sex", "race", "education", "occupation"]].astype(str)
    g = df.groupby(list(df.columns)).size().reset_index(name="n")
    kw = dict(k=7, l_diversity=2, sensitive="occupation", max_suppression=0.03)
    qis = ["age", "sex", "race", "education"]
    _, rows = kanonymize(df, qis, **kw)
    _, grouped = kanonymize(g[df.columns], qis, weights=g["n"].to_numpy(), **kw)
    _same_result(grouped.to_dict(), rows.to_dict())
    assert grouped.n_rows == len(df)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(20, 150),
    k=st.integers(2, 5),
    supp=st.sampled_from([0.0, 0.05, 0.2]),
    seed=st.integers(0, 10_000),
)
def test_streamed_k_anonymity_property(n, k, supp, seed):
    """On random small tables the DuckDB release is k-anonymous and equals the memory one."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 30, n),
            "b": rng.choice(["x", "y", "z"], n),
            "c": rng.integers(0, 4, n),
            "s": rng.choice(["p", "q"], n),
        }
    )
    pol = f"""
name: prop
unmatched: keep
release: {{mode: anonymize}}
privacy: {{k: {k}, quasi_identifiers: [a, b, c], max_suppression: {supp}}}
columns:
  a: {{action: generalize, hierarchy: {{type: intervals, widths: [5, 10, 20]}}}}
"""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        policy = _policy(tmp, pol)
        write_table(df, tmp / "t.parquet")
        try:
            mem = _memory_release(tmp / "t.parquet", policy, tmp / "mem")
        except InputError:
            with pytest.raises(InputError):
                anonymize_source(open_source(tmp / "t.parquet", "duckdb"), policy, tmp / "d")
            return
        got = anonymize_source(
            open_source(tmp / "t.parquet", "duckdb"), policy, tmp / "duck", seed=3, chunk_rows=17
        )
        _same_manifest(mem, got)
        _same_files(tmp / "mem", tmp / "duck", "parquet")
        out = pd.read_parquet(tmp / "duck" / "release.parquet")
        kept = out[~(out[["a", "b", "c"]].astype(str) == "*").all(axis=1)]
        if len(kept):
            assert kept.groupby(["a", "b", "c"]).size().min() >= k
        assert len(out) - len(kept) <= np.floor(supp * n + 1e-9)


# ------------------------------------------------------------------------ refusals, atomicity
def test_failure_midway_writes_nothing(files, tmp_path, monkeypatch):
    from privsynth.pipeline.anonymize import AnonymizePlan

    calls = {"n": 0}
    real = AnonymizePlan.apply

    def boom(self, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise InputError("simulated failure in the third chunk")
        return real(self, chunk)

    monkeypatch.setattr(AnonymizePlan, "apply", boom)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="third chunk"):
        anonymize_source(
            open_source(files["parquet"], "duckdb"), _policy(tmp_path, MASKING), out,
            chunk_rows=CHUNK,
        )  # fmt: skip
    assert calls["n"] == 3
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out", "out"))]


def test_value_off_the_sampled_type_is_refused(tmp_path, monkeypatch):
    import privsynth.pipeline.readers as readers

    monkeypatch.setattr(readers, "SAMPLE_ROWS", 50)
    rows = [f"{i},{i % 7}" for i in range(3000)] + ["3000,abc"]
    path = tmp_path / "t.csv"
    path.write_text("id,n\n" + "\n".join(rows) + "\n")
    pol = "name: p\nunmatched: keep\nrelease: {mode: anonymize}\ncolumns: {}\n"
    with pytest.raises(InputError, match="not integer"):
        anonymize_source(open_source(path, "duckdb"), _policy(tmp_path, pol), tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_mondrian_needs_memory(files, tmp_path):
    policy = _policy(tmp_path, KANON.replace("max_suppression: 0.05", "method: mondrian"))
    with pytest.raises(InputError, match="memory"):
        anonymize_source(open_source(files["parquet"], "duckdb"), policy, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    # in memory it still runs, through the same entry point
    got = anonymize_source(open_source(files["parquet"], "memory"), policy, tmp_path / "m")
    assert got["privacy"]["achieved"]["method"].startswith("mondrian")


def test_sensitive_not_value_wise_is_refused_in_engine(files, tmp_path):
    text = KANON + "  income: {action: shift_dates, id_column: patient_id}\n"
    text = (
        text.replace("sensitive: [income]", "sensitive: [birth_date]")
        .replace(
            "quasi_identifiers: [age, sex, race, zip, birth_date]", "quasi_identifiers: [age, sex]"
        )
        .replace("  income: {action: shift_dates", "  birth_date: {action: shift_dates")
    )
    text = "\n".join(ln for ln in text.splitlines() if "type: dates" not in ln) + "\n"
    policy = _policy(tmp_path, text)
    with pytest.raises(InputError, match="not a function of its value"):
        anonymize_source(open_source(files["parquet"], "duckdb"), policy, tmp_path / "o")


def test_missing_key_refused_before_writing(files, tmp_path, monkeypatch):
    monkeypatch.delenv("PRIVSYNTH_KEY")
    with pytest.raises(ps.errors.MissingKeyError):
        anonymize_source(
            open_source(files["csv"], "duckdb"), _policy(tmp_path, MASKING), tmp_path / "o"
        )
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------ Spark
def test_spark_release_equals_memory(files, tmp_path):
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.fail("the Spark test needs pyspark and java (make java)")
    import pyarrow.parquet as pq

    from privsynth.engine.source import TableSource
    from privsynth.engine.spark_engine import SparkEngine, default_session

    # Spark reads microsecond timestamps only; executors must run this interpreter.
    path = tmp_path / "us.parquet"
    pq.write_table(pq.read_table(files["parquet"]), path, coerce_timestamps="us")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    ours = SparkSession.getActiveSession() is None  # stop only a session this test started
    spark = default_session("local[2]")
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "400")  # many batches
    try:
        policy = _policy(tmp_path, KANON)
        got = anonymize_source(
            TableSource(path, SparkEngine(spark), path=path), policy, tmp_path / "spark", seed=3
        )
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
        if ours:
            spark.stop()
    mem = anonymize_source(open_source(path, "memory"), policy, tmp_path / "mem", seed=3)
    _same_result(got["privacy"]["achieved"], mem["privacy"]["achieved"])
    a = pd.read_parquet(tmp_path / "spark" / "release.parquet")
    b = pd.read_parquet(tmp_path / "mem" / "release.parquet")
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_plan_on_many_short_lived_chunks_equals_whole(files, tmp_path):
    """Chunks created and freed one after another (Spark's batches) get their own labels."""
    from privsynth.pipeline.anonymize import plan_anonymize
    from privsynth.pipeline.plan import resolve_for
    from privsynth.pipeline.readers import FrameReader

    df = read_table(files["parquet"])
    reader = FrameReader(df)
    resolved, _ = resolve_for(reader, _policy(tmp_path, KANON))
    plan = plan_anonymize(reader, resolved, seed=3)
    whole = plan.apply(df)
    parts = [plan.apply(df.iloc[i : i + 50].copy()) for i in range(0, len(df), 50)]
    pd.testing.assert_frame_equal(pd.concat(parts), whole)


def test_dp_noise_and_unit_of_privacy_streamed(files, tmp_path):
    """Per-value DP noise streams with its cost stated once; the per-person row bound is
    checked through the engine before anything is written."""
    text = """
name: dp-noise
unmatched: keep
release:
  mode: anonymize
  unit_of_privacy: {id_column: patient_id, max_rows_per_person: 2}
columns:
  capital-gain: {action: noise, mechanism: laplace, epsilon: 1.0, bounds: [0, 10000]}
"""
    policy = _policy(tmp_path, text)
    mem = _memory_release(files["parquet"], policy, tmp_path / "mem")
    got = anonymize_source(
        open_source(files["parquet"], "duckdb"), policy, tmp_path / "duck", chunk_rows=CHUNK
    )
    assert got["ledger"] == mem["ledger"] and got["ledger_total"] == mem["ledger_total"]
    a = pd.read_parquet(tmp_path / "duck" / "release.parquet")
    b = pd.read_parquet(tmp_path / "mem" / "release.parquet")
    assert a["capital-gain"].dtype == b["capital-gain"].dtype == "Int64"
    assert a["capital-gain"].between(0, 10000).all()
    pd.testing.assert_frame_equal(a.drop(columns="capital-gain"), b.drop(columns="capital-gain"))
    # a person with more rows than the policy allows: refused, nothing written
    df = read_table(files["parquet"])
    df.loc[:2, "patient_id"] = df.loc[0, "patient_id"]
    write_table(df, tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="more than"):
        anonymize_source(open_source(tmp_path / "dup.parquet", "duckdb"), policy, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_column_missing_in_the_first_chunk_keeps_its_type(tmp_path):
    df = pd.DataFrame(
        {
            "id": np.arange(2000),
            "death": [None] * 1500 + [f"cause-{i % 9}" for i in range(500)],
        }
    )
    write_table(df, tmp_path / "t.parquet")
    pol = "name: p\nunmatched: keep\nrelease: {mode: anonymize}\ncolumns: {}\n"
    policy = _policy(tmp_path, pol)
    _memory_release(tmp_path / "t.parquet", policy, tmp_path / "mem")
    anonymize_source(
        open_source(tmp_path / "t.parquet", "duckdb"), policy, tmp_path / "duck", chunk_rows=CHUNK
    )
    _same_files(tmp_path / "mem", tmp_path / "duck", "parquet")
