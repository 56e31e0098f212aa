"""Factor: a numpy array whose axes are named by a Domain, with axis-aligned arithmetic."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from privsynth.errors import InputError
from privsynth.synth.domain import Domain

_TINY = 1e-300


def logsumexp_axes(values: np.ndarray, axes: tuple[int, ...], keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(values))) over `axes`, shifted by the table's maximum (one exp pass).

    A single scalar shift is enough for our tables: cells more than ~690 below the maximum
    underflow to the floor `log(1e-300)` instead of -inf, which keeps messages finite.
    """
    if not axes:
        return values.copy()
    m = float(np.max(values)) if values.size else 0.0
    if not np.isfinite(m):
        m = 0.0
    s = np.exp(values - m).sum(axis=axes, keepdims=keepdims)
    return np.log(np.maximum(s, _TINY)) + m


class Factor:
    """A table over `domain` (axes in `domain.attrs` order).

    Binary operators align axes by name and broadcast: `f + g` lives on the union of the two
    domains. Used for potentials, marginals and evidence.
    """

    __slots__ = ("domain", "values")

    def __init__(self, domain: Domain, values: np.ndarray | float) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != domain.shape:
            if values.size == domain.size():
                values = values.reshape(domain.shape)
            elif values.ndim == 0:
                values = np.broadcast_to(values, domain.shape).copy()
            else:
                raise InputError(
                    f"factor values have shape {values.shape}, domain needs {domain.shape}"
                )
        self.domain = domain
        self.values = values

    # constructors -------------------------------------------------------------------------
    @classmethod
    def zeros(cls, domain: Domain) -> Factor:
        return cls(domain, np.zeros(domain.shape))

    @classmethod
    def ones(cls, domain: Domain) -> Factor:
        return cls(domain, np.ones(domain.shape))

    @classmethod
    def uniform(cls, domain: Domain) -> Factor:
        return cls(domain, np.full(domain.shape, 1.0 / domain.size()))

    # shape manipulation -------------------------------------------------------------------
    @property
    def attrs(self) -> tuple[str, ...]:
        return self.domain.attrs

    def transpose(self, attrs: Iterable[str]) -> Factor:
        """Same factor with axes reordered to `attrs` (a permutation of this domain)."""
        attrs = tuple(attrs)
        if set(attrs) != set(self.domain.attrs) or len(attrs) != len(self.domain):
            raise InputError(f"transpose needs a permutation of {list(self.domain.attrs)}")
        perm = self.domain.axes(attrs)
        return Factor(self.domain.project(attrs), np.transpose(self.values, perm))

    def _broadcast_to(self, domain: Domain) -> np.ndarray:
        """View of the values broadcastable against a table on `domain` (a superset)."""
        missing = [a for a in self.domain.attrs if a not in domain]
        if missing:
            raise InputError(f"cannot expand: attribute {missing[0]!r} is not in the target")
        present = [a for a in domain.attrs if a in self.domain]
        vals = np.transpose(self.values, self.domain.axes(present))
        shape = [domain[a] if a in self.domain else 1 for a in domain.attrs]
        return vals.reshape(shape)

    def expand(self, domain: Domain) -> Factor:
        """Broadcast to a larger domain (copies along the new axes)."""
        return Factor(domain, np.broadcast_to(self._broadcast_to(domain), domain.shape).copy())

    def project(self, attrs: Iterable[str]) -> Factor:
        """Marginal table on `attrs` (sum over the other axes), axes in the order given."""
        attrs = (attrs,) if isinstance(attrs, str) else tuple(attrs)
        self.domain._check(attrs)
        drop = tuple(i for i, a in enumerate(self.domain.attrs) if a not in attrs)
        vals = self.values.sum(axis=drop) if drop else self.values
        kept = [a for a in self.domain.attrs if a in attrs]
        return Factor(self.domain.project(kept), vals).transpose(attrs)

    def sum(self, attrs: Iterable[str] | None = None) -> Factor | float:
        """Sum out `attrs` (all of them by default, returning a float)."""
        if attrs is None:
            return float(self.values.sum())
        attrs = (attrs,) if isinstance(attrs, str) else tuple(attrs)
        return self.project([a for a in self.domain.attrs if a not in attrs])

    def logsumexp(self, attrs: Iterable[str] | None = None) -> Factor | float:
        """log-sum-exp out `attrs` (all of them by default, returning a float)."""
        if attrs is None:
            return float(logsumexp_axes(self.values, tuple(range(self.values.ndim))))
        attrs = (attrs,) if isinstance(attrs, str) else tuple(attrs)
        axes = self.domain.axes(attrs)
        kept = self.domain.marginalize(attrs)
        return Factor(kept, logsumexp_axes(self.values, axes))

    def max(self, attrs: Iterable[str] | None = None) -> Factor | float:
        if attrs is None:
            return float(self.values.max())
        attrs = (attrs,) if isinstance(attrs, str) else tuple(attrs)
        return Factor(self.domain.marginalize(attrs), self.values.max(axis=self.domain.axes(attrs)))

    # elementwise --------------------------------------------------------------------------
    def exp(self) -> Factor:
        return Factor(self.domain, np.exp(self.values))

    def log(self) -> Factor:
        with np.errstate(divide="ignore"):
            return Factor(self.domain, np.log(self.values))

    def normalize(self, total: float = 1.0, log: bool = False) -> Factor:
        """Scale to sum to `total`; with `log=True` treat values as log-probabilities."""
        if log:
            return Factor(self.domain, self.values - self.logsumexp() + np.log(total))
        return Factor(self.domain, self.values * (total / self.values.sum()))

    def datavector(self, flatten: bool = True) -> np.ndarray:
        return self.values.ravel() if flatten else self.values

    def copy(self) -> Factor:
        return Factor(self.domain, self.values.copy())

    def _binary(self, other: Factor | float, op) -> Factor:
        if isinstance(other, Factor):
            joint = self.domain.merge(other.domain)
            out = op(self._broadcast_to(joint), other._broadcast_to(joint))
            if out.shape != joint.shape:
                out = np.broadcast_to(out, joint.shape).copy()
            return Factor(joint, out)
        return Factor(self.domain, op(self.values, float(other)))

    def __add__(self, other):
        return self._binary(other, np.add)

    def __radd__(self, other):
        return self._binary(other, np.add)

    def __sub__(self, other):
        return self._binary(other, np.subtract)

    def __rsub__(self, other):
        return Factor(self.domain, float(other) - self.values)

    def __mul__(self, other):
        return self._binary(other, np.multiply)

    def __rmul__(self, other):
        return self._binary(other, np.multiply)

    def __truediv__(self, other):
        return self._binary(other, np.divide)

    def __rtruediv__(self, other):
        return Factor(self.domain, float(other) / self.values)

    def __neg__(self):
        return Factor(self.domain, -self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Factor):
            return NotImplemented
        if set(self.domain.attrs) != set(other.domain.attrs):
            return False
        return bool(np.array_equal(self.values, other.transpose(self.domain.attrs).values))

    __hash__ = None  # type: ignore[assignment]

    def allclose(self, other: Factor, **kw) -> bool:
        if set(self.domain.attrs) != set(other.domain.attrs):
            return False
        return bool(np.allclose(self.values, other.transpose(self.domain.attrs).values, **kw))

    def __repr__(self) -> str:
        return f"Factor({self.domain!r})"
