"""The built-in anonymization policies on every table of the scan corpus: refuse or release safely.

    python benchmarks/policy_corpus.py [--corpus /work/corpus] [--splits dev heldout lookalikes]

For each table (benchmarks/scan_corpus/, built by build_corpus.py into --corpus; the generated
look-alikes ship in the repository) the table is scanned once and each of hipaa-safe-harbor,
gdpr-pseudonymise and k-anonymity-generic is applied in memory with a throw-away key. Outcomes:

- `refused: undecided`: the policy stopped at columns the scan is not confident about and
  listed them with the YAML lines to add (the fail-safe path);
- `refused: type`: a rule implying dates / numbers / ZIP codes met a column of another type;
- `refused: other`: any other one-line input error (e.g. a k-anonymity search that cannot
  reach k within its suppression limit);
- `released`: then every column labelled `direct` is checked: none of its distinct non-trivial
  values (3+ characters with a letter or digit, not a bare number of under 5 digits, and not
  also a value of a column not labelled
  direct, which the release may keep legitimately) may appear as a cell anywhere in the
  release (exact match). A release with such a value is a LEAK. The release's own residual
  check (manifest `residual_check`) is counted beside it.

Nothing here tunes the scanner: the heldout half is only run, never inspected column by
column (the per-table lines show outcomes and counts, no column names for heldout tables).
Results: benchmarks/results/policy_corpus.md (written with --write).
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import privsynth as ps  # noqa: E402
from privsynth.errors import InputError  # noqa: E402
from privsynth.io import read_table  # noqa: E402
from privsynth.policy.resolve import UndecidedColumnsError  # noqa: E402
from privsynth.policy.types import TypeMismatchError  # noqa: E402

CORPUS_DIR = ROOT / "benchmarks" / "scan_corpus"
LOOKALIKE_DIR = CORPUS_DIR / "lookalikes"
POLICIES = ("hipaa-safe-harbor", "gdpr-pseudonymise", "k-anonymity-generic")
RESULTS = ROOT / "benchmarks" / "results" / "policy_corpus.md"
RUN_SECONDS = 300  # one policy on one table; a k-anonymity search past it counts as `timeout`


class RunTimeout(Exception):
    """One release took longer than RUN_SECONDS."""


def _alarm(signum, frame):  # noqa: ARG001
    raise RunTimeout


signal.signal(signal.SIGALRM, _alarm)


@dataclass
class Outcome:
    table: str
    split: str
    policy: str
    outcome: str  # released | refused: undecided | refused: type | refused: other | error
    undecided: int = 0
    direct_columns: int = 0
    leaked_columns: list[str] | None = None
    residual_passed: bool | None = None
    seconds: float = 0.0
    message: str = ""


def tables(splits: list[str], corpus: Path) -> list[tuple[str, str, Path, dict]]:
    out = []
    split_spec = json.loads((CORPUS_DIR / "split.json").read_text())
    for split in splits:
        if split == "lookalikes":
            for lp in sorted(LOOKALIKE_DIR.glob("*.labels.json")):
                name = lp.name.removesuffix(".labels.json")
                out.append((name, split, LOOKALIKE_DIR / f"{name}.csv", json.loads(lp.read_text())))
            continue
        for name in split_spec[split]["tables"]:
            labels = json.loads((CORPUS_DIR / "labels" / f"{name}.json").read_text())
            out.append((name, split, corpus / f"{name}.csv", labels))
    return out


def trivial(values: pd.Series) -> pd.Series:
    """Values too common to be evidence of a leak: missing, under 3 characters, no letter or
    digit, or a bare number of under 5 digits (row numbers 1..200 or a 4-digit extension would
    match ZIP3 prefixes, years and counts anywhere in a release)."""
    text = values.astype("string").str.strip()
    ok = text.notna() & (text.str.len() >= 3) & text.str.contains(r"[A-Za-z0-9]", regex=True)
    short_number = text.str.fullmatch(r"[+-]?\d{1,4}(\.0+)?")
    ok = ok & ~short_number.fillna(False)
    return ~ok.fillna(False).astype(bool)


def direct_values(df: pd.DataFrame, labels: dict) -> dict[str, set[str]]:
    """Distinct non-trivial values of each direct-labelled column, minus values that also occur
    in a column not labelled direct (the release may keep those legitimately)."""
    text = df.astype("string")
    direct = [c for c in df.columns if (labels.get(c) or {}).get("class") == "direct"]
    others: set[str] = set()
    for c in df.columns:
        if c not in direct:
            others |= set(text[c].dropna().str.strip())
    out = {}
    for c in direct:
        vals = text[c][~trivial(text[c])].str.strip()
        out[c] = set(vals.dropna()) - others
    return out


def leaks(release: pd.DataFrame, dvals: dict[str, set[str]]) -> list[str]:
    """Direct-labelled columns with at least one value found as a cell of the release."""
    if release.empty:
        return []
    cells = set(release.astype("string").stack().dropna().str.strip())
    return [c for c, vals in dvals.items() if vals & cells]


def run_one(name: str, split: str, df: pd.DataFrame, findings, labels: dict, policy: str,
            key_file: Path) -> Outcome:
    dvals = direct_values(df, labels)
    o = Outcome(name, split, policy, "error", direct_columns=len(dvals))
    t = time.perf_counter()
    signal.alarm(RUN_SECONDS)
    try:
        rel = ps.release(df, policy, findings=findings, key_file=key_file, seed=0)
    except RunTimeout:
        o.outcome, o.message = "timeout", f"over {RUN_SECONDS} s"
    except UndecidedColumnsError as exc:
        o.outcome, o.undecided = "refused: undecided", len(exc.columns)
    except TypeMismatchError as exc:
        o.outcome, o.message = "refused: type", str(exc).splitlines()[0]
    except InputError as exc:
        o.outcome, o.message = "refused: other", str(exc).splitlines()[0]
    except Exception as exc:  # noqa: BLE001 - a crash is a finding of this benchmark
        o.outcome, o.message = "error", f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        signal.alarm(0)
        o.outcome = "released"
        o.leaked_columns = leaks(rel.data, dvals)
        o.residual_passed = bool((rel.manifest.get("residual_check") or {}).get("passed", True))
    finally:
        signal.alarm(0)
    o.seconds = time.perf_counter() - t
    return o


def summarize(outcomes: list[Outcome], splits: list[str]) -> str:
    lines = ["| split | policy | tables | released | refused: undecided | refused: type | "
             "refused: other | timeout | error | releases leaking a direct value | "
             "residual check failed |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for split in [*splits, "all"]:
        for policy in POLICIES:
            rows = [o for o in outcomes if o.policy == policy and split in (o.split, "all")]
            if not rows:
                continue
            c = Counter(o.outcome for o in rows)
            rel = [o for o in rows if o.outcome == "released"]
            leaking = sum(1 for o in rel if o.leaked_columns)
            resid = sum(1 for o in rel if o.residual_passed is False)
            lines.append(
                f"| {split} | {policy} | {len(rows)} | {c['released']} | "
                f"{c['refused: undecided']} | {c['refused: type']} | {c['refused: other']} | "
                f"{c['timeout']} | {c['error']} | {leaking} | {resid} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    ap.add_argument("--splits", nargs="+", default=["dev", "heldout", "lookalikes"])
    ap.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = ap.parse_args()
    outcomes: list[Outcome] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key"
        key.write_text(secrets.token_hex(32))  # throw-away, strong enough for keygen rules
        for name, split, path, labels in tables(args.splits, args.corpus):
            df = read_table(path)
            findings = ps.scan(df).findings
            for policy in POLICIES:
                o = run_one(name, split, df, findings, labels, policy, key)
                outcomes.append(o)
                extra = (f" leaked={o.leaked_columns}" if o.leaked_columns else "")
                extra += f" undecided={o.undecided}" if o.undecided else ""
                extra += f" residual_passed={o.residual_passed}" if o.residual_passed is not None else ""
                detail = f" ({o.message[:160]})" if o.message and split != "heldout" else ""
                print(f"{split:10s} {name:34s} {policy:20s} {o.outcome:20s} {o.seconds:6.1f}s"
                      f"{extra}{detail}", flush=True)
    wall = time.perf_counter() - t0
    table = summarize(outcomes, args.splits)
    print("\n" + table + f"\n\nwall {wall:.0f} s")
    if args.write:
        leaking = [o for o in outcomes if o.leaked_columns]
        released = [o for o in outcomes if o.outcome == "released"]
        body = [
            "# Built-in policies on the scan corpus (issue 12, item 3)",
            "",
            "Reproduce: `.venv/bin/python benchmarks/policy_corpus.py --write` (needs /work/corpus "
            "built by benchmarks/scan_corpus/build_corpus.py). Each table is scanned once; each "
            "policy is applied in memory. A release LEAKS when a distinct non-trivial value of a "
            "column labelled `direct` (not also a value of a non-direct column) is a cell of the "
            "release.",
            "",
            table,
            "",
            f"Releases: {len(released)}; releases leaking a direct value: {len(leaking)}. "
            f"Wall time {wall:.0f} s for {len(outcomes)} runs.",
            "",
        ]
        if leaking:
            body.append("Leaks (table, policy, direct-labelled columns with a value in the release):")
            body.append("")
            for o in leaking:
                cols = o.leaked_columns if o.split != "heldout" else f"{len(o.leaked_columns)} column(s)"
                body.append(f"- {o.split} {o.table} / {o.policy}: {cols}")
            body.append("")
        other = [o for o in outcomes
                 if o.outcome in ("refused: type", "refused: other", "timeout", "error")]
        if other:
            body.append("Refusals other than undecided columns, and errors:")
            body.append("")
            for o in other:
                msg = o.message if o.split != "heldout" else "(heldout: message not shown)"
                body.append(f"- {o.split} {o.table} / {o.policy}: {o.outcome}: {msg}")
            body.append("")
        RESULTS.write_text("\n".join(body))
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
