"""What column NAMES alone say: a classification that never looks at a value.

A DP synthetic release may depend on the header (column names, in file order: public by
assumption) but not on the private values without a charged DP step. The PII scan reads values,
so synthesize mode resolves class and entity rules with this classifier instead: the header
lexicon of `detect.header` (whole tokens, several languages, thing-qualifiers such as
`product_name`), plus one rule of its own: a name that ends in a key word (`id`, `uuid`,
`guid`, `key`, `pk`) or is a bare key (`ID`, `record_id`) is a record key (`RECORD_KEY`) —
direct when it may point at a person, other when the name says it is a thing's key
(`order_id`). A name with no signal is class `other`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from privsynth.detect.header import about_thing, best_hit, is_generic_id, tokenize

RECORD_KEY = "RECORD_KEY"
# Tokens that end a key's name, and tokens that make "...ID" a date part, not a key (`yearID`).
_KEY_TOKENS = frozenset({"id", "ids", "uuid", "guid", "key", "pk"})
_DATE_PARTS = frozenset({"year", "month", "day", "date", "week", "quarter", "yr"})


@dataclass(frozen=True)
class HeaderClass:
    """One column's class from its name alone, the entity the name suggests, and why."""

    name: str
    cls: str  # direct | quasi | sensitive | other
    entity: str | None
    evidence: str


def classify_name(name: str) -> HeaderClass:
    """The header-only class of one column name (see module doc)."""
    tokens = tokenize(str(name))
    hit = best_hit(str(name))
    key = is_generic_id(str(name)) or _is_key(tokens)
    if hit is not None and (hit.cls == "direct" or not key):
        return HeaderClass(name, hit.cls, hit.entity, f"name: keyword {hit.keyword!r}")
    if key:
        if about_thing(str(name)):
            return HeaderClass(name, "other", RECORD_KEY, "name: the key of a thing")
        return HeaderClass(name, "direct", RECORD_KEY, "name: a record key")
    return HeaderClass(name, "other", None, "name: no signal")


def _is_key(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[-1] in _KEY_TOKENS and not (set(tokens) & _DATE_PARTS)


def classify_header(names: Iterable[str]) -> dict[str, HeaderClass]:
    """Column name -> its header-only class, for every name of a header (order kept)."""
    return {str(n): classify_name(str(n)) for n in names}


__all__ = ["RECORD_KEY", "HeaderClass", "classify_header", "classify_name"]
