"""Hand-written scan findings for the bundled example table, so policy tests do not depend on
the scanner's accuracy (the scanner has its own tests). They are a human's labels, so their
decision is `confident` (fail-safe built-in policies keep only confidently classed columns)."""

from __future__ import annotations

from privsynth.detect.findings import ColumnClass, ColumnFinding

_EXAMPLE = {
    "patient_id": ("direct", "MRN", "identifier"),
    "first_name": ("direct", "PERSON", "categorical"),
    "last_name": ("direct", "PERSON", "categorical"),
    "email": ("direct", "EMAIL_ADDRESS", "identifier"),
    "phone": ("direct", "PHONE_NUMBER", "identifier"),
    "ssn": ("direct", "US_SSN", "identifier"),
    "birth_date": ("quasi", "DATE_TIME", "datetime"),
    "street_address": ("direct", "STREET_ADDRESS", "text"),
    "city": ("quasi", "LOCATION", "categorical"),
    "state": ("quasi", "US_STATE", "categorical"),
    "zip": ("quasi", "ZIP", "categorical"),
    "age": ("quasi", "AGE", "integer"),
    "sex": ("quasi", "GENDER", "categorical"),
    "race": ("quasi", "ETHNICITY", "categorical"),
    "marital-status": ("quasi", "MARITAL_STATUS", "categorical"),
    "native-country": ("quasi", "NONE", "categorical"),
    "occupation": ("sensitive", "NONE", "categorical"),
    "income": ("sensitive", "NONE", "categorical"),
    "note": ("other", "NONE", "text"),
}


def example_findings(columns) -> list[ColumnFinding]:
    out = []
    for c in columns:
        cls, entity, typ = _EXAMPLE.get(c, ("other", "NONE", "categorical"))
        entities = ["PERSON", "PHONE_NUMBER"] if c == "note" else []
        out.append(
            ColumnFinding(
                name=c,
                cls=ColumnClass(cls),
                entity=entity,
                confidence=0.9,
                evidence=[f"test finding for {c}"],
                type=typ,
                entities=entities,
                decision="confident",
                review_reason=None,
            )
        )
    return out
