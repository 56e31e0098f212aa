"""The policy route: a raw table + a `mode: synthesize` policy -> a DP synthetic release.

`synthesize(df, policy, seed=...)` picks the columns per the policy, bounds each person's
contribution, encodes over a public domain (charging key discovery / DP quantiles), measures
and fits MST or AIM, samples the policy's `rows` (or a DP row count) and decodes. Everything
DP is charged to one ledger built from the policy's (epsilon, delta); the manifest carries it.

`synthesize_source(source, policy, seed=...)` is the same route for any `TableSource`: every
count over private rows runs in the source's engine (memory, DuckDB, Spark), so a file larger
than memory is synthesized without loading it, and `write_synthetic_release` streams the rows.
`synthesize` is its in-memory case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from privsynth.detect import ColumnFinding
from privsynth.engine.source import TableSource, open_source
from privsynth.engine.view import private_view, typed_sample
from privsynth.errors import InputError
from privsynth.pipeline.manifest import synthesis_record
from privsynth.pipeline.plan import resolve_mapping, resolve_table
from privsynth.policy import Policy, ResolvedPolicy
from privsynth.synth import AIM, MST, Ledger
from privsynth.synth.coded import EngineCodes, GroupedCodes
from privsynth.synth.ledger import check_epsilon_delta
from privsynth.synth.measure import measure_count
from privsynth.synth.preprocess import BudgetPlan, PrivateCounts, build_encoder, needs_budget
from privsynth.synth.table import SAMPLE_CHUNK_ROWS, TableSynthesizer

# Actions whose columns are synthesized (a domain block says how); any other action
# (drop, pseudonymize, redact, mask, ...) removes the column: identifiers are never synthesized.
SYNTH_ACTIONS = {"keep", "synthesize", "generalize", "noise"}
# Budget shares for preprocessing (of the total rho); the synthesizer gets the rest.
SHARE_DISCOVERY = 0.05
SHARE_QUANTILES = 0.05
SHARE_ROWS = 0.01
DELTASHARE_DISCOVERY = 0.1
ID_COLUMN_NOTE = "unit-of-privacy id column (used to bound contributions)"


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Field `name` of a pydantic model, a plain object or a dict (policy duck typing)."""
    if obj is None:
        return default
    val = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    if val is None:
        return default
    if hasattr(val, "value") and not isinstance(val, int | float | str):  # enums
        return val.value
    return val


@dataclass
class ColumnPlan:
    """Which columns are synthesized (each with its public domain spec) and which are dropped."""

    synthesize: dict[str, Any] = field(default_factory=dict)  # column -> domain spec
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why


def plan_columns(
    df: pd.DataFrame,
    policy: Any,
    findings: Sequence[ColumnFinding] | None = None,
    resolved: ResolvedPolicy | None = None,
) -> ColumnPlan:
    """Which columns are synthesized (with their public domain spec) and which are dropped.

    A `Policy` is resolved by `pipeline.plan` (unless `resolved` already is); a plain mapping
    with the same field names is resolved there by `resolve_mapping`.
    """
    unit = _get(_get(policy, "release"), "unit_of_privacy")
    id_col = _get(unit, "id_column")
    plan = ColumnPlan()
    if isinstance(policy, Policy):
        if resolved is None:
            resolved, _ = resolve_table(policy, df, findings)
        for name, col in resolved.columns.items():
            if name == id_col:
                plan.dropped[name] = ID_COLUMN_NOTE
            elif col.kind.value in SYNTH_ACTIONS:
                plan.synthesize[name] = col.action.domain
            else:
                plan.dropped[name] = f"action {col.kind.value} ({col.source}): not synthesized"
    else:
        skip = {id_col} if id_col is not None else set()
        mapped = resolve_mapping(policy, df, findings, skip=skip)
        for name in df.columns:
            entry = mapped.get(name)
            if name == id_col:
                plan.dropped[name] = ID_COLUMN_NOTE
            elif entry is None:
                plan.dropped[name] = "no policy entry (unmatched: drop)"
            elif entry.action in SYNTH_ACTIONS:
                plan.synthesize[name] = entry.domain
            else:
                plan.dropped[name] = f"action {entry.action} ({entry.how}): not synthesized"
    if not plan.synthesize:
        raise InputError("the policy leaves no column to synthesize")
    return plan


def bound_contributions(df: pd.DataFrame, id_column: str | None, max_rows: int) -> pd.DataFrame:
    """Keep at most `max_rows` rows per person (first ones in table order).

    A 1-stable truncation: adding or removing one person changes at most `max_rows` rows of the
    result, which is what the sensitivities assume.
    """
    if id_column is None:
        return df
    if id_column not in df.columns:
        raise InputError(f"unit_of_privacy.id_column {id_column!r} is not in the data")
    keep = df.groupby(id_column, sort=False, dropna=False).cumcount() < max_rows
    return df.loc[keep.to_numpy()]


def _available_memory() -> float:
    """Bytes of physical memory free now (inf when the platform does not say)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return float("inf")


class SyntheticRelease:
    """The synthetic table, the ledger that paid for it, the manifest, and the fitted model.

    Built by `synthesize_source` with `rows` and `sample_seed`, the table is sampled lazily:
    `chunks()` streams it (what `write_synthetic_release` writes, never all rows at once) and
    `data` materializes the same rows in memory on first use.
    """

    def __init__(
        self,
        data: pd.DataFrame | None = None,
        ledger: Ledger | None = None,
        manifest: dict[str, Any] | None = None,
        synthesizer: TableSynthesizer | None = None,
        *,
        rows: int | None = None,
        sample_seed: int | None = None,
        chunk_rows: int | None = None,
    ):
        if data is None and (synthesizer is None or rows is None):
            raise InputError("a synthetic release needs its data or a model and a row count")
        self._data = data
        self.ledger = ledger
        self.manifest = manifest if manifest is not None else {}
        self.synthesizer = synthesizer
        self.rows = int(rows) if rows is not None else len(data)
        self.sample_seed = sample_seed
        self.chunk_rows = int(chunk_rows or SAMPLE_CHUNK_ROWS)

    @property
    def data(self) -> pd.DataFrame:
        """All synthetic rows in memory (the rows `chunks()` streams)."""
        if self._data is None:
            chunks = self.chunks()
            first = next(chunks)
            need = first.memory_usage(deep=True).sum() / max(len(first), 1) * self.rows
            if need > _available_memory():
                # what sampling them all at once would have met, said before trying
                raise MemoryError(
                    f"{self.rows:,} synthetic rows need about {need / 2**30:,.1f} GB; write "
                    "them in chunks with write_synthetic_release"
                )
            self._data = pd.concat([first, *chunks], ignore_index=True)
        return self._data

    @data.setter
    def data(self, value: pd.DataFrame) -> None:
        self._data = value
        self.rows = len(value)

    @property
    def materialized(self) -> bool:
        return self._data is not None

    def chunks(self, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The synthetic rows a chunk at a time (sampled on the fly unless already in memory)."""
        if self._data is not None:
            step = int(chunk_rows or self.chunk_rows)
            for start in range(0, max(len(self._data), 1), step):
                yield self._data.iloc[start : start + step]
            return
        assert self.synthesizer is not None
        yield from self.synthesizer.sample_chunks(
            self.rows, seed=self.sample_seed, chunk_rows=self.chunk_rows
        )

    def __repr__(self) -> str:
        return f"SyntheticRelease(rows={self.rows}, method={self.manifest.get('method')!r})"

    def sample(self, n: int | None = None, where: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """More synthetic rows from the same model (post-processing, no extra budget)."""
        if self.synthesizer is None:
            raise InputError("this release has no fitted model to sample from")
        return self.synthesizer.sample(n, where=where)


def synthesize(
    df: pd.DataFrame,
    policy: Any,
    *,
    seed: int | None = None,
    findings: Sequence[ColumnFinding] | None = None,
    resolved: ResolvedPolicy | None = None,
) -> SyntheticRelease:
    """A DP synthetic release of `df` under a `mode: synthesize` policy (see module doc).

    `findings` (from a PII scan) resolve class/entity rules without scanning again; a policy
    already `resolved` against the table is not resolved again. The in-memory case of
    `synthesize_source`.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("synthesize() expects a pandas DataFrame")
    return synthesize_source(
        open_source(df, "memory"), policy, seed=seed, findings=findings, resolved=resolved
    )


@dataclass
class _Settings:
    method: str
    epsilon: float
    delta: float
    rows: int | None
    seed: int | None
    id_col: str | None
    m: int


def _settings(policy: Any, seed: int | None) -> _Settings:
    rel = _get(policy, "release")
    if rel is None:
        raise InputError("the policy has no release: block (need mode: synthesize)")
    mode = str(_get(rel, "mode", "synthesize")).lower()
    if mode != "synthesize":
        raise InputError(f"release.mode is {mode!r}; synthesize() needs mode: synthesize")
    method = str(_get(rel, "method", "aim")).lower()
    if method not in ("aim", "mst"):
        raise InputError(f"release.method must be aim or mst (got {method!r})")
    epsilon, delta = _get(rel, "epsilon"), _get(rel, "delta", 1e-9)
    if epsilon is None:
        raise InputError("release.epsilon is required for mode: synthesize")
    check_epsilon_delta(epsilon, delta)
    rows = _get(rel, "rows")
    if rows is not None and (not isinstance(rows, int | np.integer) or rows < 1):
        raise InputError(f"release.rows must be a positive integer (got {rows!r})")
    if seed is None:
        seed = _get(rel, "seed")
    unit = _get(rel, "unit_of_privacy")
    m = int(_get(unit, "max_rows_per_person", 1))
    if m < 1:
        raise InputError("unit_of_privacy.max_rows_per_person must be >= 1")
    return _Settings(
        method, float(epsilon), float(delta), rows, seed, _get(unit, "id_column"), m
    )


def synthesize_source(
    source: TableSource,
    policy: Any,
    *,
    seed: int | None = None,
    findings: Sequence[ColumnFinding] | None = None,
    resolved: ResolvedPolicy | None = None,
) -> SyntheticRelease:
    """A DP synthetic release of a `TableSource` (`privsynth.engine.source.open_source`).

    Every count over private rows runs in `source.engine` over `source.data`: the DP row
    count, key discovery's value counts, DP-quantile histograms, and the marginals MST/AIM
    measure (the coded rows are grouped once in the engine into a compact weighted table; with
    too many groups each marginal is counted in the engine). Column types come from a row
    sample, never from loading a file. The synthetic rows are sampled lazily in fixed chunks
    seeded from `seed`, so a release is the same for every engine and streams to disk
    (`write_synthetic_release`).
    """
    if not isinstance(source, TableSource):
        raise InputError("synthesize_source() expects a TableSource (privsynth.engine.open_source)")
    cfg = _settings(policy, seed)
    if source.in_memory and len(source.frame) == 0:
        raise InputError("the table has no rows")
    m = cfg.m
    # Types: the memory table itself (bounded like the counts, as before); for a file, a sample.
    if cfg.id_col is not None and cfg.id_col not in source.columns:
        raise InputError(f"unit_of_privacy.id_column {cfg.id_col!r} is not in the data")
    if source.in_memory:
        typed, conversions = bound_contributions(source.frame, cfg.id_col, m), {}
    else:
        typed, conversions = typed_sample(source)
    plan = plan_columns(typed, policy, findings, resolved)
    cols = list(plan.synthesize)
    disc, quant = needs_budget(plan.synthesize)
    ledger = Ledger.from_epsilon_delta(
        cfg.epsilon, cfg.delta, delta_reserve=cfg.delta * DELTASHARE_DISCOVERY if disc else 0.0
    )
    total = ledger.rho_budget
    bplan = BudgetPlan(
        discover_rho=total * SHARE_DISCOVERY / max(len(disc), 1),
        discover_delta=ledger.delta_reserve / max(len(disc), 1),
        quantile_rho=total * SHARE_QUANTILES / max(len(quant), 1),
    )
    view = private_view(
        source, cols, conversions=conversions, id_column=cfg.id_col, max_rows=m
    )
    engine = source.engine
    encoder = build_encoder(
        typed[cols],
        plan.synthesize,
        ledger=ledger,
        plan=bplan,
        sensitivity=m,
        counts=PrivateCounts(engine, view),
    )
    encoders = {c: k.engine_encoder(typed[c].dtype) for c, k in encoder.codecs.items()}
    grouped = engine.grouped(view, cols, encoder.domain, encoders)
    if grouped is not None:
        coded: Any = GroupedCodes(grouped[0], grouped[1])
    else:
        coded = EngineCodes(engine, view, encoders, dict(encoder.domain))
    if coded.n_rows == 0:
        raise InputError("the table has no rows")
    if cfg.rows is None:
        n_noisy = measure_count(
            coded.n_rows, ledger=ledger, rho=total * SHARE_ROWS, sensitivity=m, what="row count"
        )
        n_rows, rows_source = max(1, int(round(n_noisy))), "DP row count (charged)"
    else:
        n_rows, rows_source = int(cfg.rows), "policy"

    klass = AIM if cfg.method == "aim" else MST
    model = klass(cfg.epsilon, cfg.delta, cfg.seed, max_rows_per_person=m).fit(
        coded, encoder.domain, ledger=ledger
    )
    manifest = synthesis_record(
        method=cfg.method,
        epsilon=cfg.epsilon,
        delta=cfg.delta,
        ledger=ledger,
        encoder=encoder,
        dropped=plan.dropped,
        rows=n_rows,
        rows_source=rows_source,
        id_column=cfg.id_col,
        max_rows_per_person=m,
        seed=cfg.seed,
        model=model,
    )
    # where the counting ran (the release itself does not depend on it)
    manifest["engine"] = source.engine_name
    table = TableSynthesizer(encoder, model, manifest, cfg.seed)
    sample_seed = cfg.seed if cfg.seed is not None else int(np.random.SeedSequence().entropy)
    return SyntheticRelease(
        None, ledger, manifest, table, rows=n_rows, sample_seed=sample_seed
    )

