"""Header signals: what a column's name says about its content, in several languages.

A name is split into whole tokens: on separators (snake, kebab, dots, spaces), case changes
(camelCase, PascalCase, ``HTTPStatus``), letter/digit boundaries, and compound words made of
known words (``TOTALCOST`` -> total cost, ``raceethnicity`` -> race ethnicity). Terse
abbreviations are read as their word (``mgr`` -> manager, ``dept`` -> department, ``dx`` ->
diagnosis). Keywords of the lexicon (`lexicon.py`) match whole tokens only, never the middle
of a word: ``city`` does not hit ``ETHNICITY``, ``tel`` does not hit ``DaysLateLast30``,
``admission`` does not hit ``Readmission_Rate``. Among several hits the keyword covering the
name's head word wins (the last word, or the word before "of": ``LastPerformanceReview_Date``
is a date, ``name_suffix`` a title), then the longest. Thing qualifiers (``product``,
``order``) veto person-level readings (``product_name``, ``order_id``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from privsynth.detect.lexicon import (
    AMBIGUOUS_ROLES,
    COMMON_WORDS,
    DATE_EVENT_WORDS,
    DATE_PART_WORDS,
    LEXICON,
    NOT_PERSON_QUALIFIERS,
)

# Abbreviations read as the word they stand for before matching.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "emp": ("employee",), "mgr": ("manager",), "dept": ("department",), "pos": ("position",),
    "ext": ("extension",), "yr": ("year",), "yrs": ("years",), "addr": ("address",),
    "desc": ("description",), "descr": ("description",), "perf": ("performance",),
    "qty": ("quantity",), "amt": ("amount",), "dx": ("diagnosis",), "rx": ("prescription",),
    "hx": ("history",), "trt": ("treatment",), "subj": ("subject",), "cust": ("customer",),
    "acct": ("account",), "org": ("organization",), "lic": ("license",), "gr": ("group",),
    "grp": ("group",), "cat": ("category",), "nbr": ("number",), "num": ("number",),
    "tz": ("timezone",), "tel": ("telephone",), "ph": ("phone",), "mob": ("mobile",),
    "fn": ("first", "name"), "ln": ("last", "name"), "bday": ("birthday",),
    "zipcode": ("zip",), "dob": ("date", "of", "birth"), "doj": ("date", "of", "hire"),
    "doh": ("date", "of", "hire"), "dod": ("date", "of", "death"),
    "cd": ("code",), "dtc": ("date",), "dt": ("date",), "dttm": ("date",), "fl": ("flag",),
    "bl": ("baseline",), "lvl": ("level",), "dth": ("death",), "tot": ("total",),
    "dur": ("duration",), "dy": ("day",), "hgt": ("height",), "wgt": ("weight",),
    "wt": ("weight",), "ht": ("height",), "occ": ("occupation",), "nat": ("national",),
}
# Short pieces a compound may be split into (others need 3+ letters).
_SHORT_PIECES = frozenset({"id", "no", "nr", "of", "to", "by", "at", "in", "on", "ip", "dt",
                           "yr", "cd", "gr", "dx", "rx", "tz", "fl", "bl", "dy"})
# Whole headers that name a part of a person's name.
_NAME_PARTS = frozenset({"first", "last", "middle", "given", "maiden"})
# Words that link a head noun to its complement: the head is the word before them.
_CONNECTORS = frozenset({"of", "de", "du", "des", "di", "del", "della", "da", "do", "van",
                         "von", "der", "la", "le", "l", "d"})
# Generic words that never make a header about a person's date/age/place on their own.
_GENERIC_ID = frozenset({"id", "uid", "uuid", "guid", "key", "pk", "rowid", "recordid",
                         "record", "identifier", "ident", "ids"})
ID_TOKENS = frozenset({"id", "ids", "key", "uid", "uuid", "guid", "identifier", "no", "nr",
                       "number", "num", "code", "ref", "nummer", "numero"})


@dataclass(frozen=True)
class HeaderHit:
    """One lexicon keyword found in a column name."""

    entity: str
    cls: str
    keyword: str
    weight: float  # how much the keyword alone says: 0.5 (short, ambiguous) .. 0.9
    head: bool = False  # the keyword covers the name's head word

    @property
    def date_part(self) -> str | None:
        """'year', 'month', 'day', 'weekday', 'time' or 'zone' for a date-part keyword."""
        for part, words in DATE_PART_WORDS.items():
            if self.keyword in words:
                return part
        return None

    @property
    def date_event(self) -> bool:
        """A date keyword that is an event ('start', 'hire'), not the word 'date' itself."""
        return self.keyword in DATE_EVENT_WORDS


def normalize(name: str) -> str:
    """Lowercase ASCII with accents stripped, ß→ss."""
    if name.isascii():
        return name.lower()  # the common case, without the Unicode decomposition
    name = name.replace("ß", "ss").replace("ẞ", "ss")
    name = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in name if not unicodedata.combining(ch)).lower()


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Words a compound token may be split into: the lexicon's tokens and common words."""
    words = set(COMMON_WORDS) | set(ABBREVIATIONS)
    for _cls, keywords in LEXICON.values():
        for k in keywords:
            words.update(_raw_tokens(k.lstrip("=")))
    return frozenset(w for w in words if w.isalpha())


def _raw_tokens(name: str) -> list[str]:
    spaced = _CAMEL.sub(" ", name.replace("ß", "ss"))
    return [t for t in _SPLIT.split(normalize(spaced)) if t]


@lru_cache(maxsize=8192)
def split_compound(token: str) -> tuple[str, ...]:
    """`token` split into known words (fewest pieces), or itself when it is not a compound."""
    vocab = _vocabulary()
    if len(token) < 5 or token in vocab or not token.isalpha():
        return (token,)
    n = len(token)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - 24), end):
            prev = best[start]
            piece = token[start:end]
            if prev is None or piece not in vocab:
                continue
            if len(piece) < 3 and piece not in _SHORT_PIECES:
                continue
            cand = (*prev, piece)
            if best[end] is None or len(cand) < len(best[end]):
                best[end] = cand
    return best[n] if best[n] else (token,)


@lru_cache(maxsize=8192)
def tokenize(name: str) -> list[str]:
    """Split a column name into lowercase tokens: 'patientDOB_2' -> ['patient', 'dob', '2']."""
    return [p for t in _raw_tokens(name) for p in split_compound(t)]


@lru_cache(maxsize=8192)
def match_tokens(name: str) -> tuple[str, ...]:
    """The tokens the lexicon is matched against: abbreviations spelled out."""
    out: list[str] = []
    for t in tokenize(name):
        out.extend(ABBREVIATIONS.get(t, (t,)))
    return tuple(out)


def head_index(tokens: tuple[str, ...] | list[str]) -> int:
    """Index of the head word: before the first connector ('date of hire'), else the last."""
    words = [i for i, t in enumerate(tokens) if not t.isdigit()]
    if not words:
        return len(tokens) - 1
    for i in words[1:]:
        if tokens[i] in _CONNECTORS:
            return max(j for j in words if j < i)
    return words[-1]


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """(entity, class, keyword, tokens, mode) per keyword; the first entity to claim wins."""
    out, seen = [], set()
    for entity, (cls, words) in LEXICON.items():
        for w in words:
            mode = "whole" if w.startswith("==") else "token" if w.startswith("=") else "seq"
            w = w.lstrip("=")
            toks = tuple(_raw_tokens(w))
            if not toks or toks in seen:
                continue
            seen.add(toks)
            out.append((entity, cls, w, toks, mode))
    return out


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Keyword positions in `_compiled()` by first token, and by joined text for the long
    keywords that may end a compound: a name is matched in time linear in its tokens."""
    by_first: dict[str, list[int]] = {}
    tails: dict[str, list[int]] = {}
    for k, (_entity, _cls, _word, toks, mode) in enumerate(_compiled()):
        by_first.setdefault(toks[0], []).append(k)
        joined = "".join(toks)
        if mode == "seq" and len(joined) >= 8:
            tails.setdefault(joined, []).append(k)
    return by_first, tails


def _matches(tokens: tuple[str, ...], raw: list[str]) -> dict[int, list[int]]:
    """Keyword index -> start positions in `tokens` (-1: the tail of a compound token)."""
    compiled = _compiled()
    by_first, tails = _index()
    found: dict[int, list[int]] = {}
    for i, t in enumerate(tokens):
        for k in by_first.get(t, ()):
            toks, mode = compiled[k][3], compiled[k][4]
            if mode == "whole":
                if i == 0 and tokens == toks:
                    found.setdefault(k, []).append(0)
            elif tokens[i : i + len(toks)] == toks:
                found.setdefault(k, []).append(i)
    for t in raw:
        for cut in range(4, len(t) - 7):
            for k in tails.get(t[cut:], ()):
                found.setdefault(k, [-1])
    return found


def _weight(entity: str, toks: tuple[str, ...], keyword: str) -> float:
    length = len("".join(toks))
    weight = 0.9 if length >= 8 else 0.8 if length >= 5 else 0.7
    if entity in ("PERSON", "DATE", "LOCATION", "OCCUPATION", "NATIONALITY", "ORG") \
            and length < 6:
        weight = 0.6  # "name", "city", "date", "job" and friends are often about things
    if entity == "PERSON_ID" and len(toks) == 1:
        weight = 0.6  # a bare role noun ("customer") says less than "customer id"
    if keyword in _NAME_PARTS:
        weight = 0.8  # a header that is only "FIRST" or "MAIDEN" names a name part
    if toks and toks[0] in AMBIGUOUS_ROLES and entity != "PERSON":
        weight = min(weight, 0.5)  # "provider", "owner": as often an organisation
    return weight


_QUESTION_WORDS = frozenset({"what", "how", "do", "does", "did", "have", "has", "are", "is",
                             "will", "would", "which", "who", "when", "where", "why", "were",
                             "was", "can", "could", "should", "please", "quel", "quelle",
                             "combien", "wie", "welche", "cual", "cuanto"})


def is_question(name: str) -> bool:
    """A survey question used as a header ('Do you ever smoke cigarettes?')."""
    tokens = match_tokens(name)
    return name.rstrip().endswith("?") or (len(tokens) >= 4 and tokens[0] in _QUESTION_WORDS)


@lru_cache(maxsize=8192)
def header_hits(name: str) -> tuple[HeaderHit, ...]:
    """All lexicon keywords found in `name`, the best first (head word, then longest).

    In a survey question the head word is rarely the subject ("... earn last year?") and
    time words frame the question rather than ask for a date: there, date words other than
    birth are left out and the longest keyword wins.
    """
    tokens = match_tokens(name)
    if not tokens:
        return ()
    question = is_question(name)
    head = -1 if question else head_index(tokens)
    raw = _raw_tokens(name)
    compiled = _compiled()
    found: dict[str, tuple[tuple, HeaderHit]] = {}
    for k, starts in sorted(_matches(tokens, raw).items()):
        entity, cls, word, toks, _mode = compiled[k]
        if question and entity == "DATE":
            continue
        # a compound's tail ("kundengeburtsdatum") is its head word
        covers = any(s < 0 or s <= head < s + len(toks) for s in starts)
        length = len("".join(toks))
        hit = HeaderHit(entity, cls, word, _weight(entity, toks, word), covers)
        # in a question the most sensitive subject wins ("... household earn ...?": income)
        rank = ((cls == "sensitive", length, hit.weight) if question
                else (covers, length, hit.weight))
        prev = found.get(entity)
        if prev is None or rank > prev[0]:
            found[entity] = (rank, hit)
    ranked = sorted(found.values(), key=lambda p: p[0], reverse=True)
    return tuple(h for _, h in ranked)


def qualifiers(name: str, hit: HeaderHit | None = None) -> frozenset[str]:
    """Thing words in the name, beside the keyword's own tokens."""
    tokens = set(match_tokens(name)) | {t for t in tokenize(name) if t not in ABBREVIATIONS}
    if hit is not None:
        tokens -= set(_raw_tokens(hit.keyword))
    return frozenset(tokens & NOT_PERSON_QUALIFIERS)


def about_thing(name: str) -> bool:
    """True when the name qualifies an id/name as a thing's: 'product_code', 'order no'."""
    return bool(qualifiers(name))


def is_generic_id(name: str) -> bool:
    """True for bare record keys: 'id', 'ID', 'record_id', 'key', '#'."""
    tokens = tokenize(name)
    return not tokens or all(t in _GENERIC_ID for t in tokens)


def has_id_token(name: str) -> bool:
    """True when the name says it holds keys or codes: 'playerID', 'id.bioguide', 'ref_no'."""
    return bool(set(match_tokens(name)) & ID_TOKENS)


def has_any(name: str, words: frozenset[str]) -> bool:
    """True when any token of the name (raw or spelled out) is in `words`."""
    return bool((set(match_tokens(name)) | set(tokenize(name))) & words)


# Readings a thing-qualifier cancels ("product name", "order id"; "company phone" stays phone).
_THING_VETOED = frozenset({
    "PERSON", "PERSON_ID", "MEDICAL_RECORD_NUMBER", "ACCOUNT_NUMBER", "DATE", "AGE",
    "USERNAME", "NATIONAL_ID", "OCCUPATION", "EDUCATION", "STREET_ADDRESS", "LOCATION",
    "NATIONALITY", "URL", "DEVICE_ID", "GENDER", "INCOME", "MARITAL_STATUS", "TITLE",
    "PHYSICAL", "HOUSEHOLD", "VITAL_STATUS", "ETHNICITY", "DATE_OF_BIRTH", "PHOTO",
})
# Qualifiers that are events of a person (a rental's date is the customer's): they only veto
# the readings that make a column a person's name or key.
_PERSON_EVENTS = frozenset({
    "order", "orders", "invoice", "transaction", "txn", "payment", "rental", "encounter",
    "claim", "visit", "ticket", "session", "request", "event", "trip", "booking",
})
_EVENT_VETOED = frozenset({"PERSON", "PERSON_ID", "MEDICAL_RECORD_NUMBER", "ACCOUNT_NUMBER",
                           "USERNAME", "NATIONAL_ID", "DEVICE_ID", "PHOTO"})
_PLACE_ENTITIES = frozenset({"LOCATION", "NATIONALITY", "ZIP", "STREET_ADDRESS"})
_PLACE_WORDS = frozenset({"region", "country", "city", "location", "street", "district",
                          "site", "address", "station"})
# Qualifiers that are themselves about health ("drug_ndc", "lab_loinc"): no veto of HEALTH.
_HEALTH_THINGS = frozenset({"drug", "medication", "lab", "test", "encounter", "visit", "claim",
                            "hospital", "clinic", "payer", "plan", "policy", "study", "trial",
                            "sample", "event", "report", "record", "procedure", "type"})


def vetoed(name: str, hit: HeaderHit) -> bool:
    """Does a qualifier in `name` cancel the person-level reading `hit`?"""
    quals = qualifiers(name, hit)
    if hit.entity in _PLACE_ENTITIES:
        quals -= _PLACE_WORDS  # "Location (Census Region)" is a place twice over
    if not quals:
        return False
    if hit.entity == "HEALTH":
        return bool(quals - _HEALTH_THINGS - _PERSON_EVENTS)
    things = quals - _PERSON_EVENTS
    if things and hit.entity in _THING_VETOED:
        return True
    return bool(quals & _PERSON_EVENTS) and hit.entity in _EVENT_VETOED


def best_hit(name: str) -> HeaderHit | None:
    """The best keyword, after thing-qualifiers veto person-level readings."""
    for h in header_hits(name):
        if not vetoed(name, h):
            return h
    return None


def usable_hits(name: str) -> tuple[HeaderHit, ...]:
    """Every hit a qualifier does not veto, best first."""
    return tuple(h for h in header_hits(name) if not vetoed(name, h))
