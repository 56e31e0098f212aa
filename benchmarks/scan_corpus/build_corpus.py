"""Re-create the scan corpus (/work/corpus/<table>.csv) from fetched public repositories.

    python benchmarks/scan_corpus/build_corpus.py [--mirror /work/.mirror] [--out /work/corpus]
                                                  [--record] [--only NAME ...]

What it needs: a local snapshot of every repository listed in sources.json, as a bare-ish git
directory at <mirror>/<owner>+<name>/repo (the layout the workplace `fetch` tool produces: run
`fetch github:<owner>/<name>` for each source first). Files are read with `git show
<commit>:<path>` at the commit pinned in sources.json, so the output does not depend on what
else the snapshot holds. Nothing fetched is ever written inside the git work tree: the data stay
outside the repository (their licences differ and the workplace forbids committing them).

What it does, per table of sources.json: read the file with the table's reader (CSV as text,
SQLite, a SQL script run in an in-memory SQLite, PostgreSQL COPY blocks, SAS transport, YAML,
JSON records, or a log-line parser), cap it at `max_rows` rows by a reproducible sample (seed
from the table name; kept rows stay in their original order; all columns kept), and write
<out>/<table>.csv. CSV sources are read as text and written back as text, so values keep their
original spelling. A MANIFEST.json beside the tables records rows, columns and the sha256 of
each file; `--record` also writes the counts and hashes into sources.json (the committed
provenance), and a later rebuild checks it is byte-identical to what was recorded.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.json"


# --- reading a file from a snapshot -------------------------------------------------------

def git_blob(mirror: Path, repo: str, commit: str, path: str) -> bytes:
    """The bytes of `path` at `commit` in the snapshot of `repo` (owner/name)."""
    gitdir = mirror / repo.replace("/", "+") / "repo"
    if not gitdir.exists():
        raise SystemExit(f"missing snapshot {gitdir}: run `fetch github:{repo}` first")
    try:
        return subprocess.run(["git", "-C", str(gitdir), "show", f"{commit}:{path}"],
                              check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"{repo}@{commit[:10]}:{path}: {' '.join(msg)}") from None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# --- readers: bytes -> DataFrame ----------------------------------------------------------

def read_csv(raw: bytes, sep: str = ",") -> pd.DataFrame:
    """A CSV read as text: every value kept as spelled ("NA" stays "NA", empty stays empty)."""
    return pd.read_csv(io.StringIO(_text(raw)), sep=sep, dtype=str, keep_default_na=False,
                       na_filter=False)


def _sqlite_frame(con: sqlite3.Connection, table: str) -> pd.DataFrame:
    cur = con.execute(f'SELECT * FROM "{table}"')
    cols = [d[0] for d in cur.description]
    rows = [[_sql_value(v) for v in row] for row in cur.fetchall()]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def _sql_value(v: object) -> str:
    """How a database export tool would print one cell: NULL empty, blobs as 0x-hex."""
    if v is None:
        return ""
    if isinstance(v, bytes):
        return "0x" + v.hex().upper()
    return str(v)


def read_sqlite(raw: bytes, table: str) -> pd.DataFrame:
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
        f.write(raw)
        f.flush()
        con = sqlite3.connect(f.name)
        try:
            return _sqlite_frame(con, table)
        finally:
            con.close()


def read_sql_script(raw: bytes, table: str) -> pd.DataFrame:
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(_text(raw))
        return _sqlite_frame(con, table)
    finally:
        con.close()


_COPY_ESC = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def read_pg_copy(raw: bytes, table: str) -> pd.DataFrame:
    """The rows of `COPY public.<table> (...) FROM stdin;` in a PostgreSQL dump."""
    lines = _text(raw).splitlines()
    head = re.compile(rf"^COPY public\.{re.escape(table)} \((.*)\) FROM stdin;$")
    start = next((i for i, line in enumerate(lines) if head.match(line)), None)
    if start is None:
        raise SystemExit(f"no COPY block for table {table}")
    cols = [c.strip() for c in head.match(lines[start]).group(1).split(",")]
    rows = []
    for line in lines[start + 1:]:
        if line == "\\.":
            break
        cells = [("" if c == "\\N" else re.sub(r"\\(.)", lambda e: _COPY_ESC.get(e.group(1),
                                                                                 e.group(1)), c))
                 for c in line.split("\t")]
        rows.append(cells)
    return pd.DataFrame(rows, columns=cols, dtype=object)


def read_xport(raw: bytes) -> pd.DataFrame:
    """A SAS transport file as pandas reads it (numbers come out as floats)."""
    return pd.read_sas(io.BytesIO(raw), format="xport", encoding="latin-1")


def _joined(v: object) -> object:
    return ";".join(str(x) for x in v) if isinstance(v, list) else v


def read_legislators_yaml(raw: bytes) -> pd.DataFrame:
    """One row per legislator: ids, name, bio and the latest term, flattened."""
    import yaml

    people = yaml.safe_load(_text(raw))
    records = []
    for p in people:
        rec = {k: p[k] for k in ("id", "name", "bio") if k in p}
        rec["term"] = p["terms"][-1]
        records.append(rec)
    df = pd.json_normalize(records)
    return df.map(_joined)


def read_social_yaml(raw: bytes) -> pd.DataFrame:
    import yaml

    return pd.json_normalize(yaml.safe_load(_text(raw))).map(_joined)


def read_json_records(raw: bytes) -> pd.DataFrame:
    return pd.DataFrame(json.loads(_text(raw)))


_COMBINED = re.compile(
    r'^(?P<clientip>\S+) (?P<ident>\S+) (?P<auth>\S+) \[(?P<timestamp>[^\]]+)\] '
    r'"(?P<verb>\S+) (?P<request>\S+)(?: HTTP/(?P<httpversion>[^"]*))?" (?P<response>\d{3}) '
    r'(?P<bytes>\S+)(?: "(?P<referrer>[^"]*)" "(?P<agent>[^"]*)")?')


def read_apache_combined(raw: bytes) -> pd.DataFrame:
    """Access-log lines in combined format; lines that do not parse are dropped (counted)."""
    rows = [m.groupdict(default="") for m in map(_COMBINED.match, _text(raw).splitlines()) if m]
    return pd.DataFrame(rows, dtype=object)


_SYSLOG = re.compile(r"^(?P<timestamp>\w{3} +\d+ \d\d:\d\d:\d\d) (?P<host>\S+) "
                     r"(?P<program>[^\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<message>.*)$")


def read_syslog(raw: bytes) -> pd.DataFrame:
    rows = [m.groupdict(default="") for m in map(_SYSLOG.match, _text(raw).splitlines()) if m]
    return pd.DataFrame(rows, dtype=object)


READERS: dict[str, Callable[..., pd.DataFrame]] = {
    "csv": read_csv, "sqlite": read_sqlite, "sql_script": read_sql_script,
    "pg_copy": read_pg_copy, "xport": read_xport, "legislators_yaml": read_legislators_yaml,
    "social_yaml": read_social_yaml, "json_records": read_json_records,
    "apache_combined": read_apache_combined, "syslog": read_syslog,
}


# --- sampling and writing -----------------------------------------------------------------

def seed_of(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def sample(df: pd.DataFrame, name: str, max_rows: int) -> pd.DataFrame:
    """At most `max_rows` rows, drawn reproducibly from the table name, in original order."""
    if len(df) <= max_rows:
        return df.reset_index(drop=True)
    rng = np.random.default_rng(seed_of(name))
    keep = np.sort(rng.choice(len(df), size=max_rows, replace=False))
    return df.iloc[keep].reset_index(drop=True)


def build_table(spec: dict, source: dict, mirror: Path, max_rows: int) -> pd.DataFrame:
    raw = git_blob(mirror, source["repo"], source["commit"], spec["path"])
    params = dict(spec["params"])
    sep = params.pop("sep", None)
    reader = READERS[spec["reader"]]
    df = reader(raw, sep=sep, **params) if sep else reader(raw, **params)
    df.columns = [str(c) for c in df.columns]
    spec["_original_rows"] = len(df)
    return sample(df, spec["name"], max_rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/corpus"))
    ap.add_argument("--record", action="store_true",
                    help="write rows/columns/sha256 into sources.json")
    ap.add_argument("--only", nargs="*", help="build only these tables")
    args = ap.parse_args()

    spec = json.loads(SOURCES.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    manifest, mismatches = {}, []
    for t in spec["tables"]:
        if args.only and t["name"] not in args.only:
            continue
        src = spec["sources"][t["source"]]
        df = build_table(t, src, args.mirror, spec["max_rows"])
        sep = t["params"].get("sep", ",")
        path = args.out / f"{t['name']}.csv"
        df.to_csv(path, index=False, sep=sep, lineterminator="\n")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entry = {"original_rows": t.pop("_original_rows"), "rows": len(df),
                 "columns": df.shape[1], "sha256": digest}
        manifest[t["name"]] = entry
        if args.record:
            t.update(entry)
        elif t.get("sha256") and t["sha256"] != digest:
            mismatches.append(t["name"])
        print(f"{t['name']:34s} {entry['original_rows']:>7d} -> {len(df):>5d} rows x "
              f"{df.shape[1]:>3d} cols", file=sys.stderr)
    (args.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if args.record:
        SOURCES.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
    if mismatches:
        raise SystemExit(f"rebuilt tables differ from the recorded sha256: {mismatches}")


if __name__ == "__main__":
    main()
