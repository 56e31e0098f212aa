"""What MST and AIM share: input checks, the fit/sample/save API, domain compression.

The estimators follow scikit-learn's shape: parameters in `__init__`, data in `fit`, fitted
state with a trailing underscore (`model_`, `ledger_`, `domain_`), `sample` after fit.
`seed` only seeds post-processing (sampling from the fitted model); the DP noise comes from
OpenDP's cryptographically secure sampler and cannot be seeded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.io import atomic_dir
from privsynth.synth.coded import as_coded, check_domain, check_domain_sizes
from privsynth.synth.domain import Domain
from privsynth.synth.estimation import Measurement, estimate
from privsynth.synth.junction_tree import junction_tree_size
from privsynth.synth.ledger import Ledger, check_epsilon_delta
from privsynth.synth.model import GraphicalModel

_PGM = SimpleNamespace(
    Domain=Domain,
    GraphicalModel=GraphicalModel,
    Measurement=Measurement,
    estimate=estimate,
    junction_tree_size=junction_tree_size,
)
# MarginalSynthesizer subclasses by their `method` (what `load` reads back from a saved model).
REGISTRY: dict[str, type[MarginalSynthesizer]] = {}

NOISE_NOTE = (
    "DP noise drawn by OpenDP's cryptographically secure sampler (not seedable); "
    "the seed only makes model sampling (post-processing) reproducible"
)


def pgm() -> SimpleNamespace:
    """The graphical-model core MST and AIM fit with (estimation, model, junction tree)."""
    return _PGM


class Compression:
    """Per-column merge of rare cells decided from NOISY 1-way counts (post-processing).

    `maps[col][old_code] = new_code`; merged cells go to the last new code, and are spread back
    over their original codes when decoding, in proportion to `weights[col]` (the released noisy
    1-way counts clipped at 0; uniform when absent or all zero). Post-processing only.
    """

    def __init__(
        self, maps: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray] | None = None
    ):
        self.maps = {c: np.asarray(m, dtype=np.int64) for c, m in maps.items()}
        self.weights = {
            c: np.clip(np.asarray(w, dtype=np.float64), 0, None) for c, w in (weights or {}).items()
        }

    @property
    def domain(self) -> dict[str, int]:
        return {c: int(m.max()) + 1 for c, m in self.maps.items()}

    def encode(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: m[df[c].to_numpy(dtype=np.int64)] for c, m in self.maps.items()})

    def encode_where(self, where: Mapping[str, list[int]] | None) -> dict[str, list[int]] | None:
        if not where:
            return None
        return {c: sorted({int(self.maps[c][v]) for v in vals}) for c, vals in where.items()}

    def decode(
        self,
        df: pd.DataFrame,
        rng: np.random.Generator,
        where: Mapping[str, list[int]] | None = None,
    ) -> pd.DataFrame:
        out = {}
        for c, m in self.maps.items():
            codes = df[c].to_numpy(dtype=np.int64)
            allowed = set(where[c]) if where and c in where else None
            # inverse: new code -> original codes that map to it
            order = np.argsort(m, kind="stable")
            starts = np.searchsorted(m[order], np.arange(int(m.max()) + 2))
            res = np.empty_like(codes)
            for new in np.unique(codes):
                members = order[starts[new] : starts[new + 1]]
                if allowed is not None:
                    members = (
                        np.array([x for x in members if x in allowed], dtype=np.int64)
                        if any(x in allowed for x in members)
                        else members
                    )
                rows = codes == new
                if len(members) == 1:
                    res[rows] = members[0]
                    continue
                w = self.weights.get(c)
                p = w[members] if w is not None else None
                p = p / p.sum() if p is not None and p.sum() > 0 else None
                res[rows] = rng.choice(members, size=int(rows.sum()), p=p)
            out[c] = res
        return pd.DataFrame(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "maps": {c: m.tolist() for c, m in self.maps.items()},
            "weights": {c: w.tolist() for c, w in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Compression:
        if "maps" not in d:  # maps only
            return cls(d)
        return cls(d["maps"], d.get("weights"))


class MarginalSynthesizer:
    """Base of MST and AIM: fit on integer codes over a public domain, then sample."""

    method = "base"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.method] = cls

    def __init__(
        self,
        epsilon: float = 1.0,
        delta: float = 1e-9,
        seed: int | None = None,
        *,
        max_rows_per_person: int = 1,
    ):
        self.epsilon = epsilon
        self.delta = delta
        self.seed = seed
        self.max_rows_per_person = max_rows_per_person

    # -- fitting -----------------------------------------------------------------------------
    def _start(self, df: Any, domain: Mapping[str, int], ledger: Ledger | None):
        """Checks, the ledger, and the data as counted codes (`coded.GroupedCodes` or
        `coded.EngineCodes`; a DataFrame of codes is grouped in memory)."""
        if ledger is None:
            check_epsilon_delta(self.epsilon, self.delta)
            ledger = Ledger.from_epsilon_delta(self.epsilon, self.delta)
        m = int(self.max_rows_per_person)
        if m < 1:
            raise InputError(f"max_rows_per_person must be >= 1 (got {self.max_rows_per_person!r})")
        if isinstance(df, pd.DataFrame) or not hasattr(df, "marginals"):
            dom = check_domain(df, domain)
        else:
            dom = check_domain_sizes(domain)
        data = as_coded(df, dom)
        if data.n_rows == 0:
            raise InputError("the data has no rows")
        self.ledger_ = ledger
        self.domain_ = dom
        self._rng = np.random.default_rng(self.seed)
        if ledger.remaining_rho <= 0:
            raise InputError("no privacy budget left to fit the synthesizer")
        return data, dom, ledger

    def fit(
        self, df: pd.DataFrame, domain: Mapping[str, int], *, ledger: Ledger | None = None
    ):  # pragma: no cover
        raise NotImplementedError

    # -- sampling (post-processing) ----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError(f"this {type(self).__name__} is not fitted yet; call fit() first")

    def _where_codes(self, where: Mapping[str, Any] | None) -> dict[str, list[int]] | None:
        if not where:
            return None
        out = {}
        for col, val in where.items():
            if col not in self.domain_:
                raise InputError(f"cannot condition on {col!r}: not in the domain")
            vals = list(val) if isinstance(val, list | tuple | set | np.ndarray) else [val]
            codes = []
            for v in vals:
                if not isinstance(v, int | np.integer) or not 0 <= int(v) < self.domain_[col]:
                    raise InputError(
                        f"where: {col}={v!r} is outside the domain 0..{self.domain_[col] - 1}"
                    )
                codes.append(int(v))
            out[col] = codes
        return out

    def sample(
        self,
        n: int | None = None,
        where: Mapping[str, Any] | None = None,
        *,
        rng: np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """`n` synthetic rows of integer codes (default: the DP estimate of the row count).

        `where` conditions the model exactly, e.g. {"income>50K": 1}: post-processing, no budget.
        `rng` replaces the estimator's own generator (seeded from `seed`) for this call.
        """
        self._check_fitted()
        if n is None:
            n = max(1, int(round(self.model_.total)))
        n = int(n)
        if n < 0:
            raise InputError(f"n must be >= 0 (got {n})")
        codes = self._where_codes(where)
        cw = self.compression_.encode_where(codes)
        rng = self._rng if rng is None else rng
        raw = self.model_.sample(n, rng=rng, where=cw)
        out = self.compression_.decode(raw, rng, codes)
        return out[list(self.domain_)]

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted state (model, compression, ledger) to a directory; no data inside."""
        self._check_fitted()
        path = Path(path)
        with atomic_dir(path, overwrite=True) as tmp:  # a previous save of ours is replaced
            tmp = Path(tmp)
            self.model_.save(tmp / "model")
            meta = {
                "method": self.method,
                "params": {
                    "epsilon": self.epsilon,
                    "delta": self.delta,
                    "seed": self.seed,
                    "max_rows_per_person": self.max_rows_per_person,
                },
                "domain": self.domain_,
                "compression": self.compression_.to_dict(),
                "ledger": self.ledger_.to_dict(),
                "selected": [list(c) for c in getattr(self, "cliques_", [])],
                "noise": NOISE_NOTE,
            }
            (tmp / "synthesizer.json").write_text(json.dumps(meta, indent=1))
        return path

    @classmethod
    def load(cls, path: str | Path) -> MarginalSynthesizer:
        path = Path(path)
        meta_path = path / "synthesizer.json"
        if not meta_path.exists():
            raise InputError(f"{path} does not hold a saved synthesizer (no synthesizer.json)")
        meta = json.loads(meta_path.read_text())
        klass = REGISTRY.get(meta["method"], cls)
        obj = klass(**meta["params"])
        obj.model_ = pgm().GraphicalModel.load(path / "model")
        obj.domain_ = {k: int(v) for k, v in meta["domain"].items()}
        obj.compression_ = Compression.from_dict(meta["compression"])
        obj.ledger_ = Ledger.from_dict(meta["ledger"])
        obj.cliques_ = [tuple(c) for c in meta.get("selected", [])]
        obj._rng = np.random.default_rng(obj.seed)
        return obj
