"""`scan(table)`: one `ColumnFinding` per column, from sampled values, header and statistics.

Cost does not grow with the table beyond one pass per column: large tables are row-sampled
(`max_rows`), each column contributes at most `sample` values (distinct values first, via the
counting engine), cheap vectorized matchers run on those, and presidio only confirms the
candidates they let through (one call per column on the joined values) or reads a few hundred
free-text values.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.detect import content
from privsynth.detect.classify import ColumnSignals, classify_column
from privsynth.detect.context import apply_table_context
from privsynth.detect.draft import draft_policy
from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.presidio_engine import get_analyzer
from privsynth.detect.statistics import ColumnStats, column_stats, column_type
from privsynth.engine import MemoryEngine
from privsynth.engine.source import TableSource, open_source
from privsynth.engine.typed import parsed_text_data, typed_sample
from privsynth.errors import InputError
from privsynth.io import load_table
from privsynth.settings import check_seed

MAX_ROWS = 200_000  # rows looked at per column for statistics and sampling
PRESIDIO_CONFIRM = {  # content matcher -> presidio entity that must agree
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "US_SSN",
}
CONFIRM_CAP = 40  # candidates per entity sent to presidio (or libphonenumber)
TEXT_CAP = 100  # free-text values sent to presidio
TEXT_SCORE = 0.4  # presidio score a free-text hit needs
_URL_TEXT = re.compile(r"(?i)(?:[a-z][a-z0-9+.\-]*://|www\.)")


@dataclass
class ScanResult:
    """Findings for every column of a table, in column order."""

    findings: list[ColumnFinding]
    n_rows: int
    seconds: float
    source: str | None = None
    sample: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, name: str) -> ColumnFinding:
        for f in self.findings:
            if f.name == name:
                return f
        raise KeyError(name)

    def columns(self, *classes: ColumnClass | str) -> list[str]:
        """Names of the columns whose class is one of `classes` (all columns if none given)."""
        wanted = {str(c) for c in classes}
        return [f.name for f in self.findings if not wanted or str(f.cls) in wanted]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "sample": self.sample,
            "seconds": round(self.seconds, 3),
            "columns": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def draft_policy(self) -> str:
        """A draft policy (YAML) for this table, one commented entry per column (`detect.draft`)."""
        return draft_policy(self.findings)


def scan(
    data: pd.DataFrame | str | os.PathLike[str] | TableSource,
    sample: int = 1000,
    *,
    max_rows: int = MAX_ROWS,
    use_presidio: bool = True,
    seed: int = 0,
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    show_values: bool = False,
) -> ScanResult:
    """Classify every column of `data` (DataFrame, CSV or Parquet path, or a `TableSource`).

    Evidence never quotes a cell; numeric ranges and years, which are values of the data (the
    oldest person's age), appear only coarsened (the public range checked, decades) unless
    `show_values` is True. `seed` must be in 0..2**32-1.

    `sample` caps the values looked at per column (distinct values first); `max_rows` caps the
    rows used for statistics on very large tables. A file source on DuckDB or Spark (or a
    path with `engine=`) is never loaded: types come from a `max_rows` row sample, values from
    the engine's `sample_values`, and counts (rows, distinct, missing) from the engine over
    the whole column. Raises `InputError` on unreadable input.
    """
    if sample < 1:
        raise InputError(f"sample must be at least 1, got {sample}")
    check_seed(seed)
    start = time.perf_counter()
    if engine is not None and not isinstance(data, pd.DataFrame | TableSource):
        data = open_source(data, engine, spark_master=spark_master, memory_limit=memory_limit)
    if isinstance(data, TableSource):
        if not data.in_memory:
            return _scan_source(data, sample, max_rows, use_presidio, seed, start, show_values)
        name = str(data.path) if data.path is not None else None
        result = scan(data.frame, sample, max_rows=max_rows, use_presidio=use_presidio, seed=seed,
                      show_values=show_values)
        result.source = name
        return result
    source = None
    schema = None
    if isinstance(data, pd.DataFrame):
        df = data
        if df.shape[1] == 0:
            raise InputError("the table has no columns")
        names = pd.Index([str(c) for c in df.columns])
        if names.duplicated().any():
            raise InputError(f"duplicate column name {names[names.duplicated()][0]!r}")
    else:
        source = str(data)
        df, schema = load_table(Path(data))
    n_rows = len(df)
    rows = df if n_rows <= max_rows else df.sample(max_rows, random_state=seed)
    rows = rows.rename(columns=str)
    engine_ = MemoryEngine()
    signals = []
    # never more values than rows: the engine pads with repeats up to n
    per_column = max(1, min(sample, len(rows)))
    for col in rows.columns:
        try:
            raw = engine_.sample_values(rows, col, per_column, seed=seed)
        except TypeError:  # unhashable cells (lists, dicts): look at their text
            raw = engine_.sample_values(rows[[col]].astype(str), col, per_column, seed=seed)
        values = _as_text(raw)
        stats = column_stats(rows[col], values)
        ctype = str(schema[col].type) if schema is not None and col in schema.columns else None
        signals.append(_signals(col, rows[col], values, stats, ctype, use_presidio, show_values))
    note = f"statistics on a {len(rows):,}-row sample of {n_rows:,}" if n_rows > len(rows) else None
    return _result(signals, n_rows, start, source, sample, note, rows)


def _signals(
    col: str,
    rows: pd.Series,
    values: pd.Series,
    stats: ColumnStats,
    ctype: str | None,
    use_presidio: bool,
    show_values: bool = False,
) -> ColumnSignals:
    """One column's evidence: content shares of its values, presidio's confirmation, its type."""
    candidates: dict[str, list[str]] = {}
    shares = content.content_shares(values, candidates=candidates) if len(values) else {}
    if ctype is None:
        ctype = column_type(rows, stats, shares.get("DATE", 0.0))
    sig = ColumnSignals(name=col, type=ctype, stats=stats, values=values, shares=shares,
                        show_values=show_values)
    if use_presidio and len(values):
        _confirm_with_presidio(sig, candidates)
        if sig.is_free_text:
            sig.text_shares = _text_entities(values.head(TEXT_CAP))
    return sig


def _result(
    signals: list[ColumnSignals],
    n_rows: int,
    start: float,
    source: str | None,
    sample: int,
    note: str | None,
    rows: pd.DataFrame | None = None,
) -> ScanResult:
    findings = [classify_column(s) for s in signals]
    apply_table_context(findings, signals, rows)
    for f in findings:
        if note:
            f.evidence.append(note)
    return ScanResult(findings=findings, n_rows=n_rows, seconds=time.perf_counter() - start,
                      source=source, sample=sample)


def _scan_source(
    source: TableSource,
    sample: int,
    max_rows: int,
    use_presidio: bool,
    seed: int,
    start: float,
    show_values: bool = False,
) -> ScanResult:
    """The scan of a file an engine holds: nothing but samples and counts reach Python."""
    rows, schema = typed_sample(source, max_rows, seed=seed)
    if rows.shape[1] == 0:
        raise InputError(f"{source.path}: the table has no columns")
    with parsed_text_data(source) as data:
        columns = [str(c) for c in rows.columns]
        counts = source.engine.column_stats(data, columns)
        n_rows = counts[columns[0]].rows if columns else 0
        if n_rows == 0:
            raise InputError(f"{source.path}: the file has columns but no rows")
        per_column = max(1, min(sample, n_rows))
        signals = []
        for col in columns:
            raw = source.engine.sample_values(data, col, per_column, seed=seed)
            values = _as_text(raw)
            stats = column_stats(rows[col], values)
            # Whole-column counts from the engine replace the sample's (uniqueness needs them).
            c = counts[col]
            stats.n_rows, stats.n_missing, stats.n_distinct = c.rows, c.missing, c.distinct
            stats.uniqueness = c.distinct / c.present if c.present else 0.0
            signals.append(_signals(col, rows[col], values, stats, str(schema[col].type),
                                    use_presidio, show_values))
    note = None
    if n_rows > len(rows):  # counts cover every row; types and numeric ranges come from a sample
        note = f"types and numeric ranges from a {len(rows):,}-row sample of {n_rows:,}"
    return _result(signals, n_rows, start, str(source.path) if source.path else None, sample, note,
                   rows)


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
        out = out.astype(object)
    elif pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype=float)
        # np.mod and the int64 cast meet NaN and inf too (np.where converts every element
        # before choosing): their "invalid value" warnings are for values thrown away, and
        # would reach stderr with a source line
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(arr) & (np.mod(arr, 1) == 0)
            as_int = np.round(arr).astype("int64").astype(str)
        out = pd.Series(np.where(whole, as_int, arr.astype(str)))
    else:
        out = values
    texts = [t for t in (str(v).strip() for v in out.tolist()) if t]
    return pd.Series(texts, dtype=object)


def _joined(values: pd.Series) -> tuple[str, np.ndarray, np.ndarray]:
    """One text of all values separated by newlines, with each value's start and end offset."""
    vals = [v.replace("\n", " ") for v in values]
    lengths = np.fromiter((len(v) for v in vals), dtype=np.int64, count=len(vals))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(vals) else lengths
    return "\n".join(vals), starts, starts + lengths


def _confirm_with_presidio(sig: ColumnSignals, candidates: dict[str, list[str]]) -> None:
    """Let presidio (checksums, TLD validation, phone metadata) confirm the regex candidates."""
    if sig.shares.get("PHONE_NUMBER", 0) >= 0.2:
        # libphonenumber directly: presidio's phone recognizer scans every region's patterns
        # over the whole text, by far its slowest part.
        cand = candidates.get("PHONE_NUMBER", [])[:CONFIRM_CAP]
        rate = float(np.mean([content.phone_possible(v) for v in cand])) if cand else 0.0
        sig.presidio["PHONE_NUMBER"] = rate
        sig.shares["PHONE_NUMBER"] *= rate
    wanted = {k: v for k, v in PRESIDIO_CONFIRM.items() if sig.shares.get(k, 0) >= 0.2}
    if not wanted:
        return
    analyzer = get_analyzer()
    for key, entity in wanted.items():
        cand = pd.Series(candidates.get(key, [])[:CONFIRM_CAP], dtype=object)
        if cand.empty:
            continue
        text, starts, ends = _joined(cand)
        # The recognizers directly: the engine's context enhancement (a deep copy of every
        # result) buys nothing without an NLP model.
        results = [r for rec in analyzer.registry.get_recognizers("en", entities=[entity])
                   for r in rec.analyze(text, [entity], None) or []]
        covered = np.zeros(len(cand), dtype=bool)
        for r in results:
            i = int(np.searchsorted(starts, r.start, side="right") - 1)
            if 0 <= i < len(cand) and (r.end - r.start) >= 0.7 * (ends[i] - starts[i]):
                covered[i] = True
        rate = float(covered.mean())
        sig.presidio[key] = rate
        sig.shares[key] *= rate


def _text_entities(values: pd.Series) -> dict[str, float]:
    """Share of free-text values in which presidio finds each entity."""
    text, starts, _ = _joined(values)
    analyzer = get_analyzer()
    results = []
    # The recognizers directly (see `_confirm_with_presidio`); phones via libphonenumber below.
    for rec in analyzer.registry.get_recognizers("en", all_fields=True):
        wanted = [e for e in rec.supported_entities if e != "PHONE_NUMBER"]
        if wanted:
            results += [r for r in rec.analyze(text, wanted, None) or []
                        if r.score >= TEXT_SCORE]
    hits: dict[str, set[int]] = {}
    phones = {i for i, v in enumerate(values) if content.phones_in_text(v)}
    if phones:
        hits["PHONE_NUMBER"] = phones
    for r in results:
        if r.entity_type == "URL" and not _URL_TEXT.match(text[r.start:r.end]):
            continue  # "NameSystem.addStoredBlock" or "dfs.DataNode" is no web address
        i = int(np.searchsorted(starts, r.start, side="right") - 1)
        hits.setdefault(r.entity_type, set()).add(i)
    n = max(len(values), 1)
    return {e: len(ix) / n for e, ix in hits.items()}
