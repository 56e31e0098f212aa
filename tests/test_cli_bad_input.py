"""Bad input across the CLI, as a user hits it: one line on stderr naming the problem, exit 2,
no traceback and nothing written (privacy rule 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROWS = 40


def _table(n: int = ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [20 + (i * 7) % 50 for i in range(n)],
            "zip": [f"{10000 + (i * 37) % 9 * 1111}" for i in range(n)],
            "sex": ["Female" if i % 3 else "Male" for i in range(n)],
            "income": ["<=50K" if i % 4 else ">50K" for i in range(n)],
        }
    )


def _write_bad(tmp: Path, kind: str) -> Path:
    """A bad input file of the given kind."""
    path = tmp / f"{kind}.csv"
    if kind == "missing":
        return path
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "ragged":
        path.write_text("age,sex,income\n30,Male,<=50K\n41,Female\n52,Male,>50K,extra,more\n")
    elif kind == "header-only":
        path.write_text("age,sex,income\n")
    elif kind == "nested-parquet":
        path = tmp / "nested.parquet"
        pd.DataFrame({"age": [30, 40], "tags": [[1, 2], [3]]}).to_parquet(path, index=False)
    elif kind == "empty-parquet":
        path = tmp / "empty.parquet"
        _table().head(0).to_parquet(path, index=False)
    return path


def assert_clean_failure(res, *needles: str, outputs: tuple[Path, ...] = (), code: int = 2) -> None:
    """Exit `code`, exactly one stderr line naming each needle, no traceback, no outputs.

    The one exception: a policy that leaves columns undecided follows its line with the YAML
    lines to paste under `columns:` (one per column, a column name and `{action: drop}`)."""
    assert res.code == code, (res.code, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    yaml_lines = [ln for ln in lines[1:] if re.match(r'  ".*": \{action: drop\}   # ', ln)]
    lines = lines[:1] + [ln for ln in lines[1:] if ln not in yaml_lines]
    assert len(lines) == 1 and lines[0].strip(), res.stderr
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])
    for out in outputs:
        assert not out.exists(), f"{out} was written"
        leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]
        assert not leftovers, leftovers


# ------------------------------------------------------------------------- malformed input files
BAD_FILES = ["missing", "empty", "binary", "ragged", "header-only", "nested-parquet", "empty-parquet"]
NEEDLES = {
    "missing": "no such file",
    "empty": "empty",
    "binary": "binary",
    "ragged": "malformed",
    "header-only": "no rows",
    "nested-parquet": "'tags' holds nested values",
    "empty-parquet": "no rows",
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_scan_bad_file(cli, tmp_path, kind):
    bad = _write_bad(tmp_path, kind)
    pol = tmp_path / "draft.yaml"
    res = cli("scan", bad, "--write-policy", pol)
    assert_clean_failure(res, bad.name, NEEDLES[kind], outputs=(pol,))


@pytest.mark.parametrize("kind", BAD_FILES)
def test_release_bad_file(cli, tmp_path, kind):
    bad = _write_bad(tmp_path, kind)
    out = tmp_path / "out"
    res = cli("release", bad, "--policy", "k-anonymity", "--out", out)
    assert_clean_failure(res, bad.name, NEEDLES[kind], outputs=(out,))


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("role", ["--original", "--release"])
def test_audit_bad_file(cli, tmp_path, kind, role):
    good = tmp_path / "good.csv"
    _table().to_csv(good, index=False)
    bad = _write_bad(tmp_path, kind)
    files = {"--original": good, "--release": good, role: bad}
    report, js = tmp_path / "r.html", tmp_path / "r.json"
    res = cli("audit", *[a for kv in files.items() for a in kv], "--report", report, "--json", js, "-q")
    assert_clean_failure(res, bad.name, NEEDLES[kind], outputs=(report, js))


# ------------------------------------------------------------------------------- bad policies
_KANON = """name: kanon
unmatched: error
privacy: {{k: {k}, max_suppression: {supp}, quasi_identifiers: [age, zip, sex]}}
columns:
  age: {{action: generalize, hierarchy: {{type: intervals, widths: [10, 20]}}}}
  zip: {{action: generalize, hierarchy: {{type: prefix, lengths: [3, 1]}}}}
  sex: {{action: keep}}
  income: {{action: keep}}
"""

_SYNTH = """name: synth
unmatched: drop
release: {{mode: synthesize, method: mst, epsilon: {eps}, delta: {delta}, rows: 50}}
columns:
  age: {{action: keep{age_domain}}}
  sex: {{action: keep, domain: {{categories: [Female, Male]}}}}
  income: {{action: keep, domain: {{categories: ["<=50K", ">50K"]}}}}
"""
_AGE_DOMAIN = ", domain: {bounds: [17, 90], bins: 8}"


def _kanon(k="3", supp="0.05"):
    return _KANON.format(k=k, supp=supp)


def _synth(eps="1.0", delta="1.0e-9", age_domain=_AGE_DOMAIN):
    return _SYNTH.format(eps=eps, delta=delta, age_domain=age_domain)


POLICY_CASES = {
    # id: (policy text or None for "the file does not exist", needles naming the problem)
    "policy-missing": (None, ["policy.yaml", "no such"]),
    "yaml-syntax": ("name: broken\ncolumns: [age\nrules:\n", ["policy.yaml:"]),
    "unknown-field": ("name: x\nbogus_field: 1\ncolumns: {age: {action: keep}}\n", ["bogus_field"]),
    "wrong-type": ("name: x\nunmatched: keep\nprivacy:\n  k: five\n", ["policy.yaml:4", "k"]),
    "column-not-in-table": (
        "name: x\nunmatched: keep\ncolumns: {nosuch: {action: drop}}\n",
        ["nosuch"],
    ),
    "unmatched-error": (
        "name: x\nunmatched: error\ncolumns: {age: {action: keep}, zip: {action: drop}, sex: {action: keep}}\n",
        ["income"],
    ),
    "k-larger-than-rows": (_kanon(k=str(ROWS + 10)), ["k", str(ROWS + 10)]),
    "k-one": (_kanon(k="1"), ["k"]),
    "max-suppression-above-1": (_kanon(supp="1.5"), ["max_suppression", "1.5"]),
    "epsilon-zero": (_synth(eps="0"), ["epsilon"]),
    "epsilon-negative": (_synth(eps="-1"), ["epsilon"]),
    "delta-one": (_synth(delta="1.0"), ["delta"]),
    "rows-impossible": (_synth().replace("rows: 50", "rows: 1000000000000"), ["disk", "rows"]),
    "epsilon-absurd": (_synth(eps="1.0e+300"), ["epsilon", "1e+300"]),
    "numeric-without-bounds": (_synth(age_domain=", type: integer"), ["age", "bounds"]),
    "column-without-type": (_synth(age_domain=""), ["age", "type:", "dp_schema.types"]),
    "generalize-text-as-intervals": (
        "name: x\nunmatched: keep\ncolumns:\n"
        "  sex: {action: generalize, hierarchy: {type: intervals, widths: [10]}}\n",
        ["sex", "row", "needs numbers"],  # the row, never the cell ("Male")
    ),
    "keyed-pseudonym-without-key": (
        "name: x\nunmatched: keep\ncolumns:\n"
        "  zip: {action: pseudonymize, method: hmac, key_env: PRIVSYNTH_TEST_UNSET_KEY}\n",
        ["PRIVSYNTH_TEST_UNSET_KEY"],
    ),
}


@pytest.fixture
def table_csv(tmp_path) -> Path:
    path = tmp_path / "data.csv"
    _table().to_csv(path, index=False)
    return path


@pytest.mark.parametrize("case", list(POLICY_CASES))
def test_release_bad_policy(cli, tmp_path, table_csv, case):
    text, needles = POLICY_CASES[case]
    pol = tmp_path / "policy.yaml"
    if text is not None:
        pol.write_text(text)
    out = tmp_path / "out"
    res = cli("release", table_csv, "--policy", pol, "--out", out, env={"PRIVSYNTH_TEST_UNSET_KEY": ""})
    assert_clean_failure(res, *needles, outputs=(out,))


def test_release_unknown_builtin_policy(cli, tmp_path, table_csv):
    out = tmp_path / "out"
    res = cli("release", table_csv, "--policy", "no-such-policy", "--out", out)
    assert_clean_failure(res, "no-such-policy", outputs=(out,))


def test_release_key_file_that_does_not_exist(cli, tmp_path, table_csv):
    out = tmp_path / "out"
    pol = tmp_path / "policy.yaml"
    pol.write_text("name: x\nunmatched: keep\ncolumns: {zip: {action: drop}}\n")
    res = cli("release", table_csv, "--policy", pol, "--out", out, "--key-file", tmp_path / "nokey")
    assert_clean_failure(res, "nokey", "key file", outputs=(out,))


def test_release_out_is_a_regular_file(cli, tmp_path, table_csv):
    out = tmp_path / "out"
    out.write_text("precious\n")
    pol = tmp_path / "policy.yaml"
    pol.write_text("name: x\nunmatched: keep\ncolumns: {zip: {action: drop}}\n")
    res = cli("release", table_csv, "--policy", pol, "--out", out)
    assert_clean_failure(res, "out", "not a folder")
    assert out.read_text() == "precious\n"


# ------------------------------------------------------------------------------ output paths
def test_output_paths_that_cannot_be_written(cli, tmp_path, table_csv):
    blocker = tmp_path / "blocker"
    blocker.write_text("precious\n")
    pol = tmp_path / "policy.yaml"
    pol.write_text("name: x\nunmatched: keep\ncolumns: {zip: {action: drop}}\n")
    cases = [
        (("demo", "--out", blocker), ["blocker", "not a folder"]),
        (("scan", table_csv, "--write-policy", tmp_path), [tmp_path.name, "folder"]),
        (("release", table_csv, "--policy", pol, "--out", blocker / "out"), ["blocker", "in the way"]),
        (("audit", "--original", table_csv, "--release", table_csv, "--json", blocker / "r.json"),
         ["blocker", "in the way"]),
    ]
    for args, needles in cases:
        res = cli(*args)
        assert res.code == 2, (args, res.stderr)
        assert res.stderr.strip().splitlines()[-1].startswith("privsynth: error:"), res.stderr
        assert all(n in res.stderr for n in needles), (needles, res.stderr)
        assert "Traceback" not in res.stderr
    assert blocker.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "data.csv", "policy.yaml"]


@pytest.mark.parametrize(
    "args",
    [("release", "{data}", "--policy", "{pol}", "--out", "{out}", "--seed", "-1"),
     ("release", "{data}", "--policy", "{seed_pol}", "--out", "{out}"),
     ("audit", "--original", "{data}", "--release", "{data}", "--json", "{out}", "--n-attacks", "0")],
    ids=["cli-seed", "policy-seed", "n-attacks"],
)
def test_out_of_range_numbers(cli, tmp_path, table_csv, args):
    pol, seed_pol, out = tmp_path / "p.yaml", tmp_path / "s.yaml", tmp_path / "out"
    pol.write_text("name: x\nunmatched: keep\ncolumns: {zip: {action: drop}}\n")
    seed_pol.write_text("name: x\nunmatched: keep\nrelease: {seed: -3}\ncolumns: {zip: {action: drop}}\n")
    names = {"data": table_csv, "pol": pol, "seed_pol": seed_pol, "out": out}
    res = cli(*[a.format(**names) for a in args])
    assert_clean_failure(res, "seed" if "seed" in str(args) else "n-attacks", outputs=(out,))


# ------------------------------------------------------------------------------------ audit
AUDIT_CASES = {
    "mismatched-columns": ("release-other-columns", [], ["column"]),
    "empty-release": ("release-empty", [], ["release-empty.csv"]),
    "unknown-qi": ("release", ["--qi", "age,nosuch"], ["nosuch"]),
    "unknown-secret": ("release", ["--secret", "nosecret"], ["nosecret"]),
}


@pytest.mark.parametrize("case", list(AUDIT_CASES))
def test_audit_bad_input(cli, tmp_path, case):
    rel_name, extra, needles = AUDIT_CASES[case]
    orig = tmp_path / "original.csv"
    _table().to_csv(orig, index=False)
    rel = tmp_path / f"{rel_name}.csv"
    if rel_name == "release-other-columns":
        pd.DataFrame({"colour": ["red", "blue"], "size": [1, 2]}).to_csv(rel, index=False)
    elif rel_name == "release-empty":
        rel.write_text("age,zip,sex,income\n")
    else:
        _table().to_csv(rel, index=False)
    report, js = tmp_path / "r.html", tmp_path / "r.json"
    res = cli("audit", "--original", orig, "--release", rel, *extra, "--report", report, "--json", js, "-q")
    assert_clean_failure(res, *needles, outputs=(report, js))


# ------------------------------------------------------------------------------ CLI usage errors
@pytest.mark.parametrize("command", ["scan", "release", "audit"])
def test_unknown_option(cli, tmp_path, command):
    res = cli(command, "--no-such-option")
    assert_clean_failure(res, "--no-such-option")


def test_missing_required_option(cli, tmp_path, table_csv):
    res = cli("release", table_csv, "--out", tmp_path / "out")
    assert_clean_failure(res, "--policy", outputs=(tmp_path / "out",))


# --------------------------------------------------------------------------------- help + exit 1
def test_help_teaches(cli):
    top = cli("--help")
    assert top.code == 0
    bare = cli()
    assert (bare.code, bare.stderr, bare.stdout.strip()) == (0, "", top.stdout.strip())
    for command in ("scan", "release", "audit", "demo"):
        assert command in top.stdout
    for command in ("scan", "release", "audit", "demo"):
        res = cli(command, "--help")
        assert res.code == 0, res.stderr
        assert re.search(rf"privsynth {command}\b", res.stdout), res.stdout  # a usage example


def test_failed_audit_threshold_exits_1(cli, tmp_path):
    # Releasing the original table as-is: every row is unique on its quasi-identifiers.
    orig = tmp_path / "original.csv"
    df = _table()
    df["age"] = range(len(df))
    df.to_csv(orig, index=False)
    js = tmp_path / "r.json"
    res = cli("audit", "--original", orig, "--release", orig, "--qi", "age,zip", "--json", js, "-q")
    assert res.code == 1, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert js.exists()
