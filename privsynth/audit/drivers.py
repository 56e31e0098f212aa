"""For each failed threshold: which columns drive it, and what would fix it.

A compliance officer who reads "singling_out_risk_max FAIL" needs to know what to ask for. The
drivers come from the measurements themselves: the quasi-identifiers whose removal lowers the
re-identification risk most (`_risk_calls.risk_drivers`), the columns the successful
singling-out predicates used, the attacker's columns of the linkability and inference attacks,
the columns with the largest single-column TVD, the columns that lost most information. The
fix is phrased for how the release was made (anonymized or synthetic).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from privsynth.audit.thresholds import ThresholdCheck


def _top(names: list[str], n: int = 3) -> list[str]:
    out: list[str] = []
    for x in names:
        if x not in out:
            out.append(x)
    return out[:n]


def _join(cols: list[str]) -> str:
    return ", ".join(cols) if cols else "the quasi-identifiers"


def _worst_tvd(util: Mapping[str, Any]) -> list[str]:
    tests = [t for t in (util.get("ks") or []) + (util.get("chi2") or []) if t.get("tvd") is not None]
    tests.sort(key=lambda t: -float(t["tvd"]))
    return [t["column"] for t in tests if float(t["tvd"]) > 0]


def _kept_as_is(util: Mapping[str, Any], cols: list[str]) -> list[str]:
    """Those of `cols` the release's record says were kept (no action changed them)."""
    loss = (util.get("information_loss") or {}).get("columns") or []
    actions = {c["column"]: c.get("action") for c in loss}
    return [c for c in cols if actions.get(c) == "keep"]


def _k_for(limit: float) -> int:
    return max(2, math.ceil(1.0 / limit - 1e-9)) if limit > 0 else 2


def explain(
    check: ThresholdCheck,
    *,
    risk: Mapping[str, Any],
    membership: Mapping[str, Any],
    utility: Mapping[str, Any],
    mode: str | None,
) -> tuple[list[str], str]:
    """(driving columns, what would fix it) for one failed check."""
    synthetic = mode == "synthesize"
    name = check.name
    if check.value is None:
        return [], "measure it: " + (check.note or "the audit could not measure it")
    reid = risk.get("reidentification") or {}
    qis = list(risk.get("quasi_identifiers") or [])
    if name in ("prosecutor_risk_max", "prosecutor_risk_avg_max", "records_above_threshold_max",
                "k_min"):  # fmt: skip
        ranked = [d["column"] for d in reid.get("drivers") or []]
        cols = _top(ranked or qis)
        k = _k_for(check.limit) if name == "prosecutor_risk_max" else None
        fix = (
            f"generalize {_join(cols)} further (coarser hierarchy levels) or drop them; "
            "or k-anonymize over the quasi-identifiers"
            + (f" with k >= {k} (risk <= 1/k)" if k else "")
            + " (privacy.k in the policy, e.g. the built-in k-anonymity-generic)"
        )
        return cols, fix
    if name == "singling_out_risk_max":
        worst = (risk.get("singling_out") or {}).get("worst") or {}
        cols = _top(list((worst.get("columns_of_successes") or {}).keys()))
        if synthetic:
            fix = (
                f"the synthetic rows reproduce rare combinations of {_join(cols)}: lower epsilon, "
                "or coarsen those columns (fewer categories, wider bins) before synthesis"
            )
        else:
            fix = (
                f"rare values of {_join(cols)} isolate people: generalize or suppress them "
                "(k-anonymity over those columns), or release a DP synthetic table instead"
            )
        return cols, fix
    if name == "linkability_risk_max":
        aux = (risk.get("linkability") or {}).get("aux_cols") or [[], []]
        cols = _top([c for part in aux for c in part], 4)
        return cols, (
            f"the release links records through {_join(cols)}: generalize these columns "
            "(k-anonymity over them) or synthesize the release with differential privacy"
        )
    if name == "inference_risk_max":
        inf = risk.get("inference") or {}
        scored = [(s, v) for s, v in inf.items() if v and v.get("risk") is not None]
        if not scored:
            return [], ""
        secret, worst = max(scored, key=lambda sv: sv[1]["risk"])
        aux = list(worst.get("aux_cols") or [])
        cols = _top([secret, *aux], 4)
        return cols, (
            f"{secret!r} can be guessed from {_join(aux[:3])}: require l-diversity on it "
            "(privacy.l with privacy.sensitive in the policy), generalize those columns, or "
            "synthesize with differential privacy"
        )
    if name in ("dcr_share_max", "mia_auc_max", "exact_match_rate_max"):
        if mode == "anonymize":
            return [], (
                "the release holds the original people's own records (masked, generalized or "
                "pseudonymised), so whether someone is in it shows by design; only a synthetic "
                "(DP) release hides membership. "
                "Release a random sample of the rows, or accept it explicitly by setting this "
                "threshold in the policy with the reason in the sign-off's conditions"
            )
        return [], (
            "the release is closer to the people it was built from than to others: lower "
            "epsilon (a DP release), or check that the holdout comes from the same population"
        )
    if name in ("tvd_1way_max", "tvd_1way_column_max", "tvd_2way_max", "tvd_3way_max",
                "propensity_auc_max", "pmse_ratio_max", "correlation_diff_max",
                "ml_efficacy_ratio_min"):  # fmt: skip
        cols = _top(_worst_tvd(utility))
        kept = _kept_as_is(utility, cols)
        if kept and not synthetic:
            return cols, (
                f"{_join(kept)} differ from the original although the policy keeps them as they "
                "are: check that the release was made from this original and written without "
                "changing values (or that the audit reads it as written)"
            )
        if synthetic:
            fix = (
                f"the release's distributions of {_join(cols)} are far from the original's: raise "
                "epsilon, give public categories or bounds for these columns (so no budget goes "
                "to discovering them), coarsen them, or synthesize fewer columns"
            )
        else:
            fix = (
                f"{_join(cols)} lost values (suppressed or changed): fewer quasi-identifiers, "
                "a lower k or coarser hierarchies instead of suppression"
            )
        return cols, fix
    if name == "residual_failures_max":
        return [], (
            "drop, mask or pseudonymize the columns listed under the release manifest's "
            "residual_check, then release again"
        )
    if name == "information_loss_max":
        loss = (utility.get("information_loss") or {}).get("columns") or []
        ranked = sorted(
            (c for c in loss if c.get("counted") and c.get("ncp") is not None),
            key=lambda c: -float(c["ncp"]),
        )
        cols = _top([c["column"] for c in ranked if float(c["ncp"]) > 0])
        return cols, (
            f"{_join(cols)} lost most of their detail: k-anonymize over fewer quasi-identifiers "
            "(drop the least useful instead), lower k, allow more suppression "
            "(privacy.max_suppression) or give finer hierarchy levels"
        )
    return [], ""


def annotate(
    checks: list[ThresholdCheck],
    *,
    risk: Mapping[str, Any],
    membership: Mapping[str, Any],
    utility: Mapping[str, Any],
    mode: str | None,
) -> None:
    """Fill `drivers` and `fix` of every failed check (in place)."""
    for c in checks:
        if not c.passed:
            c.drivers, c.fix = explain(
                c, risk=risk, membership=membership, utility=utility, mode=mode
            )
