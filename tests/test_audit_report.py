"""ps.audit end to end on small Adult splits: JSON against its schema, every HTML section, the
thresholds, bad input, and the CLI's exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import privsynth as ps
from privsynth.audit import AuditReport, audit
from privsynth.audit._render import SECTIONS
from privsynth.audit.thresholds import THRESHOLDS
from privsynth.errors import InputError

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "privsynth/audit/report.schema.json").read_text()
)
N = 600  # rows per split: enough for every stage, small enough for a fast suite
ATTACKS = 100


@pytest.fixture(scope="module")
def adult(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "adult-raw" / "adult.csv", skipinitialspace=True)


@pytest.fixture(scope="module")
def splits(adult):
    idx = np.random.default_rng(0).permutation(len(adult))
    train = adult.iloc[idx[:N]].reset_index(drop=True)
    holdout = adult.iloc[idx[N : 2 * N]].reset_index(drop=True)
    fresh = adult.iloc[idx[2 * N : 3 * N]].reset_index(drop=True)
    return train, holdout, fresh


@pytest.fixture(scope="module")
def copy_report(splits) -> AuditReport:
    """A verbatim copy of train released as if it were synthetic, with a DP-looking manifest."""
    train, holdout, _ = splits
    manifest = {
        "mode": "synthesize",
        "epsilon": 1.0,
        "delta": 1e-9,
        "ledger": [{"what": "1-way marginals", "mechanism": "gaussian", "rho": 0.01}],
        "policy": {"name": "dp-synthetic", "sha256": "ab" * 32},
        "columns": {"fnlwgt": {"action": "drop"}},
    }
    release = train.drop(columns=["fnlwgt"])
    return audit(
        train,
        release,
        holdout,
        manifest=manifest,
        quasi_identifiers=["age", "sex", "race"],
        secrets=["income"],
        n_attacks=ATTACKS,
    )


def test_json_validates_against_the_schema_and_has_the_contract_keys(copy_report, tmp_path):
    out = tmp_path / "report.json"
    copy_report.to_json(out)
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, SCHEMA)
    for key in ("singling_out", "linkability"):
        for field in ("risk", "ci", "attack_rate", "baseline_rate", "control_rate"):
            assert field in doc["risk"][key]
    for field in ("risk", "ci", "attack_rate", "baseline_rate", "control_rate"):
        assert field in doc["risk"]["inference"]["income"]
    assert 0 <= doc["membership"]["dcr_share"] <= 1
    assert doc["membership"]["distance_attack"]["auc"] >= 0.5
    assert doc["membership"]["density_attack"]["auc"] >= 0
    assert {"1way", "2way", "3way"} <= set(doc["utility"]["tvd"])
    assert all({"name", "value", "limit", "passed"} <= set(t) for t in doc["thresholds"])
    by = {t["name"]: t for t in doc["thresholds"]}
    assert by["singling_out_risk_max"]["interval"] == doc["risk"]["singling_out"]["ci"]
    assert by["dcr_share_max"]["interval"] == doc["membership"]["dcr_share_ci"]


def test_a_verbatim_copy_fails_the_privacy_thresholds(copy_report):
    d = copy_report.to_dict()
    failed = set(d["summary"]["failed"])
    assert {"dcr_share_max", "mia_auc_max", "singling_out_risk_max"} <= failed
    assert d["membership"]["exact_copy_rate_train"] == pytest.approx(1.0)
    assert d["utility"]["tvd"]["1way"]["max"] == pytest.approx(0.0)
    # a synthetic release is not scored on equivalence classes
    assert d["risk"]["reidentification"] is None
    assert d["inputs"]["dropped_columns"] == ["fnlwgt"]


def test_dp_manifest_gives_the_privacy_statement_and_the_ceiling(copy_report):
    d = copy_report.to_dict()
    assert d["privacy"]["dp"] and d["privacy"]["epsilon"] == 1.0
    ceiling = d["membership"]["ceiling"]
    assert ceiling["auc_max"] == pytest.approx(np.e / (1 + np.e))
    # a verbatim copy is not 1-DP: the distance attack beats the ceiling, and the report says so
    assert d["membership"]["ceiling_exceeded"] is True
    assert any("exceed" in n for n in d["notes"])
    assert d["policy"]["name"] == "dp-synthetic"


def test_html_has_every_section_and_embedded_plots(copy_report, tmp_path):
    out = tmp_path / "report.html"
    html = copy_report.to_html(out)
    assert out.read_text(encoding="utf-8") == html
    for anchor, title in SECTIONS:
        assert f'id="{anchor}"' in html
        assert title.replace("'", "&#39;") in html or title in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 4  # marginal bars, Pearson + Cramér heatmaps, ROC curves
    assert 'alt="ROC curves' in html and "heatmaps" in html
    assert "Theoretical ceiling" in html and "Sign-off" in html and "Signature" in html
    assert "<script" not in html and 'href="http' not in html  # self-contained
    assert "FAIL" in html


def test_without_holdout_membership_is_reported_missing(splits):
    train, _, fresh = splits
    rep = audit(train, fresh, secrets=["income"], n_attacks=ATTACKS)
    d = rep.to_dict()
    jsonschema.validate(d, SCHEMA)
    assert d["membership"]["available"] is False and "holdout" in d["membership"]["reason"]
    assert "dcr_share_max" in d["thresholds_skipped"]
    assert d["risk"]["singling_out"]["control_rate"] is None
    assert any("no holdout" in n for n in d["notes"])
    assert "Membership inference was not measured" in rep.to_html()


def test_policy_thresholds_override_defaults_and_unknown_names_are_refused(splits):
    train, holdout, fresh = splits
    policy = {
        "name": "strict",
        "audit": {"thresholds": {"tvd_1way_max": 0.0, "pmse_ratio_max": 1000, "k_min": 5}},
    }
    rep = audit(train, fresh, holdout, policy=policy, secrets=["income"], n_attacks=ATTACKS)
    by_name = {t.name: t for t in rep.thresholds}
    assert not by_name["tvd_1way_max"].passed and by_name["tvd_1way_max"].source == "policy"
    assert by_name["pmse_ratio_max"].passed
    # asked for, but no quasi-identifiers known: it cannot pass
    assert by_name["k_min"].value is None and not by_name["k_min"].passed
    assert not rep.passed
    with pytest.raises(InputError, match="unknown audit threshold 'tvd_max'"):
        audit(train, fresh, holdout, policy={"name": "x", "audit": {"thresholds": {"tvd_max": 1}}})


def test_every_threshold_name_is_documented():
    for name, spec in THRESHOLDS.items():
        assert name.endswith(("_max", "_min")) and spec.description


def test_bad_input_is_an_input_error(splits):
    train, holdout, fresh = splits
    # columns in only one table are not bad input: see test_audit_robust.py
    with pytest.raises(InputError, match="release is empty"):
        audit(train, fresh.iloc[:0], holdout)
    with pytest.raises(InputError, match="unknown quasi-identifier column.*zip"):
        audit(train, fresh, holdout, quasi_identifiers=["age", "zip"])


def test_ps_audit_is_callable_from_the_top_level(splits):
    train, holdout, fresh = splits
    from types import SimpleNamespace

    # what ps.release() returns: the table and its manifest travel together
    released = SimpleNamespace(
        data=fresh.iloc[:200], manifest={"mode": "synthesize", "privacy": {"epsilon": 3.0}}
    )
    rep = ps.audit(train.iloc[:200], released, holdout.iloc[:200], n_attacks=50)
    assert isinstance(rep, ps.AuditReport)
    assert rep.privacy["epsilon"] == 3.0 and rep.privacy["dp"]


# ------------------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def files(splits, tmp_path_factory):
    train, holdout, fresh = (t.iloc[:300] for t in splits)
    d = tmp_path_factory.mktemp("audit-cli")
    train.to_csv(d / "train.csv", index=False)
    holdout.to_csv(d / "holdout.csv", index=False)
    fresh.to_csv(d / "release.csv", index=False)
    fresh.drop(columns=["age"]).to_csv(d / "mismatch.csv", index=False)
    fresh.iloc[:0].to_csv(d / "empty.csv", index=False)
    loose = {name: (0.0 if name.endswith("_min") else 1e9) for name in THRESHOLDS}
    (d / "loose.yaml").write_text(
        "name: loose\naudit:\n  thresholds:\n"
        # k_min and the residual check need a manifest, which this audit has not got
        + "".join(f"    {k}: {v}\n" for k, v in loose.items()
                  if k not in ("k_min", "residual_failures_max"))
        + "  quasi_identifiers: [age, sex, race]\n  secrets: [income]\n"
    )
    (d / "strict.yaml").write_text("name: strict\naudit:\n  thresholds:\n    tvd_1way_max: 0.0\n")
    return d


def _audit_args(d: Path, release: str, policy: str | None, out: str) -> list[str]:
    args = [
        "audit",
        "--original",
        d / "train.csv",
        "--release",
        d / release,
        "--holdout",
        d / "holdout.csv",
        "--n-attacks",
        "60",
        "--report",
        d / f"{out}.html",
        "--json",
        d / f"{out}.json",
    ]
    return [*args, "--policy", d / policy] if policy else args


def test_cli_exit_0_when_every_threshold_passes(cli, files):
    res = cli(*_audit_args(files, "release.csv", "loose.yaml", "ok"))
    assert res.code == 0, res.stderr
    assert "thresholds passed" in res.stdout
    doc = json.loads((files / "ok.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["summary"]["passed"] and doc["inputs"]["quasi_identifiers"] == ["age", "sex", "race"]
    assert (files / "ok.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_exit_1_when_a_threshold_fails(cli, files):
    res = cli(*_audit_args(files, "release.csv", "strict.yaml", "fail"), "--qi", "age,sex")
    assert res.code == 1, res.stderr
    assert "tvd_1way_max" in res.stdout and "FAIL" in res.stdout
    assert json.loads((files / "fail.json").read_text())["summary"]["passed"] is False


@pytest.mark.parametrize(
    ("release", "extra", "message"),
    [
        ("empty.csv", [], "no rows"),
        ("release.csv", ["--qi", "age,zip"], "unknown quasi-identifier column(s): zip"),
    ],
)
def test_cli_exit_2_on_bad_input_and_nothing_written(cli, files, release, extra, message):
    name = f"bad-{release.split('.')[0]}-{len(extra)}"
    res = cli(*_audit_args(files, release, None, name), *extra)
    assert res.code == 2
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert not (files / f"{name}.html").exists() and not (files / f"{name}.json").exists()


def test_release_manifests_of_both_modes_are_read(splits):
    """The layouts ps.release writes: k-anonymity details under `privacy`, DP under `synthesis`."""
    train, holdout, fresh = (t.iloc[:300] for t in splits)
    anon = {
        "mode": "anonymize",
        "policy": {"name": "k-anonymity", "sha256": "cd" * 32},
        "columns": {"age": {"action": "generalize", "level": 1}, "fnlwgt": {"action": "drop"}},
        "privacy": {
            "requested": {"k": 5},
            "quasi_identifiers": ["age", "sex"],
            "achieved": {"k": 7, "suppressed": 3},
        },
    }
    rep = audit(train, fresh.drop(columns=["fnlwgt"]), holdout, manifest=anon, n_attacks=50)
    d = rep.to_dict()
    assert d["inputs"]["quasi_identifiers"] == ["age", "sex"]  # taken from the manifest
    assert d["risk"]["reidentification"]["k"] >= 1
    assert d["privacy"]["mode"] == "anonymize" and d["privacy"]["k_required"] == 5
    assert d["policy"]["name"] == "k-anonymity"
    assert {"column": "fnlwgt", "action": "drop"} in d["policy"]["columns"]
    assert "k required / achieved" in rep.to_html()

    synth = {
        "mode": "synthesize",
        "policy": {"name": "dp", "sha256": "ef" * 32},
        "columns": {c: {"action": "keep"} for c in train.columns},
        "ledger": {"rho_spent": 0.02, "steps": [{"what": "rows", "rho": 0.001}]},
        "synthesis": {
            "privacy": {"epsilon": 2.0, "delta": 1e-9, "unit_of_privacy": "one row"},
            "columns": {"age": {"domain_source": "policy bounds"}},
        },
    }
    d = audit(train, fresh, holdout, manifest=synth, n_attacks=50).to_dict()
    assert d["privacy"]["dp"] and d["privacy"]["epsilon"] == 2.0 and d["privacy"]["rho"] == 0.02
    assert d["privacy"]["ledger"] == [{"what": "rows", "rho": 0.001}]
    assert d["privacy"]["public"] == {"age": "policy bounds"}
    assert d["membership"]["ceiling"]["epsilon"] == 2.0
    assert d["risk"]["reidentification"] is None  # synthetic rows are not people


def test_scan_findings_fill_the_inventory_and_the_quasi_identifiers(splits, tmp_path):
    from privsynth.detect.findings import ColumnClass, ColumnFinding

    train, holdout, fresh = (t.iloc[:300] for t in splits)
    findings = [
        ColumnFinding("age", ColumnClass.QUASI, "AGE", 0.9, ["name looks like an age"]),
        ColumnFinding("sex", ColumnClass.QUASI, "GENDER", 0.8, ["two values"]),
        ColumnFinding("income", ColumnClass.SENSITIVE, "NONE", 0.6, ["salary keyword"]),
    ]
    rep = audit(train, fresh, holdout, scan=findings, n_attacks=50)
    d = rep.to_dict()
    assert d["inputs"]["quasi_identifiers"] == ["age", "sex"]
    assert d["inputs"]["secrets"] == ["income"]
    inv = {c["column"]: c for c in d["inventory"]}
    assert inv["age"]["class"] == "quasi" and inv["age"]["entity"] == "AGE"
    assert "name looks like an age" in rep.to_html()
    # the same findings as `privsynth scan --json` writes them
    path = tmp_path / "scan.json"
    path.write_text(json.dumps({"columns": [{"name": "age", "class": "quasi", "entity": "AGE"}]}))
    d = audit(train, fresh, holdout, scan=path, n_attacks=50).to_dict()
    assert d["inputs"]["quasi_identifiers"] == ["age"]


def test_cli_help_lists_every_threshold():
    import inspect

    from privsynth import cli as cli_module

    doc = inspect.getdoc(cli_module.audit)
    for name, spec in THRESHOLDS.items():
        assert name in doc
        if spec.default is not None:
            assert f"{name} [{spec.default:g}]" in doc


def test_threshold_semantics():
    from privsynth.audit.thresholds import evaluate, resolve_thresholds

    limits = resolve_thresholds({"ml_efficacy_ratio_min": 0.9, "mia_auc_max": 0.55})
    assert limits["prosecutor_risk_max"] == (0.09, "default")
    checks, skipped = evaluate(
        limits, {"ml_efficacy_ratio_min": 0.95, "mia_auc_max": 0.56, "dcr_share_max": 0.6}
    )
    by = {c.name: c for c in checks}
    assert by["ml_efficacy_ratio_min"].passed  # _min: at least the limit
    assert not by["mia_auc_max"].passed  # _max: at most the limit
    assert by["dcr_share_max"].passed  # the limit itself passes
    assert "prosecutor_risk_max" in skipped  # default, not measured: skipped, not failed
    with pytest.raises(InputError, match="must be a number"):
        resolve_thresholds({"mia_auc_max": "high"})


def test_a_failed_render_writes_nothing(copy_report, tmp_path, monkeypatch):
    from privsynth.audit import _render

    def boom(report):
        raise RuntimeError("render failed")

    monkeypatch.setattr(_render, "render_html", boom)
    out = tmp_path / "report.html"
    with pytest.raises(RuntimeError):
        copy_report.to_html(out)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one is left


@pytest.mark.parametrize("rows", [1, 3])
def test_audit_of_a_tiny_table_does_not_crash(rows):
    # One level per column leaves the propensity model no features; a few rows leave the
    # ML-efficacy model nothing to train on. Both are skipped, not crashed on.
    from privsynth.audit.utility import utility

    df = pd.DataFrame({"age": list(range(rows)), "sex": ["M"] * rows})
    res = utility(df, df.copy())
    assert res.propensity.pmse == pytest.approx(0.0, abs=1e-6)
    assert res.ml_efficacy is None
