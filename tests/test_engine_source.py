"""TableSource and TableWriter: the same rows whichever engine holds the file."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from privsynth.engine.source import open_source
from privsynth.errors import InputError
from privsynth.io import TableWriter


@pytest.fixture()
def files(tmp_path):
    df = pd.DataFrame({"a": np.arange(25), "b": list("abcde") * 5})
    df.to_parquet(tmp_path / "t.parquet", index=False)
    df.to_csv(tmp_path / "t.csv", index=False)
    return df, tmp_path


@pytest.mark.parametrize("name", ["t.parquet", "t.csv"])
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_source_reads_the_same_rows(files, name, engine):
    df, d = files
    src = open_source(d / name, engine)
    assert src.engine_name == engine
    assert src.columns == ["a", "b"]
    assert src.n_rows() == 25
    chunks = list(src.chunks(10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    whole = pd.concat(chunks, ignore_index=True)
    assert whole["a"].tolist() == df["a"].tolist()
    sample = src.sample(7, seed=3)
    assert len(sample) == 7 and set(sample["a"]) <= set(df["a"])
    assert len(src.sample(100)) == 25


def test_auto_picks_memory_for_small_files_and_duckdb_for_large(files, monkeypatch):
    _, d = files
    assert open_source(d / "t.parquet").engine_name == "memory"
    import privsynth.engine as eng

    monkeypatch.setattr(eng, "AUTO_DUCKDB_BYTES", 10)
    src = open_source(d / "t.parquet")
    assert src.engine_name == "duckdb" and not src.in_memory
    with pytest.raises(InputError):
        _ = src.frame


def test_bad_source_input(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "missing.csv", "duckdb")
    with pytest.raises(InputError, match="unknown engine"):
        open_source(tmp_path / "missing.csv", "polars")


@pytest.mark.parametrize("name", ["out.parquet", "out.csv"])
def test_table_writer_streams_chunks(tmp_path, name):
    path = tmp_path / name
    with TableWriter(path, metadata={"privsynth.synthetic": "true"}) as w:
        w.write(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
        w.write(pd.DataFrame({"x": [3], "y": ["c"]}))
    assert w.rows == 3
    back = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
    assert back["x"].tolist() == [1, 2, 3] and back["y"].tolist() == ["a", "b", "c"]
    if name.endswith("parquet"):
        assert pq.read_schema(path).metadata[b"privsynth.synthetic"] == b"true"


def test_table_writer_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError), TableWriter(tmp_path / "x.parquet") as w:
        w.write(pd.DataFrame({"x": [1]}))
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError), TableWriter(tmp_path / "y.csv") as w:
        w.write(pd.DataFrame({"x": [1]}))
        w.write(pd.DataFrame({"z": [1]}))
    assert list(tmp_path.iterdir()) == []
