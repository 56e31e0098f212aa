"""Exact marginal inference: belief propagation on a junction tree, in log space.

Upward pass: each clique's log-table (its potentials plus the messages from its children) is
shifted by an upper bound of its maximum, exponentiated in place, and summed onto the
separator; the message is the log of that sum plus the shift. Downward pass (Hugin form):
the parent's calibrated table summed onto the separator, divided by the child's upward
message, multiplies the child's table. Every message is finite (sums are floored at 1e-300),
each clique table is exponentiated once, and tables live in a reusable workspace, so one
calibration costs a few passes over memory and no large allocation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from privsynth.synth.junction_tree import JunctionTree

_TINY = 1e-300
# a downward message whose log-range is below this keeps every cell that matters
# representable when the child's table is rescaled instead of recomputed (see calibrate)
_SAFE_RANGE = 300.0
_LOOSE = np.exp(-_SAFE_RANGE)


@dataclass
class Calibration:
    """Result of one belief-propagation pass.

    `tables[i]` is proportional to the marginal of clique i (use `belief(i)` or `project`
    for normalized values); `log_z` is the log partition function. Tables may live in a
    workspace that the next calibration with the same workspace overwrites.
    """

    tables: list[np.ndarray]
    log_z: float

    def belief(self, i: int) -> np.ndarray:
        t = self.tables[i]
        return t / t.sum()

    @property
    def beliefs(self) -> list[np.ndarray]:
        return [self.belief(i) for i in range(len(self.tables))]


class Workspace:
    """Preallocated clique tables for repeated calibrations of one junction tree."""

    def __init__(self, jt: JunctionTree) -> None:
        self.tables = [np.empty(jt.shape(i)) for i in range(len(jt.cliques))]


def _max(x: np.ndarray | float) -> float:
    return float(np.max(x)) if np.size(x) else 0.0


def _fill(out: np.ndarray, parts: Sequence[np.ndarray], shift: float) -> None:
    """out <- sum(parts) - shift, broadcasting each part; a single pass per part."""
    if not parts:
        out.fill(-shift)
        return
    np.subtract(parts[0], shift, out=out)
    for p in parts[1:]:
        np.add(out, p, out=out)


def calibrate_parts(
    jt: JunctionTree,
    parts: Sequence[Sequence[np.ndarray]],
    work: Workspace | None = None,
) -> Calibration:
    """Calibrate the tree whose clique i has log-potential `sum(parts[i])` (each part a table
    broadcastable to `jt.cliques[i]` with domain-ordered axes)."""
    n = len(jt.cliques)
    tables = work.tables if work is not None else [np.empty(jt.shape(i)) for i in range(n)]
    up_msgs: list[np.ndarray | None] = [None] * n  # separator shape
    incoming: list[list[np.ndarray]] = [[] for _ in range(n)]  # broadcast into the receiver
    shifts = [0.0] * n

    for i in jt.order:
        pieces = list(parts[i]) + incoming[i]
        # upper bound of the table's maximum: exp(t - bound) <= 1 cannot overflow
        bound = sum(_max(p) for p in pieces)
        if not np.isfinite(bound):
            bound = 0.0
        t = tables[i]
        _fill(t, pieces, bound)
        np.exp(t, out=t)
        p = jt.parent[i]
        s = t.sum(axis=jt.sum_axes[i]) if p >= 0 and jt.sum_axes[i] else t
        if np.max(s) < _LOOSE:  # the bound was far above the maximum: shift exactly
            _fill(t, pieces, bound)
            top = float(t.max())
            if not np.isfinite(top):  # every cell impossible (contradictory evidence)
                top = 0.0
            t -= top
            bound += top
            np.exp(t, out=t)
            s = t.sum(axis=jt.sum_axes[i]) if p >= 0 and jt.sum_axes[i] else t
        shifts[i] = bound
        if p >= 0:
            msg = np.log(np.maximum(s, _TINY)).reshape(jt.sep_shape[i]) + bound
            up_msgs[i] = msg
            incoming[p].append(msg.reshape(jt.up_shape[i]))

    root = jt.root
    root_sum = float(tables[root].sum())
    log_z = shifts[root] + float(np.log(max(root_sum, _TINY)))
    for i in jt.preorder():
        p = jt.parent[i]
        if p < 0:
            continue
        pt = tables[p]
        s = pt.sum(axis=jt.down_axes[i]) if jt.down_axes[i] else pt
        down = np.log(np.maximum(s, _TINY)).reshape(jt.sep_shape[i]) + shifts[p] - up_msgs[i]
        lo, hi = float(down.min()), float(down.max())
        t = tables[i]
        if hi - lo < _SAFE_RANGE:
            # rescaling keeps every cell within e^-400 of the new maximum representable
            np.multiply(t, np.exp(down - hi).reshape(jt.down_shape[i]), out=t)
            shifts[i] += hi
        else:  # wide message: rebuild the table in log space
            pieces = list(parts[i]) + [m for m in _incoming_logs(jt, i, up_msgs)]
            pieces.append(down.reshape(jt.down_shape[i]))
            bound = sum(_max(q) for q in pieces)
            _fill(t, pieces, bound)
            top = float(t.max())
            top = top if np.isfinite(top) else 0.0
            t -= top
            np.exp(t, out=t)
            shifts[i] = bound + top
    return Calibration(tables=tables, log_z=log_z)


def _incoming_logs(jt: JunctionTree, i: int, up_msgs: list[np.ndarray | None]) -> list[np.ndarray]:
    return [up_msgs[c].reshape(jt.up_shape[c]) for c in jt.children[i]]


def calibrate(jt: JunctionTree, log_potentials: Sequence[np.ndarray]) -> Calibration:
    """Calibrate with one log-potential table per junction-tree clique."""
    return calibrate_parts(jt, [[np.asarray(t, dtype=np.float64)] for t in log_potentials])


def project(jt: JunctionTree, table: np.ndarray, i: int, attrs: Sequence[str]) -> np.ndarray:
    """Normalized marginal of clique table `table` (on `jt.cliques[i]`) onto `attrs`, in the
    order given (the table may be unnormalized)."""
    clique = jt.cliques[i]
    drop = tuple(k for k, a in enumerate(clique) if a not in attrs)
    out = table.sum(axis=drop) if drop else table.copy()
    out = out / out.sum()
    kept = [a for a in clique if a in attrs]
    attrs = tuple(attrs)
    if tuple(kept) != attrs:
        out = np.transpose(out, [kept.index(a) for a in attrs])
    return out
