"""The `privsynth` command: scan, release, audit, demo. Thin: every command calls the library.

Exit codes: 0 ok, 1 audit thresholds failed, 2 bad input. Errors are one line on stderr;
set PRIVSYNTH_DEBUG=1 to see the traceback of an unexpected error.

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
) -> None:
    """Flag each column: direct identifier, quasi-identifier, sensitive attribute, or other.

    Example: privsynth scan data.csv --write-policy policy.yaml

    Large file: privsynth scan big.parquet --engine duckdb (samples and counts, never loaded whole)
    """
    from privsynth.commands.scan import run_scan  # on use: `--help` stays instant (see module doc)

    run_scan(
        file, json_out=json_out, sample=sample, write_policy=write_policy, engine=engine,
        spark_master=spark_master, memory_limit=memory_limit,
    )


# ------------------------------------------------------------------------------------- release
@app.command()
def release(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file to release.")],
    policy: Annotated[
        str, typer.Option("--policy", "-p", help="Policy YAML, or a built-in name (hipaa-safe-harbor).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for release.* and manifest.json.")],
    seed: Annotated[int | None, typer.Option(min=0, help="Seed for reproducible runs.")] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Masking key file (else the env var the policy names).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    memory_limit: MemoryLimitOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="DP synthesis: print the pre-flight (noise per count, per column) and release "
            "nothing. Spends a DP row count unless the policy gives expected_rows or rows.",
        ),
    ] = False,
) -> None:
    """Apply a policy: mask / generalize / k-anonymize (or synthesize) FILE into OUT.

    Example: privsynth release data.csv --policy hipaa-safe-harbor --out released/

    Built-in policies: hipaa-safe-harbor, gdpr-pseudonymise, k-anonymity (Adult-style
    columns), k-anonymity-generic (any table: quasi-identifiers from the scan), dp-synthetic.

    Large file: privsynth release big.parquet -p dp-synthetic -o out/ --engine duckdb --memory-limit 4GB
    """
    from privsynth.commands.release import run_release

    run_release(
        file, policy, out, seed=seed, key_file=key_file, json_out=json_out, engine=engine,
        spark_master=spark_master, memory_limit=memory_limit, dry_run=dry_run,
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
    seed: Annotated[int, typer.Option(min=0, help="Seed of the attacks and models.")] = 0,
    n_attacks: Annotated[
        int | None,
        typer.Option(min=1, help="Attacks per criterion (default: every holdout row, up to 2000)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary output.")] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    memory_limit: MemoryLimitOpt = None,
) -> None:
    """Measure re-identification and membership-inference risk next to utility.

    Example: privsynth audit --original data.csv --release released/release.csv --report audit.html

    Exit 0 when every threshold passes, 1 when one fails, 2 on bad input.

    On --engine duckdb|spark, re-identification classes and utility marginals count every row;
    attacks, membership inference, pMSE and ML efficacy use 50,000-row samples (the report says).

    Thresholds (policy `audit.thresholds`, name: limit; defaults in brackets):
    prosecutor_risk_max [0.09], records_above_threshold_max [0.05], singling_out_risk_max [0.1],
    linkability_risk_max [0.1], inference_risk_max [0.1], dcr_share_max [0.6],
    mia_auc_max [0.6]; opt-in: prosecutor_risk_avg_max, k_min, exact_match_rate_max,
    tvd_1way_max, tvd_2way_max, tvd_3way_max, correlation_diff_max, pmse_ratio_max,
    ml_efficacy_ratio_min.
    """
    from privsynth.commands.audit import run_audit

    code = run_audit(
        original=original, release=release, holdout=holdout, policy=policy, manifest=manifest,
        scan=scan, qi=qi, secret=secret, target=target, report=report, json_out=json_out,
        seed=seed, n_attacks=n_attacks, quiet=quiet, engine=engine, spark_master=spark_master,
        memory_limit=memory_limit,
    )
    if code:
        raise typer.Exit(code)


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


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning known errors into one line and exit 2."""
    try:
        code = app(args=argv, prog_name="privsynth", standalone_mode=False)
        if isinstance(code, int) and code:  # click returns a typer.Exit's code in this mode
            return code
    except PrivsynthError as exc:
        typer.echo(f"privsynth: error: {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # click's own usage errors
        return int(exc.code or 0)
    except MemoryError as exc:  # e.g. release.rows: 1e12; outputs are atomic, nothing was written
        detail = f" ({exc})" if str(exc) else ""
        typer.echo(
            f"privsynth: error: out of memory{detail}; ask for fewer rows (release.rows) "
            "or give a smaller table",
            err=True,
        )
        return 2
    except KeyboardInterrupt:
        typer.echo("privsynth: interrupted", err=True)
        return 130
    except Exception as exc:  # click usage errors and the unexpected
        usage = _usage_error(exc)
        if usage == "":
            return 0
        if usage is not None:
            typer.echo(f"privsynth: error: {usage}", err=True)
            return 2
        if _is_abort(exc):
            return 130
        if os.environ.get("PRIVSYNTH_DEBUG"):
            raise
        typer.echo(f"privsynth: internal error: {type(exc).__name__}: {exc}", err=True)
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())
