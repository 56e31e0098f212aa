"""The residual check of an anonymize-mode release: is anything of a direct identifier left?

Two cheap tests on the released rows (a sample of at most `SAMPLE_ROWS` rows):

- **looks direct**: the release is scanned with its column names hidden (`c0`, `c1`, ...), so
  only the values speak; a column the scan classes as a direct identifier fails, unless the
  policy pseudonymized it (a pseudonym is meant to look like one) or redacted it.
- **retained values**: for every column the scan classed direct, and every column the policy
  meant to hide (pseudonymize, mask, redact), the share of the original's distinct values that
  are still there. When the release keeps the input's rows in order (anonymize mode does), a
  value counts only where it stands in its own row, so a Faker pseudonym that happens to be
  another person's real name does not count; trivial values (missing, one or two characters,
  no letter or digit) are left out. More than `threshold` fails.

The result goes into the manifest (`residual_check`); `privsynth release` exits 1 when a check
failed unless `--allow-residual`, and the audit shows it as a failed check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from privsynth.detect import scan
from privsynth.policy import Action, ResolvedPolicy

SAMPLE_ROWS = 2_000
DEFAULT_THRESHOLD = 0.05
# Actions meant to hide the values of a column.
_HIDING = {Action.PSEUDONYMIZE, Action.MASK, Action.REDACT}
# Actions whose output may look like an identifier by design.
_LOOKS_BY_DESIGN = {Action.PSEUDONYMIZE, Action.REDACT}


@dataclass
class ResidualIssue:
    """One failed check on one released column (no cell value is quoted)."""

    column: str
    check: str  # "looks_direct" | "retained_values"
    detail: str
    share: float | None = None


@dataclass
class ResidualReport:
    """The residual check of one release: passed, what was checked, what failed."""

    threshold: float
    rows_checked: int
    columns_checked: list[str] = field(default_factory=list)
    failures: list[ResidualIssue] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, **asdict(self)}


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _nontrivial(values: pd.Series) -> pd.Series:
    """Present values with at least three characters and a letter or digit."""
    text = _text(values)
    ok = text.notna() & (text.str.len() >= 3) & text.str.contains(r"[A-Za-z0-9]", regex=True)
    return ok.fillna(False).astype(bool)


def retained_share(original: pd.Series, released: pd.Series) -> float | None:
    """Share of the original's distinct non-trivial values still in the release (None: none)."""
    keep = _nontrivial(original)
    orig = _text(original)[keep]
    n = orig.nunique()
    if n == 0:
        return None
    if len(original) == len(released):
        a = _text(original.reset_index(drop=True))
        b = _text(released.reset_index(drop=True))
        same = (a == b).fillna(False).astype(bool) & keep.reset_index(drop=True)
        kept = a[same].nunique()
    else:
        kept = orig[orig.isin(set(_text(released).dropna()))].nunique()
    return float(kept) / float(n)


def _looks_direct(released: pd.DataFrame, check: list[str]) -> dict[str, str]:
    """Columns of `released` (among `check`) whose values alone scan as direct identifiers."""
    if not check:
        return {}
    hidden = released[check].copy()
    hidden.columns = [f"c{i}" for i in range(len(check))]
    found = scan(hidden).findings
    out = {}
    for name, f in zip(check, found, strict=True):
        if str(f.cls) == "direct":
            out[name] = f"values scan as a direct identifier ({f.entity})"
    return out


def residual_check(
    original: pd.DataFrame,
    released: pd.DataFrame,
    resolved: ResolvedPolicy,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 0,
) -> ResidualReport:
    """Check `released` (made from `original` under `resolved`) for left-over identifiers.

    Both frames are cut to the same `SAMPLE_ROWS` rows when they are row-aligned (same length),
    so the check costs the same on any table."""
    if len(original) == len(released) and len(original) > SAMPLE_ROWS:
        pick = np.sort(np.random.default_rng(seed).choice(len(original), SAMPLE_ROWS, False))
        original = original.iloc[pick].reset_index(drop=True)
        released = released.iloc[pick].reset_index(drop=True)
    elif len(released) > SAMPLE_ROWS:
        released = released.sample(SAMPLE_ROWS, random_state=seed).reset_index(drop=True)
    released = released.reset_index(drop=True)
    original = original.reset_index(drop=True)
    columns = [c for c in released.columns if c in resolved.columns]
    failures: list[ResidualIssue] = []
    looks = _looks_direct(
        released, [c for c in columns if resolved[c].kind not in _LOOKS_BY_DESIGN]
    )
    for name, why in looks.items():
        failures.append(ResidualIssue(name, "looks_direct", why))
    for name in columns:
        col = resolved[name]
        flagged = (col.finding is not None and str(col.finding.cls) == "direct") or (
            col.kind in _HIDING
        )
        if not flagged or name not in original.columns:
            continue
        share = retained_share(original[name], released[name])
        if share is not None and share > threshold:
            failures.append(
                ResidualIssue(
                    name,
                    "retained_values",
                    f"{100 * share:.0f}% of the original's distinct values are still in the "
                    f"release (threshold {100 * threshold:.0f}%; action {col.kind.value})",
                    round(share, 4),
                )
            )
    return ResidualReport(
        threshold=threshold,
        rows_checked=len(released),
        columns_checked=columns,
        failures=failures,
    )


def summary_lines(report: dict[str, Any]) -> list[str]:
    """One line per failed check, for the CLI and the audit."""
    return [
        f"residual check failed: column {f['column']!r}: {f['detail']}"
        for f in report.get("failures", [])
    ]
