"""Generated tables in shapes real tables come in, with the class each column should get.

Invented values only (a seeded numpy generator, syllable names), labelled under the corpus
labelling guide (benchmarks/scan_corpus/LABELLING.md): clinical-trial tables with terse
ALLCAPS headers, a survey whose headers are questions, organisation rows with and without a
contact person, a music catalogue naming composers, a country table naming heads of state,
a French register of elected people, a criminal-justice table, a table about animals, a
hospital directory, a car catalogue and a table of people with statistics of their area.
Used by tests/test_detect_shapes.py; each `Shape` is a DataFrame and {column: class}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

N = 240
D, Q, S, X = "direct", "quasi", "sensitive", "other"
_ON = ["b", "br", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"]
_NU = ["a", "e", "i", "o", "u", "ia", "ei"]


@dataclass
class Shape:
    name: str
    frame: pd.DataFrame
    expected: dict[str, str]


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    parts = [np.char.add(rng.choice(_ON, n), rng.choice(_NU, n)) for _ in range(3)]
    out = np.char.add(np.char.add(parts[0], parts[1]), parts[2])
    return np.char.capitalize(out.astype(str))


def _dates(rng: np.random.Generator, n: int, start: str, days: int, fmt: str = "%Y-%m-%d"):
    return (pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")).strftime(fmt)


def trial_dm(rng: np.random.Generator) -> Shape:
    subj = np.arange(1001, 1001 + N).astype(str)
    arm = rng.choice(["Placebo", "Drug Low Dose", "Drug High Dose"], N)
    armcd = pd.Series(arm).map({"Placebo": "PBO", "Drug Low Dose": "DRG_LO",
                                "Drug High Dose": "DRG_HI"}).to_numpy()
    race = rng.choice(["WHITE", "BLACK OR AFRICAN AMERICAN", "ASIAN",
                       "AMERICAN INDIAN OR ALASKA NATIVE"], N)
    df = pd.DataFrame({
        "STUDYID": "STUDY-7", "DOMAIN": "DM", "USUBJID": np.char.add("STUDY-7-", subj),
        "SUBJID": subj, "SITEID": rng.choice(["701", "702", "703"], N),
        "RFSTDTC": _dates(rng, N, "2013-01-01", 700), "AGE": rng.integers(51, 89, N),
        "SEX": rng.choice(["F", "M"], N), "RACE": race,
        "ETHNIC": rng.choice(["HISPANIC OR LATINO", "NOT HISPANIC OR LATINO"], N),
        "ARMCD": armcd, "ARM": arm, "COUNTRY": "USA",
        "RACEN": pd.Series(race).map({"WHITE": 1, "BLACK OR AFRICAN AMERICAN": 2, "ASIAN": 3,
                                      "AMERICAN INDIAN OR ALASKA NATIVE": 4}).to_numpy(),
    })
    exp = {"STUDYID": X, "DOMAIN": X, "USUBJID": D, "SUBJID": D, "RFSTDTC": Q, "AGE": Q,
           "SEX": Q, "RACE": Q, "ETHNIC": Q, "ARMCD": S, "ARM": S, "RACEN": Q}
    return Shape("trial_dm", df, exp)


def trial_ae(rng: np.random.Generator) -> Shape:
    terms = ["APPLICATION SITE ERYTHEMA", "DIARRHOEA", "HEADACHE", "DIZZINESS", "PRURITUS",
             "NAUSEA", "ERYTHEMA", "SINUS BRADYCARDIA", "FATIGUE", "MYOCARDIAL INFARCTION"]
    body = {"APPLICATION SITE ERYTHEMA": "GENERAL DISORDERS", "DIARRHOEA": "GASTROINTESTINAL",
            "HEADACHE": "NERVOUS SYSTEM DISORDERS", "DIZZINESS": "NERVOUS SYSTEM DISORDERS",
            "PRURITUS": "SKIN DISORDERS", "NAUSEA": "GASTROINTESTINAL",
            "ERYTHEMA": "SKIN DISORDERS", "SINUS BRADYCARDIA": "CARDIAC DISORDERS",
            "FATIGUE": "GENERAL DISORDERS", "MYOCARDIAL INFARCTION": "CARDIAC DISORDERS"}
    term = rng.choice(terms, N)
    df = pd.DataFrame({
        "USUBJID": np.char.add("STUDY-7-", rng.integers(1001, 1100, N).astype(str)),
        "AESEQ": rng.integers(1, 6, N), "AETERM": term,
        "AEBODSYS": pd.Series(term).map(body).to_numpy(),
        "AESEV": rng.choice(["MILD", "MODERATE", "SEVERE"], N),
        "AEREL": rng.choice(["PROBABLE", "POSSIBLE", "REMOTE", "NONE"], N),
        "AEOUT": rng.choice(["RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED",
                             "RECOVERING/RESOLVING"], N),
        "AESTDTC": _dates(rng, N, "2013-03-01", 500),
    })
    exp = {"USUBJID": D, "AESEQ": X, "AETERM": S, "AEBODSYS": S, "AESEV": S, "AEREL": S,
           "AEOUT": S, "AESTDTC": Q}
    return Shape("trial_ae", df, exp)


def survey(rng: np.random.Generator) -> Shape:
    yn = lambda: rng.choice(["Yes", "No"], N)  # noqa: E731
    df = pd.DataFrame({
        "RespondentID": np.arange(3_200_000_000, 3_200_000_000 + N),
        "Do you ever smoke cigarettes?": yn(),
        "Do you ever drink alcohol?": yn(),
        "Have you ever cheated on your significant other?": yn(),
        "Do you typically pray before a meal?": yn(),
        "How do you like your coffee?": rng.choice(["Black", "With milk", "Sweet"], N),
        "Will you travel on the holiday weekend?": yn(),
        "Gender": rng.choice(["Male", "Female"], N),
        "Age": rng.choice(["18-29", "30-44", "45-60", "> 60"], N),
        "How much did your household earn last year?": rng.choice(
            ["$0 to $24,999", "$25,000 to $49,999", "$50,000 to $99,999", "$100,000 and up",
             "Prefer not to answer"], N),
        "Education": rng.choice(["High school degree", "Bachelor degree", "Graduate degree"], N),
        "Location (Census Region)": rng.choice(["New England", "Pacific", "Mountain"], N),
    })
    exp = {"RespondentID": D, "Do you ever smoke cigarettes?": S,
           "Do you ever drink alcohol?": S,
           "Have you ever cheated on your significant other?": S,
           "Do you typically pray before a meal?": S, "How do you like your coffee?": X,
           "Will you travel on the holiday weekend?": X, "Gender": Q, "Age": Q,
           "How much did your household earn last year?": S, "Education": Q,
           "Location (Census Region)": Q}
    return Shape("survey", df, exp)


def business_customers(rng: np.random.Generator) -> Shape:
    n = 90
    code = ["".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 5)) for _ in range(n)]
    df = pd.DataFrame({
        "CustomerCode": code,
        "CompanyName": np.char.add(_names(rng, n), rng.choice([" GmbH", " Ltd", " Inc.",
                                                                " & Co."], n)),
        "ContactName": np.char.add(np.char.add(_names(rng, n), " "), _names(rng, n)),
        "ContactTitle": rng.choice(["Sales Manager", "Owner", "Accounting Manager",
                                    "Marketing Assistant"], n),
        "Address": np.char.add(rng.integers(1, 300, n).astype(str),
                               np.char.add(" ", np.char.add(_names(rng, n), " Street"))),
        "Phone": np.char.add("(5) 555-", rng.integers(1000, 9999, n).astype(str)),
    })
    exp = {"CustomerCode": X, "CompanyName": X, "ContactName": D, "ContactTitle": Q,
           "Address": D, "Phone": D}
    return Shape("business_customers", df, exp)


def tracks(rng: np.random.Generator) -> Shape:
    composers = [f"{a} {b}, {c} {d}" for a, b, c, d in zip(
        ["Angela", "Marco", "Yuki", "Peter", "Ines"], ["Berg", "Rossi", "Tanaka", "Kovacs",
                                                        "Lopes"],
        ["Maria", "John", "Akira", "Eva", "Pedro"], ["Klein", "Smith", "Sato", "Nagy", "Silva"],
        strict=True)]
    df = pd.DataFrame({
        "TrackId": np.arange(1, N + 1),
        "Name": np.char.add(rng.choice(["Night", "River", "Golden", "Broken", "Electric"], N),
                            rng.choice([" Road", " Dreams", " Heart", " Machine", " Rain"], N)),
        "AlbumId": rng.integers(1, 40, N), "Composer": rng.choice(composers, N),
        "Milliseconds": rng.integers(120_000, 420_000, N),
        "UnitPrice": rng.choice([0.99, 1.99], N),
    })
    exp = {"TrackId": X, "Name": X, "AlbumId": X, "Composer": D, "Milliseconds": X,
           "UnitPrice": X}
    return Shape("tracks", df, exp)


def countries(rng: np.random.Generator) -> Shape:
    names = ["Germany", "France", "Spain", "Italy", "Portugal", "Netherlands", "Belgium",
             "Austria", "Poland", "Sweden", "Norway", "Denmark", "Finland", "Ireland",
             "Greece", "Hungary", "Romania", "Croatia", "Slovakia", "Estonia"]
    heads = ["Frank Meyer", "Claire Dubois", "Pablo Garcia", "Sergio Conti", "Ana Costa",
             "Willem Jansen", "Luc Peeters", "Anna Huber", "Jan Nowak", "Erik Larsson",
             "Harald Berg", "Margrethe Holm", "Sauli Niemi", "Mary Byrne", "Nikos Papas",
             "Gabor Nagy", "Ion Popescu", "Ivo Horvat", "Peter Kovac", "Kersti Tamm"]
    n = len(names)
    df = pd.DataFrame({
        "Code": [x[:3].upper() for x in names], "Name": names,
        "Continent": "Europe", "Region": rng.choice(["Western Europe", "Nordic Countries",
                                                     "Southern Europe"], n),
        "Population": rng.integers(1_000_000, 80_000_000, n),
        "HeadOfState": heads, "IndepYear": rng.integers(1100, 1990, n),
    })
    exp = {"Code": X, "Name": X, "Continent": X, "Region": X, "Population": X,
           "HeadOfState": D, "IndepYear": X}
    return Shape("countries", df, exp)


def french_officials(rng: np.random.Generator) -> Shape:
    df = pd.DataFrame({
        "nom": np.char.upper(_names(rng, N)), "prénom": _names(rng, N),
        "sexe": rng.choice(["M", "F"], N),
        "date_naissance": _dates(rng, N, "1945-01-01", 20000, "%d/%m/%Y"),
        "profession": rng.choice(["Agriculteur", "Cadre", "Professeur", "Retraité",
                                  "Employé"], N),
        "commune": rng.choice(["Lyon", "Nantes", "Rennes", "Lille", "Dijon"], N),
        "département": rng.choice(["Rhône", "Loire-Atlantique", "Nord", "Côte-d'Or"], N),
        "parti politique": rng.choice(["PS", "LR", "RN", "Divers gauche", "Sans étiquette"], N),
        "date_debut_mandat": _dates(rng, N, "2020-06-01", 400, "%d/%m/%Y"),
    })
    exp = {"nom": D, "prénom": D, "sexe": Q, "date_naissance": Q, "profession": Q,
           "commune": Q, "département": Q, "parti politique": S, "date_debut_mandat": Q}
    return Shape("french_officials", df, exp)


def justice(rng: np.random.Generator) -> Shape:
    arrest = pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 700, N), unit="D")
    df = pd.DataFrame({
        "id": np.arange(1, N + 1), "first": _names(rng, N), "last": _names(rng, N),
        "sex": rng.choice(["Male", "Female"], N),
        "race": rng.choice(["African-American", "Caucasian", "Hispanic", "Other"], N),
        "dob": _dates(rng, N, "1950-01-01", 18000),
        "charge_degree": rng.choice(["F", "M"], N),
        "charge_description": rng.choice(["Battery", "Grand Theft", "Possession of Cocaine",
                                          "Driving License Suspended"], N),
        "priors_count": rng.integers(0, 12, N),
        "arrest_date": arrest.strftime("%Y-%m-%d"),
        "jail_in": (arrest + pd.to_timedelta(rng.integers(0, 3600, N), unit="s"))
        .strftime("%Y-%m-%d %H:%M:%S"),
        "case_number": [f"13{rng.integers(10**6, 10**7)}CF10A" for _ in range(N)],
    })
    exp = {"id": D, "first": D, "last": D, "sex": Q, "race": Q, "dob": Q, "charge_degree": S,
           "charge_description": S, "priors_count": S, "arrest_date": Q, "jail_in": Q,
           "case_number": D}
    return Shape("justice", df, exp)


def animals(rng: np.random.Generator) -> Shape:
    df = pd.DataFrame({
        "species": rng.choice(["Adelie", "Gentoo", "Chinstrap"], N),
        "island": rng.choice(["Biscoe", "Dream", "Torgersen"], N),
        "bill_length_mm": rng.normal(44, 5, N).round(1),
        "body_mass_g": rng.integers(2700, 6300, N), "sex": rng.choice(["male", "female"], N),
    })
    return Shape("animals", df, dict.fromkeys(df.columns, X))


def hospitals(rng: np.random.Generator) -> Shape:
    n = 150
    df = pd.DataFrame({
        "Facility ID": rng.choice(10**5, n, replace=False) + 10**5,
        "Facility Name": np.char.add(_names(rng, n), rng.choice(
            [" Regional Medical Center", " Community Hospital", " Memorial Hospital"], n)),
        "Address": np.char.add(rng.integers(1, 9000, n).astype(str),
                               np.char.add(" ", np.char.add(_names(rng, n), " Avenue"))),
        "City": rng.choice(["Dallas", "Austin", "Houston", "Denver"], n),
        "ZIP Code": rng.integers(10000, 99999, n),
        "Phone Number": np.char.add("(214) 555-", rng.integers(1000, 9999, n).astype(str)),
        "Hospital Type": rng.choice(["Acute Care Hospitals", "Critical Access Hospitals"], n),
        "Emergency Services": rng.choice(["Yes", "No"], n),
    })
    return Shape("hospitals", df, dict.fromkeys(df.columns, X))


def cars(rng: np.random.Generator) -> Shape:
    df = pd.DataFrame({
        "mpg": rng.normal(23, 6, N).round(1), "cylinders": rng.choice([4, 6, 8], N),
        "weight": rng.integers(1600, 5100, N), "model_year": rng.integers(70, 83, N),
        "origin": rng.choice(["usa", "japan", "europe"], N),
        "name": np.char.add(rng.choice(["ford ", "chevrolet ", "toyota ", "datsun "], N),
                            rng.choice(["torino", "corolla", "impala", "pinto", "maverick"], N)),
    })
    return Shape("cars", df, dict.fromkeys(df.columns, X))


def people_and_area_stats(rng: np.random.Generator) -> Shape:
    df = pd.DataFrame({
        "name": np.char.add(np.char.add(_names(rng, N), " "), _names(rng, N)),
        "age": rng.integers(16, 80, N), "gender": rng.choice(["Male", "Female"], N),
        "raceethnicity": rng.choice(["White", "Black", "Hispanic/Latino", "Asian"], N),
        "month": rng.choice(["January", "February", "March"], N),
        "day": rng.integers(1, 29, N), "year": 2015,
        "city": rng.choice(["Dallas", "Austin", "Houston"], N),
        "share_white": rng.uniform(0, 100, N).round(1),
        "county_income": rng.integers(30000, 90000, N),
        "pct_college": rng.uniform(0, 0.6, N).round(3),
    })
    exp = {"name": D, "age": Q, "gender": Q, "raceethnicity": Q, "month": Q, "day": Q,
           "year": Q, "city": Q, "share_white": X, "county_income": X, "pct_college": X}
    return Shape("people_and_area_stats", df, exp)


def all_shapes(seed: int = 0) -> list[Shape]:
    """Every shape, generated from one seed."""
    rng = np.random.default_rng(seed)
    makers = (trial_dm, trial_ae, survey, business_customers, tracks, countries,
              french_officials, justice, animals, hospitals, cars, people_and_area_stats)
    return [make(rng) for make in makers]
