"""Regenerate the bundled example table `privsynth/datasets/example.csv`.

Real rows of the UCI Adult census (CC BY 4.0) joined with generated direct identifiers: a
patient id, names consistent with `sex`, emails derived from the names, US phone numbers in
varied formats, SSNs, street addresses, ZIP codes inside the row's state, birth dates consistent
with `age` on a fixed reference date, and a free-text `note` that names people and phone
numbers in some rows. Faker and numpy are both seeded, so a run with the same seed and the same
Faker version writes identical bytes.

    python scripts/make_example.py                       # rewrite the bundled CSV
    python scripts/make_example.py --out /tmp/ex.csv     # or anywhere else
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "adult-raw" / "adult.csv"
DEFAULT_OUT = REPO / "privsynth" / "datasets" / "example.csv"
DEFAULT_ROWS = 10_000
DEFAULT_SEED = 20240701
# Birth dates are drawn so that the person is exactly `age` years old on this day.
REFERENCE_DATE = dt.date(2024, 7, 1)

ADULT_COLUMNS = [
    "age", "workclass", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
]  # fmt: skip
IDENTIFIER_COLUMNS = [
    "patient_id", "first_name", "last_name", "email", "phone", "ssn", "birth_date",
    "street_address", "city", "state", "zip",
]  # fmt: skip

# States weighted by population (2020 census, millions), with some of their real area codes so
# that phone numbers look local.
STATES: dict[str, tuple[float, tuple[int, ...]]] = {
    "CA": (39.5, (213, 310, 415, 619, 714, 916)), "TX": (29.1, (214, 512, 713, 210, 817)),
    "FL": (21.5, (305, 407, 813, 904)), "NY": (20.2, (212, 518, 716, 718)),
    "PA": (13.0, (215, 412, 717)), "IL": (12.8, (312, 217, 618, 773)),
    "OH": (11.8, (216, 614, 513)), "GA": (10.7, (404, 706, 912)), "NC": (10.4, (704, 919, 336)),
    "MI": (10.1, (313, 616, 517)), "NJ": (9.3, (201, 609, 973)), "VA": (8.6, (703, 804, 757)),
    "WA": (7.7, (206, 509, 253)), "AZ": (7.2, (480, 520, 602)), "MA": (7.0, (617, 508, 413)),
    "TN": (6.9, (615, 901, 865)), "IN": (6.8, (317, 219, 812)), "MD": (6.2, (301, 410)),
    "MO": (6.2, (314, 816, 417)), "WI": (5.9, (414, 608, 920)), "CO": (5.8, (303, 719, 970)),
    "MN": (5.7, (612, 651, 218)), "SC": (5.1, (803, 843, 864)), "AL": (5.0, (205, 251, 334)),
    "LA": (4.7, (504, 225, 318)), "KY": (4.5, (502, 606, 859)), "OR": (4.2, (503, 541)),
    "OK": (4.0, (405, 918)), "CT": (3.6, (203, 860)), "UT": (3.3, (801, 435)),
    "IA": (3.2, (319, 515, 712)), "NV": (3.1, (702, 775)), "AR": (3.0, (479, 501, 870)),
    "MS": (3.0, (601, 662, 228)), "KS": (2.9, (316, 785, 913)), "NM": (2.1, (505, 575)),
    "NE": (2.0, (402, 308)), "ID": (1.8, (208,)), "WV": (1.8, (304,)), "HI": (1.5, (808,)),
    "NH": (1.4, (603,)), "ME": (1.4, (207,)), "RI": (1.1, (401,)), "MT": (1.1, (406,)),
    "DE": (1.0, (302,)), "SD": (0.9, (605,)), "ND": (0.8, (701,)), "AK": (0.7, (907,)),
    "DC": (0.7, (202,)), "VT": (0.6, (802,)), "WY": (0.6, (307,)),
}

PHONE_FORMATS = [  # (format, weight)
    ("({a}) {e}-{l}", 0.30), ("{a}-{e}-{l}", 0.25), ("{a}.{e}.{l}", 0.10),
    ("+1 {a} {e} {l}", 0.10), ("+1-{a}-{e}-{l}", 0.05), ("{a}{e}{l}", 0.10),
    ("1 ({a}) {e}-{l}", 0.05), ("{a}-{e}-{l} x{x}", 0.05),
]  # fmt: skip
EMAIL_PATTERNS = ["{f}.{l}", "{f}{l}", "{f0}{l}", "{f}.{l}{n}", "{f}_{l}", "{l}.{f}", "{f0}.{l}{n}"]
RELATIONS = ["spouse", "daughter", "son", "sister", "brother", "mother", "friend", "neighbour"]
NOTES_WITH_PII = [
    "Called {first} {last} at {phone} to confirm the appointment.",
    "Left a voicemail for {first} on {phone}; awaiting callback.",
    "Emergency contact: {ofirst} {olast} ({relation}), {ophone}.",
    "Spoke with {relation} {ofirst} {olast}, who confirmed the visit.",
    "{first} asked that letters go to {street}, {city} instead of email.",
    "Patient {first} {last} requested a copy of the records; reachable at {email}.",
    "Callback requested at {phone} (ask for {first}).",
    "{ofirst} {olast} called on behalf of {first} {last}; number on file is {ophone}.",
]
NOTES_HARMLESS = [
    "No changes since last review.",
    "Follow-up scheduled in six weeks.",
    "Documents received and filed.",
    "Intake form complete; nothing to add.",
    "Reviewed benefits eligibility; no action needed.",
    "Prefers morning appointments.",
    "Interpreter not required.",
    "Missed appointment, rescheduled by the clinic.",
    "Annual review done. Next review in 12 months.",
]
SHARE_PII_NOTES = 0.40
SHARE_EMPTY_NOTES = 0.10


def build_example(
    source: Path = DEFAULT_SOURCE, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """The example table: `rows` Adult rows sampled without replacement, plus identifiers."""
    adult = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in ADULT_COLUMNS if c not in adult.columns]
    if missing:
        raise SystemExit(f"{source}: not the raw Adult table (no column {missing[0]!r})")
    if rows > len(adult):
        raise SystemExit(f"{source}: only {len(adult)} rows, cannot sample {rows}")
    rng = np.random.default_rng(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)

    picked = rng.choice(len(adult), size=rows, replace=False)
    base = adult.iloc[picked][ADULT_COLUMNS].reset_index(drop=True)
    n = len(base)

    ids = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    patient_id = [f"MRN-{i}" for i in ids]

    female = (base["sex"] == "Female").to_numpy()
    first = [fake.first_name_female() if f else fake.first_name_male() for f in female]
    last = [fake.last_name() for _ in range(n)]

    names = list(STATES)
    weights = np.array([STATES[s][0] for s in names])
    state = np.array(names)[rng.choice(len(names), size=n, p=weights / weights.sum())]
    zips = [fake.zipcode_in_state(s) for s in state]
    street = [fake.street_address() for _ in range(n)]
    city = [fake.city() for _ in range(n)]
    ssn = [fake.ssn() for _ in range(n)]
    domains = [
        fake.free_email_domain() if rng.random() < 0.8 else fake.domain_name() for _ in range(n)
    ]

    table = pd.DataFrame(
        {
            "patient_id": patient_id,
            "first_name": first,
            "last_name": last,
            "email": _emails(first, last, domains, rng),
            "phone": _phones(state, rng),
            "ssn": ssn,
            "birth_date": _birth_dates(base["age"].astype(int).to_numpy(), rng),
            "street_address": street,
            "city": city,
            "state": state,
            "zip": zips,
        }
    )
    table = pd.concat([table, base], axis=1)
    table["note"] = _notes(table, fake, rng)
    return table


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _emails(first: list[str], last: list[str], domains: list[str], rng) -> list[str]:
    pattern = rng.choice(len(EMAIL_PATTERNS), size=len(first))
    number = rng.integers(1, 100, size=len(first))
    out: list[str] = []
    seen: dict[str, int] = {}
    for f, la, d, p, k in zip(first, last, domains, pattern, number, strict=True):
        f, la = _ascii(f), _ascii(la)
        local = EMAIL_PATTERNS[p].format(f=f, l=la, f0=f[:1], n=k)
        # Two people never share an address: a repeat gets a numeric suffix.
        count = seen.get(f"{local}@{d}", 0)
        seen[f"{local}@{d}"] = count + 1
        out.append(f"{local}{count + 1 if count else ''}@{d}")
    return out


def _phone_numbers(state: np.ndarray, rng) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Area code from the state; exchange 200-999 but never an N11 service code."""
    pick = rng.random(len(state))
    area = [STATES[s][1][int(u * len(STATES[s][1]))] for s, u in zip(state, pick, strict=True)]
    exchange = rng.integers(200, 1000, size=len(state))
    exchange = np.where(exchange % 100 == 11, exchange + 1, exchange)
    line = rng.integers(0, 10_000, size=len(state))
    return [str(a) for a in area], exchange, line


def _phones(state: np.ndarray, rng) -> list[str]:
    area, exchange, line = _phone_numbers(state, rng)
    fmts = [f for f, _ in PHONE_FORMATS]
    w = np.array([w for _, w in PHONE_FORMATS])
    chosen = rng.choice(len(fmts), size=len(state), p=w / w.sum())
    ext = rng.integers(100, 1000, size=len(state))
    return [
        fmts[c].format(a=a, e=f"{e:03d}", l=f"{ln:04d}", x=x)
        for c, a, e, ln, x in zip(chosen, area, exchange, line, ext, strict=True)
    ]


def _birth_dates(age: np.ndarray, rng) -> list[str]:
    """A day on which a person born then is exactly `age` on REFERENCE_DATE."""
    ref = REFERENCE_DATE
    out = []
    offsets = rng.random(len(age))
    for a, u in zip(age, offsets, strict=True):
        latest = ref.replace(year=ref.year - int(a))
        earliest = ref.replace(year=ref.year - int(a) - 1) + dt.timedelta(days=1)
        span = (latest - earliest).days
        out.append((earliest + dt.timedelta(days=int(u * (span + 1)))).isoformat())
    return out


def _notes(table: pd.DataFrame, fake: Faker, rng) -> list[str]:
    n = len(table)
    kind = rng.random(n)
    template_pii = rng.choice(len(NOTES_WITH_PII), size=n)
    template_plain = rng.choice(len(NOTES_HARMLESS), size=n)
    relation = rng.choice(len(RELATIONS), size=n)
    other_state = table["state"].to_numpy()[rng.permutation(n)]
    o_area, o_exchange, o_line = _phone_numbers(other_state, rng)
    notes = []
    for i in range(n):
        if kind[i] < SHARE_EMPTY_NOTES:
            notes.append("")
        elif kind[i] < SHARE_EMPTY_NOTES + SHARE_PII_NOTES:
            notes.append(
                NOTES_WITH_PII[template_pii[i]].format(
                    first=table.at[i, "first_name"],
                    last=table.at[i, "last_name"],
                    phone=table.at[i, "phone"],
                    email=table.at[i, "email"],
                    street=table.at[i, "street_address"],
                    city=table.at[i, "city"],
                    relation=RELATIONS[relation[i]],
                    ofirst=fake.first_name(),
                    olast=fake.last_name(),
                    ophone=f"({o_area[i]}) {o_exchange[i]:03d}-{o_line[i]:04d}",
                )
            )
        else:
            notes.append(NOTES_HARMLESS[template_plain[i]])
    return notes


def write_example(out: Path, table: pd.DataFrame) -> None:
    """Write with fixed formatting (utf-8, LF line ends) so equal tables give equal bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    table.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="raw Adult CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"make_example: {args.source}: no such file (pass --source)", file=sys.stderr)
        return 2
    table = build_example(args.source, args.rows, args.seed)
    write_example(args.out, table)
    print(f"wrote {args.out} ({len(table)} rows x {table.shape[1]} columns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
