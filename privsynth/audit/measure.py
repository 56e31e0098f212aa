"""Running the audit's measurements in order, each timed: re-identification risk, the three
Article 29 attacks, membership inference, utility.

Each step is announced to `progress(step, i, n)` before it runs. On tables an engine holds,
re-identification classes and the utility marginals are counted over every row (`_scale`);
the rest runs on the row samples.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from privsynth.audit import _risk_calls as rc
from privsynth.audit import _scale
from privsynth.audit.columns import AuditColumns
from privsynth.audit.inputs import AuditInputs, dig
from privsynth.audit.membership import dp_ceiling
from privsynth.audit.utility import UtilityResult, empty_utility, utility
from privsynth.errors import InputError

Progress = Callable[[str, int, int], None]

STEPS = (
    "reidentification",
    "singling_out",
    "linkability",
    "inference",
    "membership",
    "utility",
)
MAX_DEFAULT_ATTACKS = 2000


@dataclass
class Measurements:
    """What the steps measured, and how long each took (wall and CPU seconds).

    `failed` maps a step (or a metric of one) that could not be measured on these tables to
    the reason: its thresholds then fail, since the audit cannot vouch for what it did not
    measure (`thresholds.evaluate`)."""

    risk: dict[str, Any]
    membership: dict[str, Any]
    utility: UtilityResult
    n_attacks: int
    curves: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    timings_cpu: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def attempt(step: str, fn: Callable[[], Any], failed: dict[str, str], notes: list[str]) -> Any:
    """`fn()`, or None when it raises: the reason is recorded under `step` in `failed` and in
    the notes, so one measurement that cannot run on these tables (too few rows, a column with
    no values left) leaves the others and the report standing. Out of memory still stops."""
    try:
        return fn()
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a failed, named measurement
        kind = "" if isinstance(exc, InputError) else f"{type(exc).__name__}: "
        reason = f"{kind}{exc}".strip() or type(exc).__name__
        failed[step] = reason
        notes.append(f"{step.replace('_', ' ')} could not be measured: {reason}")
        return None


def ceiling(epsilon: float | None, delta: float | None) -> dict[str, Any] | None:
    """What DP promises against ANY membership attack (Kairouz et al. 2015 hypothesis-test bound)."""
    if epsilon is None or not epsilon > 0:
        return None
    d = float(delta or 0.0)
    out = dp_ceiling(float(epsilon), d).to_dict()
    e = math.exp(min(float(epsilon), 700.0))
    # membership advantage TPR - FPR is at most (e^eps - 1 + 2 delta) / (e^eps + 1)
    out["advantage_max"] = min(1.0, (e - 1 + 2 * d) / (e + 1))
    return out


def check_ceiling(membership: dict[str, Any], notes: list[str]) -> None:
    """An attack beating the DP ceiling means the release is not as private as its manifest says
    (or the holdout is not from the same population): flag it loudly."""
    top = membership.get("ceiling")
    if not top:
        return
    over = []
    for name in ("distance_attack", "density_attack"):
        auc = dig(membership, name, "auc")
        if auc is not None and auc > top["auc_max"] + 0.01:
            over.append(f"{name.replace('_', ' ')} AUC {auc:.3f}")
    membership["ceiling_exceeded"] = bool(over)
    if over:
        notes.append(
            f"{', '.join(over)} exceed(s) the AUC ceiling {top['auc_max']:.3f} that "
            f"(epsilon={top['epsilon']:g}, delta={top['delta']:g})-DP allows: the release "
            "does not behave like a DP release with this budget, or the holdout is not from the "
            "same population"
        )


class _Clock:
    """Wall and CPU time of each step, and the progress callback before each."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._t = 0.0
        self._c = 0.0

    def start(self, name: str) -> None:
        if self.progress is not None:
            self.progress(name, STEPS.index(name), len(STEPS))
        self._c = time.process_time()
        self._t = time.perf_counter()

    def stop(self, name: str) -> None:
        self.wall[name] = time.perf_counter() - self._t
        self.cpu[name] = time.process_time() - self._c


def measure(
    inputs: AuditInputs,
    cols: AuditColumns,
    *,
    synthetic: bool,
    risk_threshold: float,
    epsilon: float | None,
    delta: float | None,
    target: str | None,
    n_attacks: int | None,
    seed: int,
    progress: Progress | None,
    notes: list[str],
    population: dict[str, float | None] | None = None,
    not_comparable: dict[str, str] | None = None,
) -> Measurements:
    """Run every step of STEPS on the audit's tables (see module doc). A step that cannot run
    on these tables is recorded in `Measurements.failed`, never raised."""
    columns, qis, sec = cols.columns, cols.quasi_identifiers, cols.secrets
    orig, rel, hold = inputs.original[columns], inputs.release[columns], inputs.holdout
    scaled = inputs.scaled
    clock = _Clock(progress)
    failed: dict[str, str] = {}
    risk: dict[str, Any] = {
        "quasi_identifiers": qis,
        "secrets": sec,
        "risk_threshold": risk_threshold,
    }

    clock.start("reidentification")
    risk["reidentification"] = None
    if not qis:
        notes.append(
            "no quasi-identifiers known: re-identification risk of the release not measured"
        )
    elif synthetic:
        notes.append(
            "synthetic release: its rows are not people, so equivalence-class re-identification "
            "risk does not apply; see the attacks and membership inference"
        )
    elif scaled is not None:
        risk["reidentification"] = attempt(
            "reidentification",
            lambda: _scale.reidentification(scaled, qis, risk_threshold, sec, population),
            failed,
            notes,
        )
    else:
        risk["reidentification"] = attempt(
            "reidentification",
            lambda: rc.reidentification(rel, qis, risk_threshold, sec, population),
            failed,
            notes,
        )
    clock.stop("reidentification")

    if n_attacks is None:
        # The attacks' risk is a difference of two success rates; with 500 targets its standard
        # error is about 0.1 -- as large as the default limits. Use every available target up to
        # MAX_DEFAULT_ATTACKS so that a pass or fail reflects the release, not sampling noise.
        pool = min(len(orig), len(hold) if hold is not None else len(orig) // 2)
        n_attacks = max(1, min(MAX_DEFAULT_ATTACKS, pool))
    aux = cols.aux()
    clock.start("singling_out")
    risk["singling_out"] = None
    if columns:
        risk["singling_out"] = attempt(
            "singling_out",
            lambda: rc.singling_out(orig, rel, hold, n_attacks=n_attacks, seed=seed),
            failed,
            notes,
        )
    clock.stop("singling_out")
    clock.start("linkability")
    risk["linkability"] = None
    if len(aux) >= 2:
        risk["linkability"] = attempt(
            "linkability",
            lambda: rc.linkability(orig, rel, hold, aux, n_attacks=n_attacks, seed=seed),
            failed,
            notes,
        )
    elif columns:
        notes.append("linkability not measured: it needs at least two columns the attacker knows")
    clock.stop("linkability")
    clock.start("inference")
    risk["inference"] = {}
    for s in sec:
        known = [c for c in aux if c != s] or [c for c in columns if c != s]
        if not known:
            notes.append(
                f"inference of {s!r} not measured: no other column for the attacker to start from"
            )
            continue
        found = attempt(
            "inference",
            lambda s=s, known=known: rc.inference(
                orig, rel, hold, s, known, n_attacks=n_attacks, seed=seed
            ),
            failed,
            notes,
        )
        if found is not None:
            risk["inference"][s] = found
    clock.stop("inference")
    if hold is None:
        notes.append(
            "no holdout: the attacks' risk is measured against a random guess, not against "
            "control rows, which overstates it (a guess from an accurate release beats chance); "
            "pass --holdout for a fair reading. Membership inference was not run"
        )

    clock.start("membership")
    curves: dict[str, Any] = {}
    membership: dict[str, Any] = {"available": False, "ceiling": ceiling(epsilon, delta)}
    if hold is None:
        membership["reason"] = "no holdout of real rows outside the release was given"
    elif len(hold) < 2 or not columns:
        membership["reason"] = (
            "the holdout has fewer than 2 rows" if columns else "no column to compare"
        )
    else:
        got = attempt(
            "membership",
            lambda: rc.membership(orig, hold, rel, epsilon, delta, seed),
            failed,
            notes,
        )
        if got is None:
            membership["reason"] = failed["membership"]
        else:
            found, curves = got
            membership = {**found, "available": True, "ceiling": ceiling(epsilon, delta)}
            check_ceiling(membership, notes)
    clock.stop("membership")

    clock.start("utility")
    attach = _scale.attach_full_counts(scaled, 1000, seed) if scaled is not None else None
    util = attempt(
        "utility",
        lambda: utility(
            orig, rel, hold, target=target, seed=seed, attach=attach, skip=not_comparable,
            keep_recoded=synthetic,
        ),  # fmt: skip
        failed,
        notes,
    )
    if util is None:
        util = empty_utility()
    for metric, reason in util.not_measured.items():
        notes.append(f"{metric.replace('_', ' ')} not measured: {reason}")
        if metric in ("comparison", "propensity"):
            failed[metric] = reason
    clock.stop("utility")
    return Measurements(
        risk, membership, util, n_attacks, curves, clock.wall, clock.cpu, failed=failed
    )
