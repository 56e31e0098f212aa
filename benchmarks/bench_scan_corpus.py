"""Column-level quality of `privsynth.scan` on real public tables (benchmarks/scan_corpus/).

    python benchmarks/bench_scan_corpus.py --split dev [faker] [--errors] [--no-presidio]
    python benchmarks/bench_scan_corpus.py --split heldout --confirm-heldout   # the lead, once

The corpus itself is not in git: build it first with benchmarks/scan_corpus/build_corpus.py
(see benchmarks/scan_corpus/README.md); `--corpus` points at it (default /work/corpus). Labels
are benchmarks/scan_corpus/labels/<table>.json, written by hand under LABELLING.md; the split
is benchmarks/scan_corpus/split.json. The `faker` split is the older Faker-made tables of
benchmarks/scan_eval/, their labels mapped to this corpus' vocabulary; `lookalikes` is the
generated fixtures of benchmarks/scan_corpus/lookalikes/ (shapes the real tables broke on).

Two detectors run on the same in-memory tables in the same process:
  - privsynth.scan (default settings) on the typed table;
  - presidio-structured's PandasAnalysisBuilder over every cell of the text table, with
    presidio's stock recognizers, offline - the reference. A column presidio maps to an entity
    gets that entity's privsynth class, or `direct` when privsynth has no class for it.

Scores, per split and detector (a column is *flagged* when its class is direct or quasi):
  precision / recall / F1 of flagged columns; sensitive recall (classed `sensitive`) and
  sensitive protected (classed direct, quasi or sensitive: not released as is); per true class
  the share flagged and the share classed exactly; per true entity the columns decided right
  (flagged iff direct/quasi, sensitive iff sensitive, neither iff none); Art. 9 special-category
  recall when the scanner reports a special category (else n/a) and the share of
  special-category columns protected; wall and CPU seconds.

For a detector that reports a fail-safe decision (privsynth's `ColumnFinding.not_personal`),
the report also counts the none-labelled columns it confidently keeps and the personal
(direct/quasi/sensitive) columns it would wrongly keep (the second must stay ~0).

`--errors` lists every column decided wrong, with the scanner's evidence; it refuses to run on
the heldout split, which must not be used for tuning. The heldout split only runs with
`--confirm-heldout`, meant for the one final measurement.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privsynth.detect import scan  # noqa: E402
from privsynth.detect.classify import class_of  # noqa: E402
from privsynth.io import read_table  # noqa: E402

CORPUS_DIR = ROOT / "benchmarks" / "scan_corpus"
FAKER_DIR = ROOT / "benchmarks" / "scan_eval"
LOOKALIKE_DIR = CORPUS_DIR / "lookalikes"
FLAGGED = {"direct", "quasi"}
CLASSES = ("direct", "quasi", "sensitive", "none")
# Faker labels (scan_eval/*.labels.json) -> this corpus' vocabulary.
FAKER_ENTITY = {"INCOME": "FINANCIAL"}
FAKER_SPECIAL = {"ETHNICITY": "race_ethnicity", "HEALTH": "health", "RELIGION": "religion",
                 "POLITICAL_OPINION": "politics", "TRADE_UNION": "union",
                 "SEXUAL_ORIENTATION": "sex_life"}


@dataclass
class Table:
    name: str
    source: str
    path: Path
    labels: dict[str, dict]
    typed: pd.DataFrame | None = None
    text: pd.DataFrame | None = None


@dataclass
class Prediction:
    cls: str  # direct | quasi | sensitive | none
    entity: str = "NONE"
    special: str | None = None
    evidence: str = ""
    confident_none: bool | None = None  # the fail-safe decision (None: detector has none)


@dataclass
class Scores:
    preds: dict[str, dict[str, Prediction]]
    wall: float
    cpu: float
    has_special: bool
    errors: list[str] = field(default_factory=list)


def group(cls: str) -> str:
    return "flagged" if cls in FLAGGED else ("sensitive" if cls == "sensitive" else "none")


# --- loading ------------------------------------------------------------------------------

def load_corpus_split(split: str, corpus: Path) -> list[Table]:
    spec = json.loads((CORPUS_DIR / "sources.json").read_text())
    names = json.loads((CORPUS_DIR / "split.json").read_text())[split]["tables"]
    by_name = {t["name"]: t for t in spec["tables"]}
    tables = []
    for name in names:
        path = corpus / f"{name}.csv"
        if not path.exists():
            raise SystemExit(f"{path}: missing; build the corpus first "
                             "(benchmarks/scan_corpus/build_corpus.py)")
        labels = json.loads((CORPUS_DIR / "labels" / f"{name}.json").read_text())
        tables.append(Table(name, by_name[name]["source"], path, labels))
    return tables


def load_faker() -> list[Table]:
    tables = []
    for lp in sorted(FAKER_DIR.glob("*.labels.json")):
        name = lp.name.removesuffix(".labels.json")
        labels = {}
        for col, lab in json.loads(lp.read_text()).items():
            entity = FAKER_ENTITY.get(lab["entity"], lab["entity"])
            labels[col] = {"class": "none" if lab["class"] == "other" else lab["class"],
                           "entity": entity, "special_category": FAKER_SPECIAL.get(lab["entity"]),
                           "note": "mapped from scan_eval labels"}
        tables.append(Table(name, "faker", FAKER_DIR / f"{name}.csv", labels))
    return tables


def load_lookalikes() -> list[Table]:
    tables = []
    for lp in sorted(LOOKALIKE_DIR.glob("*.labels.json")):
        name = lp.name.removesuffix(".labels.json")
        tables.append(Table(name, "lookalikes", LOOKALIKE_DIR / f"{name}.csv",
                            json.loads(lp.read_text())))
    return tables


def read_all(tables: list[Table]) -> list[str]:
    """Read every table as privsynth's reader does; returns notes on headers it got wrong.

    When the sniffer takes the header for a data row (a numeric-looking header such as
    `2023`), the table is read again with header=True so detection is still measured, and
    the note goes into the report: the reader's mistake is a finding of its own.
    """
    notes = []
    for t in tables:
        t.typed = read_table(t.path)
        t.text = read_table(t.path, infer_types=False)
        if set(t.typed.columns) != set(t.labels):
            notes.append(f"{t.name}: privsynth.io.read_table did not see the header row "
                         f"(got {list(t.typed.columns)[:3]}...); re-read with header=True")
            t.typed = read_table(t.path, header=True)
            t.text = read_table(t.path, infer_types=False, header=True)
        missing = [c for c in t.typed.columns if c not in t.labels]
        extra = [c for c in t.labels if c not in t.typed.columns]
        if missing or extra:
            raise SystemExit(f"{t.name}: labels do not match the columns "
                             f"(unlabelled {missing[:3]}, unknown {extra[:3]})")
    return notes


# --- detectors ----------------------------------------------------------------------------

def run_privsynth(tables: list[Table]) -> Scores:
    preds: dict[str, dict[str, Prediction]] = {}
    has_special = False
    t0, c0 = time.perf_counter(), time.process_time()
    results = [(t.name, scan(t.typed)) for t in tables]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    for name, res in results:
        preds[name] = {}
        for f in res.findings:
            cls = str(f.cls)
            special = getattr(f, "special_category", None)
            has_special = has_special or hasattr(f, "special_category")
            not_personal = getattr(f, "not_personal", None)
            preds[name][f.name] = Prediction(
                "none" if cls == "other" else cls, f.entity,
                str(special) if special else None, "; ".join(f.evidence[:2]), not_personal)
    return Scores(preds, wall, cpu, has_special)


def presidio_builder():
    from presidio_structured import PandasAnalysisBuilder

    from privsynth.detect.presidio_engine import build_analyzer

    return PandasAnalysisBuilder(analyzer=build_analyzer(own_recognizers=False))


def run_presidio(builder, tables: list[Table]) -> Scores:
    preds: dict[str, dict[str, Prediction]] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for t in tables:
        frame = t.text.fillna("").astype(str)
        mapping = builder.generate_analysis(frame).entity_mapping
        preds[t.name] = {}
        for c in frame.columns:
            if c in mapping:
                cls = str(class_of(mapping[c]))
                preds[t.name][c] = Prediction("direct" if cls == "other" else cls, mapping[c])
            else:
                preds[t.name][c] = Prediction("none")
    return Scores(preds, time.perf_counter() - t0, time.process_time() - c0, False)


# --- scoring ------------------------------------------------------------------------------

def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(scores: Scores, tables: list[Table]) -> dict:
    tp = fp = fn = 0
    sens = [0, 0, 0]  # classed sensitive, protected, total
    special = [0, 0, 0]  # right special category, protected, total
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # flagged, exact, total
    by_entity: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    failsafe = {"none_confident": 0, "none": 0, "personal_confident": 0, "personal": 0,
                "wrong": []}
    for t in tables:
        for col, lab in t.labels.items():
            p = scores.preds[t.name][col]
            truth, got = lab["class"], p.cls
            if p.confident_none is not None:
                key = "none" if truth == "none" else "personal"
                failsafe[key] += 1
                failsafe[key + "_confident"] += bool(p.confident_none)
                if p.confident_none and truth != "none":
                    failsafe["wrong"].append(f"{t.name}.{col}: true {truth} {lab['entity']}")
            tp += truth in FLAGGED and got in FLAGGED
            fp += got in FLAGGED and truth not in FLAGGED
            fn += truth in FLAGGED and got not in FLAGGED
            by_class[truth][0] += got in FLAGGED
            by_class[truth][1] += got == truth
            by_class[truth][2] += 1
            right = group(got) == group(truth)
            by_entity[(truth, lab["entity"])][0] += right
            by_entity[(truth, lab["entity"])][1] += 1
            if truth == "sensitive":
                sens[0] += got == "sensitive"
                sens[1] += got != "none"
                sens[2] += 1
            if lab["special_category"]:
                special[0] += p.special == lab["special_category"]
                special[1] += got != "none"
                special[2] += 1
            if not right:
                errors.append(f"{t.name}.{col}: true {truth} {lab['entity']}"
                              f"{' [' + lab['special_category'] + ']' if lab['special_category'] else ''}"
                              f" -> got {got} {p.entity}  | {p.evidence[:160]}")
    return {"prf": prf(tp, fp, fn), "sens": sens, "special": special,
            "by_class": dict(by_class), "by_entity": dict(by_entity), "errors": errors,
            "failsafe": failsafe}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def report(split: str, tables: list[Table], runs: dict[str, Scores], errors: bool,
           notes: list[str]) -> None:
    labels = [lab for t in tables for lab in t.labels.values()]
    counts = {c: sum(lab["class"] == c for lab in labels) for c in CLASSES}
    n_special = sum(bool(lab["special_category"]) for lab in labels)
    sources = sorted({t.source for t in tables})
    cells = sum(len(t.typed) * t.typed.shape[1] for t in tables)
    print(f"== split {split}: {len(tables)} tables from {len(sources)} sources, {len(labels)} "
          f"columns ({', '.join(f'{c} {n}' for c, n in counts.items())}; "
          f"{n_special} special-category), {cells:,} cells")
    for n in notes:
        print(f"  reader: {n}")
    results = {name: evaluate(s, tables) for name, s in runs.items()}
    print(f"\n{'detector':20s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'sensR':>6s} "
          f"{'sensP':>6s} {'specR':>6s} {'specP':>6s} {'wall s':>7s} {'cpu s':>7s}")
    for name, res in results.items():
        p, r, f = res["prf"]
        s, sp, run = res["sens"], res["special"], runs[name]
        spec_r = ratio(sp[0], sp[2]) if run.has_special else "  n/a"
        print(f"{name:20s} {p:6.3f} {r:6.3f} {f:6.3f} {ratio(s[0], s[2]):>6s} "
              f"{ratio(s[1], s[2]):>6s} {spec_r:>6s} {ratio(sp[1], sp[2]):>6s} "
              f"{run.wall:7.2f} {run.cpu:7.2f}")
    print("  sensR: sensitive columns classed sensitive; sensP: classed direct/quasi/sensitive;"
          "\n  specR: Art. 9 category reported right (n/a: the detector reports none); "
          "specP: Art. 9 columns classed direct/quasi/sensitive")

    for name, res in results.items():
        fs = res["failsafe"]
        if fs["none"] + fs["personal"]:
            print(f"\nfail-safe decision of {name} (kept by default only when confidently "
                  f"not personal):\n  none-labelled columns confidently not personal: "
                  f"{fs['none_confident']}/{fs['none']} ({ratio(fs['none_confident'], fs['none'])})"
                  f"\n  personal columns (direct/quasi/sensitive) wrongly confidently not "
                  f"personal: {fs['personal_confident']}/{fs['personal']}")
            for w in fs["wrong"] if errors else []:
                print("    " + w)
    print("\nper true class: flagged (direct|quasi) / classed exactly")
    print(f"{'class':10s} " + " ".join(f"{n[:24]:>26s}" for n in results))
    for c in CLASSES:
        row = []
        for res in results.values():
            fl, ex, tot = res["by_class"].get(c, [0, 0, 0])
            row.append(f"{fl:>3d}/{tot:<3d} {ratio(fl, tot)} | {ratio(ex, tot)}")
        print(f"{c:10s} " + " ".join(f"{x:>26s}" for x in row))

    print("\nper true entity: columns decided right (flagged iff direct/quasi, sensitive iff "
          "sensitive, else none)")
    keys = sorted({k for res in results.values() for k in res["by_entity"]},
                  key=lambda k: (CLASSES.index(k[0]), k[1]))
    print(f"{'class':9s} {'entity':22s} " + " ".join(f"{n[:20]:>20s}" for n in results))
    for k in keys:
        row = [f"{res['by_entity'].get(k, [0, 0])[0]}/{res['by_entity'].get(k, [0, 0])[1]}"
               for res in results.values()]
        print(f"{k[0]:9s} {k[1]:22s} " + " ".join(f"{x:>20s}" for x in row))
    if errors:
        for name, res in results.items():
            print(f"\n{name}: {len(res['errors'])} columns decided wrong on {split}")
            for e in res["errors"]:
                print("  " + e)
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", nargs="+", default=["dev"], choices=["dev", "heldout", "faker", "lookalikes"])
    ap.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    ap.add_argument("--errors", action="store_true", help="list columns decided wrong (dev/faker)")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--confirm-heldout", action="store_true",
                    help="run the heldout split (the final measurement, once)")
    args = ap.parse_args()
    if "heldout" in args.split and args.errors:
        print("refusing: per-column errors are never printed for the heldout split "
              "(it must not be used for tuning)", file=sys.stderr)
        raise SystemExit(2)
    if "heldout" in args.split and not args.confirm_heldout:
        print("refusing: the heldout split is measured once, at the end; pass --confirm-heldout",
              file=sys.stderr)
        raise SystemExit(2)
    logging.disable(logging.WARNING)
    builder = None if args.no_presidio else presidio_builder()
    warmed = False
    for split in args.split:
        loaders = {"faker": load_faker, "lookalikes": load_lookalikes}
        tables = (loaders[split]() if split in loaders
                  else load_corpus_split(split, args.corpus))
        notes = read_all(tables)
        if not warmed:
            scan(tables[0].typed)  # build presidio and vocabularies once (not timed)
            warmed = True
        runs = {"privsynth.scan": run_privsynth(tables)}
        if builder is not None:
            runs["presidio-structured"] = run_presidio(builder, tables)
        report(split, tables, runs, args.errors, notes)


if __name__ == "__main__":
    main()
