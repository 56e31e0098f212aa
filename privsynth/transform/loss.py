"""Information-loss metrics of a generalized table: NCP ("loss") and discernibility.

NCP follows ARX's default "Loss" metric (Iyengar's loss metric, ARX `MetricMDNMLoss` with its
default weighting): a cell generalized to a hierarchy node that covers m of the A values of its
attribute's hierarchy costs (m - 1) / (A - 1) — 0 for the value itself, 1 for "*" — a
suppressed cell costs 1, and the loss is the mean over all quasi-identifier cells.
Discernibility (Bayardo & Agrawal) charges each kept row the size of its class and each
suppressed row the size of the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cell_penalty(leaves_covered: np.ndarray | int, domain_size: int) -> np.ndarray:
    """(m - 1) / (A - 1) for a cell covering m of A hierarchy values (0 when A == 1)."""
    m = np.asarray(leaves_covered, dtype=np.float64)
    if domain_size <= 1:
        return np.zeros_like(m)
    return (m - 1.0) / (domain_size - 1.0)


def ncp(
    penalties: np.ndarray | Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    suppressed: np.ndarray | None = None,
) -> float:
    """Mean cell penalty over the quasi-identifier cells of a table.

    `penalties` is (rows x quasi-identifiers), or one array per quasi-identifier; a row may
    stand for several identical rows (`weights`, e.g. an equivalence class and its size).
    Suppressed rows cost 1 per cell whatever their penalties say.
    """
    p = np.column_stack(penalties) if not isinstance(penalties, np.ndarray) else penalties
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    if p.shape[1] == 0 or p.shape[0] == 0:
        return 0.0
    if suppressed is not None:
        p = np.where(np.asarray(suppressed, dtype=bool)[:, None], 1.0, p)
    w = np.ones(p.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    return float((p.sum(axis=1) * w).sum() / (w.sum() * p.shape[1]))


def discernibility(class_sizes: np.ndarray, n_suppressed: int, n_rows: int) -> float:
    """Sum of squared sizes of the kept classes plus n_rows for every suppressed row."""
    sizes = np.asarray(class_sizes, dtype=np.float64)
    return float((sizes**2).sum() + float(n_suppressed) * float(n_rows))


__all__ = ["cell_penalty", "discernibility", "ncp"]
