"""`privsynth keygen FILE`: write a new random masking key that only its owner can read.

A keyed pseudonym (HMAC, format-preserving, Faker, date shift) is only as secret as its key: a
guessable key makes pseudonyms of SSNs or phone numbers reversible by enumeration. The key is
32 random bytes from the operating system (`secrets`), written as 64 hex digits so the same
text works as a key file (`--key-file FILE`) and in an environment variable
(`PRIVSYNTH_KEY=$(cat FILE)`): both give the same pseudonyms. The file is created with
permissions 0600 and never replaces an existing file (a key that is replaced changes every
pseudonym made with it; see README "Keys and rotation").
"""

from __future__ import annotations

import os
import secrets
import shlex
from pathlib import Path

from privsynth.commands.display import for_terminal
from privsynth.errors import InputError
from privsynth.transform.keystrength import check_key_strength

KEY_BYTES = 32


def new_key() -> str:
    """A fresh key: 32 random bytes as 64 lower-case hex digits (it passes the strength check)."""
    key = secrets.token_hex(KEY_BYTES)
    check_key_strength(key.encode("ascii"), "the generated key")
    return key


def write_key(path: str | os.PathLike[str]) -> Path:
    """Create `path` holding a new key, readable and writable by its owner only (0600).

    Refuses an existing path (file, folder, link: `O_EXCL` does not follow a symlink) and
    leaves no partial file behind on failure. A missing parent folder is created, private to
    its owner (0700). The key is never printed.
    """
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path.parent}: cannot create this folder ({exc.strerror})") from None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InputError(
            f"{path}: exists; keygen never replaces a key (every pseudonym made with it would "
            "change). Choose a new file name"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot create the key file ({exc.strerror})") from None
    try:
        os.fchmod(fd, 0o600)  # the umask may have left fewer bits, never more; be exact
        os.write(fd, (new_key() + "\n").encode("ascii"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return path


def usage_lines(path: Path) -> list[str]:
    """What `privsynth keygen` prints: where the key is and how a release uses it."""
    arg = shlex.quote(str(path))
    return [
        f"wrote a new masking key to {path} (permissions 0600; keep it apart from the releases)",
        f"use it:  privsynth release DATA --policy gdpr-pseudonymise --out OUT --key-file {arg}",
        f'    or:  export PRIVSYNTH_KEY="$(cat {arg})"   (the same key, the same pseudonyms)',
        "the same key gives the same pseudonyms in every release; a new key gives new ones "
        "(README: Keys and rotation)",
    ]


def run_keygen(path: Path) -> Path:
    """`privsynth keygen FILE`: write the key and print how to use it (never the key)."""
    written = write_key(path)
    for line in usage_lines(written):
        print(for_terminal(line))
    return written
