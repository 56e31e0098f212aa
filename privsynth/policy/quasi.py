"""Which of the scan's quasi-identifiers a k-anonymity search takes, when the policy caps them.

A wide table can have a dozen columns the scan classes quasi (HR data: three marital-status
codes, two sex codes, five dates...). Searching all of them is slow (the lattice grows as the
product of the hierarchies' heights) and useless (k classes over 13 attributes hold almost
nobody, so everything ends up suppressed). With `privacy.max_quasi_identifiers: N` the search
takes at most N, chosen by a fixed, published criterion that never looks at the values:

1. **What the column is** (the scan's entity), in the order of the re-identification
   literature: date of birth / age first, then geography (ZIP, postcode, place), sex, race or
   ethnicity, marital status and household, other dates of events, work and education, the rest
   (Sweeney 2000, "Simple demographics often identify people uniquely": ZIP, date of birth and
   sex single out 87 % of the US population; El Emam & Arbuckle 2013, "Anonymizing Health Data",
   ch. 3, on the common quasi-identifiers).
2. **One column per kind** first: a second column of the same kind (`GenderID` beside `Sex`,
   `Age` beside `DOB`) says the same thing again, so it takes a slot only when every kind
   present has one and slots are left.
3. **A real hierarchy first**, within a kind: a column the policy generalizes with a hierarchy,
   or a date or number (whose default hierarchy has several levels), before a category whose
   only generalization is `*`.
4. Then the scan's confidence, then the table's column order.

Every other column the scan classes quasi is **dropped** from the release: kept as it is it would
let an attacker tell apart people the search made look alike (a `GenderID` left beside a
starred `Sex`), so the k the release claims would not hold. The manifest and the release's
notices name the chosen and the dropped columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# (kind, entities) in the order of the criterion above
KINDS: list[tuple[str, frozenset[str]]] = [
    ("birth", frozenset({"DATE_OF_BIRTH", "BIRTH_DATE", "DOB", "AGE", "AGE_BAND"})),
    ("geography", frozenset({"ZIP", "ZIP_CODE", "US_ZIP_CODE", "POSTAL_CODE", "POSTCODE",
                             "POSTCODE_NUMERIC", "LOCATION", "CITY", "GPE", "ADDRESS",
                             "STREET_ADDRESS", "COUNTRY"})),  # fmt: skip
    ("sex", frozenset({"GENDER", "SEX"})),
    ("ethnicity", frozenset({"ETHNICITY", "RACE", "NATIONALITY"})),
    ("household", frozenset({"MARITAL_STATUS", "HOUSEHOLD"})),
    ("event date", frozenset({"DATE", "DATE_TIME"})),
    ("work", frozenset({"OCCUPATION", "EDUCATION", "ORGANIZATION", "INCOME"})),
]
OTHER = "other"


def kind_of(entity: str | None) -> str:
    """The criterion's kind of an entity (`other` when it is none of the listed)."""
    ent = (entity or "").upper()
    for kind, entities in KINDS:
        if ent in entities:
            return kind
    return OTHER


def _rank(kind: str) -> int:
    names = [k for k, _ in KINDS]
    return names.index(kind) if kind in names else len(names)


@dataclass(frozen=True)
class Candidate:
    """A column the scan classed quasi, as the criterion sees it."""

    name: str
    entity: str | None
    confidence: float
    position: int  # the column's place in the table
    has_hierarchy: bool  # a policy hierarchy, or a date / number (several default levels)


@dataclass(frozen=True)
class QuasiChoice:
    """The chosen quasi-identifiers (in the criterion's order) and the dropped ones."""

    chosen: list[str]
    dropped: list[str]
    kinds: dict[str, str]

    def notice(self, total: int) -> str:
        chosen = ", ".join(f"{c} ({self.kinds[c]})" for c in self.chosen)
        text = (
            f"k-anonymity over {len(self.chosen)} of the {total} quasi-identifiers the scan "
            f"found, ranked by kind (birth, geography, sex, ethnicity, household, event date, "
            f"work): {chosen}"
        )
        if self.dropped:
            text += (
                f"; dropped, so that no unprotected quasi-identifier stays beside them: "
                f"{', '.join(self.dropped)}"
            )
        return text


def choose_quasi_identifiers(candidates: Sequence[Candidate], cap: int) -> QuasiChoice:
    """At most `cap` candidates by the criterion of the module doc; the rest are dropped."""
    kinds = {c.name: kind_of(c.entity) for c in candidates}
    order = sorted(
        candidates,
        key=lambda c: (_rank(kinds[c.name]), not c.has_hierarchy, -c.confidence, c.position),
    )
    chosen: list[str] = []
    seen: set[str] = set()
    for c in order:  # one per kind first...
        kind = kinds[c.name]
        if len(chosen) < cap and (kind == OTHER or kind not in seen):
            seen.add(kind)
            chosen.append(c.name)
    for c in order:  # ...then the slots left, in the same order
        if len(chosen) < cap and c.name not in chosen:
            chosen.append(c.name)
    chosen.sort(key=[c.name for c in order].index)
    dropped = [c.name for c in candidates if c.name not in chosen]
    return QuasiChoice(chosen, dropped, kinds)
