"""The result of a scan: one `ColumnFinding` per column, shared by detect, policy and audit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class ColumnClass(StrEnum):
    """How a column matters for privacy."""

    DIRECT = "direct"  # identifies a person on its own: name, SSN, email, phone
    QUASI = "quasi"  # identifies in combination: age, ZIP, sex, dates
    SENSITIVE = "sensitive"  # what must not be learned about a person: diagnosis, income
    OTHER = "other"


@dataclass
class ColumnFinding:
    """What the scanner concluded about one column, and why.

    `entity` is a presidio-style entity name (PERSON, EMAIL_ADDRESS, ZIP, AGE, ...) or "NONE";
    `entities` lists the entities found inside free text; `evidence` is human-readable.
    """

    name: str
    cls: ColumnClass
    entity: str = "NONE"
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    type: str = "categorical"
    entities: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["class"] = str(d.pop("cls"))
        return d
