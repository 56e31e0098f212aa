"""Memory, DuckDB and Spark give identical exact counts on the same data (issue 6, item 4)."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.datasets import example_table
from privsynth.engine import Bins, Categories, MemoryEngine, get_engine
from privsynth.engine.duckdb_engine import DuckDBEngine
from privsynth.errors import InputError

ENC = {
    "sex": Categories(["Female", "Male"]),
    "race": Categories(["White", "Black", "Asian-Pac-Islander"]),  # others -> last cell
    "workclass": Categories(["Private", "Self-emp-not-inc", "Local-gov", "?"]),
    "age": Bins([17, 25, 35, 45, 55, 65, 90]),
    "hours-per-week": Bins(np.linspace(0, 100, 11)),
    "capital-gain": Bins([0, 1, 5000, 100000]),
}
CLIQUES = [
    ("sex",),
    ("age", "sex"),
    ("race", "workclass", "hours-per-week"),
    ("coded", "age"),
    ("capital-gain", "coded", "sex"),
    (),
]
QUASI = ["zip", "sex", "age"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    df = example_table().iloc[:3000].copy()
    # Missing values in a binned and a categorical column, values on and outside bin edges.
    df.loc[df.index[::17], "hours-per-week"] = pd.NA
    df.loc[df.index[::23], "race"] = None
    df.loc[df.index[:5], "age"] = [17, 25, 90, 95, 10]
    df["coded"] = (np.arange(len(df)) * 7) % 5  # already integer codes 0..4
    return df


def _domain():
    return {**{c: e.size for c, e in ENC.items()}, "coded": 5}


def _assert_same_marginals(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.shape == y.shape
        assert np.array_equal(x, y)


def _assert_same_classes(a, b, keys=True):
    assert np.array_equal(a.sizes, b.sizes)
    assert np.array_equal(a.labels, b.labels)
    if keys:
        pd.testing.assert_frame_equal(a.keys, b.keys, check_dtype=False)


# ----------------------------------------------------------------------------- encoders
def test_bins_edges_clamp_and_missing():
    b = Bins([0, 10, 20])
    codes = b.encode(pd.Series([-5, 0, 9.99, 10, 19, 20, 35, None, np.nan]))
    assert codes.tolist() == [0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert b.size == 3


def test_categories_unknown_and_missing_share_last_code():
    c = Categories(["a", "b"])
    assert c.encode(pd.Series(["b", "a", "zzz", None])).tolist() == [1, 0, 2, 2]
    with pytest.raises(InputError, match="duplicate"):
        Categories(["a", "a"])


def test_encoder_must_match_domain_size(data):
    with pytest.raises(InputError, match="encoder has 3 codes"):
        MemoryEngine().marginals(data, [("sex",)], {"sex": 2}, {"sex": ENC["sex"]})


# ------------------------------------------------------------------------ memory = duckdb
def test_duckdb_marginals_equal_memory_on_dataframe_parquet_and_csv(data, tmp_path):
    dom = _domain()
    expected = MemoryEngine().marginals(data, CLIQUES, dom, ENC)
    duck = DuckDBEngine(memory_limit="512MB", threads=2)
    _assert_same_marginals(expected, duck.marginals(data, CLIQUES, dom, ENC))
    cols = sorted({c for cl in CLIQUES for c in cl})
    data[cols].to_parquet(tmp_path / "t.parquet")
    _assert_same_marginals(expected, duck.marginals(tmp_path / "t.parquet", CLIQUES, dom, ENC))
    data[cols].to_csv(tmp_path / "t.csv", index=False)
    _assert_same_marginals(expected, duck.marginals(tmp_path / "t.csv", CLIQUES, dom, ENC))
    assert expected[-1] == len(data)


def test_duckdb_per_marginal_fallback_equals_memory(data, monkeypatch):
    """Past MAX_GROUPS groups the engine counts each marginal with GROUPING SETS instead."""
    monkeypatch.setattr("privsynth.engine.base.MAX_GROUPS", 1)
    dom = _domain()
    expected = MemoryEngine().marginals(data, CLIQUES, dom, ENC)
    _assert_same_marginals(expected, _DUCK.marginals(data, CLIQUES, dom, ENC))


def test_duckdb_equivalence_classes_equal_memory(data, tmp_path):
    mem = MemoryEngine().equivalence_classes(data, QUASI)
    duck = DuckDBEngine()
    _assert_same_classes(mem, duck.equivalence_classes(data, QUASI))
    data[QUASI + ["note"]].to_parquet(tmp_path / "q.parquet")
    _assert_same_classes(mem, duck.equivalence_classes(tmp_path / "q.parquet", QUASI))
    with_nulls = MemoryEngine().equivalence_classes(data, ["race", "note"])
    _assert_same_classes(with_nulls, duck.equivalence_classes(data, ["race", "note"]))


@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z", None]), st.one_of(st.none(), st.floats(-5, 25))),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=25, deadline=None)
def test_duckdb_agrees_with_memory_on_random_tables(rows):
    df = pd.DataFrame(rows, columns=["s", "v"])
    enc = {"s": Categories(["x", "y"]), "v": Bins([0, 5, 10, 20])}
    dom = {"s": 3, "v": 4}
    duck = _DUCK
    cliques = [("s",), ("v",), ("s", "v"), ("v", "s")]
    _assert_same_marginals(
        MemoryEngine().marginals(df, cliques, dom, enc), duck.marginals(df, cliques, dom, enc)
    )
    _assert_same_classes(
        MemoryEngine().equivalence_classes(df, ["s", "v"]),
        duck.equivalence_classes(df, ["s", "v"]),
    )


_DUCK = DuckDBEngine(memory_limit="256MB", threads=1)


def test_duckdb_sample_values_distinct_part_equals_memory(data):
    for col, n in [("occupation", 5), ("sex", 10)]:
        m = MemoryEngine().sample_values(data, col, n)
        d = _DUCK.sample_values(data, col, n)
        k = min(n, data[col].nunique())
        assert m.iloc[:k].tolist() == d.iloc[:k].tolist()
        assert len(d) == n


def test_duckdb_bad_input_is_an_input_error(data, tmp_path):
    with pytest.raises(InputError, match="'nope' is not in the data"):
        _DUCK.marginals(data, [("nope",)], {"nope": 2})
    with pytest.raises(InputError, match="outside its domain"):
        _DUCK.marginals(data, [("coded",)], {"coded": 3})
    with pytest.raises(InputError, match="no such file"):
        _DUCK.equivalence_classes(tmp_path / "missing.parquet", ["a"])


def test_group_counts_is_the_same_in_every_engine():
    codes = [np.array([0, 1, 1, 2, 0]), np.array([3, 0, 0, 3, 3])]
    a = MemoryEngine().group_counts(codes, [3, 4])
    b = _DUCK.group_counts(codes, [3, 4])
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.counts, b.counts)


def test_duckdb_memory_limit_is_applied():
    eng = DuckDBEngine(memory_limit="300MB", threads=1)
    limit = eng.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "").upper().startswith(("286", "300"))  # MiB or MB display


def test_get_engine_knows_all_three(tmp_path, monkeypatch):
    assert get_engine("memory").name == "memory"
    assert get_engine("duckdb", memory_limit="256MB").name == "duckdb"
    assert get_engine("spark").name == "spark"  # the session starts only when first used
    assert get_engine("auto", pd.DataFrame({"a": [1]})).name == "memory"
    big = tmp_path / "big.parquet"
    pd.DataFrame({"a": np.arange(1000)}).to_parquet(big)
    monkeypatch.setattr("privsynth.engine.AUTO_DUCKDB_BYTES", 100)
    assert get_engine("auto", big).name == "duckdb"
    with pytest.raises(InputError, match="unknown engine 'gpu'"):
        get_engine("gpu")


# -------------------------------------------------------------------------------- spark
@pytest.fixture(scope="session")
def spark_engine():
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'privsynth[spark]')")
    if shutil.which("java") is None:
        pytest.fail("pyspark is installed but java is missing: run `make java` (openjdk-17)")
    from privsynth.engine.spark_engine import SparkEngine, default_session

    spark = default_session("local[2]")
    yield SparkEngine(spark)
    spark.stop()


SPARK_WARNINGS = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.mark.slow
def test_spark_marginals_equal_memory(data, tmp_path, spark_engine, monkeypatch):
    small = data.iloc[:800]
    dom = _domain()
    expected = MemoryEngine().marginals(small, CLIQUES, dom, ENC)
    _assert_same_marginals(expected, spark_engine.marginals(small, CLIQUES, dom, ENC))
    cols = sorted({c for cl in CLIQUES for c in cl})
    small[cols].to_parquet(tmp_path / "t.parquet")
    monkeypatch.setattr("privsynth.engine.base.MAX_GROUPS", 1)  # and the per-marginal path
    on_file = spark_engine.marginals(str(tmp_path / "t.parquet"), CLIQUES, dom, ENC)
    _assert_same_marginals(expected, on_file)


@pytest.mark.slow
def test_spark_equivalence_classes_and_samples_equal_memory(data, spark_engine):
    small = data.iloc[:800]
    mem = MemoryEngine()
    cols = ["race", "zip", "sex"]  # race has missing values
    _assert_same_classes(
        mem.equivalence_classes(small, cols), spark_engine.equivalence_classes(small, cols)
    )
    top = spark_engine.sample_values(small, "occupation", 5).tolist()
    assert top == mem.sample_values(small, "occupation", 5).tolist()


for _test in (test_spark_marginals_equal_memory, test_spark_equivalence_classes_and_samples_equal_memory):
    for _mark in SPARK_WARNINGS:
        _mark(_test)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_column_stats_equal_memory(data, tmp_path, spark_engine):
    """Rows / distinct / missing per column (the scan's and the audit's whole-column counts)."""
    small = data.iloc[:800].copy()
    small["hours"] = np.where(np.arange(len(small)) % 7 == 0, np.nan, 40.0)  # NaN is missing
    # Spark reads microsecond timestamps only
    small.to_parquet(tmp_path / "t.parquet", index=False, coerce_timestamps="us")
    cols = list(small.columns)
    mem = MemoryEngine().column_stats(small, cols)
    assert mem["hours"].missing == 115
    assert spark_engine.column_stats(str(tmp_path / "t.parquet"), cols) == mem
    assert get_engine("duckdb").column_stats(str(tmp_path / "t.parquet"), cols) == mem
