"""The k-anonymity problem as both searches see it: quasi-identifiers encoded once against their
hierarchies (a default one where none is given), the sensitive attributes, the criteria, and the
`KAnonResult` that the optimal search (`transform.kanon`) and Mondrian (`transform.mondrian`)
return. Kept apart so that the two searches import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.transform.criteria import (
    Criterion,
    KAnonymity,
    SensitiveContext,
    TCloseness,
    as_l_criterion,
    as_t_criterion,
)
from privsynth.transform.encoding import MISSING, EncodedHierarchy, as_strings, encode_hierarchy
from privsynth.transform.hierarchy import STAR, default_hierarchy, value_strings


@dataclass
class KAnonResult:
    """What a k-anonymity run chose and achieved.

    `levels` is the generalization level per quasi-identifier (None for Mondrian, whose
    recoding is local); `loss` the NCP of the output (suppressed cells count 1);
    `optimal` says the global search proved its node the optimum over the lattice.
    """

    method: str
    quasi_identifiers: list[str]
    k: int
    k_achieved: int
    n_rows: int
    n_suppressed: int
    suppression_rate: float
    max_suppression: float
    loss: float
    discernibility: float
    levels: dict[str, int] | None = None
    l_achieved: float | None = None
    t_achieved: float | None = None
    criteria: list[str] = field(default_factory=list)
    loss_metric: str = "ncp"
    nodes_checked: int = 0
    lattice_size: int = 0
    optimal: bool = False
    time_s: float = 0.0
    # suppressed rows removed from the release because their `*` class would break the models
    n_removed: int = 0
    loss_by_column: dict[str, float] = field(default_factory=dict)  # NCP per quasi-identifier

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Sensitive:
    name: str
    codes: np.ndarray
    size: int
    ctx: SensitiveContext


def search_default_hierarchy(column: pd.Series) -> pd.DataFrame:
    """The hierarchy of a quasi-identifier given none: the policy's default
    (`hierarchy.default_hierarchy`: dates truncate, numbers with more than ten values fall into
    nested round intervals, anything else is kept or starred), keyed as the search looks values
    up (`encoding.as_strings`); a missing value is a category of its own, starred only at the top.
    """
    hier = default_hierarchy(column)
    present = column.dropna().drop_duplicates()
    key_of = dict(zip(value_strings(present), as_strings(present), strict=True))
    hier[0] = hier[0].map(key_of).astype(object)
    if column.isna().any():
        row = pd.DataFrame([[MISSING] * (hier.shape[1] - 1) + [STAR]], columns=hier.columns)
        hier = pd.concat([hier, row], ignore_index=True)
    return hier


@dataclass
class Problem:
    """A table prepared for anonymization: QIs and sensitive attributes as integer codes."""

    df: pd.DataFrame
    qis: list[str]
    hierarchies: list[EncodedHierarchy]
    leaf_codes: list[np.ndarray]
    sensitive: list[_Sensitive]
    criteria: list[Criterion]
    k: int
    max_suppression: float
    weights: np.ndarray | None = None  # row i of df stands for weights[i] identical rows
    _check_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        if self.weights is not None:
            return int(self.weights.sum())
        return len(self.df)

    @property
    def suppression_budget(self) -> int:
        return int(np.floor(self.max_suppression * self.n + 1e-9))

    def _checks(self, relaxed: bool) -> list[tuple[Criterion, int | None]]:
        """(criterion, sensitive attribute index or None) pairs to evaluate, built once."""
        key = "relaxed" if relaxed else "full"
        if key not in self._check_cache:
            checks: list[tuple[Criterion, int | None]] = []
            for crit in self.criteria:
                targets = range(len(self.sensitive)) if crit.needs_sensitive else [None]
                for j in targets:
                    ctx = self.sensitive[j].ctx if j is not None else None
                    c = crit.relaxation(ctx) if relaxed else crit
                    if c is not None:
                        checks.append((c, j if c.needs_sensitive else None))
            self._check_cache[key] = checks
        return self._check_cache[key]

    def failing(self, sizes: np.ndarray, hists: list[np.ndarray], relaxed: bool) -> np.ndarray:
        """Classes violating any criterion (or any monotone relaxation of one)."""
        fail = np.zeros(sizes.size, dtype=bool)
        for c, j in self._checks(relaxed):
            if j is None:
                fail |= c.failing(sizes)
            else:
                fail |= c.failing(sizes, hists[j], self.sensitive[j].ctx)
        return fail

    def failing_any(self, sizes: np.ndarray, hists: list[np.ndarray]) -> np.ndarray:
        """Classes to suppress: violating a criterion or the monotone relaxation of one."""
        return self.failing(sizes, hists, relaxed=False) | self.failing(sizes, hists, relaxed=True)

    def achieved(self, crit: Criterion, sizes: np.ndarray, hists: list[np.ndarray]) -> float:
        if not crit.needs_sensitive:
            return crit.achieved(sizes)
        vals = [crit.achieved(sizes, h, s.ctx) for s, h in zip(self.sensitive, hists, strict=True)]
        return float(max(vals) if isinstance(crit, TCloseness) else min(vals))


def prepare(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, pd.DataFrame] | None,
    k: int,
    max_suppression: float,
    l_diversity: int | float | Criterion | None,
    sensitive: str | Sequence[str] | None,
    t_closeness: float | Criterion | None,
    weights: np.ndarray | None = None,
) -> Problem:
    """Validate the request and encode the table (shared by the global and Mondrian searches).

    With `weights`, row i of `df` stands for `weights[i]` identical rows: a table grouped by
    its quasi-identifiers and sensitive values in an engine is searched exactly like the rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("kanonymize expects a pandas DataFrame")
    if weights is not None:
        weights = np.asarray(weights)
        if weights.shape != (len(df),) or weights.dtype.kind not in "iu" or (weights < 0).any():
            raise InputError("weights must be one non-negative integer per row of the table")
        weights = weights.astype(np.int64)
    qis = list(quasi_identifiers or [])
    if not qis:
        raise InputError("no quasi-identifiers given")
    if len(set(qis)) != len(qis):
        raise InputError("a quasi-identifier is listed twice")
    for c in qis:
        if c not in df.columns:
            raise InputError(f"quasi-identifier {c!r} is not a column of the table")
    hierarchies = dict(hierarchies or {})
    for c in hierarchies:
        if c not in qis:
            raise InputError(f"hierarchy given for {c!r}, which is not a quasi-identifier")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InputError(f"k must be an integer >= 2, got {k!r}")
    n = int(weights.sum()) if weights is not None else len(df)
    if k > n:
        raise InputError(f"k={k} is larger than the table ({n} rows)")
    if isinstance(max_suppression, bool) or not (
        isinstance(max_suppression, int | float) and 0 <= max_suppression < 1
    ):
        raise InputError(f"max_suppression must be in [0, 1), got {max_suppression!r}")
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    sens_cols = list(sensitive or [])
    for c in sens_cols:
        if c not in df.columns:
            raise InputError(f"sensitive attribute {c!r} is not a column of the table")
        if c in qis:
            raise InputError(f"{c!r} cannot be both a quasi-identifier and sensitive")
    criteria: list[Criterion] = [KAnonymity(int(k))]
    for extra in (as_l_criterion(l_diversity), as_t_criterion(t_closeness)):
        if extra is not None:
            criteria.append(extra)
    if any(c.needs_sensitive for c in criteria) and not sens_cols:
        raise InputError("l-diversity and t-closeness need sensitive=[column, ...]")

    encoded, codes = [], []
    for c in qis:
        h = hierarchies.get(c)
        enc = encode_hierarchy(c, search_default_hierarchy(df[c]) if h is None else h)
        encoded.append(enc)
        codes.append(enc.encode(df[c]))
    sens = []
    for c in sens_cols:
        col = df[c]
        ordered = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        )
        # sort=True orders numeric values for the ordered EMD; missing values form a category
        s_codes, uniq = pd.factorize(col, sort=True, use_na_sentinel=False)
        m = max(len(uniq), 1)
        overall = np.bincount(s_codes, weights=weights, minlength=m) / max(n, 1)
        sens.append(
            _Sensitive(c, s_codes.astype(np.int64), m, SensitiveContext(c, overall, ordered))
        )
    return Problem(
        df, qis, encoded, codes, sens, criteria, int(k), float(max_suppression), weights
    )


def fill_achieved(
    prob: Problem, result: KAnonResult, sizes: np.ndarray, hists: list[np.ndarray]
) -> None:
    if not sizes.size:
        return
    for crit in prob.criteria[1:]:
        value = prob.achieved(crit, sizes, hists)
        if isinstance(crit, TCloseness):
            result.t_achieved = value
        else:
            result.l_achieved = value
