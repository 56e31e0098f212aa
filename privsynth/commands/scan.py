"""`privsynth scan FILE`: the findings as a rich table, or JSON for machines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from privsynth.commands.display import for_terminal, json_for_terminal, plain
from privsynth.detect import ColumnClass, ScanResult, scan
from privsynth.engine.select import announce, choose_engine
from privsynth.engine.source import open_source
from privsynth.errors import InputError
from privsynth.io import atomic_file
from privsynth.io.atomic import check_not_input

_STYLE = {
    ColumnClass.DIRECT: "bold red",
    ColumnClass.QUASI: "yellow",
    ColumnClass.SENSITIVE: "magenta",
    ColumnClass.OTHER: "dim",
}


def run_scan(file: Path, json_out: bool = False, sample: int = 1000,
             write_policy: Path | None = None, engine: str | None = None,
             spark_master: str | None = None, memory_limit: str | None = None,
             show_values: bool = False) -> ScanResult:
    """Scan `file`, print the result, optionally write a draft policy. Bad input: InputError.

    `engine` (None = auto): a file left to DuckDB or Spark is scanned from samples and engine
    counts, never loaded whole; the choice is said on stderr (`engine.select`). `show_values`
    lets the evidence show a numeric column's exact range or years (`detect.scan`).
    """
    choice = choose_engine(file, engine, spark_master=spark_master, memory_limit=memory_limit)
    if sample < 1:
        raise InputError(f"--sample must be at least 1, got {sample}")
    if write_policy is not None:
        # Checked before the (slow) scan, not after it.
        if Path(write_policy).is_dir():
            raise InputError(f"{write_policy}: is a folder, expected a file path (--write-policy)")
        check_not_input(write_policy, [file], "--write-policy")
    if choice.name == "memory":
        result = scan(Path(file), sample=sample, show_values=show_values)
        announce(choice, engine, None)
    else:
        source = open_source(
            file, choice.name, spark_master=spark_master, memory_limit=memory_limit
        )
        result = scan(source, sample=sample, show_values=show_values)
        announce(choice, engine, None)  # after the scan: a bad file stays a one-line error
    # Draft before printing: a policy that cannot be drafted fails the command up front.
    policy = result.draft_policy() if write_policy is not None else None
    if json_out:
        cols = [f.to_dict() for f in result.findings]  # + special_category, decision
        text = json.dumps({"columns": cols}, ensure_ascii=False, indent=2)
        sys.stdout.write(json_for_terminal(text) + "\n")
    else:
        print_table(result)
    if write_policy is not None:
        _write_policy(policy, Path(write_policy))
    return result


def print_table(result: ScanResult) -> None:
    """The findings as a rich table, one row per column, then the count per class."""
    console = Console() if sys.stdout.isatty() else Console(width=160)
    # Names, entities and evidence come from the file: shown literally (commands.display).
    title = plain(f"{result.source or 'table'}: {result.n_rows:,} rows, {len(result)} columns")
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("column", overflow="fold")
    table.add_column("class")
    table.add_column("entity")
    table.add_column("conf.", justify="right")
    table.add_column("evidence", overflow="fold")
    for f in result.findings:
        style = _STYLE.get(f.cls, "")
        entity = f.entity if len(f.entities) <= 1 else ", ".join(f.entities)
        table.add_row(plain(f.name), Text(str(f.cls), style=style), plain(entity),
                      f"{f.confidence:.2f}", plain("; ".join(f.evidence[:3])))
    console.print(table)
    counts = {c: sum(f.cls == c for f in result.findings) for c in ColumnClass}
    console.print(
        f"{counts[ColumnClass.DIRECT]} direct identifiers, {counts[ColumnClass.QUASI]} "
        f"quasi-identifiers, {counts[ColumnClass.SENSITIVE]} sensitive, "
        f"{counts[ColumnClass.OTHER]} other  ({result.seconds:.2f} s)"
    )


def _write_policy(text: str, path: Path) -> None:
    with atomic_file(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    print(f"draft policy written to {for_terminal(path)}", file=sys.stderr)
