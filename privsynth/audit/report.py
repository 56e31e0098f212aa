"""`audit()`: measure a release's privacy risk next to its utility, and render the report.

The audit works on any release (ours, anonymized or DP-synthetic, or another tool's), given the
original table and ideally a holdout of real rows the release was NOT built from. It runs:

1. re-identification risk over the quasi-identifiers (anonymized / masked releases that keep them),
2. the three Article 29 WP attacks: singling out, linkability, inference of each secret column,
3. membership inference (needs the holdout; without it the report says so),
4. utility (marginals, tests, correlations, propensity, ML efficacy),

then checks the thresholds (`privsynth.audit.thresholds`) and returns an `AuditReport` that
writes one JSON document and one self-contained HTML file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from privsynth.audit import thresholds as _thr
from privsynth.audit.utility import UtilityResult, _clean, choose_target, utility
from privsynth.errors import InputError
from privsynth.io import atomic_file, read_table

SCHEMA_VERSION = "1.0"
Progress = Callable[[str, int, int], None]

STEPS = (
    "reidentification",
    "singling_out",
    "linkability",
    "inference",
    "membership",
    "utility",
)


# --------------------------------------------------------------------------------- the report
@dataclass
class AuditReport:
    """Everything the audit measured; `to_dict()` is the JSON, `to_html()` the signed document."""

    inputs: dict[str, Any]
    privacy: dict[str, Any]
    risk: dict[str, Any]
    membership: dict[str, Any]
    utility: UtilityResult
    thresholds: list[_thr.ThresholdCheck]
    thresholds_skipped: list[str]
    inventory: list[dict[str, Any]]
    policy: dict[str, Any] | None
    scan: list[dict[str, Any]] | None
    reproducibility: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    timings_cpu: dict[str, float] = field(default_factory=dict)
    # engine, row counts and sample sizes when the audit ran on file engines (else None)
    sampling: dict[str, Any] | None = None
    _curves: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """True when every checked threshold passed."""
        return all(t.passed for t in self.thresholds)

    @property
    def failed(self) -> list[_thr.ThresholdCheck]:
        return [t for t in self.thresholds if not t.passed]

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "schema_version": SCHEMA_VERSION,
                "summary": {
                    "passed": self.passed,
                    "n_thresholds": len(self.thresholds),
                    "n_failed": len(self.failed),
                    "failed": [t.name for t in self.failed],
                },
                "thresholds": [t.to_dict() for t in self.thresholds],
                "thresholds_skipped": list(self.thresholds_skipped),
                "inputs": self.inputs,
                "inventory": self.inventory,
                "scan": self.scan,
                "policy": self.policy,
                "privacy": self.privacy,
                "risk": self.risk,
                "membership": self.membership,
                "utility": self.utility.to_dict(),
                "limitations": LIMITATIONS,
                "reproducibility": self.reproducibility,
                "notes": list(self.notes),
                "sampling": self.sampling,
                "timings": dict(self.timings),
                "timings_cpu": dict(self.timings_cpu),
            }
        )

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The report as JSON text; also written (atomically) to `path` when given."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
        if path is not None:
            with atomic_file(path) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
        return text

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """One self-contained HTML file (inline CSS, plots as base64 PNG); written atomically."""
        from privsynth.audit._render import render_html

        html = render_html(self)
        if path is not None:
            with atomic_file(path) as tmp:
                tmp.write_text(html, encoding="utf-8")
        return html


LIMITATIONS = [
    "These figures are measurements of specific attacks on this release, not a proof of "
    "anonymity. A stronger attacker, or one with more background knowledge than assumed here, "
    "may do better. Only differential privacy (when the release is DP) gives a guarantee that "
    "holds against every attacker, and only within its stated epsilon and delta.",
    "Attack risks are estimated from a finite number of attacks; read them with their "
    "confidence intervals. A risk near zero means the attacks did no better on the people in "
    "the data than on people outside it (the control rows), not that no one can be harmed.",
    "Without a holdout of real rows that were not used to build the release, membership "
    "inference cannot be measured and the attacks' control rate is less reliable.",
    "Re-identification risk assumes the attacker knows exactly the quasi-identifiers listed; "
    "columns not listed as quasi-identifiers are assumed unknown to the attacker.",
    "Utility metrics compare the release with the original on the original's bins and "
    "categories; they show what was preserved on average, not for every subgroup or analysis.",
]


# ---------------------------------------------------------------------------------- helpers
def _sha256_frame(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load(source: Any, what: str) -> tuple[pd.DataFrame, str]:
    if source is None:
        raise InputError(f"the {what} table is missing")
    df = read_table(source)
    digest = (
        _sha256_file(Path(source)) if not isinstance(source, pd.DataFrame) else _sha256_frame(df)
    )
    return df.reset_index(drop=True), digest


def _as_dict(obj: Any) -> dict[str, Any] | None:
    """A policy / manifest / result object as a plain dict (pydantic, dataclass, dict, path)."""
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
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a mapping at the top level")
        return data
    raise InputError(f"cannot read {type(obj).__name__} as a policy or manifest")


def _load_policy(policy: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Policy as a dict plus its sha256 (of the file, or of its canonical JSON)."""
    if policy is None:
        return None, None
    if isinstance(policy, str | os.PathLike):
        try:
            # validates with line-precise errors; also takes built-in names ("k-anonymity")
            from privsynth.policy import load_policy
        except ImportError:
            path = Path(policy)
            return _as_dict(path), _sha256_file(path) if path.exists() else None
        policy = load_policy(policy)
    data = _as_dict(policy)
    if hasattr(policy, "model_dump"):
        try:
            from privsynth.policy import policy_sha256

            return data, policy_sha256(policy)
        except (ImportError, AttributeError):
            pass
    canon = json.dumps(data, sort_keys=True, default=str).encode()
    return data, hashlib.sha256(canon).hexdigest()


def _dig(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return None
        d = d[key]
    return d


def _first(*values: Any) -> Any:
    """The first value given: not None, and not an empty list (a policy's unset default)."""
    for v in values:
        if v is not None and not (isinstance(v, list | tuple) and not v):
            return v
    return None


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _scan_findings(scan: Any) -> list[dict[str, Any]] | None:
    if scan is None:
        return None
    if isinstance(scan, str | os.PathLike):
        scan = _as_dict(scan)  # the JSON of `privsynth scan --json`
    items = scan
    for attr in ("findings", "columns"):
        if hasattr(scan, attr):
            items = getattr(scan, attr)
            break
    if isinstance(items, Mapping):
        items = items.get("findings", items.get("columns", list(items.values())))
    out = []
    for f in items:
        d = (
            _as_dict(f)
            if not hasattr(f, "__dataclass_fields__")
            else {k: getattr(f, k) for k in f.__dataclass_fields__}
        )
        cls = d.get("cls", d.get("class"))
        out.append(
            {
                "column": str(d.get("name", d.get("column", ""))),
                "class": str(getattr(cls, "value", cls)) if cls is not None else None,
                "entity": d.get("entity"),
                "confidence": d.get("confidence"),
                "evidence": d.get("evidence"),
            }
        )
    return _clean(out)


def _dropped_columns(policy: dict | None, manifest: dict | None) -> set[str]:
    """Columns the policy or manifest says were removed from the release."""
    out: set[str] = set()
    for src in (policy, manifest, _dig(manifest, "synthesis")):
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
            out.update(_listify(_dig(src, key)))
    return out


def _column_actions(policy: dict | None, manifest: dict | None) -> list[dict[str, Any]]:
    """Per-column actions: the manifest's record of what was done, else the policy's entries."""
    for src in (manifest, policy):
        cols = _dig(src, "columns")
        rows: list[dict[str, Any]] = []
        if isinstance(cols, Mapping):
            rows = [
                {"column": str(n), **({"action": e} if not isinstance(e, Mapping) else dict(e))}
                for n, e in cols.items()
            ]
        elif isinstance(cols, list):
            rows = [dict(e) for e in cols if isinstance(e, Mapping)]
        if rows and any("action" in r for r in rows):
            return rows
    return []


def _inventory(original: pd.DataFrame, release: pd.DataFrame, scan: list | None) -> list[dict]:
    from privsynth.io import infer_schema

    schema = infer_schema(original)
    by_col = {f["column"]: f for f in (scan or [])}
    out = []
    for col in original.columns:
        s = original[col]
        f = by_col.get(col, {})
        out.append(
            {
                "column": col,
                "type": str(schema[col].type),
                "distinct": int(s.nunique(dropna=True)),
                "missing_share": float(s.isna().mean()) if len(s) else 0.0,
                "in_release": col in release.columns,
                "class": f.get("class"),
                "entity": f.get("entity"),
            }
        )
    return out


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    import privsynth

    out = {"privsynth": privsynth.__version__, "python": platform.python_version()}
    for pkg in ("numpy", "pandas", "scipy", "scikit-learn", "opendp", "matplotlib", "jinja2"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def _release_mode(policy: dict | None, manifest: dict | None) -> str | None:
    """anonymize | synthesize | None, from the manifest first (it records what was done)."""
    mode = _first(
        _dig(manifest, "mode"),
        _dig(manifest, "release", "mode"),
        "synthesize" if _dig(manifest, "synthetic") is True else None,
        _dig(policy, "release", "mode"),
    )
    return str(mode) if mode is not None else None


def _privacy_statement(policy: dict | None, manifest: dict | None, risk: dict) -> dict[str, Any]:
    """What the release promises. Reads both manifest layouts: ps.release's (DP details under
    `synthesis`) and the synthesizer's own (`privacy`, `ledger.steps`)."""
    syn = _dig(manifest, "synthesis") if isinstance(_dig(manifest, "synthesis"), Mapping) else None
    mode = _release_mode(policy, manifest)

    def pick(*paths: tuple[str, ...]) -> Any:
        return _first(*(_dig(src, *path) for path in paths for src in (manifest, syn)))

    epsilon = pick(("privacy", "epsilon"), ("epsilon",), ("ledger", "epsilon_budget"))
    delta = pick(("privacy", "delta"), ("delta",), ("ledger", "delta"))
    if epsilon is None and mode == "synthesize":
        epsilon = _dig(policy, "release", "epsilon")
        delta = _first(delta, _dig(policy, "release", "delta"))
    rho = pick(("ledger", "rho_spent"), ("privacy", "rho"), ("rho",))
    ledger = pick(("ledger", "steps"), ("ledger", "entries"), ("ledger",))
    if isinstance(ledger, Mapping):
        ledger = [dict(ledger)]
    if isinstance(ledger, list):
        ledger = [e for e in ledger if isinstance(e, Mapping)]
    unit = _first(
        pick(("privacy", "unit_of_privacy"), ("unit_of_privacy",)),
        _dig(policy, "release", "unit_of_privacy"),
    )
    public = pick(("public",), ("treated_as_public",))
    if public is None:
        cols = _dig(syn, "columns") or (_dig(manifest, "columns") if syn is None else None)
        if isinstance(cols, Mapping):
            public = {
                str(c): str(v.get("domain_source"))
                for c, v in cols.items()
                if isinstance(v, Mapping) and v.get("domain_source") is not None
            } or None
    noise = pick(("randomness",))
    if mode is None and epsilon is not None:
        mode = "synthesize"
    k_required = _first(
        _dig(manifest, "privacy", "requested", "k"),
        _dig(policy, "privacy", "k"),
        _dig(manifest, "k"),
    )
    if mode is None and k_required is not None:
        mode = "anonymize"
    reid = risk.get("reidentification") or {}
    achieved = _dig(manifest, "privacy", "achieved") or {}
    return _clean(
        {
            "mode": mode or "unknown",
            "dp": mode == "synthesize" and epsilon is not None,
            "epsilon": float(epsilon) if epsilon is not None else None,
            "delta": float(delta) if delta is not None else None,
            "rho": float(rho) if rho is not None else None,
            "unit_of_privacy": unit
            if unit is not None
            else ("one row" if mode == "synthesize" else None),
            "ledger": ledger if isinstance(ledger, list) else [],
            "public": public,
            "noise": noise
            or (
                "OpenDP measurements (floating-point-safe discrete Gaussian / Laplace)"
                if mode == "synthesize"
                else None
            ),
            "k_required": k_required,
            "l_required": _first(
                _dig(manifest, "privacy", "requested", "l"), _dig(policy, "privacy", "l")
            ),
            "k_achieved": _first(
                reid.get("k"), achieved.get("k") if isinstance(achieved, Mapping) else None
            ),
            "l_achieved": reid.get("l_distinct"),
            "suppressed": achieved.get("suppressed") if isinstance(achieved, Mapping) else None,
        }
    )


def _ceiling(epsilon: float | None, delta: float | None) -> dict[str, Any] | None:
    """What DP promises against ANY membership attack (Kairouz et al. 2015 hypothesis-test bound)."""
    if epsilon is None or not epsilon > 0:
        return None
    from privsynth.audit.membership import dp_ceiling

    d = float(delta or 0.0)
    out = dp_ceiling(float(epsilon), d).to_dict()
    e = math.exp(min(float(epsilon), 700.0))
    # membership advantage TPR - FPR is at most (e^eps - 1 + 2 delta) / (e^eps + 1)
    out["advantage_max"] = min(1.0, (e - 1 + 2 * d) / (e + 1))
    return out


# ----------------------------------------------------------------------------------- audit()
MAX_DEFAULT_ATTACKS = 2000


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
    its `privacy` section, the manifest, then the scan's classes. `progress(step, i, n)` is called before each
    step.

    `engine` (None = auto: DuckDB when an input file is larger than AUTO_DUCKDB_BYTES): on
    DuckDB or Spark the tables are not loaded; re-identification classes and utility marginals
    are counted over every row, the row-level metrics run on uniform samples of `sample_rows`
    (default AUDIT_SAMPLE_ROWS) rows per table, and the report's `sampling` says which is which.
    """
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    if hasattr(release, "data") and hasattr(release, "manifest"):  # a ps.release() Release
        manifest = manifest if manifest is not None else release.manifest
        release = release.data
    scaled = None
    engine_name = _audit_engine(
        (original, release, holdout), engine, spark_master=spark_master, memory_limit=memory_limit
    )
    if engine_name == "memory":
        orig, h_orig = _load(original, "original")
        rel, h_rel = _load(release, "release")
        hold, h_hold = _load(holdout, "holdout") if holdout is not None else (None, None)
        n_orig, n_rel = len(orig), len(rel)
        n_hold = len(hold) if hold is not None else None
    else:
        from privsynth.audit import _scale

        scaled = _scale.open_inputs(
            original, release, holdout, engine=engine_name, spark_master=spark_master,
            memory_limit=memory_limit, cap=sample_rows, seed=seed,
        )
        orig, rel = scaled.original.rows, scaled.release.rows
        hold = scaled.holdout.rows if scaled.holdout is not None else None
        h_orig, h_rel = _scale.file_digest(scaled.original), _scale.file_digest(scaled.release)
        h_hold = _scale.file_digest(scaled.holdout) if scaled.holdout is not None else None
        n_orig, n_rel = scaled.original.n, scaled.release.n
        n_hold = scaled.holdout.n if scaled.holdout is not None else None
    if len(rel) == 0:
        raise InputError("the release is empty (0 rows)")
    if len(orig) == 0:
        raise InputError("the original table is empty (0 rows)")
    pol, pol_hash = _load_policy(policy)
    man = _as_dict(manifest)
    findings = _scan_findings(scan)
    notes: list[str] = []

    extra = [c for c in rel.columns if c not in orig.columns]
    dropped = _dropped_columns(pol, man)
    missing = [c for c in orig.columns if c not in rel.columns and c not in dropped]
    if extra or missing:
        parts = []
        if extra:
            parts.append(f"in the release but not the original: {', '.join(extra)}")
        if missing:
            parts.append(f"in the original but not the release: {', '.join(missing)}")
        raise InputError(
            "original and release columns differ (" + "; ".join(parts) + "); a manifest or policy "
            "that drops columns explains missing ones"
        )
    if scaled is None:
        inventory = _inventory(orig, rel, findings)
    else:
        inventory = _scale.inventory(scaled, list(rel.columns), findings)
        notes.extend(scaled.notes)
    cols = list(rel.columns)
    orig_c = orig[cols]
    if hold is not None:
        absent = [c for c in cols if c not in hold.columns]
        if absent:
            raise InputError(f"holdout lacks release columns: {', '.join(absent)}")
        hold = hold[cols]
        if len(hold) == 0:
            raise InputError("the holdout is empty (0 rows)")

    # who the attacker is assumed to know about, and what they want to learn
    scan_qi = [f["column"] for f in findings or [] if f.get("class") == "quasi"]
    scan_sens = [f["column"] for f in findings or [] if f.get("class") == "sensitive"]
    qi_src = _first(
        quasi_identifiers,
        _dig(pol, "audit", "quasi_identifiers"),
        _dig(pol, "privacy", "quasi_identifiers"),
        _dig(man, "privacy", "quasi_identifiers"),
        scan_qi or None,
    )
    qis = _listify(qi_src)
    sec = _listify(
        _first(
            secrets,
            _dig(pol, "audit", "secrets"),
            _dig(pol, "privacy", "sensitive"),
            scan_sens or None,
        )
    )
    for kind, names in (("quasi-identifier", qis), ("secret", sec)):
        unknown = [c for c in names if c not in orig.columns]
        if unknown:
            raise InputError(f"unknown {kind} column(s): {', '.join(unknown)}")
        gone = [c for c in names if c not in cols]
        if gone:
            notes.append(f"{kind} column(s) {', '.join(gone)} are not in the release")
    qis = [c for c in qis if c in cols]
    sec = [c for c in sec if c in cols]
    if target is not None and target not in cols:
        raise InputError(f"unknown --target column {target!r}")
    if not sec:
        auto = choose_target(orig_c)
        sec = [auto]
        notes.append(f"no secret column given: the inference attack targets {auto!r}")

    limits = _thr.resolve_thresholds(_dig(pol, "audit", "thresholds"))
    risk_threshold = float(_first(_dig(pol, "audit", "risk_threshold"), 0.09))

    from privsynth.audit import _risk_calls as _rc

    rc = _Guarded(_rc, notes)

    timings: dict[str, float] = {}
    mode = _release_mode(pol, man)
    risk: dict[str, Any] = {
        "quasi_identifiers": qis,
        "secrets": sec,
        "risk_threshold": risk_threshold,
    }

    cpu: dict[str, float] = {}
    clock = {"cpu": time.process_time()}

    def step(i: int, name: str) -> float:
        if progress is not None:
            progress(name, i, len(STEPS))
        clock["cpu"] = time.process_time()
        return time.perf_counter()

    def done(name: str, t0: float) -> None:
        timings[name] = time.perf_counter() - t0
        cpu[name] = time.process_time() - clock["cpu"]

    t = step(0, "reidentification")
    if not qis:
        risk["reidentification"] = None
        notes.append(
            "no quasi-identifiers known: re-identification risk of the release not measured"
        )
    elif mode == "synthesize":
        risk["reidentification"] = None
        notes.append(
            "synthetic release: its rows are not people, so equivalence-class re-identification "
            "risk does not apply; see the attacks and membership inference"
        )
    elif scaled is not None:
        risk["reidentification"] = _scale.reidentification(scaled, qis, risk_threshold, sec)
    else:
        risk["reidentification"] = rc.reidentification(rel, qis, risk_threshold, sec)
    done("reidentification", t)

    if n_attacks is None:
        # The attacks' risk is a difference of two success rates; with 500 targets its standard
        # error is about 0.1 -- as large as the default limits. Use every available target up to
        # MAX_DEFAULT_ATTACKS so that a pass or fail reflects the release, not sampling noise.
        pool = min(len(orig_c), len(hold) if hold is not None else len(orig_c) // 2)
        n_attacks = max(1, min(MAX_DEFAULT_ATTACKS, pool))
    control = hold
    aux = qis or [c for c in cols if c not in sec]
    t = step(1, "singling_out")
    risk["singling_out"] = rc.singling_out(orig_c, rel, control, n_attacks=n_attacks, seed=seed)
    done("singling_out", t)
    t = step(2, "linkability")
    risk["linkability"] = rc.linkability(orig_c, rel, control, aux, n_attacks=n_attacks, seed=seed)
    done("linkability", t)
    t = step(3, "inference")
    risk["inference"] = {
        s: rc.inference(
            orig_c,
            rel,
            control,
            s,
            [c for c in aux if c != s] or [c for c in cols if c != s],
            n_attacks=n_attacks,
            seed=seed,
        )
        for s in sec
    }
    done("inference", t)
    if control is None:
        notes.append(
            "no holdout: the attacks' risk is measured against a random guess, not against "
            "control rows, which overstates it (a guess from an accurate release beats chance); "
            "pass --holdout for a fair reading. Membership inference was not run"
        )

    privacy = _privacy_statement(pol, man, risk)
    t = step(4, "membership")
    curves: dict[str, Any] = {}
    if hold is None:
        membership: dict[str, Any] = {
            "available": False,
            "reason": "no holdout of real rows outside the release was given",
            "ceiling": _ceiling(privacy["epsilon"], privacy["delta"]),
        }
    else:
        membership, curves = rc.membership(
            orig_c, hold, rel, privacy["epsilon"], privacy["delta"], seed
        )
        membership = dict(membership)
        membership["available"] = bool(membership)
        if not membership["available"]:
            membership["reason"] = "the membership-inference module is not available"
        membership["ceiling"] = _ceiling(privacy["epsilon"], privacy["delta"])
        _check_ceiling(membership, notes)
    done("membership", t)

    t = step(5, "utility")
    attach = _scale.attach_full_counts(scaled, 1000, seed) if scaled is not None else None
    util = utility(orig_c, rel, hold, target=target, seed=seed, attach=attach)
    done("utility", t)

    values = _threshold_values(risk, membership, util)
    checks, skipped = _thr.evaluate(limits, values, _threshold_intervals(risk, membership))
    timings["total"] = time.perf_counter() - t_start
    cpu["total"] = time.process_time() - cpu_start

    repro = {
        "seed": seed,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sha256": {"original": h_orig, "release": h_rel, "holdout": h_hold, "policy": pol_hash},
        "versions": _versions(),
        "n_attacks": n_attacks,
    }
    inputs = {
        "n_original": n_orig,
        "n_release": n_rel,
        "n_holdout": n_hold,
        "columns": cols,
        "dropped_columns": sorted(c for c in orig.columns if c not in cols),
        "quasi_identifiers": qis,
        "secrets": sec,
        "target": util.ml_efficacy.target if util.ml_efficacy else target,
        "original": str(original) if not isinstance(original, pd.DataFrame) else "<DataFrame>",
        "release": str(release) if not isinstance(release, pd.DataFrame) else "<DataFrame>",
        "holdout": (str(holdout) if not isinstance(holdout, pd.DataFrame) else "<DataFrame>")
        if holdout is not None
        else None,
    }
    policy_info = None
    if pol is not None or man is not None:
        policy_info = {
            "name": _first(
                _dig(pol, "name"), _dig(man, "policy", "name"), _dig(man, "policy_name")
            ),
            "sha256": _first(
                pol_hash,
                _dig(man, "policy", "sha256"),
                _dig(man, "policy_sha256"),
                _dig(man, "policy_hash"),
            ),
            "mode": mode,
            "columns": _column_actions(pol, man),
        }
    return AuditReport(
        inputs=_clean(inputs),
        privacy=privacy,
        risk=_clean(risk),
        membership=_clean(membership),
        utility=util,
        thresholds=checks,
        thresholds_skipped=skipped,
        inventory=inventory,
        policy=_clean(policy_info),
        scan=findings,
        reproducibility=repro,
        notes=notes,
        timings=timings,
        timings_cpu=cpu,
        sampling=scaled.sampling() if scaled is not None else None,
        _curves=curves,
    )


def _audit_engine(
    inputs: Sequence[Any], engine: str | None, *, spark_master=None, memory_limit=None
) -> str:
    """One engine for the audit's tables: `auto` leaves memory when any input file is large."""
    from privsynth.engine.select import choose_engine

    names = [
        choose_engine(x, engine, spark_master=spark_master, memory_limit=memory_limit).name
        for x in inputs
        if x is not None
    ]
    for name in ("spark", "duckdb"):
        if name in names:
            return name
    return "memory"


def _check_ceiling(membership: dict[str, Any], notes: list[str]) -> None:
    """An attack beating the DP ceiling means the release is not as private as its manifest says
    (or the holdout is not from the same population): flag it loudly."""
    ceiling = membership.get("ceiling")
    if not ceiling:
        return
    over = []
    for name in ("distance_attack", "density_attack"):
        auc = _dig(membership, name, "auc")
        if auc is not None and auc > ceiling["auc_max"] + 0.01:
            over.append(f"{name.replace('_', ' ')} AUC {auc:.3f}")
    membership["ceiling_exceeded"] = bool(over)
    if over:
        notes.append(
            f"{', '.join(over)} exceed(s) the AUC ceiling {ceiling['auc_max']:.3f} that "
            f"(epsilon={ceiling['epsilon']:g}, delta={ceiling['delta']:g})-DP allows: the release "
            "does not behave like a DP release with this budget, or the holdout is not from the "
            "same population"
        )


class _Guarded:
    """Calls into the risk modules; a missing module becomes a note, not a crash."""

    def __init__(self, module: Any, notes: list[str]) -> None:
        self._module, self._notes = module, notes

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(self._module, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ImportError as exc:
                self._notes.append(f"{name.replace('_', ' ')} not measured: {exc}")
                return ({}, {}) if name == "membership" else None

        return call


def _threshold_intervals(risk: dict, membership: dict) -> dict[str, Any]:
    """95 % intervals of the attack risks (the worst secret's for inference) and the DCR share."""
    out: dict[str, Any] = {}
    for name, key in (
        ("singling_out_risk_max", "singling_out"),
        ("linkability_risk_max", "linkability"),
    ):
        ci = _dig(risk, key, "ci")
        if ci is not None:
            out[name] = ci
    inf = [v for v in (risk.get("inference") or {}).values() if v and v.get("risk") is not None]
    if inf:
        out["inference_risk_max"] = max(inf, key=lambda v: v["risk"]).get("ci")
    if membership.get("dcr_share_ci") is not None:
        out["dcr_share_max"] = membership["dcr_share_ci"]
    return {k: v for k, v in out.items() if v is not None}


def _threshold_values(risk: dict, membership: dict, util: UtilityResult) -> dict[str, float | None]:
    reid = risk.get("reidentification") or {}
    inf = [
        v.get("risk")
        for v in (risk.get("inference") or {}).values()
        if v and v.get("risk") is not None
    ]
    aucs = [
        _dig(membership, k, "auc")
        for k in ("distance_attack", "density_attack")
        if _dig(membership, k, "auc") is not None
    ]
    mle = util.ml_efficacy
    mle_ratio = None
    if mle is not None:
        key = "r2" if mle.task == "regression" else "auc"
        mle_ratio = mle.ratio.get(key)
        if mle_ratio is not None and not math.isfinite(mle_ratio):
            mle_ratio = None
    tvd = util.tvd

    def finite(x: Any) -> float | None:
        return float(x) if x is not None and math.isfinite(float(x)) else None

    return {
        "prosecutor_risk_max": reid.get("prosecutor_max"),
        "prosecutor_risk_avg_max": reid.get("prosecutor_avg"),
        "records_above_threshold_max": reid.get("records_at_risk"),
        "k_min": reid.get("k"),
        "singling_out_risk_max": _dig(risk, "singling_out", "risk"),
        "linkability_risk_max": _dig(risk, "linkability", "risk"),
        "inference_risk_max": max(inf) if inf else None,
        "dcr_share_max": membership.get("dcr_share"),
        "mia_auc_max": max(aucs) if aucs else None,
        "exact_match_rate_max": membership.get("exact_copy_rate_train"),
        "tvd_1way_max": finite(tvd[1].mean) if 1 in tvd else None,
        "tvd_2way_max": finite(tvd[2].mean) if 2 in tvd else None,
        "tvd_3way_max": finite(tvd[3].mean) if 3 in tvd else None,
        "correlation_diff_max": finite(util.correlations.cramers_max_abs_diff),
        "pmse_ratio_max": finite(util.propensity.pmse_ratio) if util.propensity else None,
        "ml_efficacy_ratio_min": mle_ratio,
    }
