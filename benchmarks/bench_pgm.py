"""Speed benchmark of the graphical-model estimator on Adult (not a DP release).

Measures estimate() on (a) the 13 edges of a spanning tree (a chain in column order) and
(b) ~30 random 2- and 3-way cliques, with true marginals plus Gaussian noise drawn by numpy
(a speed test of the optimizer, so the noise need not be DP). Reports wall time, iterations,
the loss, the L1 error of the fitted marginals against the true ones, the time of one
warm-started re-fit after adding a clique, the time to sample all rows, and peak RSS.

    python benchmarks/bench_pgm.py [--iters 1000] [--sigma 20] [--cliques 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from privsynth.engine import count_marginals  # noqa: E402
from privsynth.synth import Domain, Measurement, estimate, junction_tree_size  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adult-pgm"


def _l1(model, cliques, truth, n):
    return float(
        np.mean(
            [np.abs(model.marginal(c) - t).sum() / n for c, t in zip(cliques, truth, strict=True)]
        )
    )


def run(name, domain, df, cliques, sigma, iters, rng, method):
    truth = count_marginals(df, cliques, domain.to_dict())
    ms = [
        Measurement(c, t + rng.normal(0, sigma, t.shape), sigma)
        for c, t in zip(cliques, truth, strict=True)
    ]
    t0 = time.perf_counter()
    model = estimate(domain, ms, iters=iters, method=method)
    fit = time.perf_counter() - t0
    n = len(df)
    size = junction_tree_size(domain, cliques)
    print(
        f"{name:>16}: {len(cliques)} cliques, JT {size:.1f} MB | estimate {fit:.2f} s, "
        f"{model.iterations_} iters ({1000 * fit / max(model.iterations_, 1):.1f} ms/iter), "
        f"loss {model.loss_:.1f}, L1 vs truth {_l1(model, cliques, truth, n):.4f} "
        f"(noise alone {np.mean([np.abs(m.values - t).sum() / n for m, t in zip(ms, truth, strict=True)]):.4f})"
    )
    # one AIM-like round: add a clique, warm start from the fitted model
    attrs = list(domain.attrs)
    extra = tuple(map(str, rng.choice(attrs, 2, replace=False)))
    t_extra = count_marginals(df, [extra], domain.to_dict())[0]
    ms2 = [*ms, Measurement(extra, t_extra + rng.normal(0, sigma, t_extra.shape), sigma)]
    for label, warm in (("warm", model), ("cold", None)):
        t0 = time.perf_counter()
        m2 = estimate(domain, ms2, iters=iters, warm_start=warm, method=method)
        el = time.perf_counter() - t0
        print(
            f"{'':>16}  + {extra}: {label} {el:.2f} s, {m2.iterations_} iters, loss {m2.loss_:.1f}"
        )
    t0 = time.perf_counter()
    sample = model.sample(n, rng=np.random.default_rng(0))
    el = time.perf_counter() - t0
    l1 = np.mean(
        [
            np.abs(count_marginals(sample, [c], domain.to_dict())[0] - model.marginal(c)).sum() / n
            for c in cliques
        ]
    )
    print(f"{'':>16}  sample {n} rows: {el:.2f} s, L1(sample, model) on measured cliques {l1:.4f}")
    return model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--sigma", type=float, default=20.0)
    ap.add_argument("--cliques", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", default="accel")
    ap.add_argument(
        "--max-mb", type=float, default=20.0, help="junction-tree cap of the random set"
    )
    args = ap.parse_args()
    domain = Domain.from_dict(json.loads((DATA / "domain.json").read_text()))
    df = pd.read_csv(DATA / "adult.csv")
    rng = np.random.default_rng(args.seed)
    attrs = list(domain.attrs)
    tree = [(attrs[i], attrs[i + 1]) for i in range(len(attrs) - 1)]
    run("spanning tree", domain, df, tree, args.sigma, args.iters, rng, args.method)
    cliques: list[tuple[str, ...]] = []
    while len(cliques) < args.cliques:
        k = int(rng.choice([2, 3]))
        c = tuple(sorted(map(str, rng.choice(attrs, k, replace=False)), key=attrs.index))
        if c not in cliques and junction_tree_size(domain, [*cliques, c]) <= args.max_mb:
            cliques.append(c)
    run("random 2/3-way", domain, df, cliques, args.sigma, args.iters, rng, args.method)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
