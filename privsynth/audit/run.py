"""`audit()`: measure a release's privacy risk next to its utility, and build the report.

The audit works on any release (ours, anonymized or DP-synthetic, or another tool's), given the
original table and ideally a holdout of real rows the release was NOT built from. It reads its
inputs (`audit.inputs`), chooses the columns (`audit.columns`), runs the measurements
(`audit.measure`: re-identification risk, singling out, linkability, inference, membership
inference, utility) and assembles the report with its threshold checks (`audit.report`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from privsynth.audit import _scale
from privsynth.audit import thresholds as _thr
from privsynth.audit.columns import choose_columns, memory_inventory
from privsynth.audit.inputs import (
    dig,
    dp_promise,
    first,
    load_inputs,
    read_manifest,
    read_policy,
    read_scan,
    release_mode,
)
from privsynth.audit.measure import Progress, measure
from privsynth.audit.report import AuditReport, assemble_report, privacy_statement
from privsynth.engine.select import choose_engine
from privsynth.settings import check_seed


def audit(
    original: pd.DataFrame | str | os.PathLike[str],
    release: pd.DataFrame | str | os.PathLike[str],
    holdout: pd.DataFrame | str | os.PathLike[str] | None = None,
    *,
    policy: Any = None,
    manifest: Any = None,
    scan: Any = None,
    quasi_identifiers: Sequence[str] | str | None = None,
    secrets: Sequence[str] | str | None = None,
    target: str | None = None,
    seed: int = 0,
    n_attacks: int | None = None,
    progress: Progress | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    sample_rows: int | None = None,
) -> AuditReport:
    """Audit `release` against `original` (and `holdout`, real rows not used for the release).

    `release` may be a table, a path, or the `Release` that `ps.release()` returns (its manifest
    is then used). `quasi_identifiers` / `secrets` default to the policy's `audit` section, then
    its `privacy` section, the manifest, then the scan's classes. `progress(step, i, n)` is
    called before each step.

    `engine` (None = auto: DuckDB when an input file is larger than AUTO_DUCKDB_BYTES): on
    DuckDB or Spark the tables are not loaded; re-identification classes and utility marginals
    are counted over every row, the row-level metrics run on uniform samples of `sample_rows`
    (default AUDIT_SAMPLE_ROWS) rows per table, and the report's `sampling` says which is which.
    """
    seed = check_seed(seed)  # sklearn and numpy take 0..2**32-1 only
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    if hasattr(release, "data") and hasattr(release, "manifest"):  # a ps.release() Release
        manifest = manifest if manifest is not None else release.manifest
        release = release.data
    engine_name = choose_engine(
        [original, release, holdout], engine, spark_master=spark_master, memory_limit=memory_limit
    ).name
    inputs = load_inputs(
        original, release, holdout, engine=engine_name, spark_master=spark_master,
        memory_limit=memory_limit, sample_rows=sample_rows, seed=seed,
    )  # fmt: skip
    pol, pol_hash = read_policy(policy)
    man = read_manifest(manifest)
    findings = read_scan(scan)
    notes: list[str] = list(inputs.scaled.notes) if inputs.scaled is not None else []

    cols = choose_columns(
        inputs, pol, man, findings, quasi_identifiers=quasi_identifiers, secrets=secrets,
        target=target, notes=notes,
    )  # fmt: skip
    if inputs.scaled is None:
        inventory = memory_inventory(inputs.original, inputs.release, findings)
    else:
        inventory = _scale.inventory(inputs.scaled, cols.columns, findings)
    limits = _thr.resolve_thresholds(dig(pol, "audit", "thresholds"))
    epsilon, delta = dp_promise(pol, man)
    measured = measure(
        inputs,
        cols,
        synthetic=release_mode(pol, man) == "synthesize",
        risk_threshold=float(first(dig(pol, "audit", "risk_threshold"), 0.09)),
        epsilon=float(epsilon) if epsilon is not None else None,
        delta=float(delta) if delta is not None else None,
        target=target,
        n_attacks=n_attacks,
        seed=seed,
        progress=progress,
        notes=notes,
    )
    privacy = privacy_statement(pol, man, measured.risk)
    measured.timings["total"] = time.perf_counter() - t_start
    measured.timings_cpu["total"] = time.process_time() - cpu_start
    return assemble_report(
        original,
        release,
        holdout,
        inputs=inputs,
        cols=cols,
        measured=measured,
        policy=pol,
        policy_sha256=pol_hash,
        manifest=man,
        findings=findings,
        inventory=inventory,
        limits=limits,
        privacy=privacy,
        seed=seed,
        notes=notes,
    )
