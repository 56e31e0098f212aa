"""Where counting runs: in memory (default), DuckDB (files, out of core) or Spark (clusters).

Every engine answers the same three questions with identical exact counts: marginals over
public encodings, equivalence classes, and value samples. Privacy logic stays above them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from privsynth.engine.base import CountingEngine, EquivalenceClasses, GroupCounts
from privsynth.engine.duckdb_engine import DuckDBEngine
from privsynth.engine.encoding import Bins, Categories, Encoder, KeyCategories, category_key
from privsynth.engine.memory import MemoryEngine
from privsynth.engine.spark_engine import SparkEngine
from privsynth.errors import InputError
from privsynth.settings import env_int

ENGINES = ("auto", "memory", "duckdb", "spark")
# `auto` sends files larger than this to DuckDB; smaller ones are read into memory.
DEFAULT_AUTO_DUCKDB_BYTES = 256 * 1024**2

_DEFAULT = MemoryEngine()


def get_engine(name: str = "memory", data: Any = None, **options: Any) -> CountingEngine:
    """Return the engine called `name` (one of ENGINES).

    `auto` picks memory for DataFrames and small files, DuckDB for files larger than
    AUTO_DUCKDB_BYTES. `options` go to the engine: `memory_limit`, `threads`,
    `temp_directory` for DuckDB; `spark` (a SparkSession) or `master` for Spark.
    """
    if name == "auto":
        name = "duckdb" if _is_large_file(data) else "memory"
    if name == "memory":
        return _DEFAULT if not options else MemoryEngine()
    if name == "duckdb":
        return DuckDBEngine(**options)
    if name == "spark":
        return SparkEngine(**options)
    raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")


def auto_duckdb_bytes() -> int:
    """The `auto` threshold: PRIVSYNTH_AUTO_DUCKDB_BYTES (checked when used, not at import), or
    a value assigned to `privsynth.engine.AUTO_DUCKDB_BYTES`."""
    override = globals().get("AUTO_DUCKDB_BYTES")
    if override is not None:
        return int(override)
    return env_int("PRIVSYNTH_AUTO_DUCKDB_BYTES", DEFAULT_AUTO_DUCKDB_BYTES)


def __getattr__(name: str) -> Any:
    # AUTO_DUCKDB_BYTES reads the environment when asked, so a malformed variable is an
    # InputError from the command that uses it rather than an import-time crash.
    if name == "AUTO_DUCKDB_BYTES":
        return auto_duckdb_bytes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_large_file(data: Any) -> bool:
    if not isinstance(data, str | os.PathLike):
        return False
    path = Path(data)
    limit = auto_duckdb_bytes()
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) > limit
    return path.exists() and path.stat().st_size > limit


def count_marginals(data, cliques, domain, engine: CountingEngine | None = None, encoders=None):
    """Exact counts of each clique over the public `domain` (zero cells included)."""
    return (engine or _DEFAULT).marginals(data, cliques, domain, encoders)


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
    "ENGINES",
    "Bins",
    "Categories",
    "CountingEngine",
    "Encoder",
    "EquivalenceClasses",
    "KeyCategories",
    "category_key",
    "MemoryEngine",
    "count_marginals",
    "equivalence_classes",
    "GroupCounts",
    "group_counts",
    "get_engine",
]
