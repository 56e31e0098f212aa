"""The policy route: a raw table + a `mode: synthesize` policy -> a DP synthetic release.

A synthetic release is a function of the policy, the header (and a Parquet file's or
DataFrame's stored types), and DP outputs only — never of a scan or an inference over the
private values. `synthesize_source(source, policy, seed=...)`:

1. resolves the policy against the header (`pipeline.schema.public_schema`: columns kept or
   dropped, their public types and formats) and checks the width the method can take;
2. measures a DP row count (charged; skipped when the policy gives `expected_rows`);
3. runs the pre-flight (`pipeline.preflight`): from public figures and that count, will the
   noise drown the release? If so, refuses now with one line saying what to change;
4. types the columns the policy leaves untyped (`synth.dp_types`, charged), checks again;
5. reads every cell under its public type, row by row (`engine.parse`; generalized columns
   through their hierarchy, `transform.cells`), with each person's rows bounded (rows without
   a person id are each their own person), and builds the codecs: public categories and bins,
   DP key discovery, DP bounds (charged);
6. fits MST or AIM and samples the policy's `rows` (or the DP row count), decoded;
7. adds notices decided from DP outputs only (a column mostly `other` or missing in the
   fitted model, a DP row count far from `rows`), to the manifest and to stderr.

Every count over private rows runs in the source's engine (memory, DuckDB, Spark), so a file
larger than memory is synthesized without loading it, and `write_synthetic_release` streams the
rows. `synthesize` is its in-memory case; `plan_synthesis` stops after step 3 (the CLI's
`release --dry-run`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from privsynth.detect import ColumnFinding
from privsynth.engine.parse import CellParse, parse_series
from privsynth.engine.paths import is_parquet
from privsynth.engine.source import TableSource, open_source
from privsynth.engine.typed import header_dialect
from privsynth.engine.view import public_view, stored_types
from privsynth.errors import InputError
from privsynth.io.read import read_csv_text
from privsynth.pipeline.manifest import synthesis_record
from privsynth.pipeline.preflight import (
    DELTA_DISCOVERY,
    Preflight,
    Shares,
    check_columns,
    fitting_bins,
    one_way_sigma,
    plan_shares,
)
from privsynth.pipeline.schema import (
    NEIGHBOURING,
    PUBLIC_INPUTS,
    PublicColumn,
    PublicSchema,
    public_schema,
)
from privsynth.policy import Policy, ResolvedPolicy, load_policy
from privsynth.policy.models import DATE_TYPES, NUMERIC_TYPES
from privsynth.synth import AIM, MST, Ledger
from privsynth.synth.coded import EngineCodes, GroupedCodes
from privsynth.synth.dp_types import decide_type, measure_shapes, shape_counts
from privsynth.synth.ledger import check_epsilon_delta
from privsynth.synth.limits import check_method_width, check_synthesis_width
from privsynth.synth.measure import measure_count
from privsynth.synth.preprocess import (
    ISO_DATE_FORMATS,
    ISO_DATETIME_FORMATS,
    BudgetPlan,
    ColumnType,
    PrivateCounts,
    build_encoder,
    codec_parse,
)
from privsynth.synth.table import SAMPLE_CHUNK_ROWS, TableSynthesizer
from privsynth.transform.cells import label_function

ID_COLUMN_NOTE = "unit-of-privacy id column (used to bound contributions)"
# A notice when this share of a column's synthetic values is `other` or missing (model estimate).
NOTICE_OTHER_SHARE = 0.5
# A notice when the DP row count is off the policy's rows by more than this fraction.
NOTICE_ROWS_OFF = 0.5


class PreflightRefusal(InputError):
    """The pre-flight says the noise would drown the release: refused before any other work."""


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


def as_policy(policy: Any) -> Policy:
    """A `Policy`; a path or built-in name loaded; a plain mapping with the policy file's
    fields validated into one."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str | os.PathLike):
        return load_policy(policy)
    if isinstance(policy, Mapping):
        data = {"name": "policy", **dict(policy)}
        try:
            return Policy.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            raise InputError(f"policy {where}: {err.get('msg', 'invalid')}") from None
    raise InputError("the policy must be a Policy or a mapping with the policy file's fields")


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
    """Which columns are synthesized (with their public domain spec) and which are dropped,
    from the policy and the header of `df` only (`pipeline.schema.public_schema`).

    `findings` and `resolved` are accepted for compatibility and ignored: synthesize mode
    never uses a scan of the private values.
    """
    schema = public_schema(as_policy(policy), list(df.columns), stored_types_of_frame(df))
    plan = ColumnPlan()
    for c in schema.columns.values():
        if c.synthesize:
            plan.synthesize[c.name] = dict(c.domain) or None
        else:
            plan.dropped[c.name] = c.why
    return plan


def stored_types_of_frame(df: pd.DataFrame) -> dict[str, str | None]:
    return stored_types(open_source(df, "memory"))


def bound_contributions(df: pd.DataFrame, id_column: str | None, max_rows: int) -> pd.DataFrame:
    """Keep at most `max_rows` rows per person (first ones in table order); a row without a
    person id is its own person and is kept.

    A 1-stable truncation: adding or removing one person changes at most `max_rows` rows of the
    result, which is what the sensitivities assume.
    """
    if id_column is None:
        return df
    if id_column not in df.columns:
        raise InputError(f"unit_of_privacy.id_column {id_column!r} is not in the data")
    pid = parse_series(df[id_column], CellParse("text"))
    rank = df.groupby(pid.to_numpy(), dropna=True, sort=False).cumcount()
    keep = pid.isna().to_numpy() | (rank.to_numpy(dtype=float, na_value=0) < max_rows)
    return df.loc[keep]


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
        self.schema: PublicSchema | None = None
        self.preflight: Preflight | None = None

    @property
    def notices(self) -> list[str]:
        """What the release's user should know, decided from DP outputs only."""
        return list(self.manifest.get("notices", []))

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

    The DataFrame's dtypes are part of its schema (public, like the header): a column pandas
    typed from the private values is better declared `type:` in the policy. `findings` and
    `resolved` are ignored (synthesize mode never scans the values). The in-memory case of
    `synthesize_source`.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("synthesize() expects a pandas DataFrame")
    return synthesize_source(open_source(df, "memory"), policy, seed=seed)


@dataclass
class _Settings:
    method: str
    epsilon: float
    delta: float
    rows: int | None
    expected_rows: int | None
    seed: int | None
    id_col: str | None
    m: int


def _settings(policy: Policy, seed: int | None) -> _Settings:
    rel = policy.release
    if rel.mode != "synthesize":
        raise InputError(f"release.mode is {rel.mode!r}; synthesize() needs mode: synthesize")
    method = str(rel.method or "aim").lower()
    if rel.epsilon is None:
        raise InputError("release.epsilon is required for mode: synthesize")
    delta = rel.delta if rel.delta is not None else 1e-9
    check_epsilon_delta(rel.epsilon, delta)
    if seed is None:
        seed = rel.seed
    unit = rel.unit_of_privacy
    m = int(unit.max_rows_per_person) if unit is not None else 1
    return _Settings(
        method, float(rel.epsilon), float(delta), rel.rows, rel.expected_rows, seed,
        unit.id_column if unit is not None else None, m,
    )


# ------------------------------------------------------------------------------ the steps
def _text_source(source: TableSource) -> TableSource:
    """A memory source read from a CSV file is read again without type inference (every cell
    text): `read_table`'s inference looks at the values, synthesize mode may not."""
    csv = source.in_memory and source.path is not None and not is_parquet(Path(source.path))
    if csv and not source.frame.attrs.get("privsynth_text"):
        return TableSource(read_csv_text(source.path), source.engine, path=source.path)
    return source


def _dialect(source: TableSource):
    if source.in_memory or source.path is None or is_parquet(Path(source.path)):
        return None
    return header_dialect(Path(source.path))


def _count_rows(source: TableSource, view: Any) -> int:
    """The exact row count of a view (a private statistic, only fed to OpenDP)."""
    return int(np.asarray(source.engine.marginals(view, [()], {})[0]).sum())


def _domain_step(col: PublicColumn, vtype: str | None) -> str:
    """Which domain step a kept column needs once its type is known (public)."""
    dom = col.domain
    if col.hierarchy is not None:
        return "public categories" if "categories" in dom else "key discovery"
    if "categories" in dom:
        return "public categories"
    if dom.get("discover"):
        return "key discovery"
    if vtype is None:
        return "DP typing"
    if vtype == "boolean":
        return "boolean"
    if vtype == "categorical":
        return "key discovery"
    if dom.get("edges") is not None or dom.get("bounds") is not None:
        return "DP quantile bins" if dom.get("binning") == "dp_quantile" else "public bounds"
    return "DP bounds"


def _bins(col: PublicColumn, sigma1: float, n: float) -> int:
    """A binned column's bins: the policy's, else as many as the TVD limit allows at this
    noise and row count (`preflight.fitting_bins`; a public computation)."""
    if col.domain.get("bins"):
        return int(col.domain["bins"])
    most = 32 if col.domain.get("bounds") is not None else None
    return fitting_bins(sigma1, n, **({"most": most} if most else {}))


def _cells(col: PublicColumn, vtype: str | None, step: str, sigma1: float, n: float) -> int | None:
    """A column's cells in the synthesizer's domain when public (missing/other included)."""
    dom = col.domain
    if step == "public categories":
        return len(dom["categories"]) + 2
    if step == "boolean":
        return 4
    if step in ("public bounds", "DP quantile bins"):
        if dom.get("edges") is not None:
            return len(dom["edges"])
        bins = _bins(col, sigma1, n)
        lo, hi = dom["bounds"]
        if vtype == "integer" and not isinstance(lo, str):
            bins = min(bins, int(math.floor(float(hi)) - math.ceil(float(lo)) + 1))
        return bins + 1
    return None


@dataclass
class _Typed:
    """The columns with their final public types (policy, storage, or DP typing)."""

    types: dict[str, ColumnType]
    dropped: dict[str, str]
    decided: dict[str, dict[str, Any]]  # column -> the DP typing decision (for the manifest)


def _declared_type(col: PublicColumn) -> ColumnType:
    t = col.type
    assert t is not None
    if t in DATE_TYPES:
        if col.format is not None:
            return ColumnType(t, (col.format,), col.type_source or "policy")
        if col.type_source == "file schema":
            return ColumnType(t, (), "file schema")
        return ColumnType(t, ISO_DATE_FORMATS if t == "date" else ISO_DATETIME_FORMATS,
                          col.type_source or "policy")
    return ColumnType(t, (), col.type_source or "policy")


def _preflight(
    cfg: _Settings,
    schema: PublicSchema,
    types: Mapping[str, ColumnType | None],
    n: float,
    n_source: str,
    shares: Shares,
    n_columns: int,
) -> Preflight:
    sigma1 = one_way_sigma(cfg.method, shares.synthesizer, n_columns, cfg.m)
    rows = []
    for col in schema.synthesized:
        if col.name not in types:
            continue
        t = types[col.name]
        vtype = t.type if t is not None else None
        step = "DP typing" if t is None else _domain_step(col, vtype)
        rows.append({"name": col.name, "step": step, "cells": _cells(col, vtype, step, sigma1, n)})
    checks = check_columns(rows, n=n, sigma1=sigma1, shares=shares, m=cfg.m)
    pre = Preflight(cfg.epsilon, cfg.delta, cfg.method, n, n_source, sigma1, shares, checks)
    return pre


def _shares(ledger: Ledger, cfg: _Settings, steps: Sequence[str], measure_rows: bool) -> Shares:
    n_typing = sum(1 for s in steps if s == "DP typing")
    domain_steps = ("key discovery", "DP bounds", "DP quantile bins", "DP typing")
    n_domain = sum(1 for s in steps if s in domain_steps)
    n_disc = sum(1 for s in steps if s in ("key discovery", "DP typing"))
    return plan_shares(
        ledger.rho_budget,
        measure_rows=measure_rows,
        n_typing=n_typing,
        n_domain=n_domain,
        n_discovery=n_disc,
        delta_reserve=ledger.delta_reserve,
    )


@dataclass
class _Start:
    """What steps 1-3 established (all public or DP): the schema, the ledger, the row count."""

    cfg: _Settings
    source: TableSource
    schema: PublicSchema
    stored: dict[str, str | None]
    ledger: Ledger
    n: float
    n_source: str
    n_measured: bool
    shares: Shares
    preflight: Preflight
    dialect: Any


def _start(source: TableSource, policy: Policy, seed: int | None, *, dry_run: bool) -> _Start:
    cfg = _settings(policy, seed)
    source = _text_source(source)
    stored = stored_types(source)
    schema = public_schema(policy, source.columns, stored)
    cols = [c.name for c in schema.synthesized]
    # width limits come from the policy and the header: refuse before any budget is spent
    check_synthesis_width(len(cols))
    check_method_width(cfg.method, len(cols))
    may_discover = any(
        _domain_step(c, c.type) in ("key discovery", "DP typing") for c in schema.synthesized
    )
    ledger = Ledger.from_epsilon_delta(
        cfg.epsilon, cfg.delta, delta_reserve=cfg.delta * DELTA_DISCOVERY if may_discover else 0.0
    )
    types0 = {c.name: (None if c.needs_typing else _declared_type(c)) for c in schema.synthesized}
    steps = [_domain_step(c, t.type if t else None) for c, t in
             ((c, types0[c.name]) for c in schema.synthesized)]
    measure_rows = cfg.expected_rows is None and not (dry_run and cfg.rows is not None)
    shares = _shares(ledger, cfg, steps, measure_rows)
    dialect = _dialect(source)
    if measure_rows:
        view = public_view(
            source, {}, stored=stored, id_column=schema.id_column,
            max_rows=cfg.m, dialect=dialect,
        )
        n = measure_count(
            _count_rows(source, view), ledger=ledger, rho=shares.rows, sensitivity=cfg.m,
            what="row count",
        )
        n_source = "DP row count (charged)"
    elif cfg.expected_rows is not None:
        n, n_source = float(cfg.expected_rows), "policy expected_rows"
    else:
        n, n_source = float(cfg.rows or 0), "policy rows (dry run: nothing charged)"
    pre = _preflight(cfg, schema, types0, n, n_source, shares, len(cols))
    if schema.needs_typing:
        pre.notes.append(
            "DP typing (charged) decides the type of: " + ", ".join(schema.needs_typing)
            + "; the checks after it depend on what it finds"
        )
    return _Start(cfg, source, schema, stored, ledger, n, n_source, measure_rows, shares, pre,
                  dialect)


def plan_synthesis(source: TableSource, policy: Any, *, seed: int | None = None) -> Preflight:
    """Steps 1-3 of a release (`release --dry-run`): the public schema, the row count (a DP
    row count, charged, unless the policy gives `expected_rows` or `rows`) and the pre-flight,
    without releasing anything else."""
    st = _start(source, as_policy(policy), seed, dry_run=True)
    if st.n_measured:
        st.preflight.notes.append(
            "this plan measured a DP row count (charged: part of this plan's output); give "
            "release.expected_rows to plan without spending budget"
        )
    return st.preflight


def _dp_typing(st: _Start) -> _Typed:
    """Step 4: a type for every column the policy leaves untyped (charged per column)."""
    schema, cfg = st.schema, st.cfg
    types: dict[str, ColumnType] = {}
    dropped: dict[str, str] = {}
    decided: dict[str, dict[str, Any]] = {}
    need = [c for c in schema.synthesized if c.needs_typing]
    view = None
    if need:
        view = public_view(
            st.source, {c.name: CellParse("text") for c in need}, stored=st.stored,
            id_column=schema.id_column, max_rows=cfg.m, dialect=st.dialect,
        )
    for col in schema.synthesized:
        if not col.needs_typing:
            types[col.name] = _declared_type(col)
            continue
        counts = shape_counts(st.source.engine.key_counts(view, col.name))
        noisy, sigma = measure_shapes(
            counts, ledger=st.ledger, rho=st.shares.typing_per_column, sensitivity=cfg.m,
            column=col.name,
        )
        got = decide_type(noisy, sigma, dates_only=col.type in DATE_TYPES)
        decided[col.name] = {"type": got.type, "formats": list(got.formats),
                             "noise_std": sigma}
        if got.type == "text":
            dropped[col.name] = "DP typing found free text (never synthesized)"
            continue
        if col.hierarchy is not None and getattr(col.hierarchy, "type", None) in (
            "intervals", "topcode") and got.type not in NUMERIC_TYPES:
            dropped[col.name] = f"DP typing found {got.type}, which its hierarchy cannot take"
            continue
        types[col.name] = ColumnType(got.type, got.formats, "dp typing (charged)")
    return _Typed(types, dropped, decided)


def _one_way_shares(table: TableSynthesizer) -> dict[str, tuple[float, float]]:
    """(share of `other`, share of missing) of each categorical column in the fitted model's
    1-way marginal: post-processing of DP measurements."""
    syn = table.synthesizer
    comp = syn.compression_
    out: dict[str, tuple[float, float]] = {}
    for c, k in table.encoder.codecs.items():
        marg = np.clip(np.asarray(syn.model_.marginal((c,)), dtype=float), 0, None)
        total = marg.sum()
        if total <= 0:
            continue
        maps = comp.maps[c]
        w = comp.weights.get(c)

        def share(code: int, maps=maps, w=w, marg=marg, total=total) -> float:
            j = int(maps[code])
            members = np.flatnonzero(maps == j)
            frac = 1.0 / len(members)
            if len(members) > 1 and w is not None and w[members].sum() > 0:
                frac = float(w[code] / w[members].sum())
            return float(marg[j] / total * frac)

        other = share(k.other_code) if k.kind == "categorical" else 0.0
        out[c] = (other, share(k.missing_code))
    return out


def _notices(
    table: TableSynthesizer, cfg: _Settings, st: _Start, dropped: Mapping[str, str]
) -> list[str]:
    """Notices decided from DP outputs only (no private value, no exact count)."""
    out = [f"column {c!r} dropped: {why}" for c, why in dropped.items()]
    for c, (other, missing) in _one_way_shares(table).items():
        if other + missing >= NOTICE_OTHER_SHARE:
            out.append(
                f"column {c!r}: about {round(100 * (other + missing))}% of its synthetic values "
                f"will be other ({round(100 * other)}%) or missing ({round(100 * missing)}%)"
            )
    if st.n_measured and cfg.rows is not None and abs(st.n - cfg.rows) > NOTICE_ROWS_OFF * cfg.rows:
        out.append(
            f"the DP row count (about {int(round(st.n, -1))}) is far from release.rows "
            f"({cfg.rows}): the synthetic table does not have the input's size"
        )
    return out


def synthesize_source(
    source: TableSource,
    policy: Any,
    *,
    seed: int | None = None,
    findings: Sequence[ColumnFinding] | None = None,
    resolved: ResolvedPolicy | None = None,
    refuse: bool = True,
) -> SyntheticRelease:
    """A DP synthetic release of a `TableSource` (`privsynth.engine.source.open_source`).

    See the module doc for the steps. `findings` and `resolved` are ignored: synthesize mode
    never consults a scan. Raises `PreflightRefusal` (an `InputError`) when the pre-flight
    finds the noise would drown the release; with `refuse=False` it runs anyway and says so
    in a notice (the pre-flight's verdict is in the manifest either way).
    """
    if not isinstance(source, TableSource):
        raise InputError("synthesize_source() expects a TableSource (privsynth.engine.open_source)")
    pol = as_policy(policy)
    st = _start(source, pol, seed, dry_run=False)
    cfg, schema, ledger = st.cfg, st.schema, st.ledger
    if not st.preflight.ok and refuse:
        raise PreflightRefusal(st.preflight.reason())
    typed = _dp_typing(st)
    kept = [c for c in schema.synthesized if c.name in typed.types]
    if not kept:
        raise InputError("no column is left to synthesize: " + "; ".join(
            f"{c}: {w}" for c, w in typed.dropped.items()))
    steps = [_domain_step(c, typed.types[c.name].type) for c in kept]
    n_domain = sum(1 for s in steps if s in ("key discovery", "DP bounds", "DP quantile bins"))
    shares = st.shares
    if n_domain:
        per = plan_shares(ledger.rho_budget, measure_rows=False, n_typing=0, n_domain=n_domain,
                          n_discovery=0, delta_reserve=0.0).domain_per_column
        shares.domain_per_column = per
    n_disc = sum(1 for s in steps if s == "key discovery")
    shares.discovery_delta_per_column = ledger.delta_reserve / max(n_disc, 1)
    shares.synthesizer = ledger.remaining_rho - shares.domain_per_column * n_domain
    pre = _preflight(cfg, schema, typed.types, st.n, st.n_source, shares, len(kept))
    pre.notes = [f"DP typing: {c} -> {d['type']}" for c, d in typed.decided.items()]
    st.preflight = pre
    if not pre.ok and refuse:
        raise PreflightRefusal(pre.reason())
    # step 5: read every cell under its public type; codecs
    specs: dict[str, dict[str, Any]] = {}
    parses: dict[str, CellParse] = {}
    labels: dict[str, Any] = {}
    types: dict[str, ColumnType] = {}
    base_dir = Path(pol.source).parent if pol.source else None
    sigma1 = pre.sigma_one_way
    for col in kept:
        vt = typed.types[col.name]
        spec = dict(col.domain)
        if _domain_step(col, vt.type) == "key discovery" and "categories" not in spec:
            spec["discover"] = True  # a categorical column nobody listed: DP key discovery
        if col.hierarchy is not None:
            labels[col.name] = label_function(
                col.hierarchy, int(col.level or 0), integer=vt.type == "integer",
                date_formats=tuple(vt.formats) or ISO_DATETIME_FORMATS, base_dir=base_dir,
            )
            vt = ColumnType("categorical", (), "hierarchy labels")
        elif (
            _domain_step(col, vt.type) in ("DP bounds", "public bounds", "DP quantile bins")
            and spec.get("edges") is None
            and "bins" not in spec
        ):
            spec["bins"] = _bins(col, sigma1, st.n)
        specs[col.name] = spec
        types[col.name] = vt
        if col.name not in labels:
            parses[col.name] = codec_parse(vt, spec)
    view = public_view(
        st.source, parses, stored=st.stored, labels=labels, id_column=schema.id_column,
        max_rows=cfg.m, dialect=st.dialect,
    )
    engine = st.source.engine
    encoder = build_encoder(
        None,
        specs,
        types=types,
        ledger=ledger,
        plan=BudgetPlan(
            discover_rho=shares.domain_per_column,
            discover_delta=shares.discovery_delta_per_column,
            quantile_rho=shares.domain_per_column,
            bounds_rho=shares.domain_per_column if _dp_bounds(pol) else 0.0,
            rows=st.n,
        ),
        sensitivity=cfg.m,
        counts=PrivateCounts(engine, view, parsed=True),
    )
    dropped_late = {**typed.dropped, **encoder.dropped}
    if not encoder.codecs:
        raise InputError("no column is left to synthesize: " + "; ".join(
            f"{c}: {w}" for c, w in dropped_late.items()))
    check_method_width(cfg.method, len(encoder.codecs))
    dtypes = {c: _view_dtype(p) for c, p in parses.items()}
    encoders = {c: k.engine_encoder(dtypes.get(c, np.dtype(object)))
                for c, k in encoder.codecs.items()}
    cols = list(encoder.codecs)
    grouped = engine.grouped(view, cols, encoder.domain, encoders)
    if grouped is not None:
        coded: Any = GroupedCodes(grouped[0], grouped[1])
    else:
        coded = EngineCodes(engine, view, encoders, dict(encoder.domain))
    if cfg.rows is None:
        n_rows, rows_source = max(1, int(round(st.n))), st.n_source
    else:
        n_rows, rows_source = int(cfg.rows), "policy"
    klass = AIM if cfg.method == "aim" else MST
    model = klass(cfg.epsilon, cfg.delta, cfg.seed, max_rows_per_person=cfg.m).fit(
        coded, encoder.domain, ledger=ledger
    )
    dropped_all = {**schema.dropped, **dropped_late}
    manifest = synthesis_record(
        method=cfg.method,
        epsilon=cfg.epsilon,
        delta=cfg.delta,
        ledger=ledger,
        encoder=encoder,
        dropped=dropped_all,
        rows=n_rows,
        rows_source=rows_source,
        id_column=cfg.id_col,
        max_rows_per_person=cfg.m,
        seed=cfg.seed,
        model=model,
    )
    table = TableSynthesizer(encoder, model, manifest, cfg.seed)
    notices = _notices(table, cfg, st, dropped_late)
    if not pre.ok:
        notices.insert(0, "the pre-flight expected this release to be too noisy: " + pre.reason())
    manifest["privacy"]["neighbouring"] = NEIGHBOURING
    manifest["privacy"]["public_inputs"] = PUBLIC_INPUTS
    manifest["schema"] = schema.to_dict()
    for c, d in typed.decided.items():
        manifest["schema"][c]["type"] = d["type"]
        manifest["schema"][c]["type_source"] = "dp typing (charged)"
        if d["formats"]:
            manifest["schema"][c]["format"] = d["formats"][0]
    manifest["preflight"] = pre.to_dict()
    manifest["notices"] = notices
    sample_seed = cfg.seed if cfg.seed is not None else int(np.random.SeedSequence().entropy)
    rel = SyntheticRelease(None, ledger, manifest, table, rows=n_rows, sample_seed=sample_seed)
    rel.schema, rel.preflight = schema, pre
    return rel


def _dp_bounds(policy: Policy) -> bool:
    return bool(policy.release.dp_schema and policy.release.dp_schema.bounds)


def _view_dtype(parse: CellParse) -> Any:
    if parse.kind == "number":
        return np.dtype("float64")
    if parse.kind == "date":
        return np.dtype("datetime64[ns]")
    return np.dtype(object)


__all__ = [
    "ColumnPlan",
    "PreflightRefusal",
    "SyntheticRelease",
    "as_policy",
    "bound_contributions",
    "plan_columns",
    "plan_synthesis",
    "synthesize",
    "synthesize_source",
]
