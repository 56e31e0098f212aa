"""Is a masking key strong enough? Refuse keys an attacker would try before enumerating values.

A keyed pseudonym (HMAC, format-preserving, Faker seeds, date shifts) hides an SSN or a phone
number only while the key is unknown: the inputs are few (10^9 SSNs), so an attacker who can
guess the key can hash every possible input and reverse the release. `check_key_strength`
refuses the keys people actually type:

- shorter than `MIN_KEY_BYTES` (16) bytes;
- every byte the same (16 NUL bytes, `aaaaaaaaaaaaaaaa`);
- a short alphabet: fewer than `MIN_DISTINCT` (8) different bytes (`0101...`, `abcabc...`);
- a known weak word inside, after undoing common letter substitutions (`password`,
  `p@ssw0rd`, `changeme`, `qwerty`, `123456`, ...);
- an estimated strength under `MIN_KEY_BITS` (64) bits. The estimate is deliberately simple:
  the size of the character classes the key uses (digits 10, lower case 26, upper case 26,
  other printable ASCII 33, anything else: all 256 byte values) to the power of the number of
  "unpredictable" positions, i.e. positions that neither repeat nor step by one from the byte
  before, counted over the key's shortest repeating period. `openssl rand -hex 32` (64 hex
  digits) scores about 270 bits; 16 random bytes about 125; 16 random decimal digits about 40
  and are refused.

The key loader (`transform.masking.load_key`: `--key-file`, a policy's key file,
`PRIVSYNTH_KEY`) calls `check_key_strength`, so every key a release uses passes it; it does not
run inside the masking functions, which take a key as given. `privsynth keygen` writes keys
that pass.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

from privsynth.errors import InputError

MIN_KEY_BYTES = 16
MIN_DISTINCT = 8
MIN_KEY_BITS = 64.0

# Lower case, letter substitutions undone. Short common words (test, key) are left out: they
# occur by chance in random text keys.
WEAK_WORDS = (
    "password", "passwd", "passphrase", "secret", "changeme", "letmein", "qwerty", "azerty",
    "asdfgh", "zxcvbn", "123456", "654321", "111111", "abcdef", "iloveyou", "welcome",
    "admin", "default", "example", "privsynth", "monkey", "dragon", "master", "sunshine",
    "football", "baseball", "trustno", "hunter2", "mysecret", "mykey", "apikey", "hmackey",
)  # fmt: skip
# Letter substitutions people use to "strengthen" a word; mapped back before the search.
_UNLEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                         "$": "s", "!": "i", "|": "i", "+": "t"})
_DIGITS = frozenset(string.digits.encode())
_LOWER = frozenset(string.ascii_lowercase.encode())
_UPPER = frozenset(string.ascii_uppercase.encode())
_OTHER_PRINTABLE = frozenset(range(0x20, 0x7F)) - _DIGITS - _LOWER - _UPPER


class WeakKeyError(InputError):
    """A masking key that an attacker could guess (see `check_key_strength`)."""


@dataclass(frozen=True)
class KeyStrength:
    """What `key_strength` found: estimated bits and every reason the key is weak."""

    bits: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _period(key: bytes) -> int:
    """The length of the shortest block whose repetition gives `key` (its length if none)."""
    n = len(key)
    for p in range(1, n):
        if key[p:] == key[:-p]:
            return p
    return n


def _alphabet(key: bytes) -> int:
    present = set(key)
    size = 0
    for cls, n in ((_DIGITS, 10), (_LOWER, 26), (_UPPER, 26), (_OTHER_PRINTABLE, 33)):
        if present & cls:
            size += n
    if present - _DIGITS - _LOWER - _UPPER - _OTHER_PRINTABLE:
        size = 256
    return max(size, 2)


def estimate_bits(key: bytes) -> float:
    """Estimated strength of `key` in bits (see the module docstring); 0 for an empty key."""
    if not key:
        return 0.0
    block = key[: _period(key)]
    steps = [abs(b - a) > 1 for a, b in zip(block, block[1:], strict=False)]
    free = 1 + sum(steps)
    return free * math.log2(_alphabet(key))


def key_strength(key: bytes) -> KeyStrength:
    """Every reason `key` is weak (empty when none) and its estimated bits."""
    problems: list[str] = []
    if len(key) < MIN_KEY_BYTES:
        problems.append(f"shorter than {MIN_KEY_BYTES} bytes")
    if key and len(set(key)) == 1:
        problems.append("every byte is the same")
    elif len(set(key)) < MIN_DISTINCT:
        problems.append(f"uses only {len(set(key))} different characters")
    text = key.decode("latin-1").lower()
    plain = text.translate(_UNLEET)
    word = next((w for w in WEAK_WORDS if w in text or w in plain), None)
    if word is not None:
        problems.append("contains a common password word")
    bits = estimate_bits(key)
    if bits < MIN_KEY_BITS and not problems:
        problems.append(f"too predictable (about {bits:.0f} bits, {MIN_KEY_BITS:.0f} needed)")
    return KeyStrength(bits=bits, problems=problems)


def check_key_strength(key: bytes, where: str = "the masking key") -> None:
    """Raise `WeakKeyError` naming `where` and the reasons if `key` is weak (never the key)."""
    found = key_strength(key)
    if not found.ok:
        raise WeakKeyError(
            f"{where} is too weak: {'; '.join(found.problems)}. Generate one with "
            "`privsynth keygen FILE` or `openssl rand -hex 32` (keyed pseudonyms of SSNs or phone numbers are reversible "
            "by enumeration when the key can be guessed)"
        )
