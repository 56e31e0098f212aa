"""Hostile input and outputs through the command line (issue 14, every case of its text).

Most cases run `privsynth ...` in-process (typer's CliRunner isolation around `cli.main`, as
the console script runs it); the ones about processes (signals, start-up, the real console
entry) run it in a subprocess. Property-based tests feed generated hostile tables, policies
and file names through scan, release and audit. Each test fails if its guarantee regresses:
exit 2 with one error line (never 70, never a traceback), no cell value on stderr, no input
overwritten, no folder of the user's deleted or merged into, no formula cell in a CSV, no
terminal control character printed raw.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from privsynth.cli import main
from privsynth.io.atomic import OUTPUT_MARKER, is_privsynth_output
from privsynth.io.safety import FORMULA_SIGNS

REPO = Path(__file__).resolve().parents[1]
GOOD_KEY = "f3a91c07d25e4b86a0c9e17d3b5f2a48"
KEEP_ALL = "name: keep-all\nunmatched: keep\n"
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# What a terminal acts on: C0/C1 controls (ESC, BEL, CR...), DEL, bidirectional overrides.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULAS = ["=cmd|' /C calc'!A0", "+1-804-555-0100", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1",
            "\uff1d1+1", "=HYPERLINK(\"http://x\")"]  # fmt: skip
# (pandas writes a lone CR unquoted, which every reader takes for a line break: not for tables
# that must read back)
CELL_FORMULAS = [f for f in FORMULAS if "\r" not in f]
HOSTILE_NAMES = ["income[/]", "[bold]x[/bold]", "\x1b[31mred\x1b[0m", "\x1b]8;;http://e/\x07a",
                 "\u202eevil", "$\\bogus{x}$", "=1+1", "bell\x07", "a\rb", "ü名😀", "[/]"]  # fmt: skip


# ------------------------------------------------------------------------------------ helpers
@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def invoke(*args: object, env: dict[str, str] | None = None) -> Result:
    """`privsynth ARGS` in this process, as the console script runs it (`cli.main`)."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        code = main([str(a) for a in args])
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, out.getvalue().decode("utf-8", "replace"),
                      err.getvalue().decode("utf-8", "replace"))  # fmt: skip


def subprocess_cli(*args: object, cwd: Path, env: dict[str, str] | None = None,
                   timeout: float = 600) -> Result:  # fmt: skip
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full.pop("PRIVSYNTH_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "privsynth", *map(str, args)], cwd=cwd,
                          env=full, capture_output=True, timeout=timeout)  # fmt: skip
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))  # fmt: skip


def one_error(res: Result, *needles: str) -> str:
    """Exit 2, no traceback, exactly one error line (the last; an `engine:` line may come
    before it when the engine was chosen; a refusal of columns no policy rule decides follows
    it with the YAML lines to add, one per column), naming every needle. Returns the line."""
    assert res.code == 2, (res.code, res.stdout[-500:], res.stderr[-1500:])
    assert "Traceback" not in res.stderr
    lines = res.stderr.rstrip().splitlines()
    errors = [ln for ln in lines if ln.startswith("privsynth: error: ")]
    assert len(errors) == 1, res.stderr
    after = lines[lines.index(errors[0]) + 1 :]
    assert all(ln.startswith('  "') and ": {action: " in ln for ln in after), res.stderr
    before = lines[: lines.index(errors[0])]
    assert all(ln.startswith("engine: ") for ln in before), res.stderr
    for needle in needles:
        assert needle.lower() in errors[0].lower(), (needle, errors[0])
    assert not RAW_CONTROL.search(res.stderr), res.stderr
    return errors[0]


def no_crash(res: Result) -> None:
    """Whatever the verdict: never an internal error, a traceback or raw control characters."""
    assert res.code in (0, 1, 2), (res.code, res.stderr[-2000:])
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    if res.code == 2:
        one_error(res)
    assert not RAW_CONTROL.search(res.stderr), res.stderr
    assert not RAW_CONTROL.search(res.stdout.replace("\t", "")), res.stdout


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def dangerous_cells(path: Path) -> list[str]:
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return [c for row in rows for c in row
            if c and c[0] in FORMULA_SIGNS and not PLAIN_NUMBER.fullmatch(c)]  # fmt: skip


def no_temporaries(folder: Path) -> None:
    left = [p.name for p in folder.rglob(".*") if ".tmp-" in p.name or ".old-" in p.name]
    assert not left, left


def people(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [20 + (i * 7) % 50 for i in range(n)],
            "sex": ["Female" if i % 3 else "Male" for i in range(n)],
            "zip": [f"{10000 + (i * 37) % 9 * 1111}" for i in range(n)],
            "phone": [CELL_FORMULAS[i % len(CELL_FORMULAS)] + f"-{i}" for i in range(n)],
        }
    )


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRIVSYNTH_DEBUG", raising=False)
    monkeypatch.delenv("PRIVSYNTH_KEY", raising=False)
    people().to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "keep.yaml").write_text(KEEP_ALL)
    return tmp_path


# ============================================================================ output folders
def test_a_later_release_never_keeps_a_stale_synthetic_readme(work):
    """dp-synthetic, then a pseudonymised release into the same folder: refused without
    --overwrite; with it, the folder is replaced whole (no README saying 'synthetic')."""
    pol = work / "syn.yaml"
    pol.write_text(
        "name: syn\nunmatched: drop\nrelease: {mode: synthesize, method: mst, epsilon: 20.0, "
        "delta: 1.0e-9}\ncolumns:\n  sex: {action: keep, domain: {categories: [Female, Male]}}\n"
        "  age: {action: keep, domain: {bounds: [17, 90], bins: 8}}\n"
    )
    assert invoke("release", "t.csv", "-p", pol, "-o", "out", "--seed", 1).code == 0
    assert (work / "out" / "README.md").exists()
    before = digests(work / "out")
    one_error(invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out"), "not empty", "--overwrite")
    assert digests(work / "out") == before
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--overwrite").code == 0
    names = sorted(p.name for p in (work / "out").iterdir())
    assert names == [OUTPUT_MARKER, "manifest.json", "release.csv"]
    no_temporaries(work)


def test_a_parquet_and_a_csv_release_never_coexist(work):
    people().to_parquet(work / "t.parquet", index=False)
    assert invoke("release", "t.parquet", "-p", "keep.yaml", "-o", "out").code == 0
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--overwrite").code == 0
    assert not (work / "out" / "release.parquet").exists()
    assert (work / "out" / "release.csv").exists()


@pytest.mark.parametrize("out", [".", "..", "./", "/"])
def test_out_dot_and_its_parents_are_refused(work, out):
    before = digests(work)
    one_error(invoke("release", "t.csv", "-p", "keep.yaml", "-o", out, "--overwrite"), "current folder")
    assert digests(work) == before


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_named_like_an_output_is_never_deleted(work, overwrite):
    """The user's `out/release.csv/` folder (or any folder of theirs as --out) survives."""
    mine = work / "out" / "release.csv"
    mine.mkdir(parents=True)
    (mine / "thesis.docx").write_text("years of work")
    args = ["release", "t.csv", "-p", "keep.yaml", "-o", "out"] + (["--overwrite"] if overwrite else [])
    one_error(invoke(*args), "did not write" if overwrite else "not empty")
    assert (mine / "thesis.docx").read_text() == "years of work"
    assert not is_privsynth_output(work / "out")
    no_temporaries(work)


def test_a_file_the_user_added_to_a_release_folder_is_never_deleted(work):
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out").code == 0
    (work / "out" / "my-notes.txt").write_text("mine")
    one_error(invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--overwrite"), "did not write")
    assert (work / "out" / "my-notes.txt").read_text() == "mine"


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_release_never_writes_over_its_input(work, engine):
    """`release D/release.csv -o D`: the input is inside the output folder."""
    (work / "D").mkdir()
    people().to_csv(work / "D" / "release.csv", index=False)
    before = digests(work / "D")
    for extra in ([], ["--overwrite"]):
        line = one_error(invoke("release", "D/release.csv", "-p", "keep.yaml", "-o", "D",
                                "--engine", engine, *extra), "holds the input")  # fmt: skip
        assert "nothing was written" in line
    assert digests(work / "D") == before
    # the policy file and the key file are inputs too
    (work / "P").mkdir()
    (work / "P" / "p.yaml").write_text(KEEP_ALL)
    one_error(invoke("release", "t.csv", "-p", "P/p.yaml", "-o", "P", "--overwrite"), "holds the input")
    assert (work / "P" / "p.yaml").read_text() == KEEP_ALL


@pytest.mark.parametrize("target", ["t.csv", "./t.csv", "hard.yaml", "link.yaml"])
def test_scan_never_writes_its_policy_over_its_input(work, target):
    os.link(work / "t.csv", work / "hard.yaml")
    (work / "link.yaml").symlink_to(work / "t.csv")
    before = digests(work)
    one_error(invoke("scan", "t.csv", "--write-policy", target), "would overwrite the input")
    assert digests(work) == before


@pytest.mark.parametrize(
    "outputs",
    [["--json", "t.csv"], ["--report", "r.csv"], ["--json", "./r.csv"], ["--json", "keep.yaml"],
     ["--report", "a.html", "--json", "a.html"]],
)  # fmt: skip
def test_audit_never_writes_a_report_over_an_input(work, outputs):
    people().sample(frac=1, random_state=0).to_csv(work / "r.csv", index=False)
    before = digests(work)
    one_error(invoke("audit", "--original", "t.csv", "--release", "r.csv", "--policy",
                     "keep.yaml", *outputs), "would overwrite")  # fmt: skip
    assert digests(work) == before


def test_keygen_never_replaces_a_file(work):
    (work / "link.key").symlink_to(work / "t.csv")
    before = digests(work)
    one_error(invoke("keygen", "t.csv"), "exists")
    one_error(invoke("keygen", "link.key"), "exists")
    assert digests(work) == before


def test_sigterm_during_a_release_leaves_no_partial_output(tmp_path):
    """Whenever SIGTERM lands, the run ends with nothing half-written: no hidden temporary,
    and the output folder either absent or complete."""
    big = pd.concat([people(2000)] * 10, ignore_index=True)
    big.to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "keep.yaml").write_text(KEEP_ALL)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for delay in (1.5, 3.0, 5.0):
        out = tmp_path / f"out{delay}"
        proc = subprocess.Popen([sys.executable, "-m", "privsynth", "release", "t.csv", "-p",
                                 "keep.yaml", "-o", out.name], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        assert b"Traceback" not in err
        no_temporaries(tmp_path)
        assert proc.returncode in (0, 143, -signal.SIGTERM), proc.returncode
        if out.exists():  # published before the signal (which may then end the process)
            assert is_privsynth_output(out) and (out / "manifest.json").is_file()
            assert len(pd.read_csv(out / "release.csv")) == len(big)
        else:
            assert proc.returncode != 0


@pytest.mark.parametrize("out", ["/proc/privsynth-x", "/sys/privsynth-x", "/proc/self/x/y"])
def test_an_unwritable_out_is_one_line(work, out):
    one_error(invoke("release", "t.csv", "-p", "keep.yaml", "-o", out), "cannot")


def test_an_out_folder_on_another_file_system_is_filled(work, monkeypatch):
    """An existing (empty) --out that is a mount point: renames into it fail with EXDEV, the
    files are copied instead; replacing a previous release there clears it in place."""
    import privsynth.io.atomic as atomic

    real_replace, real_rename = os.replace, os.rename
    out = (work / "mnt").resolve()
    out.mkdir()

    def cross(src, dst, *a, **k):
        if Path(dst).resolve().parent == out or Path(src).resolve() == out:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst, *a, **k)

    def cross_rename(src, dst, *a, **k):
        if Path(src).resolve() == out:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, *a, **k)

    monkeypatch.setattr(atomic.os, "replace", cross)
    monkeypatch.setattr(atomic.os, "rename", cross_rename)
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "mnt").code == 0
    assert is_privsynth_output(out) and (out / "release.csv").is_file()
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "mnt", "--overwrite").code == 0
    assert is_privsynth_output(out)
    no_temporaries(work)


# ============================================================================ formula cells
@pytest.mark.parametrize("policy", ["keep.yaml", "hipaa-safe-harbor", "gdpr-pseudonymise",
                                    "k-anonymity-generic"])  # fmt: skip
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_every_policy_writes_no_formula_cell(work, policy, engine):
    df = people(120)
    df["name"] = [f"{CELL_FORMULAS[i % len(CELL_FORMULAS)]} Doe {i % 4}" for i in range(len(df))]
    df["=header"] = ["@x"] * len(df)
    df.to_csv(work / "t.csv", index=False)
    res = invoke("release", "t.csv", "-p", policy, "-o", "out", "--engine", engine,
                 env={"PRIVSYNTH_KEY": GOOD_KEY})  # fmt: skip
    no_crash(res)
    if res.code == 2:  # a policy may refuse this table (e.g. no quasi-identifier): fine
        return
    assert dangerous_cells(work / "out" / "release.csv") == []
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    assert manifest["output"]["formulas_quoted"] is True


def test_dp_synthetic_output_has_no_formula_cell(work):
    """Public categories (here formula-looking ones) reach the synthetic table: quoted."""
    df = pd.DataFrame({"code": ["=A1", "+B2", "@C3", "-D4"] * 15, "n": list(range(60))})
    df.to_csv(work / "t.csv", index=False)
    (work / "syn.yaml").write_text(
        "name: syn\nunmatched: drop\nrelease: {mode: synthesize, method: mst, epsilon: 20.0, "
        "delta: 1.0e-9}\ncolumns:\n  code: {action: keep, domain: {categories: ['=A1', '+B2', "
        "'@C3', '-D4']}}\n"
    )
    assert invoke("release", "t.csv", "-p", "syn.yaml", "-o", "out", "--seed", 3).code == 0
    rows = list(csv.reader(io.StringIO((work / "out" / "release.csv").read_text(), newline="")))
    cells = [r[0] for r in rows[1:] if r and r[0]]
    assert cells and dangerous_cells(work / "out" / "release.csv") == []
    assert {c.lstrip("'") for c in cells} <= {"=A1", "+B2", "@C3", "-D4", "other"}
    assert {c for c in cells if c.lstrip("'") != "other"} <= {"'=A1", "'+B2", "'@C3", "'-D4"}


def test_no_formula_quoting_is_a_documented_switch(work):
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--no-formula-quoting").code == 0
    rows = list(csv.reader(io.StringIO((work / "out" / "release.csv").read_text(), newline="")))
    phone = rows[0].index("phone")
    # raw (the reader strips blanks around text cells, as for every table)
    assert [r[phone] for r in rows[1:]] == people()["phone"].str.strip().tolist()
    assert json.loads((work / "out" / "manifest.json").read_text())["output"]["formulas_quoted"] is False
    assert "--no-formula-quoting" in invoke("release", "--help", env={"COLUMNS": "200"}).stdout


@pytest.mark.parametrize("quoting", ["--formula-quoting", "--no-formula-quoting"])
def test_the_audit_compares_the_exact_text_of_a_quoted_release(work, quoting):
    """The audit undoes privsynth's quotes (`'+1-804...` is the original `+1-804...`): a
    release identical to its original has TVD 0, whichever way it was written."""
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", quoting).code == 0
    res = invoke("audit", "--original", "t.csv", "--release", "out/release.csv", "--json",
                 "a.json", "--qi", "age,sex", "--quiet")  # fmt: skip
    assert res.code in (0, 1), res.stderr
    report = json.loads((work / "a.json").read_text())
    assert report["utility"]["tvd"]["1way"]["max"] == 0.0


# ============================================================================ literal paths
@pytest.mark.parametrize(("name", "decoy"), [("t[1].csv", "t1.csv"), ("p*.csv", "pq.csv"),
                                              ("q?.csv", "qx.csv")])  # fmt: skip
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_glob_characters_in_a_path_read_that_file_only(work, name, decoy, engine):
    people(30).to_csv(work / name, index=False)
    people(500).to_csv(work / decoy, index=False)
    res = invoke("release", name, "-p", "keep.yaml", "-o", "out", "--engine", engine)
    assert res.code == 0, res.stderr
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    assert manifest["output"]["rows"] == 30


# ============================================================================ keys
@pytest.mark.parametrize("key", [b"\x00" * 16, b"password12345678", b"aaaaaaaaaaaaaaaaaaaa",
                                 b"0101010101010101", b"1234567890123456"])  # fmt: skip
@pytest.mark.parametrize("where", ["env", "file"])
def test_weak_keys_are_refused_on_the_command_line(work, key, where):
    (work / "p.yaml").write_text(
        "name: p\nunmatched: keep\ncolumns:\n  zip: {action: pseudonymize, method: hmac}\n"
    )
    (work / "k.key").write_bytes(key)
    args = ["release", "t.csv", "-p", "p.yaml", "-o", "out"]
    if where == "file":
        res = invoke(*args, "--key-file", "k.key")
    else:
        res = invoke(*args, env={"PRIVSYNTH_KEY": key.decode("latin-1").replace("\x00", "\x01")})
    line = one_error(res, "key")
    assert key.decode("latin-1") not in line and not (work / "out").exists()


def test_keygen_writes_a_private_strong_key_that_releases_use(work):
    res = invoke("keygen", "secret.key")
    assert res.code == 0, res.stderr
    path = work / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key) and key not in res.stdout + res.stderr
    assert "--key-file" in res.stdout and "PRIVSYNTH_KEY" in res.stdout
    (work / "p.yaml").write_text(
        "name: p\nunmatched: keep\ncolumns:\n  zip: {action: pseudonymize, method: hmac}\n"
    )
    assert invoke("release", "t.csv", "-p", "p.yaml", "-o", "a", "--key-file", "secret.key").code == 0
    assert invoke("release", "t.csv", "-p", "p.yaml", "-o", "b", env={"PRIVSYNTH_KEY": key}).code == 0
    a, b = (pd.read_csv(work / d / "release.csv", dtype=str) for d in ("a", "b"))
    assert a["zip"].tolist() == b["zip"].tolist()  # the same key either way
    assert not set(a["zip"]) & set(people()["zip"])
    assert invoke("keygen", "keys/new/other.key").code == 0  # its folder is made, 0700
    assert stat.S_IMODE((work / "keys" / "new").stat().st_mode) == 0o700
    assert (work / "keys" / "new" / "other.key").read_text() != path.read_text()


def test_faker_pseudonyms_never_equal_the_real_value_on_the_command_line(work):
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(3)
    names = [fake.name() for _ in range(500)]
    pd.DataFrame({"name": names, "n": range(500)}).to_csv(work / "n.csv", index=False)
    (work / "p.yaml").write_text(
        "name: p\nunmatched: keep\ncolumns:\n  name: {action: pseudonymize, method: faker}\n"
    )
    res = invoke("release", "n.csv", "-p", "p.yaml", "-o", "out", env={"PRIVSYNTH_KEY": GOOD_KEY})
    assert res.code == 0, res.stderr
    out = pd.read_csv(work / "out" / "release.csv")
    assert (out["name"].to_numpy() != np.asarray(names)).all()


# ============================================================================ values in stderr
def test_a_streamed_value_off_the_sampled_type_is_named_by_row(work):
    """DuckDB samples 20,000 rows for types; a text value later in an integer column is
    refused naming its row, never quoting it."""
    n = 60_000
    ids = [str(i) for i in range(n)]
    ids[n - 10] = "Jane Doe SSN 078-05-1120"
    pd.DataFrame({"id": ids, "x": ["a", "b"] * (n // 2)}).to_csv(work / "big.csv", index=False)
    res = invoke("release", "big.csv", "-p", "keep.yaml", "-o", "out", "--engine", "duckdb")
    if res.code == 0:  # the sample happened to include it: the column is text, nothing to refuse
        return
    line = one_error(res)
    assert "Jane" not in res.stderr and "078-05" not in res.stderr
    assert f"row {n - 9:,}" in line


def test_scan_hides_exact_ranges_unless_asked(work):
    df = pd.DataFrame({"salary": [31_337 + 17 * i for i in range(50)], "grp": ["a", "b"] * 25})
    df.to_csv(work / "s.csv", index=False)
    hidden = invoke("scan", "s.csv", "--json")
    shown = invoke("scan", "s.csv", "--json", "--show-values")
    assert hidden.code == shown.code == 0
    assert "31337" not in hidden.stdout and "31,337" not in hidden.stdout
    assert "31337" in shown.stdout or "31,337" in shown.stdout


def test_an_internal_error_says_its_type_never_its_message(work, monkeypatch):
    import privsynth.commands.scan as scan_cmd

    def boom(*a, **k):
        raise RuntimeError("value 'Jane Doe SSN 078-05-1120' broke it")

    monkeypatch.setattr(scan_cmd, "scan", boom)
    res = invoke("scan", "t.csv")
    assert res.code == 70
    assert "RuntimeError" in res.stderr and "Jane" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


# ============================================================================ YAML and policies
def test_an_alias_bomb_policy_is_refused_fast(work):
    rows = ["a: &a [x,x,x,x,x,x,x,x,x]"] + [
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    (work / "bomb.yaml").write_text("\n".join(rows) + "\nname: bomb\n")
    start = time.perf_counter()
    one_error(invoke("release", "t.csv", "-p", "bomb.yaml", "-o", "out"), "alias")
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("policy", ["/dev/zero", "/dev/urandom", "/proc/self/environ"])
def test_a_device_as_policy_is_one_line(work, policy):
    one_error(invoke("release", "t.csv", "-p", policy, "-o", "out"))


# ============================================================================ former exit 70s
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_column_names_print_literally(work, name):
    """Rich markup, terminal escapes, bidi overrides, mathtext: never parsed, never sent raw."""
    df = pd.DataFrame({name: ["a", "b", "c"] * 10, "n": range(30)})
    df.to_csv(work / "h.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)  # a CR inside: quoted
    res = invoke("scan", "h.csv")
    no_crash(res)
    assert res.code == 0
    if name.isprintable():
        assert name in res.stdout.replace("\n", "")  # shown as written (rich wraps long cells)
    res = invoke("release", "h.csv", "-p", "keep.yaml", "-o", "out")
    no_crash(res)
    res = invoke("audit", "--original", "h.csv", "--release", "out/release.csv", "--report",
                 "a.html", "--json", "a.json", "--qi", "n")  # fmt: skip
    no_crash(res)
    assert res.code in (0, 1)


def test_a_mathtext_category_does_not_break_the_report(work):
    df = pd.DataFrame({"c": ["$\\bogus{x}$", "$x^$", "a$b"] * 20, "n": list(range(60))})
    df.to_csv(work / "m.csv", index=False)
    res = invoke("audit", "--original", "m.csv", "--release", "m.csv", "--report", "a.html",
                 "--qi", "n", "--quiet")  # fmt: skip
    assert res.code in (0, 1), res.stderr
    assert (work / "a.html").stat().st_size > 0


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_cell_over_128_kib_and_cr_line_endings_are_read(work, engine):
    text = "note,n\r" + "\r".join(f"{'x' * (140_000 if i == 3 else 5)},{i}" for i in range(10)) + "\r"
    (work / "cr.csv").write_text(text)
    res = invoke("scan", "cr.csv", "--engine", engine, "--json")
    no_crash(res)
    assert res.code == 0
    assert [c["name"] for c in json.loads(res.stdout)["columns"]] == ["note", "n"]


def test_nested_parquet_on_duckdb_is_one_line(work):
    pd.DataFrame({"a": [1, 2], "tags": [[1, 2], [3]]}).to_parquet(work / "n.parquet")
    one_error(invoke("scan", "n.parquet", "--engine", "duckdb"), "nested")
    one_error(invoke("release", "n.parquet", "-p", "keep.yaml", "-o", "out", "--engine", "duckdb"))


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"\x00\x01\x02\x89PNG", "binary"), (b"\xff\xfe\x00x", "binary"), (b"{", "not valid JSON"),
     (b"[1, 2]", "JSON object"), (b'{"columns": 5}', "no list of columns"),
     (b'{"columns": [1]}', "not objects"), (b"\xe9t\xe9", "not UTF-8")],
)  # fmt: skip
def test_a_bad_scan_file_is_one_line(work, content, needle):
    (work / "s.json").write_bytes(content)
    res = invoke("audit", "--original", "t.csv", "--release", "t.csv", "--scan", "s.json",
                 "--json", "a.json")  # fmt: skip
    one_error(res, needle)
    assert not (work / "a.json").exists()


@pytest.mark.parametrize("content", [b"[]", b'{"ledger": 5, "privacy": 3}', b"\x00", b"nope"])
def test_a_bad_manifest_file_never_crashes(work, content):
    (work / "m.json").write_bytes(content)
    res = invoke("audit", "--original", "t.csv", "--release", "t.csv", "--manifest", "m.json",
                 "--json", "a.json", "--qi", "age")  # fmt: skip
    no_crash(res)


@pytest.mark.parametrize("seed", [2**32, 2**40, 2**64, -1])
def test_seeds_beyond_32_bits_are_one_line(work, seed):
    one_error(invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--seed", seed), "seed")
    one_error(invoke("audit", "--original", "t.csv", "--release", "t.csv", "--json", "a.json",
                     "--seed", seed), "seed")  # fmt: skip


def test_the_largest_seed_is_accepted(work):
    assert invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--seed", 2**32 - 1).code == 0


@pytest.mark.parametrize("var", ["PRIVSYNTH_CHUNK_ROWS", "PRIVSYNTH_AUTO_DUCKDB_BYTES"])
@pytest.mark.parametrize("value", ["lots", "-5", "1e9", "\x1b[31m9"])
def test_malformed_environment_variables_are_one_line(work, var, value):
    res = invoke("release", "t.csv", "-p", "keep.yaml", "-o", "out", "--engine",
                 "duckdb" if var == "PRIVSYNTH_CHUNK_ROWS" else "auto", env={var: value})  # fmt: skip
    one_error(res, var)


def test_ctrl_c_while_the_cli_is_imported_is_exit_130(tmp_path):
    """A KeyboardInterrupt raised while `privsynth.cli` (typer, then the command) is being
    imported, simulated exactly where it hurts."""
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def imp(name, *a, **k):\n"
        "    if name == 'privsynth.cli':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = imp\n"
        "sys.argv = ['privsynth', 'scan', 'x.csv']\n"
        "from privsynth.__main__ import run\n"
        "run()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 130
    assert proc.stderr.strip() == "privsynth: interrupted"


def _loaded(pid: int, needle: str) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize("extra", [0.0, 0.05, 0.3])
def test_sigint_during_start_up_is_exit_130_without_a_traceback(tmp_path, extra):
    """SIGINT once Python runs privsynth's entry point (numpy's extension is loading: the CLI's
    imports are under way), at a few moments after that: exit 130, one line."""
    people().to_csv(tmp_path / "t.csv", index=False)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "privsynth", "scan", "t.csv"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while not _loaded(proc.pid, "numpy") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(extra)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert proc.returncode == 130, (proc.returncode, text)
    assert text.strip().splitlines()[-1] == "privsynth: interrupted"


def test_a_closed_stdout_ends_quietly(tmp_path):
    people().to_csv(tmp_path / "t.csv", index=False)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "privsynth", "scan", "t.csv", "--json"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    proc.stdout.close()  # the reader went away (`privsynth scan x --json | head -0`)
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_escape_sequences_in_paths_and_names_never_reach_the_terminal(work):
    name = "\x1b[2J\x1b]0;pwned\x07.csv"
    people().rename(columns={"sex": "\x1b[31msex"}).to_csv(work / name, index=False)
    for res in (invoke("scan", name), invoke("scan", name, "--json"),
                invoke("release", name, "-p", "keep.yaml", "-o", "o\x1b[1m"),
                invoke("scan", "missing\x1b[31m.csv")):  # fmt: skip
        no_crash(res)
        assert "\x1b" not in res.stdout + res.stderr
    assert "\\x1b[31msex" in invoke("scan", name).stdout


# ============================================================================ encodings, numbers
@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_latin1_byte_after_the_head_is_one_line_with_its_offset(work, engine):
    head = "a,b\n" + "".join(f"{i},x\n" for i in range(40_000))
    (work / "e.csv").write_bytes(head.encode() + b"99,caf\xe9\n")
    for args in (["scan", "e.csv"], ["release", "e.csv", "-p", "keep.yaml", "-o", "out"]):
        line = one_error(invoke(*args, "--engine", engine), "not valid UTF-8 at byte", "line")
        assert "caf" not in line


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_a_30_digit_id_is_released_exactly(work, engine):
    ids = [str(123456789012345678901234567890 + i) for i in range(30)]
    pd.DataFrame({"id": ids, "g": ["a", "b"] * 15}).to_csv(work / "i.csv", index=False)
    assert invoke("release", "i.csv", "-p", "keep.yaml", "-o", "out", "--engine", engine).code == 0
    back = pd.read_csv(work / "out" / "release.csv", dtype=str)
    assert back["id"].tolist() == ids


def test_a_table_too_wide_for_aim_is_refused_quickly(work):
    wide = pd.DataFrame({f"c{i}": ["a", "b"] * 10 for i in range(40)})
    wide.to_csv(work / "w.csv", index=False)
    cols = "".join(f"  c{i}: {{action: keep, domain: {{categories: [a, b]}}}}\n" for i in range(40))
    (work / "w.yaml").write_text(
        "name: w\nunmatched: drop\nrelease: {mode: synthesize, method: aim, epsilon: 1.0, "
        "delta: 1.0e-9}\ncolumns:\n" + cols
    )
    start = time.perf_counter()
    one_error(invoke("release", "w.csv", "-p", "w.yaml", "-o", "out"), "columns")
    assert time.perf_counter() - start < 60
    assert not (work / "out").exists()


# ============================================================================ property-based
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
_NAME = st.one_of(st.sampled_from(HOSTILE_NAMES + ["a", "b", "=x", "-", "@"]), _TEXT)
_PAYLOAD = st.one_of(st.sampled_from(FORMULAS + ["[/]", "$\\bogus{x}$", "\x1b[31m", "\u202e",
                                                 "'=x", "''@y", "-5", "1e400"]), _TEXT)  # fmt: skip


@st.composite
def hostile_tables(draw) -> tuple[pd.DataFrame, list[str]]:
    """A table of hostile names and cells; every text cell carries a unique marker, so a
    marker on stderr is a leaked cell value."""
    n_cols = draw(st.integers(1, 4))
    names: list[str] = []
    for i in range(n_cols):
        name = draw(_NAME).replace("\x00", "") or f"c{i}"
        # the CSV reader strips blanks around a header and reads a header of only digits as a
        # number; keep the names the table has distinguishable after a round trip
        name = f"{name.strip() or 'c'}_{i}"
        names.append(name)
    rows = draw(st.integers(1, 25))
    markers: list[str] = []
    data = {}
    for j, name in enumerate(names):
        if draw(st.booleans()):
            data[name] = draw(st.lists(st.integers(-10**6, 10**6), min_size=rows, max_size=rows))
            continue
        cells = []
        for i in range(rows):
            marker = f"ZQX{j:02d}{i:04d}"
            markers.append(marker)
            cells.append(draw(_PAYLOAD).replace("\x00", "") + marker)
        data[name] = cells
    return pd.DataFrame(data, columns=names), markers


def _check_run(res: Result, markers: list[str]) -> None:
    event(f"exit {res.code}")  # pytest --hypothesis-show-statistics: how many runs succeeded
    event(re.sub(r"ZQX\d+|\x27[^\x27]*\x27", "?", res.stderr.strip()[-90:]))
    no_crash(res)
    leaked = [m for m in markers if m in res.stderr]
    assert not leaked, (leaked, res.stderr)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=hostile_tables(), engine=st.sampled_from(["memory", "duckdb"]),
       quoting=st.booleans(), sep=st.sampled_from([",", ";", "\t"]),
       csv_quoting=st.sampled_from([csv.QUOTE_NONNUMERIC, csv.QUOTE_ALL, csv.QUOTE_MINIMAL]))  # fmt: skip
def test_generated_hostile_tables_through_release_and_audit(tmp_path_factory, table, engine,
                                                            quoting, sep, csv_quoting):  # fmt: skip
    df, markers = table
    work = tmp_path_factory.mktemp("gen")
    path = work / "g.csv"
    # (minimal quoting leaves a lone CR unquoted: such a file is malformed, refused in one line)
    df.to_csv(path, index=False, sep=sep, quoting=csv_quoting)
    (work / "keep.yaml").write_text(KEEP_ALL)
    before = digests(work)
    out = work / "out"
    args = ["release", path, "-p", work / "keep.yaml", "-o", out, "--engine", engine]
    res = invoke(*args, *([] if quoting else ["--no-formula-quoting"]))
    _check_run(res, markers)
    assert digests(work) == before or res.code == 0  # inputs untouched
    assert {k: v for k, v in digests(work).items() if not k.startswith("out")} == before
    no_temporaries(work)
    if res.code != 0:
        assert not out.exists()
        return
    if quoting:
        assert dangerous_cells(out / "release.csv") == []
    res = invoke("audit", "--original", path, "--release", out / "release.csv", "--json",
                 work / "a.json", "--quiet", "--n-attacks", 10)  # fmt: skip
    _check_run(res, markers)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=hostile_tables(), engine=st.sampled_from(["memory", "duckdb"]))
def test_generated_hostile_tables_through_scan(tmp_path_factory, table, engine):
    df, markers = table
    work = tmp_path_factory.mktemp("scan")
    df.to_csv(work / "g.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    res = invoke("scan", work / "g.csv", "--engine", engine, "--write-policy", work / "p.yaml")
    _check_run(res, markers)
    if res.code == 0:  # the drafted policy is a valid policy for this very table
        res = invoke("release", work / "g.csv", "-p", work / "p.yaml", "-o", work / "out",
                     env={"PRIVSYNTH_KEY": GOOD_KEY})  # fmt: skip
        _check_run(res, markers)


_PATH_CHARS = st.sampled_from(list("ab[]*?{},'~ -$;ü\\") + ["\x1b", "\n", "名"])


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(stem=st.text(_PATH_CHARS, min_size=1, max_size=10),
       suffix=st.sampled_from([".csv", ".parquet", ""]), engine=st.sampled_from(["memory", "duckdb"]))  # fmt: skip
def test_generated_hostile_paths_read_exactly_that_file(tmp_path_factory, stem, suffix, engine):
    """Any file name: the named file is read (never a glob's decoy), or refused in one line."""
    work = tmp_path_factory.mktemp("path")
    name = stem + suffix
    if name in (".", "..") or "/" in name:
        return
    path = work / name
    df = people(7)
    if suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    decoy = re.sub(r"[\[\]*?{}]", "", stem) + suffix
    if decoy and decoy != name and decoy not in (".", ".."):
        pd.concat([df] * 5).to_csv(work / decoy, index=False)
    (work / "keep.yaml").write_text(KEEP_ALL)
    res = invoke("release", path, "-p", work / "keep.yaml", "-o", work / "out", "--engine", engine)
    event(f"exit {res.code}")
    no_crash(res)
    if res.code == 0:
        assert json.loads((work / "out" / "manifest.json").read_text())["output"]["rows"] == 7


_YAML_BITS = st.sampled_from(["name: p\n", "unmatched: keep\n", "unmatched: error\n",
                              "columns:\n", "  age: {action: drop}\n", "  sex: &a {action: keep}\n",
                              "  zip: *a\n", "release: {mode: synthesize, epsilon: 1}\n",
                              "privacy: {k: 2, quasi_identifiers: [age]}\n", "  - x\n", "[\n",
                              "rules:\n  - match: {name: '(a'}\n    action: drop\n",
                              "  phone: {action: generalize, hierarchy: {type: intervals, "
                              "bounds: [5, 1]}}\n", "\t", "%YAML 1.1\n---\n", "!!python/object:os.system\n",
                              "release: {mode: synthesize, rows: 1000000000000000}\n"])  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(bits=st.lists(_YAML_BITS, min_size=1, max_size=8))
def test_generated_policies_are_applied_or_refused_in_one_line(tmp_path_factory, bits):
    work = tmp_path_factory.mktemp("pol")
    people(40).to_csv(work / "t.csv", index=False)
    (work / "p.yaml").write_text("".join(bits))
    res = invoke("release", work / "t.csv", "-p", work / "p.yaml", "-o", work / "out",
                 env={"PRIVSYNTH_KEY": GOOD_KEY})  # fmt: skip
    event(f"exit {res.code}")
    no_crash(res)
    assert res.code in (0, 2)
    assert (work / "out").exists() == (res.code == 0)
