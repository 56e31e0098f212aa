"""Masking: redact, keyed pseudonyms (HMAC, format-preserving, Faker), partial masks, date shifts.

Keyed transforms take their key from an environment variable or a key file and refuse to run
without one (privacy rule 5): an unkeyed hash of a name or SSN is reversible by enumeration.
Each transform works on the distinct values of a column (a factorize, then a take), so its cost
follows the number of distinct values, not rows; equal inputs always give equal outputs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from privsynth.errors import InputError, MissingKeyError
from privsynth.transform.keystrength import check_key_strength

DEFAULT_KEY_ENV = "PRIVSYNTH_KEY"
MIN_KEY_BYTES = 16
MAX_KEY_FILE_BYTES = 4096  # a key, not a file that happens to be passed as one


# ------------------------------------------------------------------------------------------ keys
def load_key(
    *, key_env: str | None = None, key_file: str | os.PathLike[str] | None = None
) -> bytes:
    """The masking key: the contents of `key_file`, else the variable `key_env` (default
    PRIVSYNTH_KEY). Raises `MissingKeyError` if neither is there, `InputError` if the file
    cannot be read or is larger than `MAX_KEY_FILE_BYTES`, and `WeakKeyError` (an InputError)
    if the key is guessable (`check_key_strength`): every key privsynth uses passes here."""
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise MissingKeyError(f"key file {path} not found; keyed pseudonyms need a key")
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"key file {path}: cannot read it ({exc.strerror})") from None
        if len(raw) > MAX_KEY_FILE_BYTES:
            raise InputError(
                f"key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes; is it a key? "
                "(privsynth keygen writes one)"
            )
        key = raw.strip()
        where = f"key file {path}"
    else:
        env = key_env or DEFAULT_KEY_ENV
        value = os.environ.get(env, "")
        if not value.strip():
            raise MissingKeyError(
                f"no masking key: set the environment variable {env} or pass --key-file "
                "(keyed pseudonyms are refused without a key)"
            )
        key = value.strip().encode("utf-8", "surrogateescape")
        where = f"environment variable {env}"
    if len(key) < MIN_KEY_BYTES:
        raise InputError(
            f"the key in {where} is shorter than {MIN_KEY_BYTES} bytes; use a longer one "
            "(privsynth keygen writes one)"
        )
    check_key_strength(key, f"the key in {where}")
    return key


def _subkey(key: bytes, purpose: str) -> bytes:
    # Domain separation: the HMAC pseudonym of a value reveals nothing about its Faker seed.
    return hmac.new(key, b"privsynth/" + purpose.encode(), hashlib.sha256).digest()


# ----------------------------------------------------------------------------------------- helpers
def _on_distinct(series: pd.Series, fn: Callable[[np.ndarray], list]) -> pd.Series:
    """Apply `fn` to the distinct non-missing values (as strings) and broadcast back."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series([None] * len(series), index=series.index, dtype=object)
    strings = np.asarray([_as_text(u) for u in uniques], dtype=object)
    mapped = np.asarray(fn(strings), dtype=object)
    out = np.empty(len(series), dtype=object)
    present = codes >= 0
    out[present] = mapped[codes[present]]
    out[~present] = None
    return pd.Series(out, index=series.index, dtype=object, name=series.name)


def _as_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def _digest(key: bytes, value: str) -> bytes:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()


# ----------------------------------------------------------------------------------------- masks
def redact(series: pd.Series, replacement: str = "[REDACTED]") -> pd.Series:
    """Every present value becomes `replacement`; missing stays missing (missingness is kept)."""
    out = pd.Series(replacement, index=series.index, dtype=object, name=series.name)
    return out.where(series.notna(), None)


def hmac_pseudonym(
    series: pd.Series, key: bytes, *, length: int = 16, prefix: str = ""
) -> pd.Series:
    """Keyed HMAC-SHA256 pseudonym (hex, `length` characters): same value + key -> same output,
    linkable across tables, not reversible without the key."""
    k = _subkey(key, "hmac")

    def fn(vals: np.ndarray) -> list[str]:
        return [prefix + hmac.new(k, v.encode(), hashlib.sha256).hexdigest()[:length] for v in vals]

    return _on_distinct(series, fn)


_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()


def format_preserving(series: pd.Series, key: bytes) -> pd.Series:
    """Keyed replacement that keeps the shape: digits -> digits, letters -> letters (same case),
    everything else (dashes, spaces, parentheses) in place. `555-123-4567` -> `803-917-2260`.

    Not a permutation: two values can collide, rarely for long ids, so use `hmac` when the
    pseudonyms must stay unique keys.
    """
    k = _subkey(key, "format")

    def one(v: str) -> str:
        stream = b""
        counter = 0
        while len(stream) < len(v):
            stream += hmac.new(k, counter.to_bytes(4, "big") + v.encode(), hashlib.sha256).digest()
            counter += 1
        out = []
        for ch, b in zip(v, stream, strict=False):
            if ch.isdigit():
                out.append(_DIGITS[b % 10])
            elif ch.isascii() and ch.isalpha():
                out.append((_UPPER if ch.isupper() else _LOWER)[b % 26])
            else:
                out.append(ch)
        return "".join(out)

    return _on_distinct(series, lambda vals: [one(v) for v in vals])


def partial_mask(
    series: pd.Series,
    *,
    keep_first: int = 0,
    keep_last: int = 4,
    mask_char: str = "*",
    keep_separators: bool = True,
) -> pd.Series:
    """Show only the first `keep_first` and last `keep_last` characters: `***-**-6789`.

    With `keep_separators`, punctuation and spaces stay visible so the format is recognizable.
    """

    def one(v: str) -> str:
        n = len(v)
        if keep_first + keep_last >= n:
            # Too short to show anything safely: mask it all rather than reveal the value.
            return "".join(c if keep_separators and not c.isalnum() else mask_char for c in v)
        chars = list(v)
        for i in range(keep_first, n - keep_last):
            if not (keep_separators and not chars[i].isalnum()):
                chars[i] = mask_char
        return "".join(chars)

    return _on_distinct(series, lambda vals: [one(v) for v in vals])


# Entity (presidio names) -> Faker provider producing a plausible replacement.
FAKER_PROVIDERS = {
    "PERSON": "name",
    "NAME": "name",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone_number",
    "LOCATION": "city",
    "CITY": "city",
    "ADDRESS": "street_address",
    "STREET_ADDRESS": "street_address",
    "ORGANIZATION": "company",
    "URL": "url",
    "IP_ADDRESS": "ipv4",
    "US_SSN": "ssn",
    "IBAN_CODE": "iban",
    "CREDIT_CARD": "credit_card_number",
}


FAKER_ATTEMPTS = 32


def faker_pseudonym(
    series: pd.Series, key: bytes, *, provider: str = "name", locale: str = "en_US"
) -> pd.Series:
    """A realistic fake per distinct value (name, email, city...), seeded by HMAC(key, value):
    the same input and key give the same fake in every run, table and row.

    A fake never equals its input (compared without case and extra spaces): Faker draws from
    a list of common names, so a real "James Smith" would otherwise come out as himself. Such
    a draw is repeated with the next seed of a deterministic sequence, HMAC(key, value, 1),
    HMAC(key, value, 2)..., so the result stays a function of key and value.
    Fakes can collide (two people, one fake name); they are for readability, `hmac` for keys.
    """
    try:
        from faker import Faker
        from faker.config import AVAILABLE_LOCALES
    except ImportError as exc:  # pragma: no cover - faker is a dependency
        raise InputError(f"faker is needed for method: faker ({exc})") from None
    if locale not in AVAILABLE_LOCALES:
        raise InputError(f"unknown Faker locale {locale!r} (e.g. en_US, de_DE, fr_FR)")
    fake = Faker(locale)
    method = getattr(fake, provider, None)
    if provider.startswith("_") or not callable(method):
        raise InputError(f"unknown Faker provider {provider!r} (e.g. name, email, city)")
    k = _subkey(key, f"faker/{provider}/{locale}")

    def one(v: str) -> str:
        own = _normal(v)
        for attempt in range(FAKER_ATTEMPTS):
            salt = v if attempt == 0 else f"{v}\x00{attempt}"
            fake.seed_instance(int.from_bytes(_digest(k, salt)[:8], "big"))
            drawn = str(method())
            if _normal(drawn) != own:
                return drawn
        raise InputError(
            f"Faker provider {provider!r} keeps returning the input value in column "
            f"{series.name!r}; choose another method"
        )

    return _on_distinct(series, lambda vals: [one(v) for v in vals])


def _normal(text: str) -> str:
    """Text compared without case and runs of white space (`" JAMES  smith"` = `"James Smith"`)."""
    return " ".join(text.split()).casefold()


def shift_dates(
    dates: pd.Series, ids: pd.Series, key: bytes, *, max_days: int = 365
) -> pd.Series:
    """Shift every date of one individual by the same keyed offset in [-max_days, max_days]
    (never 0), so intervals between one person's events survive but the dates do not."""
    if not pd.api.types.is_datetime64_any_dtype(dates):
        parsed = pd.to_datetime(dates, errors="coerce", format="mixed")
        unparsed = (parsed.isna() & dates.notna()).to_numpy(dtype=bool)
        if unparsed.any():
            # the row, never the value (privacy rule 6)
            row = int(np.flatnonzero(unparsed)[0]) + 1
            raise InputError(f"shift_dates: column {dates.name!r}, row {row:,}: not a date")
        dates = parsed
    k = _subkey(key, "dateshift")
    span = 2 * max_days

    def offsets(vals: np.ndarray) -> list[int]:
        out = []
        for v in vals:
            r = int.from_bytes(_digest(k, v)[:8], "big") % span  # 0 .. 2*max_days - 1
            out.append(r - max_days if r < max_days else r - max_days + 1)  # skip 0
        return out

    per_row = _on_distinct(ids, offsets)
    if per_row.isna().any():
        raise InputError("shift_dates: the id column has missing values; every row needs an id")
    delta = pd.to_timedelta(per_row.astype("int64"), unit="D")
    return (dates + delta.to_numpy()).rename(dates.name)
