"""Reading tables: delimiters, headers, encodings, types, and one-line errors on bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.errors import InputError
from privsynth.io import ColumnType, atomic_dir, infer_schema, load_table, read_table, write_table


def _write(tmp_path, name, content, mode="w", **kw):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(content)
    else:
        p.write_text(content, **kw)
    return p


def test_semicolon_no_header_is_sniffed(tmp_path):
    p = _write(tmp_path, "a.csv", "1;x;2020-01-02\n2;y;2021-03-04\n3;x;2019-12-31\n")
    df, schema = load_table(p)
    assert list(df.columns) == ["col_1", "col_2", "col_3"]
    assert schema["col_1"].type == ColumnType.INTEGER
    assert schema["col_3"].type == ColumnType.DATETIME
    assert df["col_3"].iloc[1] == pd.Timestamp("2021-03-04")


def test_header_detected_and_types(tmp_path):
    rows = "\n".join(f"{i},{i * 1.5},{'yes' if i % 2 else 'no'},{['a', 'b'][i % 2]}" for i in range(30))
    p = _write(tmp_path, "b.csv", "id,score,flag,cat\n" + rows + "\n")
    df, schema = load_table(p)
    assert list(df.columns) == ["id", "score", "flag", "cat"]
    assert schema["score"].type == ColumnType.FLOAT
    assert schema["flag"].type == ColumnType.BOOLEAN
    assert schema["cat"].type == ColumnType.CATEGORICAL
    assert df["flag"].sum() == 15


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    p = _write(tmp_path, "q.csv", 'name,note\n"Doe, Jane","line one\nline two"\n"Roe, R","x"\n')
    df = read_table(p)
    assert df.loc[0, "name"] == "Doe, Jane"
    assert "line two" in df.loc[0, "note"]


def test_latin1_fallback(tmp_path):
    p = _write(tmp_path, "l.csv", "city,n\nMünchen,1\nKöln,2\n".encode("latin-1"), mode="wb")
    df = read_table(p)
    assert df.loc[0, "city"] == "München"


def test_leading_zeros_stay_text(tmp_path):
    p = _write(tmp_path, "z.csv", "zip\n02134\n10001\n00501\n")
    df, schema = load_table(p)
    assert schema["zip"].type != ColumnType.INTEGER
    assert df.loc[0, "zip"] == "02134"


def test_mixed_date_formats(tmp_path):
    p = _write(tmp_path, "d.csv", "d\n2020-01-05\n2020-02-07\n2020-03-09\n2020-04-11\n")
    _, schema = load_table(p)
    assert schema["d"].type == ColumnType.DATETIME and schema["d"].format == "%Y-%m-%d"


@pytest.mark.parametrize(
    "content,mode,needle",
    [
        ("", "w", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "wb", "binary"),
        ("a,b\n1,2\n3,4,5\n", "w", "malformed"),
        ("a,b,c\n1,2,3\n4,5\n", "w", "malformed"),
        ('a,b\n1,"x\n2,y\n3,z\n', "w", "never closed"),
    ],
)
def test_bad_files_raise_input_error(tmp_path, content, mode, needle):
    p = _write(tmp_path, "bad.csv", content, mode=mode)
    with pytest.raises(InputError, match=needle):
        read_table(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_dataframe_and_parquet_roundtrip(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    p = write_table(df, tmp_path / "t.parquet", metadata={"privsynth.synthetic": "true"})
    back = read_table(p)
    assert back["a"].tolist() == [1, 2, 3]
    assert infer_schema(df)["a"].type == ColumnType.INTEGER


def test_atomic_dir_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "release.csv").write_text("partial")
        raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_dir(out) as tmp:
        (tmp / "release.csv").write_text("done")
    assert (out / "release.csv").read_text() == "done"


def test_infer_on_large_column_is_sampled():
    rng = np.random.default_rng(0)
    s = pd.Series(rng.integers(0, 10**6, 200_000).astype(str))
    schema = infer_schema(pd.DataFrame({"x": s}))
    assert schema["x"].type == ColumnType.INTEGER


def test_quoted_line_break_in_last_row_is_fine(tmp_path):
    p = _write(tmp_path, "ok.csv", 'a,b\n1,x\n2,"two\nlines"\n')
    assert read_table(p).loc[1, "b"] == "two\nlines"


def test_atomic_outputs_get_the_umask_mode_not_a_private_temp_mode(tmp_path):
    import os
    import stat

    from privsynth.io import atomic_dir, atomic_file

    old = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "a.csv") as tmp:
            tmp.write_text("x\n")
        with atomic_dir(tmp_path / "out") as d:
            (d / "b.csv").write_text("y\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
