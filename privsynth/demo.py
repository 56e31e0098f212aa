"""`privsynth demo`: the whole flow on the bundled example table, one named step after another.

Each step is a `DemoStep` (name, title, function). Steps share a `DemoContext`, write their
files into `ctx.work` (a temporary folder that becomes `out` only when every step succeeded:
privacy rule 6) and return a `StepOutcome` whose summary and optional rich renderable are shown
as soon as the step ends. Adding the release and audit stages is adding steps to `DEMO_STEPS`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console, RenderableType
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from privsynth.audit import audit
from privsynth.datasets import example_path, example_policy_path, example_split
from privsynth.detect import ColumnFinding, ScanResult, scan
from privsynth.io import atomic_dir
from privsynth.pipeline.run import Release, release, write_release
from privsynth.policy import load_policy


@dataclass
class DemoContext:
    """What the steps share: where to write, the example data, and each step's result."""

    out: Path
    work: Path
    console: Console
    table: pd.DataFrame | None = None
    train: pd.DataFrame | None = None
    holdout: pd.DataFrame | None = None
    results: dict[str, Any] = field(default_factory=dict)

    def write_json(self, name: str, payload: Any) -> Path:
        path = self.work / name
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        return path


@dataclass
class StepOutcome:
    """A step's one-line summary, an optional rich view of its result, the files it wrote."""

    summary: str
    view: RenderableType | None = None
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoStep:
    name: str
    title: str
    run: Callable[[DemoContext], StepOutcome]


@dataclass
class StepRecord:
    name: str
    title: str
    seconds: float
    summary: str
    files: list[str]


@dataclass
class DemoResult:
    out: Path
    steps: list[StepRecord]

    @property
    def files(self) -> list[Path]:
        return [self.out / f for s in self.steps for f in s.files]


# ------------------------------------------------------------------------------------- steps
def load_example(ctx: DemoContext) -> StepOutcome:
    """Read the bundled table and cut it into a training half and a holdout half."""
    ctx.train, ctx.holdout = example_split(seed=0)
    ctx.table = pd.concat([ctx.train, ctx.holdout], ignore_index=True)
    rows, cols = ctx.table.shape
    return StepOutcome(
        f"{example_path().name}: {rows:,} rows x {cols} columns "
        f"(real Adult census rows + generated names, contacts and notes); "
        f"split {len(ctx.train):,} train / {len(ctx.holdout):,} holdout"
    )


def scan_columns(ctx: DemoContext) -> StepOutcome:
    """Flag every column: direct identifier, quasi-identifier, sensitive attribute, or other."""
    result = scan(ctx.table)
    ctx.results["scan"] = result
    findings = result.findings
    payload = {
        "classification": SCAN_CLASSIFICATION,
        **result.to_dict(),
        "source": "privsynth/datasets/example.csv",
    }
    payload.setdefault("n_rows", len(ctx.table))
    ctx.write_json(SCAN_FILE, payload)
    return StepOutcome(_scan_summary(findings), _scan_view(findings), [SCAN_FILE])


def _release(ctx: DemoContext, policy_name: str, folder: str) -> StepOutcome:
    """Release the training half under a built-in policy into `folder` (release + manifest)."""
    policy = load_policy(policy_name)
    scanned: ScanResult | None = ctx.results.get("scan")
    findings = scanned.findings if scanned is not None else None
    rel = release(ctx.train, policy, seed=DEMO_SEED, findings=findings)
    ctx.results[f"release:{folder}"] = (rel, policy)
    write_release(rel, ctx.work / folder, fmt="csv")
    # what a reader opens; hidden files (the output marker) are not listed
    files = sorted(
        f"{folder}/{p.name}" for p in (ctx.work / folder).iterdir() if not p.name.startswith(".")
    )
    return StepOutcome(_release_summary(rel), None, files)


def release_anonymized(ctx: DemoContext) -> StepOutcome:
    """k-anonymity (k = 5, l = 2) with the optimal generalization search; identifiers dropped."""
    return _release(ctx, "k-anonymity", "anonymized")


def release_synthetic(ctx: DemoContext) -> StepOutcome:
    """A differentially private synthetic table (AIM, epsilon = 1, delta = 1e-9), under the
    policy written for the example table (`datasets/example-synthetic.yaml`)."""
    return _release(ctx, str(example_policy_path()), "synthetic")


def _audit(ctx: DemoContext, folder: str) -> StepOutcome:
    """Audit one release against the training half, with the holdout half as control."""
    rel, policy = ctx.results[f"release:{folder}"]
    report = audit(
        ctx.train,
        rel,
        ctx.holdout,
        policy=policy,
        scan=ctx.results.get("scan"),
        seed=DEMO_SEED,
    )
    ctx.results[f"audit:{folder}"] = report
    # internal: exact figures about the private rows, never shipped with a release
    name = f"{INTERNAL_PREFIX}{folder}-audit"
    report.to_html(ctx.work / f"{name}.html")
    report.to_json(ctx.work / f"{name}.json")
    checks = report.to_dict().get("thresholds", [])
    failed = [c["name"] for c in checks if not c.get("passed")]
    verdict = "every threshold passed" if not failed else "failed: " + ", ".join(failed)
    return StepOutcome(
        f"{len(checks)} thresholds checked, {verdict}",
        None,
        [f"{name}.html", f"{name}.json"],
    )


def audit_anonymized(ctx: DemoContext) -> StepOutcome:
    """Re-identification risk, attacks and utility of the k-anonymous table."""
    return _audit(ctx, "anonymized")


def audit_synthetic(ctx: DemoContext) -> StepOutcome:
    """Attacks, membership inference (with the DP ceiling) and utility of the synthetic table."""
    return _audit(ctx, "synthetic")


DEMO_SEED = 7
# The scan and the audits read the private rows (exact counts, the input's shape): their
# files say INTERNAL in their names and text, so nobody ships them beside a release.
INTERNAL_PREFIX = "internal-"
SCAN_FILE = f"{INTERNAL_PREFIX}scan.json"
SCAN_CLASSIFICATION = (
    "INTERNAL - confidential: a scan of the private table (exact row and distinct counts); "
    "not to be shared with or beside the release"
)

DEMO_STEPS: tuple[DemoStep, ...] = (
    DemoStep("load", "Load the bundled example table", load_example),
    DemoStep("scan", "Scan every column for personal data", scan_columns),
    DemoStep("release-anonymized", "Release a k-anonymous table", release_anonymized),
    DemoStep("release-synthetic", "Release a DP synthetic table (AIM)", release_synthetic),
    DemoStep("audit-anonymized", "Audit the k-anonymous release", audit_anonymized),
    DemoStep("audit-synthetic", "Audit the synthetic release", audit_synthetic),
)


# ---------------------------------------------------------------------------------- runner
def run_demo(
    out: Path | str = Path("audits"),
    *,
    console: Console | None = None,
    steps: Sequence[DemoStep] = DEMO_STEPS,
) -> DemoResult:
    """Run `steps` in order, showing progress; every output lands in `out` only on success."""
    out = Path(out)
    console = console or Console()
    records: list[StepRecord] = []
    console.rule("[bold]privsynth demo")
    # The demo replaces its own previous output; a folder privsynth did not write is refused.
    with atomic_dir(out, overwrite=True) as work:
        ctx = DemoContext(out=out, work=work, console=console)
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            for i, step in enumerate(steps, 1):
                label = f"[{i}/{len(steps)}] {step.title}"
                task = progress.add_task(label, total=None)
                start = time.perf_counter()
                outcome = step.run(ctx)
                seconds = time.perf_counter() - start
                progress.remove_task(task)
                console.print(f"[green]✓[/] {label} [dim]({seconds:.1f} s)[/]")
                console.print(f"    {outcome.summary}")
                if outcome.view is not None:
                    console.print(outcome.view)
                records.append(
                    StepRecord(step.name, step.title, seconds, outcome.summary, outcome.files)
                )
    result = DemoResult(out, records)
    if result.files:
        listing = ", ".join(str(p) for p in result.files)
        console.print(f"[bold]Results in {out}/[/]: {listing}")
    return result


def _release_summary(rel: Release) -> str:
    """One line on what a release achieved: k/l/suppression, or the privacy budget spent."""
    m = rel.manifest
    rows, cols = rel.data.shape
    line = f"{rows:,} rows x {cols} columns"
    privacy = m.get("privacy") or {}
    achieved = privacy.get("achieved") or {}
    if achieved.get("k_achieved") is not None:
        line += f"; k = {achieved['k_achieved']}"
        if achieved.get("l_achieved") is not None:
            line += f", l = {achieved['l_achieved']:g}"
        line += f", {100 * achieved.get('suppression_rate', 0.0):.1f}% of rows suppressed"
    ledger = m.get("ledger")
    total = m.get("ledger_total") or {}
    if isinstance(ledger, dict) and ledger.get("epsilon_spent") is not None:  # DP synthesis
        line += (
            f"; ({ledger['epsilon_spent']:.3g}, {ledger.get('delta', 0):.3g})-DP, "
            f"{len(ledger.get('steps', []))} OpenDP measurements in the ledger"
        )
    elif isinstance(total, dict) and total.get("epsilon"):
        line += f"; noise spent epsilon {total['epsilon']:.3g}"
    return line


# --------------------------------------------------------------------------- scan rendering

_CLASS_STYLE = {"direct": "bold red", "quasi": "yellow", "sensitive": "magenta", "other": "dim"}
_CLASS_LABEL = {  # singular, plural
    "direct": ("direct identifier", "direct identifiers"),
    "quasi": ("quasi-identifier", "quasi-identifiers"),
    "sensitive": ("sensitive attribute", "sensitive attributes"),
    "other": ("other column", "other columns"),
}


def _scan_summary(findings: list[ColumnFinding]) -> str:
    counts = {c: sum(str(f.cls) == c for f in findings) for c in _CLASS_LABEL}
    parts = [f"{n} {_CLASS_LABEL[c][n != 1]}" for c, n in counts.items()]
    text = [f for f in findings if str(getattr(f, "type", "")) == "text" and f.entities]
    line = ", ".join(parts)
    if text:
        inside = "; ".join(f"{f.name} ({', '.join(f.entities)})" for f in text)
        line += f". Free text holding personal data: {inside}"
    return line


def _scan_view(findings: list[ColumnFinding]) -> Table:
    table = Table(header_style="bold")
    for header in ("column", "class", "entity", "confidence", "why"):
        table.add_column(header, overflow="fold")
    for f in findings:
        cls = str(f.cls)
        entity = f.entity if f.entity != "NONE" else ""
        if str(getattr(f, "type", "")) == "text" and getattr(f, "entities", None):
            entity = ", ".join(f.entities)
        why = str(f.evidence[0]) if f.evidence else ""
        table.add_row(
            f.name,
            f"[{_CLASS_STYLE.get(cls, '')}]{cls}[/]",
            entity,
            f"{float(f.confidence):.2f}",
            why,
        )
    return table
