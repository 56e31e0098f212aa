"""Header signals: tokenising column names and matching the multilingual lexicon."""

from __future__ import annotations

import pytest

from privsynth.detect.header import best_hit, is_generic_id, tokenize


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("patientDOB", ["patient", "dob"]),
        ("first_name", ["first", "name"]),
        ("E-Mail", ["e", "mail"]),
        ("Straße", ["strasse"]),
        ("zip5", ["zip", "5"]),
        ("HTTPStatusCode", ["http", "status", "code"]),
    ],
)
def test_tokenize_splits_case_separators_and_accents(name, tokens):
    assert tokenize(name) == tokens


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("dob", "DATE_OF_BIRTH"),
        ("Geburtsdatum", "DATE_OF_BIRTH"),
        ("date_de_naissance", "DATE_OF_BIRTH"),
        ("fecha_nacimiento", "DATE_OF_BIRTH"),
        ("SSN", "US_SSN"),
        ("zip", "ZIP"),
        ("PLZ", "ZIP"),
        ("code_postal", "ZIP"),
        ("cap", "ZIP"),
        ("tel", "PHONE_NUMBER"),
        ("Telefonnummer", "PHONE_NUMBER"),
        ("teléfono", "PHONE_NUMBER"),
        ("Nachname", "PERSON"),
        ("prénom", "PERSON"),
        ("cognome", "PERSON"),
        ("achternaam", "PERSON"),
        ("sobrenome", "PERSON"),
        ("e-mail", "EMAIL_ADDRESS"),
        ("courriel", "EMAIL_ADDRESS"),
        ("sex", "GENDER"),
        ("Geschlecht", "GENDER"),
        ("marital-status", "MARITAL_STATUS"),
        ("native-country", "NATIONALITY"),
        ("CustomerID", "PERSON_ID"),
        ("salary_usd", "INCOME"),
        ("diagnosis_code", "HEALTH"),
        ("religion", "RELIGION"),
        ("ip_address", "IP_ADDRESS"),
        ("Wohnort", "LOCATION"),
    ],
)
def test_header_keywords_in_several_languages(name, entity):
    hit = best_hit(name)
    assert hit is not None and hit.entity == entity


@pytest.mark.parametrize(
    "name",
    ["product_name", "order_id", "sku", "page_count", "hours-per-week", "usage", "company_name",
     "hospital_city", "quantity"],
)
def test_things_and_lookalikes_are_not_person_data(name):
    assert best_hit(name) is None


def test_most_specific_keyword_wins():
    assert best_hit("email_address").entity == "EMAIL_ADDRESS"
    assert best_hit("date_of_birth").entity == "DATE_OF_BIRTH"


def test_generic_id():
    assert is_generic_id("ID") and is_generic_id("record_id")
    assert not is_generic_id("order_id") and not is_generic_id("name")
