"""Content matchers (vectorized pre-filters) and privsynth's presidio recognizers."""

from __future__ import annotations

import pandas as pd
import pytest

from privsynth.detect import content
from privsynth.detect.presidio_engine import get_analyzer


def _share(entity: str, values: list[str]) -> float:
    return float(content.matches(entity, pd.Series(values)).mean())


def test_email_matcher():
    assert _share("EMAIL_ADDRESS", ["a.b@example.com", "x+y@mail.co.uk"]) == 1.0
    assert _share("EMAIL_ADDRESS", ["not an email", "@handle", "a@b"]) == 0.0


def test_phone_matcher_needs_formatting_and_digit_count():
    phones = ["+1 (555) 123-4567", "030 1234567", "+44 20 7946 0958", "090-1234-5678"]
    assert _share("PHONE_NUMBER", phones) == 1.0
    # plain numbers, dates and decimals are not phones
    assert _share("PHONE_NUMBER", ["5551234567", "2021-03-04", "1234.5678", "12-34"]) == 0.0


def test_card_matcher_checks_luhn():
    assert _share("CREDIT_CARD", ["4111 1111 1111 1111", "5500-0000-0000-0004"]) == 1.0
    assert _share("CREDIT_CARD", ["4111 1111 1111 1112"]) == 0.0


def test_iban_matcher_checks_mod97():
    assert content.iban_ok("DE89370400440532013000")
    assert not content.iban_ok("DE89370400440532013001")
    assert _share("IBAN_CODE", ["GB82 WEST 1234 5698 7654 32"]) == 1.0


def test_ssn_matcher_rejects_invalid_areas():
    assert _share("US_SSN", ["078-05-1120", "123-45-6789"]) == 1.0
    assert _share("US_SSN", ["000-12-3456", "666-12-3456", "123-00-4567"]) == 0.0


def test_postcode_shapes():
    assert _share("POSTCODE", ["SW1A 1AA", "K1A 0B1", "1012 AB", "01310-100", "02139-4307"]) == 1.0
    assert _share("POSTCODE", ["12345", "hello"]) == 0.0  # bare 5 digits needs the header


def test_street_addresses_in_several_languages():
    streets = ["12 Main Street", "Hauptstraße 5", "12 rue de la Paix", "Calle Mayor 7",
               "Via Roma 3", "Kerkstraat 10", "Rua Augusta, 274", "742 Evergreen Terrace"]
    assert _share("STREET_ADDRESS", streets) == 1.0
    assert _share("STREET_ADDRESS", ["Main Street", "Berlin", "SKU-12345"]) == 0.0


def test_person_deny_list_and_stop_list():
    assert _share("PERSON", ["John Smith", "Maria García", "Hans Müller"]) == 1.0
    # table vocabulary that happens to be a surname or a first name is not a person
    assert _share("PERSON", ["White", "Black", "Male", "Never-married", "Houston"]) == 0.0


def test_vocabularies():
    assert _share("GENDER", ["Male", "female", "weiblich", "Homme", "F"]) == 1.0
    assert _share("ETHNICITY", ["White", "Asian-Pac-Islander", "Black"]) == 1.0
    assert _share("MARITAL_STATUS", ["Never-married", "Divorced", "verheiratet"]) == 1.0
    assert _share("COUNTRY", ["United-States", "Germany", "Mexico"]) == 1.0
    assert _share("LOCATION", ["Houston", "Berlin", "Lyon"]) == 1.0


@pytest.fixture(scope="module")
def analyzer():
    return get_analyzer()


def _found(analyzer, text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in analyzer.analyze(text, language="en", score_threshold=0.35):
        out.setdefault(r.entity_type, []).append(text[r.start:r.end])
    return out


def test_analyzer_is_cached_and_offline(analyzer):
    assert get_analyzer() is analyzer
    names = {r.name for r in analyzer.registry.recognizers}
    assert {"ZipCodeRecognizer", "MedicalRecordNumberRecognizer", "DateOfBirthRecognizer",
            "GenderRecognizer", "StreetAddressRecognizer", "PersonNameRecognizer",
            "LocationRecognizer", "OfflineEmailRecognizer"} <= names


def test_presidio_recognizers_in_free_text(analyzer):
    text = ("Call John Smith, born 3 May 1981, MRN-1234567, at 12 Main Street, Houston, "
            "zip 02139; mail j.smith@example.com. She is female.")
    found = _found(analyzer, text)
    assert "John Smith" in found["PERSON"]
    assert found["DATE_OF_BIRTH"] and "MRN-1234567" in found["MEDICAL_RECORD_NUMBER"]
    assert "12 Main Street" in found["STREET_ADDRESS"]
    assert "02139" in found["ZIP"]
    assert "j.smith@example.com" in found["EMAIL_ADDRESS"]
    assert "female" in found["GENDER"]
    assert "Houston" in found["LOCATION"]


def test_presidio_person_stop_list(analyzer):
    found = _found(analyzer, "White Male, Never-married, Black, Asian. Houston Texas.")
    assert "PERSON" not in found


def test_email_validation_never_touches_the_network(monkeypatch, analyzer):
    import socket

    from privsynth.detect.presidio_engine import offline_tld_extractor

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    offline_tld_extractor.cache_clear()
    assert offline_tld_extractor()("mail.example.co.uk").suffix == "co.uk"
    found = _found(analyzer, "write to jane.doe@example.co.uk today")
    assert found["EMAIL_ADDRESS"] == ["jane.doe@example.co.uk"]
