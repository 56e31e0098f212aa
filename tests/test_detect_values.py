"""Values as evidence (issue 12): names with digit suffixes, IPs vs phones, log and offset
timestamps, medical codes and descriptions, money, organisations vs people, birth years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.detect import ColumnClass, content, medical, scan

N = 200


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _people(rng: np.random.Generator, n: int = N) -> dict[str, object]:
    """Columns that make a table about people (so dates, places and money count)."""
    return {"sex": rng.choice(["M", "F"], n), "age": rng.integers(18, 90, n)}


def test_names_with_digit_suffixes_are_names():
    rng = _rng(1)
    first = rng.choice(["Alice", "Marcell", "Joseph", "Lorine", "Lou", "Maria", "Peter"], N)
    last = rng.choice(["Gleason", "Hayes", "Little", "Klein", "Olson", "Towne"], N)
    sfx = lambda: rng.integers(1, 999, N).astype(str)  # noqa: E731
    df = pd.DataFrame({"FIRST": np.char.add(first, sfx()), "LAST": np.char.add(last, sfx()),
                       "NAME": np.char.add(np.char.add(np.char.add(first, sfx()), " "),
                                           np.char.add(last, sfx()))})
    res = scan(df)
    for col in df.columns:
        assert res[col].entity == "PERSON" and res[col].cls == ColumnClass.DIRECT, res[col]
    # without any header help the suffixed names are still names
    assert scan(pd.DataFrame({"c": df["NAME"]}))["c"].entity == "PERSON"
    assert content.strip_name_digits(["Marcell728 Klein929"]) == ["Marcell Klein"]
    # but codes with a digit (diamond clarity, team codes) are no suffixed names
    assert not content.matches("SUFFIXED_NAME", pd.Series(["SI2", "VS1", "CH1"])).any()


def test_private_and_v6_ip_addresses_are_ips_not_phones():
    rng = _rng(2)
    octet = lambda: rng.integers(1, 255, N).astype(str)  # noqa: E731
    ips = np.char.add("10.", np.char.add(np.char.add(octet(), "."),
                                        np.char.add(np.char.add(octet(), "."), octet())))
    v6 = [f"2001:db8:{rng.integers(0, 65535):x}::{rng.integers(1, 65535):x}" for _ in range(N)]
    res = scan(pd.DataFrame({"client": ips, "remote": v6}))
    assert res["client"].entity == "IP_ADDRESS" and res["client"].cls == ColumnClass.DIRECT
    assert res["remote"].entity == "IP_ADDRESS"
    assert not content.matches("PHONE_NUMBER", pd.Series(ips)).any()
    text = "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: " \
           "/10.250.19.102:50010"
    assert not content.phones_in_text(text)
    assert content.phones_in_text("call me on +44 20 7946 0958 tomorrow")


def test_addresses_of_machines_are_not_a_persons():
    rng = _rng(3)
    ips = [f"10.12.0.{i % 40 + 2}" for i in range(N)]
    df = pd.DataFrame({"device_ip": ips, "temperature_c": rng.normal(22, 2, N).round(2)})
    f = scan(df)["device_ip"]
    assert f.cls == ColumnClass.OTHER and f.entity == "IP_ADDRESS"
    assert not f.not_personal  # a human confirms it


@pytest.mark.parametrize("values", [
    ["[29/Nov/2017:06:58:55 +0000]", "[29/Nov/2017:07:01:02 +0000]"],  # common log format
    ["[29/Nov/2017:06:58:55", "[29/Nov/2017:07:01:02"],  # ... split on whitespace
    ["17/May/2015:10:05:43 +0000", "17/May/2015:10:05:47 +0000"],
    ["Nov 29 06:58:55", "Dec  3 17:01:02"],  # syslog
    ["1998-11-29 00:00:00+01:00", "1999-03-10 12:23:05+01:00"],  # ISO with a UTC offset
    ["2017-12-20T23:38:03Z", "2018-10-24T23:38:03.123Z"],
])
def test_log_and_offset_timestamps_are_dates(values):
    rng = _rng(4)
    stamps = [values[i % 2].replace("58", f"{i % 60:02d}") for i in range(N)]
    df = pd.DataFrame({"at": stamps, "user": [f"u{i}" for i in rng.integers(0, 50, N)],
                       **_people(rng)})
    f = scan(df)["at"]
    assert f.entity == "DATE" and f.cls == ColumnClass.QUASI, f
    assert not any("unique id-like" in e for e in f.evidence)


def test_date_parts_and_birth_years_of_any_plausible_range():
    rng = _rng(5)
    df = pd.DataFrame({
        "birthYear": rng.integers(1841, 2000, N), "birthMonth": rng.integers(1, 13, N),
        "birthDay": rng.integers(1, 32, N), "deathYear": rng.integers(1880, 2021, N),
        "day": rng.choice(["Sun", "Sat", "Thur", "Fri"], N),
        "meal_time": rng.choice(["Lunch", "Dinner"], N),
        "Time": [f"{h:02d}:{m:02d}:07" for h, m in zip(rng.integers(0, 24, N),
                                                        rng.integers(0, 60, N), strict=True)],
        "zone": "+0100]", **_people(rng),
    })
    res = scan(df)
    for col in ("birthYear", "birthMonth", "birthDay"):
        assert res[col].entity == "DATE_OF_BIRTH", res[col]
    for col in ("deathYear", "day", "meal_time", "Time", "zone"):
        assert res[col].cls == ColumnClass.QUASI and res[col].entity == "DATE", res[col]


def test_snomed_codes_are_recognised_by_their_check_digit():
    codes = ["314529007", "10509002", "444814009", "75498004", "410620009", "185345009"]
    assert all(medical.snomed_ok(c) for c in codes)
    assert not medical.snomed_ok("123456789") and not medical.snomed_ok("422973956")
    rng = _rng(6)
    df = pd.DataFrame({"CODE": rng.choice(codes, N), **_people(rng)})
    f = scan(df)["CODE"]
    assert f.entity == "HEALTH" and f.cls == ColumnClass.SENSITIVE
    assert f.special_category == "health"
    assert any("SNOMED" in e for e in f.evidence)
    # a list of codes that describes nobody (a code system, hospital measures) is not health
    # data about a person, but a human confirms it
    g = scan(df[["CODE"]])["CODE"]
    assert g.cls == ColumnClass.OTHER and not g.not_personal


@pytest.mark.parametrize(("values", "kind"), [
    (["E11.9", "J45.40", "I10.0", "M54.5", "K21.9", "F32.1"], "ICD-10"),
    (["2345-7", "2160-0", "718-7", "4548-4", "2093-3", "8480-6"], "LOINC"),
    (["0002-3227-30", "50090-2875-0", "00378-3512-01", "0093-7146-56"], "NDC"),
])
def test_medical_code_shapes_without_a_header(values, kind):
    assert all(medical.code_kind(v) == kind for v in values), [medical.code_kind(v) for v in values]
    rng = _rng(12)
    f = scan(pd.DataFrame({"c": [values[i % len(values)] for i in range(N)],
                           **_people(rng)}))["c"]
    assert f.entity == "HEALTH", f
    assert f.entity != "PHONE_NUMBER"  # an NDC is shaped like a phone


def test_medical_descriptions_are_health():
    rng = _rng(7)
    desc = ["Viral sinusitis (disorder)", "Acute bronchitis (disorder)",
            "Acetaminophen 325 MG Oral Tablet", "Otitis media", "Well child visit (procedure)",
            "Hypertension", "Streptococcal sore throat (disorder)", "Amoxicillin 250 MG"]
    f = scan(pd.DataFrame({"DESCRIPTION": rng.choice(desc, N), **_people(rng)}))["DESCRIPTION"]
    assert f.entity == "HEALTH" and f.special_category == "health"
    # film blurbs are not
    blurbs = ["A Touching Drama of a Robot And a Dentist", "A Fateful Tale of a Cow",
              "A Epic Story of a Car And a Boat", "A Brilliant Panorama of a Moose"]
    g = scan(pd.DataFrame({"description": rng.choice(blurbs, N), **_people(rng)}))["description"]
    assert g.entity != "HEALTH"


def test_money_about_a_person_is_financial_and_prices_of_things_are_not():
    rng = _rng(8)
    people = pd.DataFrame({
        "Owner": rng.choice(["Adam Silver", "Amy Adams", "Peter Holt", "Maria Lopez"], N),
        "Amount": [f"${x:,} " for x in rng.integers(1, 50, N) * 100],
        "fare": rng.uniform(2.5, 80, N).round(2), "tip": rng.uniform(0, 20, N).round(2),
        **_people(rng),
    })
    res = scan(people)
    for col in ("Amount", "fare", "tip"):
        assert res[col].entity == "FINANCIAL" and res[col].cls == ColumnClass.SENSITIVE, res[col]
    things = pd.DataFrame({"product_name": [f"Widget {i}" for i in range(N)],
                           "unit_price": rng.uniform(1, 99, N).round(2),
                           "replacement_cost": rng.uniform(9, 30, N).round(2)})
    res = scan(things)
    assert all(f.cls == ColumnClass.OTHER for f in res), [(f.name, f.cls) for f in res]


def test_health_care_money_is_special_category_health():
    rng = _rng(9)
    df = pd.DataFrame({"HEALTHCARE_EXPENSES": rng.uniform(100, 1e6, N).round(2),
                       "INCOME": rng.integers(10000, 200000, N), **_people(rng)})
    res = scan(df)
    assert res["HEALTHCARE_EXPENSES"].special_category == "health"
    assert res["INCOME"].cls == ColumnClass.SENSITIVE and res["INCOME"].special_category is None


def test_organisation_and_product_names_are_not_people():
    rng = _rng(10)
    df = pd.DataFrame({
        "supplier": np.char.add(rng.choice(["Haszajuth", "Miller", "Schmidt", "Rossi"], N),
                                rng.choice([" Brothers", " GmbH", " & Sons", " Inc."], N)),
        "Recipient": rng.choice(["BIDEN FOR PRESIDENT", "MONTANANS FOR TESTER",
                                 "REPUBLICAN NATIONAL COMMITTEE", "DSCC", "WRIGHT 2016"], N),
        "name": rng.choice(["ford torino", "chevrolet impala", "toyota corolla"], N),
    })
    res = scan(df)
    assert res["supplier"].entity != "PERSON"
    assert res["Recipient"].entity == "POLITICAL_OPINION"
    assert res["Recipient"].special_category == "politics"
    assert res["name"].entity != "PERSON"


def test_user_agents_are_device_descriptions():
    agents = ["Mozilla/5.0 (X11; Linux x86_64; rv:57.0) Gecko/20100101 Firefox/57.0",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", "curl/7.55.1"]
    f = scan(pd.DataFrame({"agent": [agents[i % 3] for i in range(N)]}))["agent"]
    assert f.entity == "DEVICE" and f.cls == ColumnClass.QUASI


def test_empty_or_placeholder_columns_are_classed_by_their_header():
    df = pd.DataFrame({"ident": ["-"] * N, "address2": [None] * N, "notes_x": [None] * N,
                       **_people(_rng(11))})
    res = scan(df)
    assert res["ident"].cls == ColumnClass.DIRECT and res["ident"].decision == "uncertain"
    assert res["address2"].entity == "STREET_ADDRESS"
    assert res["notes_x"].cls == ColumnClass.OTHER
