"""The one typed file reader (privsynth.engine.typed): a file at scale reads as read_table reads it."""

from __future__ import annotations

import pandas as pd
import pytest

from privsynth.engine.source import open_source
from privsynth.engine.typed import csv_dialect, typed_chunks, typed_sample
from privsynth.errors import InputError
from privsynth.io import read_table

CSV = "00501;1990-01-02;3.5;yes;NA\n02134;1985-12-31;;no;x\n10001;2001-07-04;7;yes;y\n" * 4


@pytest.fixture
def semicolon_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)  # no header, `;`, leading zeros, dates, NA tokens
    return path


def test_dialect_is_read_tables(semicolon_file):
    d = csv_dialect(semicolon_file)
    assert (d.delimiter, d.header) == (";", False)
    assert list(d.names) == list(read_table(semicolon_file).columns)


def test_sample_and_chunks_equal_read_table(semicolon_file):
    expected = read_table(semicolon_file)
    source = open_source(semicolon_file, "duckdb")
    assert source.columns == list(expected.columns)
    rows, schema = typed_sample(source, 1000)
    pd.testing.assert_frame_equal(rows, expected)
    chunks = list(typed_chunks(source, schema, 5))
    assert [len(c) for c in chunks] == [5, 5, 2]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), expected)


def test_the_three_users_share_one_schema(semicolon_file):
    from privsynth.engine.view import typed_sample as view_sample
    from privsynth.pipeline.readers import FileReader

    source = open_source(semicolon_file, "duckdb")
    _, schema = typed_sample(source, 1000)
    typed, conversions = view_sample(source)
    reader = FileReader(semicolon_file)
    for col in schema.columns:
        assert conversions[col].type == str(schema[col].type) == str(reader.schema[col].type)
    pd.testing.assert_frame_equal(reader.sample(), typed)


def test_bad_files_are_one_line_input_errors(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"name,city\n" + "Müller,Köln\n".encode("latin-1") * 3)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"a,b\n\x00\x01\x02\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for path, what in ((latin, "not utf-8"), (binary, "binary"), (empty, "empty")):
        with pytest.raises(InputError, match=what) as err:
            typed_sample(open_source(path, "duckdb"), 100)
        assert "\n" not in str(err.value)


def test_parsed_text_data_counts_like_the_file_and_leaves_no_table(tmp_path):
    import pandas as pd

    from privsynth.engine.source import open_source
    from privsynth.engine.typed import parsed_text_data, text_data

    path = tmp_path / "t.csv"
    pd.DataFrame({"zip": ["02139", "02139", "10001"], "n": ["1", "", "3"]}).to_csv(path, index=False)
    src = open_source(path, "duckdb")
    with parsed_text_data(src) as data:
        parsed = src.engine.column_stats(data, ["zip", "n"])
        values = src.engine.sample_values(data, "zip", 2).tolist()
    assert parsed == src.engine.column_stats(text_data(src), ["zip", "n"])
    assert values == ["02139", "10001"]  # text: the leading zero stays
    tables = src.engine.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
    assert tables[0][0] == 0
