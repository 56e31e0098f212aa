"""The audit report: `AuditReport` (the JSON document and the signed HTML page) and how it is
assembled from what the audit measured — the threshold checks with their intervals, the
privacy statement (what the release promises, from its typed manifest and the policy, beside
what was measured), the inputs and their digests, how to reproduce the run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata as md
import json
import math
import os
import platform
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from privsynth import __version__
from privsynth.audit import _render
from privsynth.audit import thresholds as _thr
from privsynth.audit._stats import auc_interval
from privsynth.audit.columns import AuditColumns, column_actions
from privsynth.audit.drivers import annotate
from privsynth.audit.inputs import AuditInputs, dig, dp_promise, first, release_mode
from privsynth.audit.legal import legal_section
from privsynth.audit.measure import Measurements
from privsynth.audit.utility import UtilityResult, _clean
from privsynth.io import atomic_file
from privsynth.pipeline.manifest import Manifest

SCHEMA_VERSION = "1.0"
# An audit holds exact figures about the private table (row counts, distinct counts, rare
# values in plot labels, the input's digest): internal, never shipped beside a release (least
# of all a DP one, whose guarantee does not cover it).
CLASSIFICATION = (
    "INTERNAL - confidential: exact figures about the private table; for the data holder, "
    "not to be shared with or beside the release"
)


# --------------------------------------------------------------------------------- the report
@dataclass
class AuditReport:
    """Everything the audit measured; `to_dict()` is the JSON, `to_html()` the signed document."""

    inputs: dict[str, Any]
    privacy: dict[str, Any]
    risk: dict[str, Any]
    membership: dict[str, Any]
    utility: UtilityResult
    thresholds: list[_thr.ThresholdCheck]
    thresholds_skipped: list[str]
    inventory: list[dict[str, Any]]
    policy: dict[str, Any] | None
    scan: list[dict[str, Any]] | None
    reproducibility: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    timings_cpu: dict[str, float] = field(default_factory=dict)
    # engine, row counts and sample sizes when the audit ran on file engines (else None)
    sampling: dict[str, Any] | None = None
    legal: dict[str, Any] | None = None  # `audit.legal.legal_section`
    _curves: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """True when every checked threshold passed."""
        return all(t.passed for t in self.thresholds)

    @property
    def failed(self) -> list[_thr.ThresholdCheck]:
        return [t for t in self.thresholds if not t.passed]

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "schema_version": SCHEMA_VERSION,
                "classification": CLASSIFICATION,
                "summary": {
                    "passed": self.passed,
                    "n_thresholds": len(self.thresholds),
                    "n_failed": len(self.failed),
                    "failed": [t.name for t in self.failed],
                    "decision_rule": _thr.DECISION_RULE,
                    "risk_passed": all(t.passed for t in self.thresholds if t.kind == "risk"),
                    "utility_passed": all(
                        t.passed for t in self.thresholds if t.kind == "utility"
                    ),
                    "worst_singling_out": _worst_singling_out(self.risk),
                },
                "thresholds": [t.to_dict() for t in self.thresholds],
                "thresholds_skipped": list(self.thresholds_skipped),
                "inputs": self.inputs,
                "inventory": self.inventory,
                "scan": self.scan,
                "policy": self.policy,
                "privacy": self.privacy,
                "legal": self.legal,
                "sign_off": {
                    "prepared_by": None,
                    "approved_by": None,
                    "decision": None,
                    "conditions": None,
                    "suggested_conditions": suggested_conditions(self),
                },
                "risk": self.risk,
                "membership": self.membership,
                "utility": self.utility.to_dict(),
                "limitations": LIMITATIONS,
                "reproducibility": self.reproducibility,
                "notes": list(self.notes),
                "sampling": self.sampling,
                "timings": dict(self.timings),
                "timings_cpu": dict(self.timings_cpu),
            }
        )

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The report as JSON text; also written (atomically) to `path` when given."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
        if path is not None:
            with atomic_file(path) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
        return text

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """One self-contained HTML file (inline CSS, plots as base64 PNG); written atomically."""
        html = _render.render_html(self)
        if path is not None:
            with atomic_file(path) as tmp:
                tmp.write_text(html, encoding="utf-8")
        return html


def suggested_conditions(report: AuditReport) -> list[str]:
    """Conditions a signatory may attach (the sign-off's `conditions` field is theirs to fill):
    what the legal kind and the failed gates call for."""
    out = []
    legal = report.legal or {}
    if legal.get("kind") == "pseudonymised":
        out.append(
            "Process the release as personal data (GDPR): a lawful basis for every recipient, "
            "and the pseudonymisation key kept apart from it, under access control (Art. 4(5))."
        )
    if legal.get("kind") == "identifiable":
        out.append("Do not release outside the controller: direct identifiers are present.")
    hipaa = legal.get("hipaa") or {}
    if hipaa and not hipaa.get("met"):
        letters = ", ".join(hipaa.get("still_present") or [])
        out.append(
            f"Not de-identified under Safe Harbor (identifiers {letters} still present): use "
            "only under a HIPAA authorization, a data use agreement, or expert determination."
        )
    if legal.get("special_categories"):
        out.append(
            "Special-category data (GDPR Art. 9) in the release: an Art. 9(2) condition for "
            "every use."
        )
    failed = {t.name for t in report.failed}
    if failed & {"dcr_share_max", "mia_auc_max"} and report.privacy.get("mode") == "anonymize":
        out.append(
            "Membership in the data is visible (the release holds the original rows): accept "
            "only if being in the data set is not itself sensitive."
        )
    return out


def _worst_singling_out(risk: dict[str, Any]) -> dict[str, Any] | None:
    """Both forms of the singling-out attack and which is worse, for the summary."""
    so = risk.get("singling_out")
    if not so:
        return None
    uni = so.get("univariate") or {}
    return {
        "worst": dig(so, "worst", "mode"),
        "multivariate": {"risk": so.get("risk"), "ci": so.get("ci")},
        "univariate": {"risk": uni.get("risk"), "ci": uni.get("ci")},
    }


LIMITATIONS = [
    "These figures are measurements of specific attacks on this release, not a proof of "
    "anonymity. A stronger attacker, or one with more background knowledge than assumed here, "
    "may do better. Only differential privacy (when the release is DP) gives a guarantee that "
    "holds against every attacker, and only within its stated epsilon and delta.",
    "Attack risks are estimated from a finite number of attacks; read them with their "
    "confidence intervals. A risk near zero means the attacks did no better on the people in "
    "the data than on people outside it (the control rows), not that no one can be harmed.",
    "Without a holdout of real rows that were not used to build the release, membership "
    "inference cannot be measured and the attacks' control rate is less reliable.",
    "Re-identification risk assumes the attacker knows exactly the quasi-identifiers listed; "
    "columns not listed as quasi-identifiers are assumed unknown to the attacker.",
    "Utility metrics compare the release with the original on the original's bins and "
    "categories; they show what was preserved on average, not for every subgroup or analysis.",
]


# --------------------------------------------------------------------------- the statement
def _versions() -> dict[str, str]:
    out = {"privsynth": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "pandas", "scipy", "scikit-learn", "opendp", "matplotlib", "jinja2"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def privacy_statement(
    policy: dict | None, manifest: Manifest | None, risk: dict
) -> dict[str, Any]:
    """What the release promises (DP budget and ledger, or k / l), from the typed manifest and
    the policy, beside what the audit measured (k, l of the release)."""
    mode = release_mode(policy, manifest)
    epsilon, delta = dp_promise(policy, manifest)
    m = manifest or Manifest.from_dict({})
    unit = first(m.unit_of_privacy, dig(policy, "release", "unit_of_privacy"))
    if mode is None and epsilon is not None:
        mode = "synthesize"
    k_required = first(m.k_requested, dig(policy, "privacy", "k"), m.k_declared)
    if mode is None and k_required is not None:
        mode = "anonymize"
    reid = risk.get("reidentification") or {}
    achieved = m.achieved
    return _clean(
        {
            "mode": mode or "unknown",
            "dp": mode == "synthesize" and epsilon is not None,
            "epsilon": float(epsilon) if epsilon is not None else None,
            "delta": float(delta) if delta is not None else None,
            "rho": float(m.rho) if m.rho is not None else None,
            "unit_of_privacy": unit
            if unit is not None
            else ("one row" if mode == "synthesize" else None),
            "ledger": m.ledger if m.ledger is not None else [],
            "public": m.public,
            "noise": m.randomness
            or (
                "OpenDP measurements (floating-point-safe discrete Gaussian / Laplace)"
                if mode == "synthesize"
                else None
            ),
            "k_required": k_required,
            "l_required": first(m.l_requested, dig(policy, "privacy", "l")),
            "k_achieved": first(reid.get("k"), achieved.get("k")),
            "l_achieved": reid.get("l_distinct"),
            "suppressed": achieved.get("suppressed"),
        }
    )


# --------------------------------------------------------------------------- the report
def assemble_report(
    original: Any,
    release: Any,
    holdout: Any,
    *,
    inputs: AuditInputs,
    cols: AuditColumns,
    measured: Measurements,
    policy: dict | None,
    policy_sha256: str | None,
    manifest: Manifest | None,
    findings: list[dict] | None,
    inventory: list[dict],
    limits: dict[str, tuple[float, str]],
    privacy: dict[str, Any],
    seed: int,
    notes: list[str],
) -> AuditReport:
    """The `AuditReport`: the thresholds checked against what was measured, the inputs and
    their digests, the policy and what was done per column, how to reproduce the run."""
    risk, membership, util = measured.risk, measured.membership, measured.utility
    values = _threshold_values(risk, membership, util)
    values["residual_failures_max"] = _residual_failures(manifest)
    checks, skipped = _thr.evaluate(
        limits,
        values,
        _threshold_intervals(risk, membership, util),
        failed=measured.failed,
        details=_threshold_details(risk, membership),
    )
    mode = release_mode(policy, manifest)
    annotate(
        checks,
        risk=_clean(risk),
        membership=_clean(membership),
        utility=util.to_dict(),
        mode=mode,
    )
    digests = inputs.digests
    repro = {
        "seed": seed,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sha256": {
            "original": digests["original"],
            "release": digests["release"],
            "holdout": digests["holdout"],
            "policy": policy_sha256,
        },
        "versions": _versions(),
        "n_attacks": measured.n_attacks,
    }
    columns = cols.columns
    report_inputs = {
        "n_original": inputs.rows["original"],
        "n_release": inputs.rows["release"],
        "n_holdout": inputs.rows["holdout"],
        "columns": columns,
        "dropped_columns": sorted(c for c in inputs.original.columns if c not in columns),
        "quasi_identifiers": cols.quasi_identifiers,
        "secrets": cols.secrets,
        "target": util.ml_efficacy.target if util.ml_efficacy else cols.target,
        "original": _name(original),
        "release": _name(release),
        "holdout": _name(holdout) if holdout is not None else None,
    }
    policy_info = None
    if policy is not None or manifest is not None:
        policy_info = {
            "name": first(dig(policy, "name"), manifest.policy_name if manifest else None),
            "sha256": first(policy_sha256, manifest.policy_sha256 if manifest else None),
            "mode": release_mode(policy, manifest),
            "columns": column_actions(policy, manifest),
        }
    released = [str(c) for c in inputs.release.columns]
    legal = legal_section(
        policy_name=policy_info.get("name") if policy_info else None,
        actions=column_actions(policy, manifest),
        mode=mode,
        dp=bool(privacy.get("dp")),
        k_required=privacy.get("k_required"),
        scan=findings,
        columns=[str(c) for c in inputs.original.columns],
        released=released,
        original=inputs.original,
    )
    return AuditReport(
        inputs=_clean(report_inputs),
        privacy=privacy,
        risk=_clean(risk),
        membership=_clean(membership),
        utility=util,
        thresholds=checks,
        thresholds_skipped=skipped,
        inventory=inventory,
        policy=_clean(policy_info),
        scan=findings,
        reproducibility=repro,
        notes=notes,
        timings=measured.timings,
        timings_cpu=measured.timings_cpu,
        sampling=inputs.scaled.sampling() if inputs.scaled is not None else None,
        legal=_clean(legal),
        _curves=measured.curves,
    )


def _residual_failures(manifest: Manifest | None) -> float | None:
    """How many checks the release's residual check failed (None: the manifest has none)."""
    check = manifest.raw.get("residual_check") if manifest is not None else None
    if not isinstance(check, dict) or not isinstance(check.get("failures"), list):
        return None
    return float(len(check["failures"]))


def _name(table: Any) -> str:
    return "<DataFrame>" if isinstance(table, pd.DataFrame) else str(table)


def _threshold_intervals(risk: dict, membership: dict, util: UtilityResult) -> dict[str, Any]:
    """95 % intervals: the attacks' risks (the worst form of singling out, the worst secret's
    inference), the DCR share, the best membership attack's AUC, the propensity AUC."""
    out: dict[str, Any] = {
        "singling_out_risk_max": dig(risk, "singling_out", "worst", "ci"),
        "linkability_risk_max": dig(risk, "linkability", "ci"),
    }
    inf = [v for v in (risk.get("inference") or {}).values() if v and v.get("risk") is not None]
    if inf:
        out["inference_risk_max"] = max(inf, key=lambda v: v["risk"]).get("ci")
    if membership.get("dcr_share_ci") is not None:
        out["dcr_share_max"] = membership["dcr_share_ci"]
    attacks = [
        membership[k]
        for k in ("distance_attack", "density_attack")
        if dig(membership, k, "auc") is not None
    ]
    if attacks:
        best = max(attacks, key=lambda a: a["auc"])
        out["mia_auc_max"] = auc_interval(
            float(best["auc"]), int(best.get("n_members") or 0), int(best.get("n_non_members") or 0)
        )
    if util.propensity is not None and util.propensity.auc_cv_ci is not None:
        out["propensity_auc_max"] = util.propensity.auc_cv_ci
    return {k: v for k, v in out.items() if v is not None}


def _threshold_details(risk: dict, membership: dict) -> dict[str, str]:
    """Which form of a measurement a gate read (the worst singling out, the best attack)."""
    out = {}
    mode = dig(risk, "singling_out", "worst", "mode")
    if mode is not None:
        out["singling_out_risk_max"] = f"worst form: {mode}"
    aucs = {
        k.replace("_", " "): dig(membership, k, "auc")
        for k in ("distance_attack", "density_attack")
        if dig(membership, k, "auc") is not None
    }
    if aucs:
        out["mia_auc_max"] = f"best attack: {max(aucs, key=aucs.get)}"
    inf = {s: v.get("risk") for s, v in (risk.get("inference") or {}).items() if v}
    inf = {s: r for s, r in inf.items() if r is not None}
    if inf:
        out["inference_risk_max"] = f"worst secret: {max(inf, key=inf.get)}"
    return out


def _threshold_values(risk: dict, membership: dict, util: UtilityResult) -> dict[str, float | None]:
    reid = risk.get("reidentification") or {}
    inf = [
        v.get("risk")
        for v in (risk.get("inference") or {}).values()
        if v and v.get("risk") is not None
    ]
    aucs = [
        dig(membership, k, "auc")
        for k in ("distance_attack", "density_attack")
        if dig(membership, k, "auc") is not None
    ]
    mle = util.ml_efficacy
    mle_ratio = None
    if mle is not None:
        key = "r2" if mle.task == "regression" else "auc"
        mle_ratio = mle.ratio.get(key)
        if mle_ratio is not None and not math.isfinite(mle_ratio):
            mle_ratio = None
    tvd = util.tvd
    prop = util.propensity
    loss = util.information_loss

    def finite(x: Any) -> float | None:
        return float(x) if x is not None and math.isfinite(float(x)) else None

    return {
        "prosecutor_risk_max": reid.get("prosecutor_max"),
        "prosecutor_risk_avg_max": reid.get("prosecutor_avg"),
        "records_above_threshold_max": reid.get("records_at_risk"),
        "k_min": reid.get("k"),
        "singling_out_risk_max": dig(risk, "singling_out", "worst", "risk"),
        "linkability_risk_max": dig(risk, "linkability", "risk"),
        "inference_risk_max": max(inf) if inf else None,
        "dcr_share_max": membership.get("dcr_share"),
        "mia_auc_max": max(aucs) if aucs else None,
        "exact_match_rate_max": membership.get("exact_copy_rate_train"),
        "tvd_1way_max": finite(tvd[1].mean) if 1 in tvd else None,
        "tvd_1way_column_max": finite(tvd[1].max) if 1 in tvd else None,
        "tvd_2way_max": finite(tvd[2].mean) if 2 in tvd else None,
        "tvd_3way_max": finite(tvd[3].mean) if 3 in tvd else None,
        "correlation_diff_max": finite(util.correlations.cramers_max_abs_diff),
        "pmse_ratio_max": finite(prop.pmse_ratio) if prop else None,
        "propensity_auc_max": finite(prop.auc_cv) if prop and prop.auc_cv is not None else None,
        "information_loss_max": loss.mean if loss is not None else None,
        "ml_efficacy_ratio_min": mle_ratio,
    }
