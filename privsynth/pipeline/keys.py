"""Masking keys for a release: loaded before any work, so a missing key fails fast.

Privacy rule 5: keys come from the command line's key file, the policy's key file, or an
environment variable; the manifest records only where a key came from, never the key.
"""

from __future__ import annotations

import os
from pathlib import Path

from privsynth.policy import Action, ResolvedColumn, ResolvedPolicy
from privsynth.transform.masking import DEFAULT_KEY_ENV, FAKER_PROVIDERS, load_key

# Pseudonymization methods that need a key (every one the policy offers).
KEYED_METHODS = ("hmac", "format", "faker")


def is_keyed(col: ResolvedColumn) -> bool:
    """Whether the column's transform is keyed: a date shift, or a keyed pseudonym."""
    return col.kind is Action.SHIFT_DATES or (
        col.kind is Action.PSEUDONYMIZE and (col.action.method or "hmac") in KEYED_METHODS
    )


def load_keys(
    resolved: ResolvedPolicy, key_file: str | os.PathLike[str] | None
) -> dict[str, tuple[bytes, str]]:
    """Every keyed column's key and a note saying where it came from.

    `key_file` (from the command line) overrides the policy; a relative key file in the
    policy is read beside the policy file.
    """
    keys: dict[str, tuple[bytes, str]] = {}
    for name, col in resolved.columns.items():
        if not is_keyed(col):
            continue
        a = col.action
        if key_file is not None:
            keys[name] = (load_key(key_file=key_file), "key file given on the command line")
        elif a.key_file is not None:
            path = Path(a.key_file)
            if not path.is_absolute() and resolved.policy.source:
                path = Path(resolved.policy.source).parent / path
            keys[name] = (load_key(key_file=path), f"key file {a.key_file}")
        else:
            env = a.key_env or DEFAULT_KEY_ENV
            keys[name] = (load_key(key_env=env), f"environment variable {env}")
    return keys


def faker_provider(col: ResolvedColumn) -> str:
    """The Faker provider for a pseudonymized column: from the scan's entity, else `name`."""
    if col.finding is not None:
        return FAKER_PROVIDERS.get(col.finding.entity.upper(), "name")
    return "name"
