"""The `privsynth` command: scan, release, audit, demo. Thin: every command calls the library.

Exit codes: 0 ok, 1 audit thresholds failed, 2 bad input. Errors are one line on stderr;
set PRIVSYNTH_DEBUG=1 to see the traceback of an unexpected error.
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
        "re-identification risk next to utility (audit)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
) -> None:
    """Flag each column: direct identifier, quasi-identifier, sensitive attribute, or other."""
    from privsynth.detect.cli import run_scan

    run_scan(file, json_out=json_out, sample=sample, write_policy=write_policy)


# ------------------------------------------------------------------------------------- release
@app.command()
def release(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file to release.")],
    policy: Annotated[
        str, typer.Option("--policy", "-p", help="Policy YAML, or a built-in name (hipaa-safe-harbor).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for release.* and manifest.json.")],
    seed: Annotated[int | None, typer.Option(help="Seed for reproducible runs.")] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Masking key file (else the env var the policy names).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Apply a policy: mask / generalize / k-anonymize (or synthesize) FILE into OUT."""
    from privsynth.release import run_release

    run_release(file, policy, out, seed=seed, key_file=key_file, json_out=json_out)


# ---------------------------------------------------------------------------------------- demo
@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's outputs.")] = Path("audits"),
) -> None:
    """Run the whole flow on the bundled example table and leave the results in OUT."""
    from privsynth.demo import run_demo

    run_demo(out)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning known errors into one line and exit 2."""
    try:
        app(args=argv, standalone_mode=False)
    except PrivsynthError as exc:
        typer.echo(f"privsynth: error: {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # click's own usage errors
        return int(exc.code or 0)
    except KeyboardInterrupt:
        typer.echo("privsynth: interrupted", err=True)
        return 130
    except Exception as exc:  # click usage errors and the unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return 2
        if isinstance(exc, click.exceptions.Abort):
            return 130
        if os.environ.get("PRIVSYNTH_DEBUG"):
            raise
        typer.echo(f"privsynth: internal error: {type(exc).__name__}: {exc}", err=True)
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())
