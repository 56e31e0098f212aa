"""The library's progress lines on stderr, for commands that run long searches.

Library code logs to the `privsynth.progress` logger (the k-anonymity search: what it searches,
how far it got, what it chose); a command that wants them shown calls `show_progress()` once.
The handler writes to whatever `sys.stderr` is when a line is logged, so it survives redirected
or captured streams, and it is added only once per process.
"""

from __future__ import annotations

import logging
import sys

LOGGER = "privsynth.progress"


class _Stderr(logging.StreamHandler):
    """A stream handler bound to the current `sys.stderr`, not the one at creation."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # logging.StreamHandler.__init__ assigns it
        pass


def show_progress() -> None:
    """Print `privsynth.progress` records on stderr from now on (idempotent)."""
    log = logging.getLogger(LOGGER)
    log.setLevel(logging.INFO)
    log.propagate = False
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
