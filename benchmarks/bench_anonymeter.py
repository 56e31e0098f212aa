"""Reference timing: anonymeter 1.1.0 on the same Adult split as bench_audit_attacks.py.

Runs in its own virtual environment (anonymeter pins its own numba / polars):

    python -m venv benchmarks/.venvs/anonymeter
    benchmarks/.venvs/anonymeter/bin/pip install anonymeter==1.1.0
    benchmarks/.venvs/anonymeter/bin/python benchmarks/bench_anonymeter.py [--n 24000]

Prints wall time and the rates of each evaluator, to put beside our figures. It also runs the
inference attack on a secret drawn uniformly at random from 5 values, where any honest
baseline is about 1/5 = 0.2.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adult-raw" / "adult.csv"


def show(name: str, ev, seconds: float, cpu: float) -> None:
    res = ev.results()
    risk = ev.risk()
    print(
        f"  {name:28s} {seconds:7.2f}s {cpu:7.2f}s  attack {res.attack_rate.value:.3f} "
        f"baseline {res.baseline_rate.value:.3f} control {res.control_rate.value:.3f} "
        f"risk {risk.value:.3f} ci [{risk.ci[0]:.3f}, {risk.ci[1]:.3f}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=24_000)
    ap.add_argument("--n-attacks", type=int, default=500)
    ap.add_argument("--data", default=str(DATA))
    args = ap.parse_args()
    df = pd.read_csv(args.data)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(df))
    n = min(args.n, len(df) // 2)
    train = df.iloc[idx[:n]].reset_index(drop=True)
    holdout = df.iloc[idx[n : 2 * n]].reset_index(drop=True)
    release = train.iloc[rng.integers(0, n, n)].reset_index(drop=True)
    na = args.n_attacks
    half = len(df.columns) // 2
    cols_a, cols_b = list(df.columns[:half]), list(df.columns[half:-1])
    print(f"anonymeter 1.1.0 on Adult: release {n}, train {n}, holdout {n}, {na} attacks")
    total = total_cpu = 0.0
    print(f"  {'step':28s} {'wall':>8s} {'cpu':>8s}")
    runs = [
        (
            "singling_out_univariate",
            lambda: SinglingOutEvaluator(ori=train, syn=release, control=holdout, n_attacks=na),
            {"mode": "univariate"},
        ),
        (
            "singling_out_multivariate",
            lambda: SinglingOutEvaluator(
                ori=train, syn=release, control=holdout, n_attacks=na, n_cols=3
            ),
            {"mode": "multivariate"},
        ),
        (
            "linkability",
            lambda: LinkabilityEvaluator(
                ori=train,
                syn=release,
                control=holdout,
                n_attacks=na,
                aux_cols=(cols_a, cols_b),
                n_neighbors=1,
            ),
            {},
        ),
        (
            "inference_income",
            lambda: InferenceEvaluator(
                ori=train,
                syn=release,
                control=holdout,
                n_attacks=na,
                secret="income",
                aux_cols=[c for c in df.columns if c != "income"],
            ),
            {},
        ),
    ]
    for name, make, kw in runs:
        t0, c0 = time.perf_counter(), time.process_time()
        ev = make().evaluate(**kw)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        total += dt
        total_cpu += dc
        show(name, ev, dt, dc)
    print(f"  {'total':28s} {total:7.2f}s {total_cpu:7.2f}s")
    print(f"  (load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

    # a secret independent of everything, uniform over 5 values: baseline should be ~0.2
    r = np.random.default_rng(1)
    tr, ho, syn = (
        f.assign(secret=r.choice(list("abcde"), len(f))) for f in (train, holdout, release)
    )
    ev = InferenceEvaluator(
        ori=tr,
        syn=syn,
        control=ho,
        n_attacks=na,
        secret="secret",
        aux_cols=[c for c in df.columns if c != "income"],
    ).evaluate()
    show("inference_uniform_secret", ev, float("nan"), float("nan"))


if __name__ == "__main__":
    main()
