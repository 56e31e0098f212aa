"""The `privsynth` command: scan, release, audit, demo. Thin: every command calls the library.

Exit codes: 0 ok, 1 audit thresholds failed, 2 bad input, 130 interrupted, 70 an internal
error (a bug: its type is said, never its message, which might quote the data). Errors are one
line on stderr with every non-printable character escaped; set PRIVSYNTH_DEBUG=1 to see the
traceback of an unexpected error.

Each command's module (`privsynth.commands.*`, `privsynth.demo`) is imported when the command
runs, not here: importing them all costs seconds (presidio, scikit-learn, OpenDP) that
`privsynth --help` and a mistyped option should not pay.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from privsynth.errors import PrivsynthError
from privsynth.settings import MAX_SEED

app = typer.Typer(
    name="privsynth",
    help=(
        "Turn a sensitive table into a release you can sign off: find the PII (scan), "
        "mask / k-anonymize or synthesize it with differential privacy (release), and measure "
        "re-identification risk next to utility (audit).\n\n"
        "Try: privsynth demo --out demo/   (the whole flow on a bundled example table)\n\n"
        "Exit codes: 0 ok, 1 audit threshold failed, 2 bad input."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Shared by scan, release and audit: where the counting runs (privsynth.engine.select).
_ENGINE_HELP = (
    "Where the work runs: auto (default: memory for files up to 256 MB, else duckdb; "
    "PRIVSYNTH_AUTO_DUCKDB_BYTES sets the threshold), memory (fastest while the table fits "
    "in RAM), duckdb (files larger than memory, on this machine, within --memory-limit), "
    "spark (a cluster or local[N]; needs the spark extra and Java 17)."
)
EngineOpt = Annotated[str | None, typer.Option("--engine", help=_ENGINE_HELP, show_default="auto")]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL for --engine spark.", show_default="local[2]"),
]
MemoryLimitOpt = Annotated[
    str | None,
    typer.Option(
        "--memory-limit",
        help="DuckDB's memory cap (e.g. 512MB, 2GB); past it, it spills to disk.",
        show_default="2GB",
    ),
]


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"privsynth: error: {message}", err=True)
    raise typer.Exit(code)


# ---------------------------------------------------------------------------------------- scan
@app.command()
def scan(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file to scan.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    sample: Annotated[int, typer.Option(help="Values sampled per column.")] = 1000,
    write_policy: Annotated[
        Path | None, typer.Option(help="Write a draft policy YAML for this table here.")
    ] = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    memory_limit: MemoryLimitOpt = None,
    show_values: Annotated[
        bool,
        typer.Option(
            "--show-values",
            help="Show numeric columns' exact ranges and years in the evidence (hidden by "
            "default: they are values of the data).",
        ),
    ] = False,
) -> None:
    """Flag each column: direct identifier, quasi-identifier, sensitive attribute, or other.

    Example: privsynth scan data.csv --write-policy policy.yaml

    Large file: privsynth scan big.parquet --engine duckdb (samples and counts, never loaded whole)
    """
    from privsynth.commands.scan import run_scan  # on use: `--help` stays instant (see module doc)

    run_scan(
        file, json_out=json_out, sample=sample, write_policy=write_policy, engine=engine,
        spark_master=spark_master, memory_limit=memory_limit, show_values=show_values,
    )


# ------------------------------------------------------------------------------------- release
@app.command()
def release(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file to release.")],
    policy: Annotated[
        str, typer.Option("--policy", "-p", help="Policy YAML, or a built-in name (hipaa-safe-harbor).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for release.* and manifest.json.")],
    seed: Annotated[
        int | None, typer.Option(min=0, max=MAX_SEED, help="Seed for reproducible runs.")
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Masking key file (else the env var the policy names).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    memory_limit: MemoryLimitOpt = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="OUT may hold a previous privsynth release: replace it whole. Without it a "
            "non-empty OUT is refused; a folder privsynth did not write always is.",
        ),
    ] = False,
    formula_quoting: Annotated[
        bool,
        typer.Option(
            "--formula-quoting/--no-formula-quoting",
            help="Quote CSV text cells that start like a spreadsheet formula (= + - @) with a "
            "leading '. Turn off only for machine consumers that never open the CSV in a "
            "spreadsheet.",
        ),
    ] = True,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="DP synthesis: print the pre-flight (noise per count, per column) and release "
            "nothing. Spends a DP row count unless the policy gives expected_rows or rows.",
        ),
    ] = False,
    allow_residual: Annotated[
        bool,
        typer.Option(
            "--allow-residual",
            help="Exit 0 even when the residual check of an anonymized release fails (a column "
            "that still looks like a direct identifier or keeps its original values); the "
            "release is written either way and the manifest records the failed check.",
        ),
    ] = False,
) -> None:
    """Apply a policy: mask / generalize / k-anonymize (or synthesize) FILE into OUT.

    An anonymized release is checked for identifiers left in it (manifest: residual_check);
    a failed check exits 1 unless --allow-residual.

    Example: privsynth release data.csv --policy hipaa-safe-harbor --out released/

    Built-in policies: hipaa-safe-harbor, gdpr-pseudonymise, k-anonymity (Adult-style
    columns), k-anonymity-generic (any table: quasi-identifiers from the scan), dp-synthetic.

    Large file: privsynth release big.parquet -p dp-synthetic -o out/ --engine duckdb --memory-limit 4GB
    """
    from privsynth.commands.release import run_release

    run_release(
        file, policy, out, seed=seed, key_file=key_file, json_out=json_out, engine=engine,
        spark_master=spark_master, memory_limit=memory_limit, overwrite=overwrite,
        formula_quoting=formula_quoting, dry_run=dry_run, allow_residual=allow_residual,
    )


# --------------------------------------------------------------------------------------- audit
@app.command()
def audit(
    original: Annotated[Path, typer.Option("--original", help="The original (private) table the release was made from.")],
    release: Annotated[Path, typer.Option("--release", help="The release to audit (anonymized or synthetic).")],
    holdout: Annotated[
        Path | None, typer.Option(help="Real rows NOT used for the release: enables membership inference and control rows.")
    ] = None,
    policy: Annotated[str | None, typer.Option(help="Policy YAML (or a built-in name): thresholds, quasi-identifiers, secrets.")] = None,
    manifest: Annotated[Path | None, typer.Option(help="Release manifest JSON (ledger, epsilon, column actions).")] = None,
    scan: Annotated[Path | None, typer.Option(help="Scan result JSON (privsynth scan --json) for the PII inventory.")] = None,
    qi: Annotated[str | None, typer.Option("--qi", help="Quasi-identifier columns, comma-separated.")] = None,
    secret: Annotated[
        list[str] | None, typer.Option("--secret", help="Secret column for the inference attack (repeatable).")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target column for machine-learning efficacy.")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")] = None,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed of the attacks and models.")
    ] = 0,
    n_attacks: Annotated[
        int | None,
        typer.Option(min=1, help="Attacks per criterion (default: every holdout row, up to 2000)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary output.")] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    memory_limit: MemoryLimitOpt = None,
    population_size: Annotated[
        float | None,
        typer.Option(min=1, help="How many people the table was drawn from: journalist risk and population uniqueness (Zayatz, Pitman)."),
    ] = None,
    sampling_fraction: Annotated[
        float | None,
        typer.Option(min=0, max=1, help="Release rows / population size (instead of --population-size)."),
    ] = None,
) -> None:
    """Measure re-identification and membership-inference risk next to utility.

    Example: privsynth audit --original data.csv --release released/release.csv --report audit.html

    Exit 0 when every threshold passes, 1 when one fails, 2 on bad input.

    On --engine duckdb|spark, re-identification classes and utility marginals count every row;
    attacks, membership inference, pMSE and ML efficacy use 50,000-row samples (the report says).

    Thresholds (policy `audit.thresholds`, name: limit; defaults in brackets). Risk:
    prosecutor_risk_max [0.09], records_above_threshold_max [0.05], singling_out_risk_max [0.1],
    linkability_risk_max [0.1], inference_risk_max [0.1], dcr_share_max [0.6],
    mia_auc_max [0.6], residual_failures_max [0] (from the release's manifest). Utility:
    tvd_1way_max [0.2], tvd_1way_column_max [0.3], propensity_auc_max [0.9],
    information_loss_max [0.5]. Opt-in: prosecutor_risk_avg_max, k_min, exact_match_rate_max,
    tvd_2way_max, tvd_3way_max, correlation_diff_max, pmse_ratio_max, ml_efficacy_ratio_min.
    Where a figure has a 95 % interval, its upper end decides a _max gate (lower end: _min).
    """
    from privsynth.commands.audit import run_audit

    code = run_audit(
        original=original, release=release, holdout=holdout, policy=policy, manifest=manifest,
        scan=scan, qi=qi, secret=secret, target=target, report=report, json_out=json_out,
        seed=seed, n_attacks=n_attacks, quiet=quiet, engine=engine, spark_master=spark_master,
        memory_limit=memory_limit, population_size=population_size,
        sampling_fraction=sampling_fraction,
    )
    if code:
        raise typer.Exit(code)


# -------------------------------------------------------------------------------------- keygen
@app.command()
def keygen(
    file: Annotated[Path, typer.Argument(help="Where to write the new key (must not exist).")],
) -> None:
    """Write a new random masking key to FILE (permissions 0600) for keyed pseudonyms.

    Example: privsynth keygen ~/.privsynth/release.key

    Use it with --key-file FILE, or PRIVSYNTH_KEY="$(cat FILE)". The same key gives the same
    pseudonyms in every release; never replace a key you still need (README: Keys and rotation).
    """
    from privsynth.commands.keygen import run_keygen

    run_keygen(file)


# ---------------------------------------------------------------------------------------- demo
@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's outputs.")] = Path("audits"),
) -> None:
    """Run the whole flow on the bundled example table and leave the results in OUT.

    Example: privsynth demo --out demo/
    """
    from privsynth.demo import run_demo

    run_demo(out)


def _click_classes(name: str) -> tuple[type, ...]:
    """`name` from click and from the copy of click that newer typer versions vendor."""
    import importlib

    found = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _usage_error(exc: Exception) -> str | None:
    """One line for a command-line usage error (unknown option, missing argument...), else None.

    Click prints usage + hint + error over several lines; users get one line that names the
    problem and where to read more.
    """
    if not isinstance(exc, _click_classes("ClickException")):
        return None
    if isinstance(exc, _click_classes("NoArgsIsHelpError")):
        return ""  # the help was printed already; nothing more to say
    message = " ".join(str(exc.format_message()).split())
    names = []
    ctx = getattr(exc, "ctx", None)
    while ctx is not None and ctx.parent is not None:  # the root's name may be `python -m ...`
        names.append(ctx.info_name)
        ctx = ctx.parent
    command = " ".join(["privsynth", *reversed(names)])
    return f"{message} (see '{command} --help')"


def _is_abort(exc: Exception) -> bool:
    return isinstance(exc, (typer.Abort, *_click_classes("Abort")))


def _error(text: object) -> str:
    """One error line for a terminal: names in it printed literally (commands.display)."""
    from privsynth.commands.display import for_terminal

    return for_terminal(text)


def _error_lines(exc: Exception) -> list[str]:
    """The error line, then for columns a policy leaves undecided the YAML lines to add: each
    escaped on its own, so a column name never breaks or forges a line."""
    from privsynth.policy.resolve import UndecidedColumnsError

    if isinstance(exc, UndecidedColumnsError):
        return [f"privsynth: error: {_error(exc.head)}", *(_error(ln) for ln in exc.lines)]
    return [f"privsynth: error: {_error(exc)}"]


def _os_error(exc: OSError) -> str:
    """An OSError (no permission, no space, a device that went away) as one line: the path and
    the system's reason, never more (its text holds no cell values, but keep it short)."""
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning known errors into one line and exit 2.

    An unexpected error is exit 70 with its type only: its message might quote a cell of the
    data (privacy rule 6), and PRIVSYNTH_DEBUG=1 shows the traceback to whoever runs it.
    """
    try:
        code = app(args=argv, prog_name="privsynth", standalone_mode=False)
        if isinstance(code, int) and code:  # click returns a typer.Exit's code in this mode
            if code == 130:  # typer's translation of a Ctrl-C inside a command
                typer.echo("privsynth: interrupted", err=True)
            return code
    except PrivsynthError as exc:
        for line in _error_lines(exc):
            typer.echo(line, err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # click's own usage errors; SIGTERM inside an atomic write
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except MemoryError:  # e.g. release.rows: 1e12; outputs are atomic, nothing was written
        typer.echo(
            "privsynth: error: out of memory; ask for fewer rows (release.rows) "
            "or give a smaller table",
            err=True,
        )
        return 2
    except KeyboardInterrupt:
        typer.echo("privsynth: interrupted", err=True)
        return 130
    except BrokenPipeError:
        raise  # stdout's reader went away: privsynth.__main__.run ends quietly
    except Exception as exc:  # click usage errors and the unexpected
        usage = _usage_error(exc)
        if usage == "":
            return 0
        if usage is not None:
            typer.echo(f"privsynth: error: {_error(usage)}", err=True)
            return 2
        if _is_abort(exc):  # click's name for a Ctrl-C it caught
            typer.echo("privsynth: interrupted", err=True)
            return 130
        if os.environ.get("PRIVSYNTH_DEBUG"):
            raise
        if isinstance(exc, OSError):  # the file system said no: bad input or environment
            typer.echo(f"privsynth: error: {_error(_os_error(exc))}", err=True)
            return 2
        typer.echo(
            f"privsynth: internal error ({type(exc).__name__}); nothing was written. "
            "Set PRIVSYNTH_DEBUG=1 to see the traceback, and please report it",
            err=True,
        )
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())
