"""`release`: apply a policy to a table and say exactly what was done (the manifest).

Anonymize mode applies each column's action (drop, redact, pseudonymize, mask, shift dates,
noise, generalize), then the k-anonymity search over the quasi-identifiers when the policy has
a `privacy:` section. Synthesize mode hands the table to `privsynth.synth.synthesize`.
`write_release` writes `release.csv|parquet` and `manifest.json` all-or-nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.detect.findings import ColumnFinding
from privsynth.errors import InputError
from privsynth.policy import Action, Policy, load_policy, policy_sha256, resolve
from privsynth.policy.resolve import NeedsScanError, ResolvedColumn, ResolvedPolicy

_DEPENDENCIES = ("numpy", "pandas", "pyarrow", "opendp", "pydantic", "PyYAML", "Faker", "scipy")
_MISSING = "<NA>"


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
        from privsynth.io import read_table

        df = read_table(df)
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    seed = seed if seed is not None else policy.release.seed
    try:
        resolved = resolve(policy, df, findings)
    except NeedsScanError:
        # Only scan when a column actually reaches a class/entity rule: scanning is the slow part.
        found = scan_findings(df, required=False)
        if found is None:
            raise
        resolved = resolve(policy, df, found)
        findings = found
    if policy.release.mode == "synthesize":
        return _synthesize(df, resolved, seed=seed, findings=findings)
    return _anonymize(df, resolved, seed=seed, key_file=key_file)


def scan_findings(df: pd.DataFrame, *, required: bool = True) -> list[ColumnFinding] | None:
    """Run the PII scan and return its per-column findings (None if no scanner and not required)."""
    try:
        from privsynth.detect import scan
    except ImportError:
        if not required:
            return None
        raise InputError(
            "this policy matches columns by detected class/entity, but the scanner is not "
            "available; pass findings or name the columns explicitly"
        ) from None
    result = scan(df)
    found = getattr(result, "findings", None)
    if found is None:
        found = getattr(result, "columns", None)
    if isinstance(found, dict):
        found = list(found.values())
    if found is None:
        raise InputError("the scan returned no findings")
    return list(found)


# --------------------------------------------------------------------------------------- anonymize
def _anonymize(
    df: pd.DataFrame, resolved: ResolvedPolicy, *, seed: int | None, key_file
) -> Release:
    """The memory path of the streamed plan (privsynth.transform.stream): the whole table is
    one chunk, so a file released in chunks through an engine gets the same rows."""
    from privsynth.transform.readers import FrameReader
    from privsynth.transform.stream import plan_anonymize

    plan = plan_anonymize(FrameReader(df), resolved, seed=seed, key_file=key_file)
    out = plan.apply(df)
    manifest = plan.manifest(len(df), len(out))
    return Release(data=out.reset_index(drop=True), manifest=manifest, ledger=plan.ledger)


def _load_keys(resolved: ResolvedPolicy, key_file) -> dict[str, tuple[bytes, str]]:
    """Every keyed column's key, loaded before any work so a missing key fails fast."""
    from privsynth.transform.masking import DEFAULT_KEY_ENV, load_key

    keys: dict[str, tuple[bytes, str]] = {}
    for name, col in resolved.columns.items():
        a = col.action
        keyed = col.kind is Action.SHIFT_DATES or (
            col.kind is Action.PSEUDONYMIZE and (a.method or "hmac") in ("hmac", "format", "faker")
        )
        if not keyed:
            continue
        if key_file is not None:
            keys[name] = (load_key(key_file=key_file), "key file given on the command line")
        elif a.key_file is not None:
            path = Path(a.key_file)
            if not path.is_absolute() and resolved.policy.source:
                path = Path(resolved.policy.source).parent / path
            keys[name] = (load_key(key_file=path), f"key file {a.key_file}")
        else:
            env = a.key_env or DEFAULT_KEY_ENV
            keys[name] = (load_key(key_env=env), f"environment variable {env}")
    return keys


def _faker_provider(col: ResolvedColumn) -> str:
    from privsynth.transform.masking import FAKER_PROVIDERS

    if col.finding is not None:
        return FAKER_PROVIDERS.get(col.finding.entity.upper(), "name")
    return "name"


def _result_dict(result: Any) -> dict[str, Any]:
    if hasattr(result, "to_dict"):
        d = result.to_dict()
    elif dataclasses.is_dataclass(result):
        d = dataclasses.asdict(result)
    elif hasattr(result, "model_dump"):
        d = result.model_dump()
    else:
        d = {k: v for k, v in vars(result).items() if not k.startswith("_")}
    return json.loads(json.dumps(d, default=_jsonable))


# ------------------------------------------------------------------------------------ synthesize
def _synthesize(
    df: pd.DataFrame,
    resolved: ResolvedPolicy,
    *,
    seed: int | None,
    findings: Sequence[ColumnFinding] | None = None,
) -> Release:
    from privsynth.transform import hierarchy as h

    try:
        from privsynth.synth import synthesize
    except ImportError:
        raise InputError(
            "mode synthesize needs the DP synthesizer (privsynth.synth.synthesize), which is "
            "not available in this build"
        ) from None
    policy = resolved.policy
    # The synthesizer plans its own columns from the policy (drops, unit-of-privacy id), so it
    # gets every column; generalized ones arrive already coarsened.
    work = df.copy()
    col_records: dict[str, dict[str, Any]] = {}
    base_dir = Path(policy.source).parent if policy.source else None
    for name, col in resolved.columns.items():
        record: dict[str, Any] = {"action": col.kind.value, "decided_by": col.source}
        if col.kind is Action.GENERALIZE:
            values = h.hierarchy_input(col.action.hierarchy, df[name])
            hier = h.build_hierarchy(col.action.hierarchy, values, base_dir=base_dir)
            level = 1 if col.action.level is None else col.action.level
            work[name] = h.generalize(values, hier, level)
            record["level"] = level
        col_records[name] = record
    # Pass on the findings we already have so the synthesizer does not scan the table again.
    result = synthesize(work, policy, seed=seed, findings=findings)
    ledger = getattr(result, "ledger", None)
    manifest = _manifest(policy, df, result.data, seed, col_records, None, _jsonable(ledger), [])
    manifest["input"] = synthetic_input(manifest["input"])
    manifest["synthesis"] = json.loads(json.dumps(getattr(result, "manifest", {}) or {}, default=_jsonable))
    return Release(data=result.data, manifest=manifest, ledger=ledger)


# -------------------------------------------------------------------------------------- manifest
def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [_jsonable(v) for v in obj]
    return str(obj)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in _DEPENDENCIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist.lower()] = metadata.version(dist)
    return out


def _manifest(
    policy: Policy,
    original: pd.DataFrame,
    data: pd.DataFrame,
    seed: int | None,
    columns: dict[str, dict[str, Any]],
    privacy: dict[str, Any] | None,
    ledger: Any,
    notices: list[str],
) -> dict[str, Any]:
    return _manifest_from_shape(
        policy,
        len(original),
        list(map(str, original.columns)),
        len(data),
        list(map(str, data.columns)),
        seed,
        columns,
        privacy,
        ledger,
        notices,
    )


def _manifest_from_shape(
    policy: Policy,
    rows_in: int,
    columns_in: list[str],
    rows_out: int,
    columns_out: list[str],
    seed: int | None,
    columns: dict[str, dict[str, Any]],
    privacy: dict[str, Any] | None,
    ledger: Any,
    notices: list[str],
) -> dict[str, Any]:
    """The manifest from the table's shape alone (a streamed release never holds the table)."""
    from privsynth import __version__

    total = None
    if isinstance(ledger, list) and ledger and all(isinstance(e, dict) for e in ledger):
        total = {
            "epsilon": float(sum(e.get("epsilon") or 0.0 for e in ledger)),
            "delta": float(sum(e.get("delta") or 0.0 for e in ledger)),
            "composition": "basic (sum over noised columns, per person)",
        }
    manifest = {
        "privsynth_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": policy.release.mode,
        "seed": seed,
        "policy": {"name": policy.name, "sha256": policy_sha256(policy), "source": policy.source},
        "input": {"rows": int(rows_in), "columns": list(map(str, columns_in))},
        "output": {"rows": int(rows_out), "columns": list(map(str, columns_out))},
        "columns": columns,
        "privacy": privacy,
        "ledger": ledger if isinstance(ledger, list) else _jsonable(ledger),
        "ledger_total": total,
        "notices": notices,
        "versions": _versions(),
    }
    return json.loads(json.dumps(manifest, default=_jsonable))


# ----------------------------------------------------------------------------------------- write
# Privacy rule 2: a DP release may not carry the exact row count or a digest of the private rows
# (a digest lets anyone holding all rows but one test each candidate for the last row).
WITHHELD_INPUT_NOTE = (
    "the input's row count and file digest are withheld: both are functions of the private "
    "rows that the DP guarantee does not cover (keep them in your internal records)"
)


def synthetic_input(record: dict[str, Any]) -> dict[str, Any]:
    """The manifest's `input` entry for a DP synthetic release: no row count, no digest."""
    out = {k: v for k, v in record.items() if k not in ("rows", "sha256")}
    out["withheld"] = WITHHELD_INPUT_NOTE
    return out


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_release(
    rel: Release,
    out_dir: str | os.PathLike[str],
    input_path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
) -> Path:
    """Write `DIR/release.csv` (or `.parquet`) and `DIR/manifest.json`, all or nothing.

    `fmt` defaults to Parquet for a Parquet input, CSV otherwise; the manifest gains the input
    file's path and sha256.
    """
    from privsynth.io import atomic_dir, write_table

    if fmt is None:
        suffix = Path(input_path).suffix.lower() if input_path is not None else ""
        fmt = "parquet" if suffix in (".parquet", ".pq") else "csv"
    if fmt not in ("csv", "parquet"):
        raise InputError(f"unknown output format {fmt!r}; use csv or parquet")
    manifest = dict(rel.manifest)
    if input_path is not None:
        manifest["input"] = {**manifest.get("input", {}), "path": str(input_path)}
        if manifest.get("mode") == "synthesize":
            manifest["input"] = synthetic_input(manifest["input"])
        else:
            manifest["input"]["sha256"] = file_sha256(input_path)
    manifest["output"] = {**manifest.get("output", {}), "file": f"release.{fmt}"}
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    synthesis = manifest.get("synthesis") if manifest.get("mode") == "synthesize" else None
    meta = {"privsynth": "release"}
    if synthesis is not None:
        from privsynth.synth.release import synthetic_metadata

        meta.update(synthetic_metadata(synthesis))
    with atomic_dir(out_dir) as tmp:
        write_table(rel.data, tmp / f"release.{fmt}", metadata=meta)
        if synthesis is not None:
            from privsynth.synth.release import write_synthetic_readme

            # A synthetic table must not be mistaken for real records once it leaves the folder.
            write_synthetic_readme(tmp, synthesis)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=_jsonable) + "\n")
    return out_dir


# --------------------------------------------------------------------------------------- the CLI
def run_release(
    file: Path,
    policy: str,
    out: Path,
    *,
    seed: int | None = None,
    key_file: Path | None = None,
    json_out: bool = False,
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
) -> Release | dict[str, Any]:
    """`privsynth release`: read FILE, apply the policy, write DIR, print a short summary.

    In memory (the default for files up to AUTO_DUCKDB_BYTES) the table is read whole and
    `release` runs on it; on DuckDB or Spark the file stays where it is and the policy's mode
    dispatches to the streaming paths (`synthesize_source`, `anonymize_source`). Returns the
    `Release` in memory, the manifest otherwise.
    """
    import typer

    from privsynth.engine.select import announce, choose_engine
    from privsynth.io import load_table

    if key_file is not None and not Path(key_file).is_file():
        # Checked even when no column needs it: a mistyped path must not pass silently.
        raise InputError(f"{key_file}: no such key file (--key-file)")
    choice = choose_engine(file, engine, spark_master=spark_master, memory_limit=memory_limit)
    pol = load_policy(policy)
    if choice.name == "memory":
        df, _schema = load_table(file)
        announce(choice, engine, None)
        rel = release(df, pol, seed=seed, key_file=key_file)
        write_release(rel, out, input_path=file)
        manifest = rel.manifest
        result: Release | dict[str, Any] = rel
    else:
        from privsynth.engine.source import open_source
        from privsynth.engine.typed import check_readable

        source = open_source(
            file, choice.name, spark_master=spark_master, memory_limit=memory_limit
        )
        check_readable(source)  # a bad file stays a one-line error, before the engine line
        announce(choice, engine, None)
        manifest = _release_source(source, pol, out, seed=seed, key_file=key_file)
        result = manifest
    if json_out:
        typer.echo(json.dumps({"out": str(out), **manifest}, default=_jsonable))
        return result
    print_summary(manifest, out)
    return result


def _release_source(
    source: Any, pol: Policy, out: Path, *, seed: int | None, key_file: Path | None
) -> dict[str, Any]:
    """Release a table an engine holds (DuckDB / Spark) without loading it: the manifest.

    The two streaming paths are `privsynth.synth.synthesize_source` +
    `write_synthetic_release` and `anonymize_source` (here or in `privsynth.transform.stream`).
    Rules on detected class/entity get their findings from a scan of the source (samples and
    engine statistics, never the whole file in memory).
    """
    from privsynth.policy.resolve import needs_findings

    seed = seed if seed is not None else pol.release.seed
    findings = None
    if needs_findings(pol):
        from privsynth.detect import scan

        findings = list(scan(source).findings)
    mode = pol.release.mode
    if mode == "synthesize":
        try:
            from privsynth.synth import synthesize_source
        except ImportError:
            raise InputError(_NOT_AVAILABLE.format(engine=source.engine_name, mode=mode)) from None
        syn = synthesize_source(source, pol, seed=seed, findings=findings)
        return _write_streamed_synthetic(syn, pol, source, out, seed=seed)
    anonymize_source = _anonymize_source()
    if anonymize_source is None:
        raise InputError(_NOT_AVAILABLE.format(engine=source.engine_name, mode=mode))
    return anonymize_source(source, pol, out, seed=seed, key_file=key_file, findings=findings)


_NOT_AVAILABLE = (
    "the {engine} engine for release mode {mode} is not available in this build; "
    "run with --engine memory"
)


def _anonymize_source():
    """The streaming anonymizer, wherever it lives (this module or transform.stream), or None."""
    fn = globals().get("anonymize_source")
    if fn is not None:
        return fn
    try:
        from privsynth.transform.stream import anonymize_source as fn
    except ImportError:
        return None
    return fn


def _write_streamed_synthetic(
    syn: Any, pol: Policy, source: Any, out: Path, *, seed: int | None
) -> dict[str, Any]:
    """Write a streamed synthetic release in the memory path's layout, all or nothing.

    `release.<fmt>` (the rows from `syn.chunks()`, never all at once), `manifest.json` with the
    synthesizer's manifest under `synthesis`, and the synthetic README: the folder looks the
    same whichever engine made it. The input's exact row count is not recorded (it is a
    private statistic; the synthesizer's manifest says how the output row count was set).
    """
    from privsynth import __version__
    from privsynth.io import TableWriter, atomic_dir
    from privsynth.synth.release import synthetic_metadata, write_synthetic_readme

    path = Path(source.path) if source.path is not None else None
    fmt = "parquet" if path is not None and path.suffix.lower() in (".parquet", ".pq") else "csv"
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    synthesis = json.loads(json.dumps(getattr(syn, "manifest", {}) or {}, default=_jsonable))
    dropped = synthesis.get("dropped_columns") or {}
    columns: dict[str, dict[str, Any]] = {
        c: {"action": "drop" if c in dropped else "keep"} for c in source.columns
    }
    ledger = synthesis.get("ledger")
    with atomic_dir(out) as tmp:
        rows, out_cols = 0, []
        meta = {"privsynth": "release", **synthetic_metadata(synthesis)}
        with TableWriter(tmp / f"release.{fmt}", metadata=meta) as w:
            for chunk in syn.chunks():
                out_cols = out_cols or [str(c) for c in chunk.columns]
                rows += len(chunk)
                w.write(chunk)
        manifest = {
            "privsynth_version": __version__,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "synthesize",
            "seed": seed,
            "policy": {"name": pol.name, "sha256": policy_sha256(pol), "source": pol.source},
            "input": {"columns": list(source.columns), "engine": source.engine_name},
            "output": {"rows": rows, "columns": out_cols, "file": f"release.{fmt}"},
            "columns": columns,
            "privacy": None,
            "ledger": ledger,
            "ledger_total": None,
            "notices": [],
            "versions": _versions(),
            "synthesis": synthesis,
        }
        if path is not None:
            manifest["input"]["path"] = str(path)
        manifest["input"] = synthetic_input(manifest["input"])
        manifest = json.loads(json.dumps(manifest, default=_jsonable))
        write_synthetic_readme(tmp, synthesis)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def print_summary(m: dict[str, Any], out: Path) -> None:
    """The few lines `privsynth release` prints: rows, actions, what privacy was achieved/spent."""
    import typer

    actions: dict[str, int] = {}
    for rec in (m.get("columns") or {}).values():
        action = rec.get("action", "?") if isinstance(rec, dict) else str(rec)
        actions[action] = actions.get(action, 0) + 1
    output = m.get("output") or {}
    rows = output.get("rows", "?")
    cols = output.get("columns")
    n_cols = len(cols) if isinstance(cols, list) else "?"
    name = (m.get("policy") or {}).get("name", "?")
    typer.echo(f"released {rows} rows x {n_cols} columns under policy {name!r} -> {out}/")
    if actions:
        typer.echo("actions: " + ", ".join(f"{a} {n}" for a, n in sorted(actions.items())))
    privacy = m.get("privacy")
    if isinstance(privacy, dict) and isinstance(privacy.get("achieved"), dict):
        ach = privacy["achieved"]
        keys = ("k_achieved", "l_achieved", "t_achieved", "suppression_rate", "loss", "levels")
        shown = {k: ach[k] for k in keys if ach.get(k) is not None}
        typer.echo("privacy achieved: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    if m.get("ledger_total"):
        t = m["ledger_total"]
        typer.echo(f"privacy budget spent: epsilon {t['epsilon']:g}, delta {t['delta']:g}")
    led = m.get("ledger")
    if m.get("mode") == "synthesize" and isinstance(led, dict) and "epsilon_spent" in led:
        typer.echo(
            f"DP synthetic ({(m.get('synthesis') or {}).get('method', '?')}): epsilon spent "
            f"{led['epsilon_spent']:.4g} of {led.get('epsilon')}, delta {led.get('delta')}"
        )
    for notice in m.get("notices", []) or []:
        typer.echo(f"warning: {notice}", err=True)


# `privsynth.release` is both this module and its main function: once the module is imported,
# Python binds the package attribute to the module, so make the module callable as `release`.
class _CallableModule(sys.modules[__name__].__class__):
    def __call__(self, *args: Any, **kwargs: Any) -> Release:
        return release(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
