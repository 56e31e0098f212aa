"""The audit's pass/fail thresholds: their names, what each measures, and the defaults.

A policy sets them under `audit.thresholds` (name -> limit). Names ending in `_max` pass when
the measured value is at most the limit; names ending in `_min` pass when it is at least the
limit. A default threshold whose metric was not measured (no holdout, no quasi-identifiers) is
skipped and listed as such; a threshold the policy asked for explicitly but that could not be
measured FAILS, because the officer asked for evidence the audit could not give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from privsynth.errors import InputError


@dataclass(frozen=True)
class ThresholdSpec:
    name: str
    metric: str  # dotted path into the report's dict, documented for the reader
    default: float | None  # None: only checked when the policy sets it
    description: str


THRESHOLDS: dict[str, ThresholdSpec] = {
    s.name: s
    for s in [
        ThresholdSpec(
            "prosecutor_risk_max",
            "risk.reidentification.prosecutor_max",
            0.09,
            "Highest re-identification probability of any record (1 / size of its class over the "
            "quasi-identifiers). 0.09 is the EMA Policy 0070 / Health Canada figure.",
        ),
        ThresholdSpec(
            "prosecutor_risk_avg_max",
            "risk.reidentification.prosecutor_avg",
            None,
            "Average re-identification probability over all records.",
        ),
        ThresholdSpec(
            "records_above_threshold_max",
            "risk.reidentification.records_at_risk",
            0.05,
            "Share of records whose re-identification probability exceeds the risk threshold "
            "(audit.risk_threshold, 0.09 by default).",
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
        ),
        ThresholdSpec(
            "singling_out_risk_max",
            "risk.singling_out.risk",
            0.10,
            "Singling-out attack: success above the control rows, (attack - control) / (1 - control).",
        ),
        ThresholdSpec(
            "linkability_risk_max",
            "risk.linkability.risk",
            0.10,
            "Linkability attack: how often two halves of a person's attributes are linked "
            "through the release, above the control rows.",
        ),
        ThresholdSpec(
            "inference_risk_max",
            "risk.inference.*.risk",
            0.10,
            "Inference attack: the highest risk over the secret columns of guessing a person's "
            "secret from their other attributes, above the control rows.",
        ),
        ThresholdSpec(
            "dcr_share_max",
            "membership.dcr_share",
            0.60,
            "Share of release rows closer to the training rows than to the holdout rows (0.5 = "
            "no preference for the people the release was built from).",
        ),
        ThresholdSpec(
            "mia_auc_max",
            "membership.*_attack.auc",
            0.60,
            "Best ROC AUC of the membership-inference attacks (distance and density): 0.5 = a "
            "coin flip, 1.0 = membership always revealed.",
        ),
        ThresholdSpec(
            "exact_match_rate_max",
            "membership.exact_copy_rate_train",
            None,
            "Share of release rows that are exact copies of a training row.",
        ),
        ThresholdSpec(
            "tvd_1way_max",
            "utility.tvd.1way.mean",
            None,
            "Mean total variation distance of the single-column distributions.",
        ),
        ThresholdSpec(
            "tvd_2way_max",
            "utility.tvd.2way.mean",
            None,
            "Mean total variation distance of all two-column distributions.",
        ),
        ThresholdSpec(
            "tvd_3way_max",
            "utility.tvd.3way.mean",
            None,
            "Mean total variation distance of the three-column distributions.",
        ),
        ThresholdSpec(
            "correlation_diff_max",
            "utility.correlations.cramers_max_abs_diff",
            None,
            "Largest change of any pairwise association (Cramér's V).",
        ),
        ThresholdSpec(
            "pmse_ratio_max",
            "utility.propensity.pmse_ratio",
            None,
            "Propensity pMSE over its null expectation (1 = indistinguishable from real data).",
        ),
        ThresholdSpec(
            "ml_efficacy_ratio_min",
            "utility.ml_efficacy.ratio",
            None,
            "Score of a model trained on the release over one trained on real data, tested on "
            "real rows (AUC for classification, R² for regression).",
        ),
    ]
}


@dataclass
class ThresholdCheck:
    """One line of the decision summary."""

    name: str
    value: float | None
    limit: float
    passed: bool
    description: str
    source: str  # "policy" | "default"
    note: str = ""
    interval: list[float] | None = None  # 95 % interval of the value, when the metric has one

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
) -> tuple[list[ThresholdCheck], list[str]]:
    """Compare measured `values` with `limits`; returns the checks and the skipped names.

    The point estimate decides (as anonymeter and the EMA guidance read their figures); the
    interval is carried along so the reader sees how sure the measurement is."""
    intervals = intervals or {}
    checks: list[ThresholdCheck] = []
    skipped: list[str] = []
    for name, (limit, source) in limits.items():
        spec = THRESHOLDS[name]
        value = values.get(name)
        if value is None:
            if source == "default":
                skipped.append(name)
                continue
            checks.append(
                ThresholdCheck(name, None, limit, False, spec.description, source, "not measured")
            )
            continue
        passed = value >= limit if name.endswith("_min") else value <= limit
        ci = intervals.get(name)
        checks.append(
            ThresholdCheck(
                name,
                float(value),
                limit,
                bool(passed),
                spec.description,
                source,
                interval=[float(ci[0]), float(ci[1])] if ci is not None else None,
            )
        )
    return checks, skipped
