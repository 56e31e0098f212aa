"""privsynth's own presidio recognizers, registered next to presidio's pattern recognizers.

Presidio finds structured PII (emails, cards, IBANs...) but, without a NER model, no names or
places, and it has no ZIP, MRN, date-of-birth or gender recognizer. These small classes add
them: patterns for the structured ones, deny-lists from Faker's bundled locale data for names
and places, with stop-lists so table vocabulary ("White", "Male", "Never-married") never
becomes a PERSON.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privsynth.detect import content, vocab
from privsynth.detect.header import normalize


class ZipCodeRecognizer(PatternRecognizer):
    """Postcodes: distinctive national shapes (UK, CA, NL, BR, JP, ZIP+4) and, weakly, 5 digits."""

    def __init__(self, supported_language: str = "en") -> None:
        patterns = [
            Pattern("postcode (distinct shape)", rf"\b(?:{content.POSTCODE_DISTINCT})\b", 0.5),
            Pattern("zip after keyword", r"(?i)(?<=zip |plz )\d{5}\b|(?<=zip: )\d{5}\b", 0.6),
            Pattern("five digits (weak)", r"\b\d{5}\b", 0.05),
        ]
        super().__init__(supported_entity="ZIP", patterns=patterns,
                         context=["zip", "postcode", "postal", "plz", "cep", "cap"],
                         supported_language=supported_language, name="ZipCodeRecognizer")


class MedicalRecordNumberRecognizer(PatternRecognizer):
    """MRN-like ids: a medical prefix (MRN, MR, PID, PAT...) followed by 4-12 digits."""

    def __init__(self, supported_language: str = "en") -> None:
        patterns = [
            Pattern("mrn prefix", rf"(?i)\b{content.MRN}\b", 0.7),
            Pattern("mrn keyword", r"(?i)(?<=mrn )[A-Z0-9\-]{5,14}\b", 0.7),
        ]
        super().__init__(supported_entity="MEDICAL_RECORD_NUMBER", patterns=patterns,
                         context=["mrn", "medical record", "patient"],
                         supported_language=supported_language,
                         name="MedicalRecordNumberRecognizer")


class DateOfBirthRecognizer(PatternRecognizer):
    """A date right after a birth keyword ("born 3 May 1981", "DOB: 1981-05-03", "geb. ...")."""

    _KEYWORDS = (r"born(?:\s+on)?|dob|d\.o\.b\.?|date of birth|birth ?date|birthday|geboren(?:\s+am)?"
                 r"|geb\.|ne(?:e)?\s+le|nee?\s+le|né(?:e)?\s+le|nacid[oa]\s+el|nat[oa]\s+il"
                 r"|geboren\s+op|nascid[oa]\s+em")

    def __init__(self, supported_language: str = "en") -> None:
        patterns = [Pattern("birth keyword + date",
                            rf"(?i)(?<!\w)(?:{self._KEYWORDS})\s*:?\s*(?:{content.DATE})", 0.8)]
        super().__init__(supported_entity="DATE_OF_BIRTH", patterns=patterns,
                         supported_language=supported_language, name="DateOfBirthRecognizer")


class GenderRecognizer(PatternRecognizer):
    """Gender words in several languages (single letters are left to column statistics)."""

    def __init__(self, supported_language: str = "en") -> None:
        words = sorted(w for w in vocab.GENDER if len(w) > 3 and w.isalpha())
        super().__init__(supported_entity="GENDER", deny_list=words, deny_list_score=0.4,
                         supported_language=supported_language, name="GenderRecognizer")


class StreetAddressRecognizer(PatternRecognizer):
    """House number + street word in en/de/fr/es/it/nl/pt order, or a Japanese address."""

    def __init__(self, supported_language: str = "en") -> None:
        suffix = (r"Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd"
                  r"|Way|Court|Ct\.?|Place|Pl\.?|Terrace|Parkway|Circle|Square|Trail|Highway")
        prefix = (r"rue|avenue|boulevard|chemin|impasse|place|calle|avenida|paseo|plaza|camino"
                  r"|via|viale|piazza|corso|rua|travessa|praça|alameda")
        patterns = [
            Pattern("number street suffix",
                    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][\w'\-]*\s+){{1,4}}(?:{suffix})(?!\w)", 0.6),
            Pattern("prefix street number",
                    rf"(?i)\b(?:\d{{1,5}},?\s+)?(?:{prefix})\s+(?:[\w'\-]+\s+){{0,5}}\d{{1,5}}\b",
                    0.5),
            Pattern("compound street number",
                    r"(?i)\b[\wäöüß\-]+(?:straße|strasse|str\.|weg|gasse|platz|allee|straat|laan"
                    r"|plein|gracht|kade)\s+\d{1,5}[a-z]?\b", 0.6),
            Pattern("japanese address", r"[^\s]{1,4}[都道府県][^\s]{1,8}[市区町村郡][^\s]*\d", 0.5),
        ]
        super().__init__(supported_entity="STREET_ADDRESS", patterns=patterns,
                         supported_language=supported_language, name="StreetAddressRecognizer")


_CAP_WORD = re.compile(r"\b[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]+\b")


class PersonNameRecognizer(EntityRecognizer):
    """Names by deny-list: capitalised words found in Faker's first/last-name lists.

    A first name followed by a capitalised word (or a known last name) scores 0.7; a lone known
    name 0.3. Stop words (colours, sexes, races, places, months) never count.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language,
                         name="PersonNameRecognizer")

    def load(self) -> None:
        self.first = vocab.first_names()
        self.last = vocab.last_names()
        self.stop = vocab.NAME_STOPWORDS | vocab.GENDER | vocab.ETHNICITY | vocab.COMMON_WORDS

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        words = list(_CAP_WORD.finditer(text))
        results: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            w = words[i]
            low = normalize(w.group())
            if low in self.stop or (low not in self.first and low not in self.last):
                i += 1
                continue
            start, end, j = w.start(), w.end(), i + 1
            # extend over following capitalised words separated by one space
            while j < len(words) and words[j].start() - end <= 1 and j - i < 4:
                nxt = normalize(words[j].group())
                if nxt in self.stop:
                    break
                end = words[j].end()
                j += 1
            multi = j - i > 1
            score = 0.7 if multi else (0.3 if low in self.first else 0.2)
            results.append(RecognizerResult("PERSON", start, end, score))
            i = j
        return results


class LocationRecognizer(EntityRecognizer):
    """Cities, regions and countries by deny-list (one to three capitalised words)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["LOCATION"], supported_language=supported_language,
                         name="LocationRecognizer")

    def load(self) -> None:
        self.places = (vocab.cities() | vocab.regions() | vocab.countries()) - vocab.COMMON_WORDS

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        words = list(_CAP_WORD.finditer(text))
        results: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            for width in (3, 2, 1):
                chunk = words[i : i + width]
                if len(chunk) < width or any(
                    b.start() - a.end() > 1 for a, b in zip(chunk, chunk[1:], strict=False)
                ):
                    continue
                phrase = normalize(text[chunk[0].start() : chunk[-1].end()])
                if phrase in self.places and phrase not in vocab.NAME_STOPWORDS - {
                    "houston", "dallas", "paris", "london", "denver", "austin", "phoenix"
                }:
                    results.append(
                        RecognizerResult("LOCATION", chunk[0].start(), chunk[-1].end(), 0.4)
                    )
                    i += width - 1
                    break
            i += 1
        return results


def privsynth_recognizers(language: str = "en") -> list[EntityRecognizer]:
    """Fresh instances of every recognizer this module defines."""
    return [
        ZipCodeRecognizer(language),
        MedicalRecordNumberRecognizer(language),
        DateOfBirthRecognizer(language),
        GenderRecognizer(language),
        StreetAddressRecognizer(language),
        PersonNameRecognizer(language),
        LocationRecognizer(language),
    ]
