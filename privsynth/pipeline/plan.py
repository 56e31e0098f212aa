"""Plan: a policy resolved against one table (the only place that scans for a release).

Every release path asks here which action each column gets. A policy whose rules match on
detected class or entity needs the PII scan; the scan runs only when resolution actually
reaches such a rule (scanning is the slow part), on the table the resolution sees: the whole
DataFrame in memory, a row sample (or the engine's counts) for a file.

`resolve_mapping` resolves a policy given as a plain mapping (the synthesizer's lower-level
API accepts `{"columns": ..., "rules": ..., "release": ...}` dicts) with the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from privsynth.detect import ColumnFinding, scan
from privsynth.engine.source import TableSource
from privsynth.errors import InputError
from privsynth.pipeline.readers import TableReader
from privsynth.policy import Policy, needs_findings, resolve
from privsynth.policy.resolve import NeedsScanError, ResolvedPolicy, words_match


def scan_findings(table: pd.DataFrame | TableSource) -> list[ColumnFinding]:
    """The PII scan's per-column findings for `table` (a DataFrame or an engine's source)."""
    return list(scan(table).findings)


def resolve_table(
    policy: Policy, table: pd.DataFrame, findings: Sequence[ColumnFinding] | None = None
) -> tuple[ResolvedPolicy, Sequence[ColumnFinding] | None]:
    """`policy` resolved on `table`'s columns, and the findings used (the ones given, or a
    scan's when one was needed).

    The table is scanned only when a column reaches a rule on detected class/entity (or the
    privacy section leaves the quasi-identifiers to the scan) and no findings were given.
    """
    try:
        return resolve(policy, table, findings), findings
    except NeedsScanError:
        found = scan_findings(table)
        return resolve(policy, table, found), found


def resolve_for(
    reader: TableReader, policy: Policy, findings: Sequence[ColumnFinding] | None = None
) -> tuple[ResolvedPolicy, Sequence[ColumnFinding] | None]:
    """`resolve_table` on the reader's row sample (the whole frame in memory): a streamed
    release resolves the policy without reading the file whole."""
    return resolve_table(policy, reader.sample(), findings)


def source_findings(source: TableSource, policy: Policy) -> list[ColumnFinding] | None:
    """Findings for a table an engine holds, when the policy needs them: a scan of the source
    (row samples and engine counts, never the whole file in memory)."""
    return scan_findings(source) if needs_findings(policy) else None


# ------------------------------------------------------------------ policies as plain mappings
@dataclass(frozen=True)
class MappedColumn:
    """One column's entry under a mapping policy: its action, domain spec, and what decided."""

    action: str
    domain: Any
    how: str  # "policy entry" | "rule" | "unmatched"


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Field `name` of a mapping or a plain object (enums read as their value)."""
    if obj is None:
        return default
    val = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    if val is None:
        return default
    if hasattr(val, "value") and not isinstance(val, int | float | str):  # enums
        return val.value
    return val


def resolve_mapping(
    policy: Any,
    df: pd.DataFrame,
    findings: Sequence[ColumnFinding] | None = None,
    *,
    skip: Collection[str] = (),
) -> dict[str, MappedColumn | None]:
    """Each column's entry under a mapping policy (None: unmatched, dropped by `unmatched:
    drop`), columns in `skip` left out. Raises `InputError` for a named column the table
    lacks or an uncovered column under `unmatched: error`. Class/entity rules use `findings`,
    or scan `df` once."""
    columns = _get(policy, "columns", {}) or {}
    rules = list(_get(policy, "rules", []) or [])
    unmatched = str(_get(policy, "unmatched", "error")).lower()
    for col in columns:
        if col not in df.columns:
            raise InputError(f"the policy names column {col!r}, which is not in the data")
    classes: dict[str, tuple[str | None, str | None]] | None = None
    if findings is not None:
        classes = _classes(findings)
    out: dict[str, MappedColumn | None] = {}
    for col in df.columns:
        if col in skip:
            continue
        entry, how = columns.get(col), "policy entry"
        if entry is None:
            for rule in rules:
                match = _get(rule, "match", {})
                pattern = _get(match, "name")
                words = _get(match, "words")
                cls = _get(match, "class") or _get(match, "cls")
                entity = _get(match, "entity")
                hit = False
                word_list = [words] if isinstance(words, str) else list(words or [])
                by_name = pattern is not None and re.search(str(pattern), str(col)) is not None
                if by_name or (words is not None and words_match(word_list, str(col))):
                    hit = True
                elif cls is not None or entity is not None:
                    if classes is None:
                        classes = _classes(scan_findings(df))
                    c_cls, c_ent = classes.get(col, (None, None))
                    hit = (cls is None or str(cls).lower() == (c_cls or "")) and (
                        entity is None or str(entity) == (c_ent or "")
                    )
                if hit:
                    entry, how = rule, "rule"
                    break
        if entry is None:
            if unmatched == "drop":
                out[col] = None
                continue
            if unmatched != "keep":
                raise InputError(
                    f"column {col!r} has no policy entry; add one under columns: (with a domain "
                    "for synthesis) or set unmatched: drop"
                )
            out[col] = MappedColumn("keep", None, "unmatched")
            continue
        out[col] = MappedColumn(str(_get(entry, "action", "keep")).lower(), _get(entry, "domain"), how)
    return out


def _classes(findings: Sequence[ColumnFinding]) -> dict[str, tuple[str | None, str | None]]:
    """Column -> (class, entity) from scan findings, for class/entity rules."""
    return {f.name: (str(f.cls).lower(), f.entity) for f in findings}
