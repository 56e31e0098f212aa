"""The result of a scan: one `ColumnFinding` per column, shared by detect, policy and audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ColumnClass(StrEnum):
    """How a column matters for privacy."""

    DIRECT = "direct"  # identifies a person on its own: name, SSN, email, phone
    QUASI = "quasi"  # identifies in combination: age, ZIP, sex, dates
    SENSITIVE = "sensitive"  # what must not be learned about a person: diagnosis, income
    OTHER = "other"


class SpecialCategory(StrEnum):
    """GDPR Art. 9 special categories of personal data (independent of the class)."""

    RACE_ETHNICITY = "race_ethnicity"
    HEALTH = "health"
    RELIGION = "religion"
    POLITICS = "politics"
    UNION = "union"
    SEX_LIFE = "sex_life"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"


class Decision(StrEnum):
    """How sure the scanner is of a finding's class.

    CONFIDENT on an `other` column means the scanner is confident the column is NOT personal:
    low uniqueness, no person signal in its header or its values, nothing that a human should
    look at. Only such columns may be kept by default by a fail-safe policy. UNCERTAIN means a
    human must decide (`review_reason` says why); on a personal class it means the class is
    weakly supported (the column is still protected as that class).
    """

    CONFIDENT = "confident"
    UNCERTAIN = "uncertain"


@dataclass
class ColumnFinding:
    """What the scanner concluded about one column, and why.

    `entity` is a presidio-style entity name (PERSON, EMAIL_ADDRESS, ZIP, AGE, ...) or "NONE";
    `entities` lists the entities found inside free text; `evidence` is human-readable and
    never quotes a cell value. `special_category` is the GDPR Art. 9 kind (race_ethnicity,
    health, religion, politics, union, sex_life, genetic, biometric) or None, beside the class:
    race is a quasi-identifier AND special-category data. `decision` / `review_reason`: see
    `Decision`; `not_personal` is the one test a fail-safe policy needs.
    """

    name: str
    cls: ColumnClass
    entity: str = "NONE"
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    type: str = "categorical"
    entities: list[str] = field(default_factory=list)
    special_category: str | None = None
    decision: str = Decision.UNCERTAIN
    review_reason: str | None = "not decided by the scanner"
    # The column this one recodes (one value for each of its values): a policy treats the two
    # as the same quasi-identifier.
    recode_of: str | None = None

    @property
    def not_personal(self) -> bool:
        """True only when the scan confidently classes the column as non-personal."""
        return self.cls == ColumnClass.OTHER and self.decision == Decision.CONFIDENT

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": str(self.cls),
            "entity": self.entity,
            "special_category": str(self.special_category) if self.special_category else None,
            "confidence": self.confidence,
            "decision": str(self.decision),
            "review_reason": self.review_reason,
            "evidence": list(self.evidence),
            "type": self.type,
            "entities": list(self.entities),
            "recode_of": self.recode_of,
        }
