"""Hostile policies, keys, environment variables, seeds and table shapes (issue 14, API level).

Each test fails if its guarantee regresses; the CLI-level cases (exit 2, one stderr line) live
with the commands.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsynth.errors import InputError, PolicyError
from privsynth.policy import load_policy, parse_policy
from privsynth.policy.load import MAX_POLICY_BYTES
from privsynth.settings import MAX_SEED, check_seed, env_int
from privsynth.transform.keystrength import (
    MIN_KEY_BITS,
    WeakKeyError,
    check_key_strength,
    key_strength,
)

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ item 3
def _alias_bomb() -> str:
    lines = ["name: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    lines.append("columns: {x: {action: keep, note: *a9}}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_fails_fast_with_one_line(tmp_path):
    text = _alias_bomb()
    assert len(text.encode()) < 700  # the bomb was 605 bytes: 9^10 expanded strings
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert time.perf_counter() - start < 2
    assert "aliases" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "text, match",
    [
        ("name: r\na: &a [1, *a]\n", "contains it"),
        ("name: d\nx: " + "[" * 100 + "]" * 100 + "\n", "nested more than"),
        ("name: d\nx: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested"),
        ("name: x\n\x00\n", "invalid YAML"),
        ("---\nname: a\n---\nname: b\n", "invalid YAML"),
    ],
)
def test_hostile_yaml_is_one_policy_error(text, match):
    with pytest.raises(PolicyError, match=match) as err:
        parse_policy(text)
    assert "\n" not in str(err.value)


def test_a_few_aliases_still_work():
    text = (
        "name: ok\nrelease: {mode: anonymize}\n"
        "columns:\n  a: &drop {action: drop}\n  b: *drop\n  c: *drop\n"
    )
    policy = parse_policy(text)
    assert set(policy.columns) == {"a", "b", "c"}


def test_policy_files_have_a_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("name: big\n" + "# padding\n" * (MAX_POLICY_BYTES // 10 + 1))
    with pytest.raises(PolicyError, match="larger than"):
        load_policy(big)
    with pytest.raises(PolicyError, match="larger than"):
        parse_policy(big.read_text())


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_not_policies(special):
    start = time.perf_counter()
    with pytest.raises(PolicyError, match="not a regular file"):
        load_policy(special)
    assert time.perf_counter() - start < 1


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    with pytest.raises(PolicyError, match="not a regular file"):
        load_policy(fifo)


@pytest.mark.parametrize("name", ["hipaa-safe-harbor", "gdpr-pseudonymise", "k-anonymity",
                                  "k-anonymity-generic", "dp-synthetic"])
def test_builtin_policies_load(name):
    assert load_policy(name).name


# ------------------------------------------------------------------------------ item 7
WEAK = [
    b"\x00" * 16,
    b"a" * 32,
    b"password12345678",
    b"P@ssw0rd-2024-xyz!",
    b"0101010101010101",
    b"abcabcabcabcabcabc",
    b"abcdefghijklmnopqrstuvwxyz",
    b"1234567890123456",
    b"changeme-changeme",
    b"qzv",
]


@pytest.mark.parametrize("key", WEAK)
def test_weak_keys_are_refused_without_quoting_them(key):
    with pytest.raises(WeakKeyError) as err:
        check_key_strength(key, "the key in PRIVSYNTH_KEY")
    msg = str(err.value)
    assert "PRIVSYNTH_KEY" in msg and "openssl rand" in msg
    assert key.decode("latin-1") not in msg


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["bytes", "hex", "urlsafe"]))
def test_random_keys_pass(seed, kind):
    rng = random.Random(seed)
    raw = rng.randbytes(32)
    key = {"bytes": raw, "hex": raw.hex().encode(), "urlsafe": secrets.token_urlsafe(24).encode()}[kind]
    found = key_strength(key)
    assert found.ok, found.problems
    assert found.bits >= MIN_KEY_BITS


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=4), st.integers(4, 16))
def test_repeated_short_blocks_are_refused(block, times):
    assert not key_strength(block * times).ok


def test_faker_pseudonyms_never_equal_the_input():
    from faker import Faker

    from privsynth.transform.masking import faker_pseudonym

    fake = Faker("en_US")
    fake.seed_instance(1)
    names = pd.Series([fake.name() for _ in range(500)] + [fake.first_name() for _ in range(500)])
    key = b"k" * 32
    out = faker_pseudonym(names, key, provider="name")
    assert not (out.str.casefold() == names.str.casefold()).any()
    # a provider with ten outputs: without the re-draw a tenth of the rows keep their value
    digits = pd.Series([str(i % 10) for i in range(200)])
    out = faker_pseudonym(digits, key, provider="random_digit")
    assert (out != digits).all()
    # deterministic: same key and value, same fake
    again = faker_pseudonym(digits, key, provider="random_digit")
    assert out.tolist() == again.tolist()


# ------------------------------------------------------------------------------ item 9
@pytest.mark.parametrize(
    "var, read",
    [
        ("PRIVSYNTH_CHUNK_ROWS", lambda: __import__("privsynth.engine.source").engine.source.chunk_rows()),
        ("PRIVSYNTH_AUTO_DUCKDB_BYTES", lambda: __import__("privsynth.engine").engine.auto_duckdb_bytes()),
        ("PRIVSYNTH_AUDIT_SAMPLE_ROWS",
         lambda: __import__("privsynth.audit._scale").audit._scale.audit_sample_rows()),
    ],
)
@pytest.mark.parametrize("bad", ["lots", "1e6", "-5", "12 000", "0x10", "½"])
def test_malformed_environment_variables_are_input_errors(monkeypatch, var, read, bad):
    monkeypatch.setenv(var, bad)
    with pytest.raises(InputError, match=var):
        read()


def test_environment_variables_parse(monkeypatch):
    monkeypatch.setenv("PRIVSYNTH_CHUNK_ROWS", " 1_000 ")
    assert env_int("PRIVSYNTH_CHUNK_ROWS", 5, minimum=1) == 1000
    monkeypatch.setenv("PRIVSYNTH_CHUNK_ROWS", "0")
    with pytest.raises(InputError, match="at least 1"):
        env_int("PRIVSYNTH_CHUNK_ROWS", 5, minimum=1)
    monkeypatch.delenv("PRIVSYNTH_CHUNK_ROWS")
    assert env_int("PRIVSYNTH_CHUNK_ROWS", 5) == 5


def test_bad_variables_do_not_break_imports():
    """The variables are read when used: importing the package never fails on them."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PRIVSYNTH_CHUNK_ROWS": "lots",
           "PRIVSYNTH_AUTO_DUCKDB_BYTES": "x", "PRIVSYNTH_AUDIT_SAMPLE_ROWS": "y"}
    code = (
        "import privsynth.engine, privsynth.engine.source, privsynth.engine.typed, "
        "privsynth.audit._scale, privsynth.transform, privsynth.cli"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_open_source_reports_a_bad_threshold(monkeypatch, tmp_path):
    from privsynth.engine.source import open_source

    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    monkeypatch.setenv("PRIVSYNTH_AUTO_DUCKDB_BYTES", "big")
    with pytest.raises(InputError, match="PRIVSYNTH_AUTO_DUCKDB_BYTES"):
        open_source(path, "auto")


@pytest.mark.parametrize("seed", [MAX_SEED + 1, 2**64, -1])
def test_seeds_outside_32_bits_are_input_errors(seed):
    import privsynth as ps

    with pytest.raises(InputError, match="seed"):
        check_seed(seed)
    with pytest.raises(InputError, match="seed"):
        ps.scan(pd.DataFrame({"a": [1, 2, 3]}), seed=seed, use_presidio=False)


def test_the_largest_seed_works():
    import privsynth as ps

    assert check_seed(MAX_SEED) == MAX_SEED
    ps.scan(pd.DataFrame({"a": list(range(50))}), seed=MAX_SEED, use_presidio=False)


# ------------------------------------------------------------------------------ item 5
@pytest.mark.parametrize("method, width", [("aim", 33), ("mst", 257)])
def test_synthesizers_refuse_tables_too_wide_for_them_quickly(method, width):
    from privsynth.synth import AIM, MST

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(0, 2, size=(20, width)), columns=[f"c{i}" for i in range(width)])
    klass = AIM if method == "aim" else MST
    start = time.perf_counter()
    with pytest.raises(InputError, match="drop the columns"):
        klass(epsilon=1.0, delta=1e-9, seed=0).fit(df, {c: 2 for c in df.columns})
    assert time.perf_counter() - start < 2


def test_aim_workload_weights_are_the_pairwise_sums():
    import itertools

    from privsynth.synth.aim import downward_closure, workload_weights

    cols = [f"c{i}" for i in range(9)]
    workload = [*itertools.combinations(cols, 3), ("c0", "c1"), ("c5",)]
    sets = [set(w) for w in workload]
    expected = {cl: float(sum(len(set(cl) & w) for w in sets)) for cl in downward_closure(workload)}
    assert workload_weights(workload) == expected


def test_wide_tables_read_and_scan_in_linear_time():
    """20 rows: reading and scanning 2,000 columns costs about twice 1,000 (no quadratic step)."""
    import privsynth as ps
    from privsynth.io import read_table

    rng = np.random.default_rng(0)
    times = {}
    for width in (500, 2_000):
        df = pd.DataFrame(rng.integers(0, 100, size=(20, width)).astype(str),
                          columns=[f"c{i}" for i in range(width)])
        start = time.perf_counter()
        typed = read_table(df)
        ps.scan(typed, use_presidio=False)
        times[width] = time.perf_counter() - start
    assert times[2_000] < 8 * times[500] + 2, times


def test_too_wide_a_synthesis_is_refused_before_any_discovery():
    """Key discovery costs ~20 ms per column; a table no method can take is refused first."""
    from privsynth.synth.ledger import Ledger
    from privsynth.synth.preprocess import build_encoder

    width = 300
    df = pd.DataFrame({f"c{i}": ["a", "b"] * 10 for i in range(width)})
    ledger = Ledger.from_epsilon_delta(1.0, 1e-9)
    start = time.perf_counter()
    with pytest.raises(InputError, match="DP synthesis cannot take 300 columns"):
        build_encoder(df, dict.fromkeys(df.columns), ledger=ledger)
    assert time.perf_counter() - start < 1
    assert ledger.spent_rho == 0


def test_a_huge_policy_value_gives_a_short_error_line():
    with pytest.raises(PolicyError) as err:
        parse_policy('name: x\nrelease: {mode: anonymize, epsilon: "' + "a" * 5000 + '"}\n')
    assert len(str(err.value)) < 200 and "\n" not in str(err.value)
