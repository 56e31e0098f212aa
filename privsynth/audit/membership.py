"""Membership inference: can an attacker tell, from the release, who was in the training data?

Three views, all on the shared HEOM distance of `_distance` (squared distances within
`TIE_TOL` are ties):

* distance to closest record (DCR): the share of release rows closer to a train row than to any
  holdout row (ties count half). With train and holdout of equal size, a release that learned
  nothing specific to its training rows scores 0.5; a copy of train scores 1. Exact-copy rates
  count release rows identical on every column to a train (holdout) row.
* distance attack: score each candidate (train members vs holdout non-members) by minus its
  distance to the nearest release row.
* density-ratio attack (DOMIAS, van Breugel et al., AISTATS 2023): score = log p_release(x) −
  log p_reference(x), with Gaussian kernel density estimates on the HEOM distance; members are
  train rows, non-members one half of the holdout, the reference the other half. The ratio
  flags points where the generator put more mass than the population has, i.e. overfitting.

Each attack reports ROC AUC, advantage (max TPR − FPR), TPR at 1 % and 0.1 % FPR, the ROC curve,
and an empirical epsilon lower bound (Jagielski et al. 2020; Kairouz et al. 2015): any
(ε, δ)-DP mechanism satisfies TPR ≤ e^ε FPR + δ and 1 − FPR ≤ e^ε (1 − TPR) + δ, so with
Clopper-Pearson bounds TPR_lo, FPR_hi at each threshold,
    ε ≥ max( log((TPR_lo − δ) / FPR_hi), log((1 − FPR_hi − δ) / (1 − TPR_lo)) ).
The maximum is taken over all thresholds on the same data, which makes it slightly optimistic
(a held-out threshold choice would be stricter). For a DP release its theoretical ceiling from
the ledger's (ε, δ) is reported beside (`dp_ceiling`): TPR ≤ e^ε · FPR + δ at every FPR, and
AUC ≤ the area under that bound, e^ε / (1 + e^ε) when δ = 0.

Ties: squared distances within `TIE_TOL` (the float32 scans' resolution, a numeric gap of 1 %
of a column's range) count as equal in the DCR share; the ROC treats equal scores as one
threshold, so tied members and non-members count half in the AUC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaincinv
from sklearn.metrics import roc_auc_score, roc_curve

from privsynth.audit._distance import TIE_TOL, Encoded, MixedEncoder, iter_blocks, row_hashes
from privsynth.errors import InputError

_ROC_POINTS = 200
_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class MIAttackResult:
    """ROC summary of one membership-inference attack."""

    auc: float
    advantage: float
    tpr_at_1pct_fpr: float
    tpr_at_01pct_fpr: float
    eps_lower_bound: float
    n_members: int
    n_non_members: int
    roc_fpr: list[float] = field(default_factory=list)
    roc_tpr: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DPCeiling:
    """What (ε, δ)-DP guarantees at most, whatever the attack: the ROC curve
    TPR ≤ min(1, e^ε FPR + δ, 1 − e^−ε (1 − δ − FPR)) (Kairouz et al. 2015), its area (e^ε / (1 +
    e^ε) when δ = 0) and its TPR at 1 % and 0.1 % FPR. `roc_fpr`/`roc_tpr` are the corners of
    that piecewise-linear curve, for plotting beside the attacks' ROC."""

    epsilon: float
    delta: float
    auc_max: float
    tpr_at_1pct_fpr_max: float
    tpr_at_01pct_fpr_max: float
    roc_fpr: list[float] = field(default_factory=list)
    roc_tpr: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MembershipResult:
    """Membership-inference audit of a release against its train and holdout tables."""

    dcr_share: float
    dcr_share_ci: tuple[float, float]
    exact_copy_rate_train: float
    exact_copy_rate_holdout: float
    dcr_train_median: float
    dcr_holdout_median: float
    distance_attack: MIAttackResult
    density_attack: MIAttackResult
    n_train: int
    n_holdout: int
    n_release: int
    bandwidth: float
    ceiling: DPCeiling | None = None
    columns: list[str] = field(default_factory=list)
    # distance of each release row to its closest train / holdout row, at these quantiles
    dcr_quantiles: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dcr_share_ci"] = [float(v) for v in self.dcr_share_ci]
        out["distance_attack"] = self.distance_attack.to_dict()
        out["density_attack"] = self.density_attack.to_dict()
        out["ceiling"] = self.ceiling.to_dict() if self.ceiling else None
        return out


def dp_ceiling(epsilon: float, delta: float = 0.0) -> DPCeiling:
    """The most any membership attack can achieve against an (ε, δ)-DP release."""
    if not epsilon > 0:
        raise InputError(f"epsilon must be > 0, got {epsilon}")
    if not 0 <= delta < 1:
        raise InputError(f"delta must be in [0, 1), got {delta}")
    e = float(np.exp(min(epsilon, 700.0)))
    kink = (1.0 - delta) / (1.0 + e)  # where the two lines of the curve meet
    fpr = np.array([0.0, kink, 1.0 - delta, 1.0])
    tpr = np.minimum(1.0, np.minimum(e * fpr + delta, 1.0 - (1.0 - delta - fpr) / e))
    tpr[0] = min(1.0, delta)
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))
    return DPCeiling(
        epsilon=float(epsilon),
        delta=float(delta),
        auc_max=auc,
        tpr_at_1pct_fpr_max=float(np.interp(0.01, fpr, tpr)),
        tpr_at_01pct_fpr_max=float(np.interp(0.001, fpr, tpr)),
        roc_fpr=[float(v) for v in fpr],
        roc_tpr=[float(v) for v in tpr],
    )


def clopper_pearson(k: np.ndarray, n: int, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided exact (Clopper-Pearson) interval of k successes in n, elementwise."""
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, betaincinv(k, n - k + 1, alpha / 2), 0.0)
        hi = np.where(k < n, betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
    return np.nan_to_num(lo, nan=0.0), np.nan_to_num(hi, nan=1.0)


def empirical_epsilon(
    fpr: np.ndarray,
    tpr: np.ndarray,
    n_neg: int,
    n_pos: int,
    delta: float = 0.0,
    alpha: float = 0.05,
) -> float:
    """Largest ε any threshold of the ROC proves at confidence 1 − alpha (0 if none)."""
    tpr_lo, _ = clopper_pearson(np.round(tpr * n_pos), n_pos, alpha)
    _, fpr_hi = clopper_pearson(np.round(fpr * n_neg), n_neg, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.log((tpr_lo - delta) / fpr_hi)
        b = np.log((1.0 - fpr_hi - delta) / (1.0 - tpr_lo))
    vals = np.concatenate([a[np.isfinite(a)], b[np.isfinite(b)]])
    return float(max(0.0, vals.max())) if vals.size else 0.0


def roc_summary(
    member_scores: np.ndarray, non_member_scores: np.ndarray, delta: float = 0.0
) -> MIAttackResult:
    """ROC figures of an attack whose higher scores mean "member"."""
    y = np.r_[np.ones(len(member_scores)), np.zeros(len(non_member_scores))]
    s = np.r_[member_scores, non_member_scores].astype(np.float64)
    s = np.nan_to_num(
        s,
        nan=-np.finfo(np.float64).max,
        posinf=np.finfo(np.float64).max,
        neginf=-np.finfo(np.float64).max,
    )
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    auc = float(roc_auc_score(y, s))

    def tpr_at(x: float) -> float:
        ok = fpr <= x + 1e-12
        return float(tpr[ok].max()) if ok.any() else 0.0

    keep = np.unique(np.r_[np.linspace(0, len(fpr) - 1, _ROC_POINTS).astype(int), len(fpr) - 1])
    return MIAttackResult(
        auc=auc,
        advantage=float(np.max(tpr - fpr)),
        tpr_at_1pct_fpr=tpr_at(0.01),
        tpr_at_01pct_fpr=tpr_at(0.001),
        eps_lower_bound=empirical_epsilon(
            fpr, tpr, len(non_member_scores), len(member_scores), delta
        ),
        n_members=len(member_scores),
        n_non_members=len(non_member_scores),
        roc_fpr=[float(v) for v in fpr[keep]],
        roc_tpr=[float(v) for v in tpr[keep]],
    )


def _scan(
    q: Encoded, r: Encoded, *, kde_rows: int = 0, h2: float = 1.0, col_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass over q × r: each q row's nearest squared distance; each r row's nearest
    squared distance among the first `col_rows` rows of q (default all); and for the first
    `kde_rows` rows of q the log of the Gaussian kernel mean (1/|r|) Σ exp(−d²/2h²).

    Distances come scaled by 1/2h² straight from the matrix product (fewer passes over the
    block); the kernel sum is shifted by each row's nearest distance (log-sum-exp), so narrow
    kernels do not underflow."""
    col_rows = len(q) if col_rows is None else col_rows
    s = 0.5 / h2
    row_min = np.empty(len(q), dtype=np.float64)
    col_min = np.full(len(r), np.inf, dtype=np.float32)
    kde = np.zeros(kde_rows, dtype=np.float64)
    for sl, d in iter_blocks(q, r, scale=s, clip=False):
        near = d.min(axis=1)
        row_min[sl] = near
        if sl.start < col_rows:
            np.minimum(col_min, d[: min(sl.stop, col_rows) - sl.start].min(axis=0), out=col_min)
        if sl.start < kde_rows:
            stop = min(sl.stop, kde_rows)
            sub = d[: stop - sl.start]
            sub -= near[: stop - sl.start, None]
            np.negative(sub, out=sub)
            np.exp(sub, out=sub)
            kde[sl.start : stop] = np.log(sub.mean(axis=1, dtype=np.float64)) - np.maximum(
                near[: stop - sl.start], 0.0
            )
    row_min = np.maximum(row_min, 0.0) / s
    col_min = np.maximum(col_min.astype(np.float64), 0.0) / s
    return row_min, col_min, kde


def membership_inference(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    epsilon: float | None = None,
    delta: float | None = None,
    columns: Sequence[str] | None = None,
    bandwidth: float | None = None,
    max_density_candidates: int = 5000,
    seed: int | None = 0,
) -> MembershipResult:
    """Membership-inference audit of `synthetic` (any release) made from `train`, with
    `holdout` real rows never used. `epsilon`/`delta`: the release's DP guarantee, if any, for
    the theoretical ceiling. `bandwidth`: kernel width of the density attack on the HEOM scale
    (one category mismatch = 1); default: a quarter of the mean nearest-release distance of
    1000 reference rows, clipped to [0.02, 1] (narrow kernels find local overfitting best;
    the log-sum-exp form keeps them free of underflow). `max_density_candidates`: members and
    non-members scored by the density attack (each side; the distance attack scores all)."""
    if max_density_candidates < 1:
        raise InputError("max_density_candidates must be at least 1")
    for name, f in (("train", train), ("holdout", holdout), ("release", synthetic)):
        if len(f) == 0:
            raise InputError(f"the {name} table is empty")
    if len(holdout) < 2:
        raise InputError("membership inference needs at least 2 holdout rows")
    if columns is None:
        cols = [c for c in synthetic.columns if c in train.columns and c in holdout.columns]
    else:
        cols = list(columns)
    if not cols:
        raise InputError("the release shares no column with the train and holdout tables")
    ceiling = dp_ceiling(epsilon, delta or 0.0) if epsilon is not None else None
    rng = np.random.default_rng(seed)
    enc = MixedEncoder([train, holdout, synthetic], cols)
    tr = enc.encode(train.iloc[rng.permutation(len(train))]).as32()
    ho = enc.encode(holdout.iloc[rng.permutation(len(holdout))]).as32()
    syn = enc.encode(synthetic).as32()

    # exact copies: release rows equal on every column to some train / holdout row
    h_syn = row_hashes(syn.codes)
    copy_train = float(np.isin(h_syn, row_hashes(tr.codes)).mean())
    copy_hold = float(np.isin(h_syn, row_hashes(ho.codes)).mean())

    # equal-size sets for the DCR share; holdout halves: non-member candidates | reference
    n_eq = min(len(tr), len(ho))
    n_half = len(ho) // 2
    if bandwidth is None:
        probe = ho.take(np.arange(len(ho) - min(1000, len(ho) - n_half), len(ho)))
        pr, _, _ = _scan(probe, syn)
        bandwidth = float(np.clip(0.25 * np.sqrt(pr).mean(), 0.02, 1.0))
    elif bandwidth <= 0:
        raise InputError("bandwidth must be > 0")
    h2 = bandwidth**2

    # density attack: equal numbers of members (train) and non-members (first holdout half)
    m_members = int(min(len(tr), n_half, max_density_candidates))
    d_tr, syn_to_tr, kde_syn_members = _scan(tr, syn, kde_rows=m_members, h2=h2, col_rows=n_eq)
    d_ho, syn_to_ho, kde_syn_non = _scan(ho, syn, kde_rows=m_members, h2=h2, col_rows=n_eq)

    closer = syn_to_tr < syn_to_ho - TIE_TOL
    tie = np.abs(syn_to_tr - syn_to_ho) <= TIE_TOL
    share = float(closer.mean() + 0.5 * tie.mean())
    se = float(np.sqrt(max(share * (1 - share), 1e-12) / len(syn)))

    # density ratio against the reference half of the holdout
    ref = ho.take(np.arange(n_half, len(ho)))
    cand = _concat(tr.take(np.arange(m_members)), ho.take(np.arange(m_members)))
    _, _, kde_ref = _scan(cand, ref, kde_rows=len(cand), h2=h2)
    dens = np.r_[kde_syn_members, kde_syn_non] - kde_ref

    dl = delta or 0.0
    return MembershipResult(
        dcr_share=share,
        dcr_share_ci=(max(0.0, share - 1.96 * se), min(1.0, share + 1.96 * se)),
        exact_copy_rate_train=copy_train,
        exact_copy_rate_holdout=copy_hold,
        dcr_train_median=float(np.sqrt(np.median(syn_to_tr))),
        dcr_holdout_median=float(np.sqrt(np.median(syn_to_ho))),
        dcr_quantiles={
            "q": list(_QUANTILES),
            "train": [float(v) for v in np.sqrt(np.quantile(syn_to_tr, _QUANTILES))],
            "holdout": [float(v) for v in np.sqrt(np.quantile(syn_to_ho, _QUANTILES))],
        },
        distance_attack=roc_summary(-np.sqrt(d_tr), -np.sqrt(d_ho), dl),
        density_attack=roc_summary(dens[:m_members], dens[m_members:], dl),
        n_train=len(train),
        n_holdout=len(holdout),
        n_release=len(synthetic),
        bandwidth=float(bandwidth),
        ceiling=ceiling,
        columns=cols,
    )


def _concat(a: Encoded, b: Encoded) -> Encoded:
    return Encoded(
        np.vstack([a.codes, b.codes]),
        np.vstack([a.embed, b.embed]),
        np.r_[a.sqnorm, b.sqnorm],
        np.vstack([a.wide, b.wide]),
    )
