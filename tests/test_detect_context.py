"""Whole-table decisions (issue 12): person keys and references, organisation rows, recodes,
the GDPR Art. 9 flag and the fail-safe decision."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.detect import ColumnClass, Decision, scan
from privsynth.detect.recodes import find_recodes

N = 240


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = rng.choice(["Anna", "Peter", "Maria", "John", "Laura", "Paul", "Emma", "Luis"], n)
    last = rng.choice(["Smith", "Meyer", "Rossi", "Garcia", "Klein", "Novak", "Berg"], n)
    return np.char.add(np.char.add(first, " "), last)


def test_every_unique_key_of_a_person_table_is_a_person_key():
    rng = _rng(1)
    df = pd.DataFrame({
        "id.bioguide": [f"K{i:06d}" for i in rng.choice(10**6, N, replace=False)],
        "id.govtrack": rng.choice(10**6, N, replace=False),
        "retroID": [f"abc{i:05d}" for i in range(N)],
        "name.first": _names(rng, N), "bio.gender": rng.choice(["F", "M"], N),
        "bio.birthday": (pd.Timestamp("1940-01-01")
                         + pd.to_timedelta(rng.integers(0, 20000, N), unit="D")).astype(str),
    })
    res = scan(df)
    for col in ("id.bioguide", "id.govtrack", "retroID"):
        assert res[col].entity == "PERSON_ID" and res[col].cls == ColumnClass.DIRECT, res[col]


def test_a_bare_id_of_an_event_table_is_the_events_key():
    rng = _rng(2)
    patients = _uuids(rng, 60)
    df = pd.DataFrame({"Id": _uuids(rng, N), "PATIENT": rng.choice(patients, N),
                       "START": pd.date_range("2020-01-01", periods=N, freq="D").astype(str),
                       "CODE": rng.choice(["314529007", "10509002", "444814009"], N)})
    res = scan(df)
    assert res["PATIENT"].entity == "PERSON_ID"
    assert res["Id"].cls == ColumnClass.OTHER  # R2: an encounter's key


def test_references_to_the_tables_own_person_key_are_person_keys():
    rng = _rng(3)
    ids = _uuids(rng, N)
    df = pd.DataFrame({"Id": ids, "name": _names(rng, N), "sex": rng.choice(["F", "M"], N),
                       "supervisor_ref": rng.choice(ids[:12], N),  # no role word needed
                       "reportsTo": rng.integers(1, 6, N), "size": rng.integers(1, 6, N)})
    res = scan(df)
    assert res["supervisor_ref"].entity == "PERSON_ID"
    assert res["reportsTo"].entity == "PERSON_ID"  # by its header (few distinct values)
    assert res["size"].cls == ColumnClass.OTHER  # small integers are no reference


def test_organisation_rows_have_no_personal_contact_details():
    rng = _rng(4)
    n = 150
    df = pd.DataFrame({
        "NAME": [f"{a}{b} {c}" for a, b, c in zip(
            rng.choice(["Lake", "Val", "Har", "Pine", "Oak", "Elm"], n),
            rng.choice(["side", "ley", "bor", "wood", "field", "view", "crest"], n),
            rng.choice(["Community Hospital", "Health Center Inc", "Medical Group LLC"], n),
            strict=True)],
        "ADDRESS": [f"{rng.integers(1, 999)} Main Street" for _ in range(n)],
        "CITY": rng.choice(["Omaha", "Lincoln", "Kearney"], n),
        "PHONE": [f"(402) 555-{x:04d}" for x in rng.integers(0, 9999, n)],
    })
    res = scan(df)
    for col in ("ADDRESS", "CITY", "PHONE"):
        assert res[col].cls == ColumnClass.OTHER and not res[col].not_personal, res[col]
    # the same contact details in rows that name a person are direct (R4)
    df["CONTACT_NAME"] = _names(rng, n)
    res = scan(df)
    assert res["ADDRESS"].cls == ColumnClass.DIRECT and res["PHONE"].cls == ColumnClass.DIRECT


def test_a_recode_takes_the_class_of_what_it_recodes():
    rng = _rng(5)
    sex = rng.choice(["M", "F"], N)
    marital = rng.choice(["Married", "Single", "Divorced", "Widowed"], N)
    age = rng.integers(18, 80, N)
    df = pd.DataFrame({
        "Sex": sex, "GenderID": np.where(sex == "F", 0, 1),
        "MaritalDesc": marital, "MarriedID": (marital == "Married").astype(int),
        "AGE": age, "AGEGR1": np.where(age < 40, "<40", np.where(age < 65, "40-64", ">=65")),
        "RACE": rng.choice(["WHITE", "BLACK", "ASIAN"], N),
        "unrelated": rng.choice(["x", "y", "z"], N),
    })
    df["RACEN"] = df["RACE"].map({"WHITE": 1, "BLACK": 2, "ASIAN": 3})
    res = scan(df)
    assert res["GenderID"].cls == ColumnClass.QUASI and res["GenderID"].entity == "GENDER"
    assert res["MarriedID"].entity == "MARITAL_STATUS"  # a coarser coding
    assert res["AGEGR1"].cls == ColumnClass.QUASI
    assert res["RACEN"].entity == "ETHNICITY" and res["RACEN"].special_category == \
        "race_ethnicity"
    assert res["unrelated"].cls == ColumnClass.OTHER


@given(st.integers(2, 6), st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_recodes_found_both_ways_and_never_between_independent_columns(k, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, 300)
    perm = rng.permutation(k)
    rows = pd.DataFrame({"a": a.astype(str), "b": perm[a], "c": rng.integers(0, k, 300),
                         "key": np.arange(300), "key2": np.arange(300) * 7})
    found = {(r.target, r.source) for r in find_recodes(rows, [0], [1, 2], {0})}
    assert (1, 0) in found  # a bijection whatever the labels
    if len(np.unique(rows["c"])) > 1:
        assert (2, 0) not in found or np.all(
            pd.crosstab(rows["a"], rows["c"]).gt(0).sum(axis=1) == 1)
    # two unique keys are bijections of each other but no recode
    assert find_recodes(rows, [3], [4], {3}) == []


def test_race_is_quasi_and_special_and_the_flag_is_in_the_json():
    rng = _rng(6)
    df = pd.DataFrame({"race": rng.choice(["White", "Black", "Asian"], N),
                       "diagnosis": rng.choice(["asthma", "diabetes", "hypertension"], N),
                       "religion": rng.choice(["Catholic", "Muslim", "Jewish"], N),
                       "party": rng.choice(["Democrat", "Republican"], N),
                       "sex": rng.choice(["F", "M"], N)})
    res = scan(df)
    assert res["race"].cls == ColumnClass.QUASI and res["race"].special_category == \
        "race_ethnicity"
    assert res["diagnosis"].special_category == "health"
    assert res["religion"].special_category == "religion"
    assert res["party"].special_category == "politics"
    assert res["sex"].special_category is None
    assert res["race"].evidence[0].startswith("GDPR Art. 9")  # shown in tables and policies
    cols = {c["name"]: c for c in json.loads(res.to_json())["columns"]}
    assert cols["race"]["special_category"] == "race_ethnicity"
    assert cols["race"]["class"] == "quasi" and cols["sex"]["special_category"] is None
    assert {"decision", "review_reason"} <= set(cols["sex"])


def test_failsafe_keeps_only_confidently_non_personal_columns():
    rng = _rng(7)
    things = pd.DataFrame({
        "UDI": np.arange(N), "Type": rng.choice(["L", "M", "H"], N),
        "torque_nm": rng.normal(40, 10, N).round(1), "failure": rng.choice([0, 1], N),
        "Product ID": [f"P{i:05d}" for i in range(N)], "city": rng.choice(["Lyon", "Nice"], N),
    })
    res = scan(things)
    for col in ("Type", "torque_nm", "failure", "Product ID"):
        assert res[col].not_personal, (col, res[col].review_reason)
    assert res["UDI"].decision == Decision.UNCERTAIN  # unique: could be anybody's key
    assert "many distinct" in res["UDI"].review_reason
    assert res["city"].cls == ColumnClass.OTHER and not res["city"].not_personal
    assert "LOCATION" in res["city"].review_reason  # a place, kept only for lack of people
    people = things.assign(name=_names(rng, N), sex=rng.choice(["F", "M"], N))
    res = scan(people)
    assert not res["Type"].not_personal  # in a table about people a human decides
    assert not res["failure"].not_personal
    for f in res:
        assert f.not_personal == (f.cls == ColumnClass.OTHER and f.decision == "confident")
        assert (f.review_reason is None) == (f.decision == "confident")


def test_failsafe_free_text_and_header_signals_need_review():
    rng = _rng(8)
    df = pd.DataFrame({"comment": rng.choice(["the parcel came late and was damaged badly",
                                              "very happy with the service of the shop"], N),
                       "phone_type": rng.choice(["mobile", "home", "work"], N)})
    res = scan(df)
    assert "free text" in res["comment"].review_reason
    assert not res["phone_type"].not_personal


def test_drafted_policy_comments_name_the_special_category_and_the_review_reason():
    rng = _rng(9)
    df = pd.DataFrame({"race": rng.choice(["White", "Black", "Asian"], N),
                       "name": _names(rng, N), "UDI": np.arange(N),
                       "level": rng.choice(["a", "b"], N)})
    text = scan(df).draft_policy()
    race = next(line for line in text.splitlines() if "race" in line and "#" in line)
    assert "GDPR Art. 9 special category race_ethnicity" in race
    assert "needs review" in text  # the uncertain `other` columns say why
