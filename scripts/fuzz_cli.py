"""A fuzzing round of the command line with hostile tables, policies, paths and outputs (issue 14).

Generates N cases (seeded), runs each through the real CLI in a subprocess (`python -m
privsynth`), memory and DuckDB engines, and checks what a security reviewer checks:

- exit code 0, 1 (audit threshold) or 2 (bad input); never 70 (internal error), never a
  signal, never a timeout;
- no traceback, no Python warning; a failure (exit 2) is exactly one error line on stderr, the last (an
  informational `engine: ...` line may come before it when the user chose the engine);
- no cell value of the table in stderr (every generated cell carries a unique marker);
- no raw terminal control character in stdout or stderr (names hold escape sequences);
- no input changed (sha256 of every input before and after), no temporary file left behind;
- a release CSV written with formula quoting on has no formula-leading text cell.

Usage: .venv/bin/python scripts/fuzz_cli.py --cases 300 --seed 1 --out /tmp/fuzz
Prints one line per failing case and a summary; writes the cases' results to OUT/results.json.
Not part of `make test` (minutes of subprocesses); tests/test_hostile_cli.py holds the cases.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
# A key that passes the strength check (never a real one).
GOOD_KEY = "f3a91c07d25e4b86a0c9e17d3b5f2a48"
MARK = "ZQX"  # every generated cell value carries MARK + a unique number: found in stderr = leak

HOSTILE_NAMES = [
    "income[/]", "[bold]name[/bold]", "[link=http://x]a[/link]", "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil/\x07click\x1b]8;;\x07", "\x1b[2J", "bell\x07", "cr\rname",
    "new\nline", "tab\tname", "\u202eevil", "zero\u200bwidth", "$\\bogus{x}$", "$x^$",
    "=1+1", "+cmd", "-2+3", "@SUM(A1)", "'quoted", '"dq"', "semi;colon", "comma,name",
    " lead", "trail ", "ü mlaut", "名前", "emoji😀", "%s%n", "{0}", "../etc", "a" * 300,
    "NULL", "None", "nan", "", " ",
]  # fmt: skip
FORMULAS = ["=cmd|' /C calc'!A0", "+1-804-555-0100", "-2+3", "@SUM(1+1)", "\t=1", "\r=1",
            "\uff1d1+1", "=HYPERLINK(\"http://x\")", "'=already"]  # fmt: skip
POLICIES = ["hipaa-safe-harbor", "gdpr-pseudonymise", "k-anonymity-generic", "dp-synthetic"]


@dataclass
class Case:
    n: int
    kind: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    expect: str = "any"  # "ok" | "fail" | "any"
    timeout: float = 300.0
    quoted_csv: str | None = None  # a release CSV that must have no formula-leading cell


@dataclass
class Outcome:
    n: int
    kind: str
    argv: list[str]
    code: int | None
    seconds: float
    problems: list[str]
    stderr: str


class Gen:
    """Hostile inputs from one seeded random stream."""

    def __init__(self, seed: int, root: Path):
        self.r = random.Random(seed)
        self.root = root
        self.counter = 0

    def marker(self) -> str:
        self.counter += 1
        return f"{MARK}{self.counter:06d}"

    # ------------------------------------------------------------------ tables
    def name(self, i: int) -> str:
        if self.r.random() < 0.5:
            return self.r.choice(HOSTILE_NAMES) + (f"_{i}" if self.r.random() < 0.7 else "")
        return self.r.choice(["name", "age", "zip", "email", "phone", "ssn", "dob", "income",
                              "notes", "id", "sex", "city"]) + f"_{i}"  # fmt: skip

    def cell(self, kind: str, markers: list[str]) -> object:
        m = self.marker()
        r = self.r
        if kind == "int":
            return r.choice([r.randint(-10**6, 10**6), r.randint(0, 120)])
        if kind == "float":
            return r.choice([r.uniform(-1e6, 1e6), float("nan"), 1e308, -0.0])
        if kind == "bigint":
            return str(r.randint(10**25, 10**30))
        if kind == "date":
            return f"{r.randint(1900, 2030)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        markers.append(m)
        if kind == "formula":
            return r.choice(FORMULAS) + m
        if kind == "pii":
            return r.choice([f"Jane Doe SSN 078-05-1120 {m}", f"{m}@example.com",
                             f"+1 (804) 555-{r.randint(1000, 9999)} {m}", f"{m} O'Brien"])
        if kind == "markup":
            return r.choice(["[/]", "[bold]", "\x1b[31m", "$\\bogus{x}$", "\u202e"]) + m
        if kind == "long":
            return m + "x" * r.choice([1000, 70_000, 140_000])
        return f"{r.choice(['a', 'b', 'c', 'd'])}{m}"  # text

    def frame(self, rows: int | None = None, cols: int | None = None) -> tuple[pd.DataFrame, list[str]]:
        r = self.r
        rows = rows if rows is not None else r.choice([0, 1, 2, 5, 30, 120, 400])
        cols = cols if cols is not None else r.randint(1, 7)
        kinds = ["int", "float", "bigint", "date", "formula", "pii", "markup", "long", "text"]
        weights = [3, 2, 1, 2, 3, 3, 2, 0.3, 3]
        markers: list[str] = []
        data = {}
        names: list[str] = []
        for j in range(cols):
            name = self.name(j)
            while name in names:
                name += "_"
            names.append(name)
            kind = r.choices(kinds, weights)[0]
            distinct = r.choice([2, 5, rows or 1])
            pool = [self.cell(kind, markers) for _ in range(max(1, min(distinct, 50)))]
            if kind == "long":
                pool = pool[:2]
            data[name] = [pool[r.randrange(len(pool))] for _ in range(rows)]
        return pd.DataFrame(data, columns=names), markers

    def write_table(self, df: pd.DataFrame, path: Path) -> Path:
        """CSV (any delimiter, line ending, encoding mishap) or Parquet (sometimes nested)."""
        r = self.r
        if path.suffix == ".parquet":
            out = df.copy()
            for c in out.columns:
                if out[c].dtype == object:
                    out[c] = out[c].astype(str)
            if r.random() < 0.1 and len(out):
                out["nested"] = [[1, 2]] * len(out)
            out.to_parquet(path, index=False)
            return path
        buf = io.StringIO()
        df.to_csv(buf, index=False, sep=r.choice([",", ",", ";", "\t", "|"]),
                  quoting=r.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))  # fmt: skip
        text = buf.getvalue().replace("\r\n", "\n")
        newline = r.choice(["\n", "\n", "\r\n", "\r"])
        raw = text.replace("\n", newline).encode("utf-8")
        mishap = r.random()
        if mishap < 0.05:
            raw = raw + b"x" * 270_000 + b"\n\xe9\n"  # a Latin-1 byte after the 256 KiB head
        elif mishap < 0.08:
            raw = "\ufeff".encode() + raw
        elif mishap < 0.10:
            raw = text.encode("utf-16")
        elif mishap < 0.12:
            raw = bytes(r.randrange(256) for _ in range(2000))
        path.write_bytes(raw)
        return path

    # ------------------------------------------------------------------ paths
    def filename(self, suffix: str) -> str:
        r = self.r
        stem = r.choice(["t", "data", "t[1]", "p*", "q?x", "a b", "-lead", "ü", "~", "x$y",
                         "semi;colon", "new\nline", "[abc]", "{a,b}", "back\\slash", "'q'",
                         "\x1b[31m", "a" * 200])  # fmt: skip
        return stem + suffix

    def decoys(self, folder: Path, name: str, df: pd.DataFrame) -> None:
        """Files a glob in `name` would match: a literal reader never reads them."""
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        for decoy in {re.sub(r"[\[\]*?{}]", "", stem), stem.replace("*", "q").replace("?", "z"),
                      stem.replace("[1]", "1")}:  # fmt: skip
            if decoy and decoy != stem and "/" not in decoy and "\x00" not in decoy:
                target = folder / (decoy + dot + ext)
                if not target.exists() and target.suffix != ".parquet":
                    pd.concat([df, df], ignore_index=True).to_csv(target, index=False)

    # ------------------------------------------------------------------ policies
    def policy(self, folder: Path, df: pd.DataFrame) -> tuple[str, dict[str, str]]:
        r = self.r
        env: dict[str, str] = {}
        pick = r.random()
        if pick < 0.45:
            name = r.choice(POLICIES)
            if name == "gdpr-pseudonymise":
                env["PRIVSYNTH_KEY"] = r.choice([GOOD_KEY] * 4 + ["\x01" * 16, "password12345678",
                                                 "short", "aaaaaaaaaaaaaaaaaaaa"])  # fmt: skip
            return name, env
        path = folder / "policy.yaml"
        cols = list(df.columns)
        col = cols[0] if cols else "x"
        quoted = json.dumps(col)
        variants = [
            # alias bomb
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
            "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nname: bomb\n",
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: drop}\n",
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: pseudonymize, method: hmac}\n",
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: pseudonymize, method: faker}\n",
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: mask, keep_last: 2}\n",
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: generalize}\n"
            "privacy: {k: 2, quasi_identifiers: [" + quoted + "]}\n",
            "name: x\nrelease: {mode: synthesize, method: mst, epsilon: 1.0, delta: 1e-9}\n"
            "unmatched: keep\n",
            "name: x\nrelease: {mode: synthesize, epsilon: -1}\n",
            "name: x\nrelease: {mode: synthesize, epsilon: .nan}\n",
            "name: x\nrelease: {mode: synthesize, rows: 1000000000000, epsilon: 1}\n",
            "name: [unclosed\n",
            "\x00\x01binary",
            "name: x\ncolumns: 5\n",
            "name: x\n" + "nested:\n" + "".join("  " * i + "a:\n" for i in range(100)),
            "name: x\nunmatched: keep\ncolumns:\n  " + quoted + ": {action: generalize, "
            "hierarchy: {type: intervals, bounds: [10, 0]}}\n",
        ]  # fmt: skip
        text = r.choice(variants)
        if r.random() < 0.03:
            return "/dev/zero", env
        if r.random() < 0.03:
            text = "name: x\n" + "# pad\n" * 200_000
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        if "method: hmac" in text or "faker" in text:
            env["PRIVSYNTH_KEY"] = r.choice([GOOD_KEY, GOOD_KEY, "\x01" * 16, "password12345678"])
        return str(path), env


def sha(path: Path) -> str | None:
    try:
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return None


def snapshot(folder: Path) -> dict[str, str | None]:
    return {str(p): sha(p) for p in folder.rglob("*") if p.is_file()}


# ----------------------------------------------------------------------------- case builders
def build_case(g: Gen, n: int, base: Path) -> Case:
    r = g.r
    folder = base / f"case{n:04d}"
    folder.mkdir(parents=True)
    df, markers = g.frame()
    suffix = ".parquet" if r.random() < 0.2 else r.choice([".csv", ".csv", ".txt", ""])
    name = g.filename(suffix)
    try:
        table = g.write_table(df, folder / name)
    except (OSError, ValueError):
        name = "t" + suffix
        table = g.write_table(df, folder / name)
    g.decoys(folder, name, df)
    engine = r.choice(["memory", "memory", "duckdb"])
    env: dict[str, str] = {}
    if r.random() < 0.05:
        env[r.choice(["PRIVSYNTH_CHUNK_ROWS", "PRIVSYNTH_AUTO_DUCKDB_BYTES"])] = r.choice(
            ["lots", "-5", "1e9", "0x10", "\x1b[31m", "99999999999999999999999"]
        )
    kind = r.choices(["scan", "release", "audit", "output", "keygen"], [3, 5, 2, 3, 0.5])[0]
    rel = os.path.relpath(table, folder)
    tab = "./" + rel if rel.startswith("-") else rel
    if kind == "scan":
        argv = ["scan", tab, "--engine", engine]
        if r.random() < 0.4:
            argv.append("--json")
        if r.random() < 0.3:
            argv += ["--write-policy", r.choice(["draft.yaml", tab])]
        if r.random() < 0.2:
            argv.append("--show-values")
        return Case(n, "scan", argv, env, [str(table)], markers, timeout=300)
    if kind == "release":
        policy, penv = g.policy(folder, df)
        env.update(penv)
        argv = ["release", tab, "-p", policy, "-o", "out", "--engine", engine]
        if r.random() < 0.2:
            argv += ["--seed", str(r.choice([0, 7, 2**32 - 1, 2**32, 2**40, -1]))]
        quoting = r.random() >= 0.1
        if not quoting:
            argv.append("--no-formula-quoting")
        if r.random() < 0.15:  # a key file: NUL bytes, a password, a huge file, or a good key
            key = folder / "k.key"
            key.write_bytes(r.choice([b"\x00" * 16, b"password12345678\n", GOOD_KEY.encode(),
                                      b"\xff" * 40, b"ab" * 5000]))  # fmt: skip
            argv += ["--key-file", "k.key"]
        inputs = [str(table)] + ([policy] if os.path.exists(policy) and policy != "/dev/zero" else [])
        return Case(n, "release", argv, env, inputs, markers, timeout=400,
                    quoted_csv="out/release.csv" if quoting else None)  # fmt: skip
    if kind == "audit":
        # a quick release first (in the same subprocess call chain) is too slow: audit the
        # table against a noisy copy of itself, with hostile extras
        release_path = folder / "release.csv"
        df.sample(frac=1.0, random_state=1).to_csv(release_path, index=False)
        argv = ["audit", "--original", tab, "--release", "release.csv", "--engine", engine,
                "--n-attacks", "20"]  # fmt: skip
        extra = r.random()
        if extra < 0.2:
            (folder / "scan.json").write_bytes(r.choice([b"\x00\x01\x02", b"{", b"[1,2]",
                                                         b'{"columns": 5}', b'{"columns": [1]}',
                                                         b"\xff\xfe"]))  # fmt: skip
            argv += ["--scan", "scan.json"]
        elif extra < 0.3:
            (folder / "manifest.json").write_bytes(r.choice([b"[]", b'{"ledger": 5}',
                                                             b'{"privacy": {"achieved": 3}}',
                                                             b"nope"]))  # fmt: skip
            argv += ["--manifest", "manifest.json"]
        if r.random() < 0.15:
            argv += ["--seed", str(r.choice([2**32, 2**63]))]
        target = r.choice(["a.json", "a.json", tab, "release.csv"])
        argv += ["--json", target]
        if r.random() < 0.5:
            argv += ["--report", r.choice(["a.html", tab, "a.json"])]
        return Case(n, "audit", argv, env, [str(table), str(release_path)], markers, timeout=600)
    if kind == "keygen":
        target = r.choice(["k.key", tab, "sub/dir/k.key", "/proc/nope/k.key"])
        return Case(n, "keygen", ["keygen", target], env, [str(table)], markers, timeout=60)
    # output hostility on release
    out = r.choice([".", "..", "out_file", "user_dir", "user_dir_with_output_name", "/proc/x",
                    "/sys/x", "in_dir", "release.csv"])  # fmt: skip
    prep = folder / "user_dir"
    if out == "out_file":
        (folder / "out_file").write_text("not a folder")
    elif out in ("user_dir", "user_dir_with_output_name"):
        prep.mkdir()
        (prep / "notes.txt").write_text("user file")
        if out == "user_dir_with_output_name":
            (prep / "release.csv").mkdir()
            (prep / "release.csv" / "keep.txt").write_text("keep")
        out = "user_dir"
    elif out == "in_dir":
        sub = folder / "D"
        sub.mkdir()
        shutil.copy(table, sub / "release.csv")
        tab, out = "D/release.csv", "D"
        table = sub / "release.csv"
    argv = ["release", tab, "-p", "k-anonymity-generic", "-o", out, "--engine", engine]
    if r.random() < 0.5:
        argv.append("--overwrite")
    return Case(n, "output", argv, env, [str(table)], markers, timeout=300)


# ----------------------------------------------------------------------------- checks
# Lines a run may print on stderr before its one error line: which engine runs (said when the
# user chose it), warnings from the release.
INFO_PREFIXES = ("engine: ", "warning: ")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def dangerous_cells(path: Path) -> int:
    sys.path.insert(0, str(REPO))
    from privsynth.io.safety import FORMULA_SIGNS  # noqa: PLC0415

    plain = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    bad = 0
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell and cell[0] in FORMULA_SIGNS and not plain.fullmatch(cell):
                bad += 1
    return bad


def run_case(case: Case, base: Path) -> Outcome:
    folder = base / f"case{case.n:04d}"
    before = snapshot(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120", **case.env}
    env.pop("PRIVSYNTH_DEBUG", None)
    start = time.perf_counter()
    problems: list[str] = []
    try:
        proc = subprocess.run([PY, "-m", "privsynth", *case.argv], cwd=folder, env=env,
                              capture_output=True, timeout=case.timeout)  # fmt: skip
        code: int | None = proc.returncode
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, out, err = None, "", ""
        problems.append(f"timeout after {case.timeout:.0f} s")
    seconds = time.perf_counter() - start
    if code == 70:
        problems.append("exit 70")
    elif code is not None and code not in (0, 1, 2):
        problems.append(f"exit {code}")
    if "Traceback" in err:
        problems.append("traceback")
    if re.search(r"\.py:\d+: \w*Warning: ", err):  # a Python warning with its source line
        problems.append("python warning on stderr")
    if code == 2:
        lines = err.strip().splitlines()
        # columns a policy leaves undecided: the error line, then one YAML line per column
        while len(lines) > 1 and lines[-1].startswith('  "') and ": {action: " in lines[-1]:
            lines.pop()
        errors = [ln for ln in lines if ln.startswith("privsynth: error: ")]
        chatter = [ln for ln in lines if not ln.startswith(INFO_PREFIXES)]
        if len(errors) != 1 or not lines or lines[-1] != errors[0] or len(chatter) != 1:
            problems.append(f"{len(lines)} stderr lines")
    leaked = [m for m in case.markers if m in err]
    if leaked:
        problems.append(f"cell value in stderr ({len(leaked)})")
    if _CONTROL.search(err) or _CONTROL.search(out.replace("\t", "")):
        problems.append("raw control character printed")
    after = snapshot(folder)
    for inp in case.inputs:
        p = str(Path(inp))
        if p in before and before[p] != after.get(p):
            problems.append(f"input changed: {os.path.basename(p)!r}")
    changed = [k for k, v in before.items() if after.get(k) != v and k not in case.inputs]
    for k in changed:
        if any(s in k for s in ("notes.txt", "keep.txt", "out_file", "decoy")) or k.endswith(".parquet"):
            problems.append(f"a file of the user's changed: {os.path.basename(k)!r}")
    left = [p.name for p in folder.rglob(".*") if ".tmp-" in p.name or ".old-" in p.name]
    if left:
        problems.append(f"temporary files left: {left[:3]}")
    if case.quoted_csv and code == 0 and (folder / case.quoted_csv).is_file():
        bad = dangerous_cells(folder / case.quoted_csv)
        if bad:
            problems.append(f"{bad} formula cells in the release")
    return Outcome(case.n, case.kind, case.argv, code, round(seconds, 2), problems, err[-400:])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/privsynth-fuzz"))
    ap.add_argument("--only", default=None, help="comma-separated case numbers to rerun")
    args = ap.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    g = Gen(args.seed, args.out)
    cases = [build_case(g, n, args.out) for n in range(args.cases)]
    only = {int(x) for x in args.only.split(",")} if args.only else None
    results: list[Outcome] = []
    t0 = time.perf_counter()
    log = (args.out / "results.jsonl").open("w")
    for case in cases:
        if only is not None and case.n not in only:
            continue
        try:
            res = run_case(case, args.out)
        except Exception as exc:  # the harness itself: recorded, the round goes on
            res = Outcome(case.n, case.kind, case.argv, None, 0.0,
                          [f"harness error {type(exc).__name__}: {exc}"], "")  # fmt: skip
        results.append(res)
        log.write(json.dumps(asdict(res)) + "\n")
        log.flush()
        flag = "FAIL" if res.problems else "ok  "
        print(f"{flag} #{res.n:04d} {res.kind:8s} exit={res.code} {res.seconds:6.1f}s "
              f"{'; '.join(res.problems)} {' '.join(map(repr, res.argv))[:160]}", flush=True)  # fmt: skip
    codes: dict[str, int] = {}
    for r in results:
        codes[str(r.code)] = codes.get(str(r.code), 0) + 1
    summary = {
        "cases": len(results),
        "seconds": round(time.perf_counter() - t0, 1),
        "exit_codes": codes,
        "failing_cases": sum(bool(r.problems) for r in results),
        "exit_70": sum("exit 70" in r.problems for r in results),
        "tracebacks": sum("traceback" in r.problems for r in results),
        "cell_values_in_stderr": sum(any("cell value" in p for p in r.problems) for r in results),
        "inputs_changed": sum(any("input changed" in p for p in r.problems) for r in results),
        "timeouts": sum(any("timeout" in p for p in r.problems) for r in results),
        "by_kind": {k: sum(r.kind == k for r in results) for k in sorted({r.kind for r in results})},
    }
    (args.out / "results.json").write_text(
        json.dumps({"summary": summary, "results": [asdict(r) for r in results]}, indent=1)
    )
    print(json.dumps(summary, indent=1))
    return 1 if summary["failing_cases"] else 0


if __name__ == "__main__":
    sys.exit(main())
