"""`privsynth audit`: the command's logic (cli.py only declares its options)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from privsynth.audit import audit
from privsynth.audit.measure import STEPS
from privsynth.commands.display import for_terminal
from privsynth.engine.select import announce, choose_engine
from privsynth.errors import InputError
from privsynth.io import atomic_file
from privsynth.io.atomic import check_not_input


def _split(values: Sequence[str] | str | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = [v.strip() for item in values for v in item.split(",") if v.strip()]
    return out or None


def run_audit(
    *,
    original: Path,
    release: Path,
    holdout: Path | None = None,
    policy: str | Path | None = None,
    manifest: Path | None = None,
    scan: Path | None = None,
    qi: str | None = None,
    secret: Sequence[str] | None = None,
    target: str | None = None,
    report: Path | None = None,
    json_out: Path | None = None,
    seed: int = 0,
    n_attacks: int | None = None,
    quiet: bool = False,
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    population_size: float | None = None,
    sampling_fraction: float | None = None,
) -> int:
    """Run the audit, write the HTML / JSON reports, print the decision; return the exit code.

    `engine` (None = auto) is chosen for the largest input file and said on stderr when it is
    not the silent default (`engine.select.announce`).
    """
    if report is None and json_out is None:
        raise InputError("nothing to write: give --report out.html and/or --json out.json")
    choice = choose_engine(
        [original, release, holdout], engine, spark_master=spark_master, memory_limit=memory_limit
    )
    for out, what in ((report, "--report"), (json_out, "--json")):
        if out is not None and out.exists() and out.is_dir():
            raise InputError(f"{out}: is a folder, expected a file path")
        if out is not None:  # never written over what the audit reads (nor over each other)
            others = [report] if what == "--json" else []
            check_not_input(out, [original, release, holdout, policy, manifest, scan, *others], what)
    err = Console(stderr=True, quiet=quiet)
    said: list[bool] = []
    labels = {
        "reidentification": "re-identification risk",
        "singling_out": "singling-out attack",
        "linkability": "linkability attack",
        "inference": "inference attack",
        "membership": "membership inference",
        "utility": "utility",
    }
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as bar:
        task = bar.add_task("reading tables", total=len(STEPS) + 1)

        def progress(step: str, i: int, n: int) -> None:
            if not said and not quiet:  # once the tables are read and checked: no bad-input noise
                said.append(True)
                announce(choice, engine, lambda text: err.print(text, markup=False, highlight=False))
            bar.update(task, completed=i, description=labels.get(step, step))

        result = audit(
            original,
            release,
            holdout,
            policy=policy,
            manifest=manifest,
            scan=scan,
            quasi_identifiers=_split(qi),
            secrets=_split(secret),
            target=target,
            seed=seed,
            n_attacks=n_attacks,
            progress=progress,
            engine=choice.name,
            spark_master=spark_master,
            memory_limit=memory_limit,
            population_size=population_size,
            sampling_fraction=sampling_fraction,
        )
        bar.update(task, completed=len(STEPS), description="rendering the report")
        html = result.to_html() if report is not None else None
        text = result.to_json() if json_out is not None else None
        bar.update(task, completed=len(STEPS) + 1)
    # both documents are built before either is written: a failure leaves neither behind
    if report is not None and html is not None:
        with atomic_file(report) as tmp:
            tmp.write_text(html, encoding="utf-8")
    if json_out is not None and text is not None:
        with atomic_file(json_out) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")

    out = Console(file=sys.stdout, quiet=quiet, width=120)
    table = Table(title="privsynth audit", show_lines=False)
    for col in ("threshold", "measured", "limit", "result"):
        table.add_column(col)
    for t in result.thresholds:
        value = "not measured" if t.value is None else f"{t.value:.4g}"
        if t.interval is not None and t.decided_on is not None:  # decided on the interval's end
            value += f" (95% {'lower' if t.name.endswith('_min') else 'upper'} {t.decided_on:.3g})"
        sign = ">=" if t.name.endswith("_min") else "<="
        verdict = "[green]PASS[/green]" if t.passed else "[red]FAIL[/red]"
        table.add_row(t.name, value, f"{sign} {t.limit:g}", verdict)
    out.print(table)
    for t in result.failed:  # which columns drive each failure, and what would fix it
        if t.drivers or t.fix:
            cols = f" (driven by {', '.join(t.drivers)})" if t.drivers else ""
            line = for_terminal(f"fix {t.name}{cols}: {t.fix}")  # column names are data
            out.print(line, markup=False, highlight=False)
    for note in result.notes:
        out.print(f"note: {for_terminal(note)}", markup=False, highlight=False)
    if result.passed:
        out.print(f"[green]all {len(result.thresholds)} thresholds passed[/green]")
    else:
        names = ", ".join(t.name for t in result.failed)
        out.print(f"[red]{len(result.failed)} threshold(s) failed: {names}[/red]")
    for path in (report, json_out):
        if path is not None:
            out.print(f"wrote {for_terminal(path)}", markup=False, highlight=False)
    return 0 if result.passed else 1
