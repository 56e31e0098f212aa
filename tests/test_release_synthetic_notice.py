"""A synthesize release written to disk says it is synthetic: README beside the data, Parquet footer."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from synth_helpers import small_raw

import privsynth as ps

_POLICY = {
    "name": "notice",
    "unmatched": "drop",
    "release": {"mode": "synthesize", "method": "mst", "epsilon": 1.0, "delta": 1e-9, "rows": 200},
    "columns": {
        "city": {"action": "keep", "domain": {"categories": ["Paris", "Lyon", "Nice"]}},
        "income": {"action": "keep", "domain": {"categories": ["<=50K", ">50K"]}},
    },
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("pol") / "policy.yaml"
    path.write_text(yaml.safe_dump(_POLICY))
    return ps.release(small_raw(400)[["city", "income"]], ps.load_policy(path), seed=5)


def test_csv_release_has_synthetic_readme(synthetic, tmp_path):
    out = ps.write_release(synthetic, tmp_path / "out", fmt="csv")
    assert sorted(p.name for p in out.iterdir()) == [
        ".privsynth-output", "README.md", "manifest.json", "release.csv"
    ]
    readme = (out / "README.md").read_text()
    assert readme.startswith("# Synthetic data") and "SYNTHETIC DATA" in readme


def test_parquet_release_carries_synthetic_metadata(synthetic, tmp_path):
    out = ps.write_release(synthetic, tmp_path / "out", fmt="parquet")
    meta = pq.read_schema(out / "release.parquet").metadata
    assert meta[b"privsynth.synthetic"] == b"true"
    assert json.loads(meta[b"privsynth.manifest"])["method"] == "mst"
    assert (out / "README.md").exists()


def test_anonymized_release_has_no_synthetic_readme(tmp_path):
    import pandas as pd
    import yaml

    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"name": "keep", "columns": {"a": {"action": "keep"}}}))
    rel = ps.release(pd.DataFrame({"a": [1, 2]}), ps.load_policy(path))
    out = ps.write_release(rel, tmp_path / "out")
    assert not (out / "README.md").exists()


def test_synthesize_mode_never_scans_the_values(monkeypatch):
    """Issue 11: class rules are decided from the header alone; the PII scan (which reads
    values) is never called in synthesize mode, even when findings are handed over."""
    import importlib

    import privsynth.pipeline.plan as plan_mod

    scan_mod = importlib.import_module("privsynth.detect.scan")
    from privsynth.policy import Policy

    def boom(*a, **k):
        raise AssertionError("synthesize mode scanned the private values")

    monkeypatch.setattr(scan_mod, "scan", boom)
    monkeypatch.setattr(plan_mod, "scan", boom)
    pol = {**_POLICY, "rules": [{"match": {"class": "direct"}, "action": "drop"}]}
    df = small_raw(600)[["city", "income", "ssn"]]
    rel = ps.release(df, Policy.model_validate(pol), seed=1, findings=[])
    assert "ssn" not in rel.data.columns  # `ssn` is a direct identifier by its name
    assert rel.manifest["columns"]["ssn"]["decided_by"] == "rules.0"


def test_cli_synthetic_parquet_release_is_marked(cli, tmp_path):
    import yaml

    src = tmp_path / "data.parquet"
    small_raw(300)[["city", "income"]].to_parquet(src, index=False)
    pol = tmp_path / "policy.yaml"
    pol.write_text(yaml.safe_dump(_POLICY))
    out = tmp_path / "out"
    res = cli("release", src, "--policy", pol, "--out", out, "--seed", "2")
    assert res.code == 0, res.stderr
    assert "SYNTHETIC DATA" in (out / "README.md").read_text()
    assert pq.read_schema(out / "release.parquet").metadata[b"privsynth.synthetic"] == b"true"


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_synthetic_manifest_withholds_the_input_row_count_and_digest(tmp_path, engine):
    """Privacy rule 2: the exact row count (and a digest of the private rows) never ship."""
    import yaml

    from privsynth.commands.release import run_release

    data = small_raw(437)[["city", "income"]]
    src = tmp_path / "in.csv"
    data.to_csv(src, index=False)
    pol = tmp_path / "policy.yaml"
    pol.write_text(yaml.safe_dump(_POLICY))
    run_release(src, str(pol), tmp_path / "out", seed=3, engine=engine)
    text = (tmp_path / "out" / "manifest.json").read_text()
    manifest = json.loads(text)
    assert "rows" not in manifest["input"] and "sha256" not in manifest["input"]
    assert "withheld" in manifest["input"]
    assert manifest["output"]["rows"] == 200  # the policy's public row count
    assert "437" not in text + (tmp_path / "out" / "README.md").read_text()
