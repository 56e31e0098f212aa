"""`privsynth demo`: named steps, atomic output, and the real scan end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

import privsynth.detect
from privsynth import demo
from privsynth.detect import ScanResult
from privsynth.detect.findings import ColumnClass, ColumnFinding

HAS_SCAN = hasattr(privsynth.detect, "scan")
SCAN_STEPS = demo.DEMO_STEPS[:2]  # load + scan: the release and audit steps are tested end to end


def _stub_scan(df):
    """Stands in for privsynth.detect.scan: one finding per column, no real detection."""
    findings = [
        ColumnFinding(c, ColumnClass.DIRECT if c == "ssn" else ColumnClass.OTHER, "NONE", 0.5)
        for c in df.columns
    ]
    return ScanResult(findings=findings, n_rows=len(df), seconds=0.0)


def _quiet() -> Console:
    return Console(file=open("/dev/null", "w"), width=120)  # noqa: SIM115


def test_steps_are_named_and_run_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "scan", _stub_scan)
    result = demo.run_demo(tmp_path / "out", console=_quiet(), steps=SCAN_STEPS)
    assert [s.name for s in result.steps] == [s.name for s in SCAN_STEPS]
    assert [s.name for s in result.steps][:2] == ["load", "scan"]
    scan = json.loads((tmp_path / "out" / "internal-scan.json").read_text())
    assert scan["classification"].startswith("INTERNAL")  # issue 11: never shipped with a release
    assert scan["n_rows"] == 10_000
    assert len(scan["columns"]) == 26
    ssn = next(c for c in scan["columns"] if c["name"] == "ssn")
    assert ssn["class"] == "direct"
    assert result.files == [tmp_path / "out" / "internal-scan.json"]


def test_an_added_step_sees_earlier_results(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "scan", _stub_scan)
    seen = {}

    def count_rows(ctx: demo.DemoContext) -> demo.StepOutcome:
        seen["rows"] = len(ctx.train) + len(ctx.holdout)
        seen["scanned"] = len(ctx.results["scan"].findings)
        (ctx.work / "extra.txt").write_text("ok")
        return demo.StepOutcome("counted", files=["extra.txt"])

    steps = (*SCAN_STEPS, demo.DemoStep("extra", "An extra stage", count_rows))
    demo.run_demo(tmp_path / "out", console=_quiet(), steps=steps)
    assert seen == {"rows": 10_000, "scanned": 26}
    assert (tmp_path / "out" / "extra.txt").read_text() == "ok"


def test_a_failing_step_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "scan", _stub_scan)

    def boom(ctx):
        raise RuntimeError("stage failed")

    steps = (*SCAN_STEPS, demo.DemoStep("boom", "Fails", boom))
    with pytest.raises(RuntimeError, match="stage failed"):
        demo.run_demo(tmp_path / "out", console=_quiet(), steps=steps)
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not HAS_SCAN, reason="needs privsynth.detect.scan (branch `detect`, not merged)")
def test_demo_cli_end_to_end(tmp_path: Path, cli):
    res = cli("demo", "--out", str(tmp_path / "results"), cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert "scan" in res.stdout.lower()
    scan = json.loads((tmp_path / "results" / "internal-scan.json").read_text())
    classes = {c["name"]: c["class"] for c in scan["columns"]}
    for direct in ("ssn", "email", "phone", "first_name", "last_name", "patient_id"):
        assert classes[direct] == "direct", direct
    assert classes["age"] == "quasi"
    note = next(c for c in scan["columns"] if c["name"] == "note")
    assert note["class"] in ("direct", "quasi")
    out = tmp_path / "results"
    assert [s.name for s in demo.DEMO_STEPS] == [
        "load", "scan", "release-anonymized", "release-synthetic", "audit-anonymized",
        "audit-synthetic",
    ]
    # both releases: no direct identifier survives, and each carries its manifest
    import pandas as pd

    for folder in ("anonymized", "synthetic"):
        data = pd.read_csv(out / folder / "release.csv", dtype=str)
        manifest = json.loads((out / folder / "manifest.json").read_text())
        assert len(data) > 0
        assert not {"ssn", "email", "phone", "first_name", "last_name", "note"} & set(data.columns)
        assert manifest["policy"]["name"] in ("k-anonymity", "example-synthetic")
    kanon = json.loads((out / "anonymized" / "manifest.json").read_text())
    assert kanon["privacy"]["achieved"]["k_achieved"] >= 5
    synth = json.loads((out / "synthetic" / "manifest.json").read_text())
    assert synth["mode"] == "synthesize"
    # every audit leaves a readable HTML report and a JSON with the thresholds, both marked
    # INTERNAL in their names and text (issue 11: exact figures about the private rows)
    for folder in ("anonymized", "synthetic"):
        report = json.loads((out / f"internal-{folder}-audit.json").read_text())
        assert report["thresholds"], folder
        assert report["classification"].startswith("INTERNAL")
        html = (out / f"internal-{folder}-audit.html").read_text()
        assert "<html" in html.lower() and "data:image/png;base64" in html
        assert "INTERNAL" in html.split("<h1")[0]
    assert "membership" in json.loads((out / "internal-synthetic-audit.json").read_text())
    readme = (out / "synthetic" / "README.md").read_text()
    assert "audit" not in readme.lower() or "do not share it with or beside" in readme
