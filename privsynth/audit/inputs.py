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
from privsynth.io.atomic import OUTPUT_MARKER
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


def privsynth_csv(source: Any) -> bool:
    """Whether `source` is a CSV file that privsynth wrote with its formula quoting on: it
    sits in a folder with privsynth's marker file or a manifest naming privsynth, and that
    manifest does not say the quoting was turned off (`--no-formula-quoting`). Its
    formula-leading cells then carry the quote `io.safety` adds, which the audit undoes to
    compare the release with the original."""
    if isinstance(source, pd.DataFrame) or not isinstance(source, str | os.PathLike):
        return False
    path = Path(source)
    if path.suffix.lower() in (".parquet", ".pq") or not path.is_file():
        return False
    folder = path.parent
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict):
        return (folder / OUTPUT_MARKER).is_file()
    if dig(manifest, "output", "formulas_quoted") is False:
        return False
    return "privsynth_version" in manifest or (folder / OUTPUT_MARKER).is_file()


def _load(source: Any, what: str, restore_formulas: bool = False) -> tuple[pd.DataFrame, str]:
    if source is None:
        raise InputError(f"the {what} table is missing")
    df = read_table(source, restore_formulas=restore_formulas)
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
    """Read the tables (memory) or open them on `engine` with their row samples.

    A release CSV that privsynth wrote (`privsynth_csv`) is read back with the formula quotes
    undone, so `'+1-804...` compares equal to the original `+1-804...`."""
    if engine == "memory":
        orig, h_orig = _load(original, "original")
        rel, h_rel = _load(release, "release", restore_formulas=privsynth_csv(release))
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
        return _read_document(Path(obj))
    raise InputError(f"cannot read {type(obj).__name__} as a policy or manifest")


# A manifest with a long ledger is tens of KiB; a scan of 10,000 columns a few MiB.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _read_document(path: Path) -> dict[str, Any]:
    """A manifest or scan file: a regular UTF-8 file of JSON (or, named .yaml/.yml, YAML
    without aliases), whose top level is a mapping. Anything else is one `InputError` line."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file (a folder, device or pipe)")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; not a JSON document")
    if b"\x00" in raw:
        raise InputError(f"{path}: a binary file, expected JSON")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte offset {exc.start}), expected JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        data = _yaml_document(text, path)
    except RecursionError:
        raise InputError(f"{path}: not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    return data


def _yaml_document(text: str, path: Path) -> Any:
    """YAML text without anchors or aliases (refused before anything expands)."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(f"{path}: YAML anchors and aliases are not accepted here")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid YAML (nested too deeply)") from None


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
    try:
        if isinstance(items, str | bytes | Mapping):
            raise TypeError
        items = list(items)
    except TypeError:
        raise InputError("the scan holds no list of columns (expected privsynth scan --json)") from None
    out = []
    for f in items:
        if not isinstance(f, ColumnFinding | Mapping):
            raise InputError("the scan's columns are not objects (expected privsynth scan --json)")
        d = f.to_dict() if isinstance(f, ColumnFinding) else dict(f)
        cls = d.get("cls", d.get("class"))
        evidence = d.get("evidence")
        row = {
            "column": str(d.get("name", d.get("column", ""))),
            "class": str(getattr(cls, "value", cls)) if cls is not None else None,
            "entity": d.get("entity") if isinstance(d.get("entity"), str | None) else None,
            "confidence": _number(d.get("confidence")),
            "evidence": [str(e) for e in evidence] if isinstance(evidence, list) else None,
            "decision": d.get("decision") if isinstance(d.get("decision"), str | None) else None,
            "review_reason": (
                d.get("review_reason") if isinstance(d.get("review_reason"), str | None) else None
            ),
        }
        # The detector's Art. 9 verdict, null included ("not special", e.g. a salary in a
        # health table), is carried only when the scan has the field: an older scan without it
        # leaves the category to be derived from the entity (audit.legal).
        if "special_category" in d:
            sc = d["special_category"]
            row["special_category"] = str(getattr(sc, "value", sc)) if sc else None
        out.append(row)
    return _clean(out)


def _number(value: Any) -> float | None:
    """A finite number from a scan file, else None (a scan is read from outside: never trusted)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if v == v and abs(v) != float("inf") else None


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
