"""How many columns each synthesis method can take: past it, a clear refusal instead of a hang.

Both methods grow faster than the number of columns d: MST scores every pair of columns for its
spanning tree (d(d-1)/2 candidate 2-way marginals), AIM's default workload is every 3-way
marginal (d(d-1)(d-2)/6 queries, each scored in every round, with junction-tree sizes checked
per candidate). Measured on this project's 2-core machine with 20 rows (so the time is the
method's, not the data's): MST 5 s at 100 columns, 18 s at 200, 65 s at 400; AIM 6 s at 20
columns, 94 s at 28, 310 s at 40. The limits keep a release within minutes; a wider table
needs its columns chosen (drop what is not needed) or split into several releases.

The check depends only on the number of columns to synthesize, which the policy decides (not
the private rows), so the refusal is not a data-dependent output.
"""

from __future__ import annotations

from privsynth.errors import InputError

MAX_COLUMNS = {"mst": 256, "aim": 32}


def check_synthesis_width(n_columns: int) -> None:
    """Refuse, before any budget is spent on the columns (key discovery, quantiles), a table
    wider than every method can take: discovery alone costs about 20 ms per column."""
    widest = max(MAX_COLUMNS.values())
    if n_columns > widest:
        raise InputError(
            f"DP synthesis cannot take {n_columns:,} columns (MST at most {widest}, AIM at most "
            f"{MAX_COLUMNS['aim']}): drop the columns the release does not need"
        )


def check_method_width(method: str, n_columns: int) -> None:
    """Refuse (`InputError`) synthesizing `n_columns` columns with `method` past its limit."""
    limit = MAX_COLUMNS.get(str(method).lower())
    if limit is None or n_columns <= limit:
        return
    other = (
        " or use method: mst (up to 256 columns)" if str(method).lower() == "aim" else ""
    )
    raise InputError(
        f"{method.upper()} cannot synthesize {n_columns:,} columns in reasonable time (its cost "
        f"grows with the {'cube' if method == 'aim' else 'square'} of the column count; at most "
        f"{limit}): drop the columns the release does not need{other}"
    )
