"""The three Article 29 Working Party criteria (Opinion 05/2014) measured as attacks on a release.

Singling out, linkability and inference are each run as an attack that uses only the release
(e.g. a synthetic table) against target records of the original training table, and the same
attack against records of a control table (a holdout never used to make the release). The
control success is what the attacker gets from the population's statistics alone; the excess
over it, normalised by what was left to gain,

    risk = (attack − control) / (1 − control),   clipped at 0,

is the privacy risk due to the release (Giomi et al., "A Unified Framework for Quantifying
Privacy Risk in Synthetic Data", PoPETs 2023 — the method of anonymeter, implemented here from
the paper). Rates are Wilson score estimates (Wilson 1927) at `confidence`; the risk's interval
propagates both rates' errors to first order:

    σ_risk² = (σ_attack / (1 − control))² + (σ_control · (1 − attack) / (1 − control)²)².

A baseline attack that ignores the release (random guesses) is reported beside them: when the
attack does no better than the baseline, it is too weak to say anything (`informative=False`).

Attack and control targets are equal-size samples (n = min(n_attacks, |train|, |control|)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from privsynth.audit._distance import MixedEncoder, nearest
from privsynth.errors import InputError


@dataclass
class AttackResult:
    """Outcome of one privacy attack. Rates are Wilson centres; `ci` is the risk's interval."""

    attack_rate: float
    baseline_rate: float
    control_rate: float
    risk: float
    ci: tuple[float, float]
    n_attacks: int
    n_success: int
    n_baseline_success: int = 0
    n_control_success: int = 0
    attack_ci: tuple[float, float] = (0.0, 1.0)
    baseline_ci: tuple[float, float] = (0.0, 1.0)
    control_ci: tuple[float, float] = (0.0, 1.0)
    confidence: float = 0.95
    informative: bool = True
    attack: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("ci", "attack_ci", "baseline_ci", "control_ci"):
            out[key] = [float(v) for v in out[key]]
        return out


def wilson(n_success: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score centre and half-width of a binomial rate."""
    if n <= 0:
        return 0.0, 1.0
    z = float(ndtri(0.5 * (1.0 + confidence)))
    z2 = z * z
    denom = n + z2
    centre = (n_success + 0.5 * z2) / denom
    half = z / denom * np.sqrt(n_success * (n - n_success) / n + 0.25 * z2)
    return float(centre), float(half)


def _interval(centre: float, half: float) -> tuple[float, float]:
    return max(0.0, centre - half), min(1.0, centre + half)


def _result(
    attack: str,
    n: int,
    n_attack: int,
    n_baseline: int,
    n_control: int,
    confidence: float,
    details: dict[str, Any],
) -> AttackResult:
    a, ea = wilson(n_attack, n, confidence)
    b, eb = wilson(n_baseline, n, confidence)
    c, ec = wilson(n_control, n, confidence)
    gap = max(1.0 - c, 1e-12)
    residual = (a - c) / gap
    err = float(np.hypot(ea / gap, ec * (1.0 - a) / gap**2))
    lo, hi = residual - err, residual + err
    return AttackResult(
        attack_rate=a,
        baseline_rate=b,
        control_rate=c,
        risk=float(min(1.0, max(0.0, residual))),
        ci=(float(min(1.0, max(0.0, lo))), float(min(1.0, max(0.0, hi)))),
        n_attacks=int(n),
        n_success=int(n_attack),
        n_baseline_success=int(n_baseline),
        n_control_success=int(n_control),
        attack_ci=_interval(a, ea),
        baseline_ci=_interval(b, eb),
        control_ci=_interval(c, ec),
        confidence=confidence,
        informative=bool(a - ea > b + eb),
        attack=attack,
        details={**details, "residual": float(residual), "residual_ci": [float(lo), float(hi)]},
    )


def _common_columns(*frames: pd.DataFrame) -> list[str]:
    for f in frames:
        if len(f) == 0:
            raise InputError("an attack needs non-empty train, release and control tables")
    cols = [c for c in frames[1].columns if all(c in f.columns for f in frames)]
    if not cols:
        raise InputError("the release shares no column with the original table")
    return cols


def _check_columns(cols: Sequence[str], frames: Sequence[pd.DataFrame], what: str) -> list[str]:
    cols = list(cols)
    for c in cols:
        if not all(c in f.columns for f in frames):
            raise InputError(f"{what} column {c!r} is not in every table")
    return cols


def _equal_targets(
    train: pd.DataFrame, control: pd.DataFrame, n_attacks: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    n = int(min(n_attacks, len(train), len(control)))
    if n <= 0:
        raise InputError("n_attacks must be positive")
    t = train.iloc[rng.choice(len(train), n, replace=False)]
    c = control.iloc[rng.choice(len(control), n, replace=False)]
    return t, c, n


# ----------------------------------------------------------------------------- singling out
_EQ, _LE, _GE = 0, 1, 2


def _match_counts(
    x: np.ndarray, cols: np.ndarray, ops: np.ndarray, vals: np.ndarray, cap: int | None = None
) -> np.ndarray:
    """Number of rows of `x` each predicate (conjunction over its columns) matches; with `cap`,
    counting stops once a predicate reaches it (the result is then min(count, cap)).

    Rows are scanned in chunks and predicates that reached `cap` leave the scan, so the many
    candidate predicates that match common records cost one small chunk each. "x >= v" is
    evaluated as "-x <= -v" on a negated copy of the columns, leaving two comparisons."""
    n, p = x.shape[0], cols.shape[0]
    counts = np.zeros(p, dtype=np.int64)
    if p == 0 or n == 0:
        return counts
    m = x.shape[1]
    # one row per (column, sign), records along the row: gathering a predicate's column is a
    # contiguous copy; float32 when that loses nothing (codes, integers below 2^24)
    both = np.vstack([x.T, -x.T])
    with np.errstate(over="ignore"):  # values beyond float32 overflow: then float64 is kept
        small, small_vals = both.astype(np.float32), vals.astype(np.float32)
    if np.array_equal(small, both, equal_nan=True) and np.array_equal(
        small_vals, vals, equal_nan=True
    ):
        both, vals = small, small_vals
    ge = ops == _GE
    gcols = np.where(ge, cols + m, cols)
    gvals = np.where(ge, -vals, vals)
    is_eq = ops == _EQ
    alive = np.arange(p)
    start = 0
    chunk = 512 if cap is not None else max(1, 4_000_000 // p)
    while start < n and alive.size:
        stop = min(start + chunk, n)
        c, v, e = gcols[alive], gvals[alive], is_eq[alive]
        mask = np.ones((alive.size, stop - start), dtype=bool)
        for j in range(c.shape[1]):
            cv = both[c[:, j], start:stop]
            vj = v[:, j, None]
            mask &= np.where(e[:, j, None], cv == vj, cv <= vj)
        counts[alive] += mask.sum(axis=1)
        start = stop
        if cap is not None:
            alive = alive[counts[alive] < cap]
        chunk = max(512, 4_000_000 // max(alive.size, 1))
    return counts if cap is None else np.minimum(counts, cap)


def _random_values(
    column: np.ndarray, numeric: bool, size: int, rng: np.random.Generator
) -> np.ndarray:
    finite = column[np.isfinite(column)]
    if not numeric or finite.size == 0:
        return rng.choice(np.unique(column), size)
    lo, hi = float(finite.min()), float(finite.max())
    if np.all(finite == np.round(finite)):
        return rng.integers(int(lo), int(hi) + 1, size).astype(np.float64)
    return rng.uniform(lo, hi, size)


def _univariate_candidates(
    syn: np.ndarray, numeric: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols, ops, vals = [], [], []
    for j in range(syn.shape[1]):
        v, cnt = np.unique(syn[:, j], return_counts=True)
        uniq = v[cnt == 1]
        cols.append(np.full(uniq.size, j))
        ops.append(np.full(uniq.size, _EQ))
        vals.append(uniq)
        if numeric[j] and v.size > 1:
            # the extremes single out a record when they are unique: "x <= min", "x >= max"
            if cnt[0] == 1:
                cols.append([j]), ops.append([_LE]), vals.append([v[0]])
            if cnt[-1] == 1:
                cols.append([j]), ops.append([_GE]), vals.append([v[-1]])
    c = np.concatenate([np.asarray(a, dtype=np.int64) for a in cols])[:, None]
    o = np.concatenate([np.asarray(a, dtype=np.int64) for a in ops])[:, None]
    val = np.concatenate([np.asarray(a, dtype=np.float64) for a in vals])[:, None]
    return c, o, val


def _multivariate_candidates(
    syn: np.ndarray, numeric: np.ndarray, n_attacks: int, n_cols: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicates built from random synthetic records on `n_cols` of their most telling
    columns (drawn at random, weighted by how rare the record's value is), kept when they match
    exactly one synthetic record (at most max(80 n_attacks, 20000) candidates are tried; fewer
    than n_attacks predicates come back when the release has too few isolatable records)."""
    n, m = syn.shape
    n_cols = min(n_cols, m)
    with np.errstate(all="ignore"):
        median = np.nanmedian(np.where(np.isfinite(syn), syn, np.nan), axis=0)
    # columns are drawn per record with weight = the information of its value there, -log p
    # (p: the share of records with the same category, or as far out in that tail), so the
    # predicates use the attributes that make each record stand out
    info = np.empty((n, m))
    for j in range(m):
        col = syn[:, j]
        if numeric[j]:
            rank_lo = np.searchsorted(np.sort(col), col, side="right") / n  # P(X <= x)
            rank_hi = 1.0 - np.searchsorted(np.sort(col), col, side="left") / n  # P(X >= x)
            p = np.where(col >= median[j], rank_hi, rank_lo)
        else:
            _, inv, cnt = np.unique(col, return_inverse=True, return_counts=True)
            p = cnt[inv] / n
        info[:, j] = -np.log(np.clip(p, 1e-12, 1.0)) + 1e-6
    kept_c, kept_o, kept_v = [], [], []
    seen: set[bytes] = set()
    have, tried, accept = 0, 0, 0.05
    budget = max(80 * n_attacks, 20_000)  # candidates tried at most
    while have < n_attacks and tried < budget:
        # size the batch from the acceptance rate seen so far
        batch = int(min(budget - tried, max(1024, 1.5 * (n_attacks - have) / max(accept, 1e-3))))
        rows = rng.integers(0, n, batch)
        gumbel = -np.log(-np.log(rng.random((batch, m))))
        cols = np.argsort(-(np.log(info[rows]) + gumbel), axis=1)[:, :n_cols]
        cols.sort(axis=1)
        vals = syn[rows[:, None], cols]
        # point each inequality away from the column's median: outlying records are the ones a
        # few bounds can isolate (a random direction wastes most candidates)
        ops = np.where(numeric[cols], np.where(vals >= median[cols], _GE, _LE), _EQ)
        counts = _match_counts(syn, cols, ops, vals, cap=2)
        tried += batch
        ok = np.flatnonzero(counts == 1)
        accept = max(have + ok.size, 1) / tried  # (counts repeats; only sizes the next batch)
        for i in ok:
            key = cols[i].tobytes() + ops[i].tobytes() + vals[i].tobytes()
            if key in seen:
                continue
            seen.add(key)
            kept_c.append(cols[i]), kept_o.append(ops[i]), kept_v.append(vals[i])
            have += 1
            if have >= n_attacks:
                break
    if not kept_c:
        return (np.zeros((0, n_cols), np.int64),) * 2 + (np.zeros((0, n_cols)),)
    return np.array(kept_c), np.array(kept_o), np.array(kept_v)


def singling_out(
    original_train: pd.DataFrame,
    synthetic: pd.DataFrame,
    control: pd.DataFrame,
    *,
    n_attacks: int = 500,
    mode: Literal["univariate", "multivariate"] = "univariate",
    n_cols: int = 3,
    columns: Sequence[str] | None = None,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> AttackResult:
    """Singling out: predicates that isolate exactly one synthetic record, tried on the
    original training records (success: the predicate isolates exactly one of them) and on an
    equal-size control sample. Univariate predicates are values unique in one column of the
    release (and unique extremes, "x <= min"); multivariate ones conjoin `n_cols` attributes of
    a random synthetic record ("==" for categories; for numbers "<=" its value when it lies below
    the column's median, ">=" otherwise).
    The baseline keeps each predicate's columns and operators but draws its values uniformly
    from the column's domain (its categories, or the integers / reals of its range), blind to
    the release's records. Train and control are compared on equal-size samples."""
    if mode not in ("univariate", "multivariate"):
        raise InputError(f"mode must be 'univariate' or 'multivariate', not {mode!r}")
    if n_attacks <= 0:
        raise InputError("n_attacks must be positive")
    rng = np.random.default_rng(seed)
    cols = (
        _check_columns(columns, [original_train, synthetic, control], "singling-out")
        if columns is not None
        else _common_columns(original_train, synthetic, control)
    )
    enc = MixedEncoder([original_train, synthetic, control], cols)
    numeric = np.array([enc.is_numeric(c) for c in cols])

    def codes(df: pd.DataFrame) -> np.ndarray:
        return np.nan_to_num(enc.codes(df, cols), nan=-np.inf)

    n_eval = min(len(original_train), len(control))
    tr = codes(original_train.iloc[rng.choice(len(original_train), n_eval, replace=False)])
    ct = codes(control.iloc[rng.choice(len(control), n_eval, replace=False)])
    syn = codes(synthetic)
    syn = syn[rng.permutation(len(syn))]  # random row order: early rejection in counts

    if mode == "univariate":
        pc, po, pv = _univariate_candidates(syn, numeric)
        if len(pc) > n_attacks:
            pick = rng.choice(len(pc), n_attacks, replace=False)
            pc, po, pv = pc[pick], po[pick], pv[pick]
    else:
        pc, po, pv = _multivariate_candidates(syn, numeric, n_attacks, n_cols, rng)
    n = len(pc)
    if n == 0:
        # No record of the release can be singled out: this attack has nothing to try, so its
        # risk is 0 for certain (not an unknown rate in [0, 1]).
        none = _result(
            f"singling_out_{mode}",
            0,
            0,
            0,
            0,
            confidence,
            {
                "mode": mode,
                "n_requested": n_attacks,
                "note": "no predicate isolates one release record",
                "columns_of_successes": {},
            },
        )
        none.ci = (0.0, 0.0)
        none.informative = False
        return none
    # baseline: same columns and operators, values drawn uniformly from each column's domain
    # (its categories, or its numeric range at the column's resolution), blind to the records
    bv = np.empty_like(pv)
    for j in range(pc.shape[1]):
        for col in np.unique(pc[:, j]):
            rows = pc[:, j] == col
            bv[rows, j] = _random_values(syn[:, col], bool(numeric[col]), int(rows.sum()), rng)
    hit = _match_counts(tr, pc, po, pv, cap=2) == 1
    n_attack = int(hit.sum())
    n_control = int((_match_counts(ct, pc, po, pv, cap=2) == 1).sum())
    n_base = int((_match_counts(tr, pc, po, bv, cap=2) == 1).sum())
    # which columns the successful predicates used: what a fix has to coarsen
    used = np.bincount(pc[hit].ravel(), minlength=len(cols)) if n_attack else np.zeros(len(cols))
    by_column = {str(cols[j]): int(used[j]) for j in np.argsort(-used, kind="stable") if used[j]}
    return _result(
        f"singling_out_{mode}",
        n,
        n_attack,
        n_base,
        n_control,
        confidence,
        {
            "mode": mode,
            "n_cols": int(pc.shape[1]),
            "n_requested": n_attacks,
            "n_evaluated_rows": n_eval,
            "columns_of_successes": by_column,
        },
    )


# ----------------------------------------------------------------------------- linkability
def linkability(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    control: pd.DataFrame,
    *,
    aux_cols: tuple[Sequence[str], Sequence[str]],
    n_attacks: int = 500,
    n_neighbors: int = 1,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> AttackResult:
    """Linkability: the attacker holds two datasets on the same people, one with columns
    `aux_cols[0]`, one with `aux_cols[1]`, and uses the release to link them: a target is linked
    when its `n_neighbors` nearest release records on the first columns and on the second share a
    record. Ties among equidistant neighbours are broken uniformly at random (seeded), so a
    record that is one of many identical candidates is linked only by luck. The baseline picks
    the neighbours at random."""
    if len(aux_cols) != 2 or not aux_cols[0] or not aux_cols[1]:
        raise InputError("aux_cols must be two non-empty lists of columns")
    frames = [train, synthetic, control]
    cols_a = _check_columns(aux_cols[0], frames, "linkability")
    cols_b = _check_columns(aux_cols[1], frames, "linkability")
    if n_neighbors < 1:
        raise InputError("n_neighbors must be at least 1")
    rng = np.random.default_rng(seed)
    _common_columns(*frames)
    enc = MixedEncoder(frames, sorted(set(cols_a) | set(cols_b), key=list(train.columns).index))
    tgt, ctl, n = _equal_targets(train, control, n_attacks, rng)
    syn_a, syn_b = enc.encode(synthetic, cols_a), enc.encode(synthetic, cols_b)
    k = min(n_neighbors, len(synthetic))

    def linked(df: pd.DataFrame) -> int:
        ia, _ = nearest(enc.encode(df, cols_a), syn_a, k=k, rng=rng)
        ib, _ = nearest(enc.encode(df, cols_b), syn_b, k=k, rng=rng)
        return int((ia[:, :, None] == ib[:, None, :]).any(axis=(1, 2)).sum())

    n_attack, n_control = linked(tgt), linked(ctl)
    ra = (
        np.argsort(rng.random((n, len(synthetic))), axis=1)[:, :k]
        if k > 1
        else rng.integers(0, len(synthetic), (n, 1))
    )
    rb = (
        np.argsort(rng.random((n, len(synthetic))), axis=1)[:, :k]
        if k > 1
        else rng.integers(0, len(synthetic), (n, 1))
    )
    n_base = int((ra[:, :, None] == rb[:, None, :]).any(axis=(1, 2)).sum())
    return _result(
        "linkability",
        n,
        n_attack,
        n_base,
        n_control,
        confidence,
        {"aux_cols": [cols_a, cols_b], "n_neighbors": k},
    )


# ----------------------------------------------------------------------------- inference
def inference(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    control: pd.DataFrame,
    *,
    secret: str,
    aux_cols: Sequence[str] | None = None,
    n_attacks: int = 500,
    tolerance: float = 0.05,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> AttackResult:
    """Attribute inference: the attacker knows a target's `aux_cols` (default: every other
    column), finds the nearest release record on them (ties broken at random, seeded) and
    guesses that record's `secret`. Success: the same category, or for a numeric secret a guess
    within `tolerance` × |true value|. The baseline guesses a random value of the release's
    secret column for the SAME target rows (by position, not index label)."""
    frames = [train, synthetic, control]
    _check_columns([secret], frames, "secret")
    if aux_cols is None:
        aux = [c for c in _common_columns(*frames) if c != secret]
    else:
        aux = _check_columns(aux_cols, frames, "auxiliary")
    if secret in aux:
        raise InputError(f"the secret {secret!r} cannot also be an auxiliary column")
    if not aux:
        raise InputError("inference needs at least one auxiliary column")
    rng = np.random.default_rng(seed)
    enc = MixedEncoder(frames, [*aux, secret])
    tgt, ctl, n = _equal_targets(train, control, n_attacks, rng)
    syn_aux = enc.encode(synthetic, aux)
    syn_secret = enc.codes(synthetic, [secret])[:, 0]
    numeric = enc.is_numeric(secret)

    def hits(guess: np.ndarray, truth: np.ndarray) -> int:
        if numeric:
            both_nan = np.isnan(guess) & np.isnan(truth)
            ok = np.abs(guess - truth) <= tolerance * np.abs(truth)
            return int((ok | both_nan).sum())
        return int((guess == truth).sum())

    def attack(df: pd.DataFrame) -> tuple[int, np.ndarray]:
        idx, _ = nearest(enc.encode(df, aux), syn_aux, k=1, rng=rng)
        truth = enc.codes(df, [secret])[:, 0]
        return hits(syn_secret[idx[:, 0]], truth), truth

    n_attack, truth = attack(tgt)
    n_control, _ = attack(ctl)
    n_base = hits(syn_secret[rng.integers(0, len(synthetic), n)], truth)
    return _result(
        "inference",
        n,
        n_attack,
        n_base,
        n_control,
        confidence,
        {
            "secret": secret,
            "aux_cols": aux,
            "numeric_secret": bool(numeric),
            "tolerance": tolerance,
        },
    )
