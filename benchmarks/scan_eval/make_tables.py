"""Regenerate the labeled evaluation tables of `bench_scan.py` (fixed seed, Faker + Adult).

    python benchmarks/scan_eval/make_tables.py

Writes `<table>.csv` and `<table>.labels.json` ({column: {"class", "entity"}}) beside this
script. Every table mixes what a scanner must find with what it must leave alone: several
Faker locales, Adult census rows, no header, semicolons, mixed date formats, international
phones and addresses, free text with embedded PII (and with one stray email), id-like
non-PII (order numbers, SKUs, EANs), misleading headers.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

HERE = Path(__file__).resolve().parent
ADULT = HERE.parents[2] / "shared" / "data" / "adult-raw" / "adult.csv"
N = 300
SEED = 20240611


def D(entity: str) -> dict:
    return {"class": "direct", "entity": entity}


def Q(entity: str) -> dict:
    return {"class": "quasi", "entity": entity}


def S(entity: str) -> dict:
    return {"class": "sensitive", "entity": entity}


O = {"class": "other", "entity": "NONE"}  # noqa: E741  (D, Q, S, O: the four classes)


REF = date(2024, 6, 1)  # "today" of the data, so regeneration is byte-identical


def _dob(f: Faker, minimum_age: int = 0, maximum_age: int = 95) -> date:
    return f.date_between(REF - timedelta(days=365 * maximum_age + 364),
                          REF - timedelta(days=365 * minimum_age))


def _within(f: Faker, years: float) -> date:
    return f.date_between(REF - timedelta(days=int(365 * years)), REF)


def _fake(locale: str, seed: int) -> Faker:
    f = Faker(locale)
    f.seed_instance(seed)
    return f


def _rng(seed: int) -> random.Random:
    return random.Random(seed)


def us_patients(seed: int):
    f, r = _fake("en_US", seed), _rng(seed)
    races = ["White", "Black or African American", "Asian", "Hispanic or Latino",
             "American Indian or Alaska Native", "Two or more races"]
    dx = ["E11.9 Type 2 diabetes", "I10 Essential hypertension", "J45.909 Asthma",
          "F32.9 Major depressive disorder", "M54.5 Low back pain", "C50.919 Breast cancer"]
    rows = []
    for _i in range(N):
        first, last = f.first_name(), f.last_name()
        dob = _dob(f, minimum_age=1, maximum_age=95)
        note = r.choice([
            f"Pt {first} {last} seen for follow-up, call back at {f.phone_number()}.",
            f"Discussed results with daughter {f.first_name()} {last}.",
            "Stable, continue current medication.", "No acute distress. Return in 3 months.",
            f"Patient reports pain level {r.randint(1, 9)}/10.",
        ])
        rows.append({
            "patient_id": f"MRN-{r.randint(100000, 999999)}", "first_name": first,
            "last_name": last, "dob": dob.isoformat(), "sex": r.choice(["M", "F"]),
            "race": r.choice(races), "zip": f.zipcode(), "phone": f.phone_number(),
            "email": f.email(), "diagnosis": r.choice(dx),
            "admission_date": _within(f, 2).isoformat(),
            "blood_type": r.choice(["A+", "A-", "B+", "O+", "O-", "AB+"]),
            "insurance_provider": r.choice(["Aetna", "Cigna", "Medicare", "Kaiser", "BCBS"]),
            "attending_physician": f"Dr. {f.first_name()} {f.last_name()}",
            "length_of_stay": r.randint(1, 21), "notes": note,
        })
    labels = {"patient_id": D("MEDICAL_RECORD_NUMBER"), "first_name": D("PERSON"),
              "last_name": D("PERSON"), "dob": Q("DATE_OF_BIRTH"), "sex": Q("GENDER"),
              "race": Q("ETHNICITY"), "zip": Q("ZIP"), "phone": D("PHONE_NUMBER"),
              "email": D("EMAIL_ADDRESS"), "diagnosis": S("HEALTH"), "admission_date": Q("DATE"),
              "blood_type": S("HEALTH"), "insurance_provider": O,
              "attending_physician": D("PERSON"), "length_of_stay": O, "notes": D("PERSON")}
    return pd.DataFrame(rows), labels, {}


def de_kunden(seed: int):
    f, r = _fake("de_DE", seed), _rng(seed)
    products = ["Kaffeemaschine", "Wasserkocher", "Toaster", "Staubsauger", "Mixer"]
    rows = []
    for i in range(N):
        rows.append({
            "Kundennummer": f"K{100000 + i}", "Vorname": f.first_name(), "Nachname": f.last_name(),
            "Geburtsdatum": _dob(f, minimum_age=18, maximum_age=90).strftime("%d.%m.%Y"),
            "Geschlecht": r.choice(["männlich", "weiblich", "divers"]),
            "Straße": f.street_address(), "PLZ": f.postcode(), "Ort": f.city(),
            "Telefon": f.phone_number(), "E-Mail": f.email(), "IBAN": f.iban(),
            "Bestellnummer": f"B-{r.randint(2020, 2024)}-{r.randint(10000, 99999)}",
            "Artikel": r.choice(products), "Betrag": round(r.uniform(5, 500), 2),
        })
    labels = {"Kundennummer": D("PERSON_ID"), "Vorname": D("PERSON"), "Nachname": D("PERSON"),
              "Geburtsdatum": Q("DATE_OF_BIRTH"), "Geschlecht": Q("GENDER"),
              "Straße": D("STREET_ADDRESS"), "PLZ": Q("ZIP"), "Ort": Q("LOCATION"),
              "Telefon": D("PHONE_NUMBER"), "E-Mail": D("EMAIL_ADDRESS"), "IBAN": D("IBAN_CODE"),
              "Bestellnummer": O, "Artikel": O, "Betrag": O}
    return pd.DataFrame(rows), labels, {"sep": ";", "decimal": ","}


def fr_employes(seed: int):
    f, r = _fake("fr_FR", seed), _rng(seed)
    rows = []
    for _i in range(N):
        rows.append({
            "matricule": f"E{r.randint(10000, 99999)}", "nom": f.last_name(),
            "prenom": f.first_name(),
            "date_naissance": _dob(f, minimum_age=18, maximum_age=66).strftime("%d/%m/%Y"),
            "sexe": r.choice(["H", "F"]), "adresse": f.street_address(),
            "code_postal": f.postcode(), "ville": f.city(), "telephone": f.phone_number(),
            "courriel": f.email(), "poste": f.job(), "salaire": r.randint(24000, 90000),
            "service": r.choice(["Ventes", "RH", "Informatique", "Finance", "Logistique"]),
            "nb_conges": r.randint(0, 30),
        })
    labels = {"matricule": D("PERSON_ID"), "nom": D("PERSON"), "prenom": D("PERSON"),
              "date_naissance": Q("DATE_OF_BIRTH"), "sexe": Q("GENDER"),
              "adresse": D("STREET_ADDRESS"), "code_postal": Q("ZIP"), "ville": Q("LOCATION"),
              "telephone": D("PHONE_NUMBER"), "courriel": D("EMAIL_ADDRESS"),
              "poste": Q("OCCUPATION"), "salaire": S("INCOME"), "service": O, "nb_conges": O}
    return pd.DataFrame(rows), labels, {}


def es_clientes(seed: int):
    f, r = _fake("es_ES", seed), _rng(seed)
    rows = []
    for i in range(N):
        rows.append({
            "id_cliente": 5000 + i, "nombre_completo": f.name(), "telefono": f.phone_number(),
            "correo": f.email(), "direccion": f.address().replace("\n", ", "),
            "codigo_postal": f.postcode(), "ciudad": f.city(),
            "fecha_alta": _within(f, 5).strftime("%d-%m-%Y"),
            "saldo": round(r.uniform(-200, 5000), 2),
            "sku_producto": f"SKU-{r.choice('ABCDEF')}{r.randint(1000, 9999)}",
            "canal": r.choice(["web", "tienda", "telefono"]),
        })
    labels = {"id_cliente": D("PERSON_ID"), "nombre_completo": D("PERSON"),
              "telefono": D("PHONE_NUMBER"), "correo": D("EMAIL_ADDRESS"),
              "direccion": D("STREET_ADDRESS"), "codigo_postal": Q("ZIP"),
              "ciudad": Q("LOCATION"), "fecha_alta": Q("DATE"), "saldo": O,
              "sku_producto": O, "canal": O}
    return pd.DataFrame(rows), labels, {}


def _it_cities() -> list[str]:
    from faker.providers.address.it_IT import Provider

    return sorted({str(c) for c in Provider.cities})


def it_pazienti(seed: int):
    f, r = _fake("it_IT", seed), _rng(seed)
    rows = []
    for _i in range(N):
        rows.append({
            "codice_fiscale": f.ssn(), "nome": f.first_name(), "cognome": f.last_name(),
            "data_di_nascita": _dob(f, maximum_age=99).isoformat(),
            "sesso": r.choice(["M", "F"]), "indirizzo": f.street_address(),
            # Faker's it_IT city() iterates a set: pick from a sorted list for reproducibility
            "cap": f.postcode(), "citta": r.choice(_it_cities()),
            "diagnosi": r.choice(["diabete", "ipertensione", "asma", "emicrania", "nessuna"]),
            "religione": r.choice(["cattolico", "nessuna", "musulmano", "ebreo", "ortodosso"]),
            "reparto": r.choice(["cardiologia", "ortopedia", "pediatria"]),
            "giorni_ricovero": r.randint(0, 30),
        })
    labels = {"codice_fiscale": D("NATIONAL_ID"), "nome": D("PERSON"), "cognome": D("PERSON"),
              "data_di_nascita": Q("DATE_OF_BIRTH"), "sesso": Q("GENDER"),
              "indirizzo": D("STREET_ADDRESS"), "cap": Q("ZIP"), "citta": Q("LOCATION"),
              "diagnosi": S("HEALTH"), "religione": S("RELIGION"), "reparto": O,
              "giorni_ricovero": O}
    return pd.DataFrame(rows), labels, {}


def nl_leden(seed: int):
    f, r = _fake("nl_NL", seed), _rng(seed)
    rows = []
    for _i in range(N):
        rows.append({
            "klantnummer": 700000 + r.randint(0, 99999), "naam": f.name(),
            "geboortedatum": _dob(f, minimum_age=16, maximum_age=90).strftime("%d-%m-%Y"),
            "postcode": f.postcode(), "woonplaats": f.city(),
            "telefoonnummer": f.phone_number(), "iban": f.iban(), "bsn": f.ssn(),
            "lidmaatschap": r.choice(["Goud", "Zilver", "Brons"]),
            "aantal_bezoeken": r.randint(0, 120),
        })
    labels = {"klantnummer": D("PERSON_ID"), "naam": D("PERSON"),
              "geboortedatum": Q("DATE_OF_BIRTH"), "postcode": Q("ZIP"),
              "woonplaats": Q("LOCATION"), "telefoonnummer": D("PHONE_NUMBER"),
              "iban": D("IBAN_CODE"), "bsn": D("NATIONAL_ID"), "lidmaatschap": O,
              "aantal_bezoeken": O}
    return pd.DataFrame(rows), labels, {}


def br_cadastro(seed: int):
    f, r = _fake("pt_BR", seed), _rng(seed)
    rows = []
    for _i in range(N):
        rows.append({
            "cpf": f.cpf(), "nome": f.name(),
            "data_nascimento": _dob(f, minimum_age=18, maximum_age=80).strftime("%d/%m/%Y"),
            "sexo": r.choice(["Masculino", "Feminino"]), "cep": f.postcode(),
            "cidade": f.city(), "estado": f.estado_sigla(), "telefone": f.phone_number(),
            "email": f.email(), "renda_mensal": r.randint(1200, 25000),
            "escolaridade": r.choice(["Ensino Médio", "Ensino Fundamental", "Graduação",
                                      "Mestrado", "Doutorado"]),
            "plano": r.choice(["básico", "plus", "premium"]),
        })
    labels = {"cpf": D("NATIONAL_ID"), "nome": D("PERSON"), "data_nascimento": Q("DATE_OF_BIRTH"),
              "sexo": Q("GENDER"), "cep": Q("ZIP"), "cidade": Q("LOCATION"),
              "estado": Q("LOCATION"), "telefone": D("PHONE_NUMBER"),
              "email": D("EMAIL_ADDRESS"), "renda_mensal": S("INCOME"),
              "escolaridade": Q("EDUCATION"), "plano": O}
    return pd.DataFrame(rows), labels, {}


def gb_staff(seed: int):
    f, r = _fake("en_GB", seed), _rng(seed)
    rows = []
    for i in range(N):
        rows.append({
            "EmployeeNo": 10000 + i, "FullName": f.name(), "NINumber": f.ssn(),
            "Postcode": f.postcode(), "Mobile": f.cellphone_number(), "WorkEmail": f.email(),
            "JobTitle": f.job(), "AnnualSalary": r.randint(18000, 120000),
            "StartDate": _within(f, 20).strftime("%d %b %Y"),
            "Team": r.choice(["Alpha", "Bravo", "Charlie", "Delta"]),
            "FTE": r.choice([0.5, 0.6, 0.8, 1.0]),
        })
    labels = {"EmployeeNo": D("PERSON_ID"), "FullName": D("PERSON"), "NINumber": D("NATIONAL_ID"),
              "Postcode": Q("ZIP"), "Mobile": D("PHONE_NUMBER"), "WorkEmail": D("EMAIL_ADDRESS"),
              "JobTitle": Q("OCCUPATION"), "AnnualSalary": S("INCOME"), "StartDate": Q("DATE"),
              "Team": O, "FTE": O}
    return pd.DataFrame(rows), labels, {}


def jp_users(seed: int):
    f, r = _fake("ja_JP", seed), _rng(seed)
    rows = []
    for _i in range(N):
        rows.append({
            "user_id": f"u{r.randint(10**7, 10**8 - 1)}", "name": f.name(),
            "phone": f.phone_number(), "email": f.email(), "address": f.address(),
            "postcode": f.postcode(),
            "birthdate": _dob(f, minimum_age=15, maximum_age=80).strftime("%Y/%m/%d"),
            "gender": r.choice(["男性", "女性"]), "points": r.randint(0, 5000),
        })
    labels = {"user_id": D("PERSON_ID"), "name": D("PERSON"), "phone": D("PHONE_NUMBER"),
              "email": D("EMAIL_ADDRESS"), "address": D("STREET_ADDRESS"), "postcode": Q("ZIP"),
              "birthdate": Q("DATE_OF_BIRTH"), "gender": Q("GENDER"), "points": O}
    return pd.DataFrame(rows), labels, {}


_ADULT_LABELS = {
    "age": Q("AGE"), "workclass": O, "fnlwgt": O, "education": Q("EDUCATION"),
    "education-num": Q("EDUCATION"), "marital-status": Q("MARITAL_STATUS"),
    "occupation": Q("OCCUPATION"), "relationship": Q("MARITAL_STATUS"), "race": Q("ETHNICITY"),
    "sex": Q("GENDER"), "capital-gain": O, "capital-loss": O, "hours-per-week": O,
    "native-country": Q("NATIONALITY"), "income": S("INCOME"),
}


def _adult(seed: int, n: int) -> pd.DataFrame:
    df = pd.read_csv(ADULT, dtype=str, skipinitialspace=True)
    return df.sample(n, random_state=seed).reset_index(drop=True)


def adult_sample(seed: int):
    return _adult(seed, 500), dict(_ADULT_LABELS), {}


def adult_noheader(seed: int):
    """Adult rows plus names and emails, written without a header: content alone must work."""
    f = _fake("en_US", seed)
    df = _adult(seed + 1, N)[["age", "workclass", "education", "marital-status", "race", "sex",
                              "hours-per-week", "native-country"]]
    df.insert(0, "name", [f.name() for _ in range(len(df))])
    df["email"] = [f.free_email() for _ in range(len(df))]
    labels_by_name = {"name": D("PERSON"), "email": D("EMAIL_ADDRESS"),
                      **{c: _ADULT_LABELS[c] for c in df.columns if c in _ADULT_LABELS}}
    labels = {f"col_{i + 1}": labels_by_name[c] for i, c in enumerate(df.columns)}
    return df, labels, {"header": False}


def messy_orders(seed: int):
    """Misleading headers, id-like non-PII, mixed date formats, free text, world phones."""
    r = _rng(seed)
    fakers = [_fake(loc, seed + i) for i, loc in enumerate(["en_US", "de_DE", "fr_FR", "en_GB",
                                                             "es_ES", "it_IT"])]
    cities = ["Houston", "Paris", "Berlin", "Madrid", "Chicago", "London", "Rome", "Lyon"]
    date_fmts = ["%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y", "%d.%m.%Y"]
    rows = []
    stray = r.randrange(N)
    for i in range(N):
        f = r.choice(fakers)
        d = _within(f, 3)
        comment = r.choice([
            f"Please deliver to {f.name()}, {f.street_address()}.",
            f"Customer called from {f.phone_number()} about the delay.",
            f"Reach {f.first_name()} at {f.email()}",
            "Leave at the back door.", "Gift wrap please.", "",
        ])
        rows.append({
            "order_number": f"ORD-{d.year}-{i:06d}", "sku": f"{r.choice('ABCXYZ')}{r.choice('KLM')}-"
            f"{r.randint(10000, 99999)}", "ean": fakers[0].ean13(),
            "code": f.email(), "ref": f.phone_number(), "contact": f.name(),
            "order_date": d.strftime(r.choice(date_fmts)), "quantity": r.randint(1, 12),
            "unit_price": round(r.uniform(1, 300), 2), "city": r.choice(cities),
            "card": fakers[0].credit_card_number(), "ip": fakers[0].ipv4_public(),
            "tracking_no": f"1Z{r.randint(10**9, 10**10 - 1)}",
            "status": r.choice(["shipped", "pending", "returned", "delivered"]),
            "colour": r.choice(["White", "Black", "Green", "Brown", "Grey"]),
            "comment": comment,
            "notes": f"Questions: {fakers[0].email()}" if i == stray else
            r.choice(["ok", "handle with care", "fragile", "express", "n/a", "repeat order"]),
        })
    labels = {"order_number": O, "sku": O, "ean": O, "code": D("EMAIL_ADDRESS"),
              "ref": D("PHONE_NUMBER"), "contact": D("PERSON"), "order_date": Q("DATE"),
              "quantity": O, "unit_price": O, "city": Q("LOCATION"), "card": D("CREDIT_CARD"),
              "ip": D("IP_ADDRESS"), "tracking_no": O, "status": O, "colour": O,
              "comment": D("PERSON"), "notes": O}
    return pd.DataFrame(rows), labels, {}


def hr_survey(seed: int):
    """Special-category (GDPR Art. 9) answers next to quasi-identifiers."""
    r = _rng(seed)
    f = _fake("en_US", seed)
    rows = []
    for i in range(N):
        rows.append({
            "respondent": i + 1,
            "age_group": r.choice(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]),
            "gender": r.choice(["Female", "Male", "Non-binary", "Prefer not to say"]),
            "ethnicity": r.choice(["White", "Black", "Asian", "Hispanic", "Mixed", "Other"]),
            "marital_status": r.choice(["Single", "Married", "Divorced", "Widowed"]),
            "nationality": f.country(),
            "religion": r.choice(["Christian", "Muslim", "Jewish", "Hindu", "Buddhist",
                                  "No religion"]),
            "sexual_orientation": r.choice(["Heterosexual", "Gay", "Lesbian", "Bisexual"]),
            "political_party": r.choice(["Democrat", "Republican", "Independent", "Green"]),
            "union_member": r.choice(["Yes", "No"]),
            "health_condition": r.choice(["None", "Diabetes", "Asthma", "Depression",
                                          "Back pain"]),
            "department": r.choice(["Sales", "IT", "HR", "Finance", "Operations"]),
            "satisfaction": r.randint(1, 5), "tenure_years": r.randint(0, 35),
        })
    # a respondent number keys one person's answers, like id_cliente or EmployeeNo above
    labels = {"respondent": D("PERSON_ID"), "age_group": Q("AGE"), "gender": Q("GENDER"),
              "ethnicity": Q("ETHNICITY"), "marital_status": Q("MARITAL_STATUS"),
              "nationality": Q("NATIONALITY"), "religion": S("RELIGION"),
              "sexual_orientation": S("SEXUAL_ORIENTATION"),
              "political_party": S("POLITICAL_OPINION"), "union_member": S("TRADE_UNION"),
              "health_condition": S("HEALTH"), "department": O, "satisfaction": O,
              "tenure_years": O}
    return pd.DataFrame(rows), labels, {}


def iot_readings(seed: int):
    """A table about machines, not people: ids and timestamps here are not quasi-identifiers."""
    r = _rng(seed)
    f = _fake("en_US", seed)
    devices = [f.uuid4() for _ in range(40)]
    macs = {d: f.mac_address() for d in devices}
    rows = []
    for _i in range(N):
        d = r.choice(devices)
        rows.append({
            "device_uuid": d, "mac": macs[d], "firmware": f"v{r.randint(1, 3)}.{r.randint(0, 9)}",
            "reading_time": f.date_time_between(datetime(2024, 5, 1), datetime(2024, 6, 1)).isoformat(sep=" "),
            "temperature_c": round(r.gauss(21, 3), 1), "humidity": r.randint(20, 80),
            "site": r.choice(["plant-a", "plant-b", "warehouse-3"]),
            "serial": f"SN{r.randint(10**6, 10**7 - 1)}",
        })
    labels = {"device_uuid": O, "mac": D("MAC_ADDRESS"), "firmware": O, "reading_time": O,
              "temperature_c": O, "humidity": O, "site": O, "serial": O}
    return pd.DataFrame(rows), labels, {}


TABLES = [us_patients, de_kunden, fr_employes, es_clientes, it_pazienti, nl_leden, br_cadastro,
          gb_staff, jp_users, adult_sample, adult_noheader, messy_orders, hr_survey, iot_readings]


def main() -> None:
    np.random.seed(SEED)
    for k, make in enumerate(TABLES):
        df, labels, fmt = make(SEED + k)
        name = make.__name__
        header = fmt.get("header", True)
        assert not header or set(labels) == set(df.columns), name
        df.to_csv(HERE / f"{name}.csv", index=False, header=header, sep=fmt.get("sep", ","),
                  decimal=fmt.get("decimal", "."))
        (HERE / f"{name}.labels.json").write_text(json.dumps(labels, indent=1,
                                                             ensure_ascii=False) + "\n")
        print(f"{name}: {df.shape[0]} rows x {df.shape[1]} columns")


if __name__ == "__main__":
    main()
