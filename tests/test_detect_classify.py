"""The column decision, including the false-positive traps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from privsynth.detect import ColumnClass, scan


def _col(df: pd.DataFrame, name: str):
    return scan(df)[name]


@pytest.fixture(scope="module")
def fake() -> Faker:
    f = Faker("en_US")
    f.seed_instance(3)
    return f


def test_race_sex_and_city_values_are_not_person():
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({
        "race": rng.choice(["White", "Black", "Asian-Pac-Islander", "Other"], n),
        "sex": rng.choice(["Male", "Female"], n),
        "city": rng.choice(["Houston", "Dallas", "Austin", "Denver", "Phoenix"], n),
        "marital": rng.choice(["Never-married", "Divorced", "Married-civ-spouse"], n),
        "c1": rng.choice(["White", "Black", "Asian"], n),  # no header help
        "c2": rng.choice(["Male", "Female"], n),
    })
    res = scan(df)
    for col in df.columns:
        assert res[col].entity != "PERSON", col
    assert res["race"].entity == "ETHNICITY" and res["c1"].entity == "ETHNICITY"
    assert res["sex"].entity == "GENDER" and res["c2"].entity == "GENDER"
    assert res["city"].entity == "LOCATION"


def test_names_found_without_header(fake):
    df = pd.DataFrame({"c": [fake.name() for _ in range(150)]})
    f = _col(df, "c")
    assert f.cls == ColumnClass.DIRECT and f.entity == "PERSON"


def test_product_codes_and_order_numbers_are_other():
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({
        "sku": [f"SKU-{x}" for x in rng.integers(10000, 99999, n)],
        "order_number": [f"ORD-2024-{i:06d}" for i in range(n)],
        "product_code": [f"AB{x}" for x in rng.integers(100000, 999999, n)],
        "ean": rng.integers(10**12, 10**13 - 1, n),
    })
    res = scan(df)
    for col in df.columns:
        assert res[col].cls == ColumnClass.OTHER, col


def test_zip_needs_header_but_integer_stays_other():
    rng = np.random.default_rng(2)
    values = [f"{x:05d}" for x in rng.integers(1000, 99999, 300)]
    df = pd.DataFrame({"zip": values, "amount": rng.integers(10000, 99999, 300)})
    res = scan(df)
    assert res["zip"].entity == "ZIP" and res["zip"].cls == ColumnClass.QUASI
    assert res["amount"].cls == ColumnClass.OTHER


def test_one_stray_email_in_notes_does_not_flag(fake):
    notes = ["ok", "fragile", "leave at door", "express", "call before delivery"] * 60
    notes[17] = f"questions to {fake.email()}"
    f = _col(pd.DataFrame({"notes": notes}), "notes")
    assert f.cls == ColumnClass.OTHER
    assert f.entity != "EMAIL_ADDRESS"


def test_single_email_among_plain_values_does_not_flag(fake):
    vals = [f"value {i}" for i in range(199)] + [fake.email()]
    f = _col(pd.DataFrame({"x": vals}), "x")
    assert f.cls == ColumnClass.OTHER


def test_free_text_with_pii_is_flagged_with_entities(fake):
    notes = []
    for i in range(120):
        if i % 2:
            notes.append(f"Spoke with {fake.name()} who asked us to call {fake.phone_number()}.")
        else:
            notes.append("Customer satisfied with the outcome of the repair work today.")
    f = _col(pd.DataFrame({"notes": notes}), "notes")
    assert f.cls == ColumnClass.DIRECT
    assert "PERSON" in f.entities and "PHONE_NUMBER" in f.entities


def test_misleading_header_is_caught_by_content(fake):
    df = pd.DataFrame({"code": [fake.email() for _ in range(100)],
                       "ref": [fake.phone_number() for _ in range(100)]})
    res = scan(df)
    assert res["code"].entity == "EMAIL_ADDRESS" and res["code"].cls == ColumnClass.DIRECT
    assert res["ref"].entity == "PHONE_NUMBER"
    assert any("pattern" in e for e in res["code"].evidence)
    assert res["code"].entities == []  # `entities` lists what was found inside free text


def test_boolean_flag_named_like_pii_is_not_pii():
    df = pd.DataFrame({"email": ["yes", "no"] * 50})
    assert _col(df, "email").cls == ColumnClass.OTHER


def test_name_header_over_products_is_not_person():
    df = pd.DataFrame({"name": [f"Widget {i} Pro 2000" for i in range(100)]})
    assert _col(df, "name").entity != "PERSON"


def test_age_header_needs_plausible_range():
    assert _col(pd.DataFrame({"age": np.arange(18, 90).repeat(3)}), "age").entity == "AGE"
    assert _col(pd.DataFrame({"age": np.arange(1000, 1300)}), "age").cls == ColumnClass.OTHER


def test_sensitive_attributes():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({
        "diagnosis": rng.choice(["asthma", "diabetes", "none"], 100),
        "salary": rng.integers(20000, 90000, 100),
        "x": rng.choice(["Catholic", "Muslim", "Jewish", "Hindu"], 100),
    })
    res = scan(df)
    assert res["diagnosis"].cls == ColumnClass.SENSITIVE and res["diagnosis"].entity == "HEALTH"
    assert res["salary"].entity == "INCOME"
    assert res["x"].entity == "RELIGION" and res["x"].cls == ColumnClass.SENSITIVE


def test_dates_of_birth_and_dates(fake):
    df = pd.DataFrame({
        "dob": [fake.date_of_birth().isoformat() for _ in range(100)],
        "c": [fake.date_of_birth().strftime("%d.%m.%Y") for _ in range(100)],
        "name": [fake.name() for _ in range(100)],
    })
    res = scan(df)
    assert res["dob"].entity == "DATE_OF_BIRTH"
    assert res["c"].cls == ColumnClass.QUASI


def test_bare_id_is_a_person_key_only_in_a_table_about_people(fake):
    people = pd.DataFrame({"id": range(100), "name": [fake.name() for _ in range(100)],
                           "email": [fake.email() for _ in range(100)]})
    assert scan(people)["id"].entity == "PERSON_ID"
    things = pd.DataFrame({"id": range(100), "price": np.linspace(1, 2, 100)})
    assert scan(things)["id"].cls == ColumnClass.OTHER


def test_every_finding_has_confidence_and_evidence(fake):
    df = pd.DataFrame({"name": [fake.name() for _ in range(50)], "n": range(50),
                       "empty": [None] * 50})
    for f in scan(df):
        assert 0.0 <= f.confidence <= 1.0
        assert f.evidence
    assert scan(df)["empty"].cls == ColumnClass.OTHER


def test_sensitive_free_text_naming_people_is_direct(fake):
    notes = [f"{fake.name()} reports chest pain since Monday, referred to cardiology."
             for _ in range(60)]
    f = _col(pd.DataFrame({"diagnosis_notes": notes}), "diagnosis_notes")
    assert f.cls == ColumnClass.DIRECT and "PERSON" in f.entities
    assert any("diagnosis" in e for e in f.evidence)


def test_places_and_dates_without_people_are_other():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({
        "city": rng.choice(["Berlin", "Paris", "Madrid", "Rome"], 100),
        "date": pd.date_range("2024-01-01", periods=100).strftime("%Y-%m-%d"),
        "temperature": rng.normal(15, 5, 100).round(1),
    })
    res = scan(df)
    assert res["city"].cls == ColumnClass.OTHER and res["date"].cls == ColumnClass.OTHER


def test_header_guards_against_lookalike_content():
    rng = np.random.default_rng(6)
    n = 200
    df = pd.DataFrame({
        "name": [f"Customer {i}" for i in range(n)],  # a name that is no person's
        "state": rng.choice(["open", "closed", "pending"], n),
        "web_sales": rng.uniform(0, 1000, n).round(2),
        "ip_count": rng.integers(0, 500, n),
        "phone_type": rng.choice(["mobile", "home", "work"], n),
        "job": rng.choice(["running", "failed", "done", "queued"], n),
        "email": [f"u{i}@example.com" for i in range(n)],
    })
    res = scan(df)
    for col in ["state", "web_sales", "ip_count", "phone_type", "job"]:
        assert res[col].cls == ColumnClass.OTHER, (col, res[col])


def test_number_headers_need_digits_and_ids_are_not_times():
    rng = np.random.default_rng(7)
    n = 150
    df = pd.DataFrame({
        "cell": [f"cell_{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(n)],
        "card": rng.choice([f"Dragon {c}" for c in "ABCDEFGHIJKLMNOP"], n),
        "last_login": pd.date_range("2024-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M"),
        "cp": rng.integers(0, 4, n),
        "name": ["Ana Souza", "Jon Berg"] * (n // 2),
    })
    res = scan(df)
    assert res["cell"].cls == ColumnClass.OTHER and res["card"].cls == ColumnClass.OTHER
    assert res["last_login"].entity != "USERNAME" and res["cp"].entity != "ZIP"


def test_company_names_are_not_people(fake):
    df = pd.DataFrame({"c": [fake.company() for _ in range(150)],
                       "hospital": [f"{fake.last_name()} Memorial" for _ in range(150)]})
    res = scan(df)
    assert res["c"].entity != "PERSON" and res["hospital"].entity != "PERSON"
