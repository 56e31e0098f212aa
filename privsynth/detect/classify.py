"""The column decision: header, content shares, type and statistics -> class, entity, confidence.

Order of trust, most to least:
1. structured content that cannot be an accident (emails, SSNs in their format, Luhn-valid
   cards, IBANs, IPs, MACs, URLs, medical codes with their check digits, user-agent strings)
   once enough sampled values match: wins over a misleading header ("code" full of emails);
2. free text with PII inside (presidio on sampled values), flagged above a share;
3. a header keyword whose content is plausible for it (an "age" holding 0-120, a "zip"
   holding postcode-shaped values, a "name" holding name-shaped words and not "Male"), tried
   in the header's order (the keyword on the head word first);
4. value vocabularies and deny-lists (sex, race, marital status, religion, parties,
   countries, cities, jobs, names, medical descriptions, encounter classes) when most values
   belong, and date-shaped values;
5. otherwise "other", with the statistics as evidence.
Decisions that need the whole table (keys of a person table, organisation rows, recodes,
places and dates only in tables about people, the fail-safe decision) are in `context.py`.
A column is never flagged on one stray hit: every content rule needs a share of the sample and
at least a few matching values. Evidence names patterns, shares and counts, never cell values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from privsynth.detect import content, medical
from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.header import HeaderHit, about_thing, has_any, usable_hits
from privsynth.detect.lexicon import BOOKKEEPING_WORDS, MACHINE_WORDS, METADATA_WORDS
from privsynth.detect.statistics import ColumnStats

DIRECT = frozenset({
    "PERSON", "USERNAME", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "NATIONAL_ID", "PASSPORT",
    "DRIVER_LICENSE", "CREDIT_CARD", "IBAN_CODE", "ACCOUNT_NUMBER", "IP_ADDRESS", "MAC_ADDRESS",
    "DEVICE_ID", "URL", "LICENSE_PLATE", "MEDICAL_RECORD_NUMBER", "PERSON_ID", "STREET_ADDRESS",
    "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "UK_NHS", "US_ITIN", "CRYPTO",
    "PHOTO", "CASE_NUMBER", "FREE_TEXT",
})
QUASI = frozenset({
    "ZIP", "DATE_OF_BIRTH", "AGE", "GENDER", "ETHNICITY", "MARITAL_STATUS", "OCCUPATION",
    "EDUCATION", "NATIONALITY", "LOCATION", "DATE", "TITLE", "ORG", "PHYSICAL",
    "VITAL_STATUS", "HOUSEHOLD", "EMPLOYMENT_STATUS", "DEVICE",
})
SENSITIVE = frozenset({
    "HEALTH", "RELIGION", "INCOME", "FINANCIAL", "SEXUAL_ORIENTATION", "POLITICAL_OPINION",
    "TRADE_UNION", "CRIMINAL_RECORD", "BIOMETRIC", "GENETIC", "EMPLOYMENT_EVALUATION",
})
# GDPR Art. 9 special categories by entity (money for health care is added in context).
SPECIAL = {
    "ETHNICITY": "race_ethnicity", "HEALTH": "health", "RELIGION": "religion",
    "POLITICAL_OPINION": "politics", "TRADE_UNION": "union", "SEXUAL_ORIENTATION": "sex_life",
    "GENETIC": "genetic", "BIOMETRIC": "biometric",
}
# Shapes that are never an accident: they beat the header.
UNMISTAKABLE = ("EMAIL_ADDRESS", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
                "MAC_ADDRESS", "URL")
# Shapes that other things share (a BR postcode looks like a phone): the header beats them.
SHAPED = ("PHONE_NUMBER", "STREET_ADDRESS", "MEDICAL_RECORD_NUMBER")
# Entities found inside free text that make it a direct identifier.
TEXT_PII = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE",
            "IP_ADDRESS", "STREET_ADDRESS", "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH", "URL")

MIN_SHARE = 0.6  # share of sampled values that must match a content rule on its own
MIN_MATCHES = 3  # ...and never fewer than this many values
TEXT_MIN_SHARE = 0.1  # free text: share of values that must contain the entity
RANGE_FITS = 0.5  # support given to a numeric column whose range fits the header's entity


def class_of(entity: str) -> ColumnClass:
    if entity in DIRECT:
        return ColumnClass.DIRECT
    if entity in QUASI:
        return ColumnClass.QUASI
    if entity in SENSITIVE:
        return ColumnClass.SENSITIVE
    return ColumnClass.OTHER


@dataclass
class ColumnSignals:
    """Everything known about one column before the decision."""

    name: str
    type: str
    stats: ColumnStats
    values: pd.Series  # sampled values, stripped strings
    shares: dict[str, float] = field(default_factory=dict)  # whole-value content matches
    text_shares: dict[str, float] = field(default_factory=dict)  # entities inside free text
    presidio: dict[str, float] = field(default_factory=dict)  # confirmation rate per entity
    # Evidence may quote the column's exact numeric range / years only when asked: they are
    # values of the private data (its youngest and oldest person).
    show_values: bool = False

    @property
    def n(self) -> int:
        return len(self.values)

    def share(self, entity: str) -> float:
        return self.shares.get(entity, 0.0)

    def enough(self, entity: str, min_share: float = MIN_SHARE) -> bool:
        s = self.share(entity)
        return s >= min_share and s * self.n >= min(MIN_MATCHES, self.n)

    @property
    def is_free_text(self) -> bool:
        if max((self.share(e) for e in UNMISTAKABLE), default=0.0) >= MIN_SHARE:
            return False  # long URLs or emails are one value each, not prose
        return self.type == "text" or (self.stats.mean_words >= 4 and self.stats.mean_length > 20)

    @property
    def is_flag(self) -> bool:
        """Boolean-like: at most two values such as 0/1, yes/no."""
        if self.stats.n_distinct > 2:
            return False
        low = set(self.values.str.lower().unique())
        return low <= {"0", "1", "true", "false", "yes", "no", "y", "n", "t", "f", "0.0", "1.0"}

    @property
    def placeholder_only(self) -> bool:
        """Every sampled value stands for 'nothing' ('-', 'n/a', blank)."""
        return self.n == 0 or self.share("PLACEHOLDER") >= 0.999

    @property
    def names(self) -> pd.Series:
        """The values, with digit suffixes of generated names removed when most have one."""
        if self.share("SUFFIXED_NAME") >= 0.5:
            return pd.Series(content.strip_name_digits(list(self.values)), dtype=object)
        return self.values


def _finding(sig: ColumnSignals, entity: str, confidence: float, evidence: list[str],
             entities: list[str] | None = None, cls: ColumnClass | None = None) -> ColumnFinding:
    cls = cls or class_of(entity)
    return ColumnFinding(
        name=sig.name, cls=cls, entity=entity,
        confidence=round(min(max(confidence, 0.0), 0.99), 2), evidence=evidence,
        type=sig.type, entities=entities or [],
        special_category=SPECIAL.get(entity) if cls != ColumnClass.OTHER else None,
    )


def _stats_evidence(sig: ColumnSignals) -> str:
    st = sig.stats
    s = f"{st.n_distinct} distinct, uniqueness {st.uniqueness:.3g}"
    if st.numeric and st.min is not None:
        s += f", range {st.min:g}..{st.max:g}" if sig.show_values else ", numeric"
    return s


# The public ranges `_plausible` checks numeric columns against: what evidence names instead
# of the column's own minimum and maximum.
_PLAUSIBLE_RANGE = {"AGE": "0..130", "ZIP": "0..999999999", "DATE": "1700..2150",
                    "DATE_OF_BIRTH": "1700..2150"}


def _range_evidence(sig: ColumnSignals, entity: str) -> str:
    st = sig.stats
    if sig.show_values:
        return f"numeric range {st.min:g}..{st.max:g} fits {entity}"
    return f"numeric values within {_PLAUSIBLE_RANGE.get(entity, 'the range')} fit {entity}"


def _years_evidence(sig: ColumnSignals, lo: int, hi: int) -> str:
    """Years of a date column: exact when asked, else by decade (the 1930s..1990s)."""
    if sig.show_values:
        return f"years {lo}..{hi}"
    return f"years in the {lo // 10 * 10}s..{hi // 10 * 10}s"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _combine(*ps: float) -> float:
    out = 1.0
    for p in ps:
        out *= 1 - max(0.0, min(p, 1.0))
    return 1 - out


def _header_ev(sig: ColumnSignals, hit: HeaderHit) -> str:
    return f"header '{sig.name}' ~ '{hit.keyword}' ({hit.entity})"


# Header entities that are numbers: at least this many digits in most values (masked cards
# such as "**** 1234" still have four).
_MIN_DIGITS = {"PHONE_NUMBER": 6, "US_SSN": 4, "CREDIT_CARD": 4, "IBAN_CODE": 8,
               "ACCOUNT_NUMBER": 4}
_EXTENSION_WORDS = ("extension", "ext", "phone ext")
# Statistics of an area or a group (R22): a place word or an aggregate word in the header.
_AREA_WORDS = frozenset({"county", "tract", "national", "nation", "area", "region", "city",
                         "district", "neighborhood", "neighbourhood", "municipality", "census",
                         "share", "pct", "percent", "percentage", "proportion", "median",
                         "mean", "avg", "average", "ratio", "capita", "population"})
_AREA_VETOED = frozenset({"INCOME", "FINANCIAL", "ETHNICITY", "EDUCATION", "AGE", "GENDER",
                          "HEALTH", "MARITAL_STATUS", "RELIGION", "OCCUPATION", "HOUSEHOLD",
                          "EMPLOYMENT_STATUS", "POLITICAL_OPINION"})
_NO_FLAGS = frozenset({"LOCATION", "ORG", "TITLE", "ZIP", "PHYSICAL"})
_SOCIAL = ("twitter", "instagram", "facebook", "youtube", "mastodon", "tiktok", "snapchat",
           "github", "reddit", "telegram", "skype", "linkedin")


def _digit_share(sig: ColumnSignals, k: int) -> float:
    if not sig.n:
        return 0.0
    return float(np.mean([sum(ch.isdigit() for ch in v) >= k for v in sig.values]))


def _is_dates(sig: ColumnSignals) -> bool:
    return sig.type == "datetime" or sig.share("DATE") >= 0.8


def _int_range(sig: ColumnSignals, lo: float, hi: float) -> bool:
    st = sig.stats
    return bool(st.numeric and st.integer and st.min is not None and st.min >= lo
                and st.max <= hi)


def _date_part_ok(sig: ColumnSignals, part: str | None) -> tuple[bool, str]:
    """Does the content fit the date part the header names? (ok, what it holds)."""
    st = sig.stats
    if part in ("year", None) and _int_range(sig, 1700, 2150) and st.n_distinct >= 1:
        return True, "year numbers"
    if part in ("month", None) and (_int_range(sig, 1, 12) or sig.share("MONTH_NAME") >= 0.8):
        return True, "month numbers or names"
    if part in ("day", None) and _int_range(sig, 1, 31):
        return True, "day-of-month numbers"
    if part in ("day", "weekday", None) and sig.share("WEEKDAY") >= 0.8:
        return True, "weekday names"
    if part in ("time", None) and (sig.share("TIME_OF_DAY") >= 0.8
                                   or sig.share("MEAL_TIME") >= 0.8):
        return True, "times of day"
    if part == "time" and _int_range(sig, 0, 23):
        return True, "hours"
    if part in ("zone", "time", None) and sig.share("TZ_OFFSET") >= 0.8:
        return True, "time-zone offsets"
    if part is None and st.digit_share >= 0.95 and 6 <= st.mean_length <= 8:
        return True, "compact date or time digits"
    return False, ""


def _plausible(entity: str, sig: ColumnSignals, hit: HeaderHit) -> tuple[bool, float, str]:
    """Is the content compatible with what the header says? (ok, content support, note)."""
    st = sig.stats
    if st.present == 0:
        return False, 0.0, ""
    if entity in DIRECT and sig.is_flag:
        return False, 0.0, ""  # "has_email" yes/no is not an email
    if entity in DIRECT and st.numeric and not st.integer:
        return False, 0.0, ""  # identifiers are never fractional numbers ("web_sales" 12.5)
    if entity in DIRECT and _is_dates(sig):
        return False, 0.0, ""  # "last_login" holds times, not user names
    if entity == "PHONE_NUMBER" and hit.keyword in _EXTENSION_WORDS:
        return _digit_share(sig, 2) >= 0.8 and st.mean_length <= 8, 0.0, "extension numbers"
    if entity in _MIN_DIGITS and _digit_share(sig, _MIN_DIGITS[entity]) < 0.5:
        return False, 0.0, ""  # a "cell" or "card" column of words is no phone or card number
    if entity in QUASI and sig.share("STATUS") >= 0.5:
        return False, 0.0, ""  # "state": open/closed, "job": running/failed
    if entity in QUASI | SENSITIVE and has_any(sig.name, METADATA_WORDS):
        return False, 0.0, ""  # "race_known": a data-quality flag, not the race
    if entity in _AREA_VETOED and has_any(sig.name, _AREA_WORDS):
        return False, 0.0, ""  # "county_income", "pct_hispanic": a statistic of an area (R22)
    if entity in _NO_FLAGS and (sig.is_flag or sig.share("YES_NO") >= 0.6):
        return False, 0.0, ""  # a yes/no answer is no place, employer or title
    if entity == "PERSON":
        return _person_plausible(sig, hit)
    if entity == "AGE":
        if st.numeric and st.min is not None:
            return st.min >= 0 and st.max <= 130, RANGE_FITS, ""
        band = sig.share("AGE_BAND")
        return band >= 0.5 or (st.n_distinct <= 20 and not sig.is_free_text), band, ""
    if entity == "ZIP":
        if st.numeric and st.min is not None:
            return st.integer and st.min >= 0 and st.max < 10**9, RANGE_FITS, ""
        s = sig.share("POSTCODE") + sig.share("POSTCODE_NUMERIC")
        return s >= 0.5 or st.mean_length <= 10, s, ""
    if entity in ("DATE", "DATE_OF_BIRTH"):
        if _is_dates(sig):
            return True, max(sig.share("DATE"), 0.8 if sig.type == "datetime" else 0.0), ""
        if hit.date_event and hit.date_part is None:
            return False, 0.0, ""  # "start", "hire": only dates make them dates
        ok, what = _date_part_ok(sig, hit.date_part)
        return ok, RANGE_FITS if ok else 0.0, what
    if entity == "GENDER":
        g = sig.share("GENDER") + sig.share("GENDER_FILLER")
        return st.n_distinct <= 12 or g >= 0.5, g, ""
    if entity == "TITLE":
        t = sig.share("TITLE")
        return t >= 0.5 or (st.n_distinct <= 30 and st.mean_length <= 12), t, ""
    if entity in ("ETHNICITY", "MARITAL_STATUS", "RELIGION", "EDUCATION", "OCCUPATION",
                  "NATIONALITY", "LOCATION", "ORG", "EMPLOYMENT_STATUS"):
        key = {"NATIONALITY": "COUNTRY", "OCCUPATION": "OCCUPATION_WORD"}.get(entity, entity)
        support = max(sig.share(key), sig.share("LOCATION") if entity == "NATIONALITY" else 0)
        if sig.is_free_text and support < 0.3:
            return False, 0.0, ""
        if entity not in ("LOCATION",) and st.numeric and not st.integer:
            return False, 0.0, ""  # category codes are integers; coordinates are places
        if entity == "ORG" and (sig.share("UUID") >= 0.5 or st.integer
                                or (st.uniqueness > 0.9 and sig.share("ID_CODE") >= 0.8)):
            return False, 0.0, ""  # keys of an organisation table (R3), not its name
        if entity == "OCCUPATION" and hit.weight < 0.7:
            # a bare "title" or "role" is as often a film's or a system's
            return support >= 0.3 and st.uniqueness <= 0.7, support, ""
        return True, support, ""
    if entity in ("HOUSEHOLD", "VITAL_STATUS", "PHYSICAL"):
        if sig.is_free_text:
            return False, 0.0, ""
        if st.numeric:
            return st.min is not None and st.min >= 0, RANGE_FITS, ""
        return st.n_distinct <= 30, 0.0, ""
    if entity in ("INCOME", "FINANCIAL"):
        money = sig.share("MONEY")
        if money >= 0.5:
            return True, money, "amounts with a currency"
        if entity == "INCOME" and not sig.is_free_text and not _is_dates(sig):
            return True, 0.0, ""  # salaries, or income bands such as ">50K"
        if not st.numeric or sig.is_flag:
            return False, 0.0, ""  # "payment": credit card / cash is a method, not money
        return st.min is not None and st.min >= -1e-9 or entity == "INCOME", RANGE_FITS, ""
    if entity in ("HEALTH", "CRIMINAL_RECORD", "EMPLOYMENT_EVALUATION", "POLITICAL_OPINION",
                  "RELIGION", "TRADE_UNION", "SEXUAL_ORIENTATION", "GENETIC", "BIOMETRIC"):
        return not _is_dates(sig), 0.0, ""  # "diagnosis_date" is a date
    if entity == "EMAIL_ADDRESS":
        return True, sig.share(entity), ""
    if entity == "PERSON_ID":
        return _person_id_plausible(sig, hit)
    if entity in ("PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "ACCOUNT_NUMBER",
                  "NATIONAL_ID", "PASSPORT", "DRIVER_LICENSE", "MEDICAL_RECORD_NUMBER",
                  "DEVICE_ID", "LICENSE_PLATE", "CASE_NUMBER"):
        # an identifier: many distinct values, or (phone/card...) the right shape
        ok = st.n_distinct >= min(10, max(2, st.present // 2)) or sig.share(entity) > 0.5
        return ok, sig.share(entity), ""
    if entity == "STREET_ADDRESS":
        return not st.numeric, sig.share(entity), ""
    if entity == "USERNAME":
        many = st.n_distinct >= min(10, max(2, st.present // 2))
        numeric_ok = st.integer and hit.keyword in _SOCIAL  # "twitter_id": account numbers
        return many and (not st.numeric or numeric_ok), sig.share(entity), ""
    if entity in ("URL", "IP_ADDRESS", "MAC_ADDRESS"):
        many = not st.numeric and st.n_distinct >= min(10, max(2, st.present // 2))
        return sig.share(entity) >= 0.3 or many, sig.share(entity), ""
    if entity == "DEVICE":
        return sig.share("USER_AGENT") >= 0.3 or not st.numeric, sig.share("USER_AGENT"), ""
    return True, 0.0, ""


def _person_plausible(sig: ColumnSignals, hit: HeaderHit) -> tuple[bool, float, str]:
    st = sig.stats
    values = sig.names
    shaped = float(content.name_like(values).mean()) if sig.n else 0.0
    known = float(content.matches("PERSON", values).mean()) if sig.n else 0.0
    vocabish = max(sig.share("GENDER") + sig.share("GENDER_FILLER"), sig.share("ETHNICITY"),
                   sig.share("MARITAL_STATUS"), sig.share("COUNTRY"), sig.share("TITLE"))
    thingish = _thingish(sig) or (sig.share("LOCATION") >= 0.3
                                  and sig.share("LOCATION") >= known)
    lower = _lowercase_share(values) >= 0.8 and st.mean_words > 1.2
    ok = shaped >= 0.7 and vocabish < 0.5 and not st.numeric and not thingish and not lower
    if ok and hit.weight < 0.7:
        # a bare "name" is as often a product's or a company's: want known names too
        ok = known >= 0.3
    note = "names with digit suffixes" if values is not sig.values else ""
    return ok, known, note


def _thingish(sig: ColumnSignals) -> bool:
    """Values that name organisations, committees or parties rather than people."""
    return sig.share("ORGANIZATION") >= 0.3 or sig.share("POLITICAL") >= 0.3


def _lowercase_share(values: pd.Series) -> float:
    """Share of values with cased letters that are all lowercase ('ford torino')."""
    cased = [v for v in values if any(c.lower() != c.upper() for c in v)]
    if not cased:
        return 0.0
    return float(np.mean([v == v.lower() for v in cased]))


def _person_id_plausible(sig: ColumnSignals, hit: HeaderHit) -> tuple[bool, float, str]:
    """A key of a person table: integers or codes; a foreign key may have few values."""
    st = sig.stats
    if sig.is_free_text or (st.numeric and not st.integer):
        return False, 0.0, ""
    keyish = st.integer or sig.share("UUID") >= 0.5 or sig.share("ID_CODE") >= 0.5
    named = len(hit.keyword.split()) > 1 or hit.keyword in ("reportsto", "mgr", "mgrid",
                                                            "managerid", "supervisor")
    if named:  # "staff_id", "reports to": a foreign key, even with two distinct values
        return keyish or st.n_distinct >= 2, 0.0, ""
    many = st.n_distinct >= min(10, max(2, st.present // 2))
    if _thingish(sig):
        return False, 0.0, ""
    return keyish and many or sig.share("PERSON") >= 0.5, 0.0, ""


def _header_decision(sig: ColumnSignals, hit: HeaderHit) -> ColumnFinding | None:
    st = sig.stats
    entity = hit.entity
    if entity in ("DATE", "DATE_OF_BIRTH") and has_any(sig.name, BOOKKEEPING_WORDS):
        return _finding(sig, "NONE", 0.6, [_header_ev(sig, hit) + " of a database update",
                                           "bookkeeping timestamp, not a date about a person",
                                           _stats_evidence(sig)], cls=ColumnClass.OTHER)
    if entity in SENSITIVE | {"OCCUPATION", "ORG", "EMPLOYMENT_STATUS"} and _is_dates(sig):
        entity = "DATE"  # "c_jail_in", "offense": the date of a person's event (R6)
    if entity == "LOCATION" and sig.share("TZ_OFFSET") >= 0.8:
        entity = "DATE"  # a "zone" of UTC offsets is part of a timestamp
    if entity == "DATE" and has_any(sig.name, frozenset({"death", "dead", "deceased", "died"})) \
            and sig.is_flag:
        entity = "VITAL_STATUS"
    ok, support, note = _plausible(entity, sig, hit)
    if not ok:
        return None
    ev = [_header_ev(sig, hit)]
    if note:
        ev.append(f"content: {note}")
    elif st.numeric and support == RANGE_FITS:
        ev.append(_range_evidence(sig, entity))
    elif support > 0:
        ev.append(f"content agrees in {_pct(support)} of sampled values")
    ev.append(_stats_evidence(sig))
    conf = _combine(hit.weight, 0.5 * support)
    if entity == "PERSON_ID" and sig.share("PERSON") >= 0.5 and not _thingish(sig):
        entity = "PERSON"  # "patient" or "customer" holding names, not keys
        ev.append(f"values are names ({_pct(sig.share('PERSON'))})")
    elif entity == "PERSON" and sig.share("ID_CODE") >= 0.8 and sig.share("PERSON") < 0.1 \
            and float(content.name_like(sig.names).mean()) < 0.5:
        entity = "PERSON_ID"  # "subject" holding codes, not names
    return _finding(sig, entity, conf, ev)


def _structured_decision(sig: ColumnSignals, hit: HeaderHit | None) -> ColumnFinding | None:
    """Content that cannot be an accident, whatever the header says."""
    if sig.enough("MEDICAL_CODE", 0.6):
        kinds = medical.code_shares(list(sig.values.unique()[:200]))
        named = ", ".join(k for k, _ in sorted(kinds.items(), key=lambda p: -p[1]))
        return _finding(sig, "HEALTH", 0.6 + 0.35 * sig.share("MEDICAL_CODE"),
                        [f"medical code shapes ({named}) in {_pct(sig.share('MEDICAL_CODE'))}"
                         " of sampled values", _stats_evidence(sig)])
    if sig.enough("USER_AGENT", 0.5):
        return _finding(sig, "DEVICE", 0.5 + 0.4 * sig.share("USER_AGENT"),
                        [f"browser/client strings in {_pct(sig.share('USER_AGENT'))} of values",
                         _stats_evidence(sig)])
    share, entity = max(((sig.share(e), e) for e in UNMISTAKABLE + SHAPED), default=(0.0, ""))
    if share <= 0:
        return None
    header_ev = _header_ev(sig, hit) if hit else None
    agrees = hit is not None and hit.entity == entity
    threshold = 0.3 if agrees else MIN_SHARE
    header_wins = (entity in SHAPED and hit is not None and hit.entity != entity
                   and _plausible(hit.entity, sig, hit)[0])
    if not sig.enough(entity, threshold) or header_wins or sig.is_free_text:
        return None
    ev = [f"{entity} pattern in {_pct(share)} of {sig.n} sampled values"]
    if entity in sig.presidio:
        ev.append(f"presidio confirmed {_pct(sig.presidio[entity])} of candidates")
    if header_ev:
        ev.append(header_ev if agrees else header_ev + " overruled by content")
    if entity in ("IP_ADDRESS", "MAC_ADDRESS") and has_any(sig.name, MACHINE_WORDS):
        ev.append("header names a machine (device, server, host, node): not a person's "
                  "address (R20)")
        return _finding(sig, entity, 0.5, ev, cls=ColumnClass.OTHER)
    conf = _combine(0.5 + 0.45 * share, hit.weight if agrees else 0.0)
    return _finding(sig, entity, conf, ev)


def _vocab_decision(sig: ColumnSignals) -> ColumnFinding | None:
    """Closed vocabularies and deny-lists, when most sampled values belong."""
    st = sig.stats
    if st.numeric or sig.is_flag:
        return None
    g = sig.share("GENDER")
    if g >= 0.5 and g + sig.share("GENDER_FILLER") >= 0.9 and st.n_distinct <= 12:
        return _finding(sig, "GENDER", 0.5 + 0.4 * g, [f"sex/gender values {_pct(g)}",
                                                       _stats_evidence(sig)])
    candidates = [
        ("ETHNICITY", "ETHNICITY", 0.6, "race/ethnicity values"),
        ("MARITAL_STATUS", "MARITAL_STATUS", 0.6, "marital-status values"),
        ("RELIGION", "RELIGION", 0.6, "religion values"),
        ("SEXUAL_ORIENTATION", "SEXUAL_ORIENTATION", 0.6, "sexual-orientation values"),
        ("BLOOD_TYPE", "HEALTH", 0.8, "blood-type values"),
        ("ENCOUNTER_CLASS", "HEALTH", 0.7, "kinds of care encounter"),
        ("MEDICAL_TEXT", "HEALTH", 0.5, "medical vocabulary (conditions, procedures, drugs)"),
        ("POLITICAL", "POLITICAL_OPINION", 0.5, "party names or campaign committees"),
        ("EDUCATION", "EDUCATION", 0.6, "education values"),
        ("COUNTRY", "NATIONALITY", 0.7, "country/nationality names"),
        ("OCCUPATION", "OCCUPATION", 0.5, "occupation names (Faker job lists)"),
        ("POSTCODE", "ZIP", 0.8, "postcode-shaped values"),
        ("WEEKDAY", "DATE", 0.9, "weekday names"),
        ("MONTH_NAME", "DATE", 0.9, "month names"),
        ("TIME_OF_DAY", "DATE", 0.9, "times of day"),
    ]
    for key, entity, threshold, label in candidates:
        if key == "MEDICAL_TEXT" and sig.share("ORGANIZATION") >= 0.3:
            continue  # "Lakeside Community Hospital" names a hospital, not a condition
        if sig.enough(key, threshold):
            s = sig.share(key)
            return _finding(sig, entity, 0.4 + 0.5 * s, [f"{label} {_pct(s)}",
                                                         _stats_evidence(sig)])
    return _place_or_name(sig)


def _place_or_name(sig: ColumnSignals) -> ColumnFinding | None:
    st = sig.stats
    loc = sig.share("LOCATION")
    values = sig.names
    per = float(content.matches("PERSON", values).mean()) if values is not sig.values \
        else sig.share("PERSON")
    if about_thing(sig.name) or sig.share("ORGANIZATION") >= 0.3 or sig.share("POLITICAL") >= 0.3:
        return None  # "hospital", "supplier": names of things and companies, not people
    if sig.enough("LOCATION", 0.5) and loc >= per:
        return _finding(sig, "LOCATION", 0.3 + 0.5 * loc,
                        [f"city/region names {_pct(loc)}", _stats_evidence(sig)])
    if per >= 0.5 and per * sig.n >= MIN_MATCHES and st.n_distinct >= 5 \
            and _lowercase_share(values) < 0.8:
        shaped = float(content.name_like(values).mean())
        if shaped >= 0.8:
            ev = [f"first/last names (Faker deny-lists) {_pct(per)}", _stats_evidence(sig)]
            if values is not sig.values:
                ev.insert(1, "names with digit suffixes")
            return _finding(sig, "PERSON", 0.3 + 0.6 * per, ev)
    return None


def _date_decision(sig: ColumnSignals) -> ColumnFinding | None:
    if not (sig.type == "datetime" or sig.enough("DATE", 0.8)):
        return None
    if has_any(sig.name, BOOKKEEPING_WORDS):
        return _finding(sig, "NONE", 0.6, ["bookkeeping timestamp of a database update, not a "
                                           "date about a person", _stats_evidence(sig)],
                        cls=ColumnClass.OTHER)
    ev = [f"date values {_pct(max(sig.share('DATE'), 1.0 if sig.type == 'datetime' else 0))}"]
    sample = sig.values.head(300)
    years = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True).dt.year.dropna()
    if len(years) >= 3:
        lo, hi = int(years.min()), int(years.max())
        ev.append(_years_evidence(sig, lo, hi))
        if lo >= 1900 and hi <= pd.Timestamp.now().year and hi - lo >= 15:
            return _finding(sig, "DATE_OF_BIRTH", 0.5, [*ev, "spread over decades: birth dates?"])
    return _finding(sig, "DATE", 0.45, ev)


_IPV4_IN_TEXT = re.compile(content.IPV4)


def _text_decision(sig: ColumnSignals) -> ColumnFinding | None:
    if not sig.text_shares:
        return None
    need = max(TEXT_MIN_SHARE, MIN_MATCHES / max(sig.n, 1))
    found = sorted(((s, e) for e, s in sig.text_shares.items() if e in TEXT_PII and s >= need),
                   reverse=True)
    if not found:
        return None
    entities = [e for _, e in found]
    ev = ["free text with PII inside: " + ", ".join(f"{e} in {_pct(s)} of values"
                                                     for s, e in found)]
    if set(entities) <= {"IP_ADDRESS", "URL"}:
        ips = [m.group() for v in sig.values.head(200) for m in _IPV4_IN_TEXT.finditer(v)]
        if ips and np.mean([content.private_ip(x) for x in ips]) >= 0.9:
            ev.append("addresses are private-network ones: a machine log's?")
    return _finding(sig, entities[0], 0.4 + 0.5 * found[0][0], ev, entities=entities)


def _empty_decision(sig: ColumnSignals, hits: tuple[HeaderHit, ...]) -> ColumnFinding:
    """No values (or only '-', 'n/a'): the header's meaning decides (R25)."""
    what = "all values missing" if sig.stats.present == 0 else "only placeholder values"
    for hit in hits:
        if class_of(hit.entity) != ColumnClass.OTHER:
            return _finding(sig, hit.entity, 0.3, [what, _header_ev(sig, hit) +
                                                   ": classed by its header"])
    return _finding(sig, "NONE", 0.9, [what], cls=ColumnClass.OTHER)


def classify_column(sig: ColumnSignals) -> ColumnFinding:
    """Decide one column's class, entity, confidence and evidence from its signals."""
    st = sig.stats
    hits = usable_hits(sig.name)
    hit = hits[0] if hits else None
    if st.present == 0 or sig.placeholder_only:
        return _empty_decision(sig, hits)

    found = _structured_decision(sig, hit)
    if found is not None:
        return found

    # free text with PII inside is a direct identifier whatever the header says ("diagnosis
    # notes" naming the patient), unless the header already names a direct identifier
    if sig.is_free_text and (hit is None or class_of(hit.entity) != ColumnClass.DIRECT):
        text = _text_decision(sig)
        if text is not None:
            if hit:
                text.evidence.append(_header_ev(sig, hit))
            return text

    for h in hits:
        found = _header_decision(sig, h)
        if found is not None:
            return found
        if h.head and h.weight >= 0.8 and h.entity != "PERSON":
            break  # a telling head word that does not fit: later hits are its modifiers

    if sig.is_free_text:
        if sig.enough("MEDICAL_TEXT", 0.5):
            s = sig.share("MEDICAL_TEXT")
            return _finding(sig, "HEALTH", 0.4 + 0.5 * s,
                            [f"free text with medical vocabulary in {_pct(s)} of values"])
        return _finding(sig, "NONE", 0.6, ["free text, no PII above "
                                           f"{_pct(TEXT_MIN_SHARE)} of sampled values",
                                           *([_header_ev(sig, hit) + " (content implausible)"]
                                             if hit else [])],
                        cls=ColumnClass.OTHER)

    found = _vocab_decision(sig) or _date_decision(sig)
    if found is not None:
        if hit:
            found.evidence.append(_header_ev(sig, hit) + " (content implausible)")
        return found

    ev = [_stats_evidence(sig)]
    if hit:
        ev.append(_header_ev(sig, hit) + " but content implausible")
    if st.uniqueness > 0.95 and st.n_distinct > 20:
        ev.append("unique id-like values, no person signal")
    return _finding(sig, "NONE", 0.5, ev, cls=ColumnClass.OTHER)
