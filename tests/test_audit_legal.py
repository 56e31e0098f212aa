"""Words that are legally right (issue 13, item 3): a pseudonymised release is called personal
data, never anonymized; the HIPAA Safe Harbor checklist of the 18 identifiers; GDPR Art. 9
special categories; a conditions field in the sign-off."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from privsynth.audit import audit
from privsynth.audit.legal import IDENTIFIERS, classify, hipaa_checklist, special_categories


def _patients(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": [f"Person {seed}-{i}" for i in range(n)],
            "phone": [f"555-01{i:04d}" for i in range(n)],
            "zip": rng.choice(["02139", "02140", "10001", "94110"], n),
            "dob": (pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 18000, n), "D"))
            .strftime("%Y-%m-%d"),
            "age": rng.integers(20, 99, n),
            "race": rng.choice(["White", "Black", "Asian"], n),
            "dx": rng.choice(["flu", "asthma", "diabetes"], n),
        }
    )


SCAN = [
    {"column": "name", "class": "direct", "entity": "PERSON"},
    {"column": "phone", "class": "direct", "entity": "PHONE_NUMBER"},
    {"column": "zip", "class": "quasi", "entity": "ZIP"},
    {"column": "dob", "class": "quasi", "entity": "DATE_OF_BIRTH"},
    {"column": "age", "class": "quasi", "entity": "AGE"},
    {"column": "race", "class": "quasi", "entity": "ETHNICITY"},  # no special_category field
    {"column": "dx", "class": "sensitive", "entity": "HEALTH", "special_category": "health"},
]


@pytest.mark.parametrize("action", ["pseudonymize", "mask", "shift_dates"])
def test_pseudonymised_output_is_personal_data_never_anonymized(action):
    actions = [{"column": "name", "action": action}, {"column": "zip", "action": "generalize"}]
    kind = classify(actions, mode="anonymize", dp=False, k_required=None, scan=SCAN,
                    released=["name", "zip"])  # fmt: skip
    assert kind.kind == "pseudonymised" and kind.personal_data is True
    assert "Recital 26" in kind.statement and "not anonymized" in kind.statement
    assert kind.because == [f"name ({action})"]


def test_the_audit_of_a_gdpr_pseudonymised_table_says_personal_data(tmp_path):
    train, hold = _patients(120, 1), _patients(120, 2)
    rel = train.assign(name=[f"p{i:04x}" for i in range(120)]).drop(columns=["phone"])
    manifest = {
        "mode": "anonymize",
        "policy": {"name": "gdpr-pseudonymise"},
        "columns": {
            "name": {"action": "pseudonymize", "method": "hmac"},
            "phone": {"action": "drop"},
        },
    }
    rep = audit(train, rel, hold, manifest=manifest, scan=SCAN, n_attacks=40)
    d = rep.to_dict()
    assert d["legal"]["kind"] == "pseudonymised" and d["legal"]["personal_data"] is True
    html = rep.to_html()
    assert "pseudonymised table (personal data)" in html
    assert "It is personal data under the GDPR" in html
    # the reviewer saw "anonymized (de-identified)"; the word may only appear negated
    assert not re.search(r"(?<!not )anonymized \(de-identified\)", html)
    assert re.findall(r"\banonymi[sz]ed\b", html.replace("not anonymized", "")) == []
    assert any("pseudonymisation key" in c for c in d["sign_off"]["suggested_conditions"])


def test_the_hipaa_checklist_names_each_identifier_and_what_became_of_it():
    actions = [
        {"column": "name", "action": "drop"},
        {"column": "phone", "action": "keep"},  # left in: still present
        {
            "column": "zip",
            "action": "generalize",
            "level": 1,
            "hierarchy": {"type": "prefix", "lengths": [3], "masked_prefixes": "hipaa"},
        },
        {
            "column": "dob",
            "action": "generalize",
            "level": 1,
            "hierarchy": {"type": "dates", "levels": ["month", "year"]},  # month: not enough
        },
        {
            "column": "age",
            "action": "generalize",
            "level": 1,
            "hierarchy": {"type": "topcode", "top": 90, "label": "90+"},
        },
    ]
    cols = ["name", "phone", "zip", "dob", "age", "race", "dx"]
    released = [c for c in cols if c != "name"]
    check = hipaa_checklist(SCAN, actions, cols, released)
    items = {i["letter"]: i for i in check["identifiers"]}
    assert [i.letter for i in IDENTIFIERS] == list("ABCDEFGHIJKLMNOPQR")
    assert items["A"]["status"] == "removed"
    assert items["B"]["status"] == "generalized"
    assert items["C"]["status"] == "still present"  # dob only to the month
    dob = next(c for c in items["C"]["columns"] if c["column"] == "dob")
    assert "year only" in dob["how"]
    assert items["D"]["status"] == "still present"
    assert items["F"]["status"] == "not present"
    assert not check["met"] and check["still_present"] == ["C", "D"]
    assert "164.514(b)(2)(ii)" in check["caveat"]


def test_the_checklist_appears_in_the_report_of_a_hipaa_release():
    train, hold = _patients(100, 1), _patients(100, 2)
    rel = train.drop(columns=["name", "phone"]).assign(
        zip=train["zip"].str[:3], dob=train["dob"].str[:4], age=train["age"].clip(upper=90)
    )
    manifest = {
        "mode": "anonymize",
        "policy": {"name": "hipaa-safe-harbor"},
        "columns": {
            "name": {"action": "drop"},
            "phone": {"action": "drop"},
            "zip": {"action": "generalize", "level": 1,
                    "hierarchy": {"type": "prefix", "lengths": [3], "masked_prefixes": "hipaa"}},
            "dob": {"action": "generalize", "level": 1,
                    "hierarchy": {"type": "dates", "levels": ["year"]}},
            "age": {"action": "generalize", "level": 1,
                    "hierarchy": {"type": "topcode", "top": 90, "label": "90+"}},
        },  # fmt: skip
    }
    rep = audit(train, rel, hold, manifest=manifest, scan=SCAN, n_attacks=40)
    hipaa = rep.to_dict()["legal"]["hipaa"]
    assert hipaa["met"] and hipaa["still_present"] == []
    html = rep.to_html()
    assert "HIPAA Safe Harbor checklist" in html and "None of the 18 identifiers" in html
    # a checklist without identifiers is not a clean bill: the measured risks are knowledge
    assert "164.514(b)(2)(ii)" in html


def test_special_categories_from_the_scan_field_or_the_entity():
    cats = special_categories(SCAN, [{"column": "race", "action": "keep"}], ["race", "dx"])
    by = {c["column"]: c for c in cats}
    assert by["dx"]["category"] == "health" and by["dx"]["source"] == "scan"
    assert by["race"]["category"] == "race_ethnicity"
    assert by["race"]["source"] == "derived from the entity"
    assert by["race"]["label"] == "racial or ethnic origin"
    assert set(by) == {"race", "dx"}


def test_the_sign_off_has_a_conditions_field(tmp_path):
    train, hold = _patients(80, 1), _patients(80, 2)
    rep = audit(train, train, hold, scan=SCAN, n_attacks=30)
    d = json.loads(rep.to_json())
    assert d["sign_off"]["conditions"] is None  # the signatory's to fill
    assert isinstance(d["sign_off"]["suggested_conditions"], list)
    html = rep.to_html()
    assert "<th>Conditions</th>" in html
    assert d["legal"]["kind"] == "identifiable"  # names and phones kept as they were
    assert "Art. 9(2)" in html


def test_the_art9_list_follows_the_detectors_special_category():
    # A real scan: the detector's per-finding special_category reaches the audit (ScanResult
    # and its --json form alike) and decides the Art. 9 list.
    import privsynth as ps

    train, hold = _patients(150, 1), _patients(150, 2)
    train["creed"] = np.resize(["Catholic", "Muslim", "None", "Jewish"], 150)
    hold["creed"] = np.resize(["Jewish", "None", "Muslim", "Catholic"], 150)
    scan = ps.scan(train)
    expected = {f.name: str(f.special_category) for f in scan.findings if f.special_category}
    assert {"race", "dx", "creed"} <= set(expected)
    for given in (scan, json.loads(scan.to_json())):
        rep = audit(train, train.drop(columns=["name", "phone"]), hold, scan=given, n_attacks=30)
        d = rep.to_dict()
        listed = {c["column"]: c for c in d["legal"]["special_categories"]}
        assert {c: v["category"] for c, v in listed.items()} == expected
        assert all(v["source"] == "scan" for v in listed.values())
        assert listed["creed"]["label"] == "religious or philosophical beliefs"
        assert all("decision" in f for f in d["scan"])
    # the detector's null is a verdict (e.g. a salary in a health table is not health data):
    # an entity that would imply a category does not override it
    judged = [{"column": "dx", "class": "sensitive", "entity": "HEALTH", "special_category": None}]
    assert special_categories(judged, [], ["dx"]) == []
