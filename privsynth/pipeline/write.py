"""Writing a release: one set of output helpers for every writer, all or nothing.

A release folder holds `release.csv|parquet` and `manifest.json` (and, for a DP synthetic
release, `README.md` saying the rows are synthetic). Every writer — a table in memory, a
file streamed chunk by chunk, the synthetic rows sampled chunk by chunk, Spark's partitions —
uses the same checks, format choice, Parquet metadata and manifest file, inside one
`atomic_dir` so that a failure leaves nothing behind (privacy rule 6). `WriteOptions` carries
the two choices a caller makes about every writer: replace a previous release in the folder
(`overwrite`, never a merge), and quote formula-leading CSV cells (`neutralize_formulas`, on
unless a machine consumer turns it off).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from privsynth.errors import InputError
from privsynth.io import TableWriter, atomic_dir, file_sha256, write_table
from privsynth.io.atomic import check_output_dir
from privsynth.pipeline.anonymize import AnonymizePlan
from privsynth.pipeline.manifest import (
    SYNTHETIC_NOTICE,
    jsonable,
    synthetic_manifest,
    with_input_file,
)
from privsynth.pipeline.readers import TableReader
from privsynth.pipeline.synthesize import SyntheticRelease
from privsynth.policy import Policy
from privsynth.synth.base import NOISE_NOTE

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class WriteOptions:
    """How a release folder is written.

    `overwrite`: a non-empty output folder that is a previous privsynth output is replaced whole
    (without it, a non-empty folder is refused; a folder privsynth did not write always is).
    `neutralize_formulas`: CSV text cells that start like a spreadsheet formula get a leading
    `'` (`privsynth.io.safety`); False writes the raw text, for machine consumers.
    """

    overwrite: bool = False
    neutralize_formulas: bool = True


DEFAULT_WRITE = WriteOptions()


def output_format(input_path: str | os.PathLike[str] | None, fmt: str | None) -> str:
    """`fmt`, or Parquet for a Parquet input and CSV otherwise; refuses anything else."""
    if fmt is None:
        suffix = Path(input_path).suffix.lower() if input_path is not None else ""
        fmt = "parquet" if suffix in (".parquet", ".pq") else "csv"
    if fmt not in FORMATS:
        raise InputError(f"unknown output format {fmt!r}; use csv or parquet")
    return fmt


def check_out_dir(
    out_dir: str | os.PathLike[str],
    options: WriteOptions = DEFAULT_WRITE,
    input_path: str | os.PathLike[str] | None = None,
) -> Path:
    """The output folder, checked before any work (`io.atomic.check_output_dir`): a file in the
    way, the current folder, a folder holding the input, a non-empty folder without
    `overwrite` (or one privsynth did not write) are refused."""
    return check_output_dir(out_dir, overwrite=options.overwrite, inputs=[input_path])


def check_room(out_dir: str | os.PathLike[str], rows: int, columns: int) -> None:
    """Refuse, before any work, a synthetic release whose public row count (`release.rows`)
    cannot fit on the output's file system: each cell takes at least two bytes (a character
    and its separator). Decided from the policy and the header only, so the refusal is public."""
    need = float(rows) * max(int(columns), 1) * 2
    probe = Path(out_dir).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = float(shutil.disk_usage(probe).free)
    except OSError:
        return
    if need > free:
        raise InputError(
            f"release.rows = {rows}: that many rows need at least {need / 1e9:.3g} GB on disk and "
            f"the output's file system has {free / 1e9:.3g} GB free (and more memory and time "
            "than a release should take); lower release.rows"
        )


def with_formula_note(
    manifest: Mapping[str, Any], fmt: str, options: WriteOptions
) -> dict[str, Any]:
    """The manifest saying, for a CSV release, whether formula-leading cells were quoted
    (`output.formulas_quoted`): readers (the audit) undo the quotes only when they were."""
    out = dict(manifest)
    if fmt == "csv":
        out["output"] = {**(out.get("output") or {}), "formulas_quoted": options.neutralize_formulas}
    return out


def synthetic_metadata(synthesis: Mapping[str, Any]) -> dict[str, str]:
    """Parquet key-value metadata saying the table is synthetic (and how it was made)."""
    return {
        "privsynth.synthetic": "true",
        "privsynth.notice": SYNTHETIC_NOTICE,
        "privsynth.manifest": json.dumps(synthesis, default=str),
    }


def release_metadata(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The release file's metadata: a release, and for a DP synthetic one, that it is synthetic."""
    meta = {"privsynth": "release"}
    synthesis = manifest.get("synthesis") if manifest.get("mode") == "synthesize" else None
    if synthesis is not None:
        meta.update(synthetic_metadata(synthesis))
    return meta


def synthetic_readme(synthesis: Mapping[str, Any]) -> str:
    """A short README for the folder of a synthetic release."""
    priv = synthesis.get("privacy", {})
    led = synthesis.get("ledger", {})
    lines = [
        "# Synthetic data (privsynth)",
        "",
        SYNTHETIC_NOTICE,
        "",
        f"- Method: {str(synthesis.get('method', '?')).upper()} (marginal-based DP synthesis)",
        f"- Privacy: (epsilon={priv.get('epsilon')}, delta={priv.get('delta')})-differential privacy; "
        f"unit of privacy: {priv.get('unit_of_privacy')}",
        f"- Budget spent: rho={led.get('rho_spent', 0):.6g} of {led.get('rho_budget', 0):.6g} "
        f"(epsilon {led.get('epsilon_spent', 0):.4g}); {len(led.get('steps', []))} recorded DP steps, listed in manifest.json",
        f"- Rows: {synthesis.get('rows')} ({synthesis.get('rows_source')})",
        f"- Dropped columns: {', '.join(synthesis.get('dropped_columns', {})) or 'none'}",
        f"- Randomness: {synthesis.get('randomness', NOISE_NOTE)}",
        "",
        "Statistics that involve many columns at once are approximations; small groups and",
        "rare combinations are the least reliable.",
        "",
        "An audit report of this release, if one was made, is an internal document of the data",
        "holder: it holds exact figures about the private table and is not part of this release",
        "(do not share it with or beside these files).",
        "",
    ]
    notices = synthesis.get("notices") or []
    if notices:
        lines += ["## Notices", "", *[f"- {n}" for n in notices], ""]
    return "\n".join(lines)


def write_synthetic_readme(directory: str | Path, synthesis: Mapping[str, Any]) -> Path:
    """Write README.md beside the data (call inside the release writer's atomic_dir)."""
    path = Path(directory) / "README.md"
    path.write_text(synthetic_readme(synthesis))
    return path


def write_manifest(directory: Path, manifest: Mapping[str, Any]) -> Path:
    """`directory/manifest.json` (inside the writer's atomic_dir)."""
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=jsonable) + "\n")
    return path


def write_extras(directory: Path, manifest: Mapping[str, Any]) -> None:
    """What travels with every release file: the manifest, and a synthetic release's README
    (a synthetic table must not be mistaken for real records once it leaves the folder)."""
    if manifest.get("mode") == "synthesize" and manifest.get("synthesis") is not None:
        write_synthetic_readme(directory, manifest["synthesis"])
    write_manifest(directory, manifest)


def write_frame(
    data: pd.DataFrame,
    manifest: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    fmt: str,
    options: WriteOptions = DEFAULT_WRITE,
) -> Path:
    """A release held in memory: `release.<fmt>`, the manifest (and README), all or nothing."""
    out = check_out_dir(out_dir, options)
    manifest = with_formula_note(manifest, fmt, options)
    with atomic_dir(out, overwrite=options.overwrite) as tmp:
        write_table(
            data,
            tmp / f"release.{fmt}",
            metadata=release_metadata(manifest),
            neutralize_formulas=options.neutralize_formulas,
        )
        write_extras(tmp, manifest)
    return out


def write_rows(
    chunks: Iterator[pd.DataFrame],
    target: Path,
    *,
    metadata: Mapping[str, str],
    neutralize_formulas: bool = True,
) -> tuple[int, list[str]]:
    """Stream `chunks` into one file; the rows written and the columns of the first chunk."""
    rows, columns = 0, []
    with TableWriter(
        target, metadata=dict(metadata), neutralize_formulas=neutralize_formulas
    ) as w:
        for chunk in chunks:
            columns = columns or [str(c) for c in chunk.columns]
            rows += len(chunk)
            w.write(chunk)
    return rows, columns


def write_plan(
    plan: AnonymizePlan,
    reader: TableReader,
    out_dir: str | os.PathLike[str],
    *,
    fmt: str,
    rows: int,
    input_path: str | os.PathLike[str] | None = None,
    options: WriteOptions = DEFAULT_WRITE,
) -> dict[str, Any]:
    """Stream `reader`'s chunks through `plan` into `out_dir` (atomic); return the manifest."""
    out = check_out_dir(out_dir, options, input_path)
    with atomic_dir(out, overwrite=options.overwrite) as tmp:
        n_in = 0
        formats = plan.datetime_formats if fmt == "csv" else None
        chunks = reader.chunks(rows)
        first = next(chunks)
        n_in += len(first)
        released = plan.apply(first).reset_index(drop=True)
        schema = plan.parquet_schema(reader, released) if fmt == "parquet" else None
        with TableWriter(
            tmp / f"release.{fmt}",
            metadata={"privsynth": "release"},
            datetime_formats=formats,
            schema=schema,
            neutralize_formulas=options.neutralize_formulas,
        ) as w:
            w.write(released)
            del first, released
            for chunk in chunks:
                first_row = n_in + 1
                n_in += len(chunk)
                try:
                    w.write(plan.apply(chunk).reset_index(drop=True))
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                    # (pyarrow's message quotes the value that did not convert: not shown)
                    raise InputError(
                        f"rows from {first_row:,} on do not fit the column types of the first "
                        "rows; use --engine memory"
                    ) from None
        digest = file_sha256(input_path) if input_path is not None else None
        manifest = with_input_file(
            plan.manifest(n_in, w.rows), input_path, digest, file=f"release.{fmt}"
        )
        manifest = with_formula_note(manifest, fmt, options)
        write_manifest(tmp, manifest)
    return manifest


def write_streamed_synthetic(
    syn: SyntheticRelease,
    policy: Policy,
    out_dir: str | os.PathLike[str],
    *,
    seed: int | None,
    columns_in: list[str],
    input_path: str | os.PathLike[str] | None,
    engine: str,
    options: WriteOptions = DEFAULT_WRITE,
) -> dict[str, Any]:
    """A synthetic release sampled chunk by chunk (never all rows at once) into the memory
    path's layout: `release.<fmt>`, `manifest.json` with the synthesizer's record under
    `synthesis`, and the README. The input's exact row count is not recorded (a private
    statistic; the synthesizer's record says how the output row count was set)."""
    path = Path(input_path) if input_path is not None else None
    fmt = output_format(path, None)
    out = check_out_dir(out_dir, options, path)
    synthesis = syn.manifest
    # not the engine: `auto` picks it from the file's size, a function of the private rows
    extra: dict[str, Any] = {"path": str(path)} if path is not None else {}
    with atomic_dir(out, overwrite=options.overwrite) as tmp:
        meta = {"privsynth": "release", **synthetic_metadata(synthesis)}
        rows, columns_out = write_rows(
            syn.chunks(),
            tmp / f"release.{fmt}",
            metadata=meta,
            neutralize_formulas=options.neutralize_formulas,
        )
        manifest = synthetic_manifest(
            syn, policy, seed=seed, columns_in=columns_in, columns_out=columns_out,
            rows_out=rows, input_extra=extra,
        )
        manifest["output"]["file"] = f"release.{fmt}"
        manifest = with_formula_note(manifest, fmt, options)
        write_extras(tmp, manifest)
    return manifest


def write_synthetic_release(
    release: SyntheticRelease,
    out: str | Path,
    *,
    fmt: str = "parquet",
    chunk_rows: int | None = None,
    overwrite: bool = False,
    neutralize_formulas: bool = True,
) -> Path:
    """A `SyntheticRelease` on its own (the synthesizer's folder): `synthetic.parquet|csv`,
    its manifest and README.md, all or nothing.

    The rows are streamed chunk by chunk (sampled on the fly when the release was not
    materialized), so N rows never sit in memory at once. `overwrite` and
    `neutralize_formulas` as in `WriteOptions`.
    """
    if fmt not in FORMATS:
        raise InputError(f"output format must be parquet or csv (got {fmt!r})")
    out = Path(out)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        name = "synthetic.parquet" if fmt == "parquet" else "synthetic.csv"
        write_rows(
            release.chunks(chunk_rows),
            tmp / name,
            metadata=synthetic_metadata(release.manifest),
            neutralize_formulas=neutralize_formulas,
        )
        (tmp / "manifest.json").write_text(json.dumps(release.manifest, indent=1, default=str))
        write_synthetic_readme(tmp, release.manifest)
    return out
