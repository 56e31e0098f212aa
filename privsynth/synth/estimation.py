"""Estimation: fit a graphical model to noisy marginals (Private-PGM, McKenna et al. 2019).

We minimize L(mu) = 1/2 sum_m ||(mu_m - y_m) / sigma_m||^2 over the marginals mu of a Markov
random field whose cliques are the measured ones. Entropic mirror descent on the marginal
polytope is a gradient step on the log-potentials, theta <- theta - alpha * dL/dmu (Algorithm
1 of the paper), with exact marginals from belief propagation on a junction tree. The step
size is chosen by Armijo backtracking and grows while steps are accepted, so few passes are
wasted; a warm start reuses the previous model's potentials and step size.

Optional independence penalty (`penalty` = lambda > 0): the loss becomes
L(mu) + lambda * N * TC(p), where TC is the total correlation of the model's distribution p
(its KL divergence from the product of its own 1-way marginals). Under heavy noise the
minimizer of L alone chases the noise wherever a marginal has many near-empty cells; the
penalty pulls the interactions the measurements cannot support back toward independence,
leaving the 1-way marginals free. At the optimum a measured cell sits about
lambda * sigma^2 * (log-ratio of p to the product of its marginals) from its noisy count, so
lambda = 1 / sigma lets one unit of log-ratio cost one noise standard deviation. Its gradient
in the clique marginals is lambda * (theta - sum_i log p_i), so the mirror-descent step stays
a step on the log-potentials. MST uses it in its final fit (lambda = 1 / sigma of its 2-way
measurements: on adult-pgm at epsilon 0.3 the 3-way L1 fell from 0.299 to 0.265, below OpenDP's
MST); for AIM it did not help (benchmarks/results/bench_synth.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from privsynth.errors import InputError
from privsynth.synth.domain import Domain
from privsynth.synth.inference import Calibration, Workspace, calibrate_parts, project  # noqa: F401
from privsynth.synth.junction_tree import Clique, maximal_cliques
from privsynth.synth.model import GraphicalModel, Structure


@dataclass(frozen=True)
class Measurement:
    """Noisy counts `values` of the marginal on `clique` (axes in the clique's order).

    `sigma` is the standard deviation of the noise on each cell; the measurement's weight in
    the loss is 1/sigma^2, so noisier marginals count less. `scale` (optional, the shape of
    `values`) multiplies sigma cell by cell: a cell that sums k noisy cells, as a merged rare
    cell does, has noise sigma * sqrt(k) and must weigh k times less than a plain cell.
    """

    clique: tuple[str, ...]
    values: np.ndarray
    sigma: float
    scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        clique = (self.clique,) if isinstance(self.clique, str) else tuple(self.clique)
        object.__setattr__(self, "clique", clique)
        object.__setattr__(self, "values", np.asarray(self.values, dtype=np.float64))
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise InputError(f"measurement on {clique}: sigma must be positive, got {self.sigma}")
        if len(set(clique)) != len(clique) or not clique:
            raise InputError(f"measurement clique {clique} must list distinct attributes")
        if self.scale is not None:
            scale = np.asarray(self.scale, dtype=np.float64)
            if scale.size != self.values.size or not np.all(np.isfinite(scale) & (scale > 0)):
                raise InputError(
                    f"measurement on {clique}: scale needs one positive number per cell"
                )
            object.__setattr__(self, "scale", scale.reshape(self.values.shape))

    @property
    def variance(self) -> float:
        """Variance of the sum of all cells."""
        if self.scale is None:
            return self.sigma**2 * self.values.size
        return float(self.sigma**2 * np.sum(self.scale**2))


@dataclass
class _Prepared:
    clique: Clique  # canonical
    y: np.ndarray  # canonical axes
    weight: float | np.ndarray  # 1 / sigma^2, per cell (canonical axes) when cells differ
    model_clique: int
    drop_axes: tuple[int, ...]  # axes of the model clique summed to get this measurement
    bshape: tuple[int, ...]  # broadcast of this measurement into its model clique


def estimate_total(measurements: Sequence[Measurement]) -> float:
    """Minimum-variance combination of the measurements' sums (each has variance
    sigma^2 * cells); at least 1."""
    est, var = [], []
    for m in measurements:
        est.append(float(m.values.sum()))
        var.append(m.variance)
    if not est:
        return 1.0
    w = 1.0 / np.asarray(var)
    return max(1.0, float(np.sum(w * np.asarray(est)) / np.sum(w)))


def _prepare(domain: Domain, measurements: Sequence[Measurement], cliques: list[Clique]):
    prepared = []
    for m in measurements:
        canon = domain.canonical(m.clique)
        want = domain.project(m.clique).shape
        if m.values.shape != want and m.values.size == int(np.prod(want)):
            values = m.values.reshape(want)
        elif m.values.shape != want:
            raise InputError(
                f"measurement on {m.clique} has shape {m.values.shape}, its domain needs {want}"
            )
        else:
            values = m.values
        axes = [m.clique.index(a) for a in canon]
        y = np.transpose(values, axes)
        weight: float | np.ndarray = 1.0 / m.sigma**2
        if m.scale is not None:
            cell = np.transpose(m.scale.reshape(values.shape), axes)
            weight = np.ascontiguousarray(1.0 / (m.sigma * cell) ** 2)
        k = min(
            (j for j, c in enumerate(cliques) if set(canon) <= set(c)),
            key=lambda j: domain.size(cliques[j]),
        )
        mc = cliques[k]
        prepared.append(
            _Prepared(
                clique=canon,
                y=np.ascontiguousarray(y),
                weight=weight,
                model_clique=k,
                drop_axes=tuple(ax for ax, a in enumerate(mc) if a not in canon),
                bshape=tuple(domain[a] if a in canon else 1 for a in mc),
            )
        )
    return prepared


class _Objective:
    """Loss, gradient and marginals of the model cliques for given log-potentials (plus the
    independence penalty when `penalty` > 0)."""

    def __init__(
        self,
        structure: Structure,
        prepared: list[_Prepared],
        total: float,
        penalty: float = 0.0,
    ) -> None:
        self.st = structure
        self.prepared = prepared
        self.total = total
        self.penalty = float(penalty)
        jt = structure.jt
        if structure.work is None:
            structure.work = Workspace(jt)
        self.work = structure.work
        self.cliques = structure.cliques
        self.shapes = [structure.domain.project(c).shape for c in self.cliques]
        self.src = []  # junction-tree clique from which each model clique's marginal is read
        for c in self.cliques:
            self.src.append(jt.find(c))
        # for the penalty: the first model clique holding each attribute (its 1-way is read
        # there and its gradient term lands there); no penalty without a multi-way clique
        self.home1: dict[str, int] = {}
        for k, c in enumerate(self.cliques):
            for a in c:
                self.home1.setdefault(a, k)
        if all(len(c) < 2 for c in self.cliques):
            self.penalty = 0.0

    def __call__(self, theta: list[np.ndarray]):
        st = self.st
        cal = calibrate_parts(st.jt, st.parts(theta), self.work)
        mus = [
            self.total * project(st.jt, cal.tables[i], i, c)
            for i, c in zip(self.src, self.cliques, strict=True)
        ]
        grads = [np.zeros(s) for s in self.shapes]
        loss = 0.0
        for m in self.prepared:
            mu = mus[m.model_clique]
            if m.drop_axes:
                mu = mu.sum(axis=m.drop_axes)
            diff = mu - m.y
            if isinstance(m.weight, np.ndarray):
                loss += 0.5 * float(np.einsum("i,i,i->", m.weight.ravel(), d1 := diff.ravel(), d1))
            else:
                loss += 0.5 * m.weight * float(np.einsum("i,i->", d1 := diff.ravel(), d1))
            grads[m.model_clique] += (m.weight * diff).reshape(m.bshape)
        if self.penalty > 0.0:
            loss += self._penalize(theta, mus, cal, grads)
        return loss, grads, mus, cal

    def _penalize(self, theta, mus, cal, grads) -> float:
        """Add lambda * (theta - sum_i log p_i) to the gradients; return lambda * N * TC(p).

        -H(p) = sum_k <p_k, theta_k> - log Z for p proportional to exp(sum_k theta_k), and
        TC(p) = sum_i H(p_i) - H(p)."""
        lam, n = self.penalty, self.total
        neg_h = -cal.log_z
        for k, (mu, t) in enumerate(zip(mus, theta, strict=True)):
            neg_h += float(np.einsum("i,i->", mu.ravel(), t.ravel())) / n
            grads[k] += lam * t
        tc = neg_h
        for a, k in self.home1.items():
            c = self.cliques[k]
            p = mus[k].sum(axis=tuple(i for i, b in enumerate(c) if b != a)) / n
            logp = np.log(np.maximum(p, 1e-300))
            tc -= float(np.dot(p, logp))
            grads[k] -= lam * logp.reshape([p.size if b == a else 1 for b in c])
        return lam * n * tc


def _dot(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(sum(np.einsum("i,i->", x.ravel(), y.ravel()) for x, y in zip(a, b, strict=True)))


def _warm_theta(domain: Domain, cliques: list[Clique], warm: GraphicalModel) -> list[np.ndarray]:
    """Potentials on the new cliques that reproduce the old model (zero on new interactions)."""
    theta = [np.zeros(domain.project(c).shape) for c in cliques]
    for old_c, old_t in zip(warm.cliques, warm._theta, strict=True):
        homes = [j for j, c in enumerate(cliques) if set(old_c) <= set(c)]
        if not homes:
            continue  # the new model no longer has this interaction: drop it
        k = min(homes, key=lambda j: domain.size(cliques[j]))
        shape = tuple(domain[a] if a in old_c else 1 for a in cliques[k])
        theta[k] = theta[k] + old_t.reshape(shape)
    return theta


_GROW_PLAIN = 1.05
_GROW_MOMENTUM = 1.0


class _Stopper:
    """Stops when the fitted marginals have stopped moving: every 10 accepted steps, the mean
    over cliques of the L1 change of the marginals, divided by the total, is compared with
    `tol` (1e-3 = a tenth of a percent of the rows shifted). Also stops when the loss
    makes no progress at all over 20 steps (converged to machine precision)."""

    def __init__(self, tol: float, total: float) -> None:
        self.tol = tol
        self.total = total
        self.snapshot: list[np.ndarray] | None = None
        self.history: list[float] = []

    def __call__(self, loss: float, mus: list[np.ndarray]) -> bool:
        self.history.append(loss)
        h = self.history
        if len(h) > 20 and h[-21] - h[-1] <= 0.0:
            return True
        if len(h) % 10:
            return False
        snap, self.snapshot = self.snapshot, [m.copy() for m in mus]
        if snap is None or not mus:
            return False
        moved = sum(float(np.abs(a - b).sum()) for a, b in zip(mus, snap, strict=True))
        return moved / (self.total * len(mus)) < self.tol


def _mirror_descent(objective, theta, alpha, iters, tol, callback):
    """Algorithm 1 of McKenna et al. (2019) with Armijo backtracking and a growing step."""
    loss, grad, mu, cal = objective(theta)
    stop = _Stopper(tol, objective.total)
    steps = 0
    while steps < iters and loss > 0.0:
        steps += 1
        trial = [t - alpha * g for t, g in zip(theta, grad, strict=True)]
        loss2, grad2, mu2, cal2 = objective(trial)
        pred = _dot(grad, [a - b for a, b in zip(mu, mu2, strict=True)])
        if np.isfinite(loss2) and loss - loss2 >= 0.5 * alpha * pred:
            theta, loss, grad, mu, cal = trial, loss2, grad2, mu2, cal2
            alpha *= 1.1
            if callback is not None:
                callback(steps, loss)
            if stop(loss, mu):
                break
        else:
            alpha *= 0.5
    return theta, loss, cal, alpha, steps


def _accelerated(objective, theta, alpha, iters, tol, callback):
    """Mirror descent with Nesterov momentum on the log-potentials and adaptive restart.

    The mirror-descent step is a natural-gradient step in the potentials; adding Nesterov
    extrapolation (FISTA schedule) with a function-value restart (O'Donoghue & Candes 2015)
    keeps one belief propagation per iteration and removes most of the zig-zag of plain
    mirror descent on ill-conditioned marginals (cells of very different counts).
    """
    prev = theta
    y = theta
    loss_y, grad_y, _, cal_y = objective(y)
    best = (loss_y, y, cal_y)
    stop = _Stopper(tol, objective.total)
    k = 1
    steps = 0
    while steps < iters and loss_y > 0.0:
        steps += 1
        new = [t - alpha * g for t, g in zip(y, grad_y, strict=True)]
        beta = (k - 1.0) / (k + 2.0)
        y2 = new if beta == 0 else [a + beta * (a - b) for a, b in zip(new, prev, strict=True)]
        loss2, grad2, mu2, cal2 = objective(y2)
        if not np.isfinite(loss2) or loss2 > loss_y:
            if beta == 0:
                alpha *= 0.5  # a plain step failed: the step is too long
            k = 1  # restart the momentum from the current point
            continue
        prev, y, loss_y, grad_y, cal_y = new, y2, loss2, grad2, cal2
        k += 1
        alpha *= _GROW_PLAIN if beta == 0 else _GROW_MOMENTUM
        if loss_y < best[0]:
            best = (loss_y, y, cal_y)
        if callback is not None:
            callback(steps, loss_y)
        if stop(loss_y, mu2):
            break
    loss, theta, cal = best
    return theta, loss, cal, alpha, steps


def estimate(
    domain: Domain | Mapping[str, int],
    measurements: Sequence[Measurement],
    *,
    total: float | None = None,
    iters: int = 1000,
    warm_start: GraphicalModel | None = None,
    tol: float = 1e-3,
    callback: Callable[[int, float], None] | None = None,
    method: str = "accelerated",
    penalty: float = 0.0,
) -> GraphicalModel:
    """Fit a graphical model whose marginals best explain `measurements` (noise-weighted L2).

    `total` (number of rows) defaults to a noise-weighted estimate from the measurements.
    `warm_start` (a model from a previous call, e.g. the previous AIM round) initializes the
    potentials: its cliques map into the new ones, new cliques start at zero, and its step
    size carries over. Stops after `iters` steps (one belief propagation each), or earlier
    when the marginals have stopped moving (mean L1 change over 10 steps below `tol` times
    the total; `tol=0` runs to machine precision or `iters`).
    `method` is "accelerated" (mirror descent with Nesterov momentum and restarts, the
    default) or "mirror_descent" (plain, as in Private-PGM). `penalty` (lambda >= 0, in
    1/count units) adds the independence penalty lambda * total * TC(p) described in the
    module docstring; 0 fits the measurements alone. The returned model carries `loss_`
    (penalty included), `iterations_` and `stepsize_`.
    """
    if method not in ("accelerated", "mirror_descent"):
        raise InputError(f"unknown estimation method {method!r}; use accelerated or mirror_descent")
    if iters < 0:
        raise InputError(f"iters must be >= 0, got {iters}")
    if not (np.isfinite(penalty) and penalty >= 0):
        raise InputError(f"penalty must be a finite number >= 0, got {penalty}")
    if not isinstance(domain, Domain):
        domain = Domain.from_dict(domain)
    measurements = list(measurements)
    for m in measurements:
        if not isinstance(m, Measurement):
            raise InputError(f"estimate expects Measurement objects, got {type(m).__name__}")
        domain._check(m.clique)
    if total is None:
        total = estimate_total(measurements)
    elif not (np.isfinite(total) and total > 0):
        raise InputError(f"total must be positive, got {total}")
    if warm_start is not None and warm_start.domain != domain:
        raise InputError("warm_start model has a different domain")

    extra = [tuple(c) for c in warm_start.cliques] if warm_start is not None else []
    cliques = maximal_cliques(domain, [m.clique for m in measurements] + extra)
    structure = Structure.build(domain, cliques)
    prepared = _prepare(domain, measurements, cliques)
    objective = _Objective(structure, prepared, float(total), penalty)

    if warm_start is not None:
        theta = _warm_theta(domain, cliques, warm_start)
    else:
        theta = [np.zeros(domain.project(c).shape) for c in cliques]

    # step sizes are kept in units of 1 / (total * max weight): the inverse curvature of the
    # loss along a unit change of log-probabilities, a safe first step the search then adapts
    scale = float(total) * max((float(np.max(m.weight)) for m in prepared), default=1.0)
    alpha = 1.0 / scale
    if warm_start is not None and warm_start.stepsize_:
        alpha = warm_start.stepsize_ * warm_start._step_scale / scale
    run = _accelerated if method == "accelerated" else _mirror_descent
    theta, loss, cal, alpha, steps = run(objective, theta, alpha, iters, tol, callback)

    model = GraphicalModel(domain, cliques, theta, float(total), structure=structure)
    model.stepsize_ = alpha
    model._step_scale = scale
    model.iterations_ = steps
    model.loss_ = loss
    return model


__all__ = ["Measurement", "estimate", "estimate_total", "Calibration"]
