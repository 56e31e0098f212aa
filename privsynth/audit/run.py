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
from privsynth.audit.columns import choose_columns, column_actions, memory_inventory
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
from privsynth.audit.loss import information_loss, not_comparable
from privsynth.audit.measure import Progress, measure
from privsynth.audit.report import AuditReport, assemble_report, privacy_statement
from privsynth.engine.select import choose_engine
from privsynth.errors import InputError
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
    population_size: float | None = None,
    sampling_fraction: float | None = None,
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

    `population_size` (how many people the table was drawn from) or `sampling_fraction` (release
    rows / population) turn on the journalist risk model and the Zayatz and Pitman estimates of
    population uniqueness; without either, journalist risk is reported at its upper bound.
    """
    seed = check_seed(seed)  # sklearn and numpy take 0..2**32-1 only
    if population_size is not None and sampling_fraction is not None:
        raise InputError("give the population size or the sampling fraction, not both")
    if sampling_fraction is not None and not 0 < sampling_fraction <= 1:
        raise InputError(f"the sampling fraction must be in (0, 1], got {sampling_fraction:g}")
    if population_size is not None and not population_size >= 1:
        raise InputError(f"the population size must be at least 1, got {population_size:g}")
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
    synthetic = release_mode(pol, man) == "synthesize"
    actions = column_actions(pol, man)
    measured = measure(
        inputs,
        cols,
        synthetic=synthetic,
        risk_threshold=float(first(dig(pol, "audit", "risk_threshold"), 0.09)),
        epsilon=float(epsilon) if epsilon is not None else None,
        delta=float(delta) if delta is not None else None,
        target=target,
        n_attacks=n_attacks,
        seed=seed,
        progress=progress,
        notes=notes,
        population={"population_size": population_size, "sampling_fraction": sampling_fraction},
        not_comparable=not_comparable(actions),
    )
    util = measured.utility
    util.information_loss = information_loss(
        inputs.original,
        inputs.release,
        compared=util.encoded.columns if util.encoded is not None else [],
        excluded=util.excluded_columns,
        actions=actions,
        synthetic=synthetic,
    )
    if util.information_loss.lost:
        notes.append(
            f"column(s) {', '.join(util.information_loss.lost)} carry no information in the "
            "release (every cell suppressed or generalized to *): drop them in the policy, or "
            "generalize less"
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
