"""MST (McKenna, Miklau & Sheldon 2021, "Winning the NIST Contest"): a DP synthesizer.

Budget in three parts (default 50% / 5% / 45%; the paper uses thirds): (1) every 1-way marginal,
(2) choosing a maximum spanning tree of 2-way marginals with the exponential mechanism, (3) the
tree's 2-way marginals.
Rare 1-way cells (noisy count < 3 sigma) are merged using the NOISY counts only, before the
2-way marginals are scored and measured. A graphical model fit to all measurements is sampled.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.synth.base import Compression, MarginalSynthesizer, pgm
from privsynth.synth.ledger import Ledger
from privsynth.synth.limits import check_method_width
from privsynth.synth.measure import measure_marginal, select_noisy_max

COMPRESS_MODES = ("rare", "runs")


def _rare_map(y: np.ndarray, cut: float) -> np.ndarray:
    """Cells at or above `cut` keep a code each (in order); every cell below it joins one
    last shared cell."""
    sup = y >= cut
    m = np.empty(y.size, dtype=np.int64)
    m[sup] = np.arange(int(sup.sum()))
    m[~sup] = int(sup.sum())
    return m


def _runs_map(y: np.ndarray, cut: float) -> np.ndarray:
    """Adjacent codes grouped into runs whose noisy mass (negative counts taken as 0) reaches
    `cut`: walking the codes in order, a run closes as soon as its mass reaches the cut, so a
    cell at or above it that starts a run stays alone; a tail run below the cut joins the
    run before it. Grouping neighbours keeps what the code order means (ages, amounts, hours
    stay near their own values) where one shared rare cell would mix 1 hour with 90 hours.
    A column that would become a single run is left unmerged."""
    mass = np.clip(y, 0.0, None)
    m = np.empty(y.size, dtype=np.int64)
    group, acc, open_run = 0, 0.0, False
    for j, v in enumerate(mass.tolist()):  # over a column's codes, not over rows
        m[j] = group
        acc += v
        open_run = True
        if acc >= cut:
            group, acc, open_run = group + 1, 0.0, False
    if open_run and group > 0:  # the tail never reached the cut: join the previous run
        m[m == group] = group - 1
    if m[-1] == 0 and y.size > 1:
        # one run would erase the column (e.g. a binary flag whose rare value is under the
        # cut): keep its cells apart, as "rare" never merges a single cell either
        return np.arange(y.size)
    return m


def compress_oneways(
    noisy: Mapping[str, np.ndarray],
    sigmas: Mapping[str, float],
    threshold: float = 3.0,
    mode: str = "rare",
) -> tuple[Compression, dict[str, np.ndarray], dict[str, np.ndarray | None]]:
    """Merge cells whose NOISY count is below `threshold` sigma (post-processing only).

    `mode="rare"` (MST's paper) merges every such cell of a column into one shared cell;
    `mode="runs"` merges adjacent codes into runs holding at least `threshold` sigma of noisy
    mass each (see `_runs_map`). Returns the compression, the 1-way measurements re-expressed
    over the new domain (a merged cell carries the sum of its noisy cells) and, per column,
    the noise scale of each new cell relative to sigma: sqrt(k) for a cell that sums k noisy
    cells (None when nothing merged). Only released values are used.
    """
    if mode not in COMPRESS_MODES:
        raise InputError(f"unknown compression mode {mode!r}; use one of {COMPRESS_MODES}")
    maps, values, weights, scales = {}, {}, {}, {}
    for col, y in noisy.items():
        y = np.asarray(y, dtype=np.float64)
        cut = threshold * sigmas[col]
        m = _rare_map(y, cut) if mode == "rare" else _runs_map(y, cut)
        size = np.bincount(m)
        if size.max() == 1:  # nothing merged
            maps[col] = np.arange(y.size)
            values[col] = y.copy()
            scales[col] = None
            continue
        maps[col] = m
        values[col] = np.bincount(m, weights=y, minlength=size.size)
        weights[col] = np.clip(y, 0, None)
        # a cell summing k independent noisy cells has noise std sqrt(k) sigma
        scales[col] = np.sqrt(size.astype(np.float64))
    return Compression(maps, weights), values, scales


def _simplex_projection(y: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of `y` onto {x >= 0, sum x = total}: x = max(y - tau, 0)."""
    y = np.asarray(y, dtype=np.float64).ravel()
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - total
    k = np.arange(1, y.size + 1)
    rho = np.nonzero(u - css / k > 0)[0]
    tau = css[rho[-1]] / (rho[-1] + 1) if rho.size else (y.sum() - total) / y.size
    return np.maximum(y - tau, 0.0)


class MST(MarginalSynthesizer):
    """Maximum-spanning-tree synthesizer: `MST(epsilon=1.0, delta=1e-9).fit(df, domain).sample(n)`.

    Options (defaults = the behaviour measured in bench_synth.md): `compress_mode` "rare"
    (cells under `compress_threshold` sigma into one shared cell, as in the MST paper) or
    "runs" (adjacent codes, see `compress_oneways`); `refine` sweeps of the sample toward the
    model's 3-way marginals (post-processing, off by default: on adult-pgm it did not pay its
    CPU for MST); `iters` / `tol` of the final estimation. `project_oneways` (default False):
    the independent model that scores tree edges uses each noisy 1-way projected onto
    {x >= 0, sum = estimated total} (as a model fitted to the 1-ways is) instead of the noisy
    counts clipped at 0; on adult-pgm at epsilon 0.3 it did not measure better (10 seeds:
    0.2861 against 0.2836-0.2858 clipped; bench_synth.md), so it stays off.
    `regularize` (kappa, default 1): the final fit adds the independence penalty of
    `estimation` with lambda = kappa / sigma of the 2-way measurements, so the model does
    not chase noise in near-empty cells (0 = fit the measurements alone, as before). On
    adult-pgm (3 seeds each, 3-way L1 of the sample, same session) kappa 0 / 0.5 / 1 / 2 gave
    0.299 / 0.265 / 0.265 / 0.270 at eps 0.3, 0.219 / 0.213 / 0.209 / 0.216 at eps 1 and
    0.196 / 0.192 / 0.195 / 0.192 at eps 3 (bench_synth.md).
    """

    method = "mst"

    def __init__(
        self,
        epsilon: float = 1.0,
        delta: float = 1e-9,
        seed: int | None = None,
        *,
        max_rows_per_person: int = 1,
        iters: int = 1000,
        tol: float = 1e-3,
        split: tuple[float, float, float] = (0.5, 0.05, 0.45),
        compress: bool = True,
        compress_mode: str = "rare",
        compress_threshold: float = 3.0,
        refine: int = 0,
        project_oneways: bool = False,
        regularize: float = 1.0,
    ):
        super().__init__(epsilon, delta, seed, max_rows_per_person=max_rows_per_person)
        if not (np.isfinite(regularize) and regularize >= 0):
            raise InputError(f"regularize must be a finite number >= 0, got {regularize!r}")
        self.regularize = float(regularize)
        self.project_oneways = project_oneways
        self.compress_mode = compress_mode
        self.compress_threshold = compress_threshold
        self.refine = refine
        self.iters = iters
        self.tol = tol
        # budget shares of (1-way marginals, tree selection, 2-way marginals). The paper uses
        # thirds; OpenDP's MST gives half to the 1-ways and 10% of the rest to selection, which
        # measured better on adult-pgm (3-way L1 0.297 vs 0.309 at eps=0.3, 0.222 vs 0.224 at 1)
        if len(split) != 3 or min(split) <= 0:
            raise InputError("split must be three positive budget shares")
        self.split = tuple(float(x) for x in split)
        self.compress = compress

    def fit(
        self, df: pd.DataFrame, domain: Mapping[str, int], *, ledger: Ledger | None = None
    ) -> MST:
        check_method_width("mst", len(domain))
        data, dom, ledger = self._start(df, domain, ledger)
        m = int(self.max_rows_per_person)
        cols = list(dom)
        d = len(cols)
        rho = ledger.remaining_rho
        f_one, f_sel, f_two = (f / sum(self.split) for f in self.split)
        rho_one = rho * f_one / d
        n_edges = d - 1
        rho_sel = rho * f_sel / n_edges if n_edges else 0.0
        rho_two = rho * f_two / n_edges if n_edges else 0.0
        if n_edges == 0:  # a single column: everything goes to its 1-way marginal
            rho_one = rho

        # (1) 1-way marginals
        exact1 = data.marginals([(c,) for c in cols], dom)
        noisy1, sig1 = {}, {}
        for c, x in zip(cols, exact1, strict=True):
            noisy1[c], sig1[c], _ = measure_marginal(
                x, ledger=ledger, rho=rho_one, sensitivity=m, what=f"1-way marginal {c}"
            )
        if self.compress:
            comp, y1, sc1 = compress_oneways(
                noisy1, sig1, self.compress_threshold, mode=self.compress_mode
            )
        else:
            comp, y1 = Compression({c: np.arange(dom[c]) for c in cols}), noisy1
            sc1 = dict.fromkeys(cols)
        cdom = comp.domain
        cdata = data.recode(comp.maps)
        P = pgm()
        measurements = [P.Measurement((c,), y1[c], sig1[c], sc1[c]) for c in cols]

        # (2) spanning tree by the exponential mechanism on 2-way errors of the independent model
        edges: list[tuple[str, str]] = []
        if n_edges:
            edges = self._select_tree(cdata, cdom, y1, ledger, rho_sel, m)
        # (3) the tree's 2-way marginals
        exact2 = cdata.marginals(edges, cdom)
        for e, x in zip(edges, exact2, strict=True):
            y, s, _ = measure_marginal(
                x, ledger=ledger, rho=rho_two, sensitivity=m, what=f"2-way marginal {e[0]} x {e[1]}"
            )
            measurements.append(P.Measurement(tuple(e), y, s))

        pdom = P.Domain(cols, [cdom[c] for c in cols])
        # independence penalty lambda = regularize / sigma of the 2-way measurements (public)
        penalty = self.regularize / measurements[-1].sigma if edges else 0.0
        self.model_ = P.estimate(
            pdom, measurements, iters=self.iters, tol=self.tol, penalty=penalty
        )
        self.model_.refine_cliques = list(itertools.combinations(cols, min(3, d)))
        self.model_.refine_sweeps = int(self.refine)
        self.compression_ = comp
        self.cliques_ = [(c,) for c in cols] + [tuple(e) for e in edges]
        self.measurements_ = measurements
        return self

    def _select_tree(self, cdata, cdom, y1, ledger, rho_sel, m) -> list[tuple[str, str]]:
        cols = list(cdom)
        # The independent model from the released 1-ways (projected onto the simplex scaled to
        # the estimated total, or clipped at 0, then normalized): post-processing only.
        probs = {}
        totals = [float(y1[c].sum()) for c in cols]
        total = max(1.0, float(np.mean(totals)))
        for c in cols:
            if self.project_oneways:
                v = _simplex_projection(y1[c], total)
            else:
                v = np.clip(y1[c], 0, None)
            probs[c] = v / v.sum() if v.sum() > 0 else np.full(v.size, 1.0 / v.size)
        pairs = list(itertools.combinations(cols, 2))
        exact = cdata.marginals(pairs, cdom)
        weights = {
            p: float(np.abs(x - total * np.outer(probs[p[0]], probs[p[1]])).sum())
            for p, x in zip(pairs, exact, strict=True)
        }
        parent = {c: c for c in cols}

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        chosen = []
        for i in range(len(cols) - 1):
            cand = [p for p in pairs if find(p[0]) != find(p[1])]
            # L1 error against a fixed released estimate: sensitivity m (triangle inequality)
            idx = select_noisy_max(
                [weights[p] for p in cand],
                ledger=ledger,
                rho=rho_sel,
                sensitivity=m,
                what=f"tree edge {i + 1} (exponential mechanism over {len(cand)} pairs)",
            )
            a, b = cand[idx]
            parent[find(a)] = find(b)
            chosen.append((a, b))
        return chosen
