"""Neighbouring-table tests for DP synthesis: the helpers (issue 11, deliverable 4).

Two tables are neighbours when one is the other plus one person (one row, or up to m rows with
one person id). A DP release may differ between them only through its noise-derived numbers;
everything else — exit code, the column set and order, dtypes, the FORMAT of each column's
values, the manifest's structure, the ledger's steps and costs, the notices (digits masked),
refusing or not — must be the same. OpenDP's noise cannot be seeded, so two hooks replace the
one call point of every measurement (`privsynth.synth.measure.invoke`):

- `deterministic_noise`: the exact statistic plus a fixed, position-derived offset (no
  randomness): outputs then differ between neighbours only where the exact counts do;
- `Replay`: runs D with `deterministic_noise`, records every measurement's input, then runs
  D' returning D's released outputs (a coupling: every decision after a measurement is the
  same in both runs) and records D''s inputs. For each measurement, OpenDP's own privacy map
  at the distance actually observed between the two inputs must not exceed what the ledger
  charged for it (`assert_within_charged`). Under-stated sensitivity anywhere — a 1 where m
  belongs — shows as a map larger than the charge.

Mutation checks (run by hand): sensitivity 1 instead of m in MST selection, AIM selection, key
discovery and the DP row count each make `test_dp_neighbours.py::
test_every_measurement_within_its_charge` fail; the exact one-line edits are listed in that
module's docstring.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import privsynth.synth.measure as measure

# ---------------------------------------------------------------------------- noise hooks


def deterministic_output(meas: Any, arg: Any, k: int) -> Any:
    """A release without randomness: the exact statistic, shifted by a fixed offset that
    depends only on the call's position `k` (and the cell's index)."""
    metric = str(meas.input_metric)
    if isinstance(arg, dict):  # key discovery: keys counted at least 3 times are released
        return {key: float(v) + 0.5 for key, v in arg.items() if v >= 3}
    if isinstance(arg, int):  # a row count
        return arg + 7
    if "Symmetric" in metric:  # a quantile of the snapped values
        vals = np.sort(np.asarray(arg, dtype=float))
        return float(vals[int(((k % 5) + 1) / 6 * (len(vals) - 1))]) if len(vals) else 0.0
    if "LInf" in metric:  # report-noisy-max: the best score
        return int(np.argmax(arg))
    return [int(x) + (i * 7 + k) % 5 - 2 for i, x in enumerate(arg)]


class DeterministicNoise:
    """Replaces `measure.invoke`; `reset()` restarts the position counter between runs."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, meas: Any, arg: Any) -> Any:
        out = deterministic_output(meas, arg, self.calls)
        self.calls += 1
        return out

    def reset(self) -> int:
        n, self.calls = self.calls, 0
        return n


@dataclass
class Replay:
    """Record D's measurements, replay D's outputs on D' (see module doc)."""

    inputs_d: list[Any] = field(default_factory=list)
    outputs_d: list[Any] = field(default_factory=list)
    meas_d: list[Any] = field(default_factory=list)
    inputs_d2: list[Any] = field(default_factory=list)
    meas_d2: list[Any] = field(default_factory=list)
    phase: str = "d"

    def __call__(self, meas: Any, arg: Any) -> Any:
        if self.phase == "d":
            out = deterministic_output(meas, arg, len(self.inputs_d))
            self.inputs_d.append(_copy(arg))
            self.outputs_d.append(out)
            self.meas_d.append(meas)
            return out
        k = len(self.inputs_d2)
        self.inputs_d2.append(_copy(arg))
        self.meas_d2.append(meas)
        if k >= len(self.outputs_d):
            raise AssertionError(f"D' made more measurements than D ({k + 1})")
        return self.outputs_d[k]


def _copy(arg: Any) -> Any:
    if isinstance(arg, dict):
        return dict(arg)
    if isinstance(arg, list):
        return list(arg)
    return arg


def observed_distance(meas: Any, a: Any, b: Any) -> Any:
    """The distance between two inputs of `meas` in its input metric (what its map takes)."""
    metric = str(meas.input_metric)
    if metric.startswith("L02Inf"):
        keys = set(a) | set(b)
        diff = np.array([abs(a.get(k, 0) - b.get(k, 0)) for k in keys], dtype=float)
        diff = diff[diff > 0]
        if diff.size == 0:
            return (0, 0, 0)
        return (int(diff.size), int(math.ceil(np.sqrt((diff**2).sum()) - 1e-9)), int(diff.max()))
    if metric.startswith("L2Distance"):
        d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
        return int(math.ceil(np.sqrt((d**2).sum()) - 1e-9))
    if metric.startswith("AbsoluteDistance"):
        return int(abs(int(a) - int(b)))
    if metric.startswith("LInfDistance"):
        d = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
        return float(d.max()) if d.size else 0.0
    if metric.startswith("SymmetricDistance"):
        ca, cb = pd.Series(a).value_counts(), pd.Series(b).value_counts()
        return int((ca.sub(cb, fill_value=0)).abs().sum())
    raise AssertionError(f"unknown metric {metric}")


def assert_within_charged(replay: Replay, ledger_d2: Any) -> list[tuple[str, float, float]]:
    """Each of D''s measurements: OpenDP's map at the observed distance <= the rho (and delta)
    the ledger charged for it. Returns (step, map, charged) rows for the report."""
    entries = list(ledger_d2.entries)
    assert len(entries) == len(replay.inputs_d2) == len(replay.inputs_d), (
        len(entries), len(replay.inputs_d2), len(replay.inputs_d)
    )
    rows = []
    for entry, meas, a, b in zip(entries, replay.meas_d2, replay.inputs_d, replay.inputs_d2, strict=True):
        d = observed_distance(meas, a, b)
        cost = meas.map(d)
        rho, delta = (cost if isinstance(cost, tuple) else (cost, 0.0))
        rows.append((entry.what, float(rho), float(entry.rho)))
        assert rho <= entry.rho * (1 + 1e-9) + 1e-15, (
            f"{entry.what}: a neighbour moved the input by {d}, which costs rho={rho:.3g} "
            f"under the measurement that ran, but the ledger charged rho={entry.rho:.3g} "
            f"(sensitivity {entry.sensitivity})"
        )
        assert delta <= entry.delta * (1 + 1e-9) + 1e-300, (entry.what, delta, entry.delta)
    return rows


@contextlib.contextmanager
def hooked(monkeypatch: Any, hook: Any) -> Iterator[Any]:
    monkeypatch.setattr(measure, "invoke", hook)
    yield hook


# ---------------------------------------------------------------------------- one run


_FORMATS = [
    ("int", re.compile(r"-?\d+")),
    ("decimal", re.compile(r"-?\d+\.\d+(e[+-]?\d+)?|-?\d+e[+-]?\d+", re.I)),
    ("iso-date", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("iso-datetime", re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")),
    ("slash-date", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    ("bool", re.compile(r"true|false|True|False")),
]


def value_format(v: Any) -> str:
    """The format class of one output value (digits, ISO date, ...); `text` otherwise."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v == "":
        return "missing"
    s = str(v)
    for name, rx in _FORMATS:
        if rx.fullmatch(s):
            return name
    return "text"


def key_paths(obj: Any, prefix: str = "") -> frozenset[str]:
    """Every dict key path of a JSON value (list positions folded: the structure, not sizes).
    Keys under a ledger's `steps` are kept, their values not."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{prefix}.{k}"
            out.add(p)
            out |= key_paths(v, p)
    elif isinstance(obj, list):
        for v in obj:
            out |= key_paths(v, prefix + "[]")
    return frozenset(out)


# Manifest fields that are times or values of the noise (compared through the ledger instead).
_VOLATILE = ("created_utc",)


@dataclass
class Outcome:
    """What a release looks like from outside, minus the noise-derived numbers."""

    code: int
    error: str = ""
    columns: list[str] = field(default_factory=list)
    formats: dict[str, frozenset[str]] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)
    manifest_keys: frozenset[str] = frozenset()
    ledger: list[tuple[str, str, float, float]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    schema: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    data: pd.DataFrame | None = None


def mask_digits(text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "#", text)


def outcome_from(manifest: dict[str, Any], data: pd.DataFrame) -> Outcome:
    steps = (manifest.get("ledger") or {}).get("steps", [])
    syn = manifest.get("synthesis") or {}
    return Outcome(
        code=0,
        columns=[str(c) for c in data.columns],
        formats={
            str(c): frozenset(value_format(v) for v in data[c].astype(object)) - {"missing"}
            for c in data.columns
        },
        dtypes={str(c): str(t) for c, t in data.dtypes.items()},
        manifest_keys=key_paths({k: v for k, v in manifest.items() if k not in _VOLATILE}),
        ledger=[(s["what"], s["mechanism"], round(s["rho"], 15), s["sensitivity"]) for s in steps],
        notices=[mask_digits(n) for n in manifest.get("notices", [])],
        schema=syn.get("schema", {}),
        manifest=manifest,
        data=data,
    )


def run_api(df: pd.DataFrame, policy: Any, engine: str, tmp: Path, *, seed: int = 3) -> Outcome:
    """The Python API: a CSV of the table released through `release_source` (the streamed
    writer, as the CLI does) on `engine`; memory also through `ps.release` on a text frame."""
    import privsynth as ps
    from privsynth.engine.source import open_source
    from privsynth.errors import PrivsynthError
    from privsynth.pipeline.run import read_public, release_source
    from privsynth.policy import load_policy

    if not hasattr(policy, "release"):
        policy = load_policy(policy)
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "table.csv"
    df.to_csv(path, index=False)
    out = tmp / "out"
    try:
        if engine == "memory-frame":
            text = df.astype(object).where(df.notna(), None).astype(object)
            text = text.map(lambda v: None if v is None else str(v))
            rel = ps.release(text, policy, seed=seed)
            return outcome_from(rel.manifest, rel.data.astype(object))
        src = open_source(path, engine, load=read_public)
        manifest = release_source(src, policy, out, seed=seed)
    except PrivsynthError as exc:
        return Outcome(code=exc.exit_code, error=str(exc))
    data = pd.read_csv(out / "release.csv", dtype=str, keep_default_na=False)
    return outcome_from(manifest, data)


def run_cli(df: pd.DataFrame, policy: str, engine: str, tmp: Path, *, seed: int = 3) -> Outcome:
    """`privsynth release` in-process (`privsynth.cli.main`), stdout and stderr captured."""
    from privsynth.cli import main

    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "table.csv"
    df.to_csv(path, index=False)
    out = tmp / "out"
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        code = main(["release", str(path), "--policy", str(policy), "--out", str(out),
                     "--seed", str(seed), "--engine", engine])
    if code != 0:
        return Outcome(code=code, error=err.getvalue().strip())
    manifest = json.loads((out / "manifest.json").read_text())
    data = pd.read_csv(out / "release.csv", dtype=str, keep_default_na=False)
    res = outcome_from(manifest, data)
    res.error = err.getvalue()  # the notices on stderr
    return res


def assert_same_structure(a: Outcome, b: Outcome, *, what: str = "") -> None:
    """D and D' releases differ only in noise-derived numbers (module doc)."""
    where = f" ({what})" if what else ""
    assert a.code == b.code, f"exit code differs{where}: {a.code} vs {b.code}: {a.error} | {b.error}"
    if a.code != 0:
        assert mask_digits(a.error) == mask_digits(b.error), f"refusal differs{where}"
        return
    assert a.columns == b.columns, f"columns differ{where}"
    assert a.formats == b.formats, f"value formats differ{where}: {a.formats} vs {b.formats}"
    assert a.dtypes == b.dtypes, f"dtypes differ{where}"
    assert a.manifest_keys == b.manifest_keys, (
        f"manifest structure differs{where}: {sorted(a.manifest_keys ^ b.manifest_keys)[:8]}"
    )
    assert a.ledger == b.ledger, f"ledger steps differ{where}"
    assert a.notices == b.notices, f"notices differ{where}: {a.notices} vs {b.notices}"
    assert a.schema == b.schema, f"schema decisions differ{where}"


__all__ = [
    "DeterministicNoise",
    "Outcome",
    "Replay",
    "assert_same_structure",
    "assert_within_charged",
    "deterministic_output",
    "mask_digits",
    "observed_distance",
    "outcome_from",
    "run_api",
    "run_cli",
    "value_format",
]
