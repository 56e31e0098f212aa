"""The release manifest: one builder (`pipeline.manifest.build_manifest`) and the typed
`Manifest` the audit reads back."""

from __future__ import annotations

import pandas as pd
import pytest

import privsynth as ps
from privsynth.pipeline.manifest import WITHHELD_INPUT_NOTE, Manifest, build_manifest

_ANON = """name: anon
unmatched: keep
release: {seed: 3}
privacy: {k: 2, max_suppression: 0.5, quasi_identifiers: [age, sex]}
columns:
  email: {action: drop}
  age: {action: generalize, hierarchy: {type: intervals, widths: [10]}}
"""
_SYNTH = """name: syn
unmatched: drop
release: {mode: synthesize, method: mst, epsilon: 4.0, delta: 1.0e-9, rows: 50}
columns:
  sex: {action: keep, domain: {categories: [F, M]}}
"""


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"p{i}@x.org" for i in range(40)],
            "age": [20 + i % 30 for i in range(40)],
            "sex": ["F", "M"] * 20,
        }
    )


def test_an_anonymize_manifest_reads_back_typed(table, tmp_path):
    pol = tmp_path / "anon.yaml"
    pol.write_text(_ANON)
    rel = ps.release(table, str(pol))
    m = Manifest.from_dict(rel.manifest)
    assert m.mode == "anonymize" and m.policy_name == "anon" and len(m.policy_sha256) == 64
    assert m.dropped == {"email"}
    assert m.quasi_identifiers == ["age", "sex"] and m.k_requested == 2
    assert m.achieved["k_achieved"] >= 2
    assert {"column": "age", "action": "generalize"}.items() <= m.columns[1].items()
    assert m.epsilon is None and m.ledger is None  # no DP step, no budget claimed


def test_a_synthetic_manifest_withholds_the_input_and_reads_back_its_promise(table, tmp_path):
    pol = tmp_path / "syn.yaml"
    pol.write_text(_SYNTH)
    rel = ps.release(table, str(pol), seed=1)
    assert rel.manifest["input"] == {
        "columns": ["email", "age", "sex"],
        "withheld": WITHHELD_INPUT_NOTE,
    }
    m = Manifest.from_dict(rel.manifest)
    # epsilon 4: at epsilon 1 the pre-flight refuses 40 rows (counts +-6 on 40)
    assert m.mode == "synthesize" and m.epsilon == 4.0 and m.delta == 1e-9
    assert m.dropped >= {"email", "age"}
    assert m.ledger and all("rho" in step for step in m.ledger)
    assert m.public == {"sex": rel.manifest["synthesis"]["columns"]["sex"]["domain_source"]}


def test_the_builder_sums_the_anonymizers_dp_entries(tmp_path):
    pol = ps.load_policy("dp-synthetic").model_copy(deep=True)
    pol.release.mode = "anonymize"
    ledger = [{"epsilon": 0.5, "delta": 0.0}, {"epsilon": 0.25, "delta": 1e-9}]
    out = build_manifest(
        pol, seed=1, columns_in=["a"], rows_in=3, columns_out=["a"], rows_out=3,
        columns={"a": {"action": "noise"}}, ledger=ledger,
    )  # fmt: skip
    assert out["ledger_total"]["epsilon"] == 0.75 and out["ledger_total"]["delta"] == 1e-9
    assert out["input"] == {"rows": 3, "columns": ["a"]} and "synthesis" not in out
