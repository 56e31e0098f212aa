"""DP synthesis of a table left in its file: counting in DuckDB / Spark, streamed output (issue 6).

The same release for every engine: OpenDP's noise cannot be seeded, so these tests swap the one
function that runs OpenDP measurements (`measure.invoke`) for a deterministic stand-in and
check the ledger and the synthetic rows are identical for memory, DuckDB and Spark sources.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.engine import category_key, get_engine
from privsynth.engine.parse import parse_series
from privsynth.engine.source import open_source
from privsynth.errors import InputError
from privsynth.synth import measure, synthesize, synthesize_source, write_synthetic_release
from privsynth.synth.preprocess import ColumnCodec

N = 3000


def scale_table(n: int = N) -> pd.DataFrame:
    rng = np.random.Generator(np.random.PCG64(3))
    df = pd.DataFrame(
        {
            "pid": rng.integers(0, n // 2, n),
            "age": rng.integers(16, 95, n),  # outside the public bounds [18, 90] at both ends
            "city": rng.choice(["Paris", "Lyon", "Nice", "Metz"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "job": rng.choice(["clerk", "nurse", "chef"], n, p=[0.5, 0.3, 0.2]),
            "amount": np.round(rng.gamma(2.0, 300.0, n), 2),
            "visit": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
            "member": rng.random(n) < 0.4,
            "ssn": [f"{i:09d}" for i in range(n)],
        }
    )
    df.loc[5, "job"] = "astronaut"  # occurs once: must never reach the output
    df.loc[9, "city"] = "Zzyzx"  # not in the public list: folds into "other"
    df.loc[11, "amount"] = np.nan
    df.loc[12, "visit"] = pd.NaT
    df.loc[13, "city"] = None
    return df


def scale_policy(method: str = "mst", **release) -> dict:
    return {
        "name": "scale",
        "unmatched": "error",
        "release": {
            "mode": "synthesize",
            "method": method,
            "epsilon": 1.0,
            "delta": 1e-9,
            "seed": 11,
            "unit_of_privacy": {"id_column": "pid", "max_rows_per_person": 2},
            **release,
        },
        "columns": {
            "ssn": {"action": "drop"},
            "age": {"action": "keep", "domain": {"bounds": [18, 90], "bins": 8}},
            "city": {"action": "keep", "domain": {"categories": ["Paris", "Lyon", "Nice"]}},
            "job": {"action": "keep", "domain": {"discover": True}},
            "amount": {
                "action": "keep",
                "type": "float",
                "domain": {"bounds": [0, 3000], "bins": 6, "binning": "dp_quantile"},
            },
            "visit": {"action": "keep", "domain": {"bounds": ["2021-01-01", "2022-12-31"], "bins": 5}},
            # a CSV stores no types: the policy declares it (a Parquet file's bool type would do)
            "member": {"action": "keep", "type": "boolean"},
        },
    }


@pytest.fixture
def fake_noise(monkeypatch):
    """Deterministic stand-in for every OpenDP measurement (noise shape fixed by position)."""
    calls = [0]

    def invoke(meas, arg):
        metric = str(meas.input_metric)
        k = calls[0]
        calls[0] += 1
        if isinstance(arg, dict):  # key discovery: keys counted at least 3 times survive
            return {key: float(v) + 0.5 for key, v in arg.items() if v >= 3}
        if isinstance(arg, int):  # row count
            return arg + 7
        if "Symmetric" in metric:  # a quantile of the snapped values
            vals = np.sort(np.asarray(arg, dtype=float))
            return float(vals[int(((k % 5) + 1) / 6 * (len(vals) - 1))])
        if "LInf" in metric:  # noisy max: the best score
            return int(np.argmax(arg))
        return [int(x) + (i * 7 + k) % 5 - 2 for i, x in enumerate(arg)]

    monkeypatch.setattr(measure, "invoke", invoke)

    def reset() -> int:  # restart the call counter for the next run; return the old count
        n, calls[0] = calls[0], 0
        return n

    return reset


def _release(source, method="mst", **release):
    return synthesize_source(source, scale_policy(method, **release), seed=11)


@pytest.fixture
def parquet_file(tmp_path):
    path = tmp_path / "table.parquet"
    scale_table().to_parquet(path, index=False)
    return path


def _same(a, b) -> None:
    la, lb = a.ledger.to_dict(), b.ledger.to_dict()
    assert json.dumps(la, sort_keys=True, default=str) == json.dumps(lb, sort_keys=True, default=str)
    assert a.manifest["columns"] == b.manifest["columns"]
    assert a.manifest["selected_marginals"] == b.manifest["selected_marginals"]
    pd.testing.assert_frame_equal(a.data, b.data)


# ------------------------------------------------------------------------ same answers
@pytest.mark.parametrize("method", ["mst", "aim"])
def test_memory_and_duckdb_give_the_identical_release(parquet_file, fake_noise, method):
    extra = {"rows": 500} if method == "aim" else {}
    mem = _release(open_source(parquet_file, "memory"), method, **extra)
    fake_noise()
    duck = _release(open_source(parquet_file, "duckdb"), method, **extra)
    _same(mem, duck)
    # the engine is not recorded: `auto` chooses it from the file's size (issue 11)
    assert "engine" not in mem.manifest and "engine" not in duck.manifest
    # privacy rule 1 on the engine path: every ledger step ran one OpenDP measurement
    assert fake_noise() == len(duck.ledger.to_dict()["steps"])
    assert "row count" in {s["what"] for s in mem.ledger.to_dict()["steps"]} or extra


@pytest.mark.parametrize("method", ["mst", "aim"])
def test_too_many_groups_counts_each_marginal_in_the_engine(
    parquet_file, fake_noise, monkeypatch, method
):
    """Past MAX_GROUPS the engine counts marginals itself (EngineCodes): the same release."""
    import privsynth.engine.base as engine_base
    from privsynth.synth import coded

    extra = {"rows": 400} if method == "aim" else {}
    grouped = _release(open_source(parquet_file, "duckdb"), method, **extra)
    fake_noise()
    monkeypatch.setattr(engine_base, "MAX_GROUPS", 5)
    seen = []
    real = coded.EngineCodes.marginals

    def spy(self, cliques, domain):
        seen.append(len(cliques))
        return real(self, cliques, domain)

    monkeypatch.setattr(coded.EngineCodes, "marginals", spy)
    counted = _release(open_source(parquet_file, "duckdb"), method, **extra)
    assert seen, "the engine fallback was not used"
    _same(grouped, counted)


def test_duckdb_from_csv_matches_memory(tmp_path, fake_noise):
    path = tmp_path / "table.csv"
    scale_table().to_csv(path, index=False)
    mem = _release(open_source(path, "memory"))
    fake_noise()
    duck = _release(open_source(path, "duckdb"))
    _same(mem, duck)


def test_synthesize_is_the_memory_source_path(fake_noise):
    df = scale_table()
    a = synthesize(df, scale_policy(), seed=11)
    fake_noise()
    b = synthesize_source(open_source(df, "memory"), scale_policy(), seed=11)
    _same(a, b)


def test_memory_path_equals_the_classic_pipeline(fake_noise):
    """encode in pandas -> MST.fit on a DataFrame of codes: the pre-engine route, same counts."""
    from privsynth.pipeline.synthesize import bound_contributions
    from privsynth.synth import MST
    from privsynth.synth.ledger import Ledger
    from privsynth.synth.preprocess import BudgetPlan, build_encoder

    df = scale_table()
    pol = scale_policy(rows=400, expected_rows=3000)  # a public size: no DP row count
    pol["columns"]["job"]["domain"] = {"categories": ["clerk", "nurse", "chef"]}
    pol["columns"]["amount"]["domain"] = {"bounds": [0, 3000], "bins": 6}
    rel = synthesize(df, pol, seed=11)
    fake_noise()
    cols = ["age", "city", "job", "amount", "visit", "member"]
    data = bound_contributions(df, "pid", 2)
    specs = {c: pol["columns"][c].get("domain") for c in cols}
    enc = build_encoder(data[cols], specs, sensitivity=2, plan=BudgetPlan())
    codes = enc.encode(data[cols]).reset_index(drop=True)
    ledger = Ledger.from_epsilon_delta(1.0, 1e-9)
    model = MST(1.0, 1e-9, 11, max_rows_per_person=2).fit(codes, enc.domain, ledger=ledger)
    assert [s["rho"] for s in ledger.to_dict()["steps"]] == [
        s["rho"] for s in rel.ledger.to_dict()["steps"]
    ]
    assert model.cliques_ == rel.synthesizer.synthesizer.cliques_


def test_spark_gives_the_identical_release(parquet_file, fake_noise):
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'privsynth[spark]')")
    if shutil.which("java") is None:
        pytest.fail("pyspark is installed but java is missing: run `make java` (openjdk-17)")
    from privsynth.engine.source import TableSource
    from privsynth.engine.spark_engine import SparkEngine, default_session

    mem = _release(open_source(parquet_file, "memory"))
    fake_noise()
    spark = default_session("local[2]")
    try:
        src = TableSource(parquet_file, SparkEngine(spark), path=parquet_file)
        _same(mem, _release(src))
    finally:
        spark.stop()


# --------------------------------------------------------------- codes inside the engine
_TRICKY_NUM = [np.nan, -1e9, 17.0, 18.0, 27.0, 53.999, 54.0, 89.5, 90.0, 91.0, 1e12, np.inf, -np.inf]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY_NUM) | st.floats(-50, 150), min_size=1, max_size=30))
def test_engine_bins_equal_codec_codes(values):
    eng = get_engine("duckdb")
    for integer, edges in [(False, [18.0, 27.0, 36.0, 54.0, 90.0]), (True, [18.0, 27.0, 54.0, 91.0])]:
        codec = ColumnCodec("x", "numeric", edges=edges, integer=integer)
        df = pd.DataFrame({"x": pd.Series(values, dtype="float64")})
        if integer:
            df["x"] = df["x"].where(np.isfinite(df["x"])).round().astype("Int64")
        # engines count the rows already read under the public type (engine.parse)
        parsed = pd.DataFrame({"x": parse_series(df["x"], codec.cell_parse())})
        enc = codec.engine_encoder(parsed["x"].dtype)
        want = codec.encode(df["x"])
        got = _engine_codes(eng, parsed, "x", enc)
        np.testing.assert_array_equal(got, want)


def _engine_codes(eng, df, col, enc) -> np.ndarray:
    """Each row's code from the engine: group (row id, code)."""
    d = df.assign(__rid=np.arange(len(df)))
    dom = {"__rid": len(df), col: enc.size}
    res = eng.grouped(d, ["__rid", col], dom, {col: enc})
    out = np.empty(len(df), dtype=np.int64)
    out[res[0]["__rid"]] = res[0][col]
    return out


@pytest.mark.parametrize(
    "values, cats",
    [
        (["Paris", "Lyon", None, "Zzyzx", "paris", " Lyon"], ["Paris", "Lyon"]),
        ([1, 2, 3, None, 7], [1, "2", 3.0, "x"]),
        ([1.0, 2.5, np.nan, 0.1, 3.0, 1e16], [1, 2.5, "0.1", "1e+16", 10000000000000000]),
        ([True, False, None, True], [True, "false"]),
        ([True, False, True], ["True", 1]),
        (
            pd.to_datetime(["2021-01-01 00:00", "2021-01-02 10:00", None]),
            ["2021-01-01 00:00:00", "2021-01-02", pd.Timestamp("2021-01-02 10:00")],
        ),
    ],
)
def test_engine_categories_equal_codec_codes(values, cats):
    s = pd.Series(values)
    if s.dtype == object and all(isinstance(v, bool) or v is None for v in values):
        s = s.astype("boolean")
    if s.dtype == object and all(isinstance(v, int) or v is None for v in values):
        s = s.astype("Int64")
    codec = ColumnCodec("x", "categorical", categories=list(cats))
    want = codec.encode(s)
    # the rule as written, value by value: missing, else the category whose key is the value's
    # (text cells stripped of surrounding spaces first: engine.parse)
    lookup = {category_key(c): i for i, c in enumerate(cats)}
    ref = [
        len(cats) + 1 if pd.isna(v) else lookup.get(category_key(v).strip(), len(cats))
        for v in s.astype(object)
    ]
    np.testing.assert_array_equal(want, ref)
    df = pd.DataFrame({"x": parse_series(s, codec.cell_parse())})
    enc = codec.engine_encoder(df["x"].dtype)
    for name in ("memory", "duckdb"):
        np.testing.assert_array_equal(_engine_codes(get_engine(name), df, "x", enc), want)


def test_engine_dates_equal_codec_codes(tmp_path):
    """Dates as timestamps, as Parquet DATE columns, and as text converted by the view."""
    codec = ColumnCodec("d", "datetime", edges=[float(pd.Timestamp(x).value) for x in
                        ["2020-01-01", "2020-06-01", "2020-06-01 00:00:01", "2021-01-01"]])  # fmt: skip
    s = pd.Series(pd.to_datetime(["2019-05-05 00:00:00", "2020-06-01 00:00:00", "2020-06-01 00:00:01", None,
                                  "2020-05-31 23:59:59.999", "2030-01-01 00:00:00"], format="ISO8601"))  # fmt: skip
    want = codec.encode(s)
    df = pd.DataFrame({"d": s})
    enc = codec.engine_encoder(s.dtype)
    np.testing.assert_array_equal(_engine_codes(get_engine("duckdb"), df, "d", enc), want)
    # a text column of dates in a file: the engine view converts it as read_table does
    path = tmp_path / "d.parquet"
    pd.DataFrame({"d": ["2019-05-05", "2020-06-01", None, "2020-12-31", "2030-01-01"]}).to_parquet(path)
    from privsynth.engine.view import private_view, typed_sample

    src = open_source(path, "duckdb")
    typed, conv = typed_sample(src)
    assert pd.api.types.is_datetime64_any_dtype(typed["d"])
    view = private_view(src, ["d"], conversions=conv)
    enc = codec.engine_encoder(typed["d"].dtype)
    got = src.engine.marginal(view, ["d"], [enc.size], {"d": enc})
    mem = open_source(path, "memory")
    np.testing.assert_array_equal(
        got, np.bincount(codec.encode(mem.frame["d"]), minlength=enc.size)
    )


# ---------------------------------------------------------------------- privacy rules
def test_rare_private_category_never_in_duckdb_output(parquet_file, tmp_path):
    """Real OpenDP noise: a value seen once is not in the public list and cannot survive key
    discovery's threshold, so it never appears; nor does a private value outside the list."""
    rel = synthesize_source(open_source(parquet_file, "duckdb"), scale_policy(rows=3000), seed=2)
    out = write_synthetic_release(rel, tmp_path / "out")
    data = pd.read_parquet(out / "synthetic.parquet")
    assert "astronaut" not in set(data["job"].dropna())
    assert "Zzyzx" not in set(data["city"].dropna())
    assert set(data["city"].dropna()) <= {"Paris", "Lyon", "Nice", "other"}


def test_bounds_never_from_data_on_duckdb(parquet_file):
    pol = scale_policy()
    del pol["columns"]["age"]["domain"]  # an integer column (the file says) without bounds
    with pytest.raises(InputError, match="public bounds"):
        synthesize_source(open_source(parquet_file, "duckdb"), pol, seed=1)
    rel = synthesize_source(open_source(parquet_file, "duckdb"), scale_policy(rows=2000), seed=1)
    age = rel.data["age"].dropna()
    assert age.min() >= 18 and age.max() <= 90  # private 16..94 are clipped into the bounds
    assert rel.manifest["columns"]["age"]["domain_source"] == "policy"


def test_duckdb_keeps_the_memory_paths_rows_per_person(tmp_path):
    """bound_contributions in SQL keeps exactly the first max_rows rows per id (file order)."""
    from privsynth.engine.view import private_view
    from privsynth.pipeline.synthesize import bound_contributions

    df = scale_table()
    df["pid"] = df["pid"] % 40
    path = tmp_path / "t.parquet"
    df.to_parquet(path, index=False, row_group_size=500)
    src = open_source(path, "duckdb")
    view = private_view(src, ["pid", "ssn"], id_column="pid", max_rows=3)
    got = sorted(src.engine.con.sql(f"SELECT ssn FROM ({view.sql_query()})").fetchnumpy()["ssn"])
    assert got == sorted(bound_contributions(df, "pid", 3)["ssn"])
    assert len(got) == 40 * 3


def test_ledger_within_budget_on_duckdb(parquet_file):
    rel = _release(open_source(parquet_file, "duckdb"), "aim", rows=300)
    led = rel.ledger
    assert led.spent_rho <= led.rho_budget * (1 + 1e-9)
    whats = [s["what"] for s in led.to_dict()["steps"]]
    assert any(w.startswith("key discovery") for w in whats)
    assert any(w.startswith("bin edges for 'amount'") for w in whats)


# ---------------------------------------------------------------------- streaming output
def test_streamed_release_equals_materialized(parquet_file, tmp_path, monkeypatch, fake_noise):
    from privsynth.pipeline import synthesize as rel_mod

    monkeypatch.setattr(rel_mod, "SAMPLE_CHUNK_ROWS", 700)
    rel = _release(open_source(parquet_file, "duckdb"), rows=2500)
    assert not rel.materialized
    chunks = list(rel.chunks())
    assert [len(c) for c in chunks] == [700, 700, 700, 400]
    out = write_synthetic_release(rel, tmp_path / "out")
    assert not rel.materialized  # written without holding all rows
    pf = pq.ParquetFile(out / "synthetic.parquet")
    assert pf.metadata.num_rows == 2500 and pf.metadata.num_row_groups == 4
    meta = pf.schema_arrow.metadata
    assert meta[b"privsynth.synthetic"] == b"true"
    assert "SYNTHETIC DATA" in (out / "README.md").read_text()
    written = pd.read_parquet(out / "synthetic.parquet")
    pd.testing.assert_frame_equal(written, rel.data, check_dtype=False)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), rel.data)
    csv = write_synthetic_release(rel, tmp_path / "csv", fmt="csv")
    assert len(pd.read_csv(csv / "synthetic.csv")) == 2500


def test_failed_stream_writes_nothing(parquet_file, tmp_path, monkeypatch):
    from privsynth.pipeline import synthesize as rel_mod

    rel = _release(open_source(parquet_file, "duckdb"), rows=300)

    original = rel_mod.TableSynthesizer.sample_chunks

    def broken(self, n, *, seed, chunk_rows=None):
        yield from original(self, 100, seed=seed)  # one good chunk reaches the writer
        raise MemoryError("out of memory mid-stream")

    monkeypatch.setattr(rel_mod.TableSynthesizer, "sample_chunks", broken)
    with pytest.raises(MemoryError):
        write_synthetic_release(rel, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == [parquet_file]


def test_bad_input_on_duckdb(parquet_file, tmp_path):
    pol = scale_policy()
    pol["release"]["unit_of_privacy"]["id_column"] = "nobody"
    with pytest.raises(InputError, match="nobody"):
        synthesize_source(open_source(parquet_file, "duckdb"), pol)
    pol = scale_policy()
    pol["columns"]["ghost"] = {"action": "keep"}
    with pytest.raises(InputError, match="ghost"):
        synthesize_source(open_source(parquet_file, "duckdb"), pol)
    with pytest.raises(InputError, match="TableSource"):
        synthesize_source(scale_table(), scale_policy())


def test_rows_too_many_to_hold_are_refused_before_sampling(parquet_file):
    rel = _release(open_source(parquet_file, "duckdb"), rows=10**12)
    with pytest.raises(MemoryError, match="write_synthetic_release"):
        rel.data  # noqa: B018
    assert len(next(rel.chunks())) == 100_000  # streaming them stays possible
