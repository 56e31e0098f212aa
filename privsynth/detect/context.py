"""Decisions that need the whole table, made in place on the per-column findings.

- Whose rows: a table is *about people* when its other columns describe people (names, sex,
  birth dates, contact details, person keys, money paid...); dates, places, employers, traits
  and amounts are quasi-identifiers or sensitive only there (a date in a weather table
  identifies nobody). A table about animals (a `species` column) is about nobody.
- Organisation rows (R4): an organisation's address, phone, city and coordinates, in a table
  whose rows name organisations and no person, are not personal.
- Names (R1): a name-shaped column under a name header in a table whose rows are people is
  a name even when no deny-list knows it (invented or rare names).
- Keys (R2): in a table whose rows are people, every unique key-like column is a key of the
  person (`id.bioguide`, `retroID`, a bare `Id`); in a table of events (a foreign key to a
  person and no names) a bare unique id is the event's. A column whose values are keys of
  the table's own person key (`ReportsTo`, a manager's UUID) is a person key too.
- Health tables: the codes beside medical descriptions are medical codes, and money in them
  is for health care (GDPR Art. 9 `health`).
- Recodes (R15, `recodes.py`): a column that recodes a classified one takes its class.
- The fail-safe `decision` of every finding (see `findings.Decision`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from privsynth.detect import content
from privsynth.detect.classify import SPECIAL, ColumnSignals, class_of
from privsynth.detect.findings import ColumnClass, ColumnFinding, Decision
from privsynth.detect.header import (
    about_thing,
    has_any,
    has_id_token,
    header_hits,
    is_generic_id,
    match_tokens,
    usable_hits,
)
from privsynth.detect.lexicon import (
    AGGREGATE_WORDS,
    ANIMAL_WORDS,
    BOOKKEEPING_WORDS,
    NAMING_ROLES,
    TECHNICAL_WORDS,
)
from privsynth.detect.recodes import find_recodes

# Quasi-identifiers and sensitive attributes only when the rows are people.
CONTEXT_DEPENDENT = frozenset({"DATE", "LOCATION", "NATIONALITY", "PHYSICAL", "ORG",
                               "FINANCIAL", "HOUSEHOLD", "VITAL_STATUS", "EMPLOYMENT_STATUS",
                               "OCCUPATION", "TITLE"})
# ...of which these still count, weakly, as a sign that rows are people (a fare is paid by
# someone; a city is not a person).
WEAK_PERSON = frozenset({"FINANCIAL", "PHYSICAL", "HOUSEHOLD", "VITAL_STATUS",
                         "EMPLOYMENT_STATUS", "OCCUPATION", "TITLE", "ORG"})
# Direct identifiers that machines have too: no sign on their own that rows are people.
MACHINE_SHARED = frozenset({"URL", "IP_ADDRESS", "MAC_ADDRESS", "DEVICE_ID", "LICENSE_PLATE",
                            "ZIP"})
# Attributes of the row's own person (a table of people, not of their events).
ROW_PERSON = frozenset({"PERSON", "DATE_OF_BIRTH", "AGE", "GENDER", "ETHNICITY",
                        "MARITAL_STATUS", "TITLE", "US_SSN", "NATIONAL_ID", "PASSPORT",
                        "DRIVER_LICENSE", "EMAIL_ADDRESS", "PHONE_NUMBER", "USERNAME",
                        "STREET_ADDRESS", "EDUCATION", "INCOME", "RELIGION", "PHOTO",
                        "SEXUAL_ORIENTATION", "OCCUPATION", "NATIONALITY"})
# Contact details and places that are an organisation's in a table of organisations.
ORG_CONTACT = frozenset({"STREET_ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS", "URL", "LOCATION",
                         "ZIP", "NATIONALITY"})
# Header words of health words that are health only in a health or person table.
WEAK_HEALTH = frozenset({"serious", "seriousness", "severity", "causality", "toxicity",
                         "outcome", "reaction", "indication", "observation", "observations",
                         "procedure", "condition", "conditions", "lab", "substance", "arm",
                         "arms", "trt", "dose", "dosage", "doses", "reason code",
                         "reasoncode", "reason description", "specimen", "pulse",
                         "clinical", "medical", "health", "stroke", "heart", "adverse"})
_HEALTH_MONEY_WORDS = frozenset({"healthcare", "health", "medical", "claim", "claims", "payer",
                                 "hospital", "medication", "drug", "treatment", "care",
                                 "encounter", "patient", "clinical", "coverage"})
_CODE_WORDS = frozenset({"code", "codes", "cd", "concept", "snomed", "icd", "loinc"})
_RELATION_WORDS = frozenset({"to", "by", "parent", "manager", "supervisor", "head", "lead",
                             "rep", "referrer", "referred", "sponsor", "mentor", "assigned",
                             "approver", "reviewer", "creator", "reports"})
_ORG_TABLE_WORDS = frozenset({"company", "hospital", "organization", "organisation",
                              "supplier", "vendor", "facility", "airline", "agency",
                              "business", "firm", "clinic", "institution", "school",
                              "employer", "merchant", "store", "brand", "manufacturer"})
COARSENABLE = frozenset({"AGE", "GENDER", "ETHNICITY", "MARITAL_STATUS", "OCCUPATION",
                         "EDUCATION", "NATIONALITY", "LOCATION", "EMPLOYMENT_STATUS", "TITLE",
                         "HEALTH", "EMPLOYMENT_EVALUATION", "CRIMINAL_RECORD", "RELIGION",
                         "POLITICAL_OPINION", "SEXUAL_ORIENTATION", "HOUSEHOLD",
                         "VITAL_STATUS", "DATE", "DATE_OF_BIRTH", "ORG", "ZIP"})
# Content signals that make a column worth a human look, whatever its class.
_PERSONAL_CONTENT = ("PERSON", "SUFFIXED_NAME", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN",
                     "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "MAC_ADDRESS", "URL",
                     "STREET_ADDRESS", "DATE", "GENDER", "ETHNICITY", "MARITAL_STATUS",
                     "RELIGION", "SEXUAL_ORIENTATION", "LOCATION", "POSTCODE", "MEDICAL_CODE",
                     "MEDICAL_TEXT", "MONEY", "USER_AGENT", "POLITICAL", "TITLE", "WEEKDAY",
                     "TIME_OF_DAY", "OCCUPATION", "MEDICAL_RECORD_NUMBER", "ENCOUNTER_CLASS",
                     "TZ_OFFSET")
CONTENT_REVIEW = 0.1  # share of values with a personal shape that calls for review
VOCAB_REVIEW = 0.5  # ...for shapes that ordinary words share (a "Sun" is a weather too)
_VOCAB_CONTENT = frozenset({"PERSON", "SUFFIXED_NAME", "GENDER", "ETHNICITY", "MARITAL_STATUS",
                            "RELIGION", "LOCATION", "TITLE", "WEEKDAY", "OCCUPATION",
                            "POLITICAL", "ENCOUNTER_CLASS", "MEDICAL_TEXT", "POSTCODE"})
UNIQUE_REVIEW = 0.5  # uniqueness above which an unexplained column may single people out


@dataclass
class _Column:
    finding: ColumnFinding
    sig: ColumnSignals
    index: int

    @property
    def entity(self) -> str:
        return self.finding.entity

    @property
    def personal(self) -> bool:
        return self.finding.cls != ColumnClass.OTHER


def _is_text_pii(f: ColumnFinding) -> bool:
    return bool(f.entities) and f.cls == ColumnClass.DIRECT


def _role_name(c: _Column) -> bool:
    """A name under a role header ('director', 'composer', 'head of state'): a person named
    in a row about something else (R10), not the row's own person."""
    hits = [h for h in usable_hits(c.sig.name) if h.entity == "PERSON"]
    return bool(hits) and all(any(w in NAMING_ROLES or w in ("head", "leader", "president",
                                                               "chairman", "ceo", "founder")
                                  for w in h.keyword.split()) for h in hits)


def _weight(c: _Column) -> float:
    """How much a column says that the table's rows are (about) people."""
    f = c.finding
    if not c.personal:
        return 0.0
    if _is_text_pii(f):
        return 1.0
    if f.entity == "PERSON" and _role_name(c):
        return 0.5
    if f.entity in WEAK_PERSON:
        return 0.5
    if f.entity in CONTEXT_DEPENDENT or f.entity in MACHINE_SHARED:
        return 0.0
    if f.entity == "HEALTH" and _weak_health(c.sig.name):
        return 0.5
    return 1.0


def _weak_health(name: str) -> bool:
    """HEALTH read from a weak header word or from the values alone (no health header): a
    table of diseases or of hospital measures is about nobody."""
    hits = [h for h in usable_hits(name) if h.entity == "HEALTH"]
    return not hits or all(h.keyword in WEAK_HEALTH for h in hits)


def _people_score(cols: list[_Column], skip: _Column | None = None) -> float:
    return sum(_weight(c) for c in cols if c is not skip)


def _demote(f: ColumnFinding, why: str, entity: str = "NONE") -> None:
    f.evidence.append(why)
    f.cls, f.entity, f.entities, f.special_category = ColumnClass.OTHER, entity, [], None


def _promote(f: ColumnFinding, entity: str, confidence: float, why: str,
             special: str | None = None) -> None:
    f.cls, f.entity, f.confidence = class_of(entity), entity, round(confidence, 2)
    f.special_category = special if special is not None else SPECIAL.get(entity)
    f.evidence.append(why)


def apply_table_context(findings: list[ColumnFinding], signals: list[ColumnSignals],
                        rows: pd.DataFrame | None = None) -> None:
    """Every whole-table decision, in place (see the module docstring)."""
    cols = [_Column(f, s, i) for i, (f, s) in enumerate(zip(findings, signals, strict=True))]
    _machine_text(cols)
    _animal_table(cols)
    _organisation_rows(cols)
    _unknown_names(cols)
    _people_only(cols)
    _person_keys(cols)
    if rows is not None:
        _self_references(cols, rows)
    _health_table(cols)
    if rows is not None:
        _recodes(cols, rows)
    for c in cols:
        f = c.finding
        if f.cls == ColumnClass.OTHER:
            f.special_category = None
        elif f.special_category is None:
            f.special_category = SPECIAL.get(f.entity)
        if f.special_category and not any("Art. 9" in e for e in f.evidence):
            f.evidence.insert(0, f"GDPR Art. 9 special category: {f.special_category}")
    _decide(cols)


def _machine_text(cols: list[_Column]) -> None:
    """Free text whose only PII is private network addresses, in a table about nobody."""
    for c in cols:
        f = c.finding
        if _is_text_pii(f) and set(f.entities) <= {"IP_ADDRESS", "URL"} \
                and any("private-network" in e for e in f.evidence):
            others = [o for o in cols if o is not c and not _is_text_pii(o.finding)]
            if _people_score(others) < 1:
                _demote(f, "server addresses in a machine log, no column about a person (R20)",
                        "IP_ADDRESS")


def _animal_table(cols: list[_Column]) -> None:
    """A table with a species/breed column describes animals: nothing in it is personal."""
    if not any(has_any(c.sig.name, ANIMAL_WORDS) for c in cols):
        return
    if any(c.entity in ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON_ID")
           for c in cols if c.personal):
        return
    for c in cols:
        if c.finding.cls == ColumnClass.QUASI:
            _demote(c.finding, f"looks like {c.entity}, but the table describes animals "
                               "(a species or breed column)")


def _names_organisations(c: _Column) -> bool:
    if c.sig.stats.mean_words > 8 or c.personal and c.entity != "ORG":
        return False  # prose (a film's description) is no list of organisation names
    tokens = set(match_tokens(c.sig.name))
    named = bool(tokens & _ORG_TABLE_WORDS) and bool(tokens & {"name", "names"})
    return named or (c.sig.share("ORGANIZATION") >= 0.3 and c.sig.stats.uniqueness >= 0.5)


def _contact(c: _Column) -> bool:
    return has_any(c.sig.name, frozenset({"contact"}))


def _organisation_rows(cols: list[_Column]) -> None:
    """R4/R3: rows that are organisations. Their contact details and places are not personal
    when no person is named; their keys are an organisation's even when a contact is named."""
    if not any(_names_organisations(c) for c in cols):
        return
    people = [c for c in cols if c.personal and not _contact(c)
              and c.entity in ROW_PERSON - ORG_CONTACT - {"OCCUPATION", "TITLE"}]
    if people:
        return  # the rows describe a person (an employee with an employer column)
    named = any(c.personal and c.entity == "PERSON" for c in cols)
    for c in cols:
        f = c.finding
        if c.personal and c.entity == "PERSON_ID" and c.sig.stats.uniqueness >= 0.95:
            _demote(f, "key of a table whose rows are organisations (R3)", "ORG_KEY")
        elif c.personal and c.entity in ORG_CONTACT and not named:
            _demote(f, "contact detail or place of an organisation: the rows name "
                       "organisations and no person (R4)", "ORG_CONTACT")


def _people_only(cols: list[_Column]) -> None:
    """Dates, places, money, traits... are personal only in a table about people."""
    for c in cols:
        f = c.finding
        dependent = f.entity in CONTEXT_DEPENDENT or (
            f.entity == "HEALTH" and _weak_health(c.sig.name))
        if not c.personal or not dependent:
            continue
        if _people_score(cols, skip=c) < 1:
            _demote(f, f"looks like {f.entity}, but no column of the table describes a person")


def _unknown_names(cols: list[_Column]) -> None:
    """Names no deny-list knows, under a name header, in a table whose rows are people."""
    if not _person_rows(cols):
        return
    for c in cols:
        sig = c.sig
        hits = [h for h in usable_hits(sig.name) if h.entity == "PERSON"]
        if c.personal or not hits or not hits[0].head or sig.stats.numeric:
            continue
        values = sig.names
        shaped = float(content.name_like(values).mean())
        cased = float(np.mean([v[:1].isupper() for v in values])) if sig.n else 0.0
        if (shaped >= 0.9 and cased >= 0.9 and sig.stats.uniqueness >= 0.2
                and sig.stats.mean_words <= 4 and sig.share("ORGANIZATION") < 0.1
                and sig.share("LOCATION") < 0.3 and sig.share("POLITICAL") < 0.1
                and sig.share("COUNTRY") < 0.3):
            _promote(c.finding, "PERSON", 0.5, "name-shaped values under a name header, in a "
                                               "table whose rows are people")


def _person_rows(cols: list[_Column]) -> bool:
    """Are the rows people (not their events)? Two attributes of a person, and no foreign
    key to a person unless the person is also named."""
    row = [c for c in cols if c.personal and (c.entity in ROW_PERSON or _is_text_pii(c.finding))]
    if len(row) < 2:
        return False
    named = any(c.entity == "PERSON" for c in row)
    fk = any(c.personal and c.entity in ("PERSON_ID", "MEDICAL_RECORD_NUMBER")
             and c.sig.stats.uniqueness < 0.95 and not has_any(c.sig.name, _RELATION_WORDS)
             for c in cols)
    return named or not fk


def _key_like(c: _Column) -> bool:
    st = c.sig.stats
    return (st.uniqueness >= 0.95 and st.n_distinct >= min(10, max(st.present, 1))
            and not (st.numeric and not st.integer) and c.sig.type != "datetime"
            and c.sig.share("DATE") < 0.5 and not c.sig.is_free_text
            and not about_thing(c.sig.name) and not has_any(c.sig.name, BOOKKEEPING_WORDS))


def _person_keys(cols: list[_Column]) -> None:
    """R2: unique key-like columns of a table whose rows are people are person keys."""
    if not _person_rows(cols):
        return
    n = sum(1 for c in cols if c.personal)
    for c in cols:
        f = c.finding
        if c.personal or not c.sig.name.strip() or not _key_like(c) or f.entity == "ORG_KEY":
            continue
        if has_id_token(c.sig.name) or is_generic_id(c.sig.name):
            _promote(f, "PERSON_ID", 0.55, f"key-like column with unique values in a table "
                                           f"whose rows are people ({n} person columns)")


def _all_in(values: set[str], key: pd.Series) -> bool:
    """Are all `values` (texts as the scan samples them) values of the column `key`?

    Compared in the key's own type (numbers as numbers), with pandas' hashed `isin`: no
    conversion of the whole key column to text.
    """
    probe = pd.Series(sorted(values), dtype=object)
    key = key.dropna()
    if pd.api.types.is_numeric_dtype(key) and not pd.api.types.is_bool_dtype(key):
        probe = pd.to_numeric(probe, errors="coerce")
        return bool(probe.notna().all() and probe.isin(key).all())
    return bool(probe.isin(key).all() or probe.isin(key.astype(str).str.strip()).all())


def _self_references(cols: list[_Column], rows: pd.DataFrame) -> None:
    """A column holding values of the table's own person key (ReportsTo, a manager's id).

    Only key-shaped candidates (UUIDs, codes, or integers under a relation word such as
    "reports to") are looked up, with their sampled distinct values.
    """
    keys = [c for c in cols if c.personal and c.entity in ("PERSON_ID", "MEDICAL_RECORD_NUMBER")
            and c.sig.stats.uniqueness >= 0.95 and c.sig.name in rows.columns]
    if not keys:
        return
    for c in cols:
        st = c.sig.stats
        if c.personal or st.n_distinct < 2 or not c.sig.n or st.uniqueness >= 0.95:
            continue
        if st.numeric:
            if not (st.integer and has_any(c.sig.name, _RELATION_WORDS)):
                continue  # small integers are inside any 1..n key by accident
        elif max(c.sig.share("UUID"), c.sig.share("ID_CODE")) < 0.5:
            continue  # words and names are no keys
        vals = set(c.sig.values)
        for k in keys:
            if k is not c and _all_in(vals, rows[k.sig.name]):
                _promote(c.finding, "PERSON_ID", 0.6, f"values are keys of the person column "
                                                      f"'{k.sig.name}' ({len(vals)} distinct)")
                break


def _health_table(cols: list[_Column]) -> None:
    """Medical codes beside health columns; money in a health table is for health care."""
    # health columns still standing after `_people_only` (which drops those of tables
    # about nobody)
    strong = [c for c in cols if c.entity == "HEALTH" and c.personal]
    for c in cols:
        f = c.finding
        if strong and not c.personal and c.sig.enough("CLINICAL_ATTR", 0.6):
            _promote(f, "HEALTH", 0.5, "severity, outcome, causality, dose or route values in "
                                       "a table with health columns")
        elif f.entity in ("FINANCIAL", "INCOME") and c.personal:
            # a salary beside a diagnosis is still a salary; a claim's cost is health care
            if (strong and f.entity == "FINANCIAL") or has_any(c.sig.name, _HEALTH_MONEY_WORDS):
                f.special_category = "health"
                f.evidence.append("money for health care (a health table or a health header)")
        elif not c.personal and strong and has_any(c.sig.name, _CODE_WORDS) \
                and not about_thing(c.sig.name) and c.sig.stats.n_distinct >= 2 \
                and not c.sig.is_free_text:
            _promote(f, "HEALTH", 0.45, f"a code column in a table with {len(strong)} health "
                                        "columns: a medical code?")


def _recodes(cols: list[_Column], rows: pd.DataFrame) -> None:
    names = list(rows.columns)
    where = {n: i for i, n in enumerate(names)}
    usable = [c for c in cols if c.sig.name in where]
    # what a recode carries is a quasi-identifier or a sensitive attribute (R15); a column
    # in step with a direct identifier is a key of the same thing, not a recode of it
    sources = [where[c.sig.name] for c in usable
               if c.finding.cls in (ColumnClass.QUASI, ColumnClass.SENSITIVE)
               and c.sig.stats.uniqueness <= 0.5 and not c.sig.is_free_text]
    targets = [where[c.sig.name] for c in usable if not c.personal
               and 2 <= c.sig.stats.n_distinct <= 200 and c.sig.stats.uniqueness <= 0.5
               and not c.sig.is_free_text]
    coarse = {where[c.sig.name] for c in usable if c.personal and c.entity in COARSENABLE}
    by_index = {where[c.sig.name]: c for c in usable}
    for rec in find_recodes(rows, sources, targets, coarse):
        src, tgt = by_index[rec.source], by_index[rec.target]
        how = ("recodes column '{}' (one value for each of its values, both ways)"
               if rec.both_ways else "a coarser coding of column '{}' (one value for each "
               "of its values)").format(src.sig.name)
        _promote(tgt.finding, src.entity, src.finding.confidence * 0.9, how,
                 src.finding.special_category)
        tgt.finding.cls = src.finding.cls
        tgt.finding.recode_of = src.sig.name


def _review_reasons(c: _Column, people: bool) -> list[str]:
    """Why a column classed `other` still needs a human look (empty: confidently not personal)."""
    f, sig, st = c.finding, c.sig, c.sig.stats
    reasons = []
    demoted = [e for e in f.evidence if e.startswith(("looks like", "contact detail",
                                                      "server addresses", "header names a "
                                                      "machine", "bookkeeping"))]
    if demoted:
        reasons.append(demoted[0].split(":")[0].split(",")[0])
    personal_hits = [h for h in header_hits(sig.name)
                     if class_of(h.entity) != ColumnClass.OTHER and h in usable_hits(sig.name)]
    if personal_hits and not demoted:
        reasons.append(f"header suggests {personal_hits[0].entity}")
    if sig.is_free_text:
        reasons.append("free text may hold personal data")
    shapes = sorted(((sig.share(e), e) for e in _PERSONAL_CONTENT
                     if sig.share(e) >= (VOCAB_REVIEW if e in _VOCAB_CONTENT
                                         else CONTENT_REVIEW)), reverse=True)
    if sig.share("GENDER") + sig.share("GENDER_FILLER") < 0.9:
        shapes = [p for p in shapes if p[1] != "GENDER"]  # L/M/H sizes share letters with sex
    if shapes and not demoted:
        reasons.append(f"{shapes[0][1]} shapes in {100 * shapes[0][0]:.0f}% of values")
    # a key of a thing: a thing word and an id word, and values that are opaque (numbers,
    # UUIDs) or unique; readable codes of a team or a league still say something
    opaque = st.integer or sig.share("UUID") >= 0.9 or st.uniqueness >= 0.95
    thing_key = about_thing(sig.name) and opaque and (has_id_token(sig.name)
                                                      or sig.share("UUID") >= 0.9)
    statistic = st.numeric and has_any(sig.name, AGGREGATE_WORDS)
    explained = thing_key or statistic or has_any(sig.name, BOOKKEEPING_WORDS)
    if st.uniqueness > UNIQUE_REVIEW and st.n_distinct > 20 and not explained \
            and not (st.numeric and not st.integer):
        reasons.append("many distinct values: could single people out")
    # in a table about people, a thing word alone ("team", "category") explains nothing: the
    # team may be the person's; a key of a thing or a protocol field does
    explained = explained or has_any(sig.name, TECHNICAL_WORDS)
    constant = st.n_distinct <= 1 and st.n_missing == 0  # one value in every row says nothing
    if people and not explained and not constant and not reasons:
        reasons.append("in a table about people, nothing shows it is not about them")
    return reasons


def _decide(cols: list[_Column]) -> None:
    """The fail-safe decision of every finding (findings.Decision)."""
    for c in cols:
        f = c.finding
        if f.cls != ColumnClass.OTHER:
            weak = f.confidence < 0.5 or any(e.endswith("classed by its header")
                                             for e in f.evidence)
            f.decision = Decision.UNCERTAIN if weak else Decision.CONFIDENT
            f.review_reason = (f"weak evidence for {f.cls} {f.entity}" if weak else None)
            continue
        if c.sig.stats.present == 0 or c.sig.placeholder_only:
            f.decision, f.review_reason = Decision.CONFIDENT, None  # nothing to release
            continue
        people = _people_score(cols, skip=c) >= 1
        reasons = _review_reasons(c, people)
        f.decision = Decision.UNCERTAIN if reasons else Decision.CONFIDENT
        f.review_reason = "; ".join(reasons) if reasons else None

