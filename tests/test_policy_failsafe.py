"""Issue 12 (items 3-4): ready policies fail safe, and every anonymized release is checked.

Each case the issue lists has a test here: whole-word name rules (`city` vs ETHNICITY, `tel` vs
DaysLateLast30, `birth` vs BIRTHPLACE, `admission` vs Readmission_Rate), a rule that implies a
type refusing another type (never floats read as epoch dates), the fail-safe refusal with the
lines to add, a recode of a quasi-identifier treated as the same quasi-identifier, a `2023`
header, entity names shared with the scanner, and the residual check of a release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import privsynth as ps
from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.header_only import RECORD_KEY
from privsynth.detect.lexicon import LEXICON
from privsynth.io import read_table
from privsynth.pipeline.residual import residual_check, retained_share
from privsynth.policy import Action, load_policy, parse_policy, resolve
from privsynth.policy.resolve import UndecidedColumnsError, words_match
from privsynth.policy.types import TypeMismatchError

REPO = Path(__file__).resolve().parents[1]
LOOKALIKES = REPO / "benchmarks" / "scan_corpus" / "lookalikes"
FAILSAFE = ["hipaa-safe-harbor", "gdpr-pseudonymise", "k-anonymity-generic"]
KEY = "c4e8a1f07b3d92e65a0f18c7d4b2e963"


def finding(name: str, cls: str = "other", entity: str = "NONE", typ: str = "categorical",
            decision: str = "confident", recode_of: str | None = None) -> ColumnFinding:
    return ColumnFinding(name=name, cls=ColumnClass(cls), entity=entity, confidence=0.9,
                         type=typ, decision=decision,
                         review_reason=None if decision == "confident" else "test: unsure",
                         recode_of=recode_of)


# ------------------------------------------------------------------------ whole-word matching
@pytest.mark.parametrize(
    ("words", "name", "hit"),
    [
        (["city"], "ETHNICITY", False),
        (["city"], "home_city", True),
        (["city"], "CITY", True),
        (["tel"], "DaysLateLast30", False),
        (["tel"], "tel_no", True),
        (["birth"], "BIRTHPLACE", False),  # one token: "birthplace"
        (["birthplace"], "BIRTHPLACE", True),  # intended: a place of birth
        (["admission"], "Readmission_Rate", False),
        (["admission date"], "AdmissionDate", True),
        (["date of birth"], "DOB", True),  # abbreviation spelled out
        (["date"], "hireDate", True),
        (["date"], "update_count", False),
        (["id"], "GenderID", True),
        (["id"], "Idle_time", False),
    ],
)
def test_words_match_whole_tokens(words, name, hit):
    assert words_match(words, name) is hit


def test_builtin_rules_do_not_match_substrings():
    """The issue's four cases, through the built-ins themselves."""
    df = pd.DataFrame({
        "ETHNICITY": ["a", "b"] * 5,
        "DaysLateLast30": np.arange(10),
        "Readmission_Rate": np.linspace(0.1, 0.3, 10),
        "BIRTHPLACE": ["Boston MA", "Lynn MA"] * 5,
    })
    found = [finding("ETHNICITY", "quasi", "ETHNICITY"),
             finding("DaysLateLast30", "sensitive", "EMPLOYMENT_EVALUATION", "integer"),
             finding("Readmission_Rate", "other", typ="float"),
             finding("BIRTHPLACE", "quasi", "LOCATION")]
    hipaa = resolve(load_policy("hipaa-safe-harbor"), df, found)
    assert hipaa["ETHNICITY"].kind is Action.KEEP  # not dropped as a city
    assert hipaa["DaysLateLast30"].kind is Action.KEEP  # not a phone
    assert hipaa["Readmission_Rate"].kind is Action.KEEP  # not an admission date
    # BIRTHPLACE is a place smaller than a state: dropped on purpose, not stopped as a date
    assert hipaa["BIRTHPLACE"].kind is Action.DROP
    gdpr = resolve(load_policy("gdpr-pseudonymise"), df, found)
    assert gdpr["DaysLateLast30"].kind is Action.KEEP  # no format-preserving "phone"
    assert gdpr["Readmission_Rate"].kind is Action.KEEP


# ---------------------------------------------------------------------- implied types refused
def test_date_rule_on_floats_refuses_instead_of_epoch_dates():
    df = pd.DataFrame({"admission_date": np.linspace(0.1, 0.3, 10)})
    pol = load_policy("hipaa-safe-harbor")
    with pytest.raises(TypeMismatchError) as exc:
        resolve(pol, df, [finding("admission_date", "other", typ="float")])
    msg = str(exc.value)
    assert "\n" not in msg and "'admission_date'" in msg and "needs dates" in msg
    assert "0.1" not in msg  # no cell value quoted


@pytest.mark.parametrize(
    ("spec", "values", "ok"),
    [
        ("{action: generalize, hierarchy: {type: dates, levels: [year]}}", [1.5, 2.5], False),
        ("{action: generalize, hierarchy: {type: dates, levels: [year]}}", ["2020", "2021"], False),
        ("{action: generalize, hierarchy: {type: dates, levels: [year]}}",
         ["2020-01-03", "2021-05-06"], True),
        ("{action: generalize, hierarchy: {type: intervals, widths: [5]}}", ["a", "b"], False),
        ("{action: generalize, hierarchy: {type: intervals, widths: [5]}}", [3, 40], True),
        ("{action: generalize, hierarchy: {type: prefix, lengths: [3], zfill: 5}}",
         [0.25, 0.5], False),
        ("{action: generalize, hierarchy: {type: prefix, lengths: [3], zfill: 5}}",
         ["SW1A 1AA", "EC1A 1BB"], False),
        ("{action: generalize, hierarchy: {type: prefix, lengths: [3], zfill: 5}}",
         ["02134", "10001-1234"], True),
        ("{action: shift_dates, key_env: K}", [1, 2], False),
    ],
)
def test_implied_type_checked_for_explicit_entries_too(spec, values, ok):
    pol = parse_policy(f"name: t\ncolumns:\n  x: {spec}\n")
    df = pd.DataFrame({"x": values})
    if ok:
        resolve(pol, df)
    else:
        with pytest.raises(TypeMismatchError, match="refusing to coerce"):
            resolve(pol, df)


def test_cli_type_refusal_exits_2_and_writes_nothing(cli, tmp_path):
    src = tmp_path / "t.csv"
    pd.DataFrame({"visit_date": [0.25, 0.5, 0.75] * 4}).to_csv(src, index=False)
    pol = tmp_path / "p.yaml"
    pol.write_text("name: t\nrules:\n  - match: {words: date}\n    action: generalize\n"
                   "    hierarchy: {type: dates, levels: [year]}\n    level: 1\n")
    out = tmp_path / "out"
    res = cli("release", src, "--policy", pol, "--out", out)
    assert res.code == 2 and not out.exists()
    assert len(res.stderr.strip().splitlines()) == 1 and "visit_date" in res.stderr
    assert "1970" not in res.stderr


# ---------------------------------------------------------------------------- fail-safe keep
@pytest.mark.parametrize("name", FAILSAFE)
def test_builtin_keeps_only_confident_columns(name):
    df = pd.DataFrame({"colour": ["red", "blue"] * 5, "weird": list("abcdefghij")})
    found = [finding("colour"), finding("weird", decision="uncertain")]
    pol = load_policy(name)
    assert pol.unmatched == "error"
    with pytest.raises(UndecidedColumnsError) as exc:
        resolve(pol, df, found)
    err = exc.value
    assert err.columns == ["weird"]
    assert err.lines == [err.lines[0]] and err.lines[0].startswith('  "weird": {action: drop}')
    assert f"policies/{name}.yaml" in str(err)
    # the printed line, pasted under columns:, decides the column
    fixed = parse_policy(pol._text + "columns:\n" + "\n".join(err.lines) + "\n")
    res = resolve(fixed, df, found)
    assert res["weird"].kind is Action.DROP and res["colour"].kind is Action.KEEP


def test_undecided_error_lists_every_column_with_a_loadable_line():
    cols = [f'odd "{i}"' for i in range(25)]
    df = pd.DataFrame({c: ["x", "y"] for c in cols})
    found = [finding(c, decision="uncertain") for c in cols]
    with pytest.raises(UndecidedColumnsError) as exc:
        resolve(load_policy("gdpr-pseudonymise"), df, found)
    assert exc.value.columns == cols and len(exc.value.lines) == 25
    pol = parse_policy("name: t\ncolumns:\n" + "\n".join(exc.value.lines) + "\n")
    assert set(pol.columns) == set(cols)


def test_builtin_entity_names_are_the_scanners():
    """Entity rules name entities `privsynth scan` emits (not BIRTH_DATE/DOB for DATE_OF_BIRTH);
    a synthesize-mode policy is matched by the header-only classifier, which adds RECORD_KEY."""
    emitted = set(LEXICON)
    for name in FAILSAFE + ["dp-synthetic", "k-anonymity"]:
        pol = load_policy(name)
        known = emitted | ({RECORD_KEY} if pol.release.mode == "synthesize" else set())
        for rule in pol.rules:
            unknown = set(rule.match.entities) - known
            assert not unknown, f"{name}: {sorted(unknown)}"


def test_builtin_mirror_is_identical():
    for name in FAILSAFE + ["dp-synthetic", "k-anonymity"]:
        a = (REPO / "privsynth" / "policies" / f"{name}.yaml").read_text()
        assert a == (REPO / "policies" / f"{name}.yaml").read_text(), name


# ----------------------------------------------------------------------------------- recodes
def _recode_table() -> tuple[pd.DataFrame, list[ColumnFinding]]:
    rng = np.random.default_rng(0)
    sex = rng.choice(["F", "M"], 200)
    df = pd.DataFrame({"Sex": sex, "GenderCode": np.where(sex == "F", 0, 1),
                       "age": rng.integers(20, 70, 200)})
    found = [finding("Sex", "quasi", "GENDER"),
             finding("GenderCode", "quasi", "GENDER", "integer", recode_of="Sex"),
             finding("age", "quasi", "AGE", "integer")]
    return df, found


def test_recode_of_a_dropped_qi_is_dropped():
    df, found = _recode_table()
    pol = parse_policy("name: t\nunmatched: keep\ncolumns:\n  Sex: {action: drop}\n")
    res = resolve(pol, df, found)
    assert res["GenderCode"].kind is Action.DROP and res["GenderCode"].source.startswith("recode")
    out = ps.release(df, pol, findings=found).data
    assert "GenderCode" not in out.columns


def test_recode_joins_the_listed_quasi_identifiers():
    df, found = _recode_table()
    pol = parse_policy(
        "name: t\nunmatched: keep\nprivacy: {k: 5, quasi_identifiers: [Sex, age]}\n"
        "columns:\n  age: {action: generalize, hierarchy: {type: intervals, widths: [10, 20]}}\n"
    )
    res = resolve(pol, df, found)
    assert "GenderCode" in res.quasi_identifiers()
    out = ps.release(df, pol, findings=found).data
    kept = out[~(out[["Sex", "age"]] == "*").all(axis=1)]
    assert kept.groupby(["Sex", "age", "GenderCode"]).size().min() >= 5


def test_scanner_reports_recode_of():
    """A column whose header says nothing (`kind`) is found to recode `Sex` by its values."""
    df, _ = _recode_table()
    df = df.rename(columns={"GenderCode": "kind"})
    f = {x.name: x for x in ps.scan(df).findings}
    assert f["kind"].recode_of == "Sex" and str(f["kind"].cls) == "quasi"
    assert f["kind"].to_dict()["recode_of"] == "Sex"


# ---------------------------------------------------------------------------- 2023 header
def test_year_header_is_read_as_a_header(tmp_path):
    src = tmp_path / "y.csv"
    src.write_text("supplier,2023,2024,rate\nAcme,2680,1955,0.25\nBolt,1239,2739,0.26\n"
                   "Cog,100,200,0.3\n")
    df = read_table(src)
    assert list(df.columns) == ["supplier", "2023", "2024", "rate"] and len(df) == 3
    # a row of numbers is still data
    src.write_text("1,2,3\n4,5,6\n7,8,9\n")
    assert len(read_table(src)) == 3
    assert list(read_table(LOOKALIKES / "lk_suppliers.csv").columns)[3:5] == ["2023", "2024"]


# ---------------------------------------------------------------------------- residual check
def test_retained_share_counts_values_in_their_own_row():
    a = pd.Series(["ann", "bob", "cyd", "dan"])
    assert retained_share(a, a) == 1.0
    assert retained_share(a, pd.Series(["bob", "ann", "dan", "cyd"])) == 0.0  # shuffled pseudonyms
    assert retained_share(a, pd.Series(["ann", "x1y", "x2y", "x3y"])) == 0.25
    assert retained_share(pd.Series(["a", None]), pd.Series(["a", None])) is None  # trivial only


def _people(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    first = np.array(["Alice", "Bruno", "Chiara", "Dmitri", "Esther", "Farid", "Greta"])
    last = np.array(["Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski"])
    return pd.DataFrame({
        "full_name": [f"{f} {s}" for f, s in zip(rng.choice(first, n), rng.choice(last, n),
                                                  strict=True)],
        "email": [f"user{i}@example.org" for i in range(n)],
        "colour": rng.choice(["red", "green", "blue"], n),
    })


def test_residual_check_fails_a_kept_direct_identifier():
    df = _people()
    found = [finding("full_name", "direct", "PERSON"), finding("email", "direct", "EMAIL_ADDRESS"),
             finding("colour")]
    pol = parse_policy("name: t\nunmatched: keep\ncolumns:\n  email: {action: keep}\n"
                       "  full_name: {action: drop}\n")
    rel = ps.release(df, pol, findings=found)
    check = rel.manifest["residual_check"]
    assert check["passed"] is False
    failed = {(f["column"], f["check"]) for f in check["failures"]}
    assert ("email", "retained_values") in failed and ("email", "looks_direct") in failed
    assert all(f["column"] == "email" for f in check["failures"])
    assert "user0@example.org" not in json.dumps(check)  # no value quoted


def test_residual_check_passes_a_proper_release(monkeypatch):
    monkeypatch.setenv("PRIVSYNTH_KEY", KEY)
    df = _people()
    found = [finding("full_name", "direct", "PERSON"), finding("email", "direct", "EMAIL_ADDRESS"),
             finding("colour")]
    rel = ps.release(df, "gdpr-pseudonymise", findings=found)
    assert rel.manifest["residual_check"]["passed"] is True, rel.manifest["residual_check"]


def test_residual_check_catches_a_miss_the_policy_kept():
    """A column the policy keeps as `other` whose values are e-mail addresses."""
    df = _people().rename(columns={"email": "contact_ref"})
    found = [finding("full_name", "direct", "PERSON"), finding("contact_ref"), finding("colour")]
    pol = parse_policy("name: t\nunmatched: keep\ncolumns:\n  full_name: {action: drop}\n")
    resolved = resolve(pol, df, found)
    out = ps.release(df, pol, findings=found).data
    report = residual_check(df, out, resolved)
    assert [f.column for f in report.failures] == ["contact_ref"]


def test_cli_residual_exit_1_unless_allowed_and_audit_fails_it(cli, tmp_path):
    src = tmp_path / "people.csv"
    _people().to_csv(src, index=False)
    pol = tmp_path / "p.yaml"
    pol.write_text("name: t\nunmatched: keep\ncolumns:\n  full_name: {action: drop}\n"
                   "  email: {action: keep}\n")
    out = tmp_path / "out"
    res = cli("release", src, "--policy", pol, "--out", out)
    assert res.code == 1, res.stderr
    assert "residual check failed: column 'email'" in res.stderr and "--allow-residual" in res.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["residual_check"]["passed"] is False  # written, and says so
    out2 = tmp_path / "out2"
    res = cli("release", src, "--policy", pol, "--out", out2, "--allow-residual")
    assert res.code == 0, res.stderr
    assert "residual check failed" in res.stderr  # still reported
    help_text = cli("release", "--help").stdout
    assert "--allow-residual" in help_text
    report = ps.audit(df_or_path(src), out / "release.csv", manifest=out / "manifest.json",
                      seed=0)
    checks = {c.name: c for c in report.thresholds}
    assert checks["residual_failures_max"].passed is False


def df_or_path(p: Path) -> pd.DataFrame:
    return pd.read_csv(p)


# ------------------------------------------------------- the corpus property, on look-alikes
def _direct_values(df: pd.DataFrame, labels: dict) -> dict[str, set[str]]:
    text = df.astype("string")
    direct = [c for c in df.columns if labels[c]["class"] == "direct"]
    others = set()
    for c in df.columns:
        if c not in direct:
            others |= set(text[c].dropna().str.strip())
    out = {}
    for c in direct:
        v = text[c].dropna().str.strip()
        v = v[(v.str.len() >= 3) & ~v.str.fullmatch(r"[+-]?\d{1,4}(\.0+)?")]
        out[c] = set(v) - others
    return out


@pytest.mark.slow
@pytest.mark.parametrize("table", ["lk_patients", "lk_employees", "lk_logins", "lk_access_log"])
def test_builtins_refuse_or_release_no_direct_value(table, tmp_path):
    """Issue 12 'done when' on generated look-alikes of the corpus (they ship with the repo):
    each fail-safe built-in either stops with a list of undecided columns or releases no value
    of any column labelled direct."""
    df = read_table(LOOKALIKES / f"{table}.csv")
    labels = json.loads((LOOKALIKES / f"{table}.labels.json").read_text())
    found = ps.scan(df).findings
    key = tmp_path / "key"
    key.write_text(KEY)
    dvals = _direct_values(df, labels)
    assert dvals, "a look-alike without direct columns tests nothing"
    for name in FAILSAFE:
        try:
            rel = ps.release(df, name, findings=found, key_file=key, seed=0)
        except UndecidedColumnsError as exc:
            assert exc.columns and all(re.match(r'  ".*": \{action: drop\}', ln)
                                       for ln in exc.lines)
            continue
        cells = set(rel.data.astype("string").stack().dropna().str.strip())
        leaked = [c for c, v in dvals.items() if v & cells]
        assert not leaked, f"{name} released values of {leaked}"


def test_streamed_release_records_the_residual_check(cli, tmp_path):
    """DuckDB streams the file; the check runs on its row sample and still fails the release."""
    src = tmp_path / "people.csv"
    _people().to_csv(src, index=False)
    pol = tmp_path / "p.yaml"
    pol.write_text("name: t\nunmatched: keep\ncolumns:\n  full_name: {action: drop}\n"
                   "  email: {action: keep}\n")
    out = tmp_path / "out"
    res = cli("release", src, "--policy", pol, "--out", out, "--engine", "duckdb")
    assert res.code == 1, res.stderr
    check = json.loads((out / "manifest.json").read_text())["residual_check"]
    assert not check["passed"] and {f["column"] for f in check["failures"]} == {"email"}


# ---------------------------------------------------- with main's cap and synthesize mode
def test_generic_caps_quasi_identifiers_and_still_fails_safe():
    """k-anonymity-generic: at most 4 scan QIs searched (the rest dropped, recodes ranked with
    them), ZIP by prefix, and an uncertain non-QI column still stops the release."""
    rng = np.random.default_rng(1)
    n = 300
    sex = rng.choice(["F", "M"], n)
    df = pd.DataFrame({
        "age": rng.integers(18, 90, n), "Sex": sex, "GenderCode": np.where(sex == "F", 0, 1),
        "zip": rng.choice(["02139", "02140", "10001", "94110"], n),
        "race": rng.choice(["a", "b", "c"], n), "marital": rng.choice(["s", "m"], n),
        "dept": rng.choice(["x", "y"], n), "weird": rng.choice(["p", "q"], n),
    })
    found = [finding("age", "quasi", "AGE", "integer"), finding("Sex", "quasi", "GENDER"),
             finding("GenderCode", "quasi", "GENDER", "integer", recode_of="Sex"),
             finding("zip", "quasi", "ZIP"), finding("race", "quasi", "ETHNICITY"),
             finding("marital", "quasi", "MARITAL_STATUS"), finding("dept"),
             finding("weird", decision="uncertain")]
    pol = load_policy("k-anonymity-generic")
    with pytest.raises(UndecidedColumnsError) as exc:
        resolve(pol, df, found)
    assert exc.value.columns == ["weird"]
    fixed = parse_policy(pol._text + "columns:\n" + "\n".join(exc.value.lines) + "\n")
    res = resolve(fixed, df, found)
    qis = res.quasi_identifiers()
    assert len(qis) == 4 and res.quasi_choice is not None
    assert res["zip"].kind is Action.GENERALIZE and res["zip"].action.hierarchy.type == "prefix"
    scan_qis = ["age", "Sex", "GenderCode", "zip", "race", "marital"]
    for c in scan_qis:
        assert (c in qis) != (res[c].kind is Action.DROP), c  # searched, or dropped
    assert res["dept"].kind is Action.KEEP and res["weird"].kind is Action.DROP


def test_synthesize_mode_matches_words_on_the_header_and_refuses_decision():
    from privsynth.errors import PolicyError
    from privsynth.pipeline.schema import public_schema

    base = "name: p\nrelease: {mode: synthesize, method: mst, epsilon: 1.0, delta: 1.0e-9}\n"
    pol = parse_policy(base + "unmatched: drop\nrules:\n  - match: {words: [city]}\n"
                       "    action: keep\n    type: categorical\n    domain: {discover: true}\n")
    schema = public_schema(pol, ["homeCity", "ETHNICITY"])
    assert schema.columns["homeCity"].synthesize
    assert not schema.columns["ETHNICITY"].synthesize  # no substring match: unmatched drop
    gated = parse_policy(base + "unmatched: drop\nrules:\n  - match: {decision: confident}\n"
                         "    action: keep\n")
    with pytest.raises(PolicyError, match="never scans"):
        public_schema(gated, ["a"])


def test_cli_prints_the_yaml_lines_apart_each_escaped():
    """The error line, then one line per undecided column; a name holding a line break is
    escaped within its own line (YAML reads the escape back), never a forged line."""
    from privsynth.cli import _error_lines
    from privsynth.policy.resolve import undecided_error

    bad = "x\nprivsynth: released"
    err = undecided_error(load_policy("k-anonymity-generic"), ["odd", bad], {})
    lines = _error_lines(err)
    assert lines[0].startswith("privsynth: error: column 'odd' is not covered")
    assert len(lines) == 3 and all("\n" not in ln for ln in lines)
    assert lines[2].startswith('  "x\\x0aprivsynth: released": {action: drop}')
    pol = parse_policy("name: t\ncolumns:\n" + "\n".join(lines[1:]) + "\n")
    assert set(pol.columns) == {"odd", bad}
