"""Information loss per column: what the release kept, generalized, suppressed or replaced.

The utility metrics compare values; a column the release generalized ("30-39", "1983") or
recoded no longer has values to compare, and leaving it out of the comparison would make the
release look perfect on exactly the columns it changed most. This module gives every column of
the original a status and, where it applies, its information loss (NCP, the loss metric of
ARX and of `transform.loss`): per cell, (m - 1) / (A - 1) for a released value standing for m
of the column's A distinct values -- 0 for the value itself, 1 for `*` or a suppressed cell.

Where the figure comes from, in order:

* the release manifest's per-column `information_loss` (the release computed it from the
  hierarchy level and suppression it applied: exact);
* a column the audit compares cell by cell: the share of its cells that are suppressed;
* a column recoded or generalized with no figure in the manifest: counted as lost (1.0),
  since nothing shows what is left of it.

Dropped columns and columns the policy replaced on purpose (keyed pseudonyms, masks, redacted
text, date shifts) are listed with their status but kept out of the mean: their loss is the
policy's intent, not a side effect. A synthetic release has no per-cell loss (every cell is
sampled): its utility is read from the distribution metrics instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from privsynth.audit.suppression import is_suppressed

REPLACING = {
    "pseudonymize": "pseudonymised",
    "mask": "partly masked",
    "redact": "redacted",
    "shift_dates": "date-shifted",
}
TOTAL = 0.99  # a column losing at least this much carries no information


@dataclass
class ColumnLoss:
    """One column of the original in the release."""

    column: str
    status: str  # kept | generalized | suppressed | recoded | synthesized | dropped | <REPLACING>
    action: str | None
    suppressed_cells: int
    suppressed_share: float
    ncp: float | None  # None: not applicable (dropped, replaced on purpose, synthetic)
    source: str  # where ncp comes from: manifest | measured | assumed | -
    counted: bool  # in the mean information loss

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class InformationLoss:
    """Per-column losses and their mean over the columns the release changed."""

    columns: list[ColumnLoss]
    mean: float | None  # None for a synthetic release
    lost: list[str] = field(default_factory=list)  # released columns with nothing left
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "lost": list(self.lost),
            "rule": self.rule,
            "columns": [c.to_dict() for c in self.columns],
        }

    def by_column(self) -> dict[str, ColumnLoss]:
        return {c.column: c for c in self.columns}


RULE = (
    "mean NCP over the columns the release generalized, suppressed or recoded; dropped "
    "columns and columns replaced on purpose (pseudonyms, masks, redaction, date shifts) are "
    "listed but not counted"
)


def not_comparable(actions: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Columns whose released values are not the original's by design: generalized ones hold
    labels ("30-39"), replaced ones pseudonyms, masks or redactions. Comparing them value by
    value would only measure the policy's intent; their loss is listed per column instead."""
    out = {}
    for a in actions:
        action = str(a.get("action"))
        name = str(a.get("column", a.get("name")))
        if action == "generalize":
            out[name] = "generalized by the release (see information loss)"
        elif action in REPLACING:
            out[name] = f"{REPLACING[action]} by the release: values replaced on purpose"
    return out


def information_loss(
    original: pd.DataFrame,
    release: pd.DataFrame,
    *,
    compared: Sequence[str],
    excluded: Mapping[str, str],
    actions: Sequence[Mapping[str, Any]],
    synthetic: bool,
) -> InformationLoss:
    """The status and loss of every column of `original` (see the module doc)."""
    by_action = {str(a.get("column", a.get("name"))): a for a in actions}
    compared_set = set(compared)
    n = max(len(release), 1)
    rows: list[ColumnLoss] = []
    for col in map(str, original.columns):
        record = by_action.get(col, {})
        action = str(record["action"]) if record.get("action") is not None else None
        if col not in release.columns:
            rows.append(ColumnLoss(col, "dropped", action or "drop", 0, 0.0, None, "-", False))
            continue
        supp = int(is_suppressed(release[col]).sum())
        share = supp / n
        if synthetic:
            rows.append(ColumnLoss(col, "synthesized", action, supp, share, None, "-", False))
            continue
        if action in REPLACING:
            rows.append(ColumnLoss(col, REPLACING[action], action, supp, share, None, "-", False))
            continue
        figure = record.get("information_loss")
        if action == "generalize":
            if figure is not None:
                ncp, source = float(figure), "manifest"
            elif col in compared_set:
                ncp, source = share, "measured"
            else:
                ncp, source = 1.0, "assumed"
            rows.append(ColumnLoss(col, "generalized", action, supp, share, ncp, source, True))
            continue
        if col in compared_set:
            status = "suppressed" if supp else "kept"
            rows.append(ColumnLoss(col, status, action, supp, share, share, "measured", supp > 0))
            continue
        why = excluded.get(col, "")
        if why.startswith("identifier-like") and not supp:
            rows.append(ColumnLoss(col, "kept", action, 0, 0.0, 0.0, "measured", False))
            continue
        if figure is not None:
            ncp, source = float(figure), "manifest"
        elif why.startswith("identifier-like"):
            ncp, source = share, "measured"
        else:
            ncp, source = 1.0, "assumed"
        rows.append(ColumnLoss(col, "recoded", action, supp, share, ncp, source, True))
    counted = [r.ncp for r in rows if r.counted and r.ncp is not None]
    mean = None if synthetic else (float(sum(counted) / len(counted)) if counted else 0.0)
    lost = [r.column for r in rows if r.ncp is not None and r.ncp >= TOTAL]
    return InformationLoss(rows, mean, lost, RULE)
