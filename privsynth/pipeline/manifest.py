"""The release manifest: one builder for every mode and engine, and the typed `Manifest`.

`build_manifest` writes what a release did (policy, input and output shapes, what happened to
each column, the privacy achieved or spent, versions, seed); every writer (memory, DuckDB
chunks, Spark partitions, the streamed synthetic table) calls it. `synthesis_record` is the
DP synthesizer's own section (`synthesis`). `Manifest.from_dict` reads a `manifest.json` back
for the audit: the one place that knows which layouts exist (a release's, a bare synthesizer's,
and the flat keys of hand-written manifests), so the audit reads fields, not guessed keys.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np

from privsynth import __version__
from privsynth.policy import Policy, policy_sha256
from privsynth.synth.base import NOISE_NOTE

DEPENDENCIES = ("numpy", "pandas", "pyarrow", "opendp", "pydantic", "PyYAML", "Faker", "scipy")

SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: every row was sampled from a differentially private model; no row "
    "describes a real person. Do not use it to look up or contact individuals."
)

# Privacy rule 2: a DP release may not carry the exact row count or a digest of the private rows
# (a digest lets anyone holding all rows but one test each candidate for the last row).
WITHHELD_INPUT_NOTE = (
    "the input's row count and file digest are withheld: both are functions of the private "
    "rows that the DP guarantee does not cover (keep them in your internal records)"
)


def jsonable(obj: Any) -> Any:
    """`obj` as plain JSON values (result objects, numpy scalars and arrays, mappings)."""
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
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [jsonable(v) for v in obj]
    return str(obj)


def plain(obj: Any) -> Any:
    """A deep copy of `obj` as JSON would read it back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(obj, default=jsonable))


def versions() -> dict[str, str]:
    """Python's and the dependencies' versions, for the manifest's `versions`."""
    out = {"python": platform.python_version()}
    for dist in DEPENDENCIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist.lower()] = metadata.version(dist)
    return out


def synthetic_input(record: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's `input` entry for a DP synthetic release: no row count, no digest."""
    out = {k: v for k, v in record.items() if k not in ("rows", "sha256")}
    out["withheld"] = WITHHELD_INPUT_NOTE
    return out


def build_manifest(
    policy: Policy,
    *,
    seed: int | None,
    columns_in: list[str],
    rows_in: int | None,
    columns_out: list[str],
    rows_out: int,
    columns: dict[str, dict[str, Any]],
    privacy: dict[str, Any] | None = None,
    ledger: Any = None,
    notices: list[str] | None = None,
    synthesis: Mapping[str, Any] | None = None,
    input_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a release, as the JSON dict `manifest.json` holds.

    `ledger` is the anonymizer's list of per-column DP entries (summed into `ledger_total`)
    or the synthesizer's ledger. A synthesize-mode manifest never records the input's row
    count or digest (`synthetic_input`); `synthesis` is the synthesizer's own record.
    """
    total = None
    if isinstance(ledger, list) and ledger and all(isinstance(e, dict) for e in ledger):
        total = {
            "epsilon": float(sum(e.get("epsilon") or 0.0 for e in ledger)),
            "delta": float(sum(e.get("delta") or 0.0 for e in ledger)),
            "composition": "basic (sum over noised columns, per person)",
        }
    record_in: dict[str, Any] = {"columns": list(map(str, columns_in))}
    if rows_in is not None:
        record_in = {"rows": int(rows_in), **record_in}
    record_in.update(input_extra or {})
    if policy.release.mode == "synthesize":
        record_in = synthetic_input(record_in)
    manifest: dict[str, Any] = {
        "privsynth_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": policy.release.mode,
        "seed": seed,
        "policy": {"name": policy.name, "sha256": policy_sha256(policy), "source": policy.source},
        "input": record_in,
        "output": {"rows": int(rows_out), "columns": list(map(str, columns_out))},
        "columns": columns,
        "privacy": privacy,
        "ledger": ledger if isinstance(ledger, list) else jsonable(ledger),
        "ledger_total": total,
        "notices": list(notices or []),
        "versions": versions(),
    }
    if synthesis is not None:
        manifest["synthesis"] = plain(synthesis)
    return plain(manifest)


def with_input_file(
    manifest: Mapping[str, Any], path: Any, digest: str | None, *, file: str, **output: Any
) -> dict[str, Any]:
    """The manifest once written: the input file's path (and digest, never for a DP synthetic
    release) and the output file's name (plus `output` extras such as the engine)."""
    out = dict(manifest)
    if path is not None:
        out["input"] = {**out.get("input", {}), "path": str(path)}
        if out.get("mode") == "synthesize":
            out["input"] = synthetic_input(out["input"])
        elif digest is not None:
            out["input"]["sha256"] = digest
    out["output"] = {**out.get("output", {}), "file": file, **output}
    return out


def synthesis_record(
    *,
    method: str,
    epsilon: float,
    delta: float,
    ledger: Any,
    encoder: Any,
    dropped: Mapping[str, str],
    rows: int,
    rows_source: str,
    id_column: str | None,
    max_rows_per_person: int,
    seed: int | None,
    model: Any,
) -> dict[str, Any]:
    """The DP synthesizer's record (`synthesis` in a release manifest): the method, the
    (epsilon, delta) promise and unit of privacy, each column's public domain, what was dropped,
    the marginals selected, and the ledger that paid for it."""
    return {
        "synthetic": True,
        "notice": SYNTHETIC_NOTICE,
        "generator": "privsynth",
        "method": method,
        "privacy": {
            "definition": "differential privacy (zCDP accounting, converted to (epsilon, delta))",
            "epsilon": epsilon,
            "delta": delta,
            "unit_of_privacy": {"id_column": id_column, "max_rows_per_person": max_rows_per_person}
            if id_column
            else "one row",
        },
        "rows": rows,
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
        "dropped_columns": dict(dropped),
        "selected_marginals": [list(c) for c in model.cliques_],
        "seed": seed,
        "randomness": NOISE_NOTE,
        "ledger": ledger.to_dict(),
    }


def synthetic_manifest(
    result: Any,
    policy: Policy,
    *,
    seed: int | None,
    columns_in: list[str],
    columns_out: list[str],
    rows_out: int,
    input_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The release manifest of a DP synthetic release (`result`: a `SyntheticRelease`): what
    each column got (from the public schema), the synthesizer's record, its notices (DP
    outputs only). No engine, no input row count, no digest: nothing data-dependent that the
    DP guarantee does not cover."""
    records: dict[str, dict[str, Any]] = {}
    schema = result.manifest.get("schema", {})
    dropped = result.manifest.get("dropped_columns", {})
    for name in columns_in:
        rec = dict(schema.get(name, {}))
        rec.setdefault("action", "drop")
        rec.pop("dropped", None)
        if name in dropped:
            rec["action"] = "drop" if rec.get("action") in ("keep", "generalize") else rec["action"]
            rec["why"] = dropped[name]
        records[name] = rec
    return build_manifest(
        policy,
        seed=seed,
        columns_in=columns_in,
        rows_in=None,
        columns_out=columns_out,
        rows_out=rows_out,
        columns=records,
        ledger=result.ledger,
        notices=result.notices,
        synthesis=result.manifest,
        input_extra=input_extra,
    )


# ---------------------------------------------------------------------------- reading it back
def _dig(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return None
        d = d[key]
    return d


def _first(*values: Any) -> Any:
    """The first value given: not None, and not an empty list."""
    for v in values:
        if v is not None and not (isinstance(v, list | tuple) and not v):
            return v
    return None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


@dataclass(frozen=True)
class Manifest:
    """A release manifest as the audit reads it.

    Built by `from_dict` from privsynth's layouts: a release's `manifest.json` (k-anonymity
    details under `privacy`, the DP synthesizer's under `synthesis`), the bare synthesizer
    manifest `write_synthetic_release` writes (`synthetic`, `privacy`, `ledger.steps`), and
    the flat keys a hand-written manifest may use (`epsilon`, `policy_name`, ...).
    """

    raw: dict[str, Any]
    mode: str | None
    policy_name: str | None
    policy_sha256: str | None
    columns: list[dict[str, Any]]  # per column: {"column": name, "action": ..., ...}
    dropped: frozenset[str]
    # anonymize mode: the k-anonymity request and result
    quasi_identifiers: list[str] = field(default_factory=list)
    k_requested: Any = None  # privacy.requested.k
    k_declared: Any = None  # a flat `k` of a hand-written manifest
    l_requested: Any = None
    achieved: dict[str, Any] = field(default_factory=dict)
    # DP: the promise and the ledger (from the manifest, else its `synthesis` section)
    epsilon: Any = None
    delta: Any = None
    rho: Any = None
    ledger: list[dict[str, Any]] | None = None
    unit_of_privacy: Any = None
    public: dict[str, str] | None = None
    randomness: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Manifest:
        d = dict(d)
        syn = d.get("synthesis") if isinstance(d.get("synthesis"), Mapping) else None

        def pick(*paths: tuple[str, ...]) -> Any:
            return _first(*(_dig(src, *path) for path in paths for src in (d, syn)))

        mode = _first(
            _dig(d, "mode"),
            _dig(d, "release", "mode"),
            "synthesize" if _dig(d, "synthetic") is True else None,
        )
        ledger = pick(("ledger", "steps"), ("ledger", "entries"), ("ledger",))
        if isinstance(ledger, Mapping):
            ledger = [dict(ledger)]
        if isinstance(ledger, list):
            ledger = [dict(e) for e in ledger if isinstance(e, Mapping)]
        else:
            ledger = None
        public = pick(("public",), ("treated_as_public",))
        if public is None:
            cols = _dig(syn, "columns") or (_dig(d, "columns") if syn is None else None)
            if isinstance(cols, Mapping):
                public = {
                    str(c): str(v.get("domain_source"))
                    for c, v in cols.items()
                    if isinstance(v, Mapping) and v.get("domain_source") is not None
                } or None
        achieved = _dig(d, "privacy", "achieved")
        return cls(
            raw=d,
            mode=str(mode) if mode is not None else None,
            policy_name=_first(_dig(d, "policy", "name"), _dig(d, "policy_name")),
            policy_sha256=_first(
                _dig(d, "policy", "sha256"), _dig(d, "policy_sha256"), _dig(d, "policy_hash")
            ),
            columns=column_records(d),
            dropped=frozenset(_dropped(d, syn)),
            quasi_identifiers=_names(_dig(d, "privacy", "quasi_identifiers")),
            k_requested=_dig(d, "privacy", "requested", "k"),
            k_declared=_dig(d, "k"),
            l_requested=_dig(d, "privacy", "requested", "l"),
            achieved=dict(achieved) if isinstance(achieved, Mapping) else {},
            epsilon=pick(("privacy", "epsilon"), ("epsilon",), ("ledger", "epsilon_budget")),
            delta=pick(("privacy", "delta"), ("delta",), ("ledger", "delta")),
            rho=pick(("ledger", "rho_spent"), ("privacy", "rho"), ("rho",)),
            ledger=ledger,
            unit_of_privacy=pick(("privacy", "unit_of_privacy"), ("unit_of_privacy",)),
            public=public,
            randomness=pick(("randomness",)),
        )


def column_records(d: Mapping[str, Any]) -> list[dict[str, Any]]:
    cols = d.get("columns")
    rows: list[dict[str, Any]] = []
    if isinstance(cols, Mapping):
        rows = [
            {"column": str(n), **({"action": e} if not isinstance(e, Mapping) else dict(e))}
            for n, e in cols.items()
        ]
    elif isinstance(cols, list):
        rows = [dict(e) for e in cols if isinstance(e, Mapping)]
    return rows if any("action" in r for r in rows) else []


def dropped_by(src: Any) -> set[str]:
    """Columns a manifest section (or a policy as a dict) says were removed from the release."""
    out: set[str] = set()
    cols = _dig(src, "columns")
    if isinstance(cols, Mapping):
        for name, entry in cols.items():
            action = entry.get("action") if isinstance(entry, Mapping) else entry
            if str(action) in ("drop", "dropped", "remove"):
                out.add(str(name))
    elif isinstance(cols, list):
        for entry in cols:
            if isinstance(entry, Mapping) and str(entry.get("action")) in ("drop", "dropped"):
                out.add(str(entry.get("name", entry.get("column"))))
    for key in ("dropped", "dropped_columns"):
        out.update(_names(_dig(src, key)))
    return out


def _dropped(d: Mapping[str, Any], syn: Mapping[str, Any] | None) -> set[str]:
    return dropped_by(d) | dropped_by(syn)
