"""`privsynth release FILE`: read, apply the policy, write the folder, print a short summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from privsynth.commands.display import for_terminal
from privsynth.commands.progress import show_progress
from privsynth.engine.select import announce, choose_engine
from privsynth.engine.source import open_source
from privsynth.engine.typed import check_readable
from privsynth.errors import InputError
from privsynth.io import load_table
from privsynth.io.atomic import check_output_dir
from privsynth.pipeline.manifest import jsonable
from privsynth.pipeline.residual import summary_lines
from privsynth.pipeline.run import Release, read_public, release, release_source, write_release
from privsynth.pipeline.synthesize import plan_synthesis
from privsynth.policy import load_policy


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
    overwrite: bool = False,
    formula_quoting: bool = True,
    dry_run: bool = False,
    allow_residual: bool = False,
) -> Release | dict[str, Any]:
    """`privsynth release`: read FILE, apply the policy, write DIR, print a short summary.

    In memory (the default for files up to AUTO_DUCKDB_BYTES) the table is read whole and
    `release` runs on it; on DuckDB or Spark the file stays where it is and `release_source`
    streams it. Returns the `Release` in memory, the manifest otherwise. `overwrite` replaces
    a previous release in OUT whole; `formula_quoting=False` writes formula-leading CSV cells raw.
    A synthesize-mode policy reads a CSV without inferring anything from its values (every
    cell text, the delimiter from the header line); `dry_run` prints its pre-flight and
    releases nothing.
    """
    if key_file is not None and not Path(key_file).is_file():
        # Checked even when no column needs it: a mistyped path must not pass silently.
        raise InputError(f"{key_file}: no such key file (--key-file)")
    # Before any work: OUT is new, empty, or (with --overwrite) a previous release of ours,
    # and it neither is nor holds an input.
    if not dry_run:  # a dry run writes nothing
        check_output_dir(out, overwrite=overwrite, inputs=[file, policy, key_file])
    writing = {"overwrite": overwrite, "neutralize_formulas": formula_quoting}
    choice = choose_engine(file, engine, spark_master=spark_master, memory_limit=memory_limit)
    pol = load_policy(policy)
    if not json_out and not dry_run:
        show_progress()  # the k-anonymity search says what it does on stderr
    if dry_run and pol.release.mode != "synthesize":
        raise InputError("--dry-run plans a DP synthetic release (a mode: synthesize policy)")
    if pol.release.mode == "synthesize":
        source = open_source(
            file, choice.name, spark_master=spark_master, memory_limit=memory_limit,
            load=read_public,
        )
        check_readable(source)
        announce(choice, engine, None)
        if dry_run:
            plan = plan_synthesis(source, pol, seed=seed)
            if json_out:
                typer.echo(json.dumps(plan.to_dict(), default=jsonable))
            else:
                for line in plan.lines():
                    typer.echo(line)
            return plan.to_dict()
        manifest = release_source(
            source, pol, out, seed=seed, key_file=key_file, overwrite=overwrite,
            neutralize_formulas=formula_quoting,
        )
        result: Release | dict[str, Any] = manifest
    elif choice.name == "memory":
        df, _schema = load_table(file)
        announce(choice, engine, None)
        rel = release(df, pol, seed=seed, key_file=key_file)
        write_release(rel, out, input_path=file, **writing)
        manifest = rel.manifest
        result = rel
    else:
        source = open_source(
            file, choice.name, spark_master=spark_master, memory_limit=memory_limit
        )
        check_readable(source)  # a bad file stays a one-line error, before the engine line
        announce(choice, engine, None)
        manifest = release_source(source, pol, out, seed=seed, key_file=key_file, **writing)
        result = manifest
    if json_out:
        typer.echo(json.dumps({"out": str(out), **manifest}, default=jsonable))
    else:
        print_summary(manifest, out)
    residual = manifest.get("residual_check") or {}
    if residual and not residual.get("passed", True):
        for line in summary_lines(residual):
            typer.echo(f"privsynth: {for_terminal(line)}", err=True)
        if not allow_residual:
            typer.echo(
                f"privsynth: the release in {out}/ failed its residual check (see manifest.json "
                "residual_check); fix the policy, or pass --allow-residual to accept it",
                err=True,
            )
            raise typer.Exit(1)
    return result


def print_summary(m: dict[str, Any], out: Path) -> None:
    """The few lines `privsynth release` prints: rows, actions, what privacy was achieved/spent."""
    actions: dict[str, int] = {}
    for rec in (m.get("columns") or {}).values():
        action = rec.get("action", "?") if isinstance(rec, dict) else str(rec)
        actions[action] = actions.get(action, 0) + 1
    output = m.get("output") or {}
    rows = output.get("rows", "?")
    cols = output.get("columns")
    n_cols = len(cols) if isinstance(cols, list) else "?"
    name = (m.get("policy") or {}).get("name", "?")
    typer.echo(
        for_terminal(f"released {rows} rows x {n_cols} columns under policy {name!r} -> {out}/")
    )
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
        typer.echo(f"warning: {for_terminal(notice)}", err=True)
