"""Re-identification risk of a masked or k-anonymous table (the ARX / El Emam risk models).

Records are grouped into equivalence classes over the quasi-identifiers (QIs) with the counting
engine. A record in a class of size f_j is re-identified by

* a prosecutor (knows the target is in the release) with probability 1 / f_j;
* a journalist (knows only that the target is in the population) with probability 1 / F_j,
  F_j the size of the matching population class — counted from a population table, estimated
  as f_j / π from a sampling fraction π, and otherwise bounded above by the prosecutor risk;
* a marketer (re-identifies as many records as possible) in a share (1/n) Σ_j f_j / F_j of the
  records, i.e. n_classes / n when the sample is the population.

Suppressed cells (`audit.suppression`): values are compared as they are, so rows suppressed on every QI form
one class (a fully suppressed record matches any value, and the attacker cannot tell those
rows apart), and a partly suppressed row groups with rows showing "*" in the same columns. The
latter overstates that row's risk (it could match more rows), which errs on the safe side.
`k` counts the suppressed class like any other; `k_excluding_suppressed` follows ARX, which
leaves suppressed records out of the k check.

Population uniques from a sample (sampling fraction π) follow Zayatz (1991): with c_i the number
of sample classes of size i and P(f=1 | F=i) = i π (1 − π)^(i−1) the chance a population class
of size i appears once in a Bernoulli(π) sample,

    PU = u_1 · c_1 P(f=1|F=1) / Σ_i c_i P(f=1|F=i),

the number of sample uniques (u_1 = c_1) expected to be unique in the population too.

Pitman's model (Hoshino 2001, "Applying Pitman's sampling formula to microdata disclosure risk
assessment", J. Official Statistics 17(4)) fits the two-parameter Ewens-Pitman partition to the
sample's class sizes by maximum likelihood: with n rows in K classes, f_j classes of size j,

    log L(theta, alpha) = sum_{i=1}^{K-1} log(theta + i alpha) - sum_{i=1}^{n-1} log(theta + i)
                          + sum_j f_j (lgamma(j - alpha) - lgamma(1 - alpha)),

0 < alpha < 1, theta > -alpha, and estimates the population's uniques as
U_N = Gamma(theta + 1) / Gamma(theta + alpha) * N^alpha (N = n / pi). A record of the sample is a
population unique with probability U_N / N, so the sample holds about pi U_N of them (at most
its c_1 sample uniques). The two estimates answer the same question from different models;
the report shows both.

The sampling fraction comes from the caller (`sampling_fraction`, or `population_size` N with
pi = release rows / N): how many people the table was drawn from is public knowledge about the
data (a census count, a registry size), never estimated from the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.audit.suppression import rows_suppressed
from privsynth.engine import equivalence_classes
from privsynth.engine.source import TableSource
from privsynth.errors import InputError


@dataclass
class ReidentificationRisk:
    """Re-identification risk of a release over its quasi-identifiers."""

    quasi_identifiers: list[str]
    n_records: int
    n_classes: int
    k: int
    prosecutor_max: float
    prosecutor_avg: float
    journalist_max: float
    journalist_avg: float
    journalist_basis: str  # "population", "sampling_fraction" or "upper_bound"
    marketer: float
    threshold: float
    records_at_risk: float  # share of records whose prosecutor risk exceeds the threshold
    records_at_risk_journalist: float
    sample_uniques: int
    sample_uniques_share: float
    n_suppressed: int  # rows suppressed on every QI (one class)
    # ARX's convention: the smallest class among rows not suppressed on every QI (None if all are)
    k_excluding_suppressed: int | None = None
    sensitive: list[str] = field(default_factory=list)
    l_distinct: int | None = None  # min over classes and sensitive columns
    l_distinct_by_column: dict[str, int] = field(default_factory=dict)
    l_entropy: float | None = None  # exp(min class entropy), min over sensitive columns
    sampling_fraction: float | None = None
    population_uniques: float | None = None  # Zayatz estimate, among the sample's records
    population_uniques_share: float | None = None  # of the sample's records
    population_uniques_pitman: float | None = None  # Pitman estimate, among the sample's records
    population_uniques_share_pitman: float | None = None
    population_size: float | None = None  # N = n / sampling fraction
    class_size_histogram: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["class_size_histogram"] = {str(k): v for k, v in self.class_size_histogram.items()}
        return out


def zayatz_population_uniques(class_sizes: np.ndarray, sampling_fraction: float) -> float:
    """Zayatz (1991) estimate of how many sample uniques are population uniques."""
    if not 0 < sampling_fraction <= 1:
        raise InputError(f"sampling_fraction must be in (0, 1], got {sampling_fraction}")
    sizes = np.asarray(class_sizes, dtype=np.int64)
    sizes = sizes[sizes > 0]
    if sizes.size == 0:
        return 0.0
    i, c = np.unique(sizes, return_counts=True)
    if i[0] != 1:
        return 0.0
    pi = float(sampling_fraction)
    p1 = i * pi * (1.0 - pi) ** (i - 1)  # P(f = 1 | F = i), Bernoulli sampling
    denom = float((c * p1).sum())
    if denom <= 0:
        return 0.0
    return float(c[0] * (c[0] * p1[0]) / denom)


def pitman_population_uniques(class_sizes: np.ndarray, sampling_fraction: float) -> float | None:
    """Pitman / Hoshino (2001) estimate of how many of the sample's records are unique in the
    population (see the module doc); None when the fit does not converge."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    if not 0 < sampling_fraction <= 1:
        raise InputError(f"sampling_fraction must be in (0, 1], got {sampling_fraction}")
    sizes = np.asarray(class_sizes, dtype=np.int64)
    sizes = sizes[sizes > 0]
    n, k = int(sizes.sum()), int(sizes.size)
    c1 = int((sizes == 1).sum())
    if c1 == 0 or n < 2:
        return 0.0
    if sampling_fraction >= 1.0:
        return float(c1)  # the sample is the population: its uniques are the population's
    j, f = np.unique(sizes, return_counts=True)
    steps = np.arange(1, k, dtype=np.float64)

    def nll(p: np.ndarray) -> float:
        theta, alpha = float(p[0]), float(p[1])
        if not (0.0 < alpha < 1.0 and theta > -alpha):
            return 1e300
        ll = float(np.log(theta + steps * alpha).sum())
        ll -= float(gammaln(theta + n) - gammaln(theta + 1.0))
        ll += float((f * (gammaln(j - alpha) - gammaln(1.0 - alpha))).sum())
        return -ll

    starts = [(1.0, 0.5), (float(k), 0.1), (float(k) / 10.0, 0.7)]
    best = None
    for theta0, alpha0 in starts:
        res = minimize(nll, np.array([theta0, alpha0]), method="Nelder-Mead",
                       options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})  # fmt: skip
        if np.isfinite(res.fun) and res.fun < 1e299 and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        return None
    theta, alpha = float(best.x[0]), float(best.x[1])
    big_n = n / sampling_fraction
    log_u = float(gammaln(theta + 1.0) - gammaln(theta + alpha)) + alpha * np.log(big_n)
    in_sample = float(np.exp(log_u) * sampling_fraction)
    return float(min(max(in_sample, 0.0), c1)) if np.isfinite(in_sample) else None


def _population_sizes(
    keys: pd.DataFrame, population: pd.DataFrame, qis: Sequence[str]
) -> np.ndarray:
    missing = [c for c in qis if c not in population.columns]
    if missing:
        raise InputError(f"quasi-identifier {missing[0]!r} is not in the population table")
    pop = equivalence_classes(population, qis)
    # compare as text so an integer column in one table matches the same values in the other
    left = keys[list(qis)].astype(str).reset_index(drop=True)
    right = pop.keys[list(qis)].astype(str).assign(_F=pop.sizes)
    merged = left.merge(right, on=list(qis), how="left")
    return merged["_F"].to_numpy(dtype=np.float64)


def _l_diversity(labels: np.ndarray, values: pd.Series) -> tuple[int, float]:
    """Distinct l and entropy l (exp of the smallest class entropy) of one sensitive column."""
    codes = pd.factorize(values, use_na_sentinel=False)[0]
    pairs = pd.DataFrame({"c": labels, "v": codes}).value_counts().reset_index(name="n")
    distinct = int(pairs.groupby("c")["v"].size().min())
    p = pairs["n"] / pairs.groupby("c")["n"].transform("sum")
    ent = (-(p * np.log(p))).groupby(pairs["c"]).sum()
    return distinct, float(np.exp(ent.min()))


def _engine_columns(data: Any, engine: Any) -> list[str]:
    """Column names of a table an engine reads (a file path, a DataFrame)."""
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    return TableSource(data, engine, path=Path(data)).columns


def reidentification_risk(
    release: pd.DataFrame | Any,
    quasi_identifiers: Sequence[str],
    *,
    sensitive: str | Sequence[str] | None = None,
    threshold: float = 0.09,
    sampling_fraction: float | None = None,
    population: pd.DataFrame | None = None,
    engine: Any = None,
    population_size: float | None = None,
) -> ReidentificationRisk:
    """Equivalence classes, k, l and prosecutor / journalist / marketer risk of `release`.

    `threshold` is the highest acceptable per-record risk (0.09: EMA Policy 0070 and Health
    Canada's guidance for public releases). `population` (a table with the QIs, e.g. a census
    extract), `sampling_fraction` (release rows / population rows) or `population_size` (the
    number of people the table was drawn from) enable the journalist model and the
    population-uniqueness estimates (Zayatz and Pitman).

    `release` may also be a file (or whatever `engine` reads) with `engine` a counting engine:
    the classes are then counted in the engine and only their sizes and labels come back."""
    qis = list(quasi_identifiers)
    if not qis:
        raise InputError("name at least one quasi-identifier")
    in_engine = engine is not None and not isinstance(release, pd.DataFrame)
    columns = _engine_columns(release, engine) if in_engine else list(release.columns)
    missing = [c for c in qis if c not in columns]
    if missing:
        raise InputError(f"quasi-identifier {missing[0]!r} is not in the release")
    if not 0 < threshold <= 1:
        raise InputError(f"threshold must be in (0, 1], got {threshold}")
    if sampling_fraction is not None and not 0 < sampling_fraction <= 1:
        raise InputError(f"sampling_fraction must be in (0, 1], got {sampling_fraction}")
    sens = [sensitive] if isinstance(sensitive, str) else list(sensitive or [])
    for s in sens:
        if s not in columns:
            raise InputError(f"sensitive column {s!r} is not in the release")
        if s in qis:
            raise InputError(f"column {s!r} cannot be both quasi-identifier and sensitive")

    if population_size is not None and sampling_fraction is not None:
        raise InputError("give the population size or the sampling fraction, not both")
    ec = engine.equivalence_classes(release, qis) if in_engine else equivalence_classes(release, qis)
    n = int(ec.labels.size)
    if n == 0:
        raise InputError("the release is empty")
    if population_size is not None:
        if not population_size >= n:
            raise InputError(
                f"population size {population_size:g} is smaller than the release ({n} rows)"
            )
        sampling_fraction = n / float(population_size)
    f = ec.row_sizes().astype(np.float64)
    notes: list[str] = []
    if in_engine:  # a class is suppressed when its key is; rows inherit their class's flag
        suppressed = rows_suppressed(ec.keys[qis])[ec.labels]
    else:
        suppressed = rows_suppressed(release[qis])
    suppressed_rows = int(suppressed.sum())
    visible_sizes = ec.sizes[np.unique(ec.labels[~suppressed])]

    prosecutor = 1.0 / f
    if population is not None:
        F_class = _population_sizes(ec.keys, population, qis).astype(np.float64)
        absent = np.isnan(F_class)
        if absent.any():
            notes.append(
                f"{int(absent.sum())} release classes do not occur in the population table; "
                "their population size is taken as their release size"
            )
        F_class = np.where(absent, ec.sizes, np.maximum(F_class, ec.sizes))
        basis = "population"
    elif sampling_fraction is not None:
        F_class = np.maximum(ec.sizes / sampling_fraction, ec.sizes)
        basis = "sampling_fraction"
    else:
        F_class = ec.sizes.astype(np.float64)
        basis = "upper_bound"
        notes.append(
            "no population table or sampling fraction: journalist risk is reported equal to "
            "prosecutor risk, an upper bound"
        )
    journalist = 1.0 / F_class[ec.labels]
    marketer = float((ec.sizes / F_class).sum() / n)

    l_by: dict[str, int] = {}
    l_ent: float | None = None
    for s in sens:
        # In an engine, the classes over QIs + s stand for s's values: per QI class they have
        # the same number of distinct values and the same frequencies.
        values = (
            pd.Series(engine.equivalence_classes(release, [*qis, s]).labels)
            if in_engine
            else release[s]
        )
        d, e = _l_diversity(ec.labels, values)
        l_by[s] = d
        l_ent = e if l_ent is None else min(l_ent, e)

    pu = pu_share = pitman = pitman_share = None
    if sampling_fraction is not None:
        pu = zayatz_population_uniques(ec.sizes, sampling_fraction)
        pu_share = pu / n
        pitman = pitman_population_uniques(ec.sizes, sampling_fraction)
        pitman_share = pitman / n if pitman is not None else None
        if pitman is None:
            notes.append("Pitman's model did not fit these class sizes: only Zayatz's estimate")
    sizes, counts = np.unique(ec.sizes, return_counts=True)
    uniques = int((ec.sizes == 1).sum())
    return ReidentificationRisk(
        quasi_identifiers=qis,
        n_records=n,
        n_classes=ec.n_classes,
        k=int(ec.sizes.min()),
        prosecutor_max=float(prosecutor.max()),
        prosecutor_avg=float(prosecutor.mean()),
        journalist_max=float(journalist.max()),
        journalist_avg=float(journalist.mean()),
        journalist_basis=basis,
        marketer=marketer,
        threshold=float(threshold),
        records_at_risk=float((prosecutor > threshold).mean()),
        records_at_risk_journalist=float((journalist > threshold).mean()),
        sample_uniques=uniques,
        sample_uniques_share=uniques / n,
        n_suppressed=suppressed_rows,
        k_excluding_suppressed=int(visible_sizes.min()) if visible_sizes.size else None,
        sensitive=sens,
        l_distinct=min(l_by.values()) if l_by else None,
        l_distinct_by_column=l_by,
        l_entropy=l_ent,
        sampling_fraction=sampling_fraction,
        population_uniques=pu,
        population_uniques_share=pu_share,
        population_uniques_pitman=pitman,
        population_uniques_share_pitman=pitman_share,
        population_size=n / sampling_fraction if sampling_fraction is not None else None,
        class_size_histogram={int(s): int(c) for s, c in zip(sizes, counts, strict=True)},
        notes=notes,
    )
