"""The policy route: synthesize(df, policy) -> SyntheticRelease, notices, save/load, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from synth_helpers import raw_policy, small_raw

from privsynth.errors import InputError
from privsynth.synth import SyntheticRelease, TableSynthesizer, synthesize, write_synthetic_release
from privsynth.synth.ledger import rho_to_epsilon


@pytest.fixture(scope="module")
def release() -> SyntheticRelease:
    return synthesize(small_raw(2000), raw_policy("mst"), seed=4)


def test_release_columns_types_and_rows(release):
    data = release.data
    assert list(data.columns) == ["age", "city", "income", "visit"]  # ssn dropped
    assert "ssn" in release.manifest["dropped_columns"]
    assert str(data["age"].dtype) == "Int64" and data["age"].dropna().between(18, 90).all()
    dates = pd.to_datetime(data["visit"].dropna(), format="%Y-%m-%d")
    assert dates.between("2021-01-01", "2022-12-31").all()
    # no rows in the policy: a DP row count, charged
    assert release.manifest["rows_source"].startswith("DP row count")
    assert abs(len(data) - 2000) < 200
    assert any(s["what"] == "row count" for s in release.manifest["ledger"]["steps"])


def test_manifest_says_synthetic_and_carries_the_ledger(release):
    man = release.manifest
    assert man["synthetic"] is True and "SYNTHETIC" in man["notice"]
    assert "not seedable" in man["randomness"]
    led = man["ledger"]
    assert led["rho_spent"] <= led["rho_budget"] * (1 + 1e-9)
    assert rho_to_epsilon(led["rho_spent"], 1e-9) <= 1.0
    json.dumps(man)


def test_written_release_is_marked_synthetic(release, tmp_path):
    out = write_synthetic_release(release, tmp_path / "out")
    meta = pq.read_schema(out / "synthetic.parquet").metadata
    assert meta[b"privsynth.synthetic"] == b"true"
    assert "SYNTHETIC DATA" in (out / "README.md").read_text()
    assert json.loads((out / "manifest.json").read_text())["synthetic"] is True


def test_conditional_sampling_with_raw_values(release):
    out = release.sample(300, where={"income": ">50K"})
    assert (out["income"] == ">50K").all() and len(out) == 300
    with pytest.raises(InputError, match="not in the public categories"):
        release.sample(5, where={"city": "Zzyzx"})


def test_save_load_samples_without_data(release, tmp_path):
    release.synthesizer.save(tmp_path / "model")
    loaded = TableSynthesizer.load(tmp_path / "model", seed=1)
    out = loaded.sample(100)
    assert list(out.columns) == list(release.data.columns) and len(out) == 100
    assert loaded.manifest["synthetic"] is True


def test_policy_rows_and_aim_and_unit_of_privacy():
    df = small_raw(1200)
    df["pid"] = df.index // 3
    # epsilon 3: at epsilon 1 the pre-flight refuses ~800 rows with m = 2 (counts +-46)
    pol = raw_policy(
        "aim", rows=500, epsilon=3.0,
        unit_of_privacy={"id_column": "pid", "max_rows_per_person": 2},
    )
    rel = synthesize(df, pol, seed=0)
    assert len(rel.data) == 500 and "pid" not in rel.data.columns
    # sensitivities scale with the contribution bound
    steps = rel.manifest["ledger"]["steps"]
    assert all(s["sensitivity"] == 2 for s in steps if "Gaussian" in s["mechanism"])
    assert all(s["sensitivity"] >= 2 for s in steps)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: p["release"].update(epsilon=0), "epsilon"),
        (lambda p: p["release"].update(delta=1.0), "delta"),
        (lambda p: p["release"].update(method="gan"), "method"),
        (lambda p: p["release"].update(mode="anonymize"), "synthesize"),
        (lambda p: p["columns"]["age"].pop("domain"), r"bounds: \[lo, hi\]"),
        (lambda p: p["columns"].pop("income"), "not covered"),
        (lambda p: p["columns"].update(nope={"action": "keep"}), "does not have"),
    ],
)
def test_bad_policy_is_input_error(change, match, tmp_path):
    pol = raw_policy("mst")
    change(pol)
    with pytest.raises(InputError, match=match):
        synthesize(small_raw(300), pol)


_CLI_POLICY = """
name: synth-cli
unmatched: drop
release: {{mode: synthesize, method: mst, epsilon: {eps}, delta: {delta}, rows: 300}}
columns:
  age: {{action: keep{age_domain}}}
  city: {{action: keep, domain: {{categories: [Paris, Lyon, Nice]}}}}
  income: {{action: keep, domain: {{categories: ["<=50K", ">50K"]}}}}
  ssn: {{action: drop}}
"""


def _cli_case(
    tmp_path, eps="1.0", delta="1.0e-9", age_domain=", domain: {bounds: [18, 90], bins: 8}"
):
    data = tmp_path / "data.csv"
    small_raw(600).drop(columns=["visit"]).to_csv(data, index=False)
    pol = tmp_path / "policy.yaml"
    pol.write_text(_CLI_POLICY.format(eps=eps, delta=delta, age_domain=age_domain))
    return data, pol, tmp_path / "out"


def test_cli_release_synthesize(cli, tmp_path):
    data, pol, out = _cli_case(tmp_path)
    res = cli("release", data, "--policy", pol, "--out", out)
    assert res.code == 0, res.stderr
    man = json.loads((out / "manifest.json").read_text())
    assert man["synthesis"]["synthetic"] is True
    assert len(pd.read_csv(out / "release.csv")) == 300


@pytest.mark.parametrize(
    "kwargs",
    [{"eps": "0"}, {"eps": "-1"}, {"delta": "1.0"}, {"age_domain": ""}],
    ids=["epsilon-zero", "epsilon-negative", "delta-one", "no-public-bounds"],
)
def test_cli_bad_input_exits_2_and_writes_nothing(cli, tmp_path, kwargs):
    data, pol, out = _cli_case(tmp_path, **kwargs)
    res = cli("release", data, "--policy", pol, "--out", out)
    assert res.code == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
