"""Map every column of a table to one action: explicit entries, then rules in order, then `unmatched`.

Fail-safe by construction: a rule's `words` match whole words of the column name (the scanner's
header tokenizer), a rule whose action implies a type checks it (`types.py`), a column that
recodes another (the scan's `recode_of`) gets the protection its source gets, and under
`unmatched: error` every uncovered column is listed with the YAML line that would decide it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from privsynth.detect.findings import ColumnFinding
from privsynth.detect.header import match_tokens, tokenize
from privsynth.errors import InputError
from privsynth.io import infer_column
from privsynth.policy.models import Action, ColumnAction, Match, Policy
from privsynth.policy.quasi import Candidate, QuasiChoice, choose_quasi_identifiers
from privsynth.policy.types import check_implied_type


class UndecidedColumnsError(InputError):
    """Columns nothing in a policy decides (`unmatched: error`): a human must add them."""

    def __init__(self, message: str, columns: list[str], lines: list[str], head: str = ""):
        super().__init__(message)
        self.columns = columns
        self.lines = lines
        # The one error line without the suggested YAML lines (the CLI prints those apart).
        self.head = head or message


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
    # Recodes of a listed quasi-identifier, added to the privacy section's list.
    recoded_qis: list[str] = field(default_factory=list)
    quasi_choice: QuasiChoice | None = None

    def __getitem__(self, name: str) -> ResolvedColumn:
        return self.columns[name]

    def with_action(self, action: Action) -> list[str]:
        return [n for n, c in self.columns.items() if c.kind is action]

    def quasi_identifiers(self) -> list[str]:
        """The privacy section's list, or the kept / generalized columns the scan classed quasi."""
        privacy = self.policy.privacy
        if privacy is not None and privacy.quasi_identifiers is not None:
            listed = list(privacy.quasi_identifiers)
            return listed + [c for c in self.recoded_qis if c not in listed]
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
    unmatched = _recodes(resolved, by_name, unmatched)
    if unmatched:
        raise undecided_error(policy, unmatched, by_name)
    if findings is None and policy.privacy is not None and policy.privacy.quasi_identifiers is None:
        raise NeedsScanError(
            f"policy {policy.name!r} leaves the quasi-identifiers to the scan: scan the table "
            "first (findings=ps.scan(df).findings) or list privacy.quasi_identifiers"
        )
    # The cap runs after the recodes: a recode of a quasi-identifier is classed quasi itself,
    # so it is ranked with the others (chosen and searched, or dropped).
    _cap_quasi_identifiers(resolved, df)
    # Implied types are checked on what is left: a column the cap dropped needs no type.
    for name, col in resolved.columns.items():
        check_implied_type(policy.name, col.source, name, col.action, df[name])
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


def words_match(words: list[str], name: str) -> bool:
    """Whether one of `words` (each a word or a phrase) is a run of whole words of `name`.

    Both sides are split by the scanner's header tokenizer; the name also matches with its
    abbreviations spelled out (`DOB` is "date of birth", `mgr_id` "manager id")."""
    spellings = {tuple(tokenize(name)), tuple(match_tokens(name))}
    for w in words:
        want = tuple(tokenize(w))
        if not want:
            continue
        n = len(want)
        for toks in spellings:
            if any(toks[i : i + n] == want for i in range(len(toks) - n + 1)):
                return True
    return False


def _matches(
    match: Match, name: str, finding: ColumnFinding | None, series: pd.Series
) -> bool:
    if match.name is not None and not re.search(match.name, name):
        return False
    if match.words is not None and not words_match(match.word_list, name):
        return False
    if match.cls is not None and (finding is None or str(finding.cls) != match.cls):
        return False
    if match.decision is not None and (
        finding is None or str(finding.decision) != match.decision
    ):
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


def _recodes(
    resolved: ResolvedPolicy, by_name: dict[str, ColumnFinding], unmatched: list[str]
) -> list[str]:
    """A column that recodes another (`GenderID` beside `Sex`) is the same quasi-identifier.

    When the source is protected (dropped, masked, coarsened at a fixed level...) and the
    recode would be kept or is undecided, the recode is dropped; when the source is a
    quasi-identifier of the k-anonymity search, the recode joins the search. Returns the
    columns still undecided."""
    privacy = resolved.policy.privacy
    still: list[str] = []
    for name in list(resolved.columns) + unmatched:
        finding = by_name.get(name)
        source = finding.recode_of if finding is not None else None
        src = resolved.columns.get(source) if source is not None else None
        col = resolved.columns.get(name)
        kept = col is None or (col.kind is Action.KEEP and not col.source.startswith("columns."))
        if src is None or not kept:
            if col is None:
                still.append(name)
            continue
        searched = (
            privacy is not None
            and src.kind in (Action.KEEP, Action.GENERALIZE)
            and src.action.level is None
            and source in resolved.quasi_identifiers()
        )
        if searched:
            action = ColumnAction(action=Action.KEEP)
            if privacy.quasi_identifiers is not None:
                resolved.recoded_qis.append(name)
            resolved.columns[name] = ResolvedColumn(name, action, f"recode of {source}", finding)
        elif src.kind is Action.KEEP:
            if col is None:
                still.append(name)  # a kept source: the recode says nothing more, but undecided
            continue
        else:
            action = ColumnAction(action=Action.DROP)
            resolved.columns[name] = ResolvedColumn(
                name, action, f"recode of {source} ({src.kind.value})", finding
            )
    order = {n: i for i, n in enumerate(by_name)}
    return sorted(still, key=lambda n: order.get(n, len(order)))


def _yaml_key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def undecided_error(
    policy: Policy, columns: list[str], by_name: dict[str, ColumnFinding]
) -> UndecidedColumnsError:
    """The refusal for columns no entry or rule decides: which, why, and the lines to add.

    The suggested line is `drop` (the safe choice); the comment gives the scan's reading so a
    reviewer who knows the column is not personal can write `keep` instead."""
    lines = []
    for name in columns:
        f = by_name.get(name)
        if f is None:
            why = "not scanned"
        else:
            why = f"scan: {f.cls}"
            if f.entity and f.entity != "NONE":
                why += f" {f.entity}"
            why += f", {f.decision}"
            if f.review_reason:
                why += f" ({f.review_reason})"
        lines.append(f"  {_yaml_key(name)}: {{action: drop}}   # or keep if not personal; {why}"[:300])
    more = f" (and {len(columns) - 1} more)" if len(columns) > 1 else ""
    builtin = policy.source is not None and "privsynth/policies" in policy.source.replace("\\", "/")
    where = f"a copy of policies/{policy.name}.yaml" if builtin else "the policy"
    scanned = any(by_name.get(c) is not None for c in columns)
    why = " and the scan is not confident it is not personal" if scanned else ""
    head = (
        f"column {columns[0]!r} is not covered by policy {policy.name!r}{more}{why}: a human "
        f"must decide; add these lines to {where} under columns: (drop is the safe choice, "
        "keep only a column you checked), add a rule, or set unmatched: keep | drop"
    )
    return UndecidedColumnsError("\n".join([head, *lines]), columns, lines, head)
