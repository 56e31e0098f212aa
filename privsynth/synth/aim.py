"""AIM (McKenna, Mullins, Sheldon & Miklau 2022): adaptive, workload-aware DP synthesis.

Start from noisy 1-way marginals; each round picks the workload marginal the current model
answers worst (exponential mechanism on the noise-adjusted L1 error, Sec. 4.2), measures it with
the Gaussian mechanism, and re-estimates the model warm-started from the last one. Candidates
are limited to those whose junction tree stays under `max_model_size` MB scaled by the budget
fraction spent so far (Sec. 4.3). When a new measurement barely changes the model, the per-round
budget is doubled (annealing, Sec. 4.4). 90% of each round's rho goes to measuring, 10% to
selecting, as in the paper.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.synth.base import Compression, MarginalSynthesizer, pgm
from privsynth.synth.ledger import Ledger
from privsynth.synth.limits import check_method_width
from privsynth.synth.measure import measure_marginal, select_noisy_max
from privsynth.synth.mst import compress_oneways

Clique = tuple[str, ...]


def downward_closure(cliques: Iterable[Sequence[str]]) -> list[Clique]:
    """Every non-empty subset of every clique (canonical order kept from the clique)."""
    out: set[Clique] = set()
    for cl in cliques:
        cl = tuple(cl)
        for k in range(1, len(cl) + 1):
            out.update(itertools.combinations(cl, k))
    return sorted(out, key=lambda c: (len(c), c))


def workload_weights(workload: Sequence[Sequence[str]]) -> dict[Clique, float]:
    """Candidate -> weight = how many workload attributes it shares with each workload query.

    The sum over queries w of |cl & w| is the sum over cl's attributes of the number of queries
    holding that attribute: linear in the workload (the pairwise form was quadratic, 15 s of
    a 28-column fit).
    """
    holding: dict[str, int] = {}
    for w in workload:
        for a in set(w):
            holding[a] = holding.get(a, 0) + 1
    return {cl: float(sum(holding.get(a, 0) for a in cl)) for cl in downward_closure(workload)}


VARIANTS = ("privsynth", "paper")


class AIM(MarginalSynthesizer):
    """`AIM(epsilon=1.0, delta=1e-9).fit(df, domain, workload=None).sample(n)`.

    `workload` defaults to all 3-way marginals. Two named settings (`variant`); any parameter
    given explicitly overrides the variant's value:

    - `"privsynth"` (default): `rounds` = 4 x columns, or 16 x columns when the workload's
      median marginal has at most `small_marginal_cells` (64) cells of the public domain
      (tiny marginals cost little noise each, so more rounds cover more of the workload:
      NLTCS, 16 binary columns, 0.0138 against 0.0151 with 4 x columns); 1-way cells
      compressed into runs of adjacent codes holding >= 3 sigma of noisy mass each
      (`compress_mode="runs"`, `compress_threshold=3`); the sample is then refined toward
      the model's workload marginals (`refine` sweeps, budget-free post-processing,
      `refine.py`). On adult-pgm at epsilon 1 (5 seeds): 3-way L1 0.156 against 0.174 for
      the paper's setting (benchmarks/results/bench_synth.md).
    - `"paper"`: the AIM paper's 16 x columns rounds, with the rare-cell merge this package
      used before (cells under 1 sigma into one shared cell) and plain sampling.

    `regularize` (kappa, default 0 in both variants): the final fit adds the independence
    penalty of `estimation` with lambda = kappa / (median sigma of the multi-way
    measurements). It helps MST but not AIM: adult-pgm at epsilon 1, kappa 1: 0.1561 (5 seeds),
    kappa 4: 0.1659 (3 seeds), against 0.1556 without.

    `max_model_size` in MB (default 80). Compression is post-processing of the noisy 1-ways
    (as in MST): later marginals no longer spread noise over cells that are noise themselves.
    The per-round budget is rho / rounds; fewer rounds give each measurement less noise (AIM
    anneals anyway when a measurement stops moving the model).
    """

    method = "aim"

    def __init__(
        self,
        epsilon: float = 1.0,
        delta: float = 1e-9,
        seed: int | None = None,
        *,
        max_rows_per_person: int = 1,
        variant: str = "privsynth",
        rounds: int | None = None,
        max_model_size: float = 80.0,
        degree: int = 3,
        iters: int = 1000,
        round_iters: int = 100,
        compress: bool = True,
        compress_mode: str | None = None,
        compress_threshold: float | None = None,
        refine: int | None = None,
        regularize: float | None = None,
        small_marginal_cells: float | None = None,
        verbose: bool = False,
    ):
        super().__init__(epsilon, delta, seed, max_rows_per_person=max_rows_per_person)
        if variant not in VARIANTS:
            raise InputError(f"unknown AIM variant {variant!r}; use one of {VARIANTS}")
        self.variant = variant
        self.rounds = rounds
        self.max_model_size = max_model_size
        self.degree = degree
        self.iters = iters
        self.round_iters = round_iters
        self.compress = compress
        self.compress_mode = compress_mode
        self.compress_threshold = compress_threshold
        self.refine = refine
        if regularize is not None and not (np.isfinite(regularize) and regularize >= 0):
            raise InputError(f"regularize must be a finite number >= 0, got {regularize!r}")
        self.regularize = regularize
        self.small_marginal_cells = small_marginal_cells
        self.verbose = verbose

    def settings(
        self, n_columns: int, median_cells: float | None = None
    ) -> dict[str, object]:
        """The effective rounds / compression / refinement / penalty for `n_columns` columns
        whose workload marginals have `median_cells` cells (median, full public domain)."""
        paper = self.variant == "paper"
        small = self.small_marginal_cells if self.small_marginal_cells is not None else 64.0
        many = paper or (median_cells is not None and median_cells <= small)
        return {
            "rounds": int(self.rounds or (16 if many else 4) * n_columns),
            "compress_mode": self.compress_mode or ("rare" if paper else "runs"),
            "compress_threshold": float(
                self.compress_threshold
                if self.compress_threshold is not None
                else (1.0 if paper else 3.0)
            ),
            "refine": int(self.refine if self.refine is not None else (0 if paper else 20)),
            "regularize": float(self.regularize if self.regularize is not None else 0.0),
        }

    def fit(
        self,
        df: pd.DataFrame,
        domain: Mapping[str, int],
        *,
        workload: Sequence[Sequence[str]] | None = None,
        ledger: Ledger | None = None,
    ) -> AIM:
        if workload is None:
            check_method_width("aim", len(domain))
        data, dom, ledger = self._start(df, domain, ledger)
        if self.max_model_size <= 0:
            raise InputError("max_model_size must be positive (MB)")
        m = int(self.max_rows_per_person)
        cols = list(dom)
        if workload is None:
            k = min(self.degree, len(cols))
            workload = list(itertools.combinations(cols, k))
        for w in workload:
            for c in w:
                if c not in dom:
                    raise InputError(
                        f"workload marginal {tuple(w)} names {c!r}, which is not in the domain"
                    )
        cells = [float(np.prod([dom[c] for c in w])) for w in workload]
        cfg = self.settings(len(cols), float(np.median(cells)) if cells else None)
        rounds = int(cfg["rounds"])
        if rounds < 1:
            raise InputError("rounds must be >= 1")
        # The budget is cut into `rounds` shares and the d one-way marginals take d of them,
        # so at least two shares must remain for the adaptive rounds.
        rounds = max(rounds, len(cols) + 2)
        P = pgm()
        rho = ledger.remaining_rho
        spent = 0.0
        sigma = m * math.sqrt(rounds / (2 * 0.9 * rho))  # L2 sensitivity m, like every round
        eps = math.sqrt(8 * 0.1 * rho / rounds)
        # 1-way marginals on the full public domain; optionally merge cells by their NOISY
        # counts (post-processing, as in MST) so later marginals spread less noise.
        exact1 = data.marginals([(c,) for c in cols], dom)
        noisy1, sig1 = {}, {}
        for c, x in zip(cols, exact1, strict=True):
            noisy1[c], sig1[c], e = measure_marginal(
                x, ledger=ledger, sigma=sigma, sensitivity=m, what=f"1-way marginal {c}"
            )
            spent += e.rho
        if self.compress:
            comp, y1, sc1 = compress_oneways(
                noisy1, sig1, float(cfg["compress_threshold"]), mode=str(cfg["compress_mode"])
            )
        else:
            comp, y1 = Compression({c: np.arange(dom[c]) for c in cols}), noisy1
            sc1 = dict.fromkeys(cols)
        cdom = comp.domain
        cdata = data.recode(comp.maps)
        pdom = P.Domain(cols, [cdom[c] for c in cols])
        weights = workload_weights([tuple(w) for w in workload])
        for c in cols:  # every column gets its 1-way, even if absent from the workload
            weights.setdefault((c,), 0.0)
        candidates = {pdom.canonical(cl): w for cl, w in weights.items()}
        cand_list = list(candidates)
        answers = dict(zip(cand_list, cdata.marginals(cand_list, cdom), strict=True))
        dom = cdom
        measurements = [P.Measurement((c,), y1[c], sig1[c], sc1[c]) for c in cols]
        model = P.estimate(pdom, measurements, iters=self.iters)
        selected: list[Clique] = [(c,) for c in cols]
        t = 0
        terminate = False
        unit_rho = lambda s, e: 0.5 * m * m / s**2 + e**2 / 8  # noqa: E731  (per-round cost)
        while not terminate:
            t += 1
            remaining = rho - spent
            if remaining < 2 * unit_rho(sigma, eps):
                # spend what is left on one last round (split 90/10 as in the paper)
                sigma = math.sqrt(m * m / (2 * 0.9 * remaining))
                eps = math.sqrt(8 * 0.1 * remaining)
                terminate = True
            size_limit = self.max_model_size * (spent + unit_rho(sigma, eps)) / rho
            small = self._filter(pdom, model, candidates, size_limit)
            scores = []
            for cl in small:
                n_cells = float(np.prod([dom[a] for a in cl]))
                err = np.abs(answers[cl] - model.marginal(cl)).sum()
                bias = math.sqrt(2 / math.pi) * sigma * n_cells
                scores.append(candidates[cl] * (err - bias))
            sens = m * max(candidates[cl] for cl in small)
            rho_sel = eps**2 / 8
            if terminate:
                rho_sel = min(rho_sel, ledger.remaining_rho * 0.1)
            idx = select_noisy_max(
                scores,
                ledger=ledger,
                rho=rho_sel,
                sensitivity=max(sens, 1e-12),
                what=f"AIM round {t}: choose a marginal among {len(small)}",
            )
            spent = ledger.spent_rho - (ledger.rho_budget - rho)
            cl = small[idx]
            meas_rho = (
                min(0.5 * m * m / sigma**2, ledger.remaining_rho)
                if terminate
                else 0.5 * m * m / sigma**2
            )
            y, s, e = measure_marginal(
                answers[cl],
                ledger=ledger,
                rho=meas_rho,
                sensitivity=m,
                what=f"AIM round {t}: marginal {' x '.join(cl)}",
            )
            spent = ledger.spent_rho - (ledger.rho_budget - rho)
            measurements.append(P.Measurement(cl, y, s))
            selected.append(cl)
            before = model.marginal(cl)
            model = P.estimate(pdom, measurements, iters=self.round_iters, warm_start=model)
            after = model.marginal(cl)
            n_cells = float(np.prod([dom[a] for a in cl]))
            if self.verbose:
                print(
                    f"round {t}: {cl} sigma={s:.1f} spent={spent / rho:.3f} "
                    f"iters={model.iterations_} moved={np.abs(after - before).sum():.0f} "
                    f"bias={s * math.sqrt(2 / math.pi) * n_cells:.0f} cands={len(small)}",
                    flush=True,
                )
            if np.abs(after - before).sum() <= s * math.sqrt(2 / math.pi) * n_cells:
                sigma /= 2  # annealing: the model already knew this marginal
                eps *= 2
            if t >= 10 * rounds:  # pragma: no cover  (guard; annealing ends the loop long before)
                break
        # independence penalty on the final fit: lambda = kappa / (median sigma of the
        # multi-way measurements), public (the sigmas are set by the budget schedule)
        multi = [ms.sigma for ms in measurements if len(ms.clique) > 1]
        kappa = float(cfg["regularize"])
        penalty = kappa / float(np.median(multi)) if (multi and kappa > 0) else 0.0
        model = P.estimate(
            pdom, measurements, iters=self.iters, warm_start=model, penalty=penalty
        )
        model.refine_cliques = [pdom.canonical(w) for w in workload]
        model.refine_sweeps = int(cfg["refine"])
        self.model_ = model
        self.compression_ = comp
        self.cliques_ = selected
        self.measurements_ = measurements
        self.rounds_ = t
        return self

    def _filter(
        self, pdom, model, candidates: Mapping[Clique, float], size_limit: float
    ) -> list[Clique]:
        """Candidates inside the current model's cliques, or small enough to add (Sec. 4.3)."""
        P = pgm()
        free = set(downward_closure(model.cliques))
        base = list(model.cliques)
        out = []
        for cl in candidates:
            if cl in free:
                out.append(cl)
                continue
            if float(np.prod([pdom[a] for a in cl])) * 8 / 2**20 > size_limit:
                continue  # the clique's own table already exceeds the cap
            if P.junction_tree_size(pdom, [*base, cl]) <= size_limit:
                out.append(cl)
        return out
