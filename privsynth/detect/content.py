"""Cheap vectorized content signals over a column's sampled values.

Each matcher takes the sampled values as a pandas Series of stripped strings and returns a
boolean array: does the WHOLE value look like this entity? These run on every column before
presidio (which then only confirms the candidates they let through), so they are regexes and
set lookups, vectorized with pandas' string methods.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from privsynth.detect import medical, vocab
from privsynth.detect.header import normalize

EMAIL = r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+"
URL = r"(?:https?://|www\.)[^\s]+"
IPV4 = r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
IPV6 = r"(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
MAC = r"(?:[0-9A-Fa-f]{2}[:\-]){5}[0-9A-Fa-f]{2}"
UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
SSN = r"(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}"
CARD = r"(?:\d[ \-]?){11,18}\d"
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
    # ISO 8601 and friends, with optional time, fraction, Z / UTC offset
    r"\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"
    r"(?:\s?Z|\s?[+\-]\d{2}(?::?\d{2})?|\s?UTC|\s?GMT)?"
    r"|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
    r"|\d{1,2}\.?\s+[A-Za-zéûä]{3,10}\.?,?\s+\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+[+\-]\d{4})?)?"
    r"|(?:[A-Za-z]{3},\s+)?[A-Za-z]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}年\d{1,2}月\d{1,2}日"
    # web-server common log format, whole or split on whitespace: [29/Nov/2017:06:58:55 +0000]
    r"|\[?\d{1,2}/[A-Za-z]{3}/\d{4}(?::\d{2}:\d{2}:\d{2})?(?:\s+[+\-]\d{4})?\]?"
    # syslog: Nov 29 06:58:55
    r"|[A-Za-z]{3}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}"
)
# Parts of a timestamp a log or a form splits into columns.
TIME_OF_DAY = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
TZ_OFFSET = r"\[?[+\-]\d{2}:?\d{2}\]?|UTC|GMT|Z"
# Amounts of money written with a currency: "$4,000 ", "€ 12,50", "1.200 EUR", "$56.7M".
_AMOUNT = (r"[-+]?[$€£¥₹]\s?\d[\d,.' ]*(?:[KkMmBb]n?)?"
           r"|[-+]?\d[\d,.' ]*\s?(?:[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD|BRL|INR|dollars?|euros?)")
# ...and bands of them, as surveys ask: "$25,000 to $49,999", "$200,000 and up".
MONEY = (rf"(?:{_AMOUNT})(?:\s*(?:to|-|–|and)\s*(?:{_AMOUNT}|up|over|above|more))?"
         rf"|(?:under|over|less than|more than|above|below)\s+(?:{_AMOUNT})")
# Browser and client identification strings.
USER_AGENT = (r"(?:Mozilla|Opera|curl|Wget|python-requests|python-urllib|Java|Dalvik|okhttp"
              r"|Go-http-client|libwww-perl|Apache-HttpClient|PostmanRuntime|[\w\-]*[Bb]ot"
              r"|[\w\-]*[Ss]pider|[\w\-]*[Cc]rawler|[\w\-]+Parser)(?:/|\s|;|$).*"
              r"|.*\((?:Windows NT|Macintosh|X11|Linux|Android|iPhone|iPad|compatible)[^)]*\).*")
AGE_BAND = r"\d{1,3}\s*(?:-|–|to|bis|a)\s*\d{1,3}(?:\s*(?:years|yrs|y|jahre|ans|anos|anni))?|\d{1,3}\+|[<>]=?\s*\d{1,3}"
JP_ADDRESS = r".*[都道府県].*[市区町村郡].*\d.*"


class Values:
    """The sampled values of one column as plain strings, with a lazily normalized copy.

    Matchers loop over at most a few thousand strings: plain Python with compiled regexes is
    faster here than pandas' string methods, whose per-call overhead dominates.
    """

    def __init__(self, raw: list[str]) -> None:
        self.raw = [x.replace("\n", " ") for x in raw]
        self._norm: list[str] | None = None
        self._joined: dict[bool, tuple[str, np.ndarray]] = {}

    def joined(self, norm: bool = False) -> tuple[str, np.ndarray]:
        """All values on one line each, and where each line starts (for one-call regexes)."""
        if norm not in self._joined:
            vals = self.norm if norm else self.raw
            lengths = np.fromiter((len(x) + 1 for x in vals), dtype=np.int64, count=len(vals))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
            self._joined[norm] = ("\n".join(vals), starts)
        return self._joined[norm]

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def norm(self) -> list[str]:
        if self._norm is None:
            self._norm = [normalize(v).strip().rstrip(".") for v in self.raw]
        return self._norm


def _mask(it, n: int) -> np.ndarray:
    return np.fromiter(it, dtype=bool, count=n)


def _lines(pattern: str, flags: int = 0) -> re.Pattern:
    """`pattern` anchored to whole lines, its whitespace kept from crossing a line break."""
    inner = re.sub(r"\[(?:\\.|[^\]\\])*\]",
                   lambda m: m.group().replace(r"\s", r" \t\xa0"), pattern)
    return re.compile(r"^(?:" + inner.replace(r"\s", r"[ \t\xa0]") + r")$", flags | re.M)


def _line_mask(rx: re.Pattern, v: Values, norm: bool = False) -> np.ndarray:
    """Which values `rx` (from `_lines`) matches in full: one regex call for the whole sample."""
    text, starts = v.joined(norm)
    mask = np.zeros(len(v), dtype=bool)
    hits = [m.start() for m in rx.finditer(text)]
    if hits:
        mask[np.searchsorted(starts, np.asarray(hits), side="right") - 1] = True
    return mask


def _full(pattern: str, flags: int = 0) -> Callable[[Values], np.ndarray]:
    rx = _lines(pattern, flags)

    def match(v: Values) -> np.ndarray:
        return _line_mask(rx, v)

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


_CARD_LINES = _lines(CARD)
_IBAN_LINES = _lines(IBAN)
_PHONE_LINES = _lines(PHONE, re.I)
_NAME_LINES = _lines(r"[^\W\d_][^\d@/:;=#\n]{0,60}")
_FORMATTED = re.compile(r"^\+|^00|\(|\d[\s.\-/]\d")
_DATE_RX = re.compile(DATE, re.I)
_DECIMAL = re.compile(r"\d+\.\d+")


def _refine(mask: np.ndarray, v: Values, ok: Callable[[str], bool]) -> np.ndarray:
    """Apply a Python check only to the values a one-call regex let through."""
    for i in np.flatnonzero(mask):
        mask[i] = ok(v.raw[i])
    return mask


def _card_ok(x: str) -> bool:
    d = x.replace(" ", "").replace("-", "")
    return d[0] in "123456" and luhn_ok(d)


def _cards(v: Values) -> np.ndarray:
    return _refine(_line_mask(_CARD_LINES, v), v, _card_ok)


def _ibans(v: Values) -> np.ndarray:
    return _refine(_line_mask(_IBAN_LINES, v), v, iban_ok)


_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?")


def _phone_ok(x: str) -> bool:
    # A separator, a parenthesis or a leading + tells a phone from a plain number or id.
    if _FORMATTED.search(x) is None or _IPV4_LIKE.fullmatch(x):
        return False  # 10.251.43.210 is an address, not a phone
    nd = sum(ch.isdigit() for ch in x)
    return 7 <= nd <= 15 and _DATE_RX.fullmatch(x) is None and _DECIMAL.fullmatch(x) is None


def _phones(v: Values) -> np.ndarray:
    return _refine(_line_mask(_PHONE_LINES, v), v, _phone_ok)


# Regions tried, in order, for a phone number written without a country code.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "PT", "JP", "CA", "AU", "CH",
                 "AT", "BE", "IE", "MX", "IN")


def phone_possible(value: str) -> bool:
    """libphonenumber's length/prefix check under the first region that accepts the number."""
    import phonenumbers

    regions = (None,) if value.startswith("+") else PHONE_REGIONS
    for region in regions:
        try:
            if phonenumbers.is_possible_number(phonenumbers.parse(value, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


# Not inside a longer token: "/10.251.43.210:50010", "blk_-1608999687919862906" are no phones.
_PHONE_SEARCH = re.compile(r"(?<![\w\-./:=])" + PHONE + r"(?![\w\-:/]|\.\d)", re.I)


def phones_in_text(text: str) -> bool:
    """Does free `text` contain a formatted phone number?"""
    for m in _PHONE_SEARCH.finditer(text):
        x = m.group()
        if _FORMATTED.search(x) and 7 <= sum(c.isdigit() for c in x) <= 15 \
                and _DATE_RX.fullmatch(x) is None and not _IPV4_LIKE.fullmatch(x) \
                and phone_possible(x):
            return True
    return False


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
    return _lines(
        rf"(?:|.*\s)\d+[a-z]?,?\s+(?:[\w'\-]+\s+){{0,5}}(?:{alt})\b.*"  # 12 Main Street
        rf"|(?:|.*\s)(?:{alt})\s+(?:[\w'\-]+,?\s+){{0,6}}\d+.*"  # Calle Mayor 12, rue X 3
        rf"|.*\w(?:strasse|str\.|weg|gasse|platz|allee|straat|laan|plein|gracht|kade)\s+\d+.*",
        re.I,
    )


_JP_LINES = _lines(JP_ADDRESS)


def _streets(v: Values) -> np.ndarray:
    found = _line_mask(_street_rx(), v, norm=True) | _line_mask(_JP_LINES, v)
    return _refine(found, v, lambda x: _DIGITS.search(x) is not None)


def name_like(values: pd.Series | Values) -> np.ndarray:
    """Values shaped like a person's name: 1-5 alphabetic words, no digits."""
    v = values if isinstance(values, Values) else Values([str(x) for x in values])
    return _refine(_line_mask(_NAME_LINES, v), v, _few_words)


_LIST_SEP = re.compile(r"\s*(?:,|/|&|;|\band\b)\s*")


def _few_words(x: str) -> bool:
    """One name (1-5 words), or a short list of them ('Angus Young, Malcolm Young')."""
    if x.count(" ") <= 4:
        return True
    parts = [p for p in _LIST_SEP.split(x) if p]
    return 1 < len(parts) <= 6 and all(p.count(" ") <= 4 for p in parts)


def _persons(v: Values) -> np.ndarray:
    """Name-shaped, and at least one word is a known first or last name (not a stop word)."""
    known, stop = vocab.known_names(), vocab.person_stop()
    mask = name_like(v)
    for i in np.flatnonzero(mask):
        norm = v.norm[i]
        mask[i] = norm not in stop and any(t in known for t in norm.replace(",", " ").split())
    return mask


def _locations(v: Values) -> np.ndarray:
    places = vocab.places()
    # "Springfield, IL" or "Lyon (69)" still count: look at the part before a comma/bracket.
    return _mask((x in places or re.split(r"[,(]", x)[0].strip() in places for x in v.norm),
                 len(v))


def _countries(v: Values) -> np.ndarray:
    return _isin(v.norm, vocab.country_words())


def _ips(v: Values) -> np.ndarray:
    return _full(IPV4)(v) | _full(IPV6)(v)


_PRIVATE_V4 = re.compile(r"(?:10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|127\.|169\.254\.)")


def private_ip(value: str) -> bool:
    """An address of a private, loopback or link-local network (10.x, 192.168.x, fe80::)."""
    v = value.strip("[]/ ").lower()
    return bool(_PRIVATE_V4.match(v)) or v.startswith(("fe80:", "fc", "fd", "::1"))


_SUFFIXED_NAME = _lines(r"[A-Z][a-z][A-Za-z'\-]*\d{1,4}(?:\s+[A-Z][a-z][A-Za-z'\-]*\d{1,4}){0,3}")
_NAME_SUFFIX = re.compile(r"(?<=[^\W\d_])\d{1,4}\b")


def strip_name_digits(values: list[str]) -> list[str]:
    """'Marcell728 Klein929' -> 'Marcell Klein': names some generators make unique."""
    return [_NAME_SUFFIX.sub("", x) for x in values]


def _suffixed_names(v: Values) -> np.ndarray:
    """Capitalised words each ending in 1-4 digits ('Alice368', 'Johna806 Klein929')."""
    return _line_mask(_SUFFIXED_NAME, v)


_ID_CODE = _lines(r"[A-Za-z0-9][A-Za-z0-9_\-:/.#+]{2,63}")


def _id_codes(v: Values) -> np.ndarray:
    """One token of letters and digits with at least one digit: 'S99962701', 'kg:/m/01x68t'."""
    return _refine(_line_mask(_ID_CODE, v), v, lambda x: _DIGITS.search(x) is not None)


_CODE_SHAPE = _lines(r"[A-Z]?\d[\d.\-A-Z]{2,20}")


def _medical_codes(v: Values) -> np.ndarray:
    return _refine(_line_mask(_CODE_SHAPE, v), v, lambda x: medical.code_kind(x) is not None)


def _medical_text(v: Values) -> np.ndarray:
    return medical.medical_text_mask(v.raw)


_POLITICAL_RX = re.compile(
    r"\b(?:pac|committee|victory fund|for (?:president|congress|senate|governor|america|"
    r"mayor|assembly|house)|democratic|republican|democrats?|gop|dnc|rnc|dscc|dccc|nrcc|nrsc|"
    r"actblue|winred|libertarian|socialist|labour|conservative party|liberal party|green party|"
    r"campaign|caucus)\b", re.I)


def _political(v: Values) -> np.ndarray:
    words = vocab.PARTY_WORDS
    return _mask((x in words or _POLITICAL_RX.search(x) is not None for x in v.norm), len(v))


def _occupation_words(v: Values) -> np.ndarray:
    words = vocab.JOB_WORDS
    return _mask((not words.isdisjoint(re.findall(r"[a-z]+", x)) for x in v.norm), len(v))


def placeholder(values: list[str]) -> np.ndarray:
    """Values that stand for 'nothing': '-', 'n/a', 'null', '?', ''."""
    return _isin([normalize(x).strip() for x in values], vocab.PLACEHOLDERS)


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
    "STATUS": _in_set(lambda: vocab.STATUS_WORDS),
    "ORGANIZATION": lambda v: _mask((not vocab.ORG_WORDS.isdisjoint(x.replace(",", " ").split())
                                     for x in v.norm), len(v)),
    "SUFFIXED_NAME": _suffixed_names,
    "ID_CODE": _id_codes,
    "TIME_OF_DAY": _full(TIME_OF_DAY, re.I),
    "TZ_OFFSET": _full(TZ_OFFSET),
    "MONTH_NAME": _in_set(lambda: vocab.MONTHS),
    "WEEKDAY": _in_set(lambda: vocab.WEEKDAYS),
    "MEAL_TIME": _in_set(lambda: vocab.DAY_PARTS),
    "MONEY": _full(MONEY, re.I),
    "USER_AGENT": _full(USER_AGENT),
    "MEDICAL_CODE": _medical_codes,
    "MEDICAL_TEXT": _medical_text,
    "ENCOUNTER_CLASS": _in_set(lambda: medical.ENCOUNTER_CLASSES),
    "CLINICAL_ATTR": _in_set(lambda: medical.CLINICAL_ATTRIBUTES),
    "POLITICAL": _political,
    "TITLE": _in_set(lambda: vocab.TITLES),
    "OCCUPATION_WORD": _occupation_words,
    "PLACEHOLDER": _in_set(lambda: vocab.PLACEHOLDERS),
    "YES_NO": _in_set(lambda: vocab.YES_NO),
}

# Entities whose shape alone is enough (with checksums where they have one).
STRUCTURED = ("EMAIL_ADDRESS", "URL", "IP_ADDRESS", "MAC_ADDRESS", "US_SSN", "CREDIT_CARD",
              "IBAN_CODE", "PHONE_NUMBER", "MEDICAL_RECORD_NUMBER", "STREET_ADDRESS")


MATCH_CAP = 200  # distinct values (most frequent first) the matchers look at


def content_shares(values: pd.Series, entities: tuple[str, ...] | None = None,
                   candidates: dict[str, list[str]] | None = None) -> dict[str, float]:
    """Share of `values` (stripped strings) each matcher accepts; zero shares left out.

    Matchers run once per distinct value (the `MATCH_CAP` most frequent); shares are weighted
    by how often each occurs. If `candidates` is given, the distinct values each matcher
    accepted are put there (for presidio to confirm without matching again).
    """
    if len(values) == 0:
        return {}
    common = Counter(str(x) for x in values).most_common(MATCH_CAP)
    v = Values([x for x, _ in common])
    counts = np.array([c for _, c in common], dtype=float)
    weights = counts / counts.sum()
    wanted = set(MATCHERS) if entities is None else set(entities)
    wanted &= _relevant(v.raw)
    out = {}
    for entity, match in MATCHERS.items():
        if entity not in wanted:
            continue
        mask = match(v)
        share = float(weights[mask].sum())
        if share > 0:
            out[entity] = share
            if candidates is not None:
                candidates[entity] = [v.raw[i] for i in np.flatnonzero(mask)]
    return out


_DIGIT_MATCHERS = {"URL", "IP_ADDRESS", "MAC_ADDRESS", "UUID", "US_SSN", "CREDIT_CARD",
                   "IBAN_CODE", "PHONE_NUMBER", "MEDICAL_RECORD_NUMBER", "POSTCODE",
                   "POSTCODE_NUMERIC", "DATE", "AGE_BAND", "STREET_ADDRESS", "SUFFIXED_NAME",
                   "ID_CODE", "TIME_OF_DAY", "TZ_OFFSET", "MONEY", "MEDICAL_CODE",
                   "MEDICAL_TEXT"}
_WORD_MATCHERS = {"URL", "PERSON", "LOCATION", "COUNTRY", "GENDER", "GENDER_FILLER", "ETHNICITY",
                  "MARITAL_STATUS", "RELIGION", "EDUCATION", "BLOOD_TYPE", "SEXUAL_ORIENTATION",
                  "OCCUPATION", "DATE", "POSTCODE", "STATUS", "ORGANIZATION", "MONTH_NAME",
                  "WEEKDAY", "MEAL_TIME", "USER_AGENT", "MEDICAL_TEXT", "ENCOUNTER_CLASS",
                  "POLITICAL", "TITLE", "OCCUPATION_WORD", "PLACEHOLDER", "TZ_OFFSET", "ID_CODE",
                  "MEDICAL_CODE", "CLINICAL_ATTR", "YES_NO"}


_DIGITS = re.compile(r"\d")
_ALPHA = re.compile(r"[^\W\d_]")


def _relevant(values: list[str]) -> set[str]:
    """Matchers worth running: one cheap look at the sample rules most of them out."""
    text = "\n".join(values[:300])
    n_digit = len(_DIGITS.findall(text))
    n_alpha = len(_ALPHA.findall(text))
    out: set[str] = set()
    if n_digit:
        out |= _DIGIT_MATCHERS
    if n_alpha:
        out |= _WORD_MATCHERS
    if "@" in text:
        out.add("EMAIL_ADDRESS")
    out.add("PLACEHOLDER")
    if not n_digit:
        out -= {"DATE", "POSTCODE"}
    if not n_alpha:  # digits and punctuation only
        out -= {"URL", "IBAN_CODE", "MEDICAL_RECORD_NUMBER", "STREET_ADDRESS"}
    # matchers whose values always carry a telling character
    for entity, needs in _NEEDS.items():
        if entity in out and needs.search(text) is None:
            out.discard(entity)
    return out


# A character (or word) without which a matcher cannot match: checked once on the sample.
_NEEDS = {
    "TIME_OF_DAY": re.compile(r"\d:\d"),
    "TZ_OFFSET": re.compile(r"[+\-]\d{2}|UTC|GMT|^Z$", re.M),
    "MONEY": re.compile(r"[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD|BRL|INR|dollar|euro", re.I),
    "USER_AGENT": re.compile(r"[/(]"),
    "SUFFIXED_NAME": re.compile(r"[a-z]\d"),
    "MEDICAL_CODE": re.compile(r"^[A-Z]?\d[\d.\-A-Z]*$", re.M),
    "MAC_ADDRESS": re.compile(r"[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}"),
    "IP_ADDRESS": re.compile(r"\d\.\d|:[0-9A-Fa-f]*:"),
}


def matches(entity: str, values: pd.Series) -> np.ndarray:
    """The boolean mask of one matcher over `values`."""
    return MATCHERS[entity](Values([str(x) for x in values]))
