"""Hostile input files (issue 14, API level): glob characters in paths, encodings, line endings,
long cells, nested Parquet, numbers float64 cannot hold, parser messages that would quote rows.

Every case is run on the memory reader and on DuckDB (and one on Spark); each test fails if its
guarantee regresses. CLI-level cases (exit codes, stderr) live with the commands.
"""

from __future__ import annotations

import importlib.util
import shutil
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.engine import get_engine
from privsynth.engine.paths import duckdb_literal_path, hadoop_literal_path
from privsynth.engine.source import open_source
from privsynth.engine.typed import typed_chunks, typed_sample
from privsynth.errors import InputError
from privsynth.io import ColumnType, load_table, read_table
from privsynth.io.schema import unfit_float64

SECRET = "Jane Doe SSN 078-05-1120"
REAL = pd.DataFrame({"a": ["1", "2", "3"], "b": ["x", "y", "z"]})
DECOY = pd.DataFrame({"a": ["9"] * 5, "b": ["DECOY"] * 5})


def _duck_rows(path) -> pd.DataFrame:
    return typed_sample(open_source(path, "duckdb"), 1000)[0]


# ------------------------------------------------------------------------------ item 2
@pytest.mark.parametrize(
    "name, decoys",
    [
        ("t[1].csv", ["t1.csv"]),
        ("p*.csv", ["pq.csv", "p1.csv"]),
        ("q?.csv", ["qx.csv"]),
        ("x{a,b}.csv", ["xa.csv"]),
        ("c:d.csv", []),
        ("~", []),
    ],
)
def test_duckdb_reads_the_named_csv_and_nothing_else(tmp_path, monkeypatch, name, decoys):
    monkeypatch.chdir(tmp_path)
    REAL.to_csv(tmp_path / name, index=False)
    for d in decoys:
        DECOY.to_csv(tmp_path / d, index=False)
    rows = _duck_rows(name)
    assert sorted(rows["b"]) == ["x", "y", "z"]
    assert get_engine("duckdb").key_counts(name, "b") == {"x": 1, "y": 1, "z": 1}
    assert open_source(name, "duckdb").n_rows() == 3


def test_duckdb_reads_a_parquet_folder_and_file_literally(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d[1]").mkdir()
    (tmp_path / "d1").mkdir()
    REAL.to_parquet("d[1]/part-0.parquet")
    DECOY.to_parquet("d1/part-0.parquet")
    REAL.to_parquet("q?.parquet")
    DECOY.to_parquet("qx.parquet")
    for name in ("d[1]", "q?.parquet"):
        assert sorted(_duck_rows(name)["b"]) == ["x", "y", "z"]
        assert get_engine("duckdb").key_counts(name, "b") == {"x": 1, "y": 1, "z": 1}


def test_a_missing_glob_looking_path_is_not_expanded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    DECOY.to_csv("t1.csv", index=False)
    with pytest.raises(InputError, match="no such file"):
        open_source("t[1].csv", "duckdb")
    with pytest.raises(InputError, match="no such file"):
        get_engine("duckdb").key_counts("t?.csv", "b")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab[]*?{},\\'~: ")), min_size=1, max_size=12))
def test_escaped_paths_name_exactly_one_file(name):
    """DuckDB's glob of the escaped path matches the path itself (checked without a disk); a
    path without glob characters is passed unchanged (DuckDB does not glob it); one that DuckDB
    cannot express (a backslash and a glob character) is refused."""
    path = "/" + name
    if "\\" in path and any(ch in path for ch in "*?["):
        with pytest.raises(InputError, match="DuckDB cannot read"):
            duckdb_literal_path(path)
        return
    escaped = duckdb_literal_path(path)
    if not any(ch in path for ch in "*?["):
        assert escaped == path
    else:
        con = duckdb.connect()
        lit = "'" + escaped.replace("'", "''") + "'"
        target = "'" + path.replace("'", "''") + "'"
        assert con.sql(f"SELECT {target} GLOB {lit}").fetchall()[0][0] is True
    hadoop = hadoop_literal_path("/" + name) if ":" not in name else None
    if hadoop is not None:
        body = hadoop.removeprefix("file://")
        # every Hadoop glob character is escaped
        unescaped = [ch for i, ch in enumerate(body) if ch in "{}[]*?" and body[i - 1] != "\\"]
        assert not unescaped


def test_spark_refuses_a_colon_clearly():
    with pytest.raises(InputError, match="Spark cannot read a path with ':'"):
        hadoop_literal_path("/tmp/c:d.csv")


@pytest.fixture(scope="module")
def spark():
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'privsynth[spark]')")
    if shutil.which("java") is None:
        pytest.fail("pyspark is installed but java is missing: run `make java` (openjdk-17)")
    from privsynth.engine.spark_engine import SparkEngine, default_session

    yield SparkEngine(default_session("local[2]"))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_reads_the_named_file_and_nothing_else(tmp_path, spark):
    from privsynth.engine.typed import spark_text_frame

    cases = {"t[1].csv": ["t1.csv"], "p*.csv": ["pq.csv"], "x{a,b}.csv": ["xa.csv"]}
    for name, decoys in cases.items():
        REAL.to_csv(tmp_path / name, index=False)
        for d in decoys:
            DECOY.to_csv(tmp_path / d, index=False)
        assert spark.key_counts(tmp_path / name, "b") == {"x": 1, "y": 1, "z": 1}
        assert spark_text_frame(spark.spark, tmp_path / name).count() == 3
    (tmp_path / "d[1]").mkdir()
    (tmp_path / "d1").mkdir()
    REAL.to_parquet(tmp_path / "d[1]" / "part.parquet")
    DECOY.to_parquet(tmp_path / "d1" / "part.parquet")
    assert spark.key_counts(tmp_path / "d[1]", "b") == {"x": 1, "y": 1, "z": 1}


# ------------------------------------------------------------------------------ item 4
def _ascii_head_then(tmp_path, tail: bytes, name="late.csv"):
    path = tmp_path / name
    with open(path, "wb") as fh:
        fh.write(b"id,city\n")
        fh.write(b"1,Springfield\n" * 20_000)  # 280 KB of ASCII: past the 256 KiB head
        fh.write(tail)
    return path


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_stray_byte_after_the_head_is_an_error_with_its_offset(tmp_path, engine):
    path = _ascii_head_then(tmp_path, b"2,Caf\xe9 Secret\n")
    offset = 8 + 14 * 20_000 + len(b"2,Caf")
    with pytest.raises(InputError) as err:
        if engine == "memory":
            read_table(path)
        else:
            typed_sample(open_source(path, "duckdb"), 100_000)
    msg = str(err.value)
    assert f"byte {offset:,}" in msg and "line 20,002" in msg
    assert "Secret" not in msg and "Caf" not in msg and "\n" not in msg


def test_a_multibyte_character_after_the_head_is_read_as_utf8(tmp_path):
    path = _ascii_head_then(tmp_path, "2,Café Zürich\n".encode())
    df, schema = load_table(path)
    assert df["city"].iloc[-1] == "Café Zürich" and schema.encoding == "utf-8"


def test_a_latin1_file_is_decided_from_its_head_and_says_so(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("city,n\nMünchen,1\nKöln,2\n".encode("latin-1"))
    df, schema = load_table(path)
    assert df["city"].tolist() == ["München", "Köln"]
    assert schema.encoding == "latin-1" and df.attrs["encoding"] == "latin-1"


def test_utf16_is_named(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        read_table(path)


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_line_endings(tmp_path, engine, newline):
    path = tmp_path / "e.csv"
    path.write_bytes(newline.join(["a,b", "1,x", "2,y", "3,z", ""]).encode())
    df = read_table(path) if engine == "memory" else _duck_rows(path)
    assert len(df) == 3 and list(df.columns) == ["a", "b"]
    assert sorted(df["b"]) == ["x", "y", "z"]


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
@pytest.mark.parametrize("size", [140_000, 3_000_000])
def test_long_cells_are_read(tmp_path, engine, size):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1," + "x" * size + "\n2,y\n")
    df = read_table(path) if engine == "memory" else _duck_rows(path)
    assert sorted(df["b"].str.len()) == [1, size]


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_nested_parquet_is_an_input_error(tmp_path, engine):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"a": [1, 2], "l": [[1], [2, 3]]}), path)
    with pytest.raises(InputError, match="column 'l' holds nested values"):
        if engine == "memory":
            read_table(path)
        else:
            open_source(path, "duckdb")
    with pytest.raises(InputError, match="nested values"):
        get_engine("duckdb").key_counts(path, "a")


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_devices_are_not_read(special):
    with pytest.raises(InputError, match="not a regular file"):
        read_table(special)
    with pytest.raises(InputError, match="not a regular file"):
        open_source(special, "duckdb")


# ------------------------------------------------------------------------------ item 5
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_30_digit_id_stays_text(tmp_path, engine):
    ids = ["123456789012345678901234567890", "223456789012345678901234567891"]
    path = tmp_path / "ids.csv"
    pd.DataFrame({"id": ids, "n": [1, 2]}).to_csv(path, index=False)
    if engine == "memory":
        df, schema = load_table(path)
    else:
        df, schema = typed_sample(open_source(path, "duckdb"))
    assert schema["id"].type not in (ColumnType.INTEGER, ColumnType.FLOAT)
    assert df["id"].tolist() == ids


def test_an_unfit_number_outside_the_inference_sample(tmp_path):
    """Inference samples 5,000 distinct values; a huge number beyond them must not become a
    float (whole-table read: the column stays text) nor pass silently (chunks: InputError
    naming the column and row, never the value)."""
    n = 20_000
    ids = [str(i) for i in range(n)] + ["99999999999999999999999"]
    path = tmp_path / "mix.csv"
    pd.DataFrame({"id": ids, "v": [f"{i}.5" for i in range(n)] + ["1.123456789012345678"]}).to_csv(
        path, index=False
    )
    df, schema = load_table(path)
    assert df["id"].iloc[-1] == "99999999999999999999999"
    assert df["v"].iloc[-1] == "1.123456789012345678"
    assert schema["id"].type not in (ColumnType.INTEGER, ColumnType.FLOAT)

    source = open_source(path, "duckdb")
    _, sample_schema = typed_sample(source, 1_000)
    assert sample_schema["id"].type == ColumnType.INTEGER  # the sample missed it
    with pytest.raises(InputError) as err:
        for _ in typed_chunks(source, sample_schema, 5_000):
            pass
    msg = str(err.value)
    assert f"row {n + 1:,}" in msg and "'id'" in msg and "9999999" not in msg


_decimals = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_decimals, min_size=1, max_size=8))
def test_a_float_column_holds_its_text_exactly(values):
    """Whatever numbers a column holds, once typed float every value survives the round trip."""
    values = [v for v in values if v not in ("-0.0", "0.0") and "E" not in v]
    if not values:
        return
    df, schema = load_table(pd.DataFrame({"x": values}))
    typ = schema["x"].type
    if typ == ColumnType.FLOAT:
        for text, got in zip(values, df["x"], strict=True):
            assert Decimal(repr(float(got))) == Decimal(text), text
    elif typ == ColumnType.INTEGER:
        for text, got in zip(values, df["x"], strict=True):
            assert int(got) == int(Decimal(text))


def test_unfit_float64_examples():
    got = unfit_float64(
        pd.Series(["0.30000000000000004", "123456789012345678901234567890", "1.5", None, "abc",
                   "1e400", "1e-400", "1.5e3", "12345678901234567.5", "1234567890.12345"])
    )
    assert got.tolist() == [False, True, False, False, False, True, True, False, True, False]


# ------------------------------------------------------------------------------ item 6
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_ragged_row_is_named_by_line_never_quoted(tmp_path, engine):
    path = tmp_path / "rag.csv"
    path.write_text(f"a,b\n1,2\n3,{SECRET},x\n")
    with pytest.raises(InputError) as err:
        if engine == "memory":
            read_table(path)
        else:
            typed_sample(open_source(path, "duckdb"), 100)
    msg = str(err.value)
    assert "line 3" in msg and "3 fields" in msg
    assert "Jane" not in msg and "078-05" not in msg


def test_parser_messages_lose_quoted_values():
    from privsynth.io.read import _first_line

    samples = [
        f"CSV parse error: Expected 2 columns, got 3: 3,{SECRET},x",
        f"Conversion Error: Could not convert string '{SECRET}' to INT64",
        f'Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 3,{SECRET}',
        f'Conversion Error: CSV Error on Line: 3 Original Line: 3,{SECRET} "x"',
        f"In CSV column #1: CSV conversion error to int64: invalid value {SECRET.split()[0]}",
    ]
    for raw in samples:
        out = _first_line(ValueError(raw))
        assert "Jane" not in out and "078" not in out, out


def test_engine_domain_errors_name_the_row_not_the_value():
    from privsynth.engine.memory import MemoryEngine

    df = pd.DataFrame({"c": [0, 1, 7777]})
    with pytest.raises(InputError) as err:
        MemoryEngine().marginals(df, [("c",)], {"c": 3})
    assert "7777" not in str(err.value) and "row 3" in str(err.value)
    with pytest.raises(InputError) as err:
        get_engine("duckdb").marginals(df, [("c",)], {"c": 3})
    assert "7777" not in str(err.value)


def test_mask_and_hierarchy_errors_name_the_row_not_the_value():
    from privsynth.transform.hierarchy import intervals_hierarchy
    from privsynth.transform.masking import shift_dates

    dates = pd.Series(["2020-01-01", SECRET], name="visit")
    with pytest.raises(InputError) as err:
        shift_dates(dates, pd.Series([1, 2]), b"k" * 32)
    assert "row 2" in str(err.value) and "Jane" not in str(err.value)
    with pytest.raises(InputError) as err:
        intervals_hierarchy(pd.Series(["5", SECRET], name="age"), [10])
    assert "row 2" in str(err.value) and "Jane" not in str(err.value)


def test_scan_evidence_hides_exact_ranges_unless_asked():
    import privsynth as ps

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "age": rng.integers(23, 78, 300),
            "when": pd.date_range("1937-03-01", periods=300, freq="57D").strftime("%Y-%m-%d"),
            "score": rng.normal(size=300).round(3),
        }
    )
    lo, hi = int(df["age"].min()), int(df["age"].max())
    hidden = ps.scan(df, use_presidio=False)
    text = " ".join(e for f in hidden for e in f.evidence)
    assert f"{lo}..{hi}" not in text and f"{df['score'].min():g}" not in text
    assert "1937" not in text and "1930s" in text
    shown = ps.scan(df, use_presidio=False, show_values=True)
    text = " ".join(e for f in shown for e in f.evidence)
    assert f"{lo}..{hi}" in text and "1937" in text


# ------------------------------------------------------------- numpy warnings never on stderr
def test_scan_of_floats_with_nan_and_inf_prints_no_numpy_warning():
    """Fuzz round (seed 1414): `np.where` cast NaN/inf to int64 before choosing, and numpy's
    'invalid value encountered in cast' went to stderr with a source line. The text values
    are unchanged: whole floats as integers, the rest as they are."""
    import warnings

    from privsynth.detect import scan
    from privsynth.detect.scan import _as_text

    values = pd.Series([1.0, np.nan, np.inf, -np.inf, 2.5, 1e300])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        texts = _as_text(values).tolist()
        scan(pd.DataFrame({"x": values.tolist() * 5, "n": range(30)}), use_presidio=False)
    assert texts[:2] == ["1", "nan"] and texts[2:5] == ["inf", "-inf", "2.5"]


def test_singling_out_counts_on_values_beyond_float32_print_no_numpy_warning():
    """Fuzz round (seed 1414): values beyond float32's range overflowed in the try-float32
    copy of `_match_counts` (a RuntimeWarning on stderr); float64 is kept and counts are exact."""
    import warnings

    from privsynth.audit.attacks import _EQ, _GE, _match_counts

    x = np.array([[1e300, 1.0], [-1e300, 2.0], [5.0, 1e39]])
    cols = np.array([[0], [1], [0]])  # one predicate per row, a one-column conjunction each
    ops = np.array([[_EQ], [_GE], [_GE]])
    vals = np.array([[1e300], [1e39], [-1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = _match_counts(x, cols, ops, vals)
    assert counts.tolist() == [1, 1, 3]
