"""Hostile cases for outputs (issue 14, API level): spreadsheet formulas in CSV cells, folders
in the way of an output, SIGTERM during a write.

Each test fails if its guarantee regresses; the CLI-level cases (--overwrite, writing over an
input) live with the commands.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError
from privsynth.io import TableWriter, atomic_dir, atomic_file, write_table
from privsynth.io.atomic import (
    OUTPUT_MARKER,
    check_not_input,
    check_output_dir,
    is_privsynth_output,
    mark_output,
)
from privsynth.io.safety import (
    FORMULA_SIGNS,
    neutralize_cells,
    neutralize_formulas,
    restore_cells,
    restore_formulas,
)

REPO = Path(__file__).resolve().parents[1]
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+HYPERLINK(\"http://x\")",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
    "'=already quoted",
]
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _dangerous(cell: str) -> bool:
    return bool(cell) and cell[0] in FORMULA_SIGNS and not PLAIN_NUMBER.fullmatch(cell)


def _hostile_frame() -> pd.DataFrame:
    n = len(PAYLOADS)
    return pd.DataFrame(
        {
            "=name": PAYLOADS,
            "income": [-5, 10, -3, 0, 7, -1, 2, 3][:n],
            "score": [-1.5] * n,
            "as_text": ["-5", "+1.5e3", "-", "-x", "5", None, "ok", "@"][:n],
            "cat": pd.Categorical(["=a", "b"] * (n // 2)),
        }
    )


# ------------------------------------------------------------------------------ item 1
@pytest.mark.parametrize("writer", ["write_table", "TableWriter"])
def test_every_csv_writer_neutralizes_formula_cells(tmp_path, writer):
    df = _hostile_frame()
    path = tmp_path / "release.csv"
    if writer == "write_table":
        write_table(df, path)
    else:
        with TableWriter(path) as w:
            w.write(df.iloc[:4])
            w.write(df.iloc[4:])
    rows = _cells(path)
    assert not [c for row in rows for c in row if _dangerous(c)]
    header, body = rows[0], rows[1:]
    assert header[0] == "'=name"  # a header cell is a cell to a spreadsheet
    # numbers stay numbers: numeric columns untouched, plain numbers in text untouched
    assert [r[1] for r in body] == [str(v) for v in df["income"]]
    assert {r[2] for r in body} == {"-1.5"}
    assert [r[3] for r in body][:2] == ["-5", "+1.5e3"]
    assert [r[3] for r in body][2:4] == ["'-", "'-x"]
    # one more quote on a cell that already starts with quotes + a sign: reversible
    assert body[7][0] == "''=already quoted"


def test_formula_neutralizing_can_be_turned_off(tmp_path):
    df = _hostile_frame()
    write_table(df, tmp_path / "raw.csv", neutralize_formulas=False)
    with TableWriter(tmp_path / "raw2.csv", neutralize_formulas=False) as w:
        w.write(df)
    for name in ("raw.csv", "raw2.csv"):
        back = pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False)
        assert list(back.columns)[0] == "=name"
        assert back["=name"].tolist()[:4] == PAYLOADS[:4]


def test_read_back_restores_the_exact_text(tmp_path):
    from privsynth.io import read_table

    df = _hostile_frame()
    write_table(df, tmp_path / "r.csv")
    back = read_table(tmp_path / "r.csv", infer_types=False, restore_formulas=True)
    assert list(back.columns) == list(df.columns)
    # tab and CR prefixes do not survive CSV parsing as leading whitespace is kept: compare all
    assert back["=name"].tolist() == PAYLOADS


def test_only_io_writes_csv_and_every_io_writer_neutralizes():
    """No CSV is written outside privsynth.io, and every `.to_csv(` in io writes the output of
    `csv_cells` (which neutralizes unless told not to)."""
    pkg = REPO / "privsynth"
    for path in pkg.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        calls = [m.start() for m in re.finditer(r"\.to_csv\(", text)]
        if path.parent.name != "io":
            assert not calls, f"{path} writes CSV outside privsynth.io"
            continue
        for pos in calls:
            before = text[max(0, pos - 400) : pos]
            assert "csv_cells(" in before, f"{path}: a to_csv that skips csv_cells"


# Text of any kind, with formula signs and quotes made frequent.
_text = st.text(
    alphabet=st.sampled_from(list(FORMULA_SIGNS) + ["'", "1", ".", "e", "a", " ", '"']),
    max_size=8,
) | st.text(max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _text), min_size=1, max_size=20))
def test_neutralize_is_safe_and_exactly_reversible(values):
    s = pd.Series(values, dtype=object)
    out = neutralize_cells(s)
    for v in out:
        if isinstance(v, str):
            assert not _dangerous(v), repr(v)
    back = restore_cells(out)
    assert back.tolist() == s.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=10))
def test_numeric_columns_are_never_touched(nums):
    df = pd.DataFrame({"n": nums, "f": [x / 7 for x in nums]})
    out = neutralize_formulas(df)
    assert out is df
    assert restore_formulas(out).equals(df)


# ------------------------------------------------------------------------------ item 8
def test_a_users_folder_in_the_way_is_refused_not_deleted(tmp_path):
    out = tmp_path / "out"
    mine = out / "anonymized"
    mine.mkdir(parents=True)
    (mine / "precious.txt").write_text("keep me")
    for overwrite, match in ((False, "not empty"), (True, "did not write")):
        with pytest.raises(InputError, match=match), atomic_dir(out, overwrite=overwrite) as tmp:
            (tmp / "anonymized").mkdir()
            (tmp / "anonymized" / "release.csv").write_text("a\n1\n")
        assert (mine / "precious.txt").read_text() == "keep me"
        assert not (mine / "release.csv").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_previous_output_of_ours_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    for run in ("first", "second"):
        with atomic_dir(out, overwrite=True) as tmp:
            (tmp / "synthetic").mkdir()
            (tmp / "synthetic" / "release.csv").write_text(f"run\n{run}\n")
            if run == "first":
                (tmp / "synthetic" / "stale.txt").write_text("old")
                (tmp / "release.parquet").write_text("old format")
    assert (out / "synthetic" / "release.csv").read_text() == "run\nsecond\n"
    assert not (out / "synthetic" / "stale.txt").exists()  # replaced whole, not merged
    assert not (out / "release.parquet").exists()
    assert is_privsynth_output(out) and is_privsynth_output(out / "synthetic")
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]  # no .old-/.tmp- left


def test_a_non_empty_folder_needs_overwrite(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "release.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match="--overwrite"), atomic_dir(out) as tmp:
        (tmp / "release.csv").write_text("a\n2\n")
    assert (out / "release.csv").read_text() == "a\n1\n"


def test_an_empty_folder_of_the_users_is_filled_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    inode = out.stat().st_ino
    with atomic_dir(out) as tmp:
        (tmp / "release.csv").write_text("a\n1\n")
    assert out.stat().st_ino == inode
    assert (out / "release.csv").read_text() == "a\n1\n"
    assert is_privsynth_output(out)


def test_a_file_added_to_an_output_makes_it_not_ours(tmp_path):
    """The marker lists what privsynth wrote: a note the user left in a release folder (or in
    a folder below it) is never deleted by --overwrite."""
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "release.csv").write_text("a\n1\n")
    assert is_privsynth_output(out)
    (out / "sub" / "notes.txt").write_text("mine")
    assert not is_privsynth_output(out)
    named = r"did not write \(sub/notes\.txt\)"  # the first item that is not ours, to look at
    with pytest.raises(InputError, match=named), atomic_dir(out, overwrite=True):
        pass
    assert (out / "sub" / "notes.txt").read_text() == "mine"


def test_marker_is_not_a_folder_trick(tmp_path):
    """A symlink to a folder is never taken for one of our outputs, nor is a marker that is
    not ours."""
    real = tmp_path / "real"
    real.mkdir()
    mark_output(real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert is_privsynth_output(real) and not is_privsynth_output(link)
    (real / OUTPUT_MARKER).write_text("x")
    assert not is_privsynth_output(real)


def test_an_output_folder_never_holds_an_input_or_the_current_folder(tmp_path, monkeypatch):
    data = tmp_path / "d" / "release.csv"
    data.parent.mkdir()
    data.write_text("a\n1\n")
    with pytest.raises(InputError, match="holds the input"):
        check_output_dir(tmp_path / "d", overwrite=True, inputs=[data])
    with pytest.raises(InputError, match="holds the input"):
        check_output_dir(tmp_path, overwrite=True, inputs=[data])
    monkeypatch.chdir(tmp_path / "d")
    for out in (".", "..", "/"):
        with pytest.raises(InputError, match="current folder"):
            check_output_dir(out, overwrite=True)
    assert data.read_text() == "a\n1\n"


def test_an_output_file_is_never_an_input(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("a\n1\n")
    hard = tmp_path / "hard.yaml"
    os.link(data, hard)
    for out in (data, tmp_path / "." / "x.csv", hard):
        with pytest.raises(InputError, match="would overwrite the input"):
            check_not_input(out, [data])
    check_not_input(tmp_path / "y.yaml", [data, "dp-synthetic"])  # a built-in name is no path


_SIGTERM_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from privsynth.io import atomic_dir, atomic_file
    target = Path(sys.argv[1])
    kind = sys.argv[2]
    ctx = atomic_file(target) if kind == "file" else atomic_dir(target)
    with ctx as tmp:
        if kind == "file":
            tmp.write_text("partial")
        else:
            (tmp / "release.csv").write_text("partial")
        print("ready", flush=True)
        time.sleep(60)
    """
)


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_sigterm_removes_the_temporary_output(tmp_path, kind):
    target = tmp_path / ("out.csv" if kind == "file" else "out")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIGTERM_SCRIPT, str(target), kind],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # the partial is there
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []  # neither the output nor a hidden temporary


def test_the_previous_sigterm_handler_comes_back(tmp_path):
    def mine(signum, frame):  # pragma: no cover - never called
        pass

    old = signal.signal(signal.SIGTERM, mine)
    try:
        with atomic_file(tmp_path / "a.txt") as tmp:
            assert signal.getsignal(signal.SIGTERM) is not mine
            tmp.write_text("x")
        with atomic_dir(tmp_path / "d") as tmp:
            assert signal.getsignal(signal.SIGTERM) is not mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, old)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_an_unwritable_folder_is_an_input_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="cannot write here"):
            write_table(pd.DataFrame({"a": [1]}), locked / "x.csv")
        with pytest.raises(InputError, match="cannot"), atomic_dir(locked / "out"):
            pass
    finally:
        locked.chmod(0o700)


def test_an_output_folder_under_a_file_is_an_input_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="a file is in the way"), atomic_dir(tmp_path / "f" / "out"):
        pass


@pytest.mark.parametrize("writer", ["write_table", "TableWriter"])
def test_a_carriage_return_in_a_cell_does_not_start_a_row(tmp_path, writer):
    """Python's csv writer leaves a lone CR unquoted; every reader ends the row there, so a cell
    could smuggle in a row (and a formula at its start) of its own."""
    from privsynth.io import read_table

    df = pd.DataFrame({"note": ["ok", "x\r=HYPERLINK(1)", "y"], "n": [1, 2, 3]})
    path = tmp_path / "r.csv"
    if writer == "write_table":
        write_table(df, path)
    else:
        with TableWriter(path) as w:
            w.write(df)
    back = read_table(path, infer_types=False, restore_formulas=True)
    assert len(back) == 3
    assert back["note"].tolist() == df["note"].tolist()


def test_a_release_folder_of_an_earlier_version_is_still_ours(tmp_path):
    """Release folders written before the marker (e.g. the committed demo audits/) hold only
    release files and a manifest naming privsynth: they may be replaced; anything else is not."""
    import json

    out = tmp_path / "audits"
    legacy = out / "anonymized"
    legacy.mkdir(parents=True)
    (legacy / "manifest.json").write_text(json.dumps({"privsynth_version": "0.1.0"}))
    (legacy / "release.csv").write_text("a\n1\n")
    assert is_privsynth_output(legacy)
    (out / "scan.json").write_text("{}")  # the demo's folder around it is an old output too
    assert is_privsynth_output(out)
    with atomic_dir(out, overwrite=True) as tmp:
        (tmp / "anonymized").mkdir()
        (tmp / "anonymized" / "release.csv").write_text("a\n2\n")
    assert (legacy / "release.csv").read_text() == "a\n2\n"
    assert not (legacy / "manifest.json").exists()
    assert not (out / "scan.json").exists()
    # one extra file of the user's, or a manifest of someone else's: not ours
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"privsynth_version": "0.1.0"}))
    (other / "thesis.docx").write_text("x")
    assert not is_privsynth_output(other)
    (other / "thesis.docx").unlink()
    (other / "manifest.json").write_text(json.dumps({"tool": "else"}))
    assert not is_privsynth_output(other)
