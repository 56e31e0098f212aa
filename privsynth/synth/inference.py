"""Exact marginal inference: belief propagation on a junction tree, in log space.

Messages are log-sum-exps of clique tables with one scalar shift per table (one exp pass per
table per direction). The downward pass uses the Hugin form: the message from a parent to a
child is the parent's log-marginal on the separator minus the child's upward message, so each
clique table is exponentiated exactly twice per calibration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from privsynth.synth.junction_tree import JunctionTree

_TINY = 1e-300


@dataclass
class Calibration:
    """Result of one belief-propagation pass.

    `beliefs[i]` are normalized probability tables of the junction tree's cliques (sum to 1),
    `log_z` the log partition function of the unnormalized model.
    """

    beliefs: list[np.ndarray]
    log_z: float


def _shift_exp(table: np.ndarray) -> tuple[np.ndarray, float]:
    m = float(table.max())
    if not np.isfinite(m):
        m = 0.0
    return np.exp(table - m), m


def calibrate(jt: JunctionTree, log_potentials: Sequence[np.ndarray]) -> Calibration:
    """Run upward and downward passes; `log_potentials[i]` is a table on `jt.cliques[i]`
    (domain-ordered axes) or anything broadcastable to it."""
    n = len(jt.cliques)
    up_tables: list[np.ndarray | None] = [None] * n
    up_msgs: list[np.ndarray | None] = [None] * n  # in separator shape
    incoming: list[list[np.ndarray]] = [[] for _ in range(n)]

    for i in jt.order:
        t = log_potentials[i]
        for msg in incoming[i]:
            t = t + msg
        if t.shape != jt.shape(i):
            t = np.broadcast_to(t, jt.shape(i))
        up_tables[i] = t
        p = jt.parent[i]
        if p >= 0:
            e, m = _shift_exp(t)
            s = e.sum(axis=jt.sum_axes[i]) if jt.sum_axes[i] else e
            msg = np.log(np.maximum(s, _TINY)).reshape(jt.sep_shape[i]) + m
            up_msgs[i] = msg
            incoming[p].append(msg.reshape(jt.up_shape[i]))

    beliefs: list[np.ndarray | None] = [None] * n
    log_z = 0.0
    full: list[tuple[np.ndarray, float] | None] = [None] * n
    for i in jt.preorder():
        p = jt.parent[i]
        t = up_tables[i]
        if p >= 0:
            pe, pm = full[p]
            s = pe.sum(axis=jt.down_axes[i]) if jt.down_axes[i] else pe
            down = np.log(np.maximum(s, _TINY)).reshape(jt.sep_shape[i]) + pm - up_msgs[i]
            t = t + down.reshape(jt.down_shape[i])
        e, m = _shift_exp(t)
        full[i] = (e, m)
        z = float(e.sum())
        if p < 0:
            log_z = m + float(np.log(z))
        beliefs[i] = e / z
    return Calibration(beliefs=beliefs, log_z=log_z)  # type: ignore[arg-type]


def project(jt: JunctionTree, belief: np.ndarray, i: int, attrs: Sequence[str]) -> np.ndarray:
    """Marginal of clique table `belief` (on `jt.cliques[i]`) onto `attrs`, in the given order."""
    clique = jt.cliques[i]
    drop = tuple(k for k, a in enumerate(clique) if a not in attrs)
    out = belief.sum(axis=drop) if drop else belief
    kept = [a for a in clique if a in attrs]
    attrs = tuple(attrs)
    if tuple(kept) != attrs:
        out = np.transpose(out, [kept.index(a) for a in attrs])
    return out
