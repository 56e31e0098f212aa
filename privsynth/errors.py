"""Exceptions that the CLI turns into one clear line and an exit code.

`InputError` (exit 2) is bad input: a file, a policy, a parameter. Everything a user can fix
must raise it (or a subclass) with a message that names the problem; the CLI never shows a
traceback for it.
"""

from __future__ import annotations


class PrivsynthError(Exception):
    """Base class of every error privsynth raises on purpose."""

    exit_code: int = 2


class InputError(PrivsynthError, ValueError):
    """Bad input: malformed file, wrong policy, unknown column, impossible parameter."""

    exit_code = 2


class PolicyError(InputError):
    """A policy file that does not validate; the message names file, line and field."""


class BudgetExceededError(PrivsynthError):
    """A measurement would spend more privacy budget than the policy allows."""

    exit_code = 2


class MissingKeyError(InputError):
    """A keyed transform was asked for but no key was supplied (privacy rule 5)."""


def first_row(mask) -> int:
    """The 1-based position of the first True in `mask` (a boolean array or Series): how an
    error names the row of a bad cell instead of quoting it (privacy rule 6)."""
    import numpy as np

    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) + 1 if hits.size else 0


def row_of(index, mask) -> int:
    """The 1-based row number, in the whole table, of the first True in `mask` over a chunk
    whose `index` holds its rows' 0-based positions in the table (pandas slices of a table read
    by privsynth keep them; `pipeline.readers` numbers a file's chunks the same way). An index
    that is not made of integers falls back to the position within the chunk."""
    import numpy as np

    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not hits.size:
        return 0
    label = index[int(hits[0])]
    if isinstance(label, int | np.integer) and not isinstance(label, bool | np.bool_):
        return int(label) + 1
    return int(hits[0]) + 1
