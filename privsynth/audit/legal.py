"""Words that are legally right: what kind of release this is, and the checklists that go with it.

* `classify` decides the release's legal kind from what was done to its columns (the manifest's
  record, else the policy's entries) -- never from its name. Any keyed pseudonym, partial mask
  or date shift makes it **pseudonymised**: under the GDPR (Art. 4(5), Recital 26) pseudonymised
  data is still personal data, since whoever holds the key or the other columns can re-link it;
  the report then never calls it anonymized. A direct identifier kept as it is makes it
  **identifiable**. Generalization and suppression to a k make it **k-anonymised**, removal and
  coarsening alone **de-identified**; neither is by itself "anonymous" under Recital 26, which
  asks whether anyone can re-identify by means reasonably likely to be used -- the measured
  risks inform that judgement, they do not replace it.
* `hipaa_checklist` lists the 18 identifiers of 45 CFR 164.514(b)(2)(i) (A)-(R) with what
  became of each: removed, generalized (as Safe Harbor allows), not present, or still present.
  A column is matched to an identifier by the scan's entity, else by its name; "not present"
  means no column was detected as one, so it is only as good as the scan.
* `special_categories` lists the columns holding GDPR Art. 9 special-category data, from the
  scan's `special_category` field when it has one, else from the entity it found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

PSEUDONYMISING = {"pseudonymize", "mask", "shift_dates"}

# The GDPR Art. 9(1) categories the scan names (detect's vocabulary), and the entities that
# imply one when the scan gives no `special_category` field.
SPECIAL_LABELS = {
    "race_ethnicity": "racial or ethnic origin",
    "politics": "political opinions",
    "religion": "religious or philosophical beliefs",
    "union": "trade union membership",
    "genetic": "genetic data",
    "biometric": "biometric data (for identification)",
    "health": "data concerning health",
    "sex_life": "sex life or sexual orientation",
}
SPECIAL_BY_ENTITY = {
    "ETHNICITY": "race_ethnicity",
    "RACE": "race_ethnicity",
    "HEALTH": "health",
    "BLOOD_TYPE": "health",
    "RELIGION": "religion",
    "POLITICAL_OPINION": "politics",
    "TRADE_UNION": "union",
    "SEXUAL_ORIENTATION": "sex_life",
    "GENETIC": "genetic",
    "BIOMETRIC": "biometric",
}


# ------------------------------------------------------------------------------- the kind
@dataclass
class LegalKind:
    """What the release is in law, and the sentence the report says about it."""

    kind: str  # dp_synthetic | pseudonymised | identifiable | k_anonymised | de_identified | unknown
    label: str
    personal_data: bool | None  # True: still personal data under the GDPR; None: a judgement
    statement: str
    because: list[str] = field(default_factory=list)  # the columns / actions that decided it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _name(record: Mapping[str, Any]) -> str:
    return str(record.get("column", record.get("name")))


def classify(
    actions: Sequence[Mapping[str, Any]],
    *,
    mode: str | None,
    dp: bool,
    k_required: Any,
    scan: Sequence[Mapping[str, Any]] | None,
    released: Sequence[str],
) -> LegalKind:
    """The release's legal kind from its column actions (see the module doc)."""
    if dp:
        return LegalKind(
            "dp_synthetic",
            "differentially private synthetic table",
            None,
            "Every row was sampled from a model trained with differential privacy: no row is a "
            "real person's record. Whether the table is anonymous under the GDPR (Recital 26) "
            "depends on the privacy budget; the DP guarantee and the measured attacks below are "
            "the evidence for that judgement.",
        )
    by_action = {_name(a): str(a.get("action")) for a in actions}
    kept_direct = [
        str(f.get("column"))
        for f in scan or []
        if f.get("class") == "direct"
        and str(f.get("column")) in released
        and by_action.get(str(f.get("column")), "keep") == "keep"
    ]
    if kept_direct:
        return LegalKind(
            "identifiable",
            "identifiable table (personal data)",
            True,
            "Direct identifiers are still in the release as they were: it identifies people on "
            "its own and is personal data under the GDPR (and protected health information "
            "under HIPAA, if health data).",
            kept_direct,
        )
    pseudo = [
        f"{_name(a)} ({a.get('action')})" for a in actions if str(a.get("action")) in PSEUDONYMISING
    ]
    if pseudo:
        return LegalKind(
            "pseudonymised",
            "pseudonymised table (personal data)",
            True,
            "Pseudonymised data (GDPR Art. 4(5)): direct identifiers were replaced by keyed "
            "pseudonyms, partial masks or shifted dates, so whoever holds the key or enough "
            "other information can re-link the records. It is still personal data under the "
            "GDPR (Recital 26) and every obligation of the GDPR applies to it; it is not "
            "anonymized.",
            pseudo,
        )
    if k_required is not None or (
        mode == "anonymize" and any(a.get("k_anonymity") for a in actions)
    ):
        return LegalKind(
            "k_anonymised",
            f"k-anonymised table (de-identified{f', k = {k_required}' if k_required else ''})",
            None,
            "Records are real people's, generalized and suppressed so that each shares its "
            "quasi-identifiers with at least k - 1 others. That alone does not make it anonymous "
            "under the GDPR (Recital 26: not identifiable by any means reasonably likely to be "
            "used); the measured risks below inform that judgement, which the signatories make.",
        )
    changed = [a for a in actions if str(a.get("action")) in ("drop", "generalize", "redact")]
    if changed or mode == "anonymize":
        return LegalKind(
            "de_identified",
            "de-identified table (identifiers removed or coarsened)",
            None,
            "Identifying columns were removed, redacted or coarsened; the other records are real "
            "people's. Whether it is anonymous under the GDPR (Recital 26) depends on what the "
            "remaining columns allow; the measured risks below inform that judgement.",
        )
    return LegalKind(
        "unknown",
        "release of unknown construction",
        None,
        "No policy or manifest says how the release was made: the audit relies on the measured "
        "risks alone and makes no legal classification.",
    )


# ----------------------------------------------------------------------- Art. 9 categories
def special_categories(
    scan: Sequence[Mapping[str, Any]] | None,
    actions: Sequence[Mapping[str, Any]],
    released: Sequence[str],
) -> list[dict[str, Any]]:
    """Columns holding GDPR Art. 9 special-category data, and what the release did with them."""
    by_action = {_name(a): str(a.get("action")) for a in actions}
    out = []
    for f in scan or []:
        col = str(f.get("column"))
        # The scan's own field decides when it has one (null: the detector judged the column
        # not special-category); only a scan without the field is read through its entity.
        if "special_category" in f:
            cat, how = f.get("special_category"), "scan"
        else:
            cat = SPECIAL_BY_ENTITY.get(str(f.get("entity") or "").upper())
            how = "derived from the entity"
        if not cat:
            continue
        out.append(
            {
                "column": col,
                "category": str(cat),
                "label": SPECIAL_LABELS.get(str(cat), str(cat)),
                "source": how,
                "in_release": col in released,
                "action": by_action.get(col) or ("keep" if col in released else "drop"),
            }
        )
    return out


# ------------------------------------------------------------------------- HIPAA checklist
@dataclass(frozen=True)
class Identifier:
    """One of the 18 Safe Harbor identifiers."""

    letter: str
    text: str
    entities: frozenset[str]
    names: str  # a regex on the column name, used when the scan has no entity for it


def _ident(letter: str, text: str, entities: str, names: str) -> Identifier:
    return Identifier(letter, text, frozenset(entities.split()), names)


IDENTIFIERS = [
    _ident("A", "Names", "PERSON NAME FIRST_NAME LAST_NAME",
           r"(^name$|_name$|^name_|[a-z]name$|first_?name|last_?name|surname|full_?name)"),
    _ident("B", "Geographic subdivisions smaller than a state (street, city, county, ZIP code "
           "beyond its first 3 digits)",
           "ZIP ZIP_CODE US_ZIP_CODE POSTAL_CODE POSTCODE POSTCODE_NUMERIC STREET_ADDRESS ADDRESS "
           "CITY LOCATION GPE",
           r"(zip|postal|postcode|address|street|city|town|county|precinct|latitude|longitude|"
           r"^lat$|^lon$|^lng$)"),
    _ident("C", "All elements of dates (except year) related to an individual; ages over 89",
           "DATE_OF_BIRTH DOB BIRTH_DATE DATE DATE_TIME AGE",
           r"(date|_dt$|^dob$|birth|admit|admission|discharge|death|^age$)"),
    _ident("D", "Telephone numbers", "PHONE_NUMBER", r"(phone|mobile|^tel$|telephone)"),
    _ident("E", "Fax numbers", "FAX_NUMBER", r"fax"),
    _ident("F", "Email addresses", "EMAIL_ADDRESS", r"(email|e-mail)"),
    _ident("G", "Social security numbers", "US_SSN SSN NATIONAL_ID", r"(ssn|social_?sec)"),
    _ident("H", "Medical record numbers", "MEDICAL_RECORD_NUMBER MRN", r"(^mrn$|medical_?record)"),
    _ident("I", "Health plan beneficiary numbers", "HEALTH_PLAN_ID",
           r"(health_?plan|beneficiary|insurance_?(id|no|num)|member_?id)"),
    _ident("J", "Account numbers", "ACCOUNT_NUMBER IBAN_CODE US_BANK_NUMBER CREDIT_CARD",
           r"(account|^acct|iban|card_?num)"),
    _ident("K", "Certificate / license numbers",
           "US_DRIVER_LICENSE DRIVER_LICENSE MEDICAL_LICENSE US_PASSPORT PASSPORT",
           r"(certificate|licen[cs]e|passport)"),
    _ident("L", "Vehicle identifiers and serial numbers, including license plates",
           "LICENSE_PLATE VIN", r"(vehicle|^vin$|plate)"),
    _ident("M", "Device identifiers and serial numbers", "DEVICE_ID MAC_ADDRESS IMEI",
           r"(device|serial|imei|mac_?addr)"),
    _ident("N", "Web URLs", "URL", r"(url|website)"),
    _ident("O", "IP addresses", "IP_ADDRESS", r"(ip_?addr|^ip$|clientip)"),
    _ident("P", "Biometric identifiers, including finger and voice prints", "BIOMETRIC",
           r"(biometric|fingerprint|voice_?print|retina)"),
    _ident("Q", "Full-face photographs and comparable images", "PHOTO IMAGE",
           r"(photo|image|picture|face)"),
    _ident("R", "Any other unique identifying number, characteristic or code",
           "PERSON_ID PATIENT_ID UUID ID USERNAME CRYPTO US_ITIN", r"$^"),
]
# States (and larger units) are allowed: a column named like one is no geographic identifier.
_ALLOWED_GEO = re.compile(r"(?i)^(state|state_?code|province|country|native-country|region)$")

STATUS_ORDER = ("still present", "generalized", "removed", "not present")


def _identifier_of(column: str, entity: str | None) -> Identifier | None:
    if _ALLOWED_GEO.search(column):
        return None
    ent = (entity or "").upper()
    for ident in IDENTIFIERS:
        if ent and ent in ident.entities:
            return ident
    if ent and ent not in ("NONE", ""):
        return None  # the scan knows what it is, and it is none of the 18
    for ident in IDENTIFIERS:
        if re.search(ident.names, column, flags=re.IGNORECASE):
            return ident
    return None


def _generalized_as_allowed(ident: Identifier, record: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a generalization is the one Safe Harbor allows for this identifier."""
    hier = record.get("hierarchy") if isinstance(record.get("hierarchy"), Mapping) else {}
    kind = hier.get("type")
    level = record.get("level")
    if ident.letter == "B" and kind == "prefix":
        lengths = list(hier.get("lengths") or [])
        cut = lengths[int(level) - 1] if isinstance(level, int) and 0 < level <= len(lengths) else None
        if cut is not None and int(cut) <= 3 and hier.get("masked_prefixes"):
            return True, "first 3 digits kept, areas of 20,000 people or fewer set to 000"
        return False, "coarsened, but not to Safe Harbor's 3-digit ZIP with small areas masked"
    if ident.letter == "C" and kind == "dates":
        levels = list(hier.get("levels") or [])
        at = levels[int(level) - 1] if isinstance(level, int) and 0 < level <= len(levels) else None
        if at in ("year", "decade"):
            return True, f"reduced to the {at}"
        return False, f"reduced to the {at or 'chosen level'}; Safe Harbor keeps the year only"
    if ident.letter == "C" and kind == "topcode":
        top = hier.get("top")
        if top is not None and float(top) <= 90:
            return True, f"ages {float(top):g} and over grouped"
    if ident.letter == "C" and record.get("k_anonymity"):
        return False, "generalized by the k-anonymity search: check the level keeps the year only"
    return False, "generalized: check it meets Safe Harbor"


def _column_status(
    ident: Identifier,
    column: str,
    record: Mapping[str, Any] | None,
    released: Sequence[str],
    original: pd.DataFrame | None,
) -> tuple[str, str]:
    action = str(record.get("action")) if record and record.get("action") is not None else None
    if column not in released or action == "drop":
        return "removed", "dropped"
    if action == "redact":
        return "removed", "redacted"
    if action == "generalize":
        ok, how = _generalized_as_allowed(ident, record or {})
        return ("generalized" if ok else "still present"), how
    if action in PSEUDONYMISING:
        return "still present", (
            f"{action}: a code derived from the identifier is not allowed (164.514(c))"
        )
    if ident.letter == "C" and original is not None and column in original:
        ages = pd.to_numeric(original[column], errors="coerce")
        if re.search(r"(?i)age", column) and ages.notna().any() and not (ages > 89).any():
            return "not present", "kept: no age over 89"
    return "still present", "kept as it is"


def hipaa_checklist(
    scan: Sequence[Mapping[str, Any]] | None,
    actions: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    released: Sequence[str],
    original: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The 18 Safe Harbor identifiers and what became of each in this release."""
    by_action = {_name(a): a for a in actions}
    entity = {str(f.get("column")): f.get("entity") for f in scan or []}
    for a in actions:  # the manifest's record of what the scan found at release time
        det = a.get("detected")
        if isinstance(det, Mapping) and _name(a) not in entity:
            entity[_name(a)] = det.get("entity")
    found: dict[str, list[dict[str, str]]] = {i.letter: [] for i in IDENTIFIERS}
    for col in map(str, columns):
        ident = _identifier_of(col, entity.get(col))
        if ident is None:
            continue
        status, how = _column_status(ident, col, by_action.get(col), released, original)
        found[ident.letter].append({"column": col, "status": status, "how": how})
    items = []
    for ident in IDENTIFIERS:
        cols = found[ident.letter]
        status = (
            min((c["status"] for c in cols), key=STATUS_ORDER.index) if cols else "not present"
        )
        items.append(
            {
                "letter": ident.letter,
                "identifier": ident.text,
                "status": status,
                "columns": cols,
            }
        )
    present = [i["letter"] for i in items if i["status"] == "still present"]
    return {
        "regulation": "45 CFR 164.514(b)(2) (HIPAA Safe Harbor)",
        "identifiers": items,
        "met": not present,
        "still_present": present,
        "caveat": (
            "'not present' means no column was detected as that identifier (by the scan's "
            "entity or the column's name); free text and unusual columns can still hold one. "
            "Safe Harbor also requires that the covered entity has no actual knowledge that the "
            "remaining information could identify an individual (164.514(b)(2)(ii))."
        ),
    }


def legal_section(
    *,
    policy_name: str | None,
    actions: Sequence[Mapping[str, Any]],
    mode: str | None,
    dp: bool,
    k_required: Any,
    scan: Sequence[Mapping[str, Any]] | None,
    columns: Sequence[str],
    released: Sequence[str],
    original: pd.DataFrame | None,
) -> dict[str, Any]:
    """The report's `legal` section: the kind, Art. 9 columns, and the HIPAA checklist when a
    HIPAA policy made the release."""
    kind = classify(actions, mode=mode, dp=dp, k_required=k_required, scan=scan, released=released)
    out: dict[str, Any] = {
        **kind.to_dict(),
        "special_categories": special_categories(scan, actions, released),
        "hipaa": None,
    }
    if policy_name and "hipaa" in str(policy_name).lower():
        out["hipaa"] = hipaa_checklist(scan, actions, columns, released, original)
    return out
