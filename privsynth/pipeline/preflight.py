"""Budget shares and the pre-flight of a DP synthetic release: will the noise drown it?

Everything here is a function of public quantities — the policy, the public schema, the
synthesis method, and a row count that is public (the policy's `expected_rows` or `rows`) or
a DP output (the DP row count, measured first and charged) — so the plan, its figures and a
refusal reveal nothing the DP guarantee does not cover.

Budget (zCDP rho of the policy's epsilon, delta): the DP row count takes `SHARE_ROWS`; DP typing
`SHARE_TYPING` split over the columns it types; every column that needs a DP domain step (key
discovery, DP bounds, DP-quantile bins) `SHARE_DOMAIN` of its own, at most `SHARE_DOMAIN_MAX` in
all; the synthesizer (MST / AIM) the rest. Key discovery also spends `DELTA_DISCOVERY` of delta.

The pre-flight compares each column's noise with the rows there are (`n`):
- a 1-way count of the synthesizer is off by about +-sigma (the std of its first measurement);
  spread over the column's cells that is an expected total variation distance of
  `cells * sigma * sqrt(2/pi) / (2 n)` before any smoothing. Over `TVD_LIMIT` the column is
  too fine for the budget (coarsen it: fewer bins or categories);
- key discovery releases a value only when its count clears a threshold (`discovery_threshold`,
  from the column's rho and delta): over `DISCOVERY_MAX_SHARE` of n it could release at most
  one value (give public categories);
- DP bounds need windows of the grid that stand 4.5 noise stds above zero and hold most of the
  values: a column spread over 8 grid cells needs about 16 stds of rows (4.5 x sqrt(8) / 0.8),
  so under `BOUNDS_MIN_SIGMAS` stds (of the coarse pass) there is none to find (give public
  bounds);
- DP typing decides from shares of n: under `TYPING_MIN_SIGMAS` stds of rows its counts are
  noise (declare the type).
When one of them fails the release is refused before any other work, with one line naming
the columns ("at epsilon 1 and about 300 rows, counts are +-40: raise epsilon, coarsen, or give
public categories for: a, b"). Columns whose bins nobody fixed (DP bounds) get as many bins as
the TVD limit allows (at most `dp_bounds.DP_BOUNDS_BINS`): a public computation from n and sigma.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from privsynth.synth.dp_bounds import COARSE_SHARE
from privsynth.synth.measure import discovery_threshold

SHARE_ROWS = 0.01
SHARE_TYPING = 0.06
SHARE_DOMAIN = 0.05
SHARE_DOMAIN_MAX = 0.30
DELTA_DISCOVERY = 0.1
TVD_LIMIT = 0.15
DISCOVERY_MAX_SHARE = 0.5
BOUNDS_MIN_SIGMAS = 16.0
TYPING_MIN_SIGMAS = 5.0
MAX_DP_BINS = 16
MST_ONE_WAY_SHARE = 0.5  # MST's default split: half of its budget on the 1-way marginals
AIM_ONE_WAY_SHARE = 0.25  # AIM: effectively half of MST's (see one_way_sigma)
_E_ABS = math.sqrt(2 / math.pi)  # E|Z| of a standard normal


@dataclass
class Shares:
    """The rho (and discovery delta) each step gets; all public (schema + policy)."""

    total: float
    rows: float = 0.0
    typing_per_column: float = 0.0
    domain_per_column: float = 0.0
    discovery_delta_per_column: float = 0.0
    synthesizer: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in vars(self).items()}


def plan_shares(
    rho: float,
    *,
    measure_rows: bool,
    n_typing: int,
    n_domain: int,
    n_discovery: int,
    delta_reserve: float,
) -> Shares:
    """The budget split (module doc); `n_domain` counts the columns needing a DP domain step."""
    sh = Shares(total=rho)
    used = 0.0
    if measure_rows:
        sh.rows = rho * SHARE_ROWS
        used += SHARE_ROWS
    if n_typing:
        sh.typing_per_column = rho * SHARE_TYPING / n_typing
        used += SHARE_TYPING
    if n_domain:
        per = min(SHARE_DOMAIN, SHARE_DOMAIN_MAX / n_domain)
        sh.domain_per_column = rho * per
        used += per * n_domain
    if n_discovery:
        sh.discovery_delta_per_column = delta_reserve / n_discovery
    sh.synthesizer = rho * (1.0 - used)
    return sh


def one_way_sigma(method: str, rho_synth: float, n_columns: int, m: int) -> float:
    """The noise std a column's 1-way counts effectively carry in the fitted model.

    MST measures each 1-way with `MST_ONE_WAY_SHARE` of its rho split over the d columns. AIM
    measures them with far more noise (1/(16 d) of its rho each) but refines them through its
    later, larger measurements; its effective share is taken as `AIM_ONE_WAY_SHARE`.
    Calibrated on generated 6-column tables at epsilon 1 (2 runs each, 1-way TVD of the
    synthetic table against the true rows over the raw-noise figure `expected_tvd` gives):
    MST 0.6 at 300 rows, 0.75 at 1,000, 0.7 at 3,000; AIM with MST's share 1.6, 0.95, 0.8 —
    AIM is the weaker method on small tables.
    """
    d = max(int(n_columns), 1)
    if rho_synth <= 0:
        return math.inf
    if d == 1:
        return m / math.sqrt(2.0 * rho_synth)
    share = MST_ONE_WAY_SHARE if method == "mst" else AIM_ONE_WAY_SHARE
    return m / math.sqrt(2.0 * rho_synth * share / d)


def expected_tvd(cells: int, sigma: float, n: float) -> float:
    """Expected total variation distance of noisy 1-way counts from the true ones (no smoothing)."""
    return cells * sigma * _E_ABS / (2.0 * max(n, 1.0))


def fitting_bins(sigma: float, n: float, limit: float = TVD_LIMIT, most: int = MAX_DP_BINS) -> int:
    """The most bins (plus a missing cell) whose expected 1-way TVD stays within `limit`."""
    cells = int(limit * 2.0 * max(n, 1.0) / max(sigma * _E_ABS, 1e-12))
    return max(2, min(most, cells - 1))


@dataclass
class ColumnCheck:
    """One column in the pre-flight: what the noise does to it, and whether it passes."""

    name: str
    step: str  # public categories | key discovery | public bounds | DP bounds | boolean | ...
    cells: int | None
    expected_tvd: float | None
    threshold: int | None = None
    problem: str | None = None  # "coarsen" | "public categories" | "public bounds" | "type"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class Preflight:
    """The pre-flight of one release: figures per column and the verdict (all public)."""

    epsilon: float
    delta: float
    method: str
    n: float
    n_source: str
    sigma_one_way: float
    shares: Shares
    columns: list[ColumnCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[ColumnCheck]:
        return [c for c in self.columns if c.problem is not None]

    @property
    def ok(self) -> bool:
        return not self.failing

    def reason(self) -> str:
        """The one line a refusal prints (module doc)."""
        asks = []
        for what in ("coarsen", "public categories", "public bounds", "type"):
            cols = [c.name for c in self.failing if c.problem == what]
            if cols:
                label = {"coarsen": "coarsen", "public categories": "give public categories for",
                         "public bounds": "give public bounds for", "type": "declare type: for"}
                asks.append(f"{label[what]}: {', '.join(cols)}")
        fewer = "keep fewer columns, " if len(self.columns) > 4 else ""
        return (
            f"at epsilon {self.epsilon:g} and about {_round(self.n)} rows, counts are "
            f"+-{_round(self.sigma_one_way)}: raise epsilon, {fewer}or " + "; ".join(asks)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "method": self.method,
            "rows_estimate": _round(self.n),
            "rows_estimate_source": self.n_source,
            "one_way_noise_std": self.sigma_one_way,
            "tvd_limit": TVD_LIMIT,
            "budget": self.shares.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "verdict": "ok" if self.ok else "refused",
            **({"reason": self.reason()} if not self.ok else {}),
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The plan as `release --dry-run` prints it."""
        out = [
            f"pre-flight: {self.method.upper()} at epsilon {self.epsilon:g}, delta {self.delta:g};"
            f" about {_round(self.n)} rows ({self.n_source})",
            f"  1-way counts of the synthesizer: +-{self.sigma_one_way:.1f} rows (noise std); "
            f"1-way TVD limit {TVD_LIMIT:g}",
        ]
        for c in self.columns:
            parts = [f"  {c.name}: {c.step}"]
            if c.cells is not None:
                parts.append(f"{c.cells} cells")
            if c.expected_tvd is not None:
                parts.append(f"expected 1-way TVD from noise {c.expected_tvd:.3f}")
            if c.threshold is not None:
                parts.append(f"a value needs about {c.threshold} rows to be discovered")
            if c.problem:
                parts.append(f"PROBLEM: {c.problem}")
            out.append(", ".join(parts))
        out.extend(f"  note: {n}" for n in self.notes)
        out.append("pre-flight: " + ("ok" if self.ok else "REFUSED: " + self.reason()))
        return out


def _round(x: float) -> int:
    """A count shown to people: rounded to 2 significant digits (it is noisy anyway)."""
    if not math.isfinite(x):
        return 0
    x = max(float(x), 0.0)
    if x < 100:
        return int(round(x))
    mag = 10 ** (int(math.log10(x)) - 1)
    return int(round(x / mag) * mag)


def check_columns(
    columns: Sequence[dict[str, Any]],
    *,
    n: float,
    sigma1: float,
    shares: Shares,
    m: int,
) -> list[ColumnCheck]:
    """Each column's figures. `columns` are dicts with `name`, `step` and, as the step needs,
    `cells` (public categories / bins, the missing cell included)."""
    out = []
    for col in columns:
        step, cells = col["step"], col.get("cells")
        check = ColumnCheck(col["name"], step, cells, None)
        if step == "key discovery":
            t = discovery_threshold(shares.domain_per_column, shares.discovery_delta_per_column, m)
            check.threshold = t
            if t > DISCOVERY_MAX_SHARE * n:
                check.problem = "public categories"
            else:
                check.cells = int(min(n / max(t, 1), 50)) + 2
        elif step == "DP bounds":
            rho_b = shares.domain_per_column * COARSE_SHARE  # the first, coarse pass
            sigma_b = m / math.sqrt(2.0 * rho_b) if rho_b > 0 else math.inf
            if n < BOUNDS_MIN_SIGMAS * sigma_b:
                check.problem = "public bounds"
            check.cells = fitting_bins(sigma1, n) + 1
        elif step == "DP typing":
            sigma_t = m / math.sqrt(2.0 * shares.typing_per_column) if shares.typing_per_column else math.inf
            if n < TYPING_MIN_SIGMAS * sigma_t:
                check.problem = "type"
        if check.cells is not None:
            check.expected_tvd = expected_tvd(check.cells, sigma1, n)
            if check.problem is None and check.expected_tvd > TVD_LIMIT:
                check.problem = "coarsen"
        out.append(check)
    return out


__all__ = [
    "ColumnCheck",
    "Preflight",
    "Shares",
    "TVD_LIMIT",
    "check_columns",
    "expected_tvd",
    "fitting_bins",
    "one_way_sigma",
    "plan_shares",
]
