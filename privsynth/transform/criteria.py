"""Privacy models as criteria objects that one k-anonymity search honours (as in ARX).

Each criterion looks at a table of equivalence classes at once — the class sizes and, for the
models over a sensitive attribute, a (classes x sensitive values) count matrix — and returns a
boolean mask of the classes that fail it, so the search can suppress exactly those classes.

Monotonicity matters for pruning: a criterion is *monotone* when merging classes (generalizing)
can never turn a passing row into a failing one. k-anonymity and distinct l-diversity are; the
entropy and recursive (c,l) variants and t-closeness are not once suppression is allowed, so the
search only prunes with their monotone relaxation (`relaxation()`), which is implied by them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from privsynth.errors import InputError


@dataclass(frozen=True)
class SensitiveContext:
    """What a sensitive-attribute criterion needs besides the class histograms.

    `overall` is the distribution of the sensitive attribute over the whole table (the
    reference of t-closeness); `ordered` says the values are numeric and sorted, so distances
    between values follow their order.
    """

    name: str
    overall: np.ndarray
    ordered: bool = False


class Criterion(ABC):
    """A privacy model evaluated per equivalence class."""

    needs_sensitive: bool = False
    monotone: bool = False

    @abstractmethod
    def failing(
        self, sizes: np.ndarray, hist: np.ndarray | None = None, ctx: SensitiveContext | None = None
    ) -> np.ndarray:
        """Boolean mask of the classes that violate this criterion."""

    @abstractmethod
    def achieved(
        self, sizes: np.ndarray, hist: np.ndarray | None = None, ctx: SensitiveContext | None = None
    ) -> float:
        """The value of the model's parameter the given classes reach (e.g. smallest class)."""

    def relaxation(self, ctx: SensitiveContext | None = None) -> Criterion | None:
        """A monotone criterion implied by this one (itself if monotone), for sound pruning.

        `ctx` is the sensitive attribute the criterion is applied to, for relaxations that
        depend on its overall distribution.
        """
        return self if self.monotone else None

    @property
    def label(self) -> str:
        return repr(self)


def _check_hist(hist: np.ndarray | None, name: str) -> np.ndarray:
    if hist is None:
        raise InputError(f"{name} needs a sensitive attribute; pass sensitive=[column]")
    return hist


@dataclass(frozen=True)
class KAnonymity(Criterion):
    """Every class holds at least k rows."""

    k: int
    monotone = True

    def __post_init__(self) -> None:
        if int(self.k) != self.k or self.k < 2:
            raise InputError(f"k must be an integer >= 2, got {self.k!r}")

    def failing(self, sizes, hist=None, ctx=None):
        return sizes < self.k

    def achieved(self, sizes, hist=None, ctx=None):
        return float(sizes.min()) if sizes.size else float("nan")


@dataclass(frozen=True)
class DistinctLDiversity(Criterion):
    """Every class holds at least l distinct sensitive values."""

    l: int  # noqa: E741 - the model's own name
    needs_sensitive = True
    monotone = True

    def __post_init__(self) -> None:
        if int(self.l) != self.l or self.l < 2:
            raise InputError(f"l must be an integer >= 2, got {self.l!r}")

    def failing(self, sizes, hist=None, ctx=None):
        return (_check_hist(hist, "l-diversity") > 0).sum(axis=1) < self.l

    def achieved(self, sizes, hist=None, ctx=None):
        h = _check_hist(hist, "l-diversity")
        return float((h > 0).sum(axis=1).min()) if h.shape[0] else float("nan")


def _entropy(hist: np.ndarray) -> np.ndarray:
    totals = hist.sum(axis=1, keepdims=True)
    p = hist / np.where(totals > 0, totals, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=1)


@dataclass(frozen=True)
class EntropyLDiversity(Criterion):
    """The entropy of each class's sensitive values is at least log(l)."""

    l: float  # noqa: E741
    needs_sensitive = True

    def __post_init__(self) -> None:
        if not self.l >= 1:
            raise InputError(f"entropy l must be >= 1, got {self.l!r}")

    def failing(self, sizes, hist=None, ctx=None):
        # a small tolerance so a class with exactly l equally frequent values passes
        return _entropy(_check_hist(hist, "entropy l-diversity")) < np.log(self.l) - 1e-12

    def achieved(self, sizes, hist=None, ctx=None):
        h = _check_hist(hist, "entropy l-diversity")
        return float(np.exp(_entropy(h).min())) if h.shape[0] else float("nan")

    def relaxation(self, ctx: SensitiveContext | None = None) -> Criterion | None:
        # entropy >= log l needs at least ceil(l) distinct values
        lo = int(np.ceil(self.l - 1e-12))
        return DistinctLDiversity(lo) if lo >= 2 else None


@dataclass(frozen=True)
class RecursiveCLDiversity(Criterion):
    """Recursive (c,l)-diversity: r1 < c * (r_l + ... + r_m) in every class.

    r1 >= r2 >= ... >= r_m are the counts of the class's sensitive values, sorted descending
    (Machanavajjhala et al., l-Diversity, Definition 4.1).
    """

    c: float
    l: int  # noqa: E741
    needs_sensitive = True

    def __post_init__(self) -> None:
        if not self.c > 0:
            raise InputError(f"c must be > 0, got {self.c!r}")
        if int(self.l) != self.l or self.l < 2:
            raise InputError(f"l must be an integer >= 2, got {self.l!r}")

    def _sorted(self, hist: np.ndarray) -> np.ndarray:
        return -np.sort(-hist, axis=1)

    def failing(self, sizes, hist=None, ctx=None):
        r = self._sorted(_check_hist(hist, "recursive (c,l)-diversity"))
        tail = r[:, self.l - 1 :].sum(axis=1) if r.shape[1] >= self.l else np.zeros(r.shape[0])
        return ~(r[:, 0] < self.c * tail)

    def achieved(self, sizes, hist=None, ctx=None):
        """The largest l' such that every class is recursive (c, l')-diverse (0 if none)."""
        r = self._sorted(_check_hist(hist, "recursive (c,l)-diversity"))
        if not r.shape[0]:
            return float("nan")
        tails = np.cumsum(r[:, ::-1], axis=1)[:, ::-1]  # tails[:, j] = r_{j+1} + ... + r_m
        ok = r[:, :1] < self.c * tails  # ok[:, j]: holds for l' = j + 1
        ok[:, 0] = True  # l' = 1 holds trivially for a non-empty class
        best = np.where(ok.all(axis=0))[0]
        return float(best.max() + 1) if best.size else 0.0

    def relaxation(self, ctx: SensitiveContext | None = None) -> Criterion | None:
        # r1 < c * (r_l + ...) needs r_l > 0: at least l distinct values
        return DistinctLDiversity(self.l)


@dataclass(frozen=True)
class TCloseness(Criterion):
    """Each class's sensitive distribution is within Earth Mover's Distance t of the table's.

    EMD with the equal ground distance for categorical values (half the L1 distance), and with
    the ordered distance |i - j| / (m - 1) for numeric values (Li et al., t-Closeness, sec. 4.2).
    """

    t: float
    needs_sensitive = True

    def __post_init__(self) -> None:
        if not 0 < self.t <= 1:
            raise InputError(f"t must be in (0, 1], got {self.t!r}")

    @staticmethod
    def distances(hist: np.ndarray, ctx: SensitiveContext) -> np.ndarray:
        totals = hist.sum(axis=1, keepdims=True)
        p = hist / np.where(totals > 0, totals, 1)
        diff = p - ctx.overall[None, :]
        m = hist.shape[1]
        if ctx.ordered and m > 1:
            return np.abs(np.cumsum(diff, axis=1)[:, :-1]).sum(axis=1) / (m - 1)
        return 0.5 * np.abs(diff).sum(axis=1)

    def failing(self, sizes, hist=None, ctx=None):
        h = _check_hist(hist, "t-closeness")
        if ctx is None:
            raise InputError(
                "t-closeness needs the overall distribution of the sensitive attribute"
            )
        return self.distances(h, ctx) > self.t + 1e-12

    def relaxation(self, ctx: SensitiveContext | None = None) -> Criterion | None:
        # A class of s rows can only approach the overall distribution in steps of 1/s: below
        # some size even the closest histogram is farther than t, so t-closeness implies
        # k-anonymity with that size (sound for pruning). Equal ground distance only.
        if ctx is None or ctx.ordered:
            return None
        s_min = min_class_size(ctx.overall, self.t)
        return KAnonymity(s_min) if s_min >= 2 else None

    def achieved(self, sizes, hist=None, ctx=None):
        h = _check_hist(hist, "t-closeness")
        if not h.shape[0] or ctx is None:
            return float("nan")
        return float(self.distances(h, ctx).max())


def min_class_size(overall: np.ndarray, t: float, cap: int = 100_000) -> int:
    """Smallest class size whose closest histogram is within equal-distance EMD t of `overall`.

    For s rows, EMD = 1 - sum_i min(c_i / s, o_i) is smallest with c_i = floor(s o_i) plus one
    more row for the values with the largest fractional parts s o_i - floor(s o_i) (each such
    row adds its fractional part / s; any other row adds nothing). Returns `cap` if no size
    below it works, which keeps the bound sound.
    """
    o = np.asarray(overall, dtype=np.float64)
    o = o[o > 0]
    step = 4096
    for start in range(1, cap + 1, step):
        s = np.arange(start, min(start + step, cap + 1), dtype=np.float64)[:, None]
        x = s * o[None, :]
        fl = np.floor(x)
        frac = -np.sort(-(x - fl), axis=1)
        rest = (s[:, 0] - fl.sum(axis=1)).round().astype(np.int64)
        top = np.concatenate([np.zeros((s.shape[0], 1)), np.cumsum(frac, axis=1)], axis=1)
        gain = (fl.sum(axis=1) + top[np.arange(s.shape[0]), np.clip(rest, 0, o.size)]) / s[:, 0]
        ok = np.flatnonzero(1.0 - gain <= t + 1e-12)
        if ok.size:
            return int(s[ok[0], 0])
    return cap


def as_l_criterion(l_diversity: int | float | Criterion | None) -> Criterion | None:
    """`l_diversity=2` means distinct 2-diversity; a criterion object is used as given."""
    if l_diversity is None or isinstance(l_diversity, Criterion):
        return l_diversity
    if isinstance(l_diversity, bool) or not isinstance(l_diversity, int | float | np.integer):
        raise InputError(f"l_diversity must be an integer or a criterion, got {l_diversity!r}")
    return (
        DistinctLDiversity(int(l_diversity))
        if l_diversity == int(l_diversity)
        else (EntropyLDiversity(float(l_diversity)))
    )


def as_t_criterion(t_closeness: float | Criterion | None) -> Criterion | None:
    if t_closeness is None or isinstance(t_closeness, Criterion):
        return t_closeness
    if isinstance(t_closeness, bool) or not isinstance(t_closeness, int | float | np.floating):
        raise InputError(f"t_closeness must be a number or a criterion, got {t_closeness!r}")
    return TCloseness(float(t_closeness))


__all__ = [
    "Criterion",
    "DistinctLDiversity",
    "EntropyLDiversity",
    "KAnonymity",
    "RecursiveCLDiversity",
    "SensitiveContext",
    "TCloseness",
    "min_class_size",
]
