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
from privsynth.synth.junction_tree import Clique, JunctionTree, build_junction_tree

_FORMAT = "privsynth.pgm/1"


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
        self.iterations_: int = 0
        self.loss_: float | None = None

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
        # not inside one clique: exact inference on a tree that also covers the query
        st = Structure.build(self.domain, [*self.cliques, self.domain.canonical(attrs)])
        cal = calibrate_parts(st.jt, st.parts(self._theta))
        j = st.jt.find(attrs)
        return self.total * project(st.jt, cal.tables[j], j, attrs)

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
            sep = jt.sep[i] if jt.parent[i] >= 0 else ()
            new = tuple(a for a in clique if a not in sep)
            if not new:
                continue
            table = project(jt, cal.tables[i], i, sep + new)
            ns = self.domain.size(sep) if sep else 1
            nx_ = self.domain.size(new)
            cond = table.reshape(ns, nx_)
            if sep:
                sizes = [self.domain[a] for a in sep]
                s_idx = np.ravel_multi_index([cols[a] for a in sep], sizes)
            else:
                s_idx = np.zeros(n, dtype=np.int64)
            n_s = np.bincount(s_idx, minlength=ns)
            counts = _round_rows(n_s, cond, rng)
            perm = rng.permutation(n)
            order = perm[np.argsort(s_idx[perm], kind="stable")]
            x_vals = np.repeat(np.tile(np.arange(nx_), ns), counts.ravel())
            x = np.empty(n, dtype=np.int64)
            x[order] = x_vals
            if len(new) == 1:
                cols[new[0]] = x
            else:
                for a, v in zip(
                    new, np.unravel_index(x, [self.domain[a] for a in new]), strict=True
                ):
                    cols[a] = v.astype(np.int64)
        return pd.DataFrame({a: cols[a] for a in self.domain.attrs})

    # persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write to `.npz` (JSON metadata + one float64 array per potential; no pickle)."""
        meta = {
            "format": _FORMAT,
            "domain": self.domain.to_dict(),
            "cliques": [list(c) for c in self.cliques],
            "total": self.total,
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
        return cls(domain, [tuple(c) for c in meta["cliques"]], theta, meta["total"])

    def __repr__(self) -> str:
        return f"GraphicalModel({len(self.domain)} attributes, {len(self.cliques)} cliques, total={self.total:.1f})"


def _round_rows(n_s: np.ndarray, cond: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer counts C[s, x] with row sums exactly n_s, each within floor/ceil of n_s*p(x|s).

    Randomized systematic rounding per row: one uniform offset u_s, and cell x gets the
    number of points u_s + k in its slice of the cumulative remainders, so E[C] = n_s p.
    """
    row = cond.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(row > 0, cond / row, 1.0 / cond.shape[1])
    expected = n_s[:, None] * p
    base = np.floor(expected)
    rem = expected - base
    cs = np.cumsum(rem, axis=1)
    u = rng.random((len(n_s), 1))
    picks = np.floor(cs - u) - np.floor(cs - rem - u)
    counts = (base + picks).astype(np.int64)
    diff = n_s - counts.sum(axis=1)
    bad = np.nonzero(diff)[0]
    for s in bad:  # float round-off at a row's end: at most a unit, rare
        d = int(diff[s])
        if d > 0:
            counts[s, int(np.argmax(rem[s] - picks[s]))] += d
        else:
            for _ in range(-d):
                counts[s, int(np.argmax(np.where(counts[s] > 0, rem[s], -1)))] -= 1
    return counts
