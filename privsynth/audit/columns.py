"""Choosing the audit's columns: which are compared, which the attacker knows, what is secret.

The release must hold the original's columns, less those the policy or manifest says were
dropped. Quasi-identifiers (what the attacker is assumed to know) come from the caller, then
the policy's `audit` and `privacy` sections, the manifest, then the scan's classes; secrets
(what the inference attack tries to learn) likewise, else the likeliest target column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from privsynth.audit.inputs import AuditInputs, dig, first, names
from privsynth.audit.utility import choose_target
from privsynth.errors import InputError
from privsynth.io import infer_schema
from privsynth.pipeline.manifest import Manifest, dropped_by


@dataclass
class AuditColumns:
    """The columns the audit compares (`columns`), the attacker's knowledge and the secrets."""

    columns: list[str]
    quasi_identifiers: list[str]
    secrets: list[str]
    target: str | None

    def aux(self) -> list[str]:
        """What the linkability and inference attacks may use: the QIs, else every non-secret."""
        return self.quasi_identifiers or [c for c in self.columns if c not in self.secrets]


def _dropped(policy: dict | None, manifest: Manifest | None) -> set[str]:
    """Columns the policy or manifest says were removed from the release."""
    out = dropped_by(policy)
    if manifest is not None:
        out |= manifest.dropped
    return out


def check_columns(
    inputs: AuditInputs, policy: dict | None, manifest: Manifest | None, notes: list[str]
) -> list[str]:
    """The columns the audit compares: the original's that the release (and the holdout, when
    given) also holds, in the original's order. Columns in only one table are not a refusal:
    they are named in `notes` (a column the release lacks and no policy or manifest drops is
    reported as dropped; one only the release holds is not compared). A release (or holdout)
    sharing no column at all is refused as bad input. `inputs.holdout` is cut to the compared
    columns."""
    orig, rel = inputs.original, inputs.release
    extra = [c for c in rel.columns if c not in orig.columns]
    dropped = _dropped(policy, manifest)
    missing = [c for c in orig.columns if c not in rel.columns and c not in dropped]
    if missing:
        notes.append(
            f"column(s) {', '.join(map(str, missing))} of the original are not in the release and "
            "no policy or manifest says they were dropped: audited as dropped"
        )
    if extra:
        notes.append(
            f"column(s) {', '.join(map(str, extra))} are in the release but not in the original: "
            "not compared and not attacked (check what they hold before signing)"
        )
    cols = [c for c in orig.columns if c in rel.columns]
    if not cols:
        # not a release of this table (a wrong file): nothing to audit, and a report would
        # only say so -- bad input, exit 2
        raise InputError(
            "the release shares no column with the original (release columns: "
            f"{', '.join(map(str, rel.columns[:10]))}): is it a release of this table?"
        )
    if inputs.holdout is not None:
        absent = [c for c in cols if c not in inputs.holdout.columns]
        if len(absent) == len(cols):
            raise InputError("the holdout shares no column with the release")
        if absent:
            notes.append(
                f"the holdout lacks column(s) {', '.join(map(str, absent))}: they are left out "
                "of every comparison"
            )
            cols = [c for c in cols if c not in absent]
        inputs.holdout = inputs.holdout[cols]
        if len(inputs.holdout) == 0:
            raise InputError("the holdout is empty (0 rows)")
    return cols


def choose_columns(
    inputs: AuditInputs,
    policy: dict | None,
    manifest: Manifest | None,
    findings: list[dict] | None,
    *,
    quasi_identifiers: Sequence[str] | str | None,
    secrets: Sequence[str] | str | None,
    target: str | None,
    notes: list[str],
) -> AuditColumns:
    """The columns, QIs and secrets of this audit (see module doc); notes say what was assumed."""
    orig = inputs.original
    cols = check_columns(inputs, policy, manifest, notes)
    scan_qi = [f["column"] for f in findings or [] if f.get("class") == "quasi"]
    scan_sens = [f["column"] for f in findings or [] if f.get("class") == "sensitive"]
    qis = names(
        first(
            quasi_identifiers,
            dig(policy, "audit", "quasi_identifiers"),
            dig(policy, "privacy", "quasi_identifiers"),
            manifest.quasi_identifiers if manifest is not None else None,
            scan_qi or None,
        )
    )
    sec = names(
        first(
            secrets,
            dig(policy, "audit", "secrets"),
            dig(policy, "privacy", "sensitive"),
            scan_sens or None,
        )
    )
    for kind, wanted in (("quasi-identifier", qis), ("secret", sec)):
        unknown = [c for c in wanted if c not in orig.columns]
        if unknown:
            raise InputError(f"unknown {kind} column(s): {', '.join(unknown)}")
        gone = [c for c in wanted if c not in cols]
        if gone:
            notes.append(f"{kind} column(s) {', '.join(gone)} are not in the release")
    qis = [c for c in qis if c in cols]
    sec = [c for c in sec if c in cols]
    if target is not None and target not in cols:
        raise InputError(f"unknown --target column {target!r}")
    if not sec and cols:
        auto = choose_target(orig[cols])
        sec = [auto]
        notes.append(f"no secret column given: the inference attack targets {auto!r}")
    return AuditColumns(cols, qis, sec, target)


def column_actions(policy: dict | None, manifest: Manifest | None) -> list[dict]:
    """Per-column actions: the manifest's record of what was done, else the policy's entries."""
    if manifest is not None and manifest.columns:
        return manifest.columns
    return Manifest.from_dict({"columns": dig(policy, "columns")}).columns


def memory_inventory(
    original: pd.DataFrame, release: pd.DataFrame, scan: list | None
) -> list[dict]:
    """The report's column inventory of a table in memory: type, distinct values, missing
    share, whether it is released, and the scan's class."""
    schema = infer_schema(original)
    by_col = {f["column"]: f for f in (scan or [])}
    out = []
    for col in original.columns:
        s = original[col]
        f = by_col.get(col, {})
        out.append(
            {
                "column": col,
                "type": str(schema[col].type),
                "distinct": int(s.nunique(dropna=True)),
                "missing_share": float(s.isna().mean()) if len(s) else 0.0,
                "in_release": col in release.columns,
                "class": f.get("class"),
                "entity": f.get("entity"),
            }
        )
    return out
