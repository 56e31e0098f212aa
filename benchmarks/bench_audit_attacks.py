"""Time the risk side of the audit on Adult: a 24k-row release vs 24k train / 24k holdout.

    python benchmarks/bench_audit_attacks.py [--repeats 3] [--n 24000] [--n-attacks 500]

Prints the median wall time of each step (re-identification risk, singling out univariate and
multivariate, linkability, inference, membership inference) and their total. The release is a
bootstrap resample of train (a leaky "synthesizer"), which exercises every code path.
Reference: anonymeter 1.1.0 alone takes 55-110 s for the three attacks at this size with 500
attacks (figure cited in issue 5, not re-measured here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privsynth.audit import (  # noqa: E402
    inference,
    linkability,
    membership_inference,
    reidentification_risk,
    singling_out,
)

DATA = ROOT.parent / "shared" / "data" / "adult-raw" / "adult.csv"
QIS = ["age", "sex", "race", "education", "marital-status", "native-country"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=24_000)
    ap.add_argument("--n-attacks", type=int, default=500)
    ap.add_argument("--data", default=str(DATA))
    args = ap.parse_args()

    df = pd.read_csv(args.data)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(df))
    n = min(args.n, len(df) // 2)
    train, holdout = df.iloc[idx[:n]], df.iloc[idx[n : 2 * n]]
    release = train.iloc[rng.integers(0, n, n)].reset_index(drop=True)
    na = args.n_attacks
    half = len(df.columns) // 2
    cols_a, cols_b = list(df.columns[:half]), list(df.columns[half:-1])

    steps = {
        "reidentification_risk": lambda: reidentification_risk(
            release, QIS, sensitive="occupation", sampling_fraction=0.1
        ),
        "singling_out_univariate": lambda: singling_out(train, release, holdout, n_attacks=na),
        "singling_out_multivariate": lambda: singling_out(
            train, release, holdout, n_attacks=na, mode="multivariate"
        ),
        "linkability": lambda: linkability(
            train, release, holdout, aux_cols=(cols_a, cols_b), n_attacks=na
        ),
        "inference_income": lambda: inference(
            train, release, holdout, secret="income", n_attacks=na
        ),
        "membership_inference": lambda: membership_inference(
            train, holdout, release, epsilon=1.0, delta=1e-9
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    results = {}
    for _ in range(args.repeats):
        for name, fn in steps.items():
            t0, c0 = time.perf_counter(), time.process_time()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    print(
        f"Adult: release {len(release)} rows, train {len(train)}, holdout {len(holdout)}, "
        f"{na} attacks, median of {args.repeats}"
    )
    print(f"  {'step':28s} {'wall':>8s} {'cpu':>8s}   (cpu: all threads of this process)")
    total = total_cpu = 0.0
    for name, ts in times.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[name])
        total += med
        total_cpu += med_cpu
        print(f"  {name:28s} {med:7.2f}s {med_cpu:7.2f}s")
    print(f"  {'total':28s} {total:7.2f}s {total_cpu:7.2f}s")
    print(f"  (load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for name in (
        "singling_out_univariate",
        "singling_out_multivariate",
        "linkability",
        "inference_income",
    ):
        r = results[name]
        print(
            f"  {name:28s} n={r.n_attacks} attack {r.attack_rate:.3f} baseline "
            f"{r.baseline_rate:.3f} control {r.control_rate:.3f} risk {r.risk:.3f} "
            f"ci [{r.ci[0]:.3f}, {r.ci[1]:.3f}]"
        )
    # a secret independent of everything, uniform over 5 values: the baseline must be ~0.2
    g = np.random.default_rng(1)
    tr, ho, rel = (
        f.assign(secret=g.choice(list("abcde"), len(f))) for f in (train, holdout, release)
    )
    aux = [c for c in df.columns if c != "income"]
    r = inference(tr, rel, ho, secret="secret", aux_cols=aux, n_attacks=na)
    print(
        f"  {'inference_uniform_secret':28s} attack {r.attack_rate:.3f} baseline "
        f"{r.baseline_rate:.3f} control {r.control_rate:.3f} risk {r.risk:.3f}"
    )
    m = results["membership_inference"]
    print(
        f"  (membership: DCR share {m.dcr_share:.3f}, distance AUC {m.distance_attack.auc:.3f}, "
        f"density AUC {m.density_attack.auc:.3f})"
    )


if __name__ == "__main__":
    main()
