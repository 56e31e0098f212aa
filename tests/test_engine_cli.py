"""--engine on scan, release and audit: the same answers in memory and in DuckDB, the choice said.

Small files in tmp_path; the file engines are forced with --engine (or a tiny auto threshold).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from privsynth.engine import get_engine
from privsynth.engine.source import open_source
from privsynth.errors import InputError


def _people(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "email": [f"user{i}@example.com" for i in range(n)],
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["Female", "Male"], n),
            "zip": [f"0{z}" for z in rng.integers(2100, 2200, n)],  # leading zero: text
            "income": rng.choice(["<=50K", ">50K"], n, p=[0.7, 0.3]),
            "hours": rng.integers(10, 70, n).astype(float),
        }
    )


@pytest.fixture()
def people(tmp_path):
    df = _people()
    df.to_csv(tmp_path / "people.csv", index=False)
    df.to_parquet(tmp_path / "people.parquet", index=False)
    return df, tmp_path


def _one_line_error(res, *needles):
    assert res.code == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("privsynth: error:"), res.stderr
    for n in needles:
        assert n in lines[0], lines[0]


# ------------------------------------------------------------------------------ bad options
def test_unknown_engine_is_one_line_exit_2_on_every_command(cli, people, tmp_path):
    _, d = people
    csv = d / "people.csv"
    _one_line_error(cli("scan", csv, "--engine", "nope"), "unknown engine 'nope'", "duckdb")
    _one_line_error(
        cli("release", csv, "-p", "k-anonymity", "-o", tmp_path / "o", "--engine", "nope"),
        "unknown engine",
    )
    _one_line_error(
        cli("audit", "--original", csv, "--release", csv, "--json", tmp_path / "a.json",
            "--engine", "nope"),
        "unknown engine",
    )
    assert not (tmp_path / "o").exists() and not (tmp_path / "a.json").exists()
    _one_line_error(cli("scan", csv, "--memory-limit", "lots"), "--memory-limit", "2GB")


def test_bad_files_on_duckdb_are_one_line_errors_like_in_memory(cli, tmp_path):
    """DuckDB's sniffer would read a ragged CSV as one wide column; we refuse it as read_table does."""
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _one_line_error(cli("scan", ragged, "--engine", "duckdb"), "ragged.csv", "malformed CSV")
    _one_line_error(cli("scan", empty, "--engine", "duckdb"), "empty.csv", "empty")
    _one_line_error(
        cli("audit", "--original", ragged, "--release", ragged, "--json", tmp_path / "a.json",
            "--engine", "duckdb"),
        "malformed CSV",
    )
    assert not (tmp_path / "a.json").exists()
    res = cli("release", ragged, "-p", "k-anonymity", "-o", tmp_path / "out", "--engine", "duckdb")
    _one_line_error(res, "malformed CSV")
    assert not (tmp_path / "out").exists()


def test_help_teaches_the_engines(cli):
    res = cli("release", "--help")
    assert res.code == 0
    text = " ".join(res.stdout.split())
    for word in ("--engine", "--spark-master", "--memory-limit", "duckdb", "spark", "256 MB"):
        assert word in text, word


# ---------------------------------------------------------------------- auto says its choice
def _findings(stdout: str) -> list[tuple]:
    cols = json.loads(stdout)["columns"]
    return [(c["name"], c["class"], c["entity"], c["type"], round(c["confidence"], 6)) for c in cols]


def test_auto_says_its_choice_and_scan_cli_agrees_across_engines(cli, people):
    """auto on a 'large' file (threshold 100 B) goes to DuckDB, says so, finds the same."""
    _, d = people
    big = cli("scan", d / "people.csv", "--json", "--memory-limit", "512MB",
              env={"PRIVSYNTH_AUTO_DUCKDB_BYTES": "100"})
    assert big.code == 0, big.stderr
    line = [x for x in big.stderr.splitlines() if x.startswith("engine:")]
    assert len(line) == 1, big.stderr
    assert line[0].startswith("engine: duckdb (input ") and "> 100 B; memory limit 512MB)" in line[0]
    small = cli("scan", d / "people.csv", "--json", "--engine", "auto")
    assert small.code == 0, small.stderr
    assert "engine: memory (input " in small.stderr and "<= 256 MB)" in small.stderr
    assert _findings(big.stdout) == _findings(small.stdout)
    found = {f[0]: f for f in _findings(big.stdout)}
    assert found["email"][1] == "direct" and found["zip"][3] != "integer"  # "02134" stays text


def test_the_default_engine_is_silent_in_memory_and_speaks_otherwise(people):
    from privsynth.engine.select import announce, choose_engine

    _, d = people
    said: list[str] = []
    choice = choose_engine(d / "people.csv", None)
    assert choice.name == "memory"
    announce(choice, None, said.append)
    assert said == []  # a default run on a small file prints what it printed before
    announce(choose_engine(d / "people.csv", "memory"), "memory", said.append)
    assert said == ["engine: memory (--engine memory)"]
    spark = choose_engine(d / "people.csv", "spark", spark_master="local[3]")
    assert spark.line() == "engine: spark (--engine spark, master local[3])"


def test_scan_of_the_example_is_the_same_in_memory_and_duckdb(tmp_path):
    from privsynth.datasets import example_table
    from privsynth.detect.scan import scan

    df = example_table()
    df.to_csv(tmp_path / "ex.csv", index=False)
    df.to_parquet(tmp_path / "ex.parquet", index=False)
    mem = scan(tmp_path / "ex.csv")
    for name in ("ex.csv", "ex.parquet"):
        src = open_source(tmp_path / name, "duckdb")
        duck = scan(src)
        assert duck.n_rows == len(df) and duck.source == str(tmp_path / name)
        for a, b in zip(mem.findings, duck.findings, strict=True):
            assert (a.name, a.cls, a.entity, a.type) == (b.name, b.cls, b.entity, b.type), name
            assert a.confidence == pytest.approx(b.confidence), (name, a.name)


def test_scan_source_counts_whole_columns_not_the_row_sample(people):
    """uniqueness comes from the engine over every row, even when types use a 50-row sample."""
    from privsynth.detect.scan import scan

    _, d = people
    res = scan(open_source(d / "people.parquet", "duckdb"), max_rows=50, use_presidio=False)
    assert res.n_rows == 400
    email = res["email"]
    assert any("50-row sample of 400" in e for e in email.evidence)
    assert email.cls == "direct"


# --------------------------------------------------------------------- engine column_stats
def test_column_stats_identical_in_memory_and_duckdb(tmp_path):
    df = pd.DataFrame(
        {
            "a": [1, 2, 2, None, 5],
            "b": ["x", None, "x", "y", "y"],
            "c": [1.0, np.nan, 2.0, 2.0, np.inf],
            "d": pd.to_datetime(["2020-01-01", None, "2020-01-01", "2021-05-05", None]),
        }
    )
    df.to_parquet(tmp_path / "t.parquet", index=False)
    mem = get_engine("memory").column_stats(df, list(df.columns))
    assert (mem["a"].rows, mem["a"].distinct, mem["a"].missing) == (5, 3, 1)
    assert (mem["c"].distinct, mem["c"].missing) == (3, 1)
    duck = get_engine("duckdb")
    assert duck.column_stats(df, list(df.columns)) == mem
    assert duck.column_stats(str(tmp_path / "t.parquet"), list(df.columns)) == mem
    nan = duck.con.sql("SELECT * FROM (VALUES (1.0), ('nan'::DOUBLE), (NULL)) t(x)")
    assert duck.column_stats(nan, ["x"])["x"] == mem["c"].__class__(3, 1, 2)
    with pytest.raises(InputError, match="not in the data"):
        duck.column_stats(df, ["zz"])


# -------------------------------------------------------------------------- release dispatch
_ANON = """name: anon
unmatched: keep
columns:
  email: {action: drop}
"""


def test_release_memory_engine_keeps_todays_path(cli, people, tmp_path):
    _, d = people
    pol = tmp_path / "p.yaml"
    pol.write_text(_ANON)
    res = cli("release", d / "people.csv", "-p", pol, "-o", tmp_path / "out", "--engine", "memory")
    assert res.code == 0, res.stderr
    assert "engine: memory (--engine memory)" in res.stderr
    assert "released 400 rows x 5 columns" in res.stdout
    assert pd.read_csv(tmp_path / "out" / "release.csv").shape == (400, 5)


def test_release_file_engine_dispatches_to_anonymize_source(people, tmp_path, monkeypatch, capsys):
    import privsynth.pipeline.run as run_mod
    from privsynth.commands.release import run_release

    _, d = people
    pol = tmp_path / "p.yaml"
    pol.write_text(_ANON)
    calls = {}

    def fake(source, policy, out_dir, *, seed=None, key_file=None, findings=None, **writing):
        calls.update(engine=source.engine_name, in_memory=source.in_memory, seed=seed)
        return {"output": {"rows": 400, "columns": ["age"]}, "policy": {"name": policy.name},
                "columns": {"email": {"action": "drop"}, "age": {"action": "keep"}}}

    monkeypatch.setattr(run_mod, "anonymize_source", fake)
    run_release(d / "people.parquet", str(pol), tmp_path / "out", seed=4, engine="duckdb")
    assert calls == {"engine": "duckdb", "in_memory": False, "seed": 4}
    out = capsys.readouterr()
    assert "engine: duckdb" in out.err
    assert "released 400 rows x 1 columns under policy 'anon'" in out.out
    assert "actions: drop 1, keep 1" in out.out


_KANON = """name: kanon
unmatched: keep
privacy: {k: 5, max_suppression: 0.1, quasi_identifiers: [age, sex]}
columns:
  email: {action: drop}
  age: {action: generalize, hierarchy: {type: intervals, widths: [10, 20]}}
"""

_SYNTH = """name: synth
unmatched: drop
release: {mode: synthesize, method: mst, epsilon: 1.0, delta: 1.0e-9, rows: 200}
columns:
  age: {action: keep, domain: {bounds: [18, 90], bins: 8}}
  sex: {action: keep, domain: {categories: [Female, Male]}}
  income: {action: keep, domain: {categories: ["<=50K", ">50K"]}}
"""


def test_release_cli_duckdb_anonymize_equals_memory_and_synthesize_streams(cli, people, tmp_path):
    """End to end through the merged streaming paths: same k-anonymous file from both engines;
    a DP synthetic release from DuckDB lands in the memory path's layout."""
    _, d = people
    kanon = tmp_path / "kanon.yaml"
    kanon.write_text(_KANON)
    outs = {}
    for engine in ("memory", "duckdb"):
        outs[engine] = tmp_path / f"k-{engine}"
        res = cli("release", d / "people.parquet", "-p", kanon, "-o", outs[engine], "--seed", "3",
                  "--engine", engine)
        assert res.code == 0, res.stderr
        assert "privacy achieved: k_achieved" in res.stdout
    mem = pd.read_parquet(outs["memory"] / "release.parquet")
    duck = pd.read_parquet(outs["duckdb"] / "release.parquet")
    pd.testing.assert_frame_equal(mem, duck)
    synth = tmp_path / "synth.yaml"
    synth.write_text(_SYNTH)
    out = tmp_path / "s-duckdb"
    res = cli("release", d / "people.csv", "-p", synth, "-o", out, "--seed", "3", "--engine", "duckdb")
    assert res.code == 0, res.stderr
    assert "released 200 rows x 3 columns under policy 'synth'" in res.stdout
    assert "DP synthetic (mst): epsilon spent" in res.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        ".privsynth-output", "README.md", "manifest.json", "release.csv"
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mode"] == "synthesize" and manifest["synthesis"]["synthetic"] is True
    assert "rows" not in manifest["input"]  # the private input row count is not recorded
    assert pd.read_csv(out / "release.csv").shape == (200, 3)


# ---------------------------------------------------------------------------- audit agrees
def _audit_numbers(doc: dict) -> dict:
    keep = ("risk", "membership", "utility", "thresholds", "inventory", "summary")
    out = {k: doc[k] for k in keep}
    out["inputs"] = {k: v for k, v in doc["inputs"].items()}
    out["sha256"] = doc["reproducibility"]["sha256"]
    return out


def test_audit_cli_duckdb_equals_memory(cli, people, tmp_path):
    df, d = people
    orig, hold = df.iloc[:300], df.iloc[300:]
    rel = orig.assign(age=(orig["age"] // 10) * 10)
    orig.to_csv(d / "o.csv", index=False)
    hold.to_csv(d / "h.csv", index=False)
    rel.to_parquet(d / "r.parquet", index=False)
    base = ["audit", "--original", d / "o.csv", "--release", d / "r.parquet", "--holdout",
            d / "h.csv", "--qi", "age,sex,zip", "--secret", "income", "--n-attacks", "100"]
    docs = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        res = cli(*base, "--json", out, "--report", tmp_path / f"{engine}.html", "--engine", engine)
        assert res.code in (0, 1), res.stderr
        docs[engine] = json.loads(out.read_text())
    mem, duck = docs["memory"], docs["duckdb"]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(
        (Path(__file__).resolve().parents[1] / "privsynth/audit/report.schema.json").read_text()
    )
    jsonschema.validate(duck, schema)
    assert mem["sampling"] is None
    assert duck["sampling"]["engine"] == "duckdb"
    assert duck["sampling"]["tables"]["original"] == {"rows": 300, "rows_sampled": 300, "sampled": False}
    assert _audit_numbers(duck) == _audit_numbers(mem)
    assert mem["risk"]["reidentification"]["n_records"] == 300


def test_audit_on_samples_counts_classes_and_marginals_over_every_row(people):
    from privsynth.audit import audit
    from privsynth.audit._binning import code_column

    df, d = people
    df.to_csv(d / "all.csv", index=False)
    rep = audit(d / "all.csv", d / "people.parquet", engine="duckdb", sample_rows=120,
                quasi_identifiers=["age", "sex"], secrets=["income"], n_attacks=50)
    doc = rep.to_dict()
    tables = doc["sampling"]["tables"]
    assert tables["original"] == {"rows": 400, "rows_sampled": 120, "sampled": True}
    assert doc["inputs"]["n_original"] == 400
    assert doc["utility"]["propensity"]["n_original"] == 120  # a row-level metric: the sample
    reid = doc["risk"]["reidentification"]
    assert reid["n_records"] == 400  # counted in the engine, not on the sample
    assert reid["k"] == int(df.groupby(["age", "sex"]).size().min())
    assert any("uniform row samples" in n and "120 of 400" in n for n in doc["notes"])
    assert "120 of 400" in rep.to_html()
    # the 1-way counts cover every row, coded the way the sample fixed
    enc = rep.utility.encoded
    for col in enc.columns:
        counts = enc.marginals("o", [(col,)])[0]
        codes = code_column(enc.codings[col], df[col], "o")
        used = np.unique(codes)
        assert counts.sum() == 400
        np.testing.assert_array_equal(counts[counts > 0], np.bincount(codes)[used])


def test_code_column_replays_encode_pair():
    from privsynth.audit._binning import encode_pair

    df = _people(300, seed=2)
    rel = _people(300, seed=3)
    rel.loc[:5, "sex"] = "*"
    enc = encode_pair(df, rel)
    from privsynth.audit._binning import code_column

    for col in enc.columns:
        for which, frame, codes in (("o", df, enc.original), ("r", rel, enc.release)):
            raw = code_column(enc.codings[col], frame[col], which)
            labels = [enc.codings[col].labels[c] for c in raw]
            assert labels == [enc.labels[col][c] for c in codes[col]], (col, which)
