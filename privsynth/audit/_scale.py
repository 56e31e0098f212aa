"""The audit of tables too large for memory: counts in the engine, row-level attacks on samples.

What needs the whole table is counted where the table lives: the release's equivalence classes
(re-identification risk) in the engine; the utility marginals (1-, 2-, 3-way TVD, chi-squared,
Cramér's V, the 1-way plots) by streaming both tables chunk by chunk through the coding the
sample fixed. What compares individual rows (singling out, linkability, inference, membership
inference, KS, Pearson, pMSE, ML efficacy) runs on uniform row samples of at most
`AUDIT_SAMPLE_ROWS` rows per table; the report says which metric used what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.audit._binning import code_column
from privsynth.audit._risk_calls import risk_drivers
from privsynth.audit.risk import reidentification_risk
from privsynth.audit.utility import _clean, marginal_sets
from privsynth.engine import count_marginals
from privsynth.engine.source import TableSource, chunk_rows, open_source
from privsynth.engine.typed import text_data, typed_chunks, typed_sample
from privsynth.errors import InputError
from privsynth.io import file_sha256, frame_sha256, infer_schema
from privsynth.io.schema import Schema
from privsynth.settings import env_int

# Rows per table the row-level metrics look at (uniform sample beyond it);
# PRIVSYNTH_AUDIT_SAMPLE_ROWS overrides it, read when an audit runs (see privsynth.settings).
DEFAULT_AUDIT_SAMPLE_ROWS = 50_000
# Rows per streamed chunk at most: the coding holds every column as text, so chunks stay small
# (1M x 18 columns: 100k-row chunks peak under 1 GB, 500k-row chunks near 2.5 GB).
MAX_AUDIT_CHUNK_ROWS = 100_000


def audit_sample_rows() -> int:
    """The per-table row sample of the row-level metrics (PRIVSYNTH_AUDIT_SAMPLE_ROWS, checked)."""
    return env_int("PRIVSYNTH_AUDIT_SAMPLE_ROWS", DEFAULT_AUDIT_SAMPLE_ROWS, minimum=1)


def audit_chunk_rows() -> int:
    return min(chunk_rows(), MAX_AUDIT_CHUNK_ROWS)


def __getattr__(name: str) -> Any:
    # The former module constants, read from the environment when asked.
    if name == "AUDIT_SAMPLE_ROWS":
        return audit_sample_rows()
    if name == "AUDIT_CHUNK_ROWS":
        return audit_chunk_rows()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

ON_FULL_TABLES = [
    "re-identification risk (equivalence classes of the release)",
    "utility marginals: 1-, 2- and 3-way TVD, chi-squared tests, Cramér's V, 1-way plots",
    "column inventory (distinct values, missing share)",
]
ON_SAMPLES = [
    "singling-out, linkability and inference attacks",
    "membership inference",
    "Kolmogorov-Smirnov tests and Pearson correlations",
    "propensity score (pMSE)",
    "machine-learning efficacy",
    "utility coding (bins and kept levels come from the original's sample)",
]


@dataclass
class Table:
    """One input of the audit: where it lives, its row count, and the rows the driver holds."""

    source: TableSource
    rows: pd.DataFrame
    schema: Schema
    n: int

    @property
    def sampled(self) -> bool:
        return self.n > len(self.rows)


@dataclass
class ScaledInputs:
    original: Table
    release: Table
    holdout: Table | None
    engine: str
    cap: int
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        out = {"original": self.original, "release": self.release}
        if self.holdout is not None:
            out["holdout"] = self.holdout
        return out

    def sampling(self) -> dict[str, Any]:
        """The report's `sampling` section: which metric saw which rows."""
        return {
            "engine": self.engine,
            "sample_cap": self.cap,
            "tables": {
                name: {"rows": t.n, "rows_sampled": len(t.rows), "sampled": t.sampled}
                for name, t in self.tables().items()
            },
            "on_full_tables": list(ON_FULL_TABLES),
            "on_samples": list(ON_SAMPLES),
        }


def _open(data: Any, what: str, engine: str, spark_master, memory_limit) -> TableSource:
    if data is None:
        raise InputError(f"the {what} table is missing")
    if isinstance(data, pd.DataFrame):
        data = data.reset_index(drop=True)
    return open_source(data, engine, spark_master=spark_master, memory_limit=memory_limit)


def _table(source: TableSource, cap: int, seed: int) -> Table:
    rows, schema = typed_sample(source, cap, seed=seed)
    n = len(rows) if len(rows) < cap else source.n_rows()
    return Table(source, rows.reset_index(drop=True), schema, int(n))


def open_inputs(
    original: Any,
    release: Any,
    holdout: Any,
    *,
    engine: str,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    cap: int | None = None,
    seed: int = 0,
) -> ScaledInputs:
    """Open the audit's tables on `engine` and pull each one's row sample (all rows if fewer)."""
    cap = int(cap or audit_sample_rows())
    if cap < 1:
        raise InputError(f"the audit's sample size must be at least 1, got {cap}")
    tables = {}
    for what, data in (("original", original), ("release", release), ("holdout", holdout)):
        if what == "holdout" and data is None:
            tables[what] = None
            continue
        tables[what] = _table(_open(data, what, engine, spark_master, memory_limit), cap, seed)
    inputs = ScaledInputs(tables["original"], tables["release"], tables["holdout"], engine, cap)
    sampled = [f"{name} {len(t.rows):,} of {t.n:,}" for name, t in inputs.tables().items() if t.sampled]
    if sampled:
        inputs.notes.append(
            "large tables: the row-level metrics (attacks, membership inference, KS, Pearson, "
            f"pMSE, ML efficacy) ran on uniform row samples ({'; '.join(sampled)} rows); "
            "re-identification risk and the utility marginals were counted over every row"
        )
    return inputs


def file_digest(table: Table) -> str:
    """sha256 of the input file (streamed), or of the DataFrame's rows."""
    src = table.source
    if src.path is not None:
        return file_sha256(Path(src.path))
    return frame_sha256(src.frame)


# ----------------------------------------------------------------------- engine counts
def reidentification(
    inputs: ScaledInputs,
    qis: Sequence[str],
    threshold: float,
    sensitive: Sequence[str],
    population: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """Re-identification risk with the release's equivalence classes counted in the engine;
    `population` holds `sampling_fraction` / `population_size` (journalist risk); the driving
    quasi-identifiers are counted in the engine too, as the memory path does."""
    src = inputs.release.source
    res = reidentification_risk(
        src.data,
        list(qis),
        threshold=threshold,
        sensitive=list(sensitive) or None,
        engine=src.engine,
        **dict(population or {}),
    )
    out = _clean(res.to_dict())
    out["drivers"] = risk_drivers(src.data, list(qis), threshold, engine=src.engine)
    return out


def inventory(inputs: ScaledInputs, release_columns: Sequence[str], scan: list | None) -> list[dict]:
    """The report's column inventory with whole-column counts from the engine."""
    orig = inputs.original
    # types as the memory path reports them: inferred again on the typed rows
    types = infer_schema(orig.rows)
    cols = [str(c) for c in orig.rows.columns]
    counts = orig.source.engine.column_stats(text_data(orig.source), cols)
    by_col = {f["column"]: f for f in (scan or [])}
    out = []
    for col in cols:
        c, f = counts[col], by_col.get(col, {})
        out.append(
            {
                "column": col,
                "type": str(types[col].type),
                "distinct": c.distinct,
                "missing_share": c.missing / c.rows if c.rows else 0.0,
                "in_release": col in release_columns,
                "class": f.get("class"),
                "entity": f.get("entity"),
            }
        )
    return out


class FullCounts:
    """Marginals of the whole original and release on the coding a sample fixed.

    Pass 1 streams both tables and finds which codes occur (so cells stay as few as in memory);
    pass 2 counts every wanted column set, chunk by chunk. Sets asked for later that were not
    precomputed are counted with one more pass.
    """

    def __init__(self, inputs: ScaledInputs, enc: Any, sets: Sequence[tuple[str, ...]]):
        self.inputs, self.enc = inputs, enc
        self.columns = list(enc.columns)
        self._cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._remap: dict[str, np.ndarray] = {}
        self._used()
        self._count(list(dict.fromkeys(tuple(s) for s in sets)))

    def _chunks(self, which: str):
        t = self.inputs.original if which == "o" else self.inputs.release
        if not t.sampled:
            yield t.rows  # the driver holds every row already
            return
        yield from typed_chunks(t.source, t.schema, audit_chunk_rows())

    def _codes(self, chunk: pd.DataFrame, which: str, remap: bool) -> dict[str, np.ndarray]:
        out = {}
        for col in self.columns:
            codes = code_column(self.enc.codings[col], chunk[col].reset_index(drop=True), which)
            out[col] = self._remap[col][codes] if remap else codes
        return out

    def _used(self) -> None:
        used = {c: np.zeros(len(self.enc.codings[c].labels), dtype=bool) for c in self.columns}
        for which in ("o", "r"):
            for chunk in self._chunks(which):
                for col, codes in self._codes(chunk, which, remap=False).items():
                    used[col][np.unique(codes)] = True
        self.enc.full_domain, self.enc.full_labels = {}, {}
        for col in self.columns:
            self._remap[col] = np.cumsum(used[col]) - 1
            labels = self.enc.codings[col].labels
            self.enc.full_labels[col] = [lab for lab, u in zip(labels, used[col], strict=True) if u]
            self.enc.full_domain[col] = int(used[col].sum())

    def _count(self, sets: list[tuple[str, ...]]) -> None:
        domain = self.enc.full_domain
        for which in ("o", "r"):
            totals = [np.zeros(tuple(domain[c] for c in s)) for s in sets]
            for chunk in self._chunks(which):
                codes = pd.DataFrame(self._codes(chunk, which, remap=True))
                for acc, counts in zip(totals, count_marginals(codes, sets, domain), strict=True):
                    acc += counts
            for s, acc in zip(sets, totals, strict=True):
                self._cache[(which, s)] = acc

    def __call__(self, which: str, sets: Sequence[tuple[str, ...]]) -> list[np.ndarray]:
        wanted = [tuple(s) for s in sets]
        missing = [s for s in dict.fromkeys(wanted) if (which, s) not in self._cache]
        if missing:
            self._count(missing)
        return [self._cache[(which, s)] for s in wanted]


def attach_full_counts(inputs: ScaledInputs, max_triples: int, seed: int):
    """A hook for `utility(..., attach=...)`: counts the whole tables on the sample's coding."""

    def attach(enc: Any) -> None:
        cols = list(enc.columns)
        sets = [(c,) for c in cols]
        sets += marginal_sets(cols, 2, 10**9, seed)
        sets += marginal_sets(cols, 3, max_triples, seed)
        enc.full_counts = FullCounts(inputs, enc, sets)

    return attach
