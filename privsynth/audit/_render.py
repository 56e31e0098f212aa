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
    ("reidentification", "Re-identification risk"),
    ("attacks", "Attacks: singling out, linkability, inference"),
    ("membership", "Membership inference"),
    ("utility", "Utility"),
    ("limitations", "Limitations"),
    ("reproducibility", "Reproducibility"),
]


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
        if x != 0 and abs(x) < 10 ** (-digits):
            return f"{x:.2e}"
        return f"{x:.{digits}f}"
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
        one = {
            c: (
                np.bincount(enc.original[c], minlength=enc.domain[c]),
                np.bincount(enc.release[c], minlength=enc.domain[c]),
            )
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
                    c, enc.labels[c], a / max(a.sum(), 1), b / max(b.sum(), 1), tvd[c]
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
    template = env.get_template("report.html.j2")
    data = report.to_dict()
    return template.render(
        r=data,
        sections=SECTIONS,
        figs=_figures(report),
        passed=report.passed,
    )
