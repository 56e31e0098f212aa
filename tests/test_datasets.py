"""The bundled example table: shape, internal consistency, and byte-identical regeneration."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import faker
import pandas as pd
import pytest
from faker.providers.person.en_US import Provider as PersonProvider

from privsynth.datasets import example_path, example_split, example_table

REPO = Path(__file__).resolve().parents[1]

ADULT = [
    "age", "workclass", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
]  # fmt: skip
IDENTIFIERS = [
    "patient_id", "first_name", "last_name", "email", "phone", "ssn", "birth_date",
    "street_address", "city", "state", "zip",
]  # fmt: skip
# First digit of a ZIP code by state (USPS national areas), independent of how Faker draws them.
ZIP_AREA = {
    "0": "CT MA ME NH NJ RI VT", "1": "DE NY PA", "2": "DC MD NC SC VA WV",
    "3": "AL FL GA MS TN", "4": "IN KY MI OH", "5": "IA MN MT ND SD WI", "6": "IL KS MO NE",
    "7": "AR LA OK TX", "8": "AZ CO ID NM NV UT WY", "9": "AK CA HI OR WA",
}  # fmt: skip
STATE_AREA = {s: d for d, states in ZIP_AREA.items() for s in states.split()}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return example_table()


def test_shape_and_columns(table):
    assert table.shape == (10_000, 26)
    assert list(table.columns) == IDENTIFIERS + ADULT + ["note"]
    assert table["patient_id"].is_unique
    assert table["patient_id"].str.fullmatch(r"MRN-\d{8}").all()
    assert table["email"].is_unique
    assert "fnlwgt" not in table.columns


def test_birth_dates_match_age_on_reference_date(table):
    born = pd.to_datetime(table["birth_date"])
    ref = pd.Timestamp("2024-07-01")
    not_yet = (born.dt.month > ref.month) | ((born.dt.month == ref.month) & (born.dt.day > ref.day))
    age_on_ref = ref.year - born.dt.year - not_yet.astype(int)
    assert (age_on_ref == table["age"].astype(int)).all()


def test_zip_matches_state(table):
    zips = table["zip"].astype(str)
    assert zips.str.fullmatch(r"\d{5}").all(), "ZIPs keep their leading zeros"
    assert (zips.str[0] == table["state"].map(STATE_AREA)).all()


def test_names_follow_sex_and_emails_follow_names(table):
    female = table["sex"] == "Female"
    assert table.loc[female, "first_name"].isin(list(PersonProvider.first_names_female)).all()
    assert table.loc[~female, "first_name"].isin(list(PersonProvider.first_names_male)).all()
    last = table["last_name"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    assert all(ln in em for ln, em in zip(last, table["email"], strict=True))


def test_phones_come_in_several_formats(table):
    shapes = table["phone"].str.replace(r"\d", "9", regex=True).value_counts()
    assert len(shapes) >= 6
    digits = table["phone"].str.replace(r"\D", "", regex=True).str.replace(r"^1", "", regex=True)
    assert digits.str[:10].str.fullmatch(r"[2-9]\d{2}[2-9]\d{6}").all()


def test_notes_mix_pii_and_harmless_text(table):
    notes = table["note"].fillna("")
    names = notes.str.contains(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", regex=True)
    phones = notes.str.contains(r"\d{3}\D{1,2}\d{3}\D\d{4}", regex=True)
    own_name = [f in n for f, n in zip(table["first_name"], notes, strict=True)]
    assert 0.2 < phones.mean() < 0.5
    assert 0.2 < names.mean() < 0.6
    assert 0.3 < sum(own_name) / len(notes) < 0.5
    assert (notes == "").mean() == pytest.approx(0.10, abs=0.02)
    assert ((notes != "") & ~names & ~phones).mean() > 0.4


def test_census_part_is_real_adult_rows(table, shared_data):
    raw = pd.read_csv(shared_data / "adult-raw" / "adult.csv", dtype=str, keep_default_na=False)
    ours = table[ADULT].astype(str)
    keys = set(map(tuple, raw[ADULT].itertuples(index=False)))
    assert all(row in keys for row in ours.itertuples(index=False))


def test_split_is_half_half_disjoint_and_seeded():
    train, holdout = example_split(seed=0)
    assert len(train) == len(holdout) == 5_000
    assert set(train["patient_id"]).isdisjoint(holdout["patient_id"])
    again, _ = example_split(seed=0)
    other, _ = example_split(seed=1)
    pd.testing.assert_frame_equal(train, again)
    assert not train["patient_id"].equals(other["patient_id"])


def test_regenerating_gives_identical_bytes(tmp_path, shared_data):
    source_md = (example_path().parent / "SOURCE.md").read_text()
    recorded = re.search(r"Faker (\d+\.\d+\.\d+)", source_md).group(1)
    if recorded != faker.VERSION:
        pytest.skip(f"bundled CSV was written with Faker {recorded}, this is {faker.VERSION}")
    out = tmp_path / "example.csv"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_example.py"), "--out", str(out),
         "--source", str(shared_data / "adult-raw" / "adult.csv")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == example_path().read_bytes()


def test_bundled_files_are_package_data():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"datasets/*.csv"' in pyproject and '"datasets/*.md"' in pyproject
    assert (example_path().parent / "SOURCE.md").exists()
