"""`privsynth demo`: named steps, atomic output, and the real scan end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

import privsynth.detect
from privsynth import demo
from privsynth.detect.findings import ColumnClass, ColumnFinding

HAS_SCAN = hasattr(privsynth.detect, "scan")


def _stub_scan(df):
    """Stands in for privsynth.detect.scan: one finding per column, no real detection."""
    return [
        ColumnFinding(c, ColumnClass.DIRECT if c == "ssn" else ColumnClass.OTHER, "NONE", 0.5)
        for c in df.columns
    ]


def _quiet() -> Console:
    return Console(file=open("/dev/null", "w"), width=120)  # noqa: SIM115


def test_steps_are_named_and_run_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(privsynth.detect, "scan", _stub_scan, raising=False)
    result = demo.run_demo(tmp_path / "out", console=_quiet())
    assert [s.name for s in result.steps] == [s.name for s in demo.DEMO_STEPS]
    assert [s.name for s in result.steps][:2] == ["load", "scan"]
    scan = json.loads((tmp_path / "out" / "scan.json").read_text())
    assert scan["rows"] == 10_000
    assert len(scan["columns"]) == 26
    ssn = next(c for c in scan["columns"] if c["name"] == "ssn")
    assert ssn["class"] == "direct"
    assert result.files == [tmp_path / "out" / "scan.json"]


def test_an_added_step_sees_earlier_results(tmp_path, monkeypatch):
    monkeypatch.setattr(privsynth.detect, "scan", _stub_scan, raising=False)
    seen = {}

    def count_rows(ctx: demo.DemoContext) -> demo.StepOutcome:
        seen["rows"] = len(ctx.train) + len(ctx.holdout)
        seen["scanned"] = len(demo._findings(ctx.results["scan"]))
        (ctx.work / "extra.txt").write_text("ok")
        return demo.StepOutcome("counted", files=["extra.txt"])

    steps = (*demo.DEMO_STEPS, demo.DemoStep("extra", "An extra stage", count_rows))
    demo.run_demo(tmp_path / "out", console=_quiet(), steps=steps)
    assert seen == {"rows": 10_000, "scanned": 26}
    assert (tmp_path / "out" / "extra.txt").read_text() == "ok"


def test_a_failing_step_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(privsynth.detect, "scan", _stub_scan, raising=False)

    def boom(ctx):
        raise RuntimeError("stage failed")

    steps = (*demo.DEMO_STEPS, demo.DemoStep("boom", "Fails", boom))
    with pytest.raises(RuntimeError, match="stage failed"):
        demo.run_demo(tmp_path / "out", console=_quiet(), steps=steps)
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not HAS_SCAN, reason="needs privsynth.detect.scan (branch `detect`, not merged)")
def test_demo_cli_end_to_end(tmp_path: Path, cli):
    res = cli("demo", "--out", str(tmp_path / "results"), cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert "scan" in res.stdout.lower()
    scan = json.loads((tmp_path / "results" / "scan.json").read_text())
    classes = {c["name"]: c["class"] for c in scan["columns"]}
    for direct in ("ssn", "email", "phone", "first_name", "last_name", "patient_id"):
        assert classes[direct] == "direct", direct
    assert classes["age"] == "quasi"
    note = next(c for c in scan["columns"] if c["name"] == "note")
    assert note["class"] in ("direct", "quasi")
