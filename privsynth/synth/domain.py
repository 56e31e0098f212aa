"""Domain: the public, ordered list of attributes and their number of integer codes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from privsynth.errors import InputError


class Domain:
    """Ordered attributes with their sizes (codes 0..size-1); immutable and hashable.

    The attribute order is the canonical axis order used by the inference engine: every
    clique table it builds has its axes sorted by position in this domain.
    """

    __slots__ = ("_attrs", "_shape", "_index")

    def __init__(self, attrs: Sequence[str], shape: Sequence[int]) -> None:
        attrs = tuple(str(a) for a in attrs)
        shape = tuple(int(s) for s in shape)
        if len(attrs) != len(shape):
            raise InputError(f"domain has {len(attrs)} attributes but {len(shape)} sizes")
        if len(set(attrs)) != len(attrs):
            dup = next(a for a in attrs if attrs.count(a) > 1)
            raise InputError(f"domain lists attribute {dup!r} twice")
        bad = [a for a, s in zip(attrs, shape, strict=True) if s < 1]
        if bad:
            raise InputError(f"domain size of {bad[0]!r} must be a positive integer")
        self._attrs = attrs
        self._shape = shape
        self._index = {a: i for i, a in enumerate(attrs)}

    @classmethod
    def from_dict(cls, sizes: Mapping[str, int]) -> Domain:
        """Build from `{"age": 85, ...}` (the adult-pgm `domain.json` layout), keeping order."""
        return cls(list(sizes.keys()), list(sizes.values()))

    def to_dict(self) -> dict[str, int]:
        return dict(zip(self._attrs, self._shape, strict=True))

    @property
    def attrs(self) -> tuple[str, ...]:
        return self._attrs

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def _check(self, attrs: Iterable[str]) -> tuple[str, ...]:
        if isinstance(attrs, str):
            attrs = (attrs,)
        attrs = tuple(attrs)
        missing = [a for a in attrs if a not in self._index]
        if missing:
            raise InputError(f"attribute {missing[0]!r} is not in the domain {list(self._attrs)}")
        return attrs

    def project(self, attrs: Iterable[str]) -> Domain:
        """Sub-domain on `attrs`, in the order given."""
        attrs = self._check(attrs)
        return Domain(attrs, [self._shape[self._index[a]] for a in attrs])

    def marginalize(self, attrs: Iterable[str]) -> Domain:
        """Sub-domain without `attrs`."""
        drop = set(self._check(attrs))
        return self.project([a for a in self._attrs if a not in drop])

    def canonical(self, attrs: Iterable[str]) -> tuple[str, ...]:
        """`attrs` sorted by their position in this domain (duplicates removed)."""
        attrs = self._check(attrs)
        return tuple(sorted(set(attrs), key=self._index.__getitem__))

    def axes(self, attrs: Iterable[str]) -> tuple[int, ...]:
        """Positions of `attrs` in this domain."""
        return tuple(self._index[a] for a in self._check(attrs))

    def merge(self, other: Domain) -> Domain:
        """Union of two domains: this one's attributes, then the other's new ones."""
        extra = [a for a in other.attrs if a not in self._index]
        for a in other.attrs:
            if a in self._index and self[a] != other[a]:
                raise InputError(f"attribute {a!r} has size {self[a]} and {other[a]}")
        return Domain(self._attrs + tuple(extra), self._shape + tuple(other[a] for a in extra))

    def size(self, attrs: Iterable[str] | None = None) -> int:
        """Number of cells of the joint table on `attrs` (all attributes by default)."""
        attrs = self._attrs if attrs is None else self._check(attrs)
        out = 1
        for a in attrs:
            out *= self._shape[self._index[a]]
        return out

    def __getitem__(self, attr: str) -> int:
        if attr not in self._index:
            raise InputError(f"attribute {attr!r} is not in the domain {list(self._attrs)}")
        return self._shape[self._index[attr]]

    def __contains__(self, attr: object) -> bool:
        return attr in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Domain):
            return NotImplemented
        return self._attrs == other._attrs and self._shape == other._shape

    def __hash__(self) -> int:
        return hash((self._attrs, self._shape))

    def __repr__(self) -> str:
        inner = ", ".join(f"{a}: {s}" for a, s in zip(self._attrs, self._shape, strict=True))
        return f"Domain({inner})"
