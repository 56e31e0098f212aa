"""Counting throughput of the memory, DuckDB and Spark engines on 1M / 3M / 10M Adult-like rows.

The workload is what MST/AIM and the utility metrics ask for: every 2-way marginal of the 14
Adult columns (91 marginals), raw values coded inside each engine by public encoders
(categories, bin edges). Throughput = rows x marginals / second. Each (engine, size) runs in
its own process, so peak RSS is that engine's; times are medians of --repeats runs.

- memory        counting over a DataFrame already in RAM (what the in-memory path pays per call)
- memory+load   reading the Parquet file into pandas, then counting (the in-memory path on a file)
- duckdb        counting straight from the Parquet file under a memory limit
- spark         counting straight from the Parquet file, local[2] (session start not timed)

Also timed once: equivalence classes over five quasi-identifiers (memory on the loaded
DataFrame, DuckDB from the file), with a label for every row.

`--synth`: MST end to end (epsilon 1, the policy below: public category lists, public bounds /
edges, DP key discovery on native-country, a DP row count) from the Parquet file to a streamed
Parquet release of ~N synthetic rows, through DuckDB (`synthesize_source` on a DuckDB source)
next to the in-memory path (read_table, then the same function on the DataFrame). One process
per run: wall time, CPU time (all threads) and peak RSS of that process; medians of --repeats.

    python benchmarks/bench_scale.py                         # 1M, 3M, 10M rows
    python benchmarks/bench_scale.py --sizes 1000000 --engines memory duckdb
    python benchmarks/bench_scale.py --synth --sizes 1000000 3000000 10000000
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from make_scale_table import CATEGORICAL, DEFAULT_SOURCE, write_scale_table  # noqa: E402

from privsynth.engine import Bins, Categories  # noqa: E402

ENGINES = ["memory", "memory+load", "duckdb", "spark"]
QUASI = ["age", "sex", "race", "education", "native-country"]
BINS = {
    "age": Bins([17, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 80, 91]),
    "education-num": Bins(np.arange(0.5, 17.5, 1.0)),
    "capital-gain": Bins([0, 1, 1000, 3000, 5000, 10000, 20000, 100000]),
    "capital-loss": Bins([0, 1, 1000, 1500, 2000, 2500, 5000]),
    "hours-per-week": Bins(np.linspace(0, 100, 11)),
}


def workload(source: Path = DEFAULT_SOURCE):
    """Public encoders for all 14 columns and their 91 two-way cliques.

    The category lists are taken from the raw Adult file: in a release they come from the
    policy; here they only have to be the same for every engine.
    """
    adult = pd.read_csv(source, keep_default_na=False, usecols=CATEGORICAL)
    enc = {c: Categories(sorted(adult[c].astype(str).unique())) for c in CATEGORICAL}
    enc.update(BINS)
    domain = {c: e.size for c, e in enc.items()}
    cliques = list(itertools.combinations(sorted(enc), 2))
    return enc, domain, cliques


def _child(engine: str, path: Path, repeats: int, memory_limit: str) -> dict:
    """Run one engine on one file `repeats` times; return times, a checksum and peak RSS."""
    warnings.simplefilter("ignore")
    enc, domain, cliques = workload()
    times, checksum = [], None
    if engine in ("memory", "memory+load"):
        from privsynth.engine import MemoryEngine

        eng = MemoryEngine()
        df = pd.read_parquet(path) if engine == "memory" else None
        for _ in range(repeats):
            start = time.perf_counter()
            data = df if df is not None else pd.read_parquet(path)
            out = eng.marginals(data, cliques, domain, enc)
            times.append(time.perf_counter() - start)
            del data
    elif engine == "duckdb":
        from privsynth.engine.duckdb_engine import DuckDBEngine

        eng = DuckDBEngine(memory_limit=memory_limit)
        for _ in range(repeats):
            start = time.perf_counter()
            out = eng.marginals(path, cliques, domain, enc)
            times.append(time.perf_counter() - start)
    elif engine == "spark":
        from privsynth.engine.spark_engine import SparkEngine, default_session

        eng = SparkEngine(default_session("local[2]"))
        eng.marginals(str(path), cliques[:1], domain, enc)  # JVM warm-up, not timed
        for _ in range(repeats):
            start = time.perf_counter()
            out = eng.marginals(str(path), cliques, domain, enc)
            times.append(time.perf_counter() - start)
    else:
        raise SystemExit(f"unknown engine {engine}")
    classes_s = None
    if engine in ("memory", "duckdb"):  # equivalence classes over five quasi-identifiers, once
        start = time.perf_counter()
        ec = eng.equivalence_classes(df if engine == "memory" else path, QUASI)
        classes_s = time.perf_counter() - start
        assert int(ec.sizes.sum()) == len(ec.labels)
    checksum = float(sum(float((m * np.arange(m.size).reshape(m.shape)).sum()) for m in out))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"times": times, "checksum": checksum, "rss_mb": rss_mb, "marginals": len(cliques),
            "classes_s": classes_s}  # fmt: skip


SYNTH_ENGINES = ["memory", "duckdb"]


def synth_policy(source: Path = DEFAULT_SOURCE) -> dict:
    """The release policy of the synthesis benchmark (public lists and bounds, as a user writes)."""
    adult = pd.read_csv(source, keep_default_na=False, usecols=CATEGORICAL)
    cols: dict = {
        c: {"action": "keep", "domain": {"categories": sorted(adult[c].astype(str).unique())}}
        for c in CATEGORICAL
    }
    cols["native-country"] = {"action": "keep", "domain": {"discover": True}}
    cols["age"] = {"action": "keep", "domain": {"bounds": [17, 90], "bins": 32}}
    cols["education-num"] = {"action": "keep", "domain": {"bounds": [1, 16], "bins": 16}}
    cols["capital-gain"] = {
        "action": "keep", "domain": {"edges": [0, 1, 1000, 3000, 5000, 10000, 20000, 100000]}
    }  # fmt: skip
    cols["capital-loss"] = {"action": "keep", "domain": {"edges": [0, 1, 1000, 1500, 2000, 2500, 5000]}}
    cols["hours-per-week"] = {"action": "keep", "domain": {"bounds": [1, 99], "bins": 20}}
    release = {"mode": "synthesize", "method": "mst", "epsilon": 1.0, "delta": 1e-9, "seed": 0}
    return {"name": "bench", "unmatched": "error", "release": release, "columns": cols}


def _synth_child(engine: str, path: Path, memory_limit: str) -> dict:
    """One MST release of the file through `engine`, written to a temporary folder."""
    import os
    import shutil
    import tempfile

    import pyarrow.parquet as pq

    from privsynth.engine.source import open_source
    from privsynth.synth import synthesize_source, write_synthetic_release

    warnings.simplefilter("ignore")
    policy = synth_policy()
    start = time.perf_counter()
    source = open_source(path, engine, memory_limit=memory_limit)
    release = synthesize_source(source, policy, seed=0)
    fitted = time.perf_counter() - start
    out = Path(tempfile.mkdtemp(prefix="privsynth-bench-")) / "release"
    try:
        write_synthetic_release(release, out)
        rows = pq.ParquetFile(out / "synthetic.parquet").metadata.num_rows
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    wall = time.perf_counter() - start
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall_s": wall, "fit_s": fitted, "cpu_s": ru.ru_utime + ru.ru_stime,
            "rss_mb": ru.ru_maxrss / 1024, "rows_out": rows, "pid": os.getpid(),
            "steps": len(release.ledger.to_dict()["steps"])}  # fmt: skip


def synth_main(args) -> int:
    """MST end to end per (size, engine), each run in its own process."""
    print(f"{'rows':>11} {'engine':>7} {'wall s':>8} {'fit s':>7} {'CPU s':>7} {'peak RSS MB':>12}"
          f" {'rows out':>11}  (medians of {args.repeats}; runs: wall s)")  # fmt: skip
    results = []
    for n in args.sizes:
        path = args.data_dir / f"adult-{n}.parquet"
        if not path.exists():
            write_scale_table(path, n)
        for engine in args.engines:
            if engine not in SYNTH_ENGINES:
                continue
            if engine == "memory" and n > args.memory_max_rows:
                print(f"{n:>11,} {engine:>7} skipped (over --memory-max-rows)")
                continue
            runs = []
            for _ in range(args.repeats):
                proc = subprocess.run(
                    [sys.executable, __file__, "--synth-child", engine, str(path),
                     "--memory-limit", args.memory_limit],
                    capture_output=True, text=True,
                )  # fmt: skip
                if proc.returncode != 0:
                    print(f"{n:>11,} {engine:>7} failed: {proc.stderr.strip().splitlines()[-1:]}")
                    break
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            if not runs:
                continue
            med = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "fit_s", "cpu_s", "rss_mb")}
            results.append({"rows": n, "engine": engine, **med, "runs": runs})
            walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
            print(
                f"{n:>11,} {engine:>7} {med['wall_s']:>8.1f} {med['fit_s']:>7.1f} {med['cpu_s']:>7.1f}"
                f" {med['rss_mb']:>12.0f} {runs[0]['rows_out']:>11,}  "
                f"({walls})",
                flush=True,
            )
    duck = {r["rows"]: r for r in results if r["engine"] == "duckdb"}
    if len(duck) > 1:
        sizes = sorted(duck)
        per = [duck[n]["cpu_s"] / n * 1e6 for n in sizes]
        print("duckdb CPU s per million rows: " + ", ".join(
            f"{n:,}: {p:.1f}" for n, p in zip(sizes, per, strict=True)))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", default=ENGINES, choices=ENGINES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/privsynth-bench"))
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["kanon"], help="run one section only (see kanon_main)")
    parser.add_argument("--kanon-child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--memory-max-rows-kanon", type=int, default=3_000_000,
                        help="largest table the in-memory anonymize path is run on")  # fmt: skip
    parser.add_argument("--synth", action="store_true", help="MST end to end (see the doc)")
    parser.add_argument("--memory-max-rows", type=int, default=3_000_000,
                        help="--synth: largest table the in-memory path is run on")  # fmt: skip
    parser.add_argument("--synth-child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kanon_child:
        mode, path = args.kanon_child
        print(json.dumps(_kanon_child(mode, Path(path), args.repeats, args.memory_limit)))
        return 0
    if args.synth_child:
        engine, path = args.synth_child
        print(json.dumps(_synth_child(engine, Path(path), args.memory_limit)))
        return 0
    if args.only == "kanon":
        return kanon_main(args)
    if args.synth:
        if args.engines == ENGINES:
            args.engines = SYNTH_ENGINES
        return synth_main(args)
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]), args.repeats, args.memory_limit)))
        return 0

    results = []
    print(
        f"{'rows':>11} {'engine':>12} {'median s':>9} {'rows x marg/s':>14} {'peak RSS MB':>12}"
        f" {'classes s':>10}"
    )
    for n in args.sizes:
        path = args.data_dir / f"adult-{n}.parquet"
        if not path.exists():
            write_scale_table(path, n)
        sums = set()
        for engine in args.engines:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", engine, str(path), "--repeats",
                 str(args.repeats), "--memory-limit", args.memory_limit],
                capture_output=True, text=True,
            )  # fmt: skip
            if proc.returncode != 0:
                print(f"{n:>11,} {engine:>12} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            med = statistics.median(r["times"])
            rate = n * r["marginals"] / med
            sums.add(r["checksum"])
            results.append({"rows": n, "engine": engine, "median_s": med, "times": r["times"],
                            "throughput": rate, "rss_mb": r["rss_mb"],
                            "classes_s": r["classes_s"]})  # fmt: skip
            cls = f"{r['classes_s']:>10.2f}" if r["classes_s"] is not None else f"{'-':>10}"
            print(
                f"{n:>11,} {engine:>12} {med:>9.2f} {rate:>14.3g} {r['rss_mb']:>12.0f} {cls}",
                flush=True,
            )
        if len(sums) > 1:
            print(f"!! engines disagree on the counts at {n:,} rows")
    _crossover(results, args.sizes)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def _crossover(results: list[dict], sizes: list[int]) -> None:
    t = {(r["engine"], r["rows"]): r["median_s"] for r in results}
    for ref in ("memory+load", "memory"):
        wins = [n for n in sizes if ("duckdb", n) in t and (ref, n) in t and t["duckdb", n] < t[ref, n]]
        if wins:
            print(f"crossover: duckdb beats {ref} from {min(wins):,} rows on (sizes tried: {sizes})")
        elif any(("duckdb", n) in t and (ref, n) in t for n in sizes):
            print(f"crossover: duckdb never beats {ref} at the sizes tried ({sizes})")


# ------------------------------------------------------------------------------------ kanon
# `--only kanon`: the anonymize path at scale. The k-anonymity search through DuckDB (rows
# grouped by their quasi-identifier and sensitive values in the engine, the lattice searched on
# that weighted table) and the whole streamed release (search + masking + generalization +
# suppression, chunk by chunk to Parquet), each in its own process for its peak RSS; the
# in-memory path (read the file, search and transform in pandas) beside it where it fits.

KANON_DATA = REPO / "benchmarks" / ".data"
KANON_RESULTS = REPO / "benchmarks" / "results" / "bench_scale_kanon.txt"
_KANON_PRIVACY = """
privacy:
  k: 10
  l: 2
  sensitive: [occupation]
  quasi_identifiers: [age, sex, race, marital-status, education, native-country]
  max_suppression: 0.02
columns:
  age: {action: generalize, hierarchy: {type: intervals, widths: [5, 10, 20, 40], bottom: 0}}
"""
# the full release adds keyed pseudonyms, a generalized non-QI column and a drop
_KANON_MASKING = """  workclass: {action: pseudonymize, method: hmac}
  relationship: {action: mask, keep_first: 1, keep_last: 0}
  hours-per-week: {action: generalize, hierarchy: {type: intervals, widths: [10]}, level: 1}
  capital-loss: {action: drop}
"""


def _kanon_policy(full: bool):
    import tempfile

    from privsynth.policy import load_policy

    text = "name: bench-kanon\nunmatched: keep\nrelease: {mode: anonymize}\n" + _KANON_PRIVACY
    if full:
        text += _KANON_MASKING
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(text)
    return load_policy(fh.name)


def _kanon_child(mode: str, path: Path, repeats: int, memory_limit: str) -> dict:
    """One (mode, table) measurement: median wall time over `repeats`, this process's peak RSS."""
    import os
    import shutil
    import tempfile

    warnings.simplefilter("ignore")
    os.environ.setdefault("PRIVSYNTH_KEY", "bench-key-7c1e94a0d2f85b36")
    from privsynth.engine.source import open_source
    from privsynth.io import read_table
    from privsynth.pipeline.anonymize import plan_anonymize
    from privsynth.pipeline.plan import resolve_for
    from privsynth.pipeline.readers import FileReader
    from privsynth.pipeline.run import anonymize_source, release, write_release

    times, info = [], {}
    for _ in range(repeats):
        out = Path(tempfile.mkdtemp(prefix="bench-kanon-")) / "out"
        start = time.perf_counter()
        if mode == "search-duckdb":
            src = open_source(path, "duckdb", memory_limit=memory_limit)
            reader = FileReader(path, src.engine.con)
            resolved, _ = resolve_for(reader, _kanon_policy(False))
            plan = plan_anonymize(reader, resolved, seed=0)
            info = plan.privacy["achieved"]
        elif mode == "search-memory":
            from privsynth.pipeline.readers import FrameReader

            df = read_table(path)
            reader = FrameReader(df)
            resolved, _ = resolve_for(reader, _kanon_policy(False))
            plan = plan_anonymize(reader, resolved, seed=0)
            info = plan.privacy["achieved"]
            del df, reader
        elif mode == "release-duckdb":
            src = open_source(path, "duckdb", memory_limit=memory_limit)
            info = anonymize_source(src, _kanon_policy(True), out, seed=0)["privacy"]["achieved"]
        elif mode == "release-memory":
            rel = release(read_table(path), _kanon_policy(True), seed=0)
            write_release(rel, out, input_path=path)
            info = rel.manifest["privacy"]["achieved"]
            del rel
        else:
            raise SystemExit(f"unknown mode {mode}")
        times.append(time.perf_counter() - start)
        shutil.rmtree(out.parent, ignore_errors=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keep = ("levels", "n_suppressed", "loss", "k_achieved", "l_achieved", "nodes_checked")
    return {"times": times, "rss_mb": rss_mb, "achieved": {k: info.get(k) for k in keep}}


def kanon_main(args) -> int:
    """Run the `--only kanon` section; print a table and write KANON_RESULTS."""
    import datetime as dt
    import os

    data_dir = KANON_DATA
    lines = [
        f"# bench_scale --only kanon  ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores shared, DuckDB memory limit {args.memory_limit}, "
        f"repeats {args.repeats}; times are medians)",
        "# policy: k=10, distinct l=2 on occupation, <= 2% suppression, 6 QIs (age intervals,",
        "#   sex, race, marital-status, education, native-country); full release adds HMAC,",
        "#   a partial mask, a generalized column and a drop; output Parquet, chunks of 500k rows",
        f"{'rows':>11} {'mode':>15} {'median s':>9} {'peak RSS MB':>12}  result",
    ]
    print("\n".join(lines), flush=True)
    results = []
    for n in args.sizes:
        path = data_dir / f"adult-{n}.parquet"
        if not path.exists():
            write_scale_table(path, n)
        modes = ["search-duckdb", "search-memory", "release-duckdb", "release-memory"]
        for mode in modes:
            if mode.endswith("memory") and n > args.memory_max_rows_kanon:
                continue
            proc = subprocess.run(
                [sys.executable, __file__, "--kanon-child", mode, str(path), "--repeats",
                 str(args.repeats), "--memory-limit", args.memory_limit],
                capture_output=True, text=True,
            )  # fmt: skip
            if proc.returncode != 0:
                line = f"{n:>11,} {mode:>15} failed: {proc.stderr.strip().splitlines()[-1:]}"
            else:
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                med = statistics.median(r["times"])
                a = r["achieved"]
                results.append({"rows": n, "mode": mode, **r, "median_s": med})
                line = (
                    f"{n:>11,} {mode:>15} {med:>9.2f} {r['rss_mb']:>12.0f}  "
                    f"levels {a['levels']} suppressed {a['n_suppressed']} loss {a['loss']:.6f}"
                )
            print(line, flush=True)
            lines.append(line)
    KANON_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    KANON_RESULTS.write_text("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
