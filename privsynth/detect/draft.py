"""Draft a policy from a scan: one explicit entry per column, each with a comment saying why.

The draft is conservative: direct identifiers are dropped (identifier-like ones get a keyed
pseudonym so rows stay linkable), quasi-identifiers go to a k = 5 search with a hierarchy that
fits their type, and everything else is kept. `unmatched: error` makes a new column fail loudly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from privsynth.detect.findings import ColumnFinding

# Direct identifiers that are keys rather than contact data: keep them linkable, keyed.
_PSEUDONYM_ENTITIES = {"ID", "MRN", "MEDICAL_RECORD_NUMBER", "ACCOUNT_NUMBER", "PATIENT_ID", "UUID"}
_ZIP_ENTITIES = {"ZIP", "ZIP_CODE", "POSTAL_CODE", "US_ZIP_CODE"}
_AGE_ENTITIES = {"AGE"}
_DATE_ENTITIES = {"DATE", "DATE_TIME", "BIRTH_DATE", "DOB"}
# Places below state level: too fine to k-anonymize usefully, dropped by the draft.
_PLACE_ENTITIES = {"LOCATION", "CITY", "ADDRESS", "STREET_ADDRESS", "GPE"}
# The optimal search's lattice grows with the product of level counts: the draft puts the
# most confident quasi-identifiers in it and names the others in a comment.
MAX_DRAFT_QIS = 8
_COARSE_PLACE = re.compile(r"(?i)(state|province|region|country|nation)")
# Classic linkage attributes (Sweeney: ZIP, birth date, sex) go into the search first.
_DEMOGRAPHIC = {"GENDER", "SEX", "ETHNICITY", "RACE", "MARITAL_STATUS", "NATIONALITY"}


def _qi_priority(f: ColumnFinding) -> tuple[int, float]:
    entity = (f.entity or "NONE").upper()
    if entity in _ZIP_ENTITIES | _AGE_ENTITIES | _DATE_ENTITIES or str(f.type) == "datetime":
        return 0, -f.confidence
    if entity in _DEMOGRAPHIC:
        return 1, -f.confidence
    return 2, -f.confidence


def _q(s: str) -> str:
    """A YAML-safe scalar: JSON strings are valid YAML and quote anything odd."""
    return json.dumps(s, ensure_ascii=False)


def _yaml_printable(text: str) -> str:
    """`text` with every non-printable character but the line feed written as a YAML escape.

    A YAML reader refuses a control character anywhere in the stream (a C1 control or a bidi
    override in a column name, in a scalar or a comment): inside a double-quoted scalar (every
    name goes through `_q`) the escape is the same character; in a comment it is plain text.
    """
    if text.replace("\n", "").isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def _why(f: ColumnFinding) -> str:
    parts = [f"{f.cls} identifier" if str(f.cls) in ("direct", "quasi") else str(f.cls)]
    if f.entity and f.entity != "NONE":
        parts.append(f"entity {f.entity}")
    special = getattr(f, "special_category", None)
    if special:
        parts.append(f"GDPR Art. 9 special category {special}")
    parts.append(f"confidence {f.confidence:.2f}")
    if f.entities:
        parts.append("found in text: " + ", ".join(sorted(set(f.entities))[:6]))
    reason = getattr(f, "review_reason", None)
    if str(getattr(f, "decision", "")) == "uncertain" and reason:
        parts.append(f"needs review: {reason}")
    text = "; ".join(parts)
    evidence = [str(e) for e in f.evidence if not str(e).startswith("GDPR Art. 9")]
    if evidence:
        text += " -- " + "; ".join(evidence[:3])
    return " ".join(text.split())[:240]


def _entry(f: ColumnFinding) -> tuple[str, bool]:
    """The YAML flow mapping of a column's action, and whether it is a quasi-identifier."""
    cls, entity, typ = str(f.cls), (f.entity or "NONE").upper(), str(f.type)
    if cls == "direct":
        if entity in _PSEUDONYM_ENTITIES or (typ == "identifier" and entity == "NONE"):
            return "{action: pseudonymize, method: hmac, key_env: PRIVSYNTH_KEY}", False
        return "{action: drop}", False
    if cls == "quasi":
        if entity in _PLACE_ENTITIES and not _COARSE_PLACE.search(f.name):
            return "{action: drop}", False
        if entity in _ZIP_ENTITIES:
            return (
                "{action: generalize, hierarchy: {type: prefix, lengths: [3, 2, 1], zfill: 5}}",
                True,
            )
        if typ == "datetime" or entity in _DATE_ENTITIES:
            return (
                "{action: generalize, hierarchy: {type: dates, levels: [month, year, decade]}}",
                True,
            )
        if entity in _AGE_ENTITIES:
            return (
                "{action: generalize, hierarchy: {type: intervals, widths: [5, 10, 20], "
                "bottom: 0, top: 90}}",
                True,
            )
        return "{action: keep}", True
    if typ == "text" and f.entities:
        return "{action: drop}", False
    return "{action: keep}", False


def draft_policy(findings: Sequence[ColumnFinding]) -> str:
    """A policy YAML for the scanned table, with a comment per column giving the scan's reason.

    It loads with `load_policy` as written; review it before a release (`--write-policy`).
    """
    lines = [
        "# Draft policy written by `privsynth scan --write-policy`. Review every column before",
        "# a release: the scan's reasons are in the comments. Reference: policies/*.yaml.",
        "# DERIVED FROM THE DATA (a scan of the private values): review before a DP release;",
        "# a DP synthetic release treats this file as public, so keep only what is public.",
        "name: draft",
        "description: Drafted from a scan; direct identifiers dropped or pseudonymized, "
        "quasi-identifiers k-anonymized.",
        "unmatched: error   # a column this draft does not name stops the release",
        "release:",
        "  mode: anonymize",
    ]
    entries: list[str] = []
    quasi: list[ColumnFinding] = []
    sensitive: list[str] = []
    for f in findings:
        action, is_qi = _entry(f)
        if is_qi:
            quasi.append(f)
        if str(f.cls) == "sensitive":
            sensitive.append(f.name)
        entries.append(f"  # {_why(f)}")
        entries.append(f"  {_q(f.name)}: {action}")
    ranked = sorted(quasi, key=_qi_priority)
    chosen = {f.name for f in ranked[:MAX_DRAFT_QIS]}
    in_search = [f.name for f in quasi if f.name in chosen]
    left_out = [f.name for f in quasi if f.name not in chosen]
    if in_search:
        lines += [
            "privacy:",
            "  k: 5                      # every row shares its quasi-identifiers with >= 4 others",
            "  max_suppression: 0.05     # at most 5% of rows may have them replaced by *",
            "  quasi_identifiers: [" + ", ".join(_q(q) for q in in_search) + "]",
        ]
        if left_out:
            lines.append(
                "  # also quasi-identifiers, released as they are unless you add them above "
                "(a larger search takes longer): " + ", ".join(_q(n) for n in left_out)
            )
        if sensitive:
            lines.append(
                "  # l: 2                    # uncomment for l-diversity on the sensitive columns"
            )
            lines.append("  # sensitive: [" + ", ".join(_q(s) for s in sensitive) + "]")
    lines.append("columns:" if entries else "columns: {}")
    lines += entries
    return _yaml_printable("\n".join(lines) + "\n")
