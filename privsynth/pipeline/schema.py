"""The public schema of a DP synthetic release: what happens to each column, from public facts.

`public_schema(policy, header, storage_types)` resolves a `mode: synthesize` policy against the
column NAMES only (and, for a Parquet file or a DataFrame, the column types stored with it, which
are part of the file's schema like its header). It never reads a value: explicit entries first,
then the rules in order, matching by name (regular expression), whole words of the name
(`words:`) or by class / entity from the header-only classification (`detect.header_only`),
then `unmatched`. A rule that could only be decided by reading the values
(`match: {type: ...}`) or by the scan (`decision:`) is refused when a column reaches it.

Each column comes out kept (with its public value type, date format, domain block and
hierarchy) or dropped (with the reason). A kept column whose type nothing public fixes is marked
for the DP typing step (`release.dp_schema.types`, charged to the ledger), or refused when the
policy does not allow that step. What the synthesizer then does to the column — bins, bounds,
categories — follows from this schema and from DP measurements only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from privsynth.detect.header_only import HeaderClass, classify_header
from privsynth.errors import InputError, PolicyError
from privsynth.policy import Action, Policy
from privsynth.policy.models import DATE_TYPES, NUMERIC_TYPES
from privsynth.policy.resolve import words_match

# Actions whose columns are synthesized; every other action removes the column.
SYNTH_ACTIONS = frozenset({Action.KEEP, Action.GENERALIZE})
ID_COLUMN_NOTE = "unit-of-privacy id column (used to bound contributions)"
# The text a date column is read with when the policy gives no format (ISO 8601), and the
# formats tried in turn for an ISO datetime (first that parses a cell wins).
ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d")
NEIGHBOURING = (
    "add/remove one person: one row, or up to max_rows_per_person rows sharing a person id "
    "(rows without an id are each their own person)"
)
PUBLIC_INPUTS = (
    "the policy; the header (column names and their order); for Parquet files and DataFrames "
    "the stored column types"
)


@dataclass(frozen=True)
class PublicColumn:
    """One column of the public schema: kept (with its public type) or dropped (and why)."""

    name: str
    synthesize: bool
    action: str  # the policy action (keep, generalize, drop, ...), or "id" for the person id
    decided_by: str  # columns.NAME | rules.I | unmatched | release.unit_of_privacy
    why: str = ""  # for a dropped column: the reason
    type: str | None = None  # integer | float | categorical | boolean | date | datetime; None: DP
    type_source: str | None = None  # policy type | policy domain | hierarchy | file schema
    format: str | None = None  # strftime format of a date column's text (None: ISO / native)
    needs_format: bool = False  # a date column whose format the DP typing step chooses
    domain: Mapping[str, Any] = field(default_factory=dict)  # the policy's domain block
    hierarchy: Any = None  # generalize: the hierarchy spec
    level: int | None = None
    header: HeaderClass | None = None

    @property
    def needs_typing(self) -> bool:
        """The DP typing step decides this column's type (or its date format)."""
        return self.synthesize and (self.type is None or self.needs_format)


@dataclass
class PublicSchema:
    """Every column of the header, in order, with what synthesis does to it."""

    columns: dict[str, PublicColumn]
    id_column: str | None = None
    max_rows_per_person: int = 1

    @property
    def synthesized(self) -> list[PublicColumn]:
        return [c for c in self.columns.values() if c.synthesize]

    @property
    def dropped(self) -> dict[str, str]:
        return {c.name: c.why for c in self.columns.values() if not c.synthesize}

    @property
    def needs_typing(self) -> list[str]:
        return [c.name for c in self.synthesized if c.needs_typing]

    def to_dict(self) -> dict[str, Any]:
        """The schema as the manifest records it (all public)."""
        out: dict[str, Any] = {}
        for c in self.columns.values():
            rec: dict[str, Any] = {"action": c.action, "decided_by": c.decided_by}
            if c.header is not None and (c.header.cls != "other" or c.header.entity):
                rec["name_says"] = {"class": c.header.cls, "entity": c.header.entity}
            if not c.synthesize:
                rec["dropped"] = c.why
            else:
                rec["type"] = c.type or "decided by DP typing (charged)"
                if c.type_source:
                    rec["type_source"] = c.type_source
                if c.format:
                    rec["format"] = c.format
            out[c.name] = rec
        return out


def _plain(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "model_dump"):
        return {k: v for k, v in obj.model_dump(by_alias=False).items() if v is not None and v is not False}
    return {k: v for k, v in dict(obj).items() if v is not None}


def _domain_type(domain: Mapping[str, Any]) -> str | None:
    """The value type a domain block implies: categories or discovery -> categorical; text
    bounds/edges -> date (datetime when a bound has a time); number bounds -> integer when
    every bound is a whole number written without a point, else float."""
    if "categories" in domain or domain.get("discover"):
        return "categorical"
    bounds = domain.get("bounds") or domain.get("edges")
    if not bounds:
        return None
    if all(isinstance(b, str) for b in bounds):
        return "date" if all(len(b.strip()) <= 10 for b in bounds) else "datetime"
    if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        return "integer"
    return "float"


def _hierarchy_type(hier: Any) -> str | None:
    kind = getattr(hier, "type", None)
    if kind == "dates":
        return "date"
    if kind in ("prefix", "arx"):
        return "categorical"
    return None  # intervals / topcode: numbers, integer or float from the policy or DP typing


def storage_types(frame_or_schema: Any) -> dict[str, str | None]:
    """Column -> the value type its storage declares (pandas dtypes of a DataFrame or of a
    Parquet file's schema): boolean, integer, float, datetime; None for text / object."""
    import pandas as pd

    dtypes = frame_or_schema.dtypes if hasattr(frame_or_schema, "dtypes") else frame_or_schema
    out: dict[str, str | None] = {}
    for name, dt in dict(dtypes).items():
        t: str | None = None
        if pd.api.types.is_bool_dtype(dt):
            t = "boolean"
        elif pd.api.types.is_integer_dtype(dt):
            t = "integer"
        elif pd.api.types.is_float_dtype(dt):
            t = "float"
        elif pd.api.types.is_datetime64_any_dtype(dt):
            t = "datetime"
        out[str(name)] = t
    return out


def _reached_rule(policy: Policy, name: str, header: HeaderClass) -> tuple[int, Any] | None:
    """The first rule whose match holds for `name` from its name and header class alone."""
    for i, rule in enumerate(policy.rules):
        m = rule.match
        if m.name is not None and not re.search(m.name, name):
            continue
        if m.words is not None and not words_match(m.word_list, name):
            continue  # whole words of the name: the header is public
        if m.decision is not None:
            raise PolicyError(
                f"policy {policy.name!r} rules.{i} matches on the scan's decision (decision: "
                f"{m.decision}), and synthesize mode never scans the private values (column "
                f"{name!r} reaches it): match by name, words, class or entity instead"
            )
        if m.type is not None:
            raise PolicyError(
                f"policy {policy.name!r} rules.{i} matches on the values' type (type: {m.type}), "
                f"which synthesize mode cannot decide without reading the private values "
                f"(column {name!r} reaches it): match by name, class or entity, or declare "
                "type: per column"
            )
        if m.cls is not None and header.cls != m.cls:
            continue
        if m.entity is not None and header.entity not in set(m.entities):
            continue
        return i, rule
    return None


def public_schema(
    policy: Policy,
    header: Sequence[str],
    stored: Mapping[str, str | None] | None = None,
) -> PublicSchema:
    """The public schema of `policy` on a table with columns `header` (see module doc).

    `stored` gives the value types a Parquet file or a DataFrame declares for its columns
    (`storage_types`); a CSV file declares none. Raises `PolicyError` / `InputError` (public:
    from the policy and the header only) when the policy cannot be applied.
    """
    if policy.release.mode != "synthesize":
        raise InputError(f"policy {policy.name!r} has mode {policy.release.mode}, not synthesize")
    names = [str(c) for c in header]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"duplicate column name {dup!r}")
    stored = dict(stored or {})
    missing = [c for c in policy.columns if c not in set(names)]
    if missing:
        raise InputError(
            f"policy {policy.name!r} names column {missing[0]!r}, which the table does not have"
        )
    rel = policy.release
    unit = rel.unit_of_privacy
    id_col = unit.id_column if unit is not None else None
    if id_col is not None and id_col not in names:
        raise InputError(f"unit_of_privacy.id_column {id_col!r} is not in the data")
    steps = rel.dp_schema
    dp_types = bool(steps and steps.types)
    classes = classify_header(names)
    out: dict[str, PublicColumn] = {}
    uncovered: list[str] = []
    for name in names:
        head = classes[name]
        if name == id_col:
            out[name] = PublicColumn(name, False, "id", "release.unit_of_privacy", ID_COLUMN_NOTE,
                                     header=head)
            continue
        entry, where = policy.columns.get(name), f"columns.{name}"
        if entry is None:
            found = _reached_rule(policy, name, head)
            if found is not None:
                entry, where = found[1], f"rules.{found[0]}"
        if entry is None:
            if policy.unmatched == "error":
                uncovered.append(name)
                continue
            action, where = Action(policy.unmatched), "unmatched"
            entry = None
        else:
            action = entry.action
        if action not in SYNTH_ACTIONS:
            why = f"action {action.value} ({where}): not synthesized"
            out[name] = PublicColumn(name, False, action.value, where, why, header=head)
            continue
        out[name] = _kept(name, action, where, entry, head, stored.get(name), dp_types, policy)
    if uncovered:
        more = f" (and {len(uncovered) - 1} more)" if len(uncovered) > 1 else ""
        raise PolicyError(
            f"column {uncovered[0]!r} is not covered by policy {policy.name!r}{more}: add it "
            "under columns:, add a rule, or set unmatched: keep | drop"
        )
    schema = PublicSchema(out, id_col, unit.max_rows_per_person if unit is not None else 1)
    if not schema.synthesized:
        raise InputError("the policy leaves no column to synthesize")
    return schema


def _kept(
    name: str,
    action: Action,
    where: str,
    entry: Any,
    head: HeaderClass,
    stored: str | None,
    dp_types: bool,
    policy: Policy,
) -> PublicColumn:
    """A synthesized column's public type, format and domain (or a PolicyError)."""
    domain = _plain(entry.domain) if entry is not None else {}
    declared = entry.type if entry is not None else None
    fmt = entry.format if entry is not None else None
    hierarchy = entry.hierarchy if action is Action.GENERALIZE else None
    level = (entry.level if entry.level is not None else 1) if hierarchy is not None else None
    if hierarchy is not None:
        if not ("categories" in domain or domain.get("discover")):
            raise PolicyError(
                f"policy {policy.name!r} {where} ({name}): a generalized column is synthesized "
                "over its labels; give domain: {discover: true} or a public category list"
            )
        implied, source = _hierarchy_type(hierarchy), "hierarchy"
    else:
        implied, source = _domain_type(domain), "policy domain"
    vtype, vsource = None, None
    if implied in NUMERIC_TYPES and stored in NUMERIC_TYPES:
        implied = None  # integer or float: what the file stores says more than the bounds
    if declared is not None:
        vtype, vsource = declared, "policy type"
    elif implied is not None:
        vtype, vsource = implied, source
    elif stored is not None:
        vtype, vsource = stored, "file schema"
    numeric_hierarchy = getattr(hierarchy, "type", None) in ("intervals", "topcode")
    if numeric_hierarchy and vtype is not None and vtype not in NUMERIC_TYPES:
        raise PolicyError(f"{where} ({name}): an {hierarchy.type} hierarchy needs numbers")
    if hierarchy is not None and hierarchy.type == "dates" and vtype not in DATE_TYPES:
        raise PolicyError(f"{where} ({name}): a dates hierarchy needs type date or datetime")
    needs_format = False
    if vtype in DATE_TYPES and fmt is None and stored != "datetime":
        needs_format = dp_types  # the DP typing step picks the format; else ISO 8601
    has_range = domain.get("bounds") is not None or domain.get("edges") is not None
    dp_bounds = bool(policy.release.dp_schema and policy.release.dp_schema.bounds)
    if hierarchy is None and vtype in (NUMERIC_TYPES | DATE_TYPES) and not has_range and not (
        "categories" in domain or domain.get("discover")
    ) and not dp_bounds:
        raise PolicyError(
            f"policy {policy.name!r} {where} ({name}): a {vtype} column needs public bounds "
            f"(domain: {{bounds: [lo, hi], bins: 32}}) or DP bounds (release.dp_schema.bounds: "
            "true, charged to the budget)"
        )
    listed = "categories" in domain or domain.get("discover")
    if vtype == "categorical" and hierarchy is None and not listed and not dp_types:
        raise PolicyError(
            f"policy {policy.name!r} {where} ({name}): a categorical column needs its categories "
            "(domain: {categories: [...]}, public) or DP key discovery (domain: {discover: true}, "
            "or release.dp_schema.types: true; charged to the budget)"
        )
    if (vtype is None or needs_format) and not dp_types:
        raise PolicyError(
            f"policy {policy.name!r} {where} ({name}): synthesize mode needs the column's type; "
            "declare type: (integer, float, categorical, boolean, date, datetime) or a domain, "
            "or set release.dp_schema.types: true (a DP step charged to the budget)"
        )
    return PublicColumn(
        name,
        True,
        action.value,
        where,
        type=vtype,
        type_source=vsource,
        format=fmt,
        needs_format=needs_format,
        domain=domain,
        hierarchy=hierarchy,
        level=level,
        header=head,
    )


__all__ = [
    "ISO_DATE",
    "ISO_DATETIME",
    "NEIGHBOURING",
    "PUBLIC_INPUTS",
    "PublicColumn",
    "PublicSchema",
    "public_schema",
    "storage_types",
]
