"""Synthesize mode from a public schema (issue 11 deliverable 1, issue 13 deliverable 1).

What a DP synthetic release does to a column is a function of the policy, the header (and a
Parquet file's stored types) and DP outputs: these tests pin each piece — the header-only
classes, the public schema, reading cells under a public type (the same in pandas and DuckDB),
DP typing, DP bounds, the pre-flight and its refusal, `--dry-run`, and the notices.
"""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from neighbours import DeterministicNoise

import privsynth as ps
import privsynth.synth.measure as measure
from privsynth.detect.header_only import classify_header
from privsynth.engine import get_engine
from privsynth.engine.parse import CellParse, parse_series, parse_sql
from privsynth.engine.source import open_source
from privsynth.errors import InputError, PolicyError
from privsynth.io.read import read_csv_text
from privsynth.pipeline.preflight import TVD_LIMIT, expected_tvd, fitting_bins
from privsynth.pipeline.run import read_public
from privsynth.pipeline.schema import public_schema
from privsynth.pipeline.synthesize import PreflightRefusal, plan_synthesis, synthesize_source
from privsynth.policy import load_policy, parse_policy
from privsynth.synth.dp_bounds import NUMBER_GRID, dp_range
from privsynth.synth.dp_types import SHAPE_NAMES, decide_type, shape_counts, shape_of


def _policy(text: str):
    return parse_policy(text, filename="p.yaml")


_BASE = "name: p\nrelease: {mode: synthesize, method: mst, epsilon: 1.0, delta: 1.0e-9%s}\n"


# ---------------------------------------------------------------------------- policy fields
def test_type_and_format_are_policy_fields_with_line_precise_errors():
    pol = _policy(_BASE % "" + "columns:\n  d: {action: keep, type: date, format: '%d/%m/%Y', "
                  "domain: {bounds: ['2020-01-01', '2021-01-01']}}\n")
    assert pol.columns["d"].type == "date" and pol.columns["d"].format == "%d/%m/%Y"
    with pytest.raises(PolicyError, match=r"p.yaml:4 columns.d"):
        _policy(_BASE % "" + "columns:\n  d: {action: keep, type: integer, format: '%Y'}\n")
    with pytest.raises(PolicyError, match=r"p.yaml:4 columns.d.*directive"):
        _policy(_BASE % "" + "columns:\n  d: {action: keep, type: date, format: '%Y-%Q'}\n")
    with pytest.raises(PolicyError, match=r"numeric or date type"):
        _policy(_BASE % "" + "columns:\n  d: {action: keep, type: categorical, "
                "domain: {bounds: [0, 1]}}\n")
    with pytest.raises(PolicyError, match="expected_rows"):
        _policy("name: p\nrelease: {expected_rows: 10}\n")


# ---------------------------------------------------------------------------- header only
def test_header_classes_come_from_names_only():
    classes = classify_header(["Id", "playerID", "yearID", "Name", "SSN", "Sex", "order_id",
                               "Fare", "birthdate"])
    got = {n: (c.cls, c.entity) for n, c in classes.items()}
    # a person's key is direct, by the header lexicon (PERSON_ID) or the key rule (RECORD_KEY)
    assert got["Id"] == ("direct", "RECORD_KEY")
    assert got["playerID"][0] == "direct" and got["playerID"][1] in ("PERSON_ID", "RECORD_KEY")
    assert got["yearID"][1] != "RECORD_KEY" and got["yearID"][0] != "direct"  # a year, not a key
    assert got["Name"][0] == got["SSN"][0] == "direct"
    assert got["Sex"] == ("quasi", "GENDER") and got["order_id"] == ("other", "RECORD_KEY")
    assert got["Fare"][0] != "direct" and got["birthdate"][0] == "quasi"
    # the classifier takes names, never a table
    assert list(inspect.signature(classify_header).parameters) == ["names"]


def test_public_schema_never_reads_values_and_refuses_value_rules():
    pol = load_policy("dp-synthetic")
    header = ["name", "email", "id", "age", "comment", "zip", "mystery"]
    schema = public_schema(pol, header)
    assert [c for c, col in schema.columns.items() if col.synthesize] == ["age", "zip", "mystery"]
    assert schema.columns["mystery"].needs_typing and schema.columns["age"].type == "integer"
    assert list(inspect.signature(public_schema).parameters) == ["policy", "header", "stored"]
    # a rule on the values' type cannot be decided without reading them: refused, naming it
    typed = _policy(_BASE % "" + "unmatched: drop\nrules:\n  - match: {type: text}\n"
                    "    action: drop\n")
    with pytest.raises(PolicyError, match=r"rules.0 matches on the values' type"):
        public_schema(typed, ["a"])
    # an untyped kept column without the DP typing step: a policy error, before any data
    bare = _policy(_BASE % "" + "columns:\n  a: {action: keep}\n")
    with pytest.raises(PolicyError, match="needs the column's type"):
        public_schema(bare, ["a"])
    # numbers without bounds need public bounds or DP bounds
    nob = _policy(_BASE % "" + "columns:\n  a: {action: keep, type: float}\n")
    with pytest.raises(PolicyError, match=r"bounds: \[lo, hi\]"):
        public_schema(nob, ["a"])


def test_parquet_stored_types_are_schema(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"n": [1, 2, 3], "b": [True, False, True], "s": ["x", "y", "z"]}).to_parquet(path)
    from privsynth.engine.view import stored_types

    for engine in ("memory", "duckdb"):
        src = open_source(path, engine, load=read_public)
        assert stored_types(src) == {"n": "integer", "b": "boolean", "s": None}
    csv = tmp_path / "t.csv"
    pd.DataFrame({"n": [1, 2, 3]}).to_csv(csv, index=False)
    assert stored_types(open_source(csv, "memory", load=read_public)) == {"n": None}


# ---------------------------------------------------------------------------- reading
def test_csv_read_from_the_header_line_only(tmp_path):
    path = tmp_path / "t.csv"
    # the body would sniff as ';' (more consistent), the header says ','
    path.write_bytes(b"a,b\n1;2;3,x\n4;5;6,\xe9t\xe9\n")
    df = read_csv_text(path)
    assert list(df.columns) == ["a", "b"] and df["a"].tolist() == ["1;2;3", "4;5;6"]
    # a byte that is not UTF-8 replaces that cell's character only, the file is read
    assert df["b"].iloc[1] == "\ufffdt\ufffd" and df["b"].iloc[0] == "x"


_CELLS = st.one_of(
    st.sampled_from(["12", " -3.5 ", ".5", "5.", "+5", "1e6", "1,000", "nan", "inf", "1e400",
                     "0x10", "007", "", "  ", "2021-01-05", "5/1/2021", "2021-1-5",
                     "31/12/2020", "TRUE", "No", "y", "0", "1", "maybe", "Ünïcode ß",
                     "2021-01-05 10:11:12", "2021-01-05T10:11"]),
    st.text(alphabet="0123456789.-+eE/: TtrueNofalsy", max_size=12),
    st.none(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=25))
def test_cells_read_alike_in_pandas_and_duckdb(cells):
    """The row-local parse under a public type gives the same value in pandas and DuckDB."""
    import duckdb

    df = pd.DataFrame({"v": pd.Series(cells, dtype=object)})
    con = duckdb.connect()
    con.register("t", df)
    parses = [CellParse("number"), CellParse("text"), CellParse("lower"), CellParse("bool"),
              CellParse("date", ("%Y-%m-%d",)), CellParse("date", ("%d/%m/%Y", "%m/%d/%Y")),
              CellParse("date", ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"))]
    for p in parses:
        a = parse_series(df["v"], p).tolist()
        b = con.sql(f"SELECT {parse_sql('v', p)} AS x FROM t").df()["x"].tolist()
        for x, y, v in zip(a, b, cells, strict=True):
            same = (pd.isna(x) and pd.isna(y)) or x == y
            assert same, (p.kind, v, x, y)


# ---------------------------------------------------------------------------- DP typing
def test_shapes_and_the_typing_rule():
    keys = {"12": 5, "-3": 5, "3.5": 2, "2021-01-05": 1, "31/12/2020": 1, "yes": 1,
            "Paris": 1, "007": 1, "a b c d e": 1}
    shapes = dict(zip(keys, shape_of(pd.Series(list(keys))), strict=True))
    assert shapes["12"] == "integer" and shapes["3.5"] == "decimal"
    assert shapes["31/12/2020"] == "dmy_slash" and shapes["007"] == "leading_zero"
    assert shapes["a b c d e"] == "free_text" and shapes["Paris"] == "other_text"
    counts = shape_counts(keys)
    assert counts.sum() == sum(keys.values()) and len(counts) == len(SHAPE_NAMES)

    def noisy(**kw):
        return {s: float(kw.get(s, 0.0)) for s in SHAPE_NAMES}

    # counts under 3 sigma are noise: one 30.5 among a thousand integers keeps them integers
    assert decide_type(noisy(integer=1000, decimal=1), sigma=10).type == "integer"
    assert decide_type(noisy(integer=500, decimal=500), sigma=10).type == "float"
    assert decide_type(noisy(boolean=990, other_text=12), sigma=10).type == "boolean"
    d = decide_type(noisy(dmy_slash=300, either_slash=600, iso_date=31), sigma=10)
    assert d.type == "date" and d.formats == ("%d/%m/%Y",)
    assert decide_type(noisy(mdy_slash=300, either_slash=600), sigma=10).formats == ("%m/%d/%Y",)
    assert decide_type(noisy(iso_datetime=900, iso_date=100), sigma=10).type == "datetime"
    assert decide_type(noisy(free_text=800, other_text=200), sigma=10).type == "text"
    assert decide_type(noisy(other_text=1000), sigma=10).type == "categorical"
    assert decide_type(noisy(integer=20), sigma=10).type == "categorical"  # under the noise


# ---------------------------------------------------------------------------- DP bounds
def test_dp_range_from_a_noisy_grid():
    grid = NUMBER_GRID
    cells = len(grid) - 1
    e = np.asarray(grid)
    hist = np.zeros(cells + 1)
    inside = (e[:-1] >= 17) & (e[1:] <= 100)  # ages in the cells between 17.8 and 100
    hist[:-1][inside] = 1000 / inside.sum()
    hist[-1] = 50  # missing cells
    got = dp_range(hist, sigma=5.0, edges=grid, bins=8, integer=True, rows=1050)
    assert got is not None and 17 <= got.edges[0] <= 18 and 99 <= got.edges[-1] <= 101
    assert all(float(x).is_integer() for x in got.edges) and len(got.edges) <= 9
    assert len(got.cell_weights) == len(got.cell_edges) - 1
    # a column spread thinly under the noise: no range (the column is dropped, not clipped)
    flat = np.concatenate([np.full(cells, 1000 / cells), [0]])
    assert dp_range(flat, sigma=20.0, edges=grid, bins=8, integer=False, rows=1000) is None


# ---------------------------------------------------------------------------- pre-flight
def _table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "sex": rng.choice(["F", "M"], n),
        "age": rng.integers(18, 90, n).astype(str),
        "city": rng.choice(["Paris", "Lyon", "Nice", "Metz", "Caen"], n),
        "income": np.round(rng.gamma(2, 20_000, n)).astype(int).astype(str),
    })


def test_small_table_at_epsilon_one_is_refused_before_work(tmp_path, monkeypatch):
    """A 150-row table with four untyped columns under the built-in policy: refused after the
    DP row count only (nothing else measured), with the reason, exit 2 from the CLI."""
    path = tmp_path / "small.csv"
    _table(150).to_csv(path, index=False)
    hook = DeterministicNoise()
    monkeypatch.setattr(measure, "invoke", hook)
    with pytest.raises(PreflightRefusal, match=r"^at epsilon 1 and about \d+ rows, counts are "
                       r"\+-\d+: raise epsilon, .*(declare type: for|give public)"):
        synthesize_source(open_source(path, "memory", load=read_public), "dp-synthetic")
    assert hook.calls == 1  # the DP row count: refused before any other measurement
    from privsynth.cli import main

    out = tmp_path / "out"
    assert main(["release", str(path), "-p", "dp-synthetic", "-o", str(out)]) == 2
    assert not out.exists()


def test_dry_run_prints_the_plan_and_spends_nothing_with_expected_rows(tmp_path, monkeypatch,
                                                                     capsys):
    path = tmp_path / "t.csv"
    _table(2000).to_csv(path, index=False)
    pol = load_policy("dp-synthetic").model_copy(deep=True)
    pol.release.expected_rows = 2000
    pol_path = tmp_path / "p.yaml"
    pol_path.write_text(ps.dump_policy(pol))

    def boom(*a, **k):
        raise AssertionError("a dry run with expected_rows measured something")

    monkeypatch.setattr(measure, "invoke", boom)
    from privsynth.cli import main

    code = main(["release", str(path), "-p", str(pol_path), "-o", str(tmp_path / "o"),
                 "--dry-run"])
    text = capsys.readouterr().out
    assert code == 0 and "pre-flight:" in text and "about 2000 rows (policy expected_rows)" in text
    assert "1-way counts of the synthesizer: +-" in text and "sex: DP typing" in text
    assert not (tmp_path / "o").exists()
    # without expected_rows the plan says it measured (and charged) a DP row count
    monkeypatch.setattr(measure, "invoke", DeterministicNoise())
    plan = plan_synthesis(open_source(path, "memory", load=read_public), "dp-synthetic")
    assert plan.n_source == "DP row count (charged)" and any("charged" in n for n in plan.notes)


def test_preflight_figures_are_public_functions():
    assert expected_tvd(10, 20.0, 1000) == pytest.approx(10 * 20 * math.sqrt(2 / math.pi) / 2000)
    b = fitting_bins(20.0, 1000)
    assert expected_tvd(b + 1, 20.0, 1000) <= TVD_LIMIT < expected_tvd(b + 3, 20.0, 1000)


# ---------------------------------------------------------------------------- releases
def test_a_release_on_a_fresh_table_types_bounds_and_notices(tmp_path, capsys):
    """The built-in on a table it never saw: a useful release (real OpenDP noise), every
    column typed by a charged step, notices from DP outputs in the manifest and on stderr."""
    rng = np.random.default_rng(3)
    n = 6000
    df = pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(n)],
        "sex": rng.choice(["F", "M"], n),
        "age": rng.integers(18, 90, n).astype(str),
        "visit": (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 360, n), "D"))
        .strftime("%d/%m/%Y"),
        "smoker": rng.choice(["yes", "no"], n),
        "cost": np.round(rng.gamma(2, 400, n), 2).astype(str),
        "tag": [f"T{i}" for i in range(n)],  # unique codes: nothing survives discovery
    })
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    from privsynth.cli import main

    out = tmp_path / "out"
    assert main(["release", str(path), "-p", "dp-synthetic", "-o", str(out), "--seed", "1"]) == 0
    err = capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    data = pd.read_csv(out / "release.csv", dtype=str)
    assert "patient_id" not in data.columns and "tag" not in data.columns
    schema = manifest["synthesis"]["schema"]
    assert schema["visit"]["format"] == "%d/%m/%Y" and schema["smoker"]["type"] == "boolean"
    assert schema["cost"]["type"] == "float" and schema["age"]["type"] == "integer"
    assert pd.to_datetime(data["visit"].dropna(), format="%d/%m/%Y").dt.year.eq(2022).mean() > 0.8
    assert set(data["sex"].dropna()) <= {"F", "M", "other"}
    assert any("'tag' dropped" in n for n in manifest["notices"]) and "warning: column 'tag'" in err
    assert manifest["synthesis"]["privacy"]["neighbouring"].startswith("add/remove one person")
    assert "engine" not in json.dumps(manifest["input"])
    steps = [s["what"] for s in manifest["ledger"]["steps"]]
    assert "schema: value shapes of column 'cost'" in steps
    assert any(s.startswith("schema: range of column 'cost'") for s in steps)
    assert manifest["ledger"]["epsilon_spent"] <= 1.0 + 1e-9


def test_never_an_all_other_table_with_exit_0(tmp_path):
    """Columns DP discovery cannot learn are dropped with a notice; when none is left the
    release is refused (exit 2), never written as a table of `other`."""
    n = 5000
    df = pd.DataFrame({"a": [f"x{i}" for i in range(n)], "b": [f"y{i}" for i in range(n)]})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    from privsynth.cli import main

    assert main(["release", str(path), "-p", "dp-synthetic", "-o", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_far_row_count_is_a_notice(tmp_path, monkeypatch):
    monkeypatch.setattr(measure, "invoke", DeterministicNoise())
    df = _table(3000)
    pol = {"name": "n", "unmatched": "drop",
           "release": {"mode": "synthesize", "method": "mst", "epsilon": 4.0, "delta": 1e-9,
                       "rows": 500},
           "columns": {"sex": {"action": "keep", "domain": {"categories": ["F", "M"]}}}}
    rel = synthesize_source(open_source(df.astype(object), "memory"), pol, seed=1)
    assert any("far from release.rows (500)" in n for n in rel.notices)
    assert all("3007" not in n for n in rel.notices)  # rounded, not the DP count itself


def test_errors_never_quote_a_private_value(tmp_path):
    df = pd.DataFrame({"when": ["Jane Doe", "2021-01-01"] * 50})
    pol = {"name": "e", "release": {"mode": "synthesize", "epsilon": 1.0, "delta": 1e-9},
           "columns": {"when": {"action": "keep", "type": "date", "domain": {"bounds": [1, 2]}}}}
    with pytest.raises(InputError) as exc:
        synthesize_source(open_source(df, "memory"), pol)
    assert "Jane" not in str(exc.value)


def test_generalize_cell_by_cell_agrees_in_memory_and_duckdb(tmp_path):
    """`action: generalize` in synthesize mode: labels from each cell alone, the same in
    memory and DuckDB (DuckDB runs the pandas function as a vectorized UDF)."""
    from privsynth.engine.view import public_view
    from privsynth.policy.models import DatesHierarchy, IntervalsHierarchy, PrefixHierarchy
    from privsynth.transform.cells import label_function

    df = pd.DataFrame({
        "zip": ["02139", "2139", " 75001 ", None, "abc"],
        "born": ["1950-03-04", "1999-12-31", "nope", "", "2001-07-01"],
        "age": ["23", "30.5", "x", "", "89"],
    })
    path = tmp_path / "g.csv"
    df.to_csv(path, index=False)
    labels = {
        "zip": label_function(PrefixHierarchy(type="prefix", lengths=[3], zfill=5), 1,
                              integer=False),
        "born": label_function(DatesHierarchy(type="dates", levels=["year", "decade"]), 2,
                               integer=False),
        "age": label_function(IntervalsHierarchy(type="intervals", widths=[10]), 1, integer=True),
    }
    got = {}
    for engine in ("memory", "duckdb"):
        src = open_source(path, engine, load=read_public)
        view = public_view(src, {}, labels=labels)
        got[engine] = view if engine == "memory" else view.df()
    mem, duck = (got[e].astype(object).where(got[e].notna(), None) for e in got)
    pd.testing.assert_frame_equal(mem, duck, check_dtype=False)
    assert got["memory"]["zip"].tolist()[:3] == ["021", "021", "750"]
    assert got["memory"]["born"].tolist()[:2] == ["1950s", "1990s"]
    assert got["memory"]["age"].tolist()[:2] == ["20-29", "30-39"]  # integer type: "30-39"
    assert pd.isna(got["memory"]["age"].iloc[2]) and pd.isna(got["memory"]["born"].iloc[2])


def test_engine_counts_read_cells_alike(tmp_path):
    """Bins over parsed cells count the same in memory and DuckDB (the view the release uses)."""
    from privsynth.engine import Bins
    from privsynth.engine.view import public_view

    df = pd.DataFrame({"x": ["1", " 2.5", "oops", "", "1e3", "-4", "7."]})
    path = tmp_path / "x.csv"
    df.to_csv(path, index=False)
    b = Bins([-10.0, 0.0, 2.0, 5.0, 2000.0])
    counts = {}
    for engine in ("memory", "duckdb"):
        src = open_source(path, engine, load=read_public)
        view = public_view(src, {"x": CellParse("number")})
        counts[engine] = np.asarray(src.engine.marginal(view, ["x"], [b.size], {"x": b}))
    assert counts["memory"].tolist() == counts["duckdb"].tolist() == [1, 1, 1, 2, 2]
    assert get_engine("memory").name == "memory"
