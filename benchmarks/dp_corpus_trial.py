"""The built-in `dp-synthetic` policy on real public tables it was not written for (issue 13).

For each table of the scan corpus (`/work/corpus/<table>.csv`, built by
`benchmarks/scan_corpus/build_corpus.py`; never committed): the rows are split in two halves
(seeded), the train half is released with `privsynth release --policy dp-synthetic` semantics
(read without inference, `synthesize_source`), and the release is compared with the HOLDOUT
half column by column: the audit's 1-way total variation distance (`audit.utility`: numbers in
the audit's bins, categories as they are). The train-vs-holdout TVD of the same column is
printed beside it: the sampling noise floor no release can beat.

Each table ends as `released` (with the per-column TVDs, the worst one, and whether every
column meets the documented limit `LIMIT`) or `refused` (with the pre-flight's one-line
reason). A release with a column over the limit also carries the notices the release itself
printed.

    .venv/bin/python benchmarks/dp_corpus_trial.py [--tables a,b,...] [--policy dp-synthetic]
        [--out benchmarks/results/dp_corpus_trial.md]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from privsynth.audit.utility import chi_squared_tests, encode_pair, ks_tests  # noqa: E402
from privsynth.engine.source import open_source  # noqa: E402
from privsynth.errors import InputError  # noqa: E402
from privsynth.io import read_table  # noqa: E402
from privsynth.io.read import read_csv_text  # noqa: E402
from privsynth.pipeline.run import read_public  # noqa: E402
from privsynth.pipeline.synthesize import PreflightRefusal, synthesize_source  # noqa: E402
from privsynth.policy import load_policy  # noqa: E402

CORPUS = Path("/work/corpus")
# The documented per-column limit (README, privacy rules): 1-way TVD of a released column
# against real rows the release never saw.
LIMIT = 0.2
TABLES = [
    "titanic", "synthea_patients", "hr_dataset_v14", "compas_two_years", "lahman_people",
    "elastic_apache_access", "loghub_openssh", "seaborn_tips", "seaborn_diamonds",
    "vega_seattle_weather", "ai4i_machines", "sakila_payment", "fte_biopics",
    "synthea_encounters",
]


def split(path: Path, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = read_csv_text(path)
    order = np.random.default_rng(seed).permutation(len(df))
    half = len(df) // 2
    return df.iloc[order[:half]], df.iloc[order[half:]]


def per_column_tvd(real: pd.DataFrame, release: pd.DataFrame) -> dict[str, float]:
    """The audit's 1-way TVD of each column two tables share."""
    cols = [c for c in release.columns if c in real.columns]
    enc = encode_pair(real[cols], release[cols])
    out = {t.column: t.tvd for t in ks_tests(enc)}
    out.update({t.column: t.tvd for t in chi_squared_tests(enc)})
    return {c: out[c] for c in cols if c in out}


def trial(table: str, policy, tmp: Path) -> dict:
    train, holdout = split(CORPUS / f"{table}.csv")
    train_path, holdout_path = tmp / f"{table}-train.csv", tmp / f"{table}-holdout.csv"
    train.to_csv(train_path, index=False)
    holdout.to_csv(holdout_path, index=False)
    row = {"table": table, "rows": len(train), "columns": train.shape[1]}
    t0 = time.time()
    try:
        rel = synthesize_source(open_source(train_path, "memory", load=read_public), policy, seed=0)
        data = rel.data
    except PreflightRefusal as exc:
        row.update(outcome="refused", reason=str(exc), seconds=time.time() - t0)
        return row
    except InputError as exc:
        row.update(outcome="error", reason=str(exc), seconds=time.time() - t0)
        return row
    out_path = tmp / f"{table}-release.csv"
    data.to_csv(out_path, index=False)
    real = read_table(holdout_path)
    released = read_table(out_path)
    tvd = per_column_tvd(real, released)
    floor = per_column_tvd(real, read_table(train_path))
    over = {c: v for c, v in tvd.items() if v > LIMIT}
    row.update(
        outcome="released",
        seconds=time.time() - t0,
        kept=len(data.columns),
        tvd=tvd,
        floor=floor,
        worst=max(tvd.values()) if tvd else float("nan"),
        mean=float(np.mean(list(tvd.values()))) if tvd else float("nan"),
        over=over,
        notices=rel.notices,
        steps=len(rel.ledger.entries),
        epsilon_spent=rel.ledger.epsilon_spent(),
    )
    return row


def report(rows: list[dict], policy_name: str) -> str:
    lines = [
        f"# `{policy_name}` on real public tables (issue 13): released or refused",
        "",
        f"Each table's rows split 50/50 (seed 0); the train half released, each released column "
        f"compared with the holdout half (the audit's 1-way TVD; numbers in the audit's bins). "
        f"Documented limit: {LIMIT} per column. `floor` is the same TVD between train and "
        f"holdout (sampling noise, what a perfect release would show).",
        "",
        "| table | rows (train) | columns | outcome | kept | mean TVD | worst TVD (column) | "
        "columns over the limit | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["outcome"] != "released":
            lines.append(
                f"| {r['table']} | {r['rows']} | {r['columns']} | **{r['outcome']}**: "
                f"{r['reason']} | | | | | {r['seconds']:.1f} |"
            )
            continue
        worst_col = max(r["tvd"], key=r["tvd"].get) if r["tvd"] else "-"
        over = ", ".join(f"{c} {v:.2f}" for c, v in r["over"].items()) or "none"
        lines.append(
            f"| {r['table']} | {r['rows']} | {r['columns']} | released | {r['kept']} | "
            f"{r['mean']:.3f} | {r['worst']:.3f} ({worst_col}) | {over} | {r['seconds']:.1f} |"
        )
    lines += ["", "## Per column (release vs holdout / train vs holdout)", ""]
    for r in rows:
        if r["outcome"] != "released":
            continue
        cells = ", ".join(
            f"{c} {v:.3f}/{r['floor'].get(c, float('nan')):.3f}" for c, v in r["tvd"].items()
        )
        lines.append(f"- **{r['table']}** (epsilon spent {r['epsilon_spent']:.3f}, "
                     f"{r['steps']} DP steps): {cells}")
        for n in r["notices"]:
            lines.append(f"  - notice: {n}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", default=",".join(TABLES))
    ap.add_argument("--policy", default="dp-synthetic")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    policy = load_policy(args.policy)
    rows = []
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        for table in args.tables.split(","):
            if not (CORPUS / f"{table}.csv").exists():
                print(f"{table}: not in {CORPUS} (build it with scan_corpus/build_corpus.py)")
                continue
            row = trial(table, policy, Path(tmp))
            rows.append(row)
            print(table, row["outcome"], row.get("worst", row.get("reason")), flush=True)
    text = report(rows, args.policy)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
