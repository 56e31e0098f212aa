"""Numbers privsynth takes from the environment and from callers, checked in one place.

The `PRIVSYNTH_*` environment variables are read when a command uses them, never at import:
a malformed value (`PRIVSYNTH_CHUNK_ROWS=lots`) is then a one-line `InputError` naming the
variable (exit 2) from the command that needs it, not a traceback while Python imports the
package. Seeds are checked here too: numpy's legacy generators and scikit-learn take seeds in
0..2**32-1 only, and a larger one used to surface as an internal error deep in a stage.
"""

from __future__ import annotations

import os
import re

from privsynth.errors import InputError

MAX_SEED = 2**32 - 1
# Rows per chunk when a file is streamed: 200k rows of a 26-column CSV peak near 1.5 GB in all
# (500k: 2.6 GB) at the same speed. PRIVSYNTH_CHUNK_ROWS overrides it.
DEFAULT_CHUNK_ROWS = 200_000

_SIZE = re.compile(r"^\d+[kmgt]?$", re.IGNORECASE)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """The integer in environment variable `name` (`default` when unset or blank).

    Digits only (an optional `_` between them, as in Python literals); anything else, or a value
    below `minimum`, raises `InputError` naming the variable and what it expects.
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not re.fullmatch(r"\d+(_\d+)*", text):
        raise InputError(
            f"environment variable {name} must be a whole number (e.g. {default}); "
            f"it holds {_shown(text)}"
        )
    value = int(text)
    if value < minimum:
        raise InputError(f"environment variable {name} must be at least {minimum}, got {value}")
    return value


def chunk_rows() -> int:
    """Rows per streamed chunk: PRIVSYNTH_CHUNK_ROWS (a whole number >= 1) or 200,000."""
    return env_int("PRIVSYNTH_CHUNK_ROWS", DEFAULT_CHUNK_ROWS, minimum=1)


def env_size(name: str, default: str) -> str:
    """A JVM-style memory size (`512m`, `2g`) from environment variable `name`, checked."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not _SIZE.match(text):
        raise InputError(
            f"environment variable {name} must be a memory size such as 2g or 512m; "
            f"it holds {_shown(text)}"
        )
    return text


def check_seed(seed: int | None, what: str = "seed") -> int | None:
    """`seed` if it is None or a whole number in 0..2**32-1, else `InputError`."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        try:
            as_int = int(seed)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{what} must be a whole number in 0..{MAX_SEED}") from None
        if as_int != seed:
            raise InputError(f"{what} must be a whole number in 0..{MAX_SEED}")
        seed = as_int
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"{what} must be in 0..{MAX_SEED} (2**32 - 1), got {seed}")
    return seed


def _shown(text: str) -> str:
    """A variable's bad value for an error line: short, printable, quoted (it is the user's own
    setting, not data, but may still hold control characters)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text[:40])
    return repr(clean + ("..." if len(text) > 40 else ""))
