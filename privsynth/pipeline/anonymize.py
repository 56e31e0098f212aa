"""Anonymize a table of any size: decide everything once on the driver, then transform chunks.

`plan_anonymize` turns a resolved policy into an `AnonymizePlan`: each column's transform as a
function of a chunk of rows, with every whole-table decision taken up front from counts —
hierarchies from the column's distinct values, the k-anonymity search on the rows grouped by
their quasi-identifier values (a compact table weighted by group sizes, searched exactly like
the rows), which classes are suppressed, rounding of noised values, how dates print. Applying
the plan to the whole table at once (the memory path, `pipeline.run.release`) or chunk by chunk
(`pipeline.run.anonymize_source`: DuckDB, or Spark through `pipeline.spark`) therefore gives
the same rows.

Keyed transforms are functions of the value and the key (HMAC, Faker, format-preserving), a date
shift is a function of the person's id and the key, so chunks need no shared state; the two
things that would (statistical noise drawn from one seeded stream, Mondrian's local recoding)
run in memory or are refused where they would come out different.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from privsynth.errors import InputError, row_of
from privsynth.pipeline.keys import faker_provider, load_keys
from privsynth.pipeline.manifest import build_manifest, plain
from privsynth.pipeline.readers import FrameReader, TableReader
from privsynth.pipeline.residual import residual_check
from privsynth.policy import Action, Policy, ResolvedColumn, ResolvedPolicy
from privsynth.transform import hierarchy as h
from privsynth.transform import masking as m
from privsynth.transform import noise as nz
from privsynth.transform.criteria import EntropyLDiversity, RecursiveCLDiversity
from privsynth.transform.kanon import kanonymize
from privsynth.transform.loss import cell_penalty

# The label of a missing quasi-identifier value: a category of its own, generalized only to `*`.
MISSING_LABEL = "<NA>"
ChunkFn = Callable[[pd.DataFrame], Any]


# ------------------------------------------------------------------------------------ lookups
class ValueMap:
    """A function of one column's value, tabulated over its distinct values.

    `keys` holds the distinct values (missing included), `values[i]` the output for `keys[i]`;
    `lookup` finds each row's distinct value by hashing, so a chunk costs one pass.
    """

    def __init__(self, keys: pd.Series, values: np.ndarray | None = None):
        keys = keys.reset_index(drop=True)
        na = keys.isna().to_numpy()
        self._na_pos = int(np.flatnonzero(na)[0]) if na.any() else -1
        self._pos = np.flatnonzero(~na)
        self._index = pd.Index(keys[~na].to_numpy())
        self.keys = keys
        self.values = values

    def positions(self, column: pd.Series) -> np.ndarray:
        # Hash the chunk's values once (factorize), then look up only its distinct values.
        codes, uniq = pd.factorize(column, use_na_sentinel=True)
        found = self._index.get_indexer(uniq) if len(uniq) else np.zeros(0, dtype=np.int64)
        at = np.where(found >= 0, self._pos[np.maximum(found, 0)] if found.size else found, -1)
        out = np.full(len(column), self._na_pos, dtype=np.int64)
        present = codes >= 0
        out[present] = at[codes[present]]
        if (out < 0).any():
            raise InputError(
                f"column {column.name!r}, row {row_of(column.index, out < 0):,}: a value that "
                "was not seen when the table was counted (the file changed while it was "
                "released?)"
            )
        return out

    def lookup(self, column: pd.Series) -> np.ndarray:
        return self.values[self.positions(column)]


class TupleMap:
    """Output labels per combination of several columns' values (the k-anonymity classes)."""

    def __init__(self, keys: pd.DataFrame, outputs: dict[str, np.ndarray]):
        self.columns = list(keys.columns)
        self.maps = [ValueMap(keys[c].drop_duplicates()) for c in self.columns]
        codes = [m.positions(keys[c]) for m, c in zip(self.maps, self.columns, strict=True)]
        flat = self._flat(codes)
        uniq, first = np.unique(flat, return_index=True)
        self._index = pd.Index(uniq)
        self.outputs = {c: np.asarray(v, dtype=object)[first] for c, v in outputs.items()}

    def _flat(self, codes: list[np.ndarray]) -> np.ndarray:
        cards = [len(m.keys) for m in self.maps]
        if float(np.prod(cards, dtype=np.float64)) < 2**62:
            flat = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
            for c, k in zip(codes, cards, strict=True):
                flat = flat * k + c
            return flat
        # Too many combinations for one int64: hash the code tuples instead.
        return pd.util.hash_pandas_object(pd.DataFrame(dict(enumerate(codes))), index=False).to_numpy(
            dtype=np.uint64
        ).view(np.int64)

    def lookup(self, chunk: pd.DataFrame) -> dict[str, np.ndarray]:
        codes = [m.positions(chunk[c]) for m, c in zip(self.maps, self.columns, strict=True)]
        pos = self._index.get_indexer(self._flat(codes))
        if (pos < 0).any():
            raise InputError(
                "a combination of quasi-identifier values was not seen when the table was "
                "counted (the file changed while it was released?)"
            )
        return {c: v[pos] for c, v in self.outputs.items()}


# ---------------------------------------------------------------------------------------- plan
@dataclass
class AnonymizePlan:
    """Everything decided about a release before any row is written.

    `transforms[c]` maps a chunk of input rows to column c's output values (columns without
    one are copied), `joint` entries several columns at once; `dropped` columns are left out. `statistical_noise` names columns whose
    noise is drawn from a seeded stream, in row order (streaming is then sequential only).
    """

    resolved: ResolvedPolicy
    seed: int | None
    input_columns: list[str]
    transforms: dict[str, ChunkFn]
    dropped: list[str]
    col_records: dict[str, dict[str, Any]]
    ledger: list[dict[str, Any]]
    notices: list[str]
    privacy: dict[str, Any] | None
    datetime_columns: list[str] = field(default_factory=list)
    statistical_noise: list[str] = field(default_factory=list)
    datetime_formats: dict[str, str] = field(default_factory=dict)
    joint: list[tuple[list[str], Callable[[pd.DataFrame], dict[str, np.ndarray]]]] = field(
        default_factory=list
    )
    # The residual check of the release (`pipeline.residual`), recorded in the manifest.
    residual: dict[str, Any] | None = None
    # k-anonymity removed its suppressed rows (their `*` class would hold fewer than k rows):
    # rows whose quasi-identifiers all come out `*` are left out of the release
    drop_starred: list[str] = field(default_factory=list)
    rows_removed: int = 0

    @property
    def output_columns(self) -> list[str]:
        return [c for c in self.input_columns if c not in set(self.dropped)]

    def apply(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The released rows of `chunk` (any slice of the table, in any order)."""
        out = chunk.copy()
        for name, fn in self.transforms.items():
            out[name] = fn(chunk)
        for names, fn in self.joint:  # several columns from one lookup (k-anonymity classes)
            values = fn(chunk)
            for name in names:
                out[name] = pd.Series(values[name], index=chunk.index, dtype=object)
        if self.drop_starred:
            starred = np.logical_and.reduce(
                [out[q].to_numpy(dtype=object) == h.STAR for q in self.drop_starred]
            )
            out = out.loc[~starred]
        return out.drop(columns=self.dropped)

    def check_residual(self, original: pd.DataFrame, released: pd.DataFrame | None = None) -> None:
        """Run the residual check on `original` rows and their release (computed when not
        given); a streamed release checks the reader's row sample."""
        if released is None:
            # Columns noised from one seeded stream in row order are left out: applying them
            # to the sample would consume the stream the release draws from (and noised
            # numbers are no identifiers to look for).
            noisy = set(self.statistical_noise)
            plan = replace(
                self,
                transforms={k: v for k, v in self.transforms.items() if k not in noisy},
                dropped=[*self.dropped, *(c for c in noisy if c not in self.dropped)],
            )
            released = plan.apply(original)
        report = residual_check(original, released, self.resolved, seed=self.seed or 0)
        self.residual = report.to_dict()

    def manifest(self, rows_in: int, rows_out: int) -> dict[str, Any]:
        """The release's manifest once `rows_in` rows became `rows_out`."""
        manifest = build_manifest(
            self.resolved.policy,
            seed=self.seed,
            columns_in=self.input_columns,
            rows_in=rows_in,
            columns_out=self.output_columns,
            rows_out=rows_out,
            columns=self.col_records,
            privacy=self.privacy,
            ledger=self.ledger,
            notices=self.notices,
        )
        if self.residual is not None:
            manifest["residual_check"] = self.residual
        return manifest

    def parquet_schema(self, reader: TableReader, out: pd.DataFrame) -> pa.Schema:
        """The first output chunk's Parquet schema, with a column that chunk has only missing
        values of typed from the row sample instead (all-missing objects would make it a
        `null` column)."""
        schema = pa.Schema.from_pandas(out, preserve_index=False)
        nulls = [i for i, f in enumerate(schema) if pa.types.is_null(f.type)]
        if not nulls:
            return schema
        proto = pa.Schema.from_pandas(
            self.apply(reader.sample()).reset_index(drop=True), preserve_index=False
        )
        for i in nulls:
            typed = proto.field(schema.field(i).name)
            schema = schema.set(i, schema.field(i).with_type(typed.type))
        return schema


def plan_anonymize(
    reader: TableReader, resolved: ResolvedPolicy, *, seed: int | None, key_file=None
) -> AnonymizePlan:
    """Decide every column's transform (and the k-anonymity search) for the table `reader` reads."""
    policy = resolved.policy
    base_dir = Path(policy.source).parent if policy.source else None
    keys = load_keys(resolved, key_file)  # before any work: a missing key fails fast
    contributions = _contributions(reader, policy)
    privacy_qis = set(resolved.quasi_identifiers()) if policy.privacy is not None else set()
    uop = policy.release.unit_of_privacy
    default_id = uop.id_column if uop is not None else None
    plan = AnonymizePlan(
        resolved=resolved,
        seed=seed,
        input_columns=list(reader.columns),
        transforms={},
        dropped=resolved.with_action(Action.DROP),
        col_records={},
        ledger=[],
        notices=[],
        privacy=None,
    )
    value_wise: dict[str, bool] = {}
    for i, (name, col) in enumerate(resolved.columns.items()):
        record: dict[str, Any] = {"action": col.kind.value, "decided_by": col.source}
        if col.finding is not None:
            record["detected"] = {"class": str(col.finding.cls), "entity": col.finding.entity}
        if name in privacy_qis:
            if col.kind not in (Action.KEEP, Action.GENERALIZE):
                raise InputError(
                    f"quasi-identifier {name!r} has action {col.kind.value}; the k-anonymity "
                    "search needs keep or generalize"
                )
            record["action"] = "generalize"
            record["k_anonymity"] = "quasi-identifier (level chosen by the search)"
            plan.col_records[name] = record
            continue
        fn, wise = _column_fn(
            reader, name, col, i, keys, contributions, seed, base_dir, record, plan, default_id
        )
        if fn is not None:
            plan.transforms[name] = fn
            value_wise[name] = wise
        plan.col_records[name] = record
    if policy.privacy is not None:
        _plan_kanonymity(reader, plan, base_dir, value_wise)
    _plan_datetime_output(reader, plan)
    return plan


def _contributions(reader: TableReader, policy: Policy) -> int:
    uop = policy.release.unit_of_privacy
    if uop is None:
        return 1
    most = reader.max_rows_per_value(uop.id_column)
    if most > uop.max_rows_per_person:
        raise InputError(
            f"an individual has {most} rows in {uop.id_column!r}, more than "
            f"unit_of_privacy.max_rows_per_person = {uop.max_rows_per_person}"
        )
    return uop.max_rows_per_person


def _column_fn(
    reader: TableReader,
    name: str,
    col: ResolvedColumn,
    index: int,
    keys: dict[str, tuple[bytes, str]],
    contributions: int,
    seed: int | None,
    base_dir: Path | None,
    record: dict[str, Any],
    plan: AnonymizePlan,
    default_id: str | None,
) -> tuple[ChunkFn | None, bool]:
    """Column `name`'s transform as a function of a chunk, and whether it is value-wise
    (the output of a row depends on that row's value of `name` alone)."""
    a, kind = col.action, col.kind
    if kind in (Action.KEEP, Action.DROP):
        return None, True
    if kind is Action.REDACT:
        text = a.replacement or "[REDACTED]"
        return (lambda ch: m.redact(ch[name], text)), True
    if kind is Action.PSEUDONYMIZE:
        key, where = keys[name]
        method = a.method or "hmac"
        record.update(method=method, key_source=where)
        if method == "hmac":
            length, prefix = a.length or 16, a.prefix or ""
            return (lambda ch: m.hmac_pseudonym(ch[name], key, length=length, prefix=prefix)), True
        if method == "format":
            return (lambda ch: m.format_preserving(ch[name], key)), True
        provider = a.provider or faker_provider(col)
        locale = a.locale or "en_US"
        record.update(provider=provider, locale=locale)
        m.faker_pseudonym(pd.Series([], dtype=object), key, provider=provider, locale=locale)
        return (lambda ch: m.faker_pseudonym(ch[name], key, provider=provider, locale=locale)), True
    if kind is Action.MASK:
        first, last = a.keep_first or 0, 4 if a.keep_last is None else a.keep_last
        record.update(keep_first=first, keep_last=last)
        opts = dict(
            keep_first=first,
            keep_last=last,
            mask_char=a.mask_char or "*",
            keep_separators=True if a.keep_separators is None else a.keep_separators,
        )
        return (lambda ch: m.partial_mask(ch[name], **opts)), True
    if kind is Action.SHIFT_DATES:
        key, where = keys[name]
        id_col = a.id_column or default_id
        if id_col is None:
            raise InputError(f"{col.source}: shift_dates on {name!r} needs an id_column")
        max_days = a.max_days or 365
        record.update(id_column=id_col, max_days=max_days, key_source=where)
        # The shift is a keyed function of the person's id: the same in every chunk.
        return (lambda ch: m.shift_dates(ch[name], ch[id_col], key, max_days=max_days)), False
    if kind is Action.NOISE:
        return _noise_fn(reader, name, col, index, contributions, seed, record, plan), False
    if kind is Action.GENERALIZE:
        distinct = reader.distinct(name)
        values = h.hierarchy_input(a.hierarchy, distinct.rename(name))
        hier = h.build_hierarchy(a.hierarchy, values, base_dir=base_dir)
        level = 1 if a.level is None else a.level
        record.update(hierarchy=a.hierarchy.model_dump(exclude_none=True), level=level)
        # Labels are computed on the distinct values together (a date column prints with a
        # time of day when any of its values has one), then looked up per row.
        vmap = ValueMap(distinct, h.generalize(values, hier, level).to_numpy(dtype=object))
        record["information_loss"] = _generalized_loss(reader, name, vmap)
        return (lambda ch: pd.Series(vmap.lookup(ch[name]), index=ch.index, dtype=object)), True
    raise InputError(f"unknown action {kind}")  # pragma: no cover - the enum is exhaustive


def _generalized_loss(reader: TableReader, name: str, vmap: ValueMap) -> float:
    """NCP of a column generalized value by value: a cell whose label stands for m of the
    column's A distinct values costs (m - 1) / (A - 1) (`transform.loss`), averaged over the
    present cells (a missing value stays missing and costs nothing)."""
    keys, counts = reader.group_sizes([name])
    labels = pd.Series(vmap.lookup(keys[name]), dtype=object)
    present = keys[name].notna().to_numpy() & labels.notna().to_numpy()
    if not present.any():
        return 0.0
    labels, counts = labels[present], np.asarray(counts)[present]
    covered = labels.map(labels.value_counts()).to_numpy(dtype=np.float64)
    cost = cell_penalty(covered, int(present.sum()))
    return round(float((cost * counts).sum() / counts.sum()), 6)


def _noise_fn(
    reader: TableReader,
    name: str,
    col: ResolvedColumn,
    index: int,
    contributions: int,
    seed: int | None,
    record: dict[str, Any],
    plan: AnonymizePlan,
) -> ChunkFn:
    a = col.action
    mech = a.mechanism or "laplace"
    if mech == "statistical":
        # One stream per column, drawn in row order: chunk after chunk gives the draws of the
        # whole column at once, whatever the chunk size.
        rng = np.random.default_rng(None if seed is None else [int(seed), index])
        opts = dict(scale=a.scale, bounds=a.bounds, round_to_int=a.round)
        res = nz.statistical_noise(pd.Series([], dtype="float64"), rng=rng, **opts)
        plan.notices.append(f"column {name!r}: {nz.NOT_A_GUARANTEE}")
        plan.statistical_noise.append(name)
        record.update(res.record())
        return lambda ch: nz.statistical_noise(ch[name], rng=rng, **opts).values
    # Rounding is a whole-column decision (all values whole): taken once, not per chunk.
    integral = a.round if a.round is not None else reader.whole_numbers(name)
    opts = dict(
        epsilon=a.epsilon,
        bounds=a.bounds,
        mechanism=mech,
        delta=a.delta,
        round_to_int=integral,
        contributions=contributions,
    )
    res = nz.dp_noise(pd.Series([], dtype="float64"), **opts)  # validates, states the cost
    plan.ledger.append({"what": f"per-value noise on {name!r}", **res.record()})
    record.update(res.record())
    return lambda ch: nz.dp_noise(ch[name], **opts).values


# ------------------------------------------------------------------------------- k-anonymity
def _plan_kanonymity(
    reader: TableReader, plan: AnonymizePlan, base_dir: Path | None, value_wise: dict[str, bool]
) -> None:
    """Run the k-anonymity search on the rows grouped by their QI (and sensitive) values."""
    resolved = plan.resolved
    privacy = resolved.policy.privacy
    qis = resolved.quasi_identifiers()
    if not qis:
        raise InputError(
            "privacy: needs quasi-identifiers: list them in privacy.quasi_identifiers "
            "(the scan classed none as quasi)"
        )
    sens = list(privacy.sensitive)
    choice = resolved.quasi_choice
    if choice is not None:
        plan.notices.append(choice.notice(len(choice.chosen) + len(choice.dropped)))
        for name in choice.dropped:
            plan.col_records[name]["reason"] = (
                "a quasi-identifier beyond privacy.max_quasi_identifiers: dropped so that no "
                "unprotected one stays beside the generalized ones"
            )
    in_memory = isinstance(reader, FrameReader)
    if privacy.method == "mondrian" and not in_memory:
        raise InputError(
            "method: mondrian recodes rows locally and needs the whole table in memory: use "
            "--engine memory, or method: optimal (searched through the engine)"
        )
    frame_sens: dict[str, pd.Series] = {}
    for s in sens:
        fn = plan.transforms.get(s)
        if fn is None or value_wise.get(s, True):
            continue
        if not in_memory:
            raise InputError(
                f"sensitive attribute {s!r} has action {resolved.columns[s].kind.value}, which "
                "is not a function of its value: the engine cannot group the table by it; use "
                "--engine memory"
            )
        # In memory: draw once, search on these values and release the same ones.
        frame_sens[s] = pd.Series(fn(reader.df), index=reader.df.index)
        plan.transforms[s] = lambda ch, s=s: frame_sens[s].loc[ch.index]

    if privacy.method == "mondrian" or frame_sens:
        base = reader.df[qis + sens].copy()
        for s, v in frame_sens.items():
            base[s] = v
        grouped, weights = (
            (base, None) if privacy.method == "mondrian" else FrameReader(base).group_sizes(qis + sens)
        )
    else:
        grouped, weights = reader.group_sizes(qis + sens)
    if weights is not None:
        # Engines return groups in any order; search them in one canonical order so that
        # every engine sums the same floats in the same order (bit-identical results).
        order = np.lexsort(
            [h.value_strings(grouped[c]).fillna("").to_numpy(dtype=str) for c in reversed(qis + sens)]
            + [grouped[c].isna().to_numpy() for c in reversed(qis + sens)]
        )
        grouped = grouped.iloc[order].reset_index(drop=True)
        weights = np.asarray(weights)[order]
    for s in sens:  # the search sees the sensitive values as they are released
        fn = plan.transforms.get(s)
        if fn is not None and s not in frame_sens:
            grouped[s] = pd.Series(fn(grouped), index=grouped.index)

    hierarchies: dict[str, pd.DataFrame] = {}
    order_by: dict[str, pd.Series] = {}  # Mondrian cuts numbers and dates in their order
    work = pd.DataFrame(index=grouped.index)
    for q in qis:
        col = resolved.columns[q]
        spec = col.action.hierarchy if col.kind is Action.GENERALIZE else None
        values = h.hierarchy_input(spec, grouped[q].rename(q))
        if pd.api.types.is_datetime64_any_dtype(values) or (
            pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        ):
            order_by[q] = values
        hier = (
            h.build_hierarchy(spec, values, base_dir=base_dir)
            if spec is not None
            else h.default_hierarchy(values)
        )
        labels = h.value_strings(values)
        if labels.isna().any():
            # Missing is a category of its own; it generalizes only to `*`.
            row = pd.DataFrame([[MISSING_LABEL] * (hier.shape[1] - 1) + [h.STAR]], columns=hier.columns)
            hier = pd.concat([hier, row], ignore_index=True)
            labels = labels.fillna(MISSING_LABEL)
        unknown = ~labels.isin(set(hier[0].astype(str)))
        if unknown.any():
            n_unknown = int(labels[unknown].nunique())
            raise InputError(
                f"quasi-identifier {q!r}: {n_unknown:,} of its values are not in its hierarchy "
                "(the hierarchy must list every value of the column; values are not shown)"
            )
        hierarchies[q] = hier.astype(str)
        work[q] = labels.astype(object)
        plan.col_records[q]["hierarchy"] = (
            spec.model_dump(exclude_none=True) if spec is not None else "default"
        )
    for s in sens:
        work[s] = grouped[s]

    l_div: Any = privacy.l
    if privacy.l is not None and privacy.l_variant == "entropy":
        l_div = EntropyLDiversity(l=privacy.l)
    elif privacy.l is not None and privacy.l_variant == "recursive":
        l_div = RecursiveCLDiversity(c=privacy.c, l=privacy.l)
    generalized, result = kanonymize(
        work,
        quasi_identifiers=qis,
        hierarchies=hierarchies,
        k=privacy.k,
        max_suppression=privacy.max_suppression,
        l_diversity=l_div,
        sensitive=sens or None,
        t_closeness=privacy.t,
        method=privacy.method,
        loss=privacy.loss,
        weights=weights,
        order_by=order_by if privacy.method == "mondrian" else None,
    )
    for q in qis:  # a missing value is released as missing (empty), not as a label
        generalized[q] = generalized[q].where(generalized[q] != MISSING_LABEL, None)
    if result.n_removed:
        plan.drop_starred = list(qis)
        plan.rows_removed = int(result.n_removed)
        plan.notices.append(
            f"{result.n_removed} suppressed row(s) removed: together they would form a `*` "
            f"class that breaks the privacy models (fewer than k = {privacy.k} rows, or not "
            "diverse enough)"
        )
    if weights is None:  # Mondrian in memory: the released labels row by row
        rows = {q: generalized[q].to_numpy(dtype=object) for q in qis}
        index = reader.df.index
        for q in qis:
            plan.transforms[q] = lambda ch, q=q: pd.Series(
                rows[q][index.get_indexer(ch.index)], index=ch.index, dtype=object
            )
    else:
        # One label per QI per class, suppression included: rows find theirs by their values.
        tmap = TupleMap(grouped[qis], {q: generalized[q].to_numpy(dtype=object) for q in qis})
        # One lookup per chunk gives every QI's label (suppression included).
        plan.joint.append((list(qis), tmap.lookup))
    achieved = plain(result.to_dict())
    levels = achieved.get("levels") or {}
    for q in qis:
        if isinstance(levels, dict) and q in levels:
            plan.col_records[q]["level"] = levels[q]
        if q in result.loss_by_column:
            plan.col_records[q]["information_loss"] = round(result.loss_by_column[q], 6)
    plan.privacy = {
        "requested": privacy.model_dump(exclude_none=True),
        "quasi_identifiers": qis,
        "achieved": achieved,
    }
    if choice is not None:
        plan.privacy["quasi_identifier_choice"] = {
            "chosen": list(choice.chosen),
            "dropped": list(choice.dropped),
            "kinds": dict(choice.kinds),
            "criterion": "privsynth.policy.quasi (kind, one per kind, hierarchy, confidence)",
        }


def _plan_datetime_output(reader: TableReader, plan: AnonymizePlan) -> None:
    """How datetime columns print in CSV: decided over the whole column, as pandas does for a
    whole table (dates only when no value has a time of day), not chunk by chunk."""
    sample = reader.sample()
    for c in plan.output_columns:
        kind = plan.resolved.columns[c].kind
        joint = {n for names, _ in plan.joint for n in names}
        if kind is not Action.SHIFT_DATES and (c in plan.transforms or c in joint):
            continue  # generalized, masked or a quasi-identifier: no longer a datetime
        if c in sample and pd.api.types.is_datetime64_any_dtype(sample[c]):
            plan.datetime_columns.append(c)
            # A whole-day shift keeps the time of day, so the input column decides.
            fmt = "%Y-%m-%d" if reader.dates_only(c) else "%Y-%m-%d %H:%M:%S"
            plan.datetime_formats[c] = fmt


__all__ = ["AnonymizePlan", "TupleMap", "ValueMap", "plan_anonymize"]
