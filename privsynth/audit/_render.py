"""Render an `AuditReport` to one self-contained HTML page (jinja2 template + embedded PNGs)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from privsynth.audit import _plots

if TYPE_CHECKING:
    from privsynth.audit.report import AuditReport

SECTIONS = [
    ("decision", "Decision summary"),
    ("inventory", "Data inventory and PII findings"),
    ("policy", "Policy applied"),
    ("privacy", "Privacy statement"),
    ("legal", "Legal classification"),
    ("reidentification", "Re-identification risk"),
    ("attacks", "Attacks: singling out, linkability, inference"),
    ("membership", "Membership inference"),
    ("utility", "Utility"),
    ("limitations", "Limitations"),
    ("reproducibility", "Reproducibility"),
]


# plain-language names of the thresholds, shown above their code names
GATE_LABELS = {
    "prosecutor_risk_max": "Highest re-identification risk",
    "prosecutor_risk_avg_max": "Average re-identification risk",
    "records_above_threshold_max": "Records above the risk threshold",
    "k_min": "Smallest group (k)",
    "singling_out_risk_max": "Singling out",
    "linkability_risk_max": "Linkability",
    "inference_risk_max": "Inference of a secret",
    "dcr_share_max": "Closeness to the real rows",
    "mia_auc_max": "Membership inference",
    "exact_match_rate_max": "Exact copies of real rows",
    "tvd_1way_max": "Single-column distributions",
    "tvd_1way_column_max": "Worst single column",
    "tvd_2way_max": "Two-column distributions",
    "tvd_3way_max": "Three-column distributions",
    "correlation_diff_max": "Associations between columns",
    "pmse_ratio_max": "Distinguishability (pMSE)",
    "propensity_auc_max": "Distinguishable from real data",
    "information_loss_max": "Information lost",
    "ml_efficacy_ratio_min": "Use for prediction",
}

# plain-language names of the re-identification figures (risk.py's field names as keys)
REID_LABELS = {
    "n_records": "Records",
    "n_classes": "Groups (equivalence classes)",
    "k": "Smallest group (k achieved)",
    "prosecutor_max": "Highest re-identification risk of a record",
    "prosecutor_avg": "Average re-identification risk",
    "journalist_max": "Highest risk, attacker unsure the person is in the data",
    "journalist_avg": "Average risk, attacker unsure the person is in the data",
    "marketer": "Share of records an attacker re-identifies by matching all",
    "records_at_risk": "Records above the risk threshold",
    "records_at_risk_journalist": "Records above the threshold (journalist model)",
    "sample_uniques": "Records unique on the quasi-identifiers",
    "sample_uniques_share": "Share of records unique on the quasi-identifiers",
    "n_suppressed": "Records fully suppressed",
    "l_distinct": "Fewest distinct secret values in a group (l achieved)",
    "l_entropy": "Entropy l-diversity",
    "population_size": "Population the table was drawn from (given)",
    "sampling_fraction": "Sampling fraction (release rows / population)",
    "population_uniques_share": "Estimated share unique in the population (Zayatz)",
    "population_uniques_share_pitman": "Estimated share unique in the population (Pitman)",
}
_PCT_KEYS = {
    "records_at_risk",
    "records_at_risk_journalist",
    "sample_uniques_share",
    "population_uniques_share",
    "population_uniques_share_pitman",
    "marketer",
}


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        if x != 0 and abs(x) < 10 ** (-digits) and digits >= 3:  # intervals stay plain
            return f"{x:.2e}"
        return f"{x:.{digits}f}"
    return str(x)


def _kv(x: Any) -> str:
    """A manifest value for a reader: mappings as `key value, ...`, lists comma-separated."""
    if isinstance(x, dict):
        return ", ".join(f"{str(k).replace('_', ' ')} {_kv(v)}" for k, v in x.items())
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_kv(v) for v in x) + "]"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def _pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{100 * float(x):.1f} %"


def _figures(report: AuditReport, n_bars: int = 4) -> dict[str, Any]:
    figs: dict[str, Any] = {"marginals": [], "pearson": None, "cramers": None, "roc": None}
    util = report.utility
    enc = util.encoded
    if enc is not None and enc.columns:
        # whole-table counts when the audit ran on row samples of large files
        one = {
            c: (enc.marginals("o", [(c,)])[0], enc.marginals("r", [(c,)])[0])
            for c in enc.columns
        }
        tvd = {
            c: 0.5 * np.abs(a / max(a.sum(), 1) - b / max(b.sum(), 1)).sum()
            for c, (a, b) in one.items()
        }
        # the worst-preserved columns first, then the rest in table order
        chosen = sorted(tvd, key=lambda c: -tvd[c])[:n_bars]
        for c in chosen:
            a, b = one[c]
            figs["marginals"].append(
                _plots.marginal_bars(
                    c, enc.one_way_labels(c), a / max(a.sum(), 1), b / max(b.sum(), 1), tvd[c]
                )
            )
    corr = util.correlations
    if len(corr.pearson_columns) >= 2:
        figs["pearson"] = _plots.heatmaps(
            corr.pearson_columns, corr.pearson_original, corr.pearson_release, "Pearson"
        )
    if len(corr.cramers_columns) >= 2:
        figs["cramers"] = _plots.heatmaps(
            corr.cramers_columns, corr.cramers_original, corr.cramers_release, "Cramér's V"
        )
    if report._curves:
        figs["roc"] = _plots.roc_curves(
            report._curves, report.privacy.get("epsilon"), report.privacy.get("delta") or 0.0
        )
    return figs


def render_html(report: AuditReport) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("privsynth.audit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    env.filters["kv"] = _kv
    template = env.get_template("report.html.j2")
    data = report.to_dict()
    return template.render(
        r=data,
        sections=SECTIONS,
        figs=_figures(report),
        reid_labels=REID_LABELS,
        gate_labels=GATE_LABELS,
        pct_keys=_PCT_KEYS,
        passed=report.passed,
    )
