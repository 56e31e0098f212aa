"""Junction tree over a set of cliques: triangulation, maximal cliques, message schedule.

The tree is built once per clique set and holds everything message passing needs as plain
integer tuples (axes to sum, shapes to broadcast), so a belief-propagation pass is a short
loop of numpy calls with no name lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx
import numpy as np

from privsynth.synth.domain import Domain

Clique = tuple[str, ...]


def maximal_cliques(domain: Domain, cliques: Iterable[Iterable[str]]) -> list[Clique]:
    """Canonical (domain-ordered) cliques with the ones contained in another removed.

    Attributes of the domain that no clique covers are added as singletons, so every model
    is a distribution over the whole domain.
    """
    canon = {domain.canonical(c) for c in cliques}
    canon.discard(())
    out: list[Clique] = []
    for c in sorted(canon, key=lambda c: (-len(c), c)):
        if not any(set(c) <= set(o) for o in out):
            out.append(c)
    covered = {a for c in out for a in c}
    out += [(a,) for a in domain.attrs if a not in covered]
    return out


_TABLE_MAX = 16  # attributes up to which subset products are tabulated (2**16 floats)


def _product(sizes: Sequence[int], mask: int) -> float:
    out = 1.0
    while mask:
        lb = mask & -mask
        mask ^= lb
        out *= sizes[lb.bit_length() - 1]
    return out


@lru_cache(maxsize=8)
def _subset_products(domain: Domain) -> list[float]:
    """Number of cells of every subset of attributes, indexed by bitmask."""
    idx = np.arange(1 << len(domain), dtype=np.int64)
    prod = np.ones(1 << len(domain))
    for i, size in enumerate(domain.shape):
        prod[(idx >> i) & 1 == 1] *= size
    return prod.tolist()


def _elimination_order(domain: Domain, cliques: Iterable[Clique]) -> tuple[list[str], list[Clique]]:
    """Greedy elimination on the clique graph: each step removes the variable whose
    elimination clique is smallest (in cells), ties broken by fill-in edges, then domain order.
    Returns the order and the maximal elimination cliques (the triangulated graph's maximal
    cliques). Adjacency is kept as bitmasks, so this is cheap enough for AIM's many size checks.
    """
    attrs = domain.attrs
    n = len(attrs)
    index = {a: i for i, a in enumerate(attrs)}
    sizes = domain.shape
    adj = [0] * n
    for c in cliques:
        mask = 0
        for a in c:
            mask |= 1 << index[a]
        for a in c:
            adj[index[a]] |= mask
    for i in range(n):
        adj[i] &= ~(1 << i)
    alive = (1 << n) - 1
    order: list[str] = []
    elim: list[int] = []
    prod = _subset_products(domain) if n <= _TABLE_MAX else None
    while alive:
        # cells of each candidate's elimination clique, then fill-in only among the ties
        cand: list[tuple[float, int]] = []
        rest = alive
        while rest:
            low = rest & -rest
            v = low.bit_length() - 1
            rest ^= low
            nbrs = adj[v] & alive
            cells = sizes[v] * (prod[nbrs] if prod is not None else _product(sizes, nbrs))
            cand.append((cells, v))
        least = min(c for c, _ in cand)
        ties = [v for c, v in cand if c <= least * (1 + 1e-12)]
        best = ties[0]
        if len(ties) > 1:
            best_key = None
            for v in ties:
                nbrs = adj[v] & alive
                fill = 0
                m = nbrs
                while m:
                    lb = m & -m
                    m ^= lb
                    fill += (nbrs & ~adj[lb.bit_length() - 1] & ~lb).bit_count()
                if best_key is None or (fill, v) < best_key:
                    best, best_key = v, (fill, v)
        nbrs = adj[best] & alive
        m = nbrs
        while m:
            lb = m & -m
            u = lb.bit_length() - 1
            m ^= lb
            adj[u] |= nbrs & ~lb
        alive &= ~(1 << best)
        order.append(attrs[best])
        elim.append(nbrs | (1 << best))
    maximal: list[int] = []
    for c in sorted(set(elim), key=lambda c: -c.bit_count()):
        if not any(c & o == c for o in maximal):
            maximal.append(c)
    out = [tuple(attrs[i] for i in range(n) if c >> i & 1) for c in maximal]
    return order, out


@dataclass
class JunctionTree:
    """A junction tree with a fixed root and a post-order message schedule.

    `cliques[i]` are domain-ordered maximal cliques; `parent[i]` is -1 at the root; `order`
    lists nodes children-before-parents (reverse it for the downward pass). For the edge from
    node i to its parent, `sep[i]` is the separator, `sum_axes[i]` the axes of clique i not in
    the separator, `sep_shape[i]` its shape, and `up_shape[i]` the separator broadcast into the
    parent's axes. `down_axes[i]` are the parent's axes to sum for the message to i and
    `down_shape[i]` the separator broadcast into clique i.
    """

    domain: Domain
    cliques: list[Clique]
    parent: list[int]
    order: list[int]
    sep: list[Clique]
    sum_axes: list[tuple[int, ...]]
    sep_shape: list[tuple[int, ...]]
    up_shape: list[tuple[int, ...]]
    down_axes: list[tuple[int, ...]]
    down_shape: list[tuple[int, ...]]
    elimination_order: list[str]
    children: list[list[int]] = field(default_factory=list)

    @property
    def root(self) -> int:
        return self.order[-1]

    def shape(self, i: int) -> tuple[int, ...]:
        return self.domain.project(self.cliques[i]).shape

    def size(self) -> int:
        """Total number of cells over all clique tables."""
        return sum(self.domain.size(c) for c in self.cliques)

    def find(self, attrs: Iterable[str]) -> int | None:
        """Index of the smallest clique containing `attrs`, or None."""
        want = set(attrs)
        best, best_size = None, None
        for i, c in enumerate(self.cliques):
            if want <= set(c):
                s = self.domain.size(c)
                if best_size is None or s < best_size:
                    best, best_size = i, s
        return best

    def preorder(self) -> list[int]:
        return self.order[::-1]


def _broadcast_shape(domain: Domain, clique: Clique, sub: Clique) -> tuple[int, ...]:
    return tuple(domain[a] if a in sub else 1 for a in clique)


def build_junction_tree(domain: Domain, cliques: Iterable[Iterable[str]]) -> JunctionTree:
    """Junction tree whose maximal cliques cover every clique in `cliques` (and every attribute)."""
    cliques = maximal_cliques(domain, cliques)
    return _build_cached(domain, tuple(sorted(cliques)))


@lru_cache(maxsize=64)
def _build_cached(domain: Domain, cliques: tuple[Clique, ...]) -> JunctionTree:
    elim, maximal = _elimination_order(domain, cliques)
    maximal.sort(key=domain.axes)

    # maximum-weight spanning tree on separator sizes gives the running intersection property;
    # zero-weight edges join disconnected components (empty separator = independence)
    cg = nx.Graph()
    cg.add_nodes_from(range(len(maximal)))
    sets = [set(c) for c in maximal]
    for i in range(len(maximal)):
        for j in range(i + 1, len(maximal)):
            cg.add_edge(i, j, weight=len(sets[i] & sets[j]))
    tree = nx.maximum_spanning_tree(cg, weight="weight", algorithm="kruskal")

    # root at the largest clique: it is sampled first and processed last upward
    root = max(range(len(maximal)), key=lambda i: (domain.size(maximal[i]), -i))
    parent = [-1] * len(maximal)
    children: list[list[int]] = [[] for _ in maximal]
    pre = [root]
    seen = {root}
    stack = [root]
    while stack:
        u = stack.pop()
        for v in sorted(tree.neighbors(u)):
            if v not in seen:
                seen.add(v)
                parent[v] = u
                children[u].append(v)
                pre.append(v)
                stack.append(v)
    order = pre[::-1]

    sep, sum_axes, sep_shape, up_shape, down_axes, down_shape = [], [], [], [], [], []
    for i, c in enumerate(maximal):
        p = parent[i]
        if p < 0:
            s: Clique = ()
            sep.append(s)
            sum_axes.append(tuple(range(len(c))))
            sep_shape.append(())
            up_shape.append(())
            down_axes.append(())
            down_shape.append(tuple(1 for _ in c))
            continue
        s = tuple(a for a in c if a in sets[p])
        sep.append(s)
        sum_axes.append(tuple(k for k, a in enumerate(c) if a not in s))
        sep_shape.append(domain.project(s).shape)
        up_shape.append(_broadcast_shape(domain, maximal[p], s))
        down_axes.append(tuple(k for k, a in enumerate(maximal[p]) if a not in s))
        down_shape.append(_broadcast_shape(domain, c, s))
    return JunctionTree(
        domain=domain,
        cliques=maximal,
        parent=parent,
        order=order,
        sep=sep,
        sum_axes=sum_axes,
        sep_shape=sep_shape,
        up_shape=up_shape,
        down_axes=down_axes,
        down_shape=down_shape,
        elimination_order=elim,
        children=children,
    )


def junction_tree_size(domain: Domain, cliques: Sequence[Iterable[str]]) -> float:
    """Memory in MB (float64 cells, 2**20 bytes) of the junction tree's clique tables.

    This is AIM's model-size measure: a candidate clique is admissible only if the junction
    tree of the current cliques plus the candidate stays under the cap.
    """
    if not isinstance(domain, Domain):
        domain = Domain.from_dict(domain)
    return _size_cached(domain, tuple(sorted(maximal_cliques(domain, cliques)))) * 8 / 2**20


@lru_cache(maxsize=4096)
def _size_cached(domain: Domain, cliques: tuple[Clique, ...]) -> int:
    _, maximal = _elimination_order(domain, cliques)
    return sum(domain.size(c) for c in maximal)
