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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.detect import content
from privsynth.detect.classify import ColumnSignals, apply_table_context, classify_column
from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.statistics import column_stats, column_type
from privsynth.engine import MemoryEngine
from privsynth.errors import InputError

MAX_ROWS = 200_000  # rows looked at per column for statistics and sampling
PRESIDIO_CONFIRM = {  # content matcher -> presidio entity that must agree
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "US_SSN",
}
CONFIRM_CAP = 60  # candidates per entity sent to presidio
TEXT_CAP = 150  # free-text values sent to presidio
TEXT_SCORE = 0.4  # presidio score a free-text hit needs


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

    def draft_policy(self):
        """A draft policy for this table (privsynth.policy.draft_policy over the findings)."""
        try:
            from privsynth.policy import draft_policy
        except ImportError as exc:  # the policy package is built by another part of the project
            raise InputError(f"drafting a policy needs privsynth.policy.draft_policy ({exc})") from None
        return draft_policy(self.findings)


def scan(
    data: pd.DataFrame | str | os.PathLike[str],
    sample: int = 1000,
    *,
    max_rows: int = MAX_ROWS,
    use_presidio: bool = True,
    seed: int = 0,
) -> ScanResult:
    """Classify every column of `data` (DataFrame, CSV or Parquet path).

    `sample` caps the values looked at per column (distinct values first); `max_rows` caps the
    rows used for statistics on very large tables. Raises `InputError` on unreadable input.
    """
    if sample < 1:
        raise InputError(f"sample must be at least 1, got {sample}")
    start = time.perf_counter()
    source = None
    schema = None
    if isinstance(data, pd.DataFrame):
        df = data
        if df.shape[1] == 0:
            raise InputError("the table has no columns")
    else:
        from privsynth.io import load_table

        source = str(data)
        df, schema = load_table(Path(data))
    n_rows = len(df)
    rows = df if n_rows <= max_rows else df.sample(max_rows, random_state=seed)
    rows = rows.rename(columns=str)
    engine = MemoryEngine()
    signals = []
    for col in rows.columns:
        values = _as_text(engine.sample_values(rows, col, sample, seed=seed))
        stats = column_stats(rows[col], values)
        shares = content.content_shares(values) if len(values) else {}
        if schema is not None and col in schema.columns:
            ctype = str(schema[col].type)
        else:
            ctype = column_type(rows[col], stats, shares.get("DATE", 0.0))
        sig = ColumnSignals(name=col, type=ctype, stats=stats, values=values, shares=shares)
        if use_presidio and len(values):
            _confirm_with_presidio(sig)
            if sig.is_free_text:
                sig.text_shares = _text_entities(values.head(TEXT_CAP))
        signals.append(sig)
    findings = [classify_column(s) for s in signals]
    apply_table_context(findings, signals)
    for f in findings:
        if n_rows > len(rows):
            f.evidence.append(f"statistics on a {len(rows):,}-row sample of {n_rows:,}")
    return ScanResult(findings=findings, n_rows=n_rows, seconds=time.perf_counter() - start,
                      source=source, sample=sample)


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
    elif pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype=float)
        whole = np.isfinite(arr) & (np.mod(arr, 1) == 0)
        out = pd.Series(np.where(whole, np.round(arr).astype("int64").astype(str), arr.astype(str)))
    else:
        out = values.astype(str)
    out = out.str.strip().reset_index(drop=True)
    return out[out != ""].reset_index(drop=True)


def _joined(values: pd.Series) -> tuple[str, np.ndarray, np.ndarray]:
    """One text of all values separated by newlines, with each value's start and end offset."""
    vals = [v.replace("\n", " ") for v in values]
    lengths = np.fromiter((len(v) for v in vals), dtype=np.int64, count=len(vals))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(vals) else lengths
    return "\n".join(vals), starts, starts + lengths


def _confirm_with_presidio(sig: ColumnSignals) -> None:
    """Let presidio (checksums, TLD validation, phone metadata) confirm the regex candidates."""
    wanted = {k: v for k, v in PRESIDIO_CONFIRM.items() if sig.shares.get(k, 0) >= 0.2}
    if not wanted:
        return
    from privsynth.detect.presidio_engine import get_analyzer

    analyzer = get_analyzer()
    for key, entity in wanted.items():
        mask = content.matches(key, sig.values)
        cand = sig.values[mask].head(CONFIRM_CAP)
        if cand.empty:
            continue
        text, starts, ends = _joined(cand)
        results = analyzer.analyze(text, language="en", entities=[entity], score_threshold=0.0)
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
    from privsynth.detect.presidio_engine import get_analyzer

    text, starts, _ = _joined(values)
    results = get_analyzer().analyze(text, language="en", score_threshold=TEXT_SCORE)
    hits: dict[str, set[int]] = {}
    for r in results:
        i = int(np.searchsorted(starts, r.start, side="right") - 1)
        hits.setdefault(r.entity_type, set()).add(i)
    n = max(len(values), 1)
    return {e: len(ix) / n for e, ix in hits.items()}
