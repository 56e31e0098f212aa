"""Column-level quality and speed of `privsynth.scan` on the labeled tables in scan_eval/.

    python benchmarks/bench_scan.py [--reps 3] [--no-presidio] [--big-rows 1000000]

A column counts as flagged when its class is direct or quasi (sensitive and other are not
flagged). Three detectors run on the same in-memory tables in the same process:
  - privsynth.scan (default settings);
  - presidio-structured's PandasAnalysisBuilder over every cell, with presidio's stock
    recognizers, offline (no-op NLP engine, bundled public-suffix list) - the reference;
  - a header-keyword rule: flagged when the column name matches the lexicon.
Times are medians over --reps repetitions (engine construction excluded for both). Finally a
1M x 20 synthetic table, generated in memory, is scanned and timed.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privsynth.detect import scan  # noqa: E402
from privsynth.detect.classify import class_of  # noqa: E402
from privsynth.detect.header import best_hit  # noqa: E402
from privsynth.io import read_table  # noqa: E402

EVAL = Path(__file__).resolve().parent / "scan_eval"
FLAGGED = {"direct", "quasi"}


def load_eval() -> list[tuple[str, pd.DataFrame, pd.DataFrame, dict]]:
    """(name, typed frame, text frame, labels) for every table in scan_eval/."""
    out = []
    for labels_path in sorted(EVAL.glob("*.labels.json")):
        name = labels_path.name.removesuffix(".labels.json")
        csv = EVAL / f"{name}.csv"
        labels = json.loads(labels_path.read_text())
        typed = read_table(csv)
        text = read_table(csv, infer_types=False)
        out.append((name, typed, text, labels))
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(preds: dict[str, dict[str, bool]], tables) -> dict:
    """Micro P/R/F1 over all columns, plus per true class and per true entity."""
    tp = fp = fn = 0
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # flagged, total
    by_entity: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for name, _, _, labels in tables:
        for col, lab in labels.items():
            truth = lab["class"] in FLAGGED
            got = preds[name].get(col, False)
            tp += truth and got
            fp += got and not truth
            fn += truth and not got
            by_class[lab["class"]][0] += got
            by_class[lab["class"]][1] += 1
            if lab["entity"] != "NONE":
                by_entity[lab["entity"]][0] += got == truth
                by_entity[lab["entity"]][1] += 1
            if got != truth:
                errors.append(f"{name}.{col} ({lab['class']} {lab['entity']}): "
                              f"{'flagged' if got else 'missed'}")
    return {"prf": prf(tp, fp, fn), "by_class": dict(by_class), "by_entity": dict(by_entity),
            "errors": errors}


def run_ours(tables) -> tuple[dict, dict, float, float]:
    preds, classes = {}, {}
    t0, c0 = time.perf_counter(), time.process_time()
    for name, typed, _, _ in tables:
        res = scan(typed)
        preds[name] = {f.name: str(f.cls) in FLAGGED for f in res.findings}
        classes[name] = {f.name: (str(f.cls), f.entity) for f in res.findings}
    return preds, classes, time.perf_counter() - t0, time.process_time() - c0


def run_header(tables) -> dict:
    preds = {}
    for name, typed, _, _ in tables:
        preds[name] = {}
        for col in typed.columns:
            hit = best_hit(col)
            preds[name][col] = hit is not None and str(class_of(hit.entity)) in FLAGGED
    return preds


def presidio_builder():
    from presidio_structured import PandasAnalysisBuilder

    from privsynth.detect.presidio_engine import build_analyzer

    return PandasAnalysisBuilder(analyzer=build_analyzer(own_recognizers=False))


def run_presidio(builder, tables) -> tuple[dict, float, float]:
    preds = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for name, _, text, _ in tables:
        frame = text.fillna("").astype(str)
        mapping = builder.generate_analysis(frame).entity_mapping
        preds[name] = {c: c in mapping for c in frame.columns}
    return preds, time.perf_counter() - t0, time.process_time() - c0


def big_table(n: int, seed: int = 0) -> pd.DataFrame:
    """n rows x 20 columns of mixed PII and non-PII, built vectorized."""
    from faker import Faker

    rng = np.random.default_rng(seed)
    f = Faker("en_US")
    f.seed_instance(seed)
    pool = 5000
    names = np.array([f.name() for _ in range(pool)])
    streets = np.array([f.street_address() for _ in range(pool)])
    cities = np.array([f.city() for _ in range(500)])
    jobs = np.array([f.job() for _ in range(300)])
    notes = np.array([f.sentence(nb_words=10) for _ in range(pool)]
                     + [f"Call {f.name()} at {f.phone_number()}" for _ in range(pool // 4)])
    ids = np.arange(n)
    pick = lambda a: a[rng.integers(0, len(a), n)]  # noqa: E731
    digits = lambda k: pd.Series(rng.integers(10 ** (k - 1), 10**k, n)).astype(str)  # noqa: E731
    id_text = pd.Series(ids).astype(str)
    return pd.DataFrame({
        "customer_id": ids + 100000,
        "full_name": pick(names),
        "email": "user" + id_text + "@example.com",
        "phone": "(" + digits(3) + ") 555-" + digits(4),
        "ssn": digits(3) + "-" + digits(2) + "-" + digits(4),
        "street": pick(streets),
        "city": pick(cities),
        "zip": pd.Series(rng.integers(0, 99999, n)).astype(str).str.zfill(5),
        "birth_date": pd.to_datetime("1940-01-01") + pd.to_timedelta(rng.integers(0, 25000, n),
                                                                     unit="D"),
        "age": rng.integers(18, 90, n),
        "sex": pick(np.array(["Male", "Female"])),
        "race": pick(np.array(["White", "Black", "Asian", "Other"])),
        "occupation": pick(jobs),
        "income": rng.lognormal(10, 1, n).round(2),
        "diagnosis": pick(np.array(["diabetes", "asthma", "none", "hypertension"])),
        "order_number": "ORD-" + id_text,
        "quantity": rng.integers(1, 20, n),
        "price": rng.uniform(1, 500, n).round(2),
        "status": pick(np.array(["open", "closed", "pending"])),
        "notes": pick(notes),
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--big-rows", type=int, default=1_000_000)
    ap.add_argument("--errors", action="store_true", help="list misclassified columns")
    args = ap.parse_args()
    logging.disable(logging.WARNING)

    tables = load_eval()
    n_cols = sum(len(t[3]) for t in tables)
    print(f"{len(tables)} tables, {n_cols} labeled columns, "
          f"{sum(len(t[1]) * len(t[3]) for t in tables):,} cells\n")
    scan(tables[0][1])  # build presidio and vocabularies once (not timed)

    ours_times, pres_times, ours_cpu, pres_cpu = [], [], [], []
    for _ in range(args.reps):
        ours, classes, dt, cpu = run_ours(tables)
        ours_times.append(dt)
        ours_cpu.append(cpu)
    results = {"privsynth.scan": evaluate(ours, tables)}
    if not args.no_presidio:
        builder = presidio_builder()
        for _ in range(args.reps):
            pres, dt, cpu = run_presidio(builder, tables)
            pres_times.append(dt)
            pres_cpu.append(cpu)
        results["presidio-structured"] = evaluate(pres, tables)
    results["header keywords"] = evaluate(run_header(tables), tables)  # privsynth's lexicon

    med = statistics.median
    print(f"{'detector':22s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'wall s':>8s} "
          f"{'cpu s':>8s}")
    times = {"privsynth.scan": (med(ours_times), med(ours_cpu)),
             "presidio-structured": (med(pres_times), med(pres_cpu)) if pres_times else None}
    for name, res in results.items():
        p, r, f = res["prf"]
        t = times.get(name)
        ts = f"{t[0]:8.2f} {t[1]:8.2f}" if t else f"{'-':>8s} {'-':>8s}"
        print(f"{name:22s} {p:9.3f} {r:7.3f} {f:6.3f} {ts}")
    if pres_times:
        print(f"\nspeed-up vs presidio-structured (medians of {args.reps}): "
              f"{med(pres_times) / med(ours_times):.1f}x wall, "
              f"{med(pres_cpu) / med(ours_cpu):.1f}x cpu")

    print("\nshare of columns flagged, by true class (want 1 for direct/quasi, 0 otherwise)")
    classes_order = ["direct", "quasi", "sensitive", "other"]
    print(f"{'class':10s} " + " ".join(f"{n[:20]:>20s}" for n in results))
    for c in classes_order:
        row = []
        for res in results.values():
            flagged, total = res["by_class"].get(c, [0, 0])
            row.append(f"{flagged:>3d}/{total:<3d} ({flagged / max(total, 1):.2f})")
        print(f"{c:10s} " + " ".join(f"{x:>20s}" for x in row))

    print("\nper true entity: columns decided right (flagged iff direct/quasi)")
    entities = sorted({e for res in results.values() for e in res["by_entity"]})
    print(f"{'entity':22s} " + " ".join(f"{n[:20]:>20s}" for n in results))
    for e in entities:
        row = []
        for res in results.values():
            ok, total = res["by_entity"].get(e, [0, 0])
            row.append(f"{ok}/{total}")
        print(f"{e:22s} " + " ".join(f"{x:>20s}" for x in row))

    exact = sum(classes[n][c][0] == lab["class"] for n, _, _, labels in tables
                for c, lab in labels.items())
    print(f"\nprivsynth.scan exact 4-way class agreement: {exact}/{n_cols} "
          f"({exact / n_cols:.3f})")
    if args.errors:
        for name, res in results.items():
            print(f"\n{name} errors:")
            for e in res["errors"]:
                print("  " + e)

    if args.big_rows:
        df = big_table(args.big_rows)
        big = []
        for _ in range(max(1, min(args.reps, 2))):
            t0, c0 = time.perf_counter(), time.process_time()
            scan(df)
            big.append((time.perf_counter() - t0, time.process_time() - c0))
        print(f"\n{len(df):,} rows x {df.shape[1]} columns in memory: scan "
              f"{med(b[0] for b in big):.2f} s wall, {med(b[1] for b in big):.2f} s cpu "
              f"(median of {len(big)})")


if __name__ == "__main__":
    main()
