"""GraphicalModel: the fitted distribution — marginals, exact sampling, save/load."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.synth.domain import Domain
from privsynth.synth.factor import Factor
from privsynth.synth.inference import Calibration, Workspace, calibrate_parts, project
from privsynth.synth.junction_tree import (
    Clique,
    JunctionTree,
    build_junction_tree,
    junction_tree_size,
)
from privsynth.synth.refine import refine_frame

_FORMAT = "privsynth.pgm/1"
_CACHE_CELLS = 16 * 2**20  # cached out-of-clique marginals, in float64 cells (128 MB)


@dataclass
class Structure:
    """A junction tree plus where each model clique's potential lives in it."""

    domain: Domain
    cliques: list[Clique]  # model cliques (domain-ordered)
    jt: JunctionTree
    home: list[int]  # junction-tree clique holding each model clique
    bshape: list[tuple[int, ...]]  # model clique table broadcast into its home clique
    work: Workspace | None = None  # reusable tables for the fitted model's calibration

    @classmethod
    def build(cls, domain: Domain, cliques: Sequence[Clique]) -> Structure:
        jt = build_junction_tree(domain, cliques)
        home, bshape = [], []
        for c in cliques:
            i = jt.find(c)
            home.append(i)
            bshape.append(tuple(domain[a] if a in c else 1 for a in jt.cliques[i]))
        return cls(domain, list(cliques), jt, home, bshape)

    def parts(self, theta: Sequence[np.ndarray]) -> list[list[np.ndarray]]:
        """Per junction-tree clique, the model potentials assigned to it (broadcast views)."""
        out: list[list[np.ndarray]] = [[] for _ in self.jt.cliques]
        for k, t in enumerate(theta):
            out[self.home[k]].append(t.reshape(self.bshape[k]))
        return out


class GraphicalModel:
    """A Markov random field over `domain` with log-potentials on `cliques`, scaled to `total`.

    `marginal(clique)` returns expected counts (summing to `total`); `sample(n, rng=...)`
    draws rows exactly from the model with count-matching rounding.
    """

    def __init__(
        self,
        domain: Domain,
        cliques: Sequence[Iterable[str]],
        potentials: Mapping[Clique, Factor] | Sequence[np.ndarray],
        total: float,
        *,
        structure: Structure | None = None,
    ) -> None:
        self.domain = domain
        self.cliques: list[Clique] = [domain.canonical(c) for c in cliques]
        if isinstance(potentials, Mapping):
            arrays = []
            for c in self.cliques:
                f = potentials[c]
                arrays.append(np.ascontiguousarray(f.transpose(c).values, dtype=np.float64))
        else:
            arrays = [np.asarray(p, dtype=np.float64) for p in potentials]
        for c, a in zip(self.cliques, arrays, strict=True):
            if a.shape != domain.project(c).shape:
                raise InputError(f"potential of {c} has shape {a.shape}")
        self._theta = arrays
        self.total = float(total)
        self._structure = structure
        self.stepsize_: float | None = None
        self._step_scale = 1.0
        self.iterations_: int = 0
        self.loss_: float | None = None
        # post-sampling refinement toward the model's marginals on these cliques (see
        # synth/refine.py); empty = rows are plain draws from the model
        self.refine_cliques: list[Clique] = []
        self.refine_sweeps: int = 0

    # structure and calibration ------------------------------------------------------------
    @property
    def structure(self) -> Structure:
        if self._structure is None:
            self._structure = Structure.build(self.domain, self.cliques)
        return self._structure

    @property
    def junction_tree(self) -> JunctionTree:
        return self.structure.jt

    @property
    def potentials(self) -> dict[Clique, Factor]:
        return {
            c: Factor(self.domain.project(c), t)
            for c, t in zip(self.cliques, self._theta, strict=True)
        }

    @cached_property
    def _calibration(self) -> Calibration:
        st = self.structure
        return calibrate_parts(st.jt, st.parts(self._theta), st.work)

    @property
    def log_partition(self) -> float:
        return self._calibration.log_z

    # marginals ----------------------------------------------------------------------------
    def marginal(self, clique: Iterable[str]) -> np.ndarray:
        """Expected counts on `clique` (axes in the order given), summing to `total`."""
        attrs = (clique,) if isinstance(clique, str) else tuple(clique)
        self.domain._check(attrs)
        if len(set(attrs)) != len(attrs):
            raise InputError(f"clique {attrs} repeats an attribute")
        jt = self.junction_tree
        i = jt.find(attrs)
        if i is not None:
            return self.total * project(jt, self._calibration.tables[i], i, attrs)
        # not inside one clique: contract the calibrated cliques of the subtree covering it,
        # unless re-running belief propagation on a tree that includes the query is cheaper;
        # results are cached (the model does not change after fitting)
        cache = self.__dict__.setdefault("_marginal_cache", {})
        if attrs in cache:
            return self.total * cache[attrs]
        canon = self.domain.canonical(attrs)
        out = self._far_marginal(attrs, canon)
        if sum(v.size for v in cache.values()) + out.size <= _CACHE_CELLS:
            cache[attrs] = out
        return self.total * out

    def _far_marginal(self, attrs: tuple[str, ...], canon: Clique) -> np.ndarray:
        rebuild = 12.0 * junction_tree_size(self.domain, [*self.cliques, canon]) * 2**20 / 8
        out = self._subtree_marginal(attrs, max_cost=rebuild)
        if out is not None:
            return out
        st = Structure.build(self.domain, [*self.cliques, canon])
        cal = calibrate_parts(st.jt, st.parts(self._theta))
        j = st.jt.find(attrs)
        return project(st.jt, cal.tables[j], j, attrs)

    def _conditional(self, i: int) -> Factor:
        """p(C_i minus separator | separator) from the calibrated tree (p(C_i) at the root)."""
        cache = self.__dict__.setdefault("_conditionals", {})
        if i not in cache:
            jt = self.junction_tree
            table = self._calibration.tables[i]
            belief = table / table.sum()
            f = Factor(self.domain.project(jt.cliques[i]), belief)
            if jt.parent[i] >= 0 and jt.sep[i]:
                sep = f.project(jt.sep[i])
                with np.errstate(invalid="ignore", divide="ignore"):
                    q = f / sep
                q.values[~np.isfinite(q.values)] = 0.0
                f = q.transpose(jt.cliques[i])
            cache[i] = f
        return cache[i]

    def _subtree_marginal(self, attrs: tuple[str, ...], max_cost: float) -> np.ndarray | None:
        """Normalized marginal on `attrs` from the smallest subtree whose cliques cover them.

        The joint factorizes as p(C_top) * prod p(C_i | S_i) over the subtree (the cliques
        outside it sum to one), so multiplying conditionals bottom-up and summing out every
        variable that is neither queried nor needed higher up is exact. Returns None when
        the contraction would cost more than `max_cost` cell operations.
        """
        jt = self.junction_tree
        depth = [0] * len(jt.cliques)
        for i in jt.preorder():
            if jt.parent[i] >= 0:
                depth[i] = depth[jt.parent[i]] + 1
        chosen = {jt.find((a,)) for a in attrs}
        # the subtree: paths from every chosen clique up to their lowest common ancestor
        nodes = set(chosen)
        frontier = set(chosen)
        while len(frontier) > 1:
            deepest = max(frontier, key=lambda v: depth[v])
            frontier.discard(deepest)
            up = jt.parent[deepest]
            nodes.add(up)
            frontier.add(up)
        top = next(iter(frontier))
        factors = [self._top_belief(top) if i == top else self._conditional(i) for i in nodes]
        # a variable found in one factor only and not queried sums out of it right away
        seen: dict[str, int] = {}
        for f in factors:
            for a in f.domain.attrs:
                seen[a] = seen.get(a, 0) + 1
        want = set(attrs)
        tables: list[tuple[tuple[str, ...], np.ndarray]] = []
        for f in factors:
            drop = [a for a in f.domain.attrs if seen[a] == 1 and a not in want]
            if drop:
                f = f.sum(drop)
            tables.append((f.domain.attrs, f.values))
        plan = _elimination_plan(self.domain, [t[0] for t in tables], want)
        if plan[1] > max_cost:
            return None
        for var in plan[0]:
            bucket = [t for t in tables if var in t[0]]
            tables = [t for t in tables if var not in t[0]]
            tables.append(_contract(bucket, var))
        out = _contract(tables, None, order=attrs)[1]
        return out / out.sum()

    def _top_belief(self, i: int) -> Factor:
        table = self._calibration.tables[i]
        return Factor(self.domain.project(self.junction_tree.cliques[i]), table / table.sum())

    def marginal_factor(self, clique: Iterable[str]) -> Factor:
        attrs = tuple(clique)
        return Factor(self.domain.project(attrs), self.marginal(attrs))

    # sampling -----------------------------------------------------------------------------
    def _evidence_calibration(self, where: Mapping[str, int | Sequence[int]]) -> Calibration:
        st = self.structure
        parts = st.parts(self._theta)
        for attr, allowed in where.items():
            if attr not in self.domain:
                raise InputError(f"where: column {attr!r} is not in the model's domain")
            codes = np.atleast_1d(np.asarray(allowed))
            if codes.size == 0:
                raise InputError(f"where: no value allowed for column {attr!r}")
            if codes.dtype.kind not in "iu" and not np.all(np.mod(codes, 1) == 0):
                raise InputError(f"where: values of {attr!r} must be integer codes")
            codes = codes.astype(np.int64)
            size = self.domain[attr]
            if codes.min() < 0 or codes.max() >= size:
                raise InputError(
                    f"where: code outside 0..{size - 1} for column {attr!r}: {codes.tolist()}"
                )
            mask = np.full(size, -np.inf)
            mask[codes] = 0.0
            i = st.jt.find((attr,))
            clique = st.jt.cliques[i]
            parts[i].append(mask.reshape([size if a == attr else 1 for a in clique]))
        cal = calibrate_parts(st.jt, parts)
        if not np.isfinite(cal.log_z) or not cal.tables[st.jt.root].sum() > 0:
            raise InputError(f"where: the condition {dict(where)} has probability zero")
        return cal

    def sample(
        self,
        n: int,
        *,
        rng: np.random.Generator | int | None = None,
        where: Mapping[str, int | Sequence[int]] | None = None,
    ) -> pd.DataFrame:
        """`n` rows of integer codes drawn exactly from the model (optionally conditioned).

        Cliques are sampled root-first along the junction tree: each clique's new attributes
        are drawn from their conditional given the separator already sampled. Instead of
        i.i.d. draws, the rows sharing a separator value get counts from a randomized
        systematic rounding of `n_s * p(x | s)` (each count is the floor or ceiling of its
        expectation, and unbiased), so the sample's marginals track the model's closely.
        `where={"col": code or [codes]}` conditions the model exactly before sampling.
        When `refine_cliques` and `refine_sweeps` are set (AIM sets them to its workload), an
        unconditioned sample is then nudged toward the model's marginals on those cliques by
        swapping values inside columns (`refine.refine_frame`: post-processing, 1-way counts
        unchanged).
        """
        if not isinstance(n, int | np.integer) or n < 0:
            raise InputError(f"number of rows must be a non-negative integer, got {n!r}")
        n = int(n)
        rng = np.random.default_rng(rng)
        jt = self.junction_tree
        cal = self._evidence_calibration(where) if where else self._calibration
        cols: dict[str, np.ndarray] = {}
        for i in jt.preorder():
            clique = jt.cliques[i]
            done = list(jt.sep[i]) if jt.parent[i] >= 0 else []
            for attr in (a for a in clique if a not in done):
                # one attribute at a time, given everything of this clique sampled so far
                table = project(jt, cal.tables[i], i, (*done, attr))
                if not np.all(np.isfinite(table)):
                    raise InputError("the model cannot be sampled: its marginals are not finite")
                size = self.domain[attr]
                ns = self.domain.size(done) if done else 1
                joint = table.reshape(ns, size)
                if done:
                    sizes = [self.domain[a] for a in done]
                    s_idx = np.ravel_multi_index([cols[a] for a in done], sizes)
                else:
                    s_idx = np.zeros(n, dtype=np.int64)
                n_s = np.bincount(s_idx, minlength=ns)
                active = np.nonzero(n_s)[0]  # only conditioning cells that occur
                counts = _round_table(n_s[active], joint[active], n * joint.sum(axis=0), rng)
                others = [cols[a] for a in cols if a not in done]
                cols[attr] = _assign_stratified(s_idx, counts, others, rng)
                done.append(attr)
        out = pd.DataFrame({a: cols[a] for a in self.domain.attrs})
        if not where and self.refine_cliques and self.refine_sweeps > 0:
            out = refine_frame(self, out, self.refine_cliques, rng, self.refine_sweeps)
        return out

    # persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write to `.npz` (JSON metadata + one float64 array per potential; no pickle)."""
        meta = {
            "format": _FORMAT,
            "domain": self.domain.to_dict(),
            "cliques": [list(c) for c in self.cliques],
            "total": self.total,
            "refine": {
                "cliques": [list(c) for c in self.refine_cliques],
                "sweeps": self.refine_sweeps,
            },
        }
        arrays = {f"potential_{k}": t for k, t in enumerate(self._theta)}
        buf = io.BytesIO()
        np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
        Path(path).write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> GraphicalModel:
        try:
            with np.load(Path(path), allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta.get("format") != _FORMAT:
                    raise InputError(f"{path}: not a privsynth graphical model file")
                theta = [z[f"potential_{k}"] for k in range(len(meta["cliques"]))]
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"cannot read graphical model from {path}: {exc}") from exc
        domain = Domain.from_dict(meta["domain"])
        model = cls(domain, [tuple(c) for c in meta["cliques"]], theta, meta["total"])
        refine = meta.get("refine") or {}
        model.refine_cliques = [tuple(c) for c in refine.get("cliques", [])]
        model.refine_sweeps = int(refine.get("sweeps", 0))
        return model

    def __repr__(self) -> str:
        return f"GraphicalModel({len(self.domain)} attributes, {len(self.cliques)} cliques, total={self.total:.1f})"


def _elimination_plan(
    domain: Domain, scopes: list[tuple[str, ...]], keep: set[str]
) -> tuple[list[str], float]:
    """Greedy variable-elimination order (smallest bucket first) and its cost in cells."""
    scopes = [set(sc) for sc in scopes]
    order: list[str] = []
    cost = 0.0
    remaining = {a for sc in scopes for a in sc} - keep
    while remaining:
        best, best_size = None, None
        for var in remaining:
            union = set().union(*(sc for sc in scopes if var in sc))
            size = float(domain.size(union))
            if best_size is None or size < best_size:
                best, best_size = var, size
        union = set().union(*(sc for sc in scopes if best in sc))
        scopes = [sc for sc in scopes if best not in sc] + [union - {best}]
        cost += best_size
        order.append(best)
        remaining.discard(best)
    final = set().union(*scopes) if scopes else set()
    cost += float(domain.size(final)) * max(len(scopes), 1)
    return order, cost


def _contract(
    tables: list[tuple[tuple[str, ...], np.ndarray]],
    var: str | None,
    order: Sequence[str] | None = None,
) -> tuple[tuple[str, ...], np.ndarray]:
    """Multiply `tables` and sum out `var` in one einsum loop (no intermediate product)."""
    names: dict[str, str] = {}
    for scope, _ in tables:
        for a in scope:
            names.setdefault(
                a,
                chr(ord("a") + len(names)) if len(names) < 26 else chr(ord("A") + len(names) - 26),
            )
    out = tuple(order) if order is not None else tuple(a for a in names if a != var)
    spec = ",".join("".join(names[a] for a in scope) for scope, _ in tables)
    spec += "->" + "".join(names[a] for a in out)
    return out, np.einsum(spec, *(t for _, t in tables))


def _assign_stratified(
    s_idx: np.ndarray, counts: np.ndarray, others: list[np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    """Values of a new attribute for rows grouped by their separator cell `s_idx`, with
    `counts[g, x]` rows of value x in the g-th occurring cell (ascending cell order).

    Inside a cell the model makes x independent of every attribute sampled earlier, so each
    group of rows sharing those attributes should get x in proportion p(x | s). Rows are
    sorted by the earlier attributes (in random priority, random tie-breaks) and the values
    are interleaved evenly along that order (occurrence k of value x sits at (k + u) / c_x),
    so every run of rows gets each value within about one of its share: stratified rather
    than i.i.d. allocation, which keeps the sample's higher-order marginals close to the
    model's.
    """
    n = len(s_idx)
    ng, size = counts.shape
    flat = counts.ravel()
    vals = np.repeat(np.tile(np.arange(size), ng), flat)
    grp = np.repeat(np.repeat(np.arange(ng), size), flat)
    starts = np.repeat(np.cumsum(flat) - flat, flat)
    k = np.arange(len(vals)) - starts  # occurrence number of the value inside its group
    u = np.repeat(rng.random(flat.size), flat)
    key = (k + u) / np.maximum(np.repeat(flat, flat), 1)
    seq = vals[np.lexsort((key, grp))]
    keys = [rng.random(n)]
    keys += [others[j] for j in rng.permutation(len(others))]
    keys.append(s_idx)
    order = np.lexsort(keys)
    x = np.empty(n, dtype=np.int64)
    x[order] = seq
    return x


def _round_table(
    n_s: np.ndarray, joint: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Integer counts C[s, x] for `n_s` rows in each conditioning cell s, following
    `joint[s, x]` (proportional to p(s, x)).

    Row sums are exactly `n_s`. The expected table n_s * p(x | s) is first rescaled (a few
    proportional-fitting sweeps) so its column sums hit `target` (the model's expected counts
    of x), then rounded: randomized systematic rounding down the columns (each cell becomes
    the floor or ceiling of its value, each column sum within one of its target), and a
    repair that moves units inside columns from rows with too many to rows with too few.
    The sample's 1-way counts therefore match the model's within about one per cell.
    """
    ns, nx_ = joint.shape
    row = joint.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(row > 0, joint / row, 1.0 / nx_)
    e = n_s[:, None] * p
    if ns > 1 and n_s.sum() > 0:
        target = target * (n_s.sum() / max(target.sum(), 1e-300))
        for _ in range(10):
            col = e.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                e *= np.where(col > 0, target / col, 1.0)
            r = e.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                e *= np.where(r > 0, n_s / r, 0.0)[:, None]
    base = np.floor(e)
    rem = e - base
    # systematic rounding in column-major order: any run of cells of one column gets
    # the floor or ceiling of its total
    flat = rem.T.ravel()
    cs = np.cumsum(flat)
    u = rng.random()
    picks = (np.floor(cs - u) - np.floor(cs - flat - u)).reshape(nx_, ns).T
    counts = (base + picks).astype(np.int64)
    diff = counts.sum(axis=1) - n_s  # > 0: row has too many
    for strict in (True, False):
        for _ in range(4):
            if not diff.any():
                return counts
            for x in rng.permutation(nx_):
                over = diff > 0
                under = diff < 0
                if not over.any() or not under.any():
                    break
                if strict:  # keep every cell at the floor or ceiling of its value
                    give = np.nonzero(over & (picks[:, x] > 0))[0]
                    take = np.nonzero(under & (picks[:, x] == 0) & (rem[:, x] > 0))[0]
                else:
                    give = np.nonzero(over & (counts[:, x] > 0))[0]
                    take = np.nonzero(under)[0]
                k = min(len(give), len(take))
                if k == 0:
                    continue
                give = rng.choice(give, k, replace=False)
                take = rng.choice(take, k, replace=False)
                counts[give, x] -= 1
                counts[take, x] += 1
                picks[give, x] -= 1
                picks[take, x] += 1
                diff[give] -= 1
                diff[take] += 1
    if diff.any():  # cannot happen unless rows have no room at all; fall back to row rounding
        counts = _round_rows(n_s, p, rng)
    return counts


def _round_rows(n_s: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise randomized systematic rounding of n_s * p (p rows sum to one)."""
    expected = n_s[:, None] * p
    base = np.floor(expected)
    rem = expected - base
    cs = np.cumsum(rem, axis=1)
    u = rng.random((len(n_s), 1))
    counts = (base + np.floor(cs - u) - np.floor(cs - rem - u)).astype(np.int64)
    diff = n_s - counts.sum(axis=1)
    for s in np.nonzero(diff)[0]:  # float round-off at a row's end
        counts[s, int(np.argmax(rem[s]))] += int(diff[s])
    return np.maximum(counts, 0)
