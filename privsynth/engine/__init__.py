"""Where counting runs: in memory (default), later DuckDB and Spark behind the same interface."""

from privsynth.engine.base import CountingEngine, EquivalenceClasses, GroupCounts
from privsynth.engine.memory import MemoryEngine

_DEFAULT = MemoryEngine()


def get_engine(name: str = "memory") -> CountingEngine:
    """Return the engine called `name`; only `memory` exists until the scale work lands."""
    if name in ("memory", "auto"):
        return _DEFAULT
    from privsynth.errors import InputError

    raise InputError(f"unknown engine {name!r}; choose one of: memory")


def count_marginals(data, cliques, domain, engine: CountingEngine | None = None):
    """Exact counts of each clique over the public `domain` (zero cells included)."""
    return (engine or _DEFAULT).marginals(data, cliques, domain)


def equivalence_classes(data, columns, engine: CountingEngine | None = None) -> EquivalenceClasses:
    """Group rows by their values on `columns`."""
    return (engine or _DEFAULT).equivalence_classes(data, columns)


def group_counts(
    codes, cardinalities, weights=None, engine: CountingEngine | None = None
) -> GroupCounts:
    """Group (optionally weighted) rows by integer codes: labels per row, count and key per group.

    The fast path of equivalence-class counting: columns are encoded once to integer codes
    and every later grouping (e.g. each node of a generalization lattice) runs here.
    """
    return (engine or _DEFAULT).group_counts(codes, cardinalities, weights)


__all__ = [
    "CountingEngine",
    "EquivalenceClasses",
    "MemoryEngine",
    "count_marginals",
    "equivalence_classes",
    "GroupCounts",
    "group_counts",
    "get_engine",
]
