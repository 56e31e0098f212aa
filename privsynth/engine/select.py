"""Which engine a run uses, and the one line that tells the user why.

`choose_engine` is what the commands and `audit()` ask; its `auto` rule is the engine
package's own (`get_engine` and `open_source` apply the same function), so every path makes
the same choice.

The commands (`scan`, `release`, `audit`) take `--engine auto|memory|duckdb|spark`. `auto`
reads DataFrames and files up to AUTO_DUCKDB_BYTES into memory and leaves larger files to
DuckDB; with several inputs (the audit's tables) the largest decides. The choice is reported
on stderr ("engine: duckdb (input 1.2 GB > 256 MB)") so a slow or memory-hungry run can be
explained.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privsynth import engine as eng
from privsynth.errors import InputError

_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class EngineChoice:
    """The engine a command will use (`name`), what the user asked for and why."""

    name: str
    requested: str
    reason: str

    def line(self) -> str:
        return f"engine: {self.name} ({self.reason})"


def human_bytes(n: float) -> str:
    """1.2 GB, 340 MB, 12 KB (powers of 1024, as the threshold is set)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" or n >= 100 else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} TB"  # pragma: no cover


def input_bytes(path: str | os.PathLike[str]) -> int:
    """Size on disk of a file, or of every file under a folder (a partitioned Parquet table)."""
    p = Path(path)
    if p.is_dir():
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return p.stat().st_size if p.exists() else 0


def check_options(engine: str | None, memory_limit: str | None = None) -> None:
    """Refuse an unknown engine or a malformed memory limit before any work starts."""
    if engine is not None and engine not in eng.ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of: {', '.join(eng.ENGINES)}")
    if memory_limit is not None and not _SIZE.match(memory_limit):
        raise InputError(
            f"--memory-limit {memory_limit!r} is not a size; write e.g. 512MB or 2GB"
        )


def choose_engine(
    data: Any,
    engine: str | None = None,
    *,
    spark_master: str | None = None,
    memory_limit: str | None = None,
) -> EngineChoice:
    """The engine for `data` (a DataFrame, a path, or a list of them: the largest file
    decides), with a one-line reason.

    `engine=None` is the default `auto`; it differs from an explicit `auto` only in whether
    the commands announce a memory choice (see `announce`).
    """
    check_options(engine, memory_limit)
    requested = engine or "auto"
    if isinstance(data, list | tuple):
        files = [x for x in data if isinstance(x, str | os.PathLike)]
        data = max(files, key=input_bytes) if files else None
    if requested == "auto":
        if not isinstance(data, str | os.PathLike):
            return EngineChoice("memory", requested, "a DataFrame in memory")
        size = input_bytes(data)
        limit = eng.AUTO_DUCKDB_BYTES
        if eng._is_large_file(data):  # the rule `get_engine` and `open_source` apply too
            return EngineChoice(
                "duckdb",
                requested,
                f"input {human_bytes(size)} > {human_bytes(limit)}; "
                f"memory limit {memory_limit or '2GB'}",
            )
        return EngineChoice("memory", requested, f"input {human_bytes(size)} <= {human_bytes(limit)}")
    if requested == "duckdb":
        return EngineChoice("duckdb", requested, f"--engine duckdb, memory limit {memory_limit or '2GB'}")
    if requested == "spark":
        return EngineChoice("spark", requested, f"--engine spark, master {spark_master or 'local[2]'}")
    return EngineChoice("memory", requested, "--engine memory")


def announce(choice: EngineChoice, engine: str | None, say: Callable[[str], None] | None) -> None:
    """Say the choice on stderr unless it is the silent default (auto, unasked, kept in memory).

    A default run on a small file stays as quiet as before; every run that leaves memory, and
    every run where the user named an engine, says which engine and why.
    """
    if engine is None and choice.name == "memory":
        return
    (say or _stderr)(choice.line())


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
