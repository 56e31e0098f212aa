"""Cheap vectorized content signals over a column's sampled values.

Each matcher takes the sampled values as a pandas Series of stripped strings and returns a
boolean array: does the WHOLE value look like this entity? These run on every column before
presidio (which then only confirms the candidates they let through), so they are regexes and
set lookups, vectorized with pandas' string methods.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from privsynth.detect import vocab
from privsynth.detect.header import normalize

EMAIL = r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+"
URL = r"(?:https?://|www\.)[^\s]+"
IPV4 = r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
IPV6 = r"(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
MAC = r"(?:[0-9A-Fa-f]{2}[:\-]){5}[0-9A-Fa-f]{2}"
UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
SSN = r"(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}"
CARD = r"(?:\d[ \-]?){12,18}\d"
IBAN = r"[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}"
PHONE = r"(?:\+|00)?[\d()][\d\s().\-/]{5,22}\d(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
MRN = r"(?:MRN|MR|PID|PAT|PT|MED)[\-:# ]?\d{4,12}"
# Postcodes whose shape alone is telling (the bare 5-digit ZIP is not: it needs the header).
POSTCODE_DISTINCT = (
    r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"  # UK
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada
    r"|\d{4}\s?[A-Z]{2}"  # Netherlands
    r"|\d{5}-\d{3}"  # Brazil CEP
    r"|〒?\d{3}-\d{4}"  # Japan
    r"|\d{5}-\d{4}"  # US ZIP+4
)
POSTCODE_NUMERIC = r"\d{3,6}|\d{2}-\d{3}"
DATE = (
    r"\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?Z?"
    r"|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\.?\s+[A-Za-zéûä]{3,10}\.?,?\s+\d{2,4}"
    r"|[A-Za-z]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}年\d{1,2}月\d{1,2}日"
)
AGE_BAND = r"\d{1,3}\s*(?:-|–|to|bis|a)\s*\d{1,3}(?:\s*(?:years|yrs|y|jahre|ans|anos|anni))?|\d{1,3}\+|[<>]=?\s*\d{1,3}"
JP_ADDRESS = r".*[都道府県].*[市区町村郡].*\d.*"


class Values:
    """The sampled values of one column as plain strings, with a lazily normalized copy.

    Matchers loop over at most a few thousand strings: plain Python with compiled regexes is
    faster here than pandas' string methods, whose per-call overhead dominates.
    """

    def __init__(self, raw: list[str]) -> None:
        self.raw = raw
        self._norm: list[str] | None = None

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def norm(self) -> list[str]:
        if self._norm is None:
            self._norm = [normalize(v).strip().rstrip(".") for v in self.raw]
        return self._norm


def _mask(it, n: int) -> np.ndarray:
    return np.fromiter(it, dtype=bool, count=n)


def _full(pattern: str, flags: int = 0) -> Callable[[Values], np.ndarray]:
    rx = re.compile(pattern, flags)

    def match(v: Values) -> np.ndarray:
        fm = rx.fullmatch
        return _mask((fm(x) is not None for x in v.raw), len(v))

    return match


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN."""
    s = value.replace(" ", "").upper()
    s = s[4:] + s[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1
    except ValueError:
        return False


_CARD_RX = re.compile(CARD)
_IBAN_RX = re.compile(IBAN)
_PHONE_RX = re.compile(PHONE, re.I)
_FORMATTED = re.compile(r"^\+|^00|\(|\d[\s.\-/]\d")
_DATE_RX = re.compile(DATE, re.I)
_DECIMAL = re.compile(r"\d+\.\d+")
_JP_RX = re.compile(JP_ADDRESS)
_NAME_SHAPE = re.compile(r"[^\W\d_][^\d@/:;=#]{0,60}")


def _cards(v: Values) -> np.ndarray:
    def ok(x: str) -> bool:
        if _CARD_RX.fullmatch(x) is None:
            return False
        d = x.replace(" ", "").replace("-", "")
        return d[0] in "23456" and luhn_ok(d)

    return _mask((ok(x) for x in v.raw), len(v))


def _ibans(v: Values) -> np.ndarray:
    return _mask((_IBAN_RX.fullmatch(x) is not None and iban_ok(x) for x in v.raw), len(v))


def _phones(v: Values) -> np.ndarray:
    def ok(x: str) -> bool:
        if _PHONE_RX.fullmatch(x) is None or _FORMATTED.search(x) is None:
            return False
        nd = sum(ch.isdigit() for ch in x)
        # A separator, a parenthesis or a leading + tells a phone from a plain number or id.
        return 7 <= nd <= 15 and _DATE_RX.fullmatch(x) is None and _DECIMAL.fullmatch(x) is None

    return _mask((ok(x) for x in v.raw), len(v))


def _isin(values: list[str], words: frozenset[str]) -> np.ndarray:
    return _mask((x in words for x in values), len(values))


def _in_set(words: Callable[[], frozenset[str]]) -> Callable[[Values], np.ndarray]:
    def match(v: Values) -> np.ndarray:
        return _isin(v.norm, words())

    return match


@lru_cache(maxsize=1)
def _street_rx() -> re.Pattern:
    words = sorted((re.escape(w) for w in vocab.street_words() if len(w) >= 2), key=len,
                   reverse=True)
    alt = "|".join(words)
    return re.compile(
        rf"(?:^|.*\s)\d+[a-z]?,?\s+(?:[\w'\-]+\s+){{0,5}}(?:{alt})\b.*"  # 12 Main Street
        rf"|(?:^|.*\s)(?:{alt})\s+(?:[\w'\-]+\s+){{0,6}}\d+.*"  # Calle Mayor 12, rue X 3
        rf"|.*\w(?:strasse|str\.|weg|gasse|platz|allee|straat|laan|plein|gracht|kade)\s+\d+.*",
        re.I,
    )


def _streets(v: Values) -> np.ndarray:
    rx = _street_rx()

    def ok(raw: str, norm: str) -> bool:
        if not any(ch.isdigit() for ch in raw):
            return False
        return rx.fullmatch(norm) is not None or _JP_RX.fullmatch(raw) is not None

    return _mask((ok(r, n) for r, n in zip(v.raw, v.norm, strict=True)), len(v))


def _name_shaped(x: str) -> bool:
    return _NAME_SHAPE.fullmatch(x) is not None and x.count(" ") <= 4


def name_like(values: pd.Series | Values) -> np.ndarray:
    """Values shaped like a person's name: 1-5 alphabetic words, no digits."""
    v = values if isinstance(values, Values) else Values([str(x) for x in values])
    return _mask((_name_shaped(x) for x in v.raw), len(v))


def _persons(v: Values) -> np.ndarray:
    """Name-shaped, and at least one word is a known first or last name (not a stop word)."""
    known = vocab.first_names() | vocab.last_names()
    stop = vocab.NAME_STOPWORDS | vocab.GENDER | vocab.ETHNICITY

    def ok(raw: str, norm: str) -> bool:
        if norm in stop or not _name_shaped(raw):
            return False
        return any(t in known for t in norm.replace(",", " ").split())

    return _mask((ok(r, n) for r, n in zip(v.raw, v.norm, strict=True)), len(v))


def _locations(v: Values) -> np.ndarray:
    places = vocab.places()
    # "Springfield, IL" or "Lyon (69)" still count: look at the part before a comma/bracket.
    return _mask((x in places or re.split(r"[,(]", x)[0].strip() in places for x in v.norm),
                 len(v))


def _countries(v: Values) -> np.ndarray:
    return _isin(v.norm, vocab.countries() | vocab.nationalities())


def _ips(v: Values) -> np.ndarray:
    return _full(IPV4)(v) | _full(IPV6)(v)


# entity -> matcher. Order matters only for evidence listing.
MATCHERS: dict[str, Callable[[pd.Series], np.ndarray]] = {
    "EMAIL_ADDRESS": _full(EMAIL),
    "URL": _full(URL, re.I),
    "IP_ADDRESS": _ips,
    "MAC_ADDRESS": _full(MAC),
    "UUID": _full(UUID),
    "US_SSN": _full(SSN),
    "CREDIT_CARD": _cards,
    "IBAN_CODE": _ibans,
    "PHONE_NUMBER": _phones,
    "MEDICAL_RECORD_NUMBER": _full(MRN, re.I),
    "POSTCODE": _full(POSTCODE_DISTINCT),
    "POSTCODE_NUMERIC": _full(POSTCODE_NUMERIC),
    "DATE": _full(DATE, re.I),
    "AGE_BAND": _full(AGE_BAND, re.I),
    "STREET_ADDRESS": _streets,
    "PERSON": _persons,
    "LOCATION": _locations,
    "COUNTRY": _countries,
    "GENDER": _in_set(lambda: vocab.GENDER),
    "GENDER_FILLER": _in_set(lambda: vocab.GENDER_FILLER),
    "ETHNICITY": _in_set(lambda: vocab.ETHNICITY),
    "MARITAL_STATUS": _in_set(lambda: vocab.MARITAL),
    "RELIGION": _in_set(lambda: vocab.RELIGION),
    "EDUCATION": _in_set(lambda: vocab.EDUCATION),
    "BLOOD_TYPE": _in_set(lambda: vocab.BLOOD_TYPES),
    "SEXUAL_ORIENTATION": _in_set(lambda: vocab.SEXUAL_ORIENTATION),
    "OCCUPATION": _in_set(vocab.jobs),
}

# Entities whose shape alone is enough (with checksums where they have one).
STRUCTURED = ("EMAIL_ADDRESS", "URL", "IP_ADDRESS", "MAC_ADDRESS", "US_SSN", "CREDIT_CARD",
              "IBAN_CODE", "PHONE_NUMBER", "MEDICAL_RECORD_NUMBER", "STREET_ADDRESS")


def content_shares(values: pd.Series, entities: tuple[str, ...] | None = None) -> dict[str, float]:
    """Share of `values` (stripped strings) each matcher accepts; zero shares left out.

    Matchers run once per distinct value; shares are weighted by how often each occurs.
    """
    if len(values) == 0:
        return {}
    uniq, counts = np.unique(np.asarray(values, dtype=object).astype(str), return_counts=True)
    v = Values(list(uniq))
    weights = counts / counts.sum()
    wanted = set(MATCHERS) if entities is None else set(entities)
    wanted &= _relevant(v.raw)
    out = {}
    for entity, match in MATCHERS.items():
        if entity not in wanted:
            continue
        share = float(weights[match(v)].sum())
        if share > 0:
            out[entity] = share
    return out


_DIGIT_MATCHERS = {"URL", "IP_ADDRESS", "MAC_ADDRESS", "UUID", "US_SSN", "CREDIT_CARD",
                   "IBAN_CODE", "PHONE_NUMBER", "MEDICAL_RECORD_NUMBER", "POSTCODE",
                   "POSTCODE_NUMERIC", "DATE", "AGE_BAND", "STREET_ADDRESS"}
_WORD_MATCHERS = {"URL", "PERSON", "LOCATION", "COUNTRY", "GENDER", "GENDER_FILLER", "ETHNICITY",
                  "MARITAL_STATUS", "RELIGION", "EDUCATION", "BLOOD_TYPE", "SEXUAL_ORIENTATION",
                  "OCCUPATION", "DATE", "POSTCODE"}


def _relevant(values: list[str]) -> set[str]:
    """Matchers worth running: one cheap look at the sample rules most of them out."""
    text = "\n".join(values[:300])
    n_digit = sum(ch.isdigit() for ch in text)
    n_alpha = sum(ch.isalpha() for ch in text)
    out: set[str] = set()
    if n_digit:
        out |= _DIGIT_MATCHERS
    if n_alpha:
        out |= _WORD_MATCHERS
    if "@" in text:
        out.add("EMAIL_ADDRESS")
    if not n_digit:
        out -= {"DATE", "POSTCODE"}
    if not n_alpha:  # digits and punctuation only
        out -= {"URL", "IBAN_CODE", "MEDICAL_RECORD_NUMBER", "STREET_ADDRESS"}
    return out


def matches(entity: str, values: pd.Series) -> np.ndarray:
    """The boolean mask of one matcher over `values`."""
    return MATCHERS[entity](Values([str(x) for x in values]))
