"""DP measurements, each an OpenDP measurement whose cost is charged to the ledger before it runs.

Privacy rule 1: every noise draw on a private statistic happens inside OpenDP (discrete Gaussian,
report-noisy-max with Gumbel noise, thresholded Gaussian, private quantile). numpy never touches
a protected statistic before it has been released by one of these functions.

Sensitivity and the unit of privacy (neighbouring tables differ by adding or removing one
person, who contributes at most `m` rows; m = 1 when a row is a person):
- a marginal's vector of counts: the person's rows add at most m to the cells (all m may fall in
  the same cell), so the L1 and L2 norms of the change are both at most m. One OpenDP Gaussian
  per marginal, L2 sensitivity m.
- a row count: absolute sensitivity m.
- selection scores that are L1 distances between a marginal of the data and a fixed
  (already released) estimate: by the triangle inequality they move by at most m times the
  score's weight, so the L-infinity sensitivity of the score vector is m * max weight.
- key discovery: the person touches at most m keys (l0 <= m), each by at most m (linf <= m),
  and the l2 norm of the change is at most m.
- a quantile over m-row contributions: symmetric distance m.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from privsynth.errors import InputError
from privsynth.synth.ledger import Ledger, LedgerEntry


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _sized(make, scale: float, d_in, budget: float, key=lambda d: d):
    """Build the measurement with `scale`, nudged up until OpenDP's map fits `budget` exactly."""
    for _ in range(60):
        meas = make(scale)
        cost = meas.map(d_in)
        if key(cost) <= budget * (1 + 1e-12):
            return meas, scale, cost
        scale *= 1 + 1e-9 + (key(cost) / budget - 1)
    raise RuntimeError("could not size the OpenDP measurement to the budget")  # pragma: no cover


def invoke(meas, arg):
    """Run an OpenDP measurement (one place, so tests can watch every release)."""
    return meas(arg)


def gaussian_scale_for(rho: float, sensitivity: float) -> float:
    """Standard deviation of a Gaussian with `sensitivity` that costs `rho`: Delta / sqrt(2 rho)."""
    return sensitivity / math.sqrt(2.0 * rho)


def measure_marginal(
    counts: np.ndarray,
    *,
    ledger: Ledger,
    what: str,
    rho: float | None = None,
    sigma: float | None = None,
    sensitivity: int = 1,
) -> tuple[np.ndarray, float, LedgerEntry]:
    """Discrete-Gaussian noise on a whole marginal's integer counts (one OpenDP call).

    Give either the rho to spend or the noise std `sigma`. Returns (noisy counts as float with
    the marginal's shape, the std actually used, the ledger entry).
    """
    dp = _dp()
    sensitivity = int(sensitivity)
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l2_distance(T="i64")
    if sigma is None:
        if rho is None or rho <= 0:
            raise InputError(f"no budget to measure {what}")
        sigma = gaussian_scale_for(rho, sensitivity)
        meas, sigma, cost = _sized(
            lambda s: dp.m.make_gaussian(*space, scale=s), sigma, sensitivity, rho
        )
    else:
        meas = dp.m.make_gaussian(*space, scale=float(sigma))
        cost = meas.map(sensitivity)
    entry = ledger.charge(
        what,
        "discrete Gaussian (OpenDP make_gaussian)",
        scale=sigma,
        sensitivity=sensitivity,
        rho=cost,
    )
    flat = np.asarray(counts).ravel()
    exact = np.rint(flat).astype(np.int64)
    noisy = invoke(meas, exact.tolist())
    return np.asarray(noisy, dtype=np.float64).reshape(np.shape(counts)), float(sigma), entry


def measure_count(
    n: int, *, ledger: Ledger, rho: float, sensitivity: int = 1, what: str = "row count"
) -> float:
    """A DP row count: discrete Gaussian on the integer count."""
    dp = _dp()
    space = dp.atom_domain(T="i64"), dp.absolute_distance(T="i64")
    sigma = gaussian_scale_for(rho, sensitivity)
    meas, sigma, cost = _sized(
        lambda s: dp.m.make_gaussian(*space, scale=s), sigma, int(sensitivity), rho
    )
    ledger.charge(
        what,
        "discrete Gaussian (OpenDP make_gaussian)",
        scale=sigma,
        sensitivity=sensitivity,
        rho=cost,
    )
    return float(invoke(meas, int(n)))


def select_noisy_max(
    scores: Sequence[float] | np.ndarray,
    *,
    ledger: Ledger,
    rho: float,
    sensitivity: float,
    what: str,
) -> int:
    """Exponential mechanism (report-noisy-max with Gumbel noise, OpenDP) over `scores`.

    OpenDP's zCDP map for scale s is rho = Delta^2 / (2 s^2), i.e. the exponential mechanism
    with epsilon = sqrt(8 rho) (bounded-range analysis, Cesar & Rogers 2021).
    """
    dp = _dp()
    arr = np.asarray(scores, dtype=np.float64)
    if arr.size == 0:
        raise InputError(f"no candidates to select from for {what}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"non-finite selection score for {what}")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.linf_distance(T=float)
    sens = float(sensitivity)
    scale = sens / math.sqrt(2.0 * rho)
    meas, scale, cost = _sized(
        lambda s: dp.m.make_noisy_max(*space, dp.zero_concentrated_divergence(), scale=s),
        scale,
        sens,
        rho,
    )
    ledger.charge(
        what,
        "exponential mechanism (OpenDP make_noisy_max, Gumbel)",
        scale=scale,
        sensitivity=sens,
        rho=cost,
    )
    return int(invoke(meas, arr.tolist()))


def _threshold_space(dp, m: int):
    space = (
        dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64")),
        dp.l02inf_distance(dp.absolute_distance(T="i64")),
    )
    return space, (m, m, m)


def discovery_threshold(rho: float, delta: float, sensitivity: int = 1, *, what: str = "") -> int:
    """The smallest threshold whose delta (OpenDP's privacy map of the thresholded Gaussian at
    the noise `rho` buys, sensitivity m) fits `delta`: the count a key needs, in expectation, to
    be released by `discover_keys`. A public function of (rho, delta, m), so the pre-flight can
    show it before anything is measured."""
    if rho <= 0 or delta <= 0:
        return 2**62
    dp = _dp()
    m = int(sensitivity)
    space, d_in = _threshold_space(dp, m)
    sigma = gaussian_scale_for(rho, m)

    def delta_at(t: float) -> float:
        meas = dp.m.make_gaussian_threshold(*space, scale=sigma, threshold=int(math.ceil(t)))
        return meas.map(d_in)[1]

    # a threshold below m is not defined (a person's keys alone could reach it)
    lo, hi = float(m), float(2 * m)
    while delta_at(hi) > delta:
        hi *= 2
        if hi > 1e12:  # pragma: no cover
            raise InputError(f"{what or 'key discovery'}: no threshold reaches delta={delta:.3g}")
    while hi - lo > 1:
        mid = (lo + hi) / 2
        if delta_at(mid) <= delta:
            hi = mid
        else:
            lo = mid
    return int(math.ceil(hi))


def discover_keys(
    counts: Mapping[str, int],
    *,
    ledger: Ledger,
    rho: float,
    delta: float,
    sensitivity: int = 1,
    threshold: float | None = None,
    what: str = "key discovery",
) -> dict[str, float]:
    """Thresholded Gaussian histogram (OpenDP make_gaussian_threshold): keys that survive.

    Keys whose noisy count falls below the threshold are suppressed; the surviving key set is
    the released (public from now on) category list. Without a `threshold`, the smallest one
    whose delta fits `delta` is used.
    """
    dp = _dp()
    m = int(sensitivity)
    space, d_in = _threshold_space(dp, m)
    sigma = gaussian_scale_for(rho, m)

    def make(s: float, t: float):
        return dp.m.make_gaussian_threshold(*space, scale=s, threshold=int(math.ceil(t)))

    if threshold is None:
        threshold = discovery_threshold(rho, delta, m, what=what)
    meas, sigma, cost = _sized(lambda s: make(s, threshold), sigma, d_in, rho, key=lambda c: c[0])
    rho_cost, delta_cost = cost
    ledger.charge(
        what,
        "thresholded discrete Gaussian (OpenDP make_gaussian_threshold)",
        scale=sigma,
        sensitivity=m,
        rho=rho_cost,
        delta=delta_cost,
        note=f"threshold {int(math.ceil(threshold))}",
    )
    released = invoke(meas, {str(k): int(v) for k, v in counts.items() if v > 0})
    return {str(k): float(v) for k, v in released.items()}


def private_quantiles(
    histogram: np.ndarray,
    candidates: np.ndarray,
    alphas: Sequence[float],
    *,
    ledger: Ledger,
    rho: float,
    sensitivity: int = 1,
    what: str = "quantiles",
) -> list[float]:
    """DP quantiles (OpenDP make_private_quantile, exponential mechanism) over public candidates.

    `histogram[i]` counts the private values that round to `candidates[i]` (from the counting
    engine); the mechanism sees the values snapped to the candidate grid, which is post-processing
    of the data. `rho` is split evenly across the quantiles.
    """
    dp = _dp()
    cands = [float(c) for c in candidates]
    data = np.repeat(np.asarray(cands), np.asarray(histogram, dtype=np.int64)).tolist()
    per = rho / max(len(alphas), 1)
    out = []
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    for a in alphas:

        def make(s: float, a=a):
            return dp.m.make_private_quantile(
                *space, dp.zero_concentrated_divergence(), candidates=cands, alpha=float(a), scale=s
            )

        # map(d) scales as 1/scale^2: size from a unit-scale probe
        probe = make(1.0).map(int(sensitivity))
        scale = math.sqrt(probe / per)
        meas, scale, cost = _sized(make, scale, int(sensitivity), per)
        ledger.charge(
            f"{what} (alpha={a:.3f})",
            "exponential mechanism (OpenDP make_private_quantile)",
            scale=scale,
            sensitivity=sensitivity,
            rho=cost,
        )
        out.append(float(invoke(meas, data)))
    return out
