"""`python -m privsynth` and the `privsynth` console script (`run`).

`run` imports the CLI inside its own `try`: a Ctrl-C while Python is still importing typer,
pandas or the command's module (start-up takes a second or more on a loaded machine) ends the
run with exit 130 and one line, never a traceback. A closed stdout (`privsynth scan x | head`)
ends it quietly too.
"""

from __future__ import annotations

import os
import sys


def _say(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed too: nothing to say it on
        pass


def run() -> None:
    """Run the command line and exit with its code (130 on Ctrl-C, wherever it lands)."""
    try:
        from privsynth.cli import main  # here, not at the top: see the module docstring

        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        _say("privsynth: interrupted")
        code = 130
    except BrokenPipeError:
        # The reader of stdout went away: exit as `yes | head` does, without a traceback on
        # the flush at shutdown.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 128 + 13  # SIGPIPE
    sys.exit(code)


if __name__ == "__main__":
    run()
