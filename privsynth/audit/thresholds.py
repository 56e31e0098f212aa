"""The audit's pass/fail thresholds: their names, what each measures, and the defaults.

A policy sets them under `audit.thresholds` (name -> limit; `null` switches a default off).
Risk gates and utility gates stand side by side, so that a release is green only when it is
both safe enough and still useful: a table of `other` passes no utility gate, a table that
copies its rows passes no risk gate.

The decision rule (stated in the report): names ending in `_max` pass when the measured value
is at most the limit, names ending in `_min` when it is at least the limit; when the metric has
a 95 % interval, the conservative end decides -- the UPPER end for a `_max` gate, the LOWER end
for a `_min` gate -- so that a pass means "below the limit even allowing for the measurement's
uncertainty". A metric without an interval (re-identification risk counts every record; TVD,
information loss) is decided on its value.

A default threshold whose metric does not apply (no holdout, no quasi-identifiers, a synthetic
release's equivalence classes) is skipped and listed as such; a threshold whose measurement
FAILED on these tables (no comparable column, too few rows for a step), or that the policy
asked for explicitly but could not be measured, FAILS: the audit cannot vouch for what it
did not measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from privsynth.errors import InputError


@dataclass(frozen=True)
class ThresholdSpec:
    name: str
    metric: str  # dotted path into the report's dict, documented for the reader
    default: float | None  # None: only checked when the policy sets it
    description: str
    kind: str = "risk"  # "risk" | "utility": which side of the summary it stands on
    steps: tuple[str, ...] = ()  # measurements it rests on (`Measurements.failed` keys)


THRESHOLDS: dict[str, ThresholdSpec] = {
    s.name: s
    for s in [
        ThresholdSpec(
            "prosecutor_risk_max",
            "risk.reidentification.prosecutor_max",
            0.09,
            "Highest re-identification probability of any record (1 / size of its class over the "
            "quasi-identifiers). 0.09 is the EMA Policy 0070 / Health Canada figure.",
            kind="risk",
            steps=("reidentification",),
        ),
        ThresholdSpec(
            "prosecutor_risk_avg_max",
            "risk.reidentification.prosecutor_avg",
            None,
            "Average re-identification probability over all records.",
            kind="risk",
            steps=("reidentification",),
        ),
        ThresholdSpec(
            "records_above_threshold_max",
            "risk.reidentification.records_at_risk",
            0.05,
            "Share of records whose re-identification probability exceeds the risk threshold "
            "(audit.risk_threshold, 0.09 by default).",
            kind="risk",
            steps=("reidentification",),
        ),
        ThresholdSpec(
            "residual_failures_max",
            "manifest.residual_check.failures",
            0,
            "Columns of an anonymized release that failed the release's residual check (values "
            "that still look like direct identifiers, or a direct identifier's original values "
            "kept); from the manifest, measured when the release was written.",
        ),
        ThresholdSpec(
            "k_min",
            "risk.reidentification.k",
            None,
            "Smallest equivalence class over the quasi-identifiers (achieved k).",
            kind="risk",
            steps=("reidentification",),
        ),
        ThresholdSpec(
            "singling_out_risk_max",
            "risk.singling_out.worst.risk",
            0.10,
            "Singling-out attack, the worse of its univariate (one rare value) and multivariate "
            "(a few attributes together) forms: success above the control rows, "
            "(attack - control) / (1 - control).",
            kind="risk",
            steps=("singling_out",),
        ),
        ThresholdSpec(
            "linkability_risk_max",
            "risk.linkability.risk",
            0.10,
            "Linkability attack: how often two halves of a person's attributes are linked "
            "through the release, above the control rows.",
            kind="risk",
            steps=("linkability",),
        ),
        ThresholdSpec(
            "inference_risk_max",
            "risk.inference.*.risk",
            0.10,
            "Inference attack: the highest risk over the secret columns of guessing a person's "
            "secret from their other attributes, above the control rows.",
            kind="risk",
            steps=("inference",),
        ),
        ThresholdSpec(
            "dcr_share_max",
            "membership.dcr_share",
            0.60,
            "Share of release rows closer to the training rows than to the holdout rows (0.5 = "
            "no preference for the people the release was built from).",
            kind="risk",
            steps=("membership",),
        ),
        ThresholdSpec(
            "mia_auc_max",
            "membership.*_attack.auc",
            0.60,
            "Best ROC AUC of the membership-inference attacks (distance and density): 0.5 = a "
            "coin flip, 1.0 = membership always revealed.",
            kind="risk",
            steps=("membership",),
        ),
        ThresholdSpec(
            "exact_match_rate_max",
            "membership.exact_copy_rate_train",
            None,
            "Share of release rows that are exact copies of a training row.",
            kind="risk",
            steps=("membership",),
        ),
        ThresholdSpec(
            "tvd_1way_max",
            "utility.tvd.1way.mean",
            0.20,
            "Mean total variation distance of the single-column distributions over the compared "
            "columns (0 = identical, 1 = nothing in common); a suppressed cell counts as a lost "
            "value, so a fully suppressed column scores 1.",
            kind="utility",
            steps=("utility", "comparison"),
        ),
        ThresholdSpec(
            "tvd_1way_column_max",
            "utility.tvd.1way.max",
            0.30,
            "Total variation distance of the worst single column: one column far from the "
            "original (a noise-drowned or mostly `other` column) fails the release even when "
            "the mean over columns looks fine.",
            kind="utility",
            steps=("utility", "comparison"),
        ),
        ThresholdSpec(
            "tvd_2way_max",
            "utility.tvd.2way.mean",
            None,
            "Mean total variation distance of all two-column distributions.",
            kind="utility",
            steps=("utility", "comparison"),
        ),
        ThresholdSpec(
            "tvd_3way_max",
            "utility.tvd.3way.mean",
            None,
            "Mean total variation distance of the three-column distributions.",
            kind="utility",
            steps=("utility", "comparison"),
        ),
        ThresholdSpec(
            "correlation_diff_max",
            "utility.correlations.cramers_max_abs_diff",
            None,
            "Largest change of any pairwise association (Cramér's V).",
            kind="utility",
            steps=("utility", "comparison"),
        ),
        ThresholdSpec(
            "pmse_ratio_max",
            "utility.propensity.pmse_ratio",
            None,
            "Propensity pMSE over its null expectation (1 = indistinguishable from real data).",
            kind="utility",
            steps=("utility", "comparison", "propensity"),
        ),
        ThresholdSpec(
            "propensity_auc_max",
            "utility.propensity.auc_cv",
            0.90,
            "How well a classifier tells release rows from original rows (cross-validated ROC "
            "AUC of a logistic model on the compared columns): 0.5 = indistinguishable, 1.0 = "
            "every release row is recognisably not real data.",
            kind="utility",
            steps=("utility", "comparison", "propensity"),
        ),
        ThresholdSpec(
            "information_loss_max",
            "utility.information_loss.mean",
            0.50,
            "Mean information loss (NCP) over the columns the release generalized, suppressed "
            "or recoded: per cell, the share of the column's distinct values it no longer tells "
            "apart (0 = the value itself, 1 = suppressed or `*`).",
            kind="utility",
            steps=(),
        ),
        ThresholdSpec(
            "ml_efficacy_ratio_min",
            "utility.ml_efficacy.ratio",
            None,
            "Score of a model trained on the release over one trained on real data, tested on "
            "real rows (AUC for classification, R² for regression).",
            kind="utility",
            steps=("utility", "comparison"),
        ),
    ]
}


DECISION_RULE = (
    "A threshold ending in _max passes when the measured value is at most the limit, one "
    "ending in _min when it is at least the limit. Where the measurement has a 95 % interval "
    "(the attacks, membership inference, the propensity AUC), the conservative end decides: "
    "the upper end for a _max gate, the lower end for a _min gate. Re-identification risk, "
    "TVD and information loss count every row and are decided on their value."
)


@dataclass
class ThresholdCheck:
    """One line of the decision summary.

    `decided_on` is the number compared with the limit (the interval's conservative end when
    there is one, else `value`); `drivers` the columns that drive a failure and `fix` what
    would cure it (`audit.drivers`)."""

    name: str
    value: float | None
    limit: float
    passed: bool
    description: str
    source: str  # "policy" | "default"
    note: str = ""
    interval: list[float] | None = None  # 95 % interval of the value, when the metric has one
    decided_on: float | None = None
    basis: str = "value"  # "value" | "upper end of the 95 % interval" | "lower end of ..."
    kind: str = "risk"  # "risk" | "utility"
    detail: str = ""  # e.g. which form of an attack was the worst
    drivers: list[str] = field(default_factory=list)
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_thresholds(requested: Mapping[str, Any] | None) -> dict[str, tuple[float, str]]:
    """Defaults overlaid with the policy's limits; an unknown name is an InputError."""
    out = {n: (s.default, "default") for n, s in THRESHOLDS.items() if s.default is not None}
    for name, limit in (requested or {}).items():
        if name not in THRESHOLDS:
            known = ", ".join(sorted(THRESHOLDS))
            raise InputError(f"unknown audit threshold {name!r}; known thresholds: {known}")
        if limit is None:  # a policy may switch a default off with `name: null`
            out.pop(name, None)
            continue
        try:
            out[name] = (float(limit), "policy")
        except (TypeError, ValueError):
            raise InputError(f"audit threshold {name!r} must be a number, got {limit!r}") from None
    return out


def evaluate(
    limits: Mapping[str, tuple[float, str]],
    values: Mapping[str, float | None],
    intervals: Mapping[str, Any] | None = None,
    failed: Mapping[str, str] | None = None,
    details: Mapping[str, str] | None = None,
) -> tuple[list[ThresholdCheck], list[str]]:
    """Compare measured `values` with `limits` by DECISION_RULE; returns the checks and the
    skipped names. `failed` maps a measurement step that could not run to its reason: every
    threshold resting on it fails with that reason."""
    intervals = intervals or {}
    failed = failed or {}
    details = details or {}
    checks: list[ThresholdCheck] = []
    skipped: list[str] = []
    for name, (limit, source) in limits.items():
        spec = THRESHOLDS[name]
        value = values.get(name)
        is_min = name.endswith("_min")
        if value is None:
            broken = [failed[st] for st in spec.steps if st in failed]
            if broken:
                note = f"could not be measured: {broken[0]}"
            elif source == "default":
                skipped.append(name)
                continue
            else:
                note = "not measured"
            checks.append(
                ThresholdCheck(
                    name, None, limit, False, spec.description, source, note, kind=spec.kind
                )
            )
            continue
        ci = intervals.get(name)
        interval = [float(ci[0]), float(ci[1])] if ci is not None else None
        if interval is not None:
            decided = interval[0] if is_min else interval[1]
            basis = f"{'lower' if is_min else 'upper'} end of the 95 % interval"
        else:
            decided, basis = float(value), "value"
        passed = decided >= limit if is_min else decided <= limit
        checks.append(
            ThresholdCheck(
                name,
                float(value),
                limit,
                bool(passed),
                spec.description,
                source,
                interval=interval,
                decided_on=float(decided),
                basis=basis,
                kind=spec.kind,
                detail=details.get(name, ""),
            )
        )
    return checks, skipped
