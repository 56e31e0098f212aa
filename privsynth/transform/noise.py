"""Noise injection: DP per-value noise through OpenDP, and plain statistical noise (no guarantee).

DP per-value noise treats each value as one person's record: values are clamped to public
bounds [lo, hi] first, so one person changes a value by at most hi - lo, and each value gets
independent Laplace (pure epsilon) or Gaussian ((epsilon, delta) via zCDP) noise calibrated to
that. Each noised column costs its epsilon per person; the OpenDP measurement states the cost
when built (`map`) and we check it before drawing. Statistical noise is a Gaussian jitter with a
user-given scale: it hides nothing formally and is labelled so in the manifest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from privsynth.errors import InputError, first_row

NOT_A_GUARANTEE = "statistical noise: not a formal guarantee"


@dataclass
class NoiseResult:
    """The noised column and what it cost: `epsilon`/`delta` are None for statistical noise."""

    values: pd.Series
    mechanism: str
    scale: float
    epsilon: float | None
    delta: float | None
    bounds: tuple[float, float] | None
    guarantee: str

    def record(self) -> dict:
        """The ledger / manifest entry (no data)."""
        d = asdict(self)
        d.pop("values")
        d["bounds"] = list(self.bounds) if self.bounds is not None else None
        return d


def _numeric(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        conv = pd.to_numeric(series, errors="coerce")
        if (conv.isna() & series.notna()).any():
            row = first_row(conv.isna() & series.notna())
            raise InputError(f"noise needs numbers; column {series.name!r}, row {row:,} holds text")
        series = conv
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def laplace_measurement(sensitivity: float, epsilon: float):
    """OpenDP vector Laplace measurement whose per-value cost is `epsilon` at `sensitivity`."""
    dp = _dp()
    scale = sensitivity / epsilon
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
    meas = dp.m.make_laplace(*space, scale=scale)
    return meas, scale


def gaussian_measurement(sensitivity: float, epsilon: float, delta: float):
    """OpenDP vector Gaussian measurement, scale searched so that it is (epsilon, delta)-DP."""
    dp = _dp()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)

    def make(scale: float):
        return dp.c.make_fix_delta(
            dp.c.make_zCDP_to_approxDP(dp.m.make_gaussian(*space, scale=scale)), delta
        )

    scale = dp.binary_search_param(make, d_in=sensitivity, d_out=(epsilon, delta), T=float)
    return make(scale), scale


def dp_noise(
    series: pd.Series,
    *,
    epsilon: float,
    bounds: tuple[float, float],
    mechanism: str = "laplace",
    delta: float | None = None,
    round_to_int: bool | None = None,
    contributions: int = 1,
) -> NoiseResult:
    """Per-value DP noise on a numeric column through OpenDP (privacy rule 1).

    Values are clamped to `bounds` (public), noised, then clamped again and rounded for integer
    columns (post-processing, free). Missing values stay missing: missingness is not protected.
    `contributions` is the most rows one person has (unit of privacy): the sensitivity grows to
    m (hi - lo) in L1 for Laplace and sqrt(m) (hi - lo) in L2 for Gaussian.
    """
    if contributions < 1:
        raise InputError(f"contributions must be >= 1, got {contributions}")
    if not epsilon > 0:
        raise InputError(f"epsilon must be > 0, got {epsilon}")
    lo, hi = float(bounds[0]), float(bounds[1])
    if not lo < hi:
        raise InputError(f"noise bounds must be increasing, got {list(bounds)}")
    vals = _numeric(series)
    present = ~np.isnan(vals)
    clamped = np.clip(vals[present], lo, hi)
    span = hi - lo
    if mechanism == "laplace":
        sensitivity = contributions * span
        if delta is not None:
            raise InputError("laplace noise takes no delta")
        meas, scale = laplace_measurement(sensitivity, epsilon)
        cost = meas.map(sensitivity)
        spent_eps, spent_delta = float(cost), None
    elif mechanism == "gaussian":
        if delta is None or not 0 < delta < 1:
            raise InputError("gaussian noise needs 0 < delta < 1")
        sensitivity = float(np.sqrt(contributions)) * span
        meas, scale = gaussian_measurement(sensitivity, epsilon, delta)
        spent_eps, spent_delta = (float(x) for x in meas.map(sensitivity))
    else:
        raise InputError(f"unknown DP mechanism {mechanism!r}; use laplace or gaussian")
    if spent_eps > epsilon * (1 + 1e-9):
        raise InputError(f"OpenDP states a cost of epsilon {spent_eps}, above the {epsilon} asked")
    noisy = np.asarray(meas(clamped.tolist()), dtype=float) if clamped.size else clamped
    noisy = np.clip(noisy, lo, hi)
    integral = round_to_int
    if integral is None:
        integral = pd.api.types.is_integer_dtype(series) or bool(
            present.any() and np.all(np.floor(vals[present]) == vals[present])
        )
    if integral:
        noisy = np.clip(np.rint(noisy), np.ceil(lo), np.floor(hi))
    return NoiseResult(
        values=_put_back(series, present, noisy, integral),
        mechanism=mechanism,
        scale=float(scale),
        epsilon=spent_eps,
        delta=spent_delta,
        bounds=(lo, hi),
        guarantee=(
            f"({spent_eps:g}, {spent_delta or 0:g})-DP per person ({contributions} row(s) max), "
            f"bounds [{lo:g}, {hi:g}]"
        ),
    )


def statistical_noise(
    series: pd.Series,
    *,
    scale: float,
    rng: np.random.Generator,
    bounds: tuple[float, float] | None = None,
    round_to_int: bool | None = None,
) -> NoiseResult:
    """Gaussian jitter with standard deviation `scale`: blurs values, guarantees nothing."""
    if not scale > 0:
        raise InputError(f"noise scale must be > 0, got {scale}")
    vals = _numeric(series)
    present = ~np.isnan(vals)
    noisy = vals[present] + rng.normal(0.0, scale, size=int(present.sum()))
    if bounds is not None:
        noisy = np.clip(noisy, bounds[0], bounds[1])
    integral = round_to_int
    if integral is None:
        integral = pd.api.types.is_integer_dtype(series)
    if integral:
        noisy = np.rint(noisy)
    return NoiseResult(
        values=_put_back(series, present, noisy, integral),
        mechanism="statistical",
        scale=float(scale),
        epsilon=None,
        delta=None,
        bounds=tuple(bounds) if bounds is not None else None,
        guarantee=NOT_A_GUARANTEE,
    )


def _put_back(series: pd.Series, present: np.ndarray, noisy: np.ndarray, integral: bool) -> pd.Series:
    """The noisy values in the rows that had a value; missing rows stay missing."""
    out = np.full(len(series), np.nan)
    out[present] = noisy
    result = pd.Series(out, index=series.index, name=series.name)
    return result.astype("Int64") if integral else result
