"""Header signals: tokenising column names and matching the multilingual lexicon."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.detect.header import best_hit, header_hits, is_generic_id, match_tokens, tokenize


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


# --- issue 12: tokenization, whole tokens, abbreviations -----------------------------------

@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("birthDate", ["birth", "date"]),
        ("titleOfCourtesy", ["title", "of", "courtesy"]),
        ("HEALTHCARE_EXPENSES", ["healthcare", "expenses"]),
        ("TOTALCOST", ["total", "cost"]),  # an ALLCAPS compound of known words
        ("raceethnicity", ["race", "ethnicity"]),
        ("id.bioguide", ["id", "bioguide"]),  # dotted (flattened YAML/JSON)
        ("end-type", ["end", "type"]),  # kebab
        ("DaysLateLast30", ["days", "late", "last", "30"]),
        ("DateofHire", ["date", "of", "hire"]),
        ("Readmission_Rate", ["readmission", "rate"]),  # "re" is no word: no split
        ("ETHNICITY", ["ethnicity"]),  # a known word is never split ("city")
    ],
)
def test_tokenize_camel_allcaps_compounds_dotted_kebab(name, tokens):
    assert tokenize(name) == tokens


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("birthDate", "DATE_OF_BIRTH"), ("hireDate", "DATE"), ("titleOfCourtesy", "TITLE"),
        ("reportsTo", "PERSON_ID"), ("ManagerID", "PERSON_ID"), ("mgr_id", "PERSON_ID"),
        ("extension", "PHONE_NUMBER"), ("phone_ext", "PHONE_NUMBER"), ("photo", "PHOTO"),
        ("photoPath", "PHOTO"), ("Position", "OCCUPATION"), ("pos", "OCCUPATION"),
        ("Department", "OCCUPATION"), ("dept", "OCCUPATION"), ("HispanicLatino", "ETHNICITY"),
        ("CitizenDesc", "NATIONALITY"), ("TermReason", "EMPLOYMENT_EVALUATION"),
        ("PerformanceScore", "EMPLOYMENT_EVALUATION"), ("PerfScoreID", "EMPLOYMENT_EVALUATION"),
        ("DaysLateLast30", "EMPLOYMENT_EVALUATION"), ("EmpStatusID", "EMPLOYMENT_STATUS"),
        ("tel", "PHONE_NUMBER"), ("dob", "DATE_OF_BIRTH"), ("ssn", "US_SSN"), ("mrn",
        "MEDICAL_RECORD_NUMBER"), ("zip", "ZIP"), ("dx_code", "HEALTH"), ("rx", "HEALTH"),
        ("birth_yr", "DATE_OF_BIRTH"), ("HEALTHCARE_EXPENSES", "FINANCIAL"),
        ("TOTAL_CLAIM_COST", "FINANCIAL"), ("ENCOUNTERCLASS", "HEALTH"),
        ("LENGTH_OF_STAY", "HEALTH"), ("DIAGNOSIS_ICD10", "HEALTH"), ("BIRTHPLACE", "LOCATION"),
        ("deathCity", "LOCATION"), ("birthYear", "DATE_OF_BIRTH"), ("MAIDEN", "PERSON"),
        ("social.twitter", "USERNAME"), ("name.suffix", "TITLE"),  # head word wins
        ("LastPerformanceReview_Date", "DATE"), ("Nom de l'élu", "PERSON"),
        ("Libellé du département", "LOCATION"), ("Employee_Name", "PERSON"),
    ],
)
def test_camel_terse_and_abbreviated_headers(name, entity):
    hit = best_hit(name)
    assert hit is not None and hit.entity == entity, (name, hit)


@pytest.mark.parametrize(
    ("name", "not_entity"),
    [
        ("ETHNICITY", "LOCATION"),  # 'city' inside a word
        ("DaysLateLast30", "PHONE_NUMBER"),  # 'tel' inside 'Last30'? never
        ("Readmission_Rate", "DATE"),  # 'admission' inside 'readmission'
        ("BIRTHPLACE", "DATE_OF_BIRTH"),  # a place of birth is no birth date
        ("hotel_rating", "PHONE_NUMBER"),
        ("capacity", "ZIP"),  # 'cap' (Italian postcode) only as a whole token
        ("nationality_known", "LOCATION"),
    ],
)
def test_keywords_match_whole_tokens_only(name, not_entity):
    assert all(h.entity != not_entity for h in header_hits(name)), header_hits(name)


def test_survey_questions_ask_for_the_subject_not_the_time_frame():
    hit = best_hit("How much did your household earn last year?")
    assert hit is not None and hit.entity == "INCOME"
    assert best_hit("Will you travel on the holiday weekend?") is None
    assert best_hit("Do you ever smoke cigarettes?").entity == "HEALTH"
    assert best_hit("Have you ever cheated on your significant other?").entity == \
        "SEXUAL_ORIENTATION"


def test_thing_qualifiers_veto_person_readings_but_not_person_events():
    assert best_hit("product_name") is None and best_hit("release_year") is None
    assert best_hit("rental_date").entity == "DATE"  # the customer's rental (R6)
    assert best_hit("payment_date").entity == "DATE"
    assert best_hit("Location (Census Region)").entity == "LOCATION"


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_.- 0123456789", min_size=1,
                max_size=30)


@given(_WORD)
@settings(max_examples=300, deadline=None)
def test_every_hit_is_made_of_whole_tokens(name):
    """A keyword hits only if all its tokens are tokens of the name (or it is the tail of a
    compound of 12+ letters): never a substring in the middle of a word."""
    tokens = set(match_tokens(name)) | set(tokenize(name))
    raw = name.lower()
    for h in header_hits(name):
        parts = tokenize(h.keyword)
        tail = "".join(parts)
        assert set(parts) <= tokens or (len(tail) >= 8 and any(
            t.endswith(tail) and len(t) >= len(tail) + 4 for t in tokenize(name))), (name, h)
        assert raw  # the name is not empty
