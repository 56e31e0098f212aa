"""The privacy ledger: every DP step recorded, and refused when it would exceed the budget.

Accounting is zero-concentrated DP (zCDP) throughout. The policy's (epsilon, delta) is turned
into a rho budget with OpenDP's zCDP -> approximate-DP conversion (Canonne-Kamath-Steinke
bound), and the spent rho is converted back the same way for the manifest. Steps that are only
approximately zCDP (the thresholded key discovery) also spend a slice of delta, reserved up front:
an (rho, delta_t)-approximate-zCDP release is (epsilon(delta - delta_t), delta)-DP.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from privsynth.errors import BudgetExceededError, InputError

# Relative slack for float round-off when a step is sized to spend exactly what is left.
_SLACK = 1e-9


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def check_epsilon_delta(epsilon: float, delta: float) -> None:
    """InputError unless 0 < epsilon < inf and 0 <= delta < 1 (zCDP needs delta > 0 to convert)."""
    try:
        eps, dlt = float(epsilon), float(delta)
    except (TypeError, ValueError):
        raise InputError(
            f"epsilon and delta must be numbers (got {epsilon!r}, {delta!r})"
        ) from None
    if not (eps > 0 and math.isfinite(eps)):
        raise InputError(f"epsilon must be a positive finite number (got {epsilon!r})")
    if not (0 <= dlt < 1):
        raise InputError(f"delta must satisfy 0 <= delta < 1 (got {delta!r})")
    if dlt == 0:
        raise InputError(
            "delta = 0 is not supported: the Gaussian mechanism (zCDP) needs delta > 0; "
            "use e.g. delta: 1.0e-9"
        )


def rho_to_epsilon(rho: float, delta: float) -> float:
    """Smallest epsilon such that rho-zCDP implies (epsilon, delta)-DP, by OpenDP's conversion."""
    if rho <= 0:
        return 0.0
    if rho < 1e-30:  # below OpenDP's float range: Bun-Steinke's looser bound is still valid
        return rho + 2 * math.sqrt(rho * math.log(1 / delta))
    profile = _converter().map(math.sqrt(2.0 * rho))
    return float(profile.epsilon(delta))


@functools.cache
def _converter():
    """A float Gaussian with scale 1 (privacy map d_in -> d_in^2 / 2) cast to approximate DP:
    mapping d_in = sqrt(2 rho) gives OpenDP's privacy profile of a rho-zCDP mechanism."""
    dp = _dp()
    meas = dp.m.make_gaussian(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=1.0
    )
    return dp.c.make_zCDP_to_approxDP(meas)


def epsilon_delta_to_rho(epsilon: float, delta: float) -> float:
    """Largest rho (to 1e-10 relative) whose OpenDP conversion gives <= (epsilon, delta)."""
    check_epsilon_delta(epsilon, delta)
    try:
        return _epsilon_delta_to_rho(float(epsilon), float(delta))
    except _dp().OpenDPException:
        # Only absurd budgets get here (OpenDP's conversion overflows somewhere above 1e4).
        raise InputError(
            f"epsilon={epsilon:g} is too large for OpenDP's privacy accounting (it overflows); "
            "a meaningful epsilon is at most ~10"
        ) from None


@functools.cache
def _epsilon_delta_to_rho(epsilon: float, delta: float) -> float:
    # Bracket: the Bun-Steinke conversion eps = rho + 2 sqrt(rho log(1/delta)) is looser than
    # OpenDP's, so its rho is a valid lower end; double until OpenDP's conversion exceeds epsilon.
    log_d = math.log(1 / delta)
    lo = (math.sqrt(log_d + epsilon) - math.sqrt(log_d)) ** 2
    if rho_to_epsilon(lo, delta) > epsilon:  # pragma: no cover  (defensive)
        lo = 0.0
    hi = max(2 * lo, 1e-12)
    while rho_to_epsilon(hi, delta) <= epsilon:
        lo, hi = hi, hi * 2
    for _ in range(80):
        mid = (lo + hi) / 2
        if rho_to_epsilon(mid, delta) <= epsilon:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-10 * hi:
            break
    return lo


@dataclass
class LedgerEntry:
    """One DP step: what was released, by which OpenDP mechanism, at which cost."""

    what: str
    mechanism: str
    scale: float
    sensitivity: float
    rho: float
    delta: float = 0.0
    note: str = ""


@dataclass
class Ledger:
    """Running account of a zCDP budget; `charge` refuses any step that would overspend.

    `rho_budget` is the total rho; `epsilon`/`delta` are the approximate-DP guarantee it stands
    for (informational when the ledger is built from rho directly). `delta_reserve` is the part of
    delta set aside for approximate-zCDP steps (key discovery), not available to the conversion.
    """

    rho_budget: float
    epsilon: float | None = None
    delta: float = 0.0
    delta_reserve: float = 0.0
    entries: list[LedgerEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (self.rho_budget > 0 and math.isfinite(self.rho_budget)):
            raise InputError(
                f"the rho budget must be positive and finite (got {self.rho_budget!r})"
            )
        if not (0 <= self.delta_reserve <= self.delta):
            raise InputError("delta_reserve must lie between 0 and delta")

    @classmethod
    def from_epsilon_delta(
        cls, epsilon: float, delta: float, *, delta_reserve: float = 0.0
    ) -> Ledger:
        """A ledger for an (epsilon, delta)-DP guarantee, `delta_reserve` kept for thresholds."""
        check_epsilon_delta(epsilon, delta)
        if not (0 <= delta_reserve < delta):
            raise InputError("delta_reserve must be >= 0 and smaller than delta")
        rho = epsilon_delta_to_rho(epsilon, delta - delta_reserve)
        return cls(rho, float(epsilon), float(delta), float(delta_reserve))

    # -- state -------------------------------------------------------------------------------
    @property
    def spent_rho(self) -> float:
        return float(sum(e.rho for e in self.entries))

    @property
    def spent_delta(self) -> float:
        return float(sum(e.delta for e in self.entries))

    @property
    def remaining_rho(self) -> float:
        return max(0.0, self.rho_budget - self.spent_rho)

    def can_afford(self, rho: float, delta: float = 0.0) -> bool:
        return self.spent_rho + rho <= self.rho_budget * (
            1 + _SLACK
        ) and self.spent_delta + delta <= self.delta_reserve * (1 + _SLACK)

    def charge(
        self,
        what: str,
        mechanism: str,
        *,
        scale: float,
        sensitivity: float,
        rho: float,
        delta: float = 0.0,
        note: str = "",
    ) -> LedgerEntry:
        """Record a step BEFORE its release is computed; BudgetExceededError if it would overspend."""
        if not (rho >= 0 and math.isfinite(rho)) or not (delta >= 0):
            raise BudgetExceededError(
                f"invalid privacy cost rho={rho!r}, delta={delta!r} for {what}"
            )
        if not self.can_afford(rho, delta):
            raise BudgetExceededError(
                f"{what} ({mechanism}) needs rho={rho:.6g}"
                + (f", delta={delta:.3g}" if delta else "")
                + f" but only rho={self.remaining_rho:.6g} of {self.rho_budget:.6g} is left"
                + (f" and delta {self.delta_reserve - self.spent_delta:.3g}" if delta else "")
            )
        entry = LedgerEntry(
            what, mechanism, float(scale), float(sensitivity), float(rho), float(delta), note
        )
        self.entries.append(entry)
        return entry

    # -- reporting ---------------------------------------------------------------------------
    def epsilon_spent(self) -> float:
        """The epsilon the spent rho stands for at this ledger's delta (OpenDP conversion)."""
        if self.delta <= 0:
            return math.inf if self.spent_rho > 0 else 0.0
        return rho_to_epsilon(self.spent_rho, self.delta - self.delta_reserve)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accounting": "zCDP (OpenDP 0.16), converted to (epsilon, delta)-DP",
            "epsilon": self.epsilon,
            "delta": self.delta,
            "rho_budget": self.rho_budget,
            "delta_reserved_for_thresholds": self.delta_reserve,
            "rho_spent": self.spent_rho,
            "delta_spent_by_thresholds": self.spent_delta,
            "epsilon_spent": self.epsilon_spent() if self.entries else 0.0,
            "steps": [asdict(e) for e in self.entries],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Ledger:
        led = cls(
            float(d["rho_budget"]),
            d.get("epsilon"),
            float(d.get("delta", 0.0)),
            float(d.get("delta_reserved_for_thresholds", 0.0)),
        )
        led.entries = [LedgerEntry(**s) for s in d.get("steps", [])]
        return led
