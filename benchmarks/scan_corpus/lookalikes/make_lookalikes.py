"""Generate the look-alike fixtures: our own small tables in the shapes real tables broke on.

    python benchmarks/scan_corpus/lookalikes/make_lookalikes.py

Nothing here is copied from the corpus: every value is generated from a fixed numpy seed, with
invented names (syllables, so no scanner deny-list knows them) and format-valid but random
codes, so the tables can ship with the tests. Each table imitates a shape the real-table
corpus showed to be hard (see /work/notes/corpus-findings.md and LABELLING.md):

  lk_patients     Synthea-like: names with digit suffixes (Marcell728), UPPERCASE headers,
                  SSN/licence/passport shapes, BIRTHPLACE, ETHNICITY, money for health care
  lk_encounters   ISO timestamps with Z, UUID keys and foreign keys to persons, medical codes
                  (SNOMED-like, ICD-10-like, CPT-like, LOINC-like, NDC-like) and costs
  lk_employees    Northwind/HR-like camelCase and terse headers (birthDate, hireDate,
                  titleOfCourtesy, reportsTo, ManagerID, extension, photoPath), a GenderID
                  recode beside Sex, HispanicLatino, CitizenDesc, Position, Department,
                  TermReason, PerformanceScore, DaysLateLast30, Salary
  lk_access_log   a web log split on whitespace: "[29/Nov/2017:06:58:55" and "+0100]",
                  client IPs (10.x, 192.168.x, public, IPv6), user names in `auth`
  lk_logins       timestamps with a UTC offset (1998-11-29 00:00:00+01:00) of persons' logins
  lk_sensors      a table about machines: 10.x addresses of devices, readings, timestamps
  lk_suppliers    company names with surnames, product names, order ids (ORD-10023), a
                  numeric-looking header (`2023`), Readmission_Rate-like floats

Labels follow LABELLING.md and are written beside each table as <table>.labels.json.
Re-running writes byte-identical files.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
N = 200
SYL_ON = ["b", "br", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
          "v", "w", "z"]
SYL_NU = ["a", "e", "i", "o", "u", "a", "e", "ia", "ei"]
SYL_CO = ["", "", "", "", "", "l", "n", "r", "s", "th"]


def invented_names(rng: np.random.Generator, n: int, syllables: tuple[int, int] = (2, 3)) -> np.ndarray:
    """Pronounceable invented names (Varolen, Trimask), vectorized over syllable arrays."""
    k = rng.integers(syllables[0], syllables[1] + 1, n)
    parts = [np.char.add(np.char.add(rng.choice(SYL_ON, n), rng.choice(SYL_NU, n)),
                         rng.choice(SYL_CO, n)) for _ in range(syllables[1])]
    out = parts[0]
    for i in range(1, syllables[1]):
        out = np.where(k > i, np.char.add(out, parts[i]), out)
    return np.char.capitalize(out.astype(str))


def digits(rng: np.random.Generator, n: int, k: int) -> pd.Series:
    return pd.Series(rng.integers(0, 10**k, n)).astype(str).str.zfill(k)


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]


def dates(rng: np.random.Generator, n: int, start: str, days: int) -> pd.Series:
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D"))


def lab(cls: str, entity: str, special: str | None = None, note: str = "") -> dict:
    return {"class": cls, "entity": entity, "special_category": special, "note": note}


D, Q, S, X = "direct", "quasi", "sensitive", "none"


def patients(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    first = invented_names(rng, N)
    last = invented_names(rng, N)
    sfx = lambda: pd.Series(rng.integers(1, 1000, N)).astype(str)  # noqa: E731
    city = np.array(invented_names(rng, 25))
    birth = dates(rng, N, "1930-01-01", 30000)
    dead = rng.random(N) < 0.1
    df = pd.DataFrame({
        "Id": uuids(rng, N),
        "BIRTHDATE": birth.dt.strftime("%Y-%m-%d"),
        "DEATHDATE": np.where(dead, (birth + pd.to_timedelta(rng.integers(8000, 30000, N), unit="D"))
                              .dt.strftime("%Y-%m-%d"), ""),
        "SSN": "999-" + digits(rng, N, 2) + "-" + digits(rng, N, 4),
        "DRIVERS": np.where(rng.random(N) < 0.7, "S999" + digits(rng, N, 5), ""),
        "PASSPORT": np.where(rng.random(N) < 0.6, "X" + digits(rng, N, 8) + "X", ""),
        "PREFIX": rng.choice(["Mr.", "Mrs.", "Ms.", ""], N),
        "FIRST": first + sfx(),
        "LAST": last + sfx(),
        "MAIDEN": np.where(rng.random(N) < 0.3, invented_names(rng, N) + sfx(), ""),
        "MARITAL": rng.choice(["M", "S", "D", "W", ""], N),
        "RACE": rng.choice(["white", "black", "asian", "native", "other"], N),
        "ETHNICITY": rng.choice(["hispanic", "nonhispanic"], N),
        "GENDER": rng.choice(["F", "M"], N),
        "BIRTHPLACE": rng.choice(city, N) + "  Nebraska  US",
        "ADDRESS": pd.Series(rng.integers(1, 999, N)).astype(str) + " " + invented_names(rng, N)
                   + " " + rng.choice(["Street", "Camp", "Burg", "Way", "Estate"], N),
        "CITY": rng.choice(city, N),
        "STATE": "Nebraska",
        "ZIP": "68" + digits(rng, N, 3),
        "LAT": (40 + 3 * rng.random(N)).round(12),
        "LON": (-104 + 8 * rng.random(N)).round(12),
        "HEALTHCARE_EXPENSES": rng.lognormal(10, 1.5, N).round(2),
        "HEALTHCARE_COVERAGE": rng.lognormal(9, 2, N).round(2),
        "INCOME": rng.integers(12000, 180000, N),
    })
    labels = {
        "Id": lab(D, "PERSON_ID", note="R2"), "BIRTHDATE": lab(Q, "DATE_OF_BIRTH"),
        "DEATHDATE": lab(Q, "DATE", note="R6; mostly empty"), "SSN": lab(D, "US_SSN"),
        "DRIVERS": lab(D, "DRIVER_LICENSE"), "PASSPORT": lab(D, "PASSPORT"),
        "PREFIX": lab(Q, "TITLE", note="R11"), "FIRST": lab(D, "PERSON", note="digit suffix"),
        "LAST": lab(D, "PERSON", note="digit suffix"), "MAIDEN": lab(D, "PERSON"),
        "MARITAL": lab(Q, "MARITAL_STATUS"), "RACE": lab(Q, "ETHNICITY", "race_ethnicity"),
        "ETHNICITY": lab(Q, "ETHNICITY", "race_ethnicity"), "GENDER": lab(Q, "GENDER"),
        "BIRTHPLACE": lab(Q, "LOCATION", note="R5"), "ADDRESS": lab(D, "STREET_ADDRESS"),
        "CITY": lab(Q, "LOCATION"), "STATE": lab(Q, "LOCATION"), "ZIP": lab(Q, "ZIP"),
        "LAT": lab(D, "GEO_COORDINATES", note="R4: home"), "LON": lab(D, "GEO_COORDINATES"),
        "HEALTHCARE_EXPENSES": lab(S, "FINANCIAL", "health", "R12"),
        "HEALTHCARE_COVERAGE": lab(S, "FINANCIAL", "health", "R12"),
        "INCOME": lab(S, "FINANCIAL", note="R12"),
    }
    return df, labels


def encounters(rng: np.random.Generator, patient_ids: list[str]) -> tuple[pd.DataFrame, dict]:
    start = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 4000 * 86400, N), unit="s")
    stop = start + pd.to_timedelta(rng.integers(900, 20000, N), unit="s")
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    icd = (rng.choice(letters, N) + digits(rng, N, 2) + "." + digits(rng, N, 1))
    providers = uuids(rng, 12)
    df = pd.DataFrame({
        "Id": uuids(rng, N),
        "START": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "STOP": stop.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "PATIENT": rng.choice(patient_ids, N),
        "PROVIDER": rng.choice(providers, N),
        "ENCOUNTERCLASS": rng.choice(["wellness", "ambulatory", "outpatient", "emergency",
                                      "inpatient"], N),
        "CODE": pd.Series(rng.integers(10**8, 10**9, N)).astype(str),
        "DESCRIPTION": rng.choice(["Check-up visit (procedure)", "Encounter for symptom",
                                   "Emergency room admission", "Follow-up for chronic condition"], N),
        "DIAGNOSIS_ICD10": icd,
        "PROCEDURE_CPT": digits(rng, N, 5),
        "LAB_LOINC": pd.Series(rng.integers(1000, 99999, N)).astype(str) + "-"
                     + pd.Series(rng.integers(0, 10, N)).astype(str),
        "DRUG_NDC": digits(rng, N, 5) + "-" + digits(rng, N, 4) + "-" + digits(rng, N, 2),
        "TOTAL_CLAIM_COST": rng.lognormal(6, 1.2, N).round(2),
        "LENGTH_OF_STAY": rng.integers(0, 15, N),
    })
    labels = {
        "Id": lab(X, "RECORD_ID", note="R2: encounter key"),
        "START": lab(Q, "DATE", note="R6"), "STOP": lab(Q, "DATE", note="R6"),
        "PATIENT": lab(D, "PERSON_ID", note="R2: foreign key to patients"),
        "PROVIDER": lab(D, "PERSON_ID", note="R2: foreign key to clinicians"),
        "ENCOUNTERCLASS": lab(S, "HEALTH", "health", "R13"),
        "CODE": lab(S, "HEALTH", "health", "R13: SNOMED-like numeric code"),
        "DESCRIPTION": lab(S, "HEALTH", "health", "R13"),
        "DIAGNOSIS_ICD10": lab(S, "HEALTH", "health", "R13: ICD-10-like code"),
        "PROCEDURE_CPT": lab(S, "HEALTH", "health", "R13: CPT-like five digits"),
        "LAB_LOINC": lab(S, "HEALTH", "health", "R13: LOINC-like code"),
        "DRUG_NDC": lab(S, "HEALTH", "health", "R13: NDC-like 5-4-2 code"),
        "TOTAL_CLAIM_COST": lab(S, "FINANCIAL", "health", "R12"),
        "LENGTH_OF_STAY": lab(S, "HEALTH", "health", "R7/R13: length of a hospital stay"),
    }
    return df, labels


def employees(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    sex = rng.choice(["M", "F"], N)
    hire = dates(rng, N, "2005-01-01", 6000)
    term = rng.random(N) < 0.3
    ids = np.arange(1, N + 1)
    df = pd.DataFrame({
        "employeeID": ids,
        "lastName": invented_names(rng, N),
        "firstName": invented_names(rng, N, (2, 2)),
        "titleOfCourtesy": np.where(sex == "F", rng.choice(["Ms.", "Mrs.", "Dr."], N),
                                    rng.choice(["Mr.", "Dr."], N)),
        "birthDate": dates(rng, N, "1950-01-01", 16000).dt.strftime("%m/%d/%y"),
        "hireDate": hire.dt.strftime("%Y-%m-%d"),
        "address": pd.Series(rng.integers(1, 9999, N)).astype(str) + " "
                   + invented_names(rng, N) + " Ave.",
        "postalCode": digits(rng, N, 5),
        "homePhone": "(" + digits(rng, N, 3) + ") 555-" + digits(rng, N, 4),
        "extension": pd.Series(rng.integers(100, 9999, N)).astype(str),
        "photoPath": "http://intranet/staff/" + pd.Series(ids).astype(str) + ".bmp",
        "reportsTo": np.where(ids > 5, rng.integers(1, 6, N).astype(str), ""),
        "ManagerID": rng.integers(1, 25, N),
        "Sex": sex,
        "GenderID": np.where(sex == "F", 0, 1),
        "HispanicLatino": rng.choice(["Yes", "No"], N, p=[0.1, 0.9]),
        "CitizenDesc": rng.choice(["US Citizen", "Eligible NonCitizen", "Non-Citizen"], N,
                                  p=[0.9, 0.07, 0.03]),
        "Position": rng.choice(["Production Technician I", "Area Sales Manager", "Data Analyst",
                                "IT Support", "Accountant I"], N),
        "Department": rng.choice(["Production", "Sales", "IT/IS", "Admin Offices"], N),
        "Salary": rng.integers(40000, 160000, N),
        "TermReason": np.where(term, rng.choice(["attendance", "performance", "relocation",
                                                 "another position"], N), "N/A-StillEmployed"),
        "PerformanceScore": rng.choice(["Exceeds", "Fully Meets", "Needs Improvement", "PIP"], N),
        "DaysLateLast30": rng.integers(0, 7, N),
    })
    labels = {
        "employeeID": lab(D, "PERSON_ID", note="R2"), "lastName": lab(D, "PERSON"),
        "firstName": lab(D, "PERSON"), "titleOfCourtesy": lab(Q, "TITLE", note="R11"),
        "birthDate": lab(Q, "DATE_OF_BIRTH", note="mm/dd/yy"), "hireDate": lab(Q, "DATE"),
        "address": lab(D, "STREET_ADDRESS"), "postalCode": lab(Q, "ZIP"),
        "homePhone": lab(D, "PHONE_NUMBER"),
        "extension": lab(D, "PHONE_NUMBER", note="R4: phone extension"),
        "photoPath": lab(D, "URL", note="URL of the employee's photo"),
        "reportsTo": lab(D, "PERSON_ID", note="R2: manager key"),
        "ManagerID": lab(D, "PERSON_ID", note="R2"), "Sex": lab(Q, "GENDER"),
        "GenderID": lab(Q, "GENDER", note="R15: recode of Sex"),
        "HispanicLatino": lab(Q, "ETHNICITY", "race_ethnicity", "R14"),
        "CitizenDesc": lab(Q, "NATIONALITY", note="R14"),
        "Position": lab(Q, "OCCUPATION", note="R11"), "Department": lab(Q, "OCCUPATION"),
        "Salary": lab(S, "FINANCIAL", note="R12"),
        "TermReason": lab(S, "EMPLOYMENT_EVALUATION", note="R18"),
        "PerformanceScore": lab(S, "EMPLOYMENT_EVALUATION", note="R18"),
        "DaysLateLast30": lab(S, "EMPLOYMENT_EVALUATION", note="R18: lateness"),
    }
    return df, labels


def access_log(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    kind = rng.integers(0, 4, N)
    octet = lambda: pd.Series(rng.integers(1, 255, N)).astype(str)  # noqa: E731
    ipv4_private = "10." + octet() + "." + octet() + "." + octet()
    ipv4_home = "192.168." + octet() + "." + octet()
    ipv4_public = octet() + "." + octet() + "." + octet() + "." + octet()
    ipv6 = "2001:db8:" + pd.Series(rng.integers(0, 65535, N)).map("{:x}".format) + "::" \
        + pd.Series(rng.integers(1, 65535, N)).map("{:x}".format)
    ip = np.select([kind == 0, kind == 1, kind == 2], [ipv4_private, ipv4_home, ipv4_public], ipv6)
    t = pd.Timestamp("2017-11-29 06:00:00") + pd.to_timedelta(np.sort(rng.integers(0, 86400, N)),
                                                              unit="s")
    users = invented_names(rng, 20).astype(str)
    df = pd.DataFrame({
        "client": ip,
        "ident": "-",
        "auth": np.where(rng.random(N) < 0.4, np.char.lower(rng.choice(users, N)), "-"),
        "time": "[" + t.strftime("%d/%b/%Y:%H:%M:%S"),
        "zone": "+0100]",
        "request": rng.choice(["GET /index.html", "GET /account/settings", "POST /login",
                               "GET /static/app.js"], N),
        "status": rng.choice([200, 200, 200, 302, 404, 500], N),
        "size": rng.integers(200, 50000, N),
        "agent": rng.choice(["Mozilla/5.0 (X11; Linux x86_64; rv:57.0) Gecko/20100101 Firefox/57.0",
                             "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                             "curl/7.55.1"], N),
    })
    labels = {
        "client": lab(D, "IP_ADDRESS", note="R20: clients, incl. 10.x, 192.168.x and IPv6"),
        "ident": lab(D, "USERNAME", note="R25: '-' throughout"),
        "auth": lab(D, "USERNAME", note="logged-in user names"),
        "time": lab(Q, "DATE", note="R6: '[29/Nov/2017:06:58:55' from a whitespace split"),
        "zone": lab(Q, "DATE", note="R6: the '+0100]' half of the same timestamp"),
        "request": lab(X, "NONE"), "status": lab(X, "NONE"), "size": lab(X, "NONE"),
        "agent": lab(Q, "DEVICE", note="R20"),
    }
    return df, labels


def logins(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    t = pd.Timestamp("1998-11-29", tz="Europe/Paris") + pd.to_timedelta(
        rng.integers(0, 400 * 86400, N), unit="s")
    df = pd.DataFrame({
        "login_id": np.arange(50000, 50000 + N),
        "user_id": rng.integers(1000, 1100, N),
        "logged_in_at": t.astype(str),
        "device": rng.choice(["laptop", "phone", "tablet"], N),
        "success": rng.choice(["true", "false"], N, p=[0.9, 0.1]),
    })
    labels = {
        "login_id": lab(X, "RECORD_ID", note="R2: key of a login event"),
        "user_id": lab(D, "PERSON_ID", note="R2: key of a user"),
        "logged_in_at": lab(Q, "DATE", note="R6: '1998-11-29 00:00:00+01:00', a person's login"),
        "device": lab(X, "NONE", note="device kind, not an identifier"),
        "success": lab(X, "NONE"),
    }
    return df, labels


def sensors(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    dev = np.array([f"10.12.{i // 250}.{i % 250 + 1}" for i in range(40)])
    t = pd.Timestamp("2021-03-01 00:00:00") + pd.to_timedelta(np.arange(N) * 60, unit="s")
    df = pd.DataFrame({
        "device_ip": rng.choice(dev, N),
        "sensor_serial": "SN-" + digits(rng, N, 6),
        "reading_time": t.strftime("%Y-%m-%d %H:%M:%S"),
        "temperature_c": (20 + 5 * rng.standard_normal(N)).round(2),
        "humidity_pct": (45 + 10 * rng.standard_normal(N)).round(1),
        "firmware": rng.choice(["1.0.3", "1.1.0", "2.0.1"], N),
    })
    labels = {
        "device_ip": lab(X, "IP_ADDRESS", note="R20: addresses of sensors, no people"),
        "sensor_serial": lab(X, "NONE", note="serial of a thing"),
        "reading_time": lab(X, "DATE", note="R6: machine readings"),
        "temperature_c": lab(X, "NONE"), "humidity_pct": lab(X, "NONE"), "firmware": lab(X, "NONE"),
    }
    return df, labels


def suppliers(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    surname = invented_names(rng, N)
    df = pd.DataFrame({
        "order_ref": "ORD-" + pd.Series(np.arange(10000, 10000 + N)).astype(str),
        "supplier": np.char.add(surname, rng.choice([" & Sons Ltd", " GmbH", " Trading Co.",
                                                     " Brothers", " S.A."], N)),
        "product": rng.choice(["Alpine Cheese Wheel", "Earl Grey Tea", "Chef Anton's Seasoning",
                               "Grandma's Boysenberry Spread", "Sir Rodney's Scones"], N),
        "2023": rng.integers(0, 5000, N),
        "2024": rng.integers(0, 5000, N),
        "Readmission_Rate": rng.uniform(0.05, 0.3, N).round(4),
    })
    labels = {
        "order_ref": lab(X, "RECORD_ID", note="R2: key of an order"),
        "supplier": lab(X, "ORG", note="R9/R26: company names containing surnames"),
        "product": lab(X, "NONE", note="R26: product names with person-like words"),
        "2023": lab(X, "NONE", note="numeric-looking header"),
        "2024": lab(X, "NONE", note="numeric-looking header"),
        "Readmission_Rate": lab(X, "NONE", note="a rate of a supplier, not a date"),
    }
    return df, labels


def main() -> None:
    rng = np.random.default_rng(20240512)
    pat, pat_lab = patients(rng)
    tables = {
        "lk_patients": (pat, pat_lab),
        "lk_encounters": encounters(rng, list(pat["Id"])),
        "lk_employees": employees(rng),
        "lk_access_log": access_log(rng),
        "lk_logins": logins(rng),
        "lk_sensors": sensors(rng),
        "lk_suppliers": suppliers(rng),
    }
    for name, (df, labels) in tables.items():
        assert list(df.columns) == list(labels), name
        df.to_csv(HERE / f"{name}.csv", index=False, lineterminator="\n")
        (HERE / f"{name}.labels.json").write_text(json.dumps(labels, indent=1) + "\n")
        print(f"{name}: {df.shape[0]} rows x {df.shape[1]} columns")


if __name__ == "__main__":
    main()
