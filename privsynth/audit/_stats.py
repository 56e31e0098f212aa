"""Small statistics the audit's gates share: the 95 % interval of a ROC AUC.

Hanley & McNeil (1982, "The meaning and use of the area under a ROC curve", Radiology 143)
give the standard error of an AUC A from n1 positives and n2 negatives:

    Q1 = A / (2 - A),  Q2 = 2 A^2 / (1 + A),
    SE^2 = (A (1 - A) + (n1 - 1)(Q1 - A^2) + (n2 - 1)(Q2 - A^2)) / (n1 n2),

and the interval is A +- z SE, clipped to [0, 1]. It is cheap (no refit, no resampling) and
errs wide for AUCs near 1, which suits a gate that decides on the upper end.
"""

from __future__ import annotations

import math

from scipy.special import ndtri


def auc_interval(auc: float, n_pos: int, n_neg: int, confidence: float = 0.95) -> list[float]:
    """Hanley-McNeil interval of `auc` (see module doc); [0, 1] when a class is empty."""
    if n_pos < 1 or n_neg < 1 or not math.isfinite(auc):
        return [0.0, 1.0]
    a = min(max(float(auc), 0.0), 1.0)
    q1 = a / (2.0 - a)
    q2 = 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
    z = float(ndtri(0.5 * (1.0 + confidence)))
    half = z * math.sqrt(max(var, 0.0))
    return [max(0.0, a - half), min(1.0, a + half)]
