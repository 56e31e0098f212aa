"""`release`: apply a policy to a table and say exactly what was done (the manifest).

plan -> (anonymize | synthesize) -> write. Anonymize mode applies each column's action (drop,
redact, pseudonymize, mask, shift dates, noise, generalize), then the k-anonymity search over
the quasi-identifiers when the policy has a `privacy:` section (`pipeline.anonymize`).
Synthesize mode fits the DP synthesizer (`pipeline.synthesize`). In memory the whole table is
one chunk; `release_source` runs the same plans on a table an engine holds (DuckDB, Spark),
streaming it, so a file gets the same rows whichever engine read it. `write_release` writes
`release.csv|parquet` and `manifest.json` all or nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from privsynth.detect import ColumnFinding
from privsynth.engine.paths import is_parquet
from privsynth.engine.source import TableSource, open_source
from privsynth.engine.source import chunk_rows as chunk_rows_setting
from privsynth.errors import InputError
from privsynth.io import file_sha256, read_table
from privsynth.io.read import read_csv_text
from privsynth.pipeline.anonymize import plan_anonymize
from privsynth.pipeline.manifest import synthetic_manifest, with_input_file
from privsynth.pipeline.plan import resolve_for, resolve_table, source_findings
from privsynth.pipeline.readers import FrameReader, reader_for
from privsynth.pipeline.residual import SAMPLE_ROWS as RESIDUAL_ROWS
from privsynth.pipeline.spark import anonymize_spark
from privsynth.pipeline.synthesize import synthesize_source
from privsynth.pipeline.write import (
    WriteOptions,
    check_out_dir,
    check_room,
    output_format,
    write_frame,
    write_plan,
    write_streamed_synthetic,
)
from privsynth.policy import Policy, ResolvedPolicy, load_policy
from privsynth.settings import check_seed


@dataclass
class Release:
    """What `release` returns: the released table, its manifest and the privacy ledger."""

    data: pd.DataFrame
    manifest: dict[str, Any]
    ledger: Any = field(default_factory=list)


def release(
    df: pd.DataFrame,
    policy: Policy | str | os.PathLike[str],
    *,
    seed: int | None = None,
    findings: Sequence[ColumnFinding] | None = None,
    key_file: str | os.PathLike[str] | None = None,
) -> Release:
    """Apply `policy` to `df` and return the release with its manifest.

    `findings` (from `ps.scan(df)`) are needed by rules on detected class/entity; when absent
    and needed, the table is scanned. `key_file` overrides the policy's key source for every
    keyed transform. Raises `InputError` (nothing computed half-way matters: nothing is written).
    """
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    if not isinstance(df, pd.DataFrame):
        df = read_table(df)
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    seed = check_seed(seed if seed is not None else policy.release.seed)
    if policy.release.mode == "synthesize":
        # synthesize mode never scans: the public schema comes from the policy and the header
        return _synthesize(df, policy, seed=seed)
    resolved, found = resolve_table(policy, df, findings)
    return _anonymize(df, resolved, seed=seed, key_file=key_file)


def _anonymize(
    df: pd.DataFrame,
    resolved: ResolvedPolicy,
    *,
    seed: int | None,
    key_file: str | os.PathLike[str] | None,
) -> Release:
    """The memory path of the streamed plan: the whole table is one chunk, so a file released
    in chunks through an engine gets the same rows."""
    plan = plan_anonymize(FrameReader(df), resolved, seed=seed, key_file=key_file)
    out = plan.apply(df)
    plan.check_residual(df, out)
    manifest = plan.manifest(len(df), len(out))
    return Release(data=out.reset_index(drop=True), manifest=manifest, ledger=plan.ledger)


def _synthesize(df: pd.DataFrame, policy: Policy, *, seed: int | None) -> Release:
    """The DP synthesizer on the table (`pipeline.synthesize`): generalized columns are
    coarsened cell by cell inside it, the same in every engine."""
    result = synthesize_source(open_source(df, "memory"), policy, seed=seed)
    data = result.data
    manifest = synthetic_manifest(result, policy, seed=seed, columns_in=list(df.columns),
                                  columns_out=list(data.columns), rows_out=len(data))
    return Release(data=data, manifest=manifest, ledger=result.ledger)


def read_public(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A file as synthesize mode reads it: a Parquet file with its stored types (part of its
    schema), a CSV with every cell text and nothing inferred from the values
    (`io.read.read_csv_text`)."""
    path = Path(path)
    if is_parquet(path):
        return read_table(path, infer_types=False)
    return read_csv_text(path)


def write_release(
    rel: Release,
    out_dir: str | os.PathLike[str],
    input_path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    *,
    overwrite: bool = False,
    neutralize_formulas: bool = True,
) -> Path:
    """Write `DIR/release.csv` (or `.parquet`) and `DIR/manifest.json`, all or nothing.

    `fmt` defaults to Parquet for a Parquet input, CSV otherwise; the manifest gains the input
    file's path and sha256 (no digest for a DP synthetic release: privacy rule 2). A non-empty
    `DIR` is refused unless `overwrite` (which replaces a previous release whole);
    `neutralize_formulas=False` writes formula-leading CSV cells raw (`WriteOptions`).
    """
    fmt = output_format(input_path, fmt)
    synthetic = rel.manifest.get("mode") == "synthesize"
    digest = file_sha256(input_path) if input_path is not None and not synthetic else None
    manifest = with_input_file(rel.manifest, input_path, digest, file=f"release.{fmt}")
    options = WriteOptions(overwrite=overwrite, neutralize_formulas=neutralize_formulas)
    check_out_dir(out_dir, options, input_path)  # never an output folder holding its input
    return write_frame(rel.data, manifest, out_dir, fmt, options)


# ------------------------------------------------------------------------- engine-held tables
def release_source(
    source: TableSource,
    policy: Policy,
    out_dir: str | os.PathLike[str],
    *,
    seed: int | None = None,
    key_file: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    neutralize_formulas: bool = True,
) -> dict[str, Any]:
    """Release a table an engine holds (DuckDB / Spark) without loading it; the manifest.

    Rules on detected class/entity get their findings from a scan of the source (samples and
    engine statistics, never the whole file in memory). `overwrite` and `neutralize_formulas`
    as in `write_release`.
    """
    seed = check_seed(seed if seed is not None else policy.release.seed)
    if policy.release.mode == "synthesize":  # never scanned: the schema is public
        if policy.release.rows is not None:
            check_room(out_dir, policy.release.rows, len(source.columns))
        syn = synthesize_source(source, policy, seed=seed)
        return write_streamed_synthetic(
            syn,
            policy,
            out_dir,
            seed=seed,
            columns_in=list(source.columns),
            input_path=source.path,
            engine=source.engine_name,
            options=WriteOptions(overwrite=overwrite, neutralize_formulas=neutralize_formulas),
        )
    findings = source_findings(source, policy)
    return anonymize_source(
        source, policy, out_dir, seed=seed, key_file=key_file, findings=findings,
        overwrite=overwrite, neutralize_formulas=neutralize_formulas,
    )  # fmt: skip


def anonymize_source(
    source: TableSource,
    policy: Policy | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    seed: int | None = None,
    key_file: str | os.PathLike[str] | None = None,
    findings: Sequence[ColumnFinding] | None = None,
    fmt: str | None = None,
    chunk_rows: int | None = None,
    overwrite: bool = False,
    neutralize_formulas: bool = True,
) -> dict[str, Any]:
    """Anonymize the table of `source` (a `TableSource`) under `policy`, streamed to `out_dir`.

    Writes `out_dir/release.<fmt>` and `out_dir/manifest.json` all or nothing (like
    `write_release`) and returns the manifest. The rows are never all in memory for a file
    source: counts run in the source's engine, transforms run per chunk of `chunk_rows` rows
    (Spark: per partition, via `mapInPandas`). `fmt` defaults to Parquet for a Parquet input,
    CSV otherwise (Spark always writes Parquet). `overwrite` and `neutralize_formulas` as in
    `write_release`.
    """
    options = WriteOptions(overwrite=overwrite, neutralize_formulas=neutralize_formulas)
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    if policy.release.mode != "anonymize":
        raise InputError(
            f"policy {policy.name!r} has mode {policy.release.mode}; anonymize_source runs "
            "mode: anonymize policies"
        )
    if key_file is not None and not Path(key_file).is_file():
        raise InputError(f"{key_file}: no such key file (--key-file)")
    seed = check_seed(seed if seed is not None else policy.release.seed)
    fmt = output_format(source.path, fmt)
    if source.engine_name == "spark":
        return anonymize_spark(
            source, policy, out_dir, seed=seed, key_file=key_file, findings=findings,
            options=options,
        )  # fmt: skip
    reader = reader_for(source)
    resolved, _ = resolve_for(reader, policy, findings)
    plan = plan_anonymize(reader, resolved, seed=seed, key_file=key_file)
    plan.check_residual(reader.sample(RESIDUAL_ROWS))
    rows = int(chunk_rows or chunk_rows_setting())
    return write_plan(
        plan, reader, out_dir, fmt=fmt, rows=rows, input_path=source.path, options=options
    )


__all__ = [
    "Release",
    "anonymize_source",
    "read_public",
    "release",
    "release_source",
    "write_release",
]
