"""The audit's calls into the risk measures (risk.py, attacks.py, membership.py), as plain dicts.

Kept apart from report.py so the report depends on one narrow surface of the risk modules.
Without a holdout the attacks have no real control rows: we then measure their risk against
the random-guess baseline instead, which overstates risk (the conservative direction for a
sign-off) and say so in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from privsynth.audit.attacks import inference as inference_attack
from privsynth.audit.attacks import linkability as linkability_attack
from privsynth.audit.attacks import singling_out as singling_out_attack
from privsynth.audit.membership import membership_inference
from privsynth.audit.risk import reidentification_risk
from privsynth.audit.utility import _clean
from privsynth.engine import equivalence_classes


def _control_or_split(original: pd.DataFrame, control: pd.DataFrame | None, seed: int):
    if control is not None:
        return original, control, True
    # The attack functions need a control table; without a holdout we pass a sample of the
    # original and then discard the control rate (those rows were used for the release).
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(original))
    half = max(len(original) // 2, 1)
    return original, original.iloc[idx[:half]].reset_index(drop=True), False


def _against_baseline(d: dict[str, Any]) -> dict[str, Any]:
    b = float(d["baseline_rate"])
    lo, hi = d.get("attack_ci", (d["attack_rate"], d["attack_rate"]))
    scale = max(1.0 - b, 1e-12)
    d["risk"] = max(0.0, (float(d["attack_rate"]) - b) / scale)
    d["ci"] = [max(0.0, (float(lo) - b) / scale), min(1.0, max(0.0, (float(hi) - b) / scale))]
    if not d.get("n_attacks"):  # nothing to attack with: no risk, for certain
        d["risk"], d["ci"] = 0.0, [0.0, 0.0]
    d["control_rate"] = None
    d["control_ci"] = None
    d["risk_reference"] = "baseline (no holdout: no control rows)"
    return d


def _attack_dict(result: Any, has_control: bool) -> dict[str, Any]:
    d = result.to_dict()
    if has_control:
        d["risk_reference"] = "control (holdout rows)"
        return _clean(d)
    return _clean(_against_baseline(d))


def singling_out(
    original: pd.DataFrame,
    release: pd.DataFrame,
    control: pd.DataFrame | None,
    *,
    n_attacks: int,
    seed: int,
) -> dict[str, Any]:
    train, ctl, has = _control_or_split(original, control, seed)
    out = _attack_dict(
        singling_out_attack(train, release, ctl, n_attacks=n_attacks, mode="multivariate", seed=seed),
        has,
    )
    uni = _attack_dict(
        singling_out_attack(train, release, ctl, n_attacks=n_attacks, mode="univariate", seed=seed),
        has,
    )
    out["mode"] = "multivariate"
    out["univariate"] = uni
    out["worst"] = worst_singling_out(out)
    return out


def worst_singling_out(result: dict[str, Any]) -> dict[str, Any]:
    """The worse of the multivariate and univariate singling-out attacks: the one whose risk
    has the higher upper 95 % end (the end the gate decides on), then the higher risk."""
    forms = [("multivariate", result), ("univariate", result.get("univariate") or {})]
    forms = [(m, f) for m, f in forms if f.get("risk") is not None]

    def key(item: tuple[str, dict[str, Any]]) -> tuple[float, float]:
        ci = item[1].get("ci") or [item[1]["risk"], item[1]["risk"]]
        return (float(ci[1]), float(item[1]["risk"]))

    mode, f = max(forms, key=key)
    return {
        "mode": mode,
        "risk": f["risk"],
        "ci": f.get("ci"),
        "columns_of_successes": (f.get("details") or {}).get("columns_of_successes", {}),
    }


def linkability(
    original: pd.DataFrame,
    release: pd.DataFrame,
    control: pd.DataFrame | None,
    aux: Sequence[str],
    *,
    n_attacks: int,
    seed: int,
) -> dict[str, Any] | None:
    aux = list(aux)
    if len(aux) < 2:
        return None
    half = len(aux) // 2
    cols = (aux[:half], aux[half:])
    train, ctl, has = _control_or_split(original, control, seed)
    out = _attack_dict(
        linkability_attack(train, release, ctl, aux_cols=cols, n_attacks=n_attacks, seed=seed),
        has,
    )
    out["aux_cols"] = [list(cols[0]), list(cols[1])]
    return out


def inference(
    original: pd.DataFrame,
    release: pd.DataFrame,
    control: pd.DataFrame | None,
    secret: str,
    aux: Sequence[str],
    *,
    n_attacks: int,
    seed: int,
) -> dict[str, Any]:
    train, ctl, has = _control_or_split(original, control, seed)
    out = _attack_dict(
        inference_attack(
            train, release, ctl, secret=secret, aux_cols=list(aux), n_attacks=n_attacks, seed=seed
        ),
        has,
    )
    out["aux_cols"] = list(aux)
    return out


def reidentification(
    release: pd.DataFrame,
    qis: Sequence[str],
    threshold: float,
    sensitive: Sequence[str],
    population: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """Re-identification risk of the release, and the quasi-identifiers that drive it: for
    each, the share of records above the threshold once it is left out (`drivers`)."""
    res = reidentification_risk(
        release, list(qis), threshold=threshold, sensitive=list(sensitive) or None,
        **dict(population or {}),
    )  # fmt: skip
    out = _clean(res.to_dict())
    out["drivers"] = risk_drivers(release, list(qis), threshold)
    return out


def risk_drivers(
    release: Any, qis: list[str], threshold: float, engine: Any = None
) -> list[dict[str, Any]]:
    """Per quasi-identifier, the records above the threshold and the highest risk once it is
    left out, the most telling first: the columns a fix must generalize or drop.

    `release` is a DataFrame, or whatever `engine` reads (the classes are then counted in the
    engine): both count the same classes, so every engine names the same drivers."""
    if len(qis) < 2:
        return []

    def classes(cols: list[str]) -> Any:
        return engine.equivalence_classes(release, cols) if engine is not None else (
            equivalence_classes(release, cols)
        )

    out = []
    for q in qis:
        prosecutor = 1.0 / classes([c for c in qis if c != q]).row_sizes().astype(np.float64)
        out.append(
            {
                "column": q,
                "records_at_risk_without": float((prosecutor > threshold).mean()),
                "prosecutor_max_without": float(prosecutor.max()),
                "distinct": int(classes([q]).sizes.size),
            }
        )
    # the column whose absence lowers the risk most first; where none alone helps (many
    # quasi-identifiers), the one with the most distinct values, the most identifying
    return sorted(
        out,
        key=lambda d: (d["records_at_risk_without"], d["prosecutor_max_without"], -d["distinct"]),
    )


def membership(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    release: pd.DataFrame,
    epsilon: float | None,
    delta: float | None,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The membership result as a dict, and ROC curves {name: (fpr, tpr, auc)} for the plot."""
    res = membership_inference(train, holdout, release, epsilon=epsilon, delta=delta, seed=seed)
    d = _clean(res.to_dict())
    curves = {}
    for name in ("distance_attack", "density_attack"):
        att = getattr(res, name, None)
        fpr, tpr = getattr(att, "roc_fpr", None), getattr(att, "roc_tpr", None)
        if fpr and tpr:
            curves[name.replace("_", " ")] = (np.asarray(fpr), np.asarray(tpr), float(att.auc))
    return d, curves
