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

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.synth.base import NOISE_NOTE, MarginalSynthesizer
from privsynth.synth.ledger import Ledger, check_epsilon_delta
from privsynth.synth.measure import measure_count
from privsynth.synth.preprocess import (
    BudgetPlan,
    Encoder,
    PrivateCounts,
    build_encoder,
    needs_budget,
)

SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: every row was sampled from a differentially private model; no row "
    "describes a real person. Do not use it to look up or contact individuals."
)
# Actions whose columns are synthesized (a domain block says how); any other action
# (drop, pseudonymize, redact, mask, ...) removes the column: identifiers are never synthesized.
_SYNTH_ACTIONS = {"keep", "synthesize", "generalize", "noise"}
# Budget shares for preprocessing (of the total rho); the synthesizer gets the rest.
_SHARE_DISCOVERY = 0.05
_SHARE_QUANTILES = 0.05
_SHARE_ROWS = 0.01
_DELTA_SHARE_DISCOVERY = 0.1
# Synthetic rows are sampled and decoded this many at a time, each chunk with a generator seeded
# from (seed, chunk number): fixed, so the rows do not depend on the engine or the writer.
SAMPLE_CHUNK_ROWS = 100_000


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


def _action(entry: Any) -> str:
    act = _get(entry, "action", "keep")
    return str(act).lower()


@dataclass
class ColumnPlan:
    synthesize: dict[str, Any] = field(default_factory=dict)  # column -> domain spec
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why


def plan_columns(df: pd.DataFrame, policy: Any, findings: Any = None) -> ColumnPlan:
    """Which columns are synthesized (with their public domain spec) and which are dropped.

    A `privsynth.policy.Policy` is resolved by the policy package (entries, rules, unmatched);
    a plain dict / duck-typed object with the same field names is resolved here.
    """
    resolved = _resolve_with_policy_package(df, policy, findings)
    if resolved is not None:
        return resolved
    columns = _get(policy, "columns", {}) or {}
    rules = list(_get(policy, "rules", []) or [])
    unmatched = str(_get(policy, "unmatched", "error")).lower()
    unit = _get(_get(policy, "release"), "unit_of_privacy")
    id_col = _get(unit, "id_column")
    for col in columns:
        if col not in df.columns:
            raise InputError(f"the policy names column {col!r}, which is not in the data")
    plan = ColumnPlan()
    scan_classes: dict[str, tuple[str | None, str | None]] | None = None
    for col in df.columns:
        if col == id_col:
            plan.dropped[col] = "unit-of-privacy id column (used to bound contributions)"
            continue
        entry = columns.get(col)
        how = "policy entry"
        if entry is None:
            for rule in rules:
                match = _get(rule, "match", {})
                pattern = _get(match, "name")
                cls = _get(match, "class") or _get(match, "cls")
                entity = _get(match, "entity")
                hit = False
                if pattern is not None and re.search(str(pattern), str(col)):
                    hit = True
                elif cls is not None or entity is not None:
                    if scan_classes is None:
                        scan_classes = _scan_classes(df)
                    c_cls, c_ent = scan_classes.get(col, (None, None))
                    hit = (cls is None or str(cls).lower() == (c_cls or "")) and (
                        entity is None or str(entity) == (c_ent or "")
                    )
                if hit:
                    entry, how = rule, "rule"
                    break
        if entry is None:
            if unmatched == "drop":
                plan.dropped[col] = "no policy entry (unmatched: drop)"
                continue
            if unmatched != "keep":
                raise InputError(
                    f"column {col!r} has no policy entry; add one under columns: (with a domain "
                    "for synthesis) or set unmatched: drop"
                )
            plan.synthesize[col] = None
            continue
        act = _action(entry)
        if act in _SYNTH_ACTIONS:
            plan.synthesize[col] = _get(entry, "domain")
        else:
            plan.dropped[col] = f"action {act} ({how}): not synthesized"
    if not plan.synthesize:
        raise InputError("the policy leaves no column to synthesize")
    return plan


def _resolve_with_policy_package(df: pd.DataFrame, policy: Any, findings: Any) -> ColumnPlan | None:
    try:
        from privsynth.policy import Policy, resolve
        from privsynth.policy.resolve import NeedsScanError
    except ImportError:  # pragma: no cover  (policy package absent)
        return None
    if not isinstance(policy, Policy):
        return None
    try:
        resolved = resolve(policy, df, findings)
    except NeedsScanError:
        from privsynth.release import scan_findings

        resolved = resolve(policy, df, scan_findings(df))
    unit = policy.release.unit_of_privacy
    id_col = unit.id_column if unit is not None else None
    plan = ColumnPlan()
    for name, col in resolved.columns.items():
        if name == id_col:
            plan.dropped[name] = "unit-of-privacy id column (used to bound contributions)"
            continue
        act = str(col.kind.value)
        if act in _SYNTH_ACTIONS:
            plan.synthesize[name] = col.action.domain
        else:
            plan.dropped[name] = f"action {act} ({col.source}): not synthesized"
    if not plan.synthesize:
        raise InputError("the policy leaves no column to synthesize")
    return plan


def _scan_classes(df: pd.DataFrame) -> dict[str, tuple[str | None, str | None]]:
    """Column -> (class, entity) from the PII scan, for class/entity rules."""
    from privsynth.detect import scan

    result = scan(df)
    out = {}
    for f in getattr(result, "findings", None) or getattr(result, "columns", []) or []:
        cls = getattr(f, "cls", None)
        out[f.name] = (
            str(getattr(cls, "value", cls)).lower() if cls is not None else None,
            getattr(f, "entity", None),
        )
    return out


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


class TableSynthesizer:
    """A fitted synthesizer for raw tables: encoder + MST/AIM model. Sample, save, load."""

    def __init__(
        self,
        encoder: Encoder,
        synthesizer: MarginalSynthesizer,
        manifest: dict[str, Any],
        seed: int | None = None,
    ):
        self.encoder = encoder
        self.synthesizer = synthesizer
        self.manifest = manifest
        self._rng = np.random.default_rng(seed)

    @property
    def ledger(self) -> Ledger:
        return self.synthesizer.ledger_

    def sample(self, n: int | None = None, where: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Synthetic rows in the original column types; `where` uses raw values ({"income": ">50K"})."""
        codes = self.encoder.encode_where(where)
        raw = self.synthesizer.sample(n, where=codes)
        return self.encoder.decode(raw, self._rng)

    def other_possible(self) -> dict[str, bool]:
        """Per categorical column, whether "other" can be sampled (its model cell has mass).

        Decided once from the model so every streamed chunk decodes a column to one type.
        """
        syn = self.synthesizer
        comp = syn.compression_
        out = {}
        for c, k in self.encoder.codecs.items():
            if k.kind != "categorical":
                continue
            j = int(comp.maps[c][k.other_code])
            members = np.flatnonzero(comp.maps[c] == j)
            w = comp.weights.get(c)
            share = 1.0
            if len(members) > 1 and w is not None and w[members].sum() > 0:
                share = float(w[k.other_code])
            out[c] = bool(syn.model_.marginal((c,))[j] > 0 and share > 0)
        return out

    def sample_chunks(
        self, n: int, *, seed: int, chunk_rows: int | None = None
    ) -> Iterator[pd.DataFrame]:
        """`n` rows, `chunk_rows` at a time (never all at once), each chunk sampled and decoded
        with its own generator seeded from (`seed`, chunk number): the same rows whatever engine
        fitted the model, and whoever consumes the chunks."""
        chunk_rows = int(chunk_rows or SAMPLE_CHUNK_ROWS)
        other = self.other_possible()
        for k, start in enumerate(range(0, max(int(n), 1), chunk_rows)):
            size = min(chunk_rows, int(n) - start)
            rng = np.random.default_rng([int(seed), k])
            raw = self.synthesizer.sample(size, rng=rng)
            yield self.encoder.decode(raw, rng, other=other)

    def save(self, path: str | Path) -> Path:
        """Directory with the model, encoder and ledger: sample more later without the data."""
        from privsynth.io import atomic_dir

        path = Path(path)
        with atomic_dir(path) as tmp:
            tmp = Path(tmp)
            self.synthesizer.save(tmp / "synthesizer")
            (tmp / "encoder.json").write_text(
                json.dumps(self.encoder.to_dict(), indent=1, default=str)
            )
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=1, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path, seed: int | None = None) -> TableSynthesizer:
        path = Path(path)
        if not (path / "encoder.json").exists():
            raise InputError(f"{path} does not hold a saved table synthesizer (no encoder.json)")
        enc = Encoder.from_dict(json.loads((path / "encoder.json").read_text()))
        syn = MarginalSynthesizer.load(path / "synthesizer")
        manifest = json.loads((path / "manifest.json").read_text())
        return cls(enc, syn, manifest, seed)


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

    def parquet_metadata(self) -> dict[str, str]:
        return synthetic_metadata(self.manifest)


def synthesize(
    df: pd.DataFrame, policy: Any, *, seed: int | None = None, findings: Any = None
) -> SyntheticRelease:
    """A DP synthetic release of `df` under a `mode: synthesize` policy (see module doc).

    `findings` (from a PII scan) resolve class/entity rules without scanning again. The
    in-memory case of `synthesize_source`.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("synthesize() expects a pandas DataFrame")
    from privsynth.engine.source import open_source

    return synthesize_source(open_source(df, "memory"), policy, seed=seed, findings=findings)


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
    source: Any, policy: Any, *, seed: int | None = None, findings: Any = None
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
    from privsynth.engine.source import TableSource
    from privsynth.engine.view import private_view, typed_sample
    from privsynth.synth.aim import AIM
    from privsynth.synth.coded import EngineCodes, GroupedCodes
    from privsynth.synth.mst import MST

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
    plan = plan_columns(typed, policy, findings)
    cols = list(plan.synthesize)
    disc, quant = needs_budget(plan.synthesize)
    ledger = Ledger.from_epsilon_delta(
        cfg.epsilon, cfg.delta, delta_reserve=cfg.delta * _DELTA_SHARE_DISCOVERY if disc else 0.0
    )
    total = ledger.rho_budget
    bplan = BudgetPlan(
        discover_rho=total * _SHARE_DISCOVERY / max(len(disc), 1),
        discover_delta=ledger.delta_reserve / max(len(disc), 1),
        quantile_rho=total * _SHARE_QUANTILES / max(len(quant), 1),
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
            coded.n_rows, ledger=ledger, rho=total * _SHARE_ROWS, sensitivity=m, what="row count"
        )
        n_rows, rows_source = max(1, int(round(n_noisy))), "DP row count (charged)"
    else:
        n_rows, rows_source = int(cfg.rows), "policy"

    klass = AIM if cfg.method == "aim" else MST
    model = klass(cfg.epsilon, cfg.delta, cfg.seed, max_rows_per_person=m).fit(
        coded, encoder.domain, ledger=ledger
    )
    manifest = _manifest(
        cfg.method, cfg.epsilon, cfg.delta, ledger, encoder, plan, n_rows, rows_source,
        cfg.id_col, m, cfg.seed, model,
    )  # fmt: skip
    # where the counting ran (the release itself does not depend on it)
    manifest["engine"] = source.engine_name
    table = TableSynthesizer(encoder, model, manifest, cfg.seed)
    sample_seed = cfg.seed if cfg.seed is not None else int(np.random.SeedSequence().entropy)
    return SyntheticRelease(
        None, ledger, manifest, table, rows=n_rows, sample_seed=sample_seed
    )


def _manifest(
    method, epsilon, delta, ledger, encoder, plan, n_rows, rows_source, id_col, m, seed, model
) -> dict[str, Any]:
    return {
        "synthetic": True,
        "notice": SYNTHETIC_NOTICE,
        "generator": "privsynth",
        "method": method,
        "privacy": {
            "definition": "differential privacy (zCDP accounting, converted to (epsilon, delta))",
            "epsilon": epsilon,
            "delta": delta,
            "unit_of_privacy": {"id_column": id_col, "max_rows_per_person": m}
            if id_col
            else "one row",
        },
        "rows": n_rows,
        "rows_source": rows_source,
        "columns": {
            c: {
                "kind": k.kind,
                "codes": k.size,
                "domain_source": k.source,
                **(
                    {"categories": len(k.categories)}
                    if k.kind == "categorical"
                    else {"bins": len(k.edges) - 1}
                ),
            }
            for c, k in encoder.codecs.items()
        },
        "dropped_columns": plan.dropped,
        "selected_marginals": [list(c) for c in getattr(model, "cliques_", [])],
        "seed": seed,
        "randomness": NOISE_NOTE,
        "ledger": ledger.to_dict(),
    }


def synthetic_metadata(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Parquet key-value metadata saying the table is synthetic (and how it was made)."""
    return {
        "privsynth.synthetic": "true",
        "privsynth.notice": SYNTHETIC_NOTICE,
        "privsynth.manifest": json.dumps(manifest, default=str),
    }


def synthetic_readme(manifest: Mapping[str, Any]) -> str:
    """A short README for the folder of a synthetic release."""
    priv = manifest.get("privacy", {})
    led = manifest.get("ledger", {})
    lines = [
        "# Synthetic data (privsynth)",
        "",
        SYNTHETIC_NOTICE,
        "",
        f"- Method: {str(manifest.get('method', '?')).upper()} (marginal-based DP synthesis)",
        f"- Privacy: (epsilon={priv.get('epsilon')}, delta={priv.get('delta')})-differential privacy; "
        f"unit of privacy: {priv.get('unit_of_privacy')}",
        f"- Budget spent: rho={led.get('rho_spent', 0):.6g} of {led.get('rho_budget', 0):.6g} "
        f"(epsilon {led.get('epsilon_spent', 0):.4g}); {len(led.get('steps', []))} recorded DP steps, listed in manifest.json",
        f"- Rows: {manifest.get('rows')} ({manifest.get('rows_source')})",
        f"- Dropped columns: {', '.join(manifest.get('dropped_columns', {})) or 'none'}",
        f"- Randomness: {manifest.get('randomness', NOISE_NOTE)}",
        "",
        "Statistics that involve many columns at once are approximations; small groups and",
        "rare combinations are the least reliable. Check the audit report before use.",
        "",
    ]
    return "\n".join(lines)


def write_synthetic_readme(directory: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write README.md beside the data (call inside the release writer's atomic_dir)."""
    path = Path(directory) / "README.md"
    path.write_text(synthetic_readme(manifest))
    return path


def write_synthetic_release(
    release: SyntheticRelease,
    out: str | Path,
    *,
    fmt: str = "parquet",
    chunk_rows: int | None = None,
) -> Path:
    """Write data (Parquet with metadata, or CSV), manifest.json and README.md, all-or-nothing.

    The rows are streamed chunk by chunk through `privsynth.io.TableWriter` (sampled on the
    fly when the release was not materialized), so N rows never sit in memory at once.
    """
    from privsynth.io import TableWriter, atomic_dir

    if fmt not in ("parquet", "csv"):
        raise InputError(f"output format must be parquet or csv (got {fmt!r})")
    out = Path(out)
    with atomic_dir(out) as tmp:
        tmp = Path(tmp)
        name = "synthetic.parquet" if fmt == "parquet" else "synthetic.csv"
        with TableWriter(tmp / name, metadata=synthetic_metadata(release.manifest)) as w:
            for chunk in release.chunks(chunk_rows):
                w.write(chunk)
        (tmp / "manifest.json").write_text(json.dumps(release.manifest, indent=1, default=str))
        write_synthetic_readme(tmp, release.manifest)
    return out
