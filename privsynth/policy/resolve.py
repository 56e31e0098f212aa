"""Map every column of a table to one action: explicit entries, then rules in order, then `unmatched`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from privsynth.detect.findings import ColumnFinding
from privsynth.errors import InputError
from privsynth.io import infer_column
from privsynth.policy.models import Action, ColumnAction, Policy
from privsynth.policy.quasi import Candidate, QuasiChoice, choose_quasi_identifiers


class NeedsScanError(InputError):
    """Resolution reached a rule on detected class/entity, and no scan findings were given."""


@dataclass
class ResolvedColumn:
    """The action one column gets, and which part of the policy decided it."""

    name: str
    action: ColumnAction
    source: str  # "columns.<name>" | "rules.<i>" | "unmatched"
    finding: ColumnFinding | None = None

    @property
    def kind(self) -> Action:
        return self.action.action


@dataclass
class ResolvedPolicy:
    """A policy applied to one table's columns, in table order. `quasi_choice` is set when
    `privacy.max_quasi_identifiers` capped the scan's quasi-identifiers (`policy.quasi`)."""

    policy: Policy
    columns: dict[str, ResolvedColumn] = field(default_factory=dict)
    quasi_choice: QuasiChoice | None = None

    def __getitem__(self, name: str) -> ResolvedColumn:
        return self.columns[name]

    def with_action(self, action: Action) -> list[str]:
        return [n for n, c in self.columns.items() if c.kind is action]

    def quasi_identifiers(self) -> list[str]:
        """The privacy section's list, or the kept / generalized columns the scan classed quasi."""
        privacy = self.policy.privacy
        if privacy is not None and privacy.quasi_identifiers is not None:
            return list(privacy.quasi_identifiers)
        if self.quasi_choice is not None:
            return list(self.quasi_choice.chosen)
        return self.scan_quasi_identifiers()

    def scan_quasi_identifiers(self) -> list[str]:
        """The kept / generalized columns the scan classed quasi (sensitive ones aside)."""
        privacy = self.policy.privacy
        sensitive = set(privacy.sensitive) if privacy is not None else set()
        return [
            n
            for n, c in self.columns.items()
            if c.finding is not None
            and str(c.finding.cls) == "quasi"
            # Masked, pseudonymized or noised columns are already transformed; the search
            # generalizes the ones released as they are (or with a hierarchy).
            and c.kind in (Action.KEEP, Action.GENERALIZE)
            and n not in sensitive
        ]


def needs_findings(policy: Policy) -> bool:
    """Whether resolving this policy needs a scan: rules on class/entity, or QIs left to the scan."""
    if any(r.match.needs_findings for r in policy.rules):
        return True
    return policy.privacy is not None and policy.privacy.quasi_identifiers is None


def resolve(
    policy: Policy, df: pd.DataFrame, findings: Sequence[ColumnFinding] | None = None
) -> ResolvedPolicy:
    """Decide the action of every column of `df` under `policy`.

    Raises `InputError` for an explicit entry naming a column the table lacks, a column nothing
    matches under `unmatched: error`, or columns the privacy section names that do not exist.
    """
    columns = [str(c) for c in df.columns]
    present = set(columns)
    missing = [c for c in policy.columns if c not in present]
    if missing:
        hint = ""
        if policy.name == "k-anonymity":  # the built-in is written for Adult-style columns
            hint = "; for any table use the built-in k-anonymity-generic"
        raise InputError(
            f"policy {policy.name!r} names column {missing[0]!r}, which the table does not have "
            f"(columns: {', '.join(columns[:20])}{', ...' if len(columns) > 20 else ''}){hint}"
        )
    by_name = {f.name: f for f in findings or []}
    resolved = ResolvedPolicy(policy)
    unmatched: list[str] = []
    for name in columns:
        finding = by_name.get(name)
        entry = policy.columns.get(name)
        if entry is not None:
            resolved.columns[name] = ResolvedColumn(name, entry, f"columns.{name}", finding)
            continue
        for i, rule in enumerate(policy.rules):
            if findings is None and rule.match.needs_findings:
                # Rules are ordered: a class/entity rule reached without a scan cannot be skipped.
                raise NeedsScanError(
                    f"column {name!r} reaches rules.{i} of policy {policy.name!r}, which matches "
                    "on detected class/entity: scan the table first (findings=ps.scan(df).findings)"
                )
            if _matches(rule.match, name, finding, df[name]):
                resolved.columns[name] = ResolvedColumn(name, rule, f"rules.{i}", finding)
                break
        else:
            if policy.unmatched == "error":
                unmatched.append(name)
            else:
                action = ColumnAction(action=Action(policy.unmatched))
                resolved.columns[name] = ResolvedColumn(name, action, "unmatched", finding)
    if unmatched:
        more = f" (and {len(unmatched) - 1} more: {', '.join(unmatched[1:6])})" if len(
            unmatched
        ) > 1 else ""
        raise InputError(
            f"column {unmatched[0]!r} is not covered by policy {policy.name!r}{more}: "
            "add it under columns:, add a rule, or set unmatched: keep | drop"
        )
    if findings is None and policy.privacy is not None and policy.privacy.quasi_identifiers is None:
        raise NeedsScanError(
            f"policy {policy.name!r} leaves the quasi-identifiers to the scan: scan the table "
            "first (findings=ps.scan(df).findings) or list privacy.quasi_identifiers"
        )
    _cap_quasi_identifiers(resolved, df)
    _check_references(resolved, present)
    return resolved


def _levels_by_default(series: pd.Series) -> bool:
    """Whether a column's default hierarchy has levels between the value and `*`: dates, and
    numbers with more than ten values (`transform.hierarchy.default_hierarchy`)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return int(series.nunique(dropna=True)) > 10
    return str(infer_column(series).type) == "datetime"


def _cap_quasi_identifiers(resolved: ResolvedPolicy, df: pd.DataFrame) -> None:
    """Apply `privacy.max_quasi_identifiers` (`policy.quasi`): keep the ranked few, drop the
    scan's other quasi-identifiers."""
    privacy = resolved.policy.privacy
    if privacy is None or privacy.quasi_identifiers is not None:
        return
    cap = privacy.max_quasi_identifiers
    found = resolved.scan_quasi_identifiers()
    if cap is None or len(found) <= cap:
        return
    candidates = []
    for i, name in enumerate(found):
        col = resolved.columns[name]
        f = col.finding
        has = (
            col.kind is Action.GENERALIZE and col.action.hierarchy is not None
        ) or _levels_by_default(df[name])
        candidates.append(
            Candidate(name, getattr(f, "entity", None), float(getattr(f, "confidence", 0.0)), i, has)
        )
    choice = choose_quasi_identifiers(candidates, cap)
    for name in choice.dropped:
        resolved.columns[name] = ResolvedColumn(
            name, ColumnAction(action=Action.DROP), "privacy.max_quasi_identifiers",
            resolved.columns[name].finding,
        )  # fmt: skip
    resolved.quasi_choice = choice


def _matches(match, name: str, finding: ColumnFinding | None, series: pd.Series) -> bool:
    if match.name is not None and not re.search(match.name, name):
        return False
    if match.cls is not None and (finding is None or str(finding.cls) != match.cls):
        return False
    if match.entity is not None:
        if finding is None:
            return False
        found = {finding.entity, *finding.entities}
        if not found & set(match.entities):
            return False
    if match.type is not None:
        col_type = finding.type if finding is not None else _infer_type(series)
        if str(col_type) != match.type:
            return False
    return True


def _infer_type(series: pd.Series) -> str:
    return str(infer_column(series).type)


def _check_references(resolved: ResolvedPolicy, present: set[str]) -> None:
    policy = resolved.policy
    refs: list[tuple[str, str]] = []
    if policy.privacy is not None:
        refs += [("privacy.quasi_identifiers", c) for c in policy.privacy.quasi_identifiers or []]
        refs += [("privacy.sensitive", c) for c in policy.privacy.sensitive]
    uop = policy.release.unit_of_privacy
    if uop is not None:
        refs.append(("release.unit_of_privacy.id_column", uop.id_column))
    for name, col in resolved.columns.items():
        if col.kind is Action.SHIFT_DATES and col.action.id_column is not None:
            refs.append((f"{col.source} ({name}).id_column", col.action.id_column))
    for where, col in refs:
        if col not in present:
            raise InputError(f"policy {policy.name!r} {where} names column {col!r}, not in the table")
    if policy.privacy is not None:
        for where, cols in (
            ("quasi-identifier", resolved.quasi_identifiers()),
            ("sensitive column", policy.privacy.sensitive),
        ):
            for c in cols:
                if resolved.columns[c].kind is Action.DROP:
                    raise InputError(
                        f"{where} {c!r} is dropped by {resolved.columns[c].source}; "
                        "the k-anonymity search needs it"
                    )
