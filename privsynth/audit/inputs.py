"""What the audit is given, read once: the three tables, the policy, the manifest, the scan.

Tables are read into memory, or on DuckDB / Spark opened where they live with uniform row
samples pulled for the row-level metrics (`audit._scale`). The policy is read as a plain dict
(a built-in name, a YAML file, a `Policy`); the manifest as a typed `Manifest`
(`pipeline.manifest`); the scan as one dict per column.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from privsynth.audit import _scale
from privsynth.audit.utility import _clean
from privsynth.detect import ColumnFinding, ScanResult
from privsynth.errors import InputError
from privsynth.io import file_sha256, frame_sha256, read_table
from privsynth.pipeline.manifest import Manifest
from privsynth.policy import Policy, load_policy, policy_sha256


def dig(d: Any, *path: str) -> Any:
    """`d[path[0]][path[1]]...`, or None where a key is missing."""
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return None
        d = d[key]
    return d


def first(*values: Any) -> Any:
    """The first value given: not None, and not an empty list (a policy's unset default)."""
    for v in values:
        if v is not None and not (isinstance(v, list | tuple) and not v):
            return v
    return None


def names(value: Any) -> list[str]:
    """Column names from a list or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


@dataclass
class AuditInputs:
    """The audit's tables: in memory, or row samples of tables an engine holds (`scaled`)."""

    original: pd.DataFrame
    release: pd.DataFrame
    holdout: pd.DataFrame | None
    digests: dict[str, str | None]  # original, release, holdout
    rows: dict[str, int | None]  # the full row counts: original, release, holdout
    scaled: _scale.ScaledInputs | None = None


def _load(source: Any, what: str) -> tuple[pd.DataFrame, str]:
    if source is None:
        raise InputError(f"the {what} table is missing")
    df = read_table(source)
    digest = frame_sha256(df) if isinstance(source, pd.DataFrame) else file_sha256(source)
    return df.reset_index(drop=True), digest


def load_inputs(
    original: Any,
    release: Any,
    holdout: Any,
    *,
    engine: str,
    spark_master: str | None,
    memory_limit: str | None,
    sample_rows: int | None,
    seed: int,
) -> AuditInputs:
    """Read the tables (memory) or open them on `engine` with their row samples."""
    if engine == "memory":
        orig, h_orig = _load(original, "original")
        rel, h_rel = _load(release, "release")
        hold, h_hold = _load(holdout, "holdout") if holdout is not None else (None, None)
        inputs = AuditInputs(
            orig,
            rel,
            hold,
            {"original": h_orig, "release": h_rel, "holdout": h_hold},
            {"original": len(orig), "release": len(rel), "holdout": len(hold) if hold is not None else None},
        )
    else:
        scaled = _scale.open_inputs(
            original, release, holdout, engine=engine, spark_master=spark_master,
            memory_limit=memory_limit, cap=sample_rows, seed=seed,
        )  # fmt: skip
        held = scaled.holdout
        inputs = AuditInputs(
            scaled.original.rows,
            scaled.release.rows,
            held.rows if held is not None else None,
            {
                "original": _scale.file_digest(scaled.original),
                "release": _scale.file_digest(scaled.release),
                "holdout": _scale.file_digest(held) if held is not None else None,
            },
            {
                "original": scaled.original.n,
                "release": scaled.release.n,
                "holdout": held.n if held is not None else None,
            },
            scaled,
        )
    if len(inputs.release) == 0:
        raise InputError("the release is empty (0 rows)")
    if len(inputs.original) == 0:
        raise InputError("the original table is empty (0 rows)")
    return inputs


def as_dict(obj: Any) -> dict[str, Any] | None:
    """A policy / manifest object as a plain dict (pydantic, dict, `to_dict`, JSON/YAML path)."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, str | os.PathLike):
        path = Path(obj)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a mapping at the top level")
        return data
    raise InputError(f"cannot read {type(obj).__name__} as a policy or manifest")


def read_policy(policy: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The policy as a dict plus its sha256 (a `Policy`'s canonical digest, else of its JSON).

    A path or built-in name is loaded as a policy: validated, with line-precise errors."""
    if policy is None:
        return None, None
    if isinstance(policy, str | os.PathLike):
        policy = load_policy(policy)
    data = as_dict(policy)
    if isinstance(policy, Policy):
        return data, policy_sha256(policy)
    canon = json.dumps(data, sort_keys=True, default=str).encode()
    return data, hashlib.sha256(canon).hexdigest()


def read_manifest(manifest: Any) -> Manifest | None:
    """The release manifest (a dict, a `manifest.json` path) as the typed `Manifest`."""
    data = as_dict(manifest)
    return Manifest.from_dict(data) if data is not None else None


def read_scan(scan: Any) -> list[dict[str, Any]] | None:
    """The scan as one dict per column: a `ScanResult`, its findings, or the JSON of
    `privsynth scan --json` (a path or the parsed dict)."""
    if scan is None:
        return None
    if isinstance(scan, str | os.PathLike):
        scan = as_dict(scan)
    if isinstance(scan, ScanResult):
        items: Any = scan.findings
    elif isinstance(scan, Mapping):
        items = scan.get("findings", scan.get("columns", list(scan.values())))
    else:
        items = scan
    out = []
    for f in items:
        d = f.to_dict() if isinstance(f, ColumnFinding) else as_dict(f)
        cls = d.get("cls", d.get("class"))
        row = {
            "column": str(d.get("name", d.get("column", ""))),
            "class": str(getattr(cls, "value", cls)) if cls is not None else None,
            "entity": d.get("entity"),
            "confidence": d.get("confidence"),
            "evidence": d.get("evidence"),
            "decision": d.get("decision"),
            "review_reason": d.get("review_reason"),
        }
        # The detector's Art. 9 verdict, null included ("not special", e.g. a salary in a
        # health table), is carried only when the scan has the field: an older scan without it
        # leaves the category to be derived from the entity (audit.legal).
        if "special_category" in d:
            sc = d["special_category"]
            row["special_category"] = str(getattr(sc, "value", sc)) if sc else None
        out.append(row)
    return _clean(out)


def release_mode(policy: dict | None, manifest: Manifest | None) -> str | None:
    """anonymize | synthesize | None, from the manifest first (it records what was done)."""
    mode = first(manifest.mode if manifest is not None else None, dig(policy, "release", "mode"))
    return str(mode) if mode is not None else None


def dp_promise(policy: dict | None, manifest: Manifest | None) -> tuple[Any, Any]:
    """The (epsilon, delta) the release claims: the manifest's, else for a synthetic release
    the policy's budget."""
    epsilon = manifest.epsilon if manifest is not None else None
    delta = manifest.delta if manifest is not None else None
    if epsilon is None and release_mode(policy, manifest) == "synthesize":
        epsilon = dig(policy, "release", "epsilon")
        delta = first(delta, dig(policy, "release", "delta"))
    return epsilon, delta
