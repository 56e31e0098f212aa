"""The column decision: header, content shares, type and statistics -> class, entity, confidence.

Order of trust, most to least:
1. structured content that cannot be an accident (emails, SSNs in their format, Luhn-valid
   cards, IBANs, IPs, MACs, URLs) once enough sampled values match: wins over a misleading
   header ("code" full of emails);
2. a header keyword whose content is plausible for it (an "age" holding 0-120, a "zip" holding
   postcode-shaped values, a "name" holding name-shaped words and not "Male"/"White");
3. value vocabularies and deny-lists (sex, race, marital status, religion, countries, cities,
   jobs, Faker's first/last names) when most values belong;
4. free text with PII inside (presidio on sampled values), flagged only above a share;
5. otherwise "other", with the statistics as evidence (a unique id-like column is only a
   person's key when its header says so, or when it is a bare "id" in a table about people).
A column is never flagged on one stray hit: every content rule needs a share of the sample and
at least a few matching values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from privsynth.detect import content
from privsynth.detect.findings import ColumnClass, ColumnFinding
from privsynth.detect.header import HeaderHit, about_thing, best_hit, is_generic_id
from privsynth.detect.statistics import ColumnStats

DIRECT = frozenset({
    "PERSON", "USERNAME", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "NATIONAL_ID", "PASSPORT",
    "DRIVER_LICENSE", "CREDIT_CARD", "IBAN_CODE", "ACCOUNT_NUMBER", "IP_ADDRESS", "MAC_ADDRESS",
    "DEVICE_ID", "URL", "LICENSE_PLATE", "MEDICAL_RECORD_NUMBER", "PERSON_ID", "STREET_ADDRESS",
    "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "UK_NHS", "US_ITIN", "CRYPTO",
})
QUASI = frozenset({
    "ZIP", "DATE_OF_BIRTH", "AGE", "GENDER", "ETHNICITY", "MARITAL_STATUS", "OCCUPATION",
    "EDUCATION", "NATIONALITY", "LOCATION", "DATE",
})
SENSITIVE = frozenset({
    "HEALTH", "RELIGION", "INCOME", "SEXUAL_ORIENTATION", "POLITICAL_OPINION", "TRADE_UNION",
    "CRIMINAL_RECORD", "BIOMETRIC",
})
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
        return self.type == "text" or (self.stats.mean_words >= 4 and self.stats.mean_length > 20)

    @property
    def is_flag(self) -> bool:
        """Boolean-like: at most two values such as 0/1, yes/no."""
        if self.stats.n_distinct > 2:
            return False
        low = set(self.values.str.lower().unique())
        return low <= {"0", "1", "true", "false", "yes", "no", "y", "n", "t", "f", "0.0", "1.0"}


def _finding(sig: ColumnSignals, entity: str, confidence: float, evidence: list[str],
             entities: list[str] | None = None, cls: ColumnClass | None = None) -> ColumnFinding:
    return ColumnFinding(
        name=sig.name, cls=cls or class_of(entity), entity=entity,
        confidence=round(min(max(confidence, 0.0), 0.99), 2), evidence=evidence,
        type=sig.type, entities=entities or [],
    )


def _stats_evidence(sig: ColumnSignals) -> str:
    st = sig.stats
    s = f"{st.n_distinct} distinct, uniqueness {st.uniqueness:.3g}"
    if st.numeric and st.min is not None:
        s += f", range {st.min:g}..{st.max:g}" if sig.show_values else ", numeric"
    return s


# The public ranges `_plausible` checks numeric columns against: what evidence names instead
# of the column's own minimum and maximum.
_PLAUSIBLE_RANGE = {"AGE": "0..130", "ZIP": "0..999999", "DATE": "1850..2100",
                    "DATE_OF_BIRTH": "1850..2100"}


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


# Header entities that are numbers: at least this many digits in most values (masked cards
# such as "**** 1234" still have four).
_MIN_DIGITS = {"PHONE_NUMBER": 6, "US_SSN": 4, "CREDIT_CARD": 4, "IBAN_CODE": 8,
               "ACCOUNT_NUMBER": 4}


def _digit_share(sig: ColumnSignals, k: int) -> float:
    if not sig.n:
        return 0.0
    return float(np.mean([sum(ch.isdigit() for ch in v) >= k for v in sig.values]))


RANGE_FITS = 0.5  # support given to a numeric column whose range fits the header's entity


def _plausible(entity: str, sig: ColumnSignals) -> tuple[bool, float]:
    """Is the content compatible with what the header says? Returns (ok, content support)."""
    st = sig.stats
    if st.present == 0:
        return False, 0.0
    if entity in DIRECT and sig.is_flag:
        return False, 0.0  # "has_email" yes/no is not an email
    if entity in DIRECT and st.numeric and not st.integer:
        return False, 0.0  # identifiers are never fractional numbers ("web_sales" 12.5)
    if entity in DIRECT and (sig.type == "datetime" or sig.share("DATE") >= 0.8):
        return False, 0.0  # "last_login" holds times, not user names
    if entity in _MIN_DIGITS and _digit_share(sig, _MIN_DIGITS[entity]) < 0.5:
        return False, 0.0  # a "cell" or "card" column of words is no phone or card number
    if entity in QUASI and sig.share("STATUS") >= 0.5:
        return False, 0.0  # "state": open/closed, "job": running/failed
    if entity == "PERSON":
        shaped = float(content.name_like(sig.values).mean()) if sig.n else 0.0
        vocabish = max(sig.share("GENDER") + sig.share("GENDER_FILLER"), sig.share("ETHNICITY"),
                       sig.share("MARITAL_STATUS"), sig.share("COUNTRY"))
        ok = shaped >= 0.7 and vocabish < 0.5 and not st.numeric
        hit = best_hit(sig.name)
        if ok and hit is not None and hit.weight < 0.7:
            # a bare "name" is as often a product's or a company's: want known names too
            ok = sig.share("PERSON") >= 0.3
        return ok, sig.share("PERSON")
    if entity == "AGE":
        if st.numeric and st.min is not None:
            return st.min >= 0 and st.max <= 130, RANGE_FITS
        return sig.share("AGE_BAND") >= 0.5, sig.share("AGE_BAND")
    if entity == "ZIP":
        if st.numeric and st.min is not None:
            return st.integer and st.min >= 0 and st.max < 1_000_000, RANGE_FITS
        s = sig.share("POSTCODE") + sig.share("POSTCODE_NUMERIC")
        return s >= 0.5 or st.mean_length <= 10, s
    if entity in ("DATE", "DATE_OF_BIRTH"):
        if sig.type == "datetime" or sig.share("DATE") >= 0.5:
            return True, max(sig.share("DATE"), 0.8 if sig.type == "datetime" else 0.0)
        if st.numeric and st.min is not None:  # year of birth
            return st.integer and st.min >= 1850 and st.max <= 2100, RANGE_FITS
        return False, 0.0
    if entity == "GENDER":
        g = sig.share("GENDER") + sig.share("GENDER_FILLER")
        return st.n_distinct <= 12 or g >= 0.5, g
    if entity in ("ETHNICITY", "MARITAL_STATUS", "RELIGION", "EDUCATION", "OCCUPATION",
                  "NATIONALITY", "LOCATION"):
        key = {"NATIONALITY": "COUNTRY"}.get(entity, entity)
        support = max(sig.share(key), sig.share("LOCATION") if entity == "NATIONALITY" else 0)
        if sig.is_free_text and support < 0.3:
            return False, 0.0
        if entity != "LOCATION" and st.numeric and not st.integer:
            return False, 0.0  # category codes are integers; coordinates are places
        return True, support
    if entity == "EMAIL_ADDRESS":
        return True, sig.share(entity)
    if entity in ("PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "ACCOUNT_NUMBER",
                  "NATIONAL_ID", "PASSPORT", "DRIVER_LICENSE", "MEDICAL_RECORD_NUMBER",
                  "PERSON_ID", "DEVICE_ID", "LICENSE_PLATE"):
        # an identifier: many distinct values, or (phone/card...) the right shape
        ok = st.n_distinct >= min(10, max(2, st.present // 2)) or sig.share(entity) > 0.5
        return ok, sig.share(entity)
    if entity == "STREET_ADDRESS":
        return not st.numeric, sig.share(entity)
    if entity in ("URL", "IP_ADDRESS", "MAC_ADDRESS", "USERNAME"):
        # shaped values, or many distinct non-numeric values (hashed, masked, handles)
        many = not st.numeric and st.n_distinct >= min(10, max(2, st.present // 2))
        return sig.share(entity) >= 0.3 or many, sig.share(entity)
    return True, 0.0


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
        ("EDUCATION", "EDUCATION", 0.6, "education values"),
        ("COUNTRY", "NATIONALITY", 0.7, "country/nationality names"),
        ("OCCUPATION", "OCCUPATION", 0.5, "occupation names (Faker job lists)"),
        ("POSTCODE", "ZIP", 0.8, "postcode-shaped values"),
    ]
    for key, entity, threshold, label in candidates:
        if sig.enough(key, threshold):
            s = sig.share(key)
            return _finding(sig, entity, 0.4 + 0.5 * s, [f"{label} {_pct(s)}",
                                                         _stats_evidence(sig)])
    loc, per = sig.share("LOCATION"), sig.share("PERSON")
    if about_thing(sig.name) or sig.share("ORGANIZATION") >= 0.3:
        return None  # "hospital", "supplier": names of things and companies, not people
    if sig.enough("LOCATION", 0.5) and loc >= per:
        return _finding(sig, "LOCATION", 0.3 + 0.5 * loc,
                        [f"city/region names {_pct(loc)}", _stats_evidence(sig)])
    if sig.enough("PERSON", 0.5) and not st.numeric and st.n_distinct >= 5:
        shaped = float(content.name_like(sig.values).mean())
        if shaped >= 0.8:
            return _finding(sig, "PERSON", 0.3 + 0.6 * per,
                            [f"first/last names (Faker deny-lists) {_pct(per)}",
                             _stats_evidence(sig)])
    return None


def _date_decision(sig: ColumnSignals) -> ColumnFinding | None:
    if not (sig.type == "datetime" or sig.enough("DATE", 0.8)):
        return None
    years = pd.to_datetime(sig.values, errors="coerce", format="mixed").dt.year.dropna()
    ev = [f"date values {_pct(max(sig.share('DATE'), 1.0 if sig.type == 'datetime' else 0))}"]
    if len(years) >= 3:
        lo, hi = int(years.min()), int(years.max())
        ev.append(_years_evidence(sig, lo, hi))
        if lo >= 1900 and hi <= pd.Timestamp.now().year and hi - lo >= 15:
            return _finding(sig, "DATE_OF_BIRTH", 0.5, [*ev, "spread over decades: birth dates?"])
    return _finding(sig, "DATE", 0.45, ev)


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
    return _finding(sig, entities[0], 0.4 + 0.5 * found[0][0], ev, entities=entities)


def classify_column(sig: ColumnSignals) -> ColumnFinding:
    """Decide one column's class, entity, confidence and evidence from its signals."""
    st = sig.stats
    if st.present == 0:
        return _finding(sig, "NONE", 0.9, ["all values missing"], cls=ColumnClass.OTHER)
    hit: HeaderHit | None = best_hit(sig.name)
    header_ev = f"header '{sig.name}' ~ '{hit.keyword}' ({hit.entity})" if hit else None

    # 1. unmistakable structured content beats any header
    struct = max(((sig.share(e), e) for e in UNMISTAKABLE + SHAPED), default=(0.0, ""))
    share, entity = struct
    if share > 0:
        agrees = hit is not None and hit.entity == entity
        threshold = 0.3 if agrees else MIN_SHARE
        header_wins = (entity in SHAPED and hit is not None and hit.entity != entity
                       and _plausible(hit.entity, sig)[0])
        if sig.enough(entity, threshold) and not header_wins and not sig.is_free_text:
            ev = [f"{entity} pattern in {_pct(share)} of {sig.n} sampled values"]
            if entity in sig.presidio:
                ev.append(f"presidio confirmed {_pct(sig.presidio[entity])} of candidates")
            if header_ev:
                ev.append(header_ev if agrees else header_ev + " overruled by content")
            conf = _combine(0.5 + 0.45 * share, hit.weight if agrees else 0.0)
            return _finding(sig, entity, conf, ev)

    # 2. free text with PII inside is a direct identifier whatever the header says ("diagnosis
    # notes" naming the patient), unless the header already names a direct identifier
    if sig.is_free_text and (hit is None or class_of(hit.entity) != ColumnClass.DIRECT):
        text = _text_decision(sig)
        if text is not None:
            if header_ev:
                text.evidence.append(header_ev)
            return text

    # 3. a header keyword with plausible content
    if hit is not None:
        ok, support = _plausible(hit.entity, sig)
        if ok:
            ev = [header_ev]
            if st.numeric and support == RANGE_FITS:
                ev.append(_range_evidence(sig, hit.entity))
            elif support > 0:
                ev.append(f"content agrees in {_pct(support)} of sampled values")
            ev.append(_stats_evidence(sig))
            conf = _combine(hit.weight, 0.5 * support)
            entity = hit.entity
            if entity == "PERSON_ID" and sig.share("PERSON") >= 0.5:
                entity = "PERSON"  # "patient" or "customer" holding names, not keys
                ev.append(f"values are names ({_pct(sig.share('PERSON'))})")
            return _finding(sig, entity, conf, ev)

    # 4. free text without PII
    if sig.is_free_text:
        return _finding(sig, "NONE", 0.6, ["free text, no PII above "
                                           f"{_pct(TEXT_MIN_SHARE)} of sampled values",
                                           *([header_ev + " (content implausible)"]
                                             if header_ev else [])],
                        cls=ColumnClass.OTHER)

    # 5. vocabularies, deny-lists, dates
    found = _vocab_decision(sig) or _date_decision(sig)
    if found is not None:
        if header_ev:
            found.evidence.append(header_ev + " (content implausible)")
        return found

    ev = [_stats_evidence(sig)]
    if header_ev:
        ev.append(header_ev + " but content implausible")
    if st.uniqueness > 0.95 and st.n_distinct > 20:
        ev.append("unique id-like values, no person signal")
    return _finding(sig, "NONE", 0.5, ev, cls=ColumnClass.OTHER)


# Entities that only ever describe a person: a table with one of them is about people.
PERSON_ENTITIES = (DIRECT | QUASI | SENSITIVE) - {"DATE", "LOCATION", "NATIONALITY", "ZIP", "URL",
                                                  "IP_ADDRESS", "MAC_ADDRESS", "DEVICE_ID",
                                                  "LICENSE_PLATE"}
# Quasi-identifiers only when the rows are people: a date or a city in a table of sensor
# readings or country statistics identifies nobody.
PLACE_AND_TIME = ("DATE", "LOCATION", "NATIONALITY")


def apply_table_context(findings: list[ColumnFinding], signals: list[ColumnSignals]) -> None:
    """Decisions that depend on the whole table, made in place.

    A bare "id" column with unique values is a person's key when the table is about people
    (it has at least two columns that only describe people); dates, places and countries are
    quasi-identifiers only in a table about people.
    """
    people = [f for f in findings if f.entity in PERSON_ENTITIES
              and f.cls != ColumnClass.OTHER]
    for f, sig in zip(findings, signals, strict=True):
        others = [g for g in people if g is not f]
        if (f.cls == ColumnClass.OTHER and is_generic_id(sig.name) and sig.name.strip()
                and sig.stats.uniqueness >= 0.95 and sig.stats.n_distinct >= 10
                and len(others) >= 2):
            f.cls, f.entity, f.confidence = ColumnClass.DIRECT, "PERSON_ID", 0.5
            f.evidence.append(f"bare id with unique values in a table about people "
                              f"({len(others)} person columns)")
        elif f.entity in PLACE_AND_TIME and f.cls == ColumnClass.QUASI and not others:
            f.evidence.append(f"looks like {f.entity}, but no column of the table describes a "
                              "person")
            f.cls, f.entity, f.entities = ColumnClass.OTHER, "NONE", []
