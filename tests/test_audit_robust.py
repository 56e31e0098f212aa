"""The audit never crashes and always writes a report for a release it can read (issue 13,
item 4): fully suppressed and all-missing columns, single-category columns, tiny tables, columns
in only one table, a release with no comparable column (the web-log case), and a fuzz over
generated tables. `privsynth audit` exits 0, 1 or 2, never 70. Population size / sampling
fraction reach journalist risk and the Zayatz and Pitman estimates."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privsynth.audit import audit
from privsynth.audit.risk import pitman_population_uniques, zayatz_population_uniques
from privsynth.cli import main
from privsynth.errors import InputError

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "privsynth/audit/report.schema.json").read_text()
)
# An unexpected exception inside a measurement is caught and named with its type: the fuzz
# below fails if one ever shows up, so the safety net never hides a bug.
INTERNAL = re.compile(r"could not be measured: [A-Z][A-Za-z]*(Error|Exception):")


def _people(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["F", "M"], n),
            "income": rng.integers(10_000, 120_000, n),
            "city": rng.choice(["Lyon", "Nice", "Lille", "Brest"], n),
            "score": rng.normal(50, 10, n).round(1),
        }
    )


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _audit_cli(d: Path, orig: pd.DataFrame, rel: pd.DataFrame, hold: pd.DataFrame | None,
               *extra: str) -> tuple[int, dict, str, str]:  # fmt: skip
    orig.to_csv(d / "orig.csv", index=False)
    rel.to_csv(d / "rel.csv", index=False)
    args = ["audit", "--original", d / "orig.csv", "--release", d / "rel.csv",
            "--json", d / "a.json", "--report", d / "a.html", "--n-attacks", "40", *extra]  # fmt: skip
    if hold is not None:
        hold.to_csv(d / "hold.csv", index=False)
        args += ["--holdout", d / "hold.csv"]
    code, out, err = _run(args)
    doc = json.loads((d / "a.json").read_text()) if (d / "a.json").exists() else {}
    return code, doc, out, err


def test_a_fully_suppressed_numeric_column_does_not_break_the_audit(tmp_path):
    # The reviewer's exit 70: a k-anonymous release whose numeric QI is `*` everywhere broke
    # the machine-learning step (an all-missing feature).
    orig, hold = _people(120, 1), _people(120, 2)
    rel = orig.copy()
    rel["age"] = "*"
    code, doc, _, err = _audit_cli(tmp_path, orig, rel, hold, "--target", "sex")
    assert code == 1, err
    jsonschema.validate(doc, SCHEMA)
    assert doc["utility"]["ml_efficacy"] is not None  # measured, on the features left
    loss = {c["column"]: c for c in doc["utility"]["information_loss"]["columns"]}
    assert loss["age"]["suppressed_share"] == 1.0 and loss["age"]["ncp"] == 1.0
    assert "age" in doc["utility"]["information_loss"]["lost"]
    tvd = {t["column"]: t["tvd"] for t in doc["utility"]["ks"] + doc["utility"]["chi2"]}
    assert tvd["age"] == pytest.approx(1.0)  # lost, not perfect
    assert (tmp_path / "a.html").read_text().startswith("<!DOCTYPE html>")


def test_columns_in_only_one_table_are_named_not_refused(tmp_path):
    orig, hold = _people(80, 1), _people(80, 2)
    rel = orig.drop(columns=["city"]).assign(token=[f"t{i}" for i in range(80)])
    code, doc, _, err = _audit_cli(tmp_path, orig, rel, hold.drop(columns=["score"]))
    assert code in (0, 1), err
    notes = " ".join(doc["notes"])
    assert "city" in notes and "audited as dropped" in notes
    assert "token" in notes and "not compared" in notes
    assert "holdout lacks column(s) score" in notes
    assert "city" in doc["inputs"]["dropped_columns"] and "token" not in doc["inputs"]["columns"]


def test_a_release_with_no_comparable_column_writes_a_report_and_fails(tmp_path):
    # The web-log case: every value of the release is recoded (here, hashed), so nothing can be
    # compared with the original; the report says so and the utility gates fail (exit 1).
    rng = np.random.default_rng(3)
    orig = pd.DataFrame(
        {
            "clientip": [f"10.0.{i % 50}.{i % 7}" for i in range(200)],
            "request": rng.choice(["/a", "/b", "/c", "/d"], 200),
            "agent": rng.choice(["curl/8", "Mozilla/5.0", "bot"], 200),
        }
    )
    rel = orig.apply(lambda s: s.map(lambda v: f"h{abs(hash(('k', v))) % 10**9}"))
    code, doc, out, err = _audit_cli(tmp_path, orig, rel, orig.sample(frac=1, random_state=1))
    assert code == 1, err
    assert "internal error" not in err
    assert any("no column of the release can be compared" in n for n in doc["notes"])
    failed = {t["name"]: t for t in doc["thresholds"] if not t["passed"]}
    assert "could not be measured" in failed["tvd_1way_max"]["note"]
    assert "could not be measured" in failed["propensity_auc_max"]["note"]
    assert "no column of the release can be compared" in (tmp_path / "a.html").read_text()


@pytest.mark.parametrize("rows", [2, 5])
def test_tiny_tables_with_constant_and_missing_columns(tmp_path, rows):
    orig = pd.DataFrame(
        {
            "age": list(range(30, 30 + rows)),
            "one": ["x"] * rows,
            "none": [None] * rows,
            "flag": [True, False] * (rows // 2) + [True] * (rows % 2),
        }
    )
    code, doc, _, err = _audit_cli(tmp_path, orig, orig.copy(), orig.copy())
    assert code in (0, 1), err
    jsonschema.validate(doc, SCHEMA)
    assert not any(INTERNAL.search(n) for n in doc["notes"])


def test_a_single_column_release_is_audited(tmp_path):
    orig = pd.DataFrame({"age": np.arange(60) % 40 + 20})
    code, doc, _, err = _audit_cli(tmp_path, orig, orig.sample(frac=1, random_state=0), orig)
    assert code in (0, 1), err
    notes = " ".join(doc["notes"])
    assert "linkability not measured" in notes and "inference of 'age' not measured" in notes


# ------------------------------------------------------------------------------------- fuzz
KINDS = ["int", "float", "cat", "const", "missing", "suppressed", "date", "bool", "text", "mixed"]


def _column(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "int":
        return rng.integers(0, 100, n).astype(object)
    if kind == "float":
        return rng.normal(0, 1, n).round(3).astype(object)
    if kind == "cat":
        return rng.choice(["a", "b", "c"], n).astype(object)
    if kind == "const":
        return np.array(["x"] * n, dtype=object)
    if kind == "missing":
        return np.array([None] * n, dtype=object)
    if kind == "suppressed":
        return np.array(["*"] * n, dtype=object)
    if kind == "date":
        days = pd.to_timedelta(rng.integers(0, 9000, n), "D")
        return np.asarray((pd.Timestamp("2000-01-01") + days).strftime("%Y-%m-%d"), dtype=object)
    if kind == "bool":
        return rng.choice([True, False], n).astype(object)
    if kind == "text":
        return np.array([f"note {i} here" for i in range(n)], dtype=object)
    return rng.choice(["1", "x", "", "2.5", "*"], n).astype(object)


@st.composite
def audit_cases(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    n = draw(st.sampled_from([1, 2, 3, 5, 12, 40]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    orig = pd.DataFrame({f"c{i}_{k}": _column(k, n, rng) for i, k in enumerate(kinds)})
    hold = pd.DataFrame({f"c{i}_{k}": _column(k, n, rng) for i, k in enumerate(kinds)})
    rel = orig.copy()
    for c in rel.columns:  # what releases do to columns: suppress, blank, partly suppress
        what = draw(st.sampled_from(["keep", "keep", "star", "blank", "half"]))
        if what == "star":
            rel[c] = "*"
        elif what == "blank":
            rel[c] = None
        elif what == "half":
            rel.loc[rng.random(n) < 0.5, c] = "*"
    if draw(st.booleans()) and rel.shape[1] > 1:
        rel = rel.drop(columns=[rel.columns[0]])
    if draw(st.booleans()):
        rel = rel.sample(frac=1.0, replace=True, random_state=seed)
    with_holdout = draw(st.booleans())
    return orig, rel, hold if with_holdout else None


@settings(
    max_examples=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(audit_cases())
def test_fuzz_the_audit_exits_0_or_1_and_writes_its_reports(tmp_path_factory, case):
    orig, rel, hold = case
    d = tmp_path_factory.mktemp("fuzz")
    code, doc, _, err = _audit_cli(d, orig, rel, hold)
    assert code in (0, 1), err  # every input here is readable: never 2, never 70
    assert (d / "a.html").exists()
    jsonschema.validate(doc, SCHEMA)
    assert not any(INTERNAL.search(n) for n in doc["notes"]), doc["notes"]


# --------------------------------------------------------------------------- population
def test_population_size_and_sampling_fraction_reach_journalist_risk(tmp_path):
    orig, hold = _people(200, 1), _people(200, 2)
    code, doc, _, err = _audit_cli(
        tmp_path, orig, orig, hold, "--qi", "age,sex,city", "--population-size", "20000"
    )
    assert code in (0, 1), err
    reid = doc["risk"]["reidentification"]
    assert reid["journalist_basis"] == "sampling_fraction"
    assert reid["sampling_fraction"] == pytest.approx(200 / 20000)
    assert reid["population_size"] == pytest.approx(20000)
    assert reid["journalist_max"] <= reid["prosecutor_max"]
    assert reid["population_uniques"] is not None and reid["population_uniques_pitman"] is not None
    assert "Pitman" in (tmp_path / "a.html").read_text()

    rep = audit(orig, orig, hold, quasi_identifiers="age,sex,city", sampling_fraction=0.5,
                n_attacks=30)  # fmt: skip
    assert rep.risk["reidentification"]["sampling_fraction"] == 0.5
    with pytest.raises(InputError, match="not both"):
        audit(orig, orig, hold, population_size=1000, sampling_fraction=0.1)
    code, _, _, err = _audit_cli(tmp_path, orig, orig, hold, "--population-size", "0.5")
    assert code == 2


def test_pitman_estimates_population_uniques_of_a_simulated_sample():
    rng = np.random.default_rng(0)
    population = rng.zipf(1.6, 200_000) % 50_000
    pi = 0.05
    sample = population[rng.random(population.size) < pi]
    keys, sizes = np.unique(sample, return_counts=True)
    pop_keys, pop_sizes = np.unique(population, return_counts=True)
    truly = np.isin(keys[sizes == 1], pop_keys[pop_sizes == 1]).sum()
    frac = sample.size / population.size
    pitman = pitman_population_uniques(sizes, frac)
    zayatz = zayatz_population_uniques(sizes, frac)
    assert pitman is not None and 0.5 * truly <= pitman <= 2 * truly
    assert 0.5 * truly <= zayatz <= 2 * truly
    assert pitman <= (sizes == 1).sum()  # never more than the sample uniques
    assert pitman_population_uniques(np.array([2, 3, 4]), 0.1) == 0.0  # no sample unique
    assert pitman_population_uniques(np.array([1, 1, 2]), 1.0) == 2.0  # the sample is all


def test_a_release_or_holdout_sharing_no_column_is_bad_input(tmp_path):
    # Columns in only one table are named, but a table with no column in common is a wrong
    # file, not a release of this one: exit 2, one line, no report half-written.
    orig = _people(40, 1)
    other = pd.DataFrame({"colour": ["red", "blue"] * 20, "size": range(40)})
    for rel, hold in ((other, None), (orig, other)):
        for f in ("a.json", "a.html"):
            (tmp_path / f).unlink(missing_ok=True)
        code, doc, _, err = _audit_cli(tmp_path, orig, rel, hold)
        assert code == 2 and doc == {} and not (tmp_path / "a.html").exists()
        assert "shares no column" in err and len(err.strip().splitlines()) == 1
