"""The decision summary never shows green for a useless or unsafe release (issue 13, item 2):
utility gates beside the risk gates, information loss with suppressed / generalized columns
counted as lost, decisions on the conservative end of the 95 % interval, the worst
singling-out form, and for each failed gate the columns that drive it and a fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.audit import audit
from privsynth.audit.thresholds import THRESHOLDS, evaluate, resolve_thresholds

N = 300


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["F", "M"], n),
            "job": rng.choice(["clerk", "nurse", "driver", "cook", "teacher"], n),
            "city": rng.choice(["Lyon", "Nice", "Lille", "Brest", "Metz"], n),
            "income": (age * 800 + rng.normal(0, 5000, n)).round(-2),
        }
    )


@pytest.fixture(scope="module")
def tables():
    return _people(N, 1), _people(N, 2), _people(N, 3)


SYNTH = {"mode": "synthesize", "epsilon": 1.0, "delta": 1e-9}


def test_a_useless_synthetic_release_fails_the_utility_gates(tables):
    # The reviewer's dp-synthetic release: every category `other`, numbers in one bin. Its
    # columns hold values the original never has; they are compared as they are (not excluded
    # as "recoded"), so the table scores as far from the original as it is.
    train, hold, _ = tables
    useless = pd.DataFrame(
        {
            "age": np.full(N, 54),
            "sex": "other",
            "job": "other",
            "city": "other",
            "income": np.full(N, 40_000.0),
        }
    )
    rep = audit(train, useless, hold, manifest=SYNTH, n_attacks=60)
    by = {t.name: t for t in rep.thresholds}
    assert not rep.passed
    assert not by["tvd_1way_max"].passed and by["tvd_1way_max"].value > 0.75
    assert not by["propensity_auc_max"].passed and by["propensity_auc_max"].value > 0.95
    assert {"sex", "job", "city"} & set(by["tvd_1way_max"].drivers)
    assert "epsilon" in by["tvd_1way_max"].fix
    assert not rep.to_dict()["summary"]["utility_passed"]
    assert rep.utility.excluded_columns == {}  # nothing hidden from the comparison


def test_a_faithful_synthetic_release_passes_the_utility_gates(tables):
    train, hold, fresh = tables  # fresh rows of the same population: what a good release is
    rep = audit(train, fresh, hold, manifest=SYNTH, n_attacks=60)
    by = {t.name: t for t in rep.thresholds}
    assert by["tvd_1way_max"].passed and by["propensity_auc_max"].passed
    assert "information_loss_max" in rep.thresholds_skipped  # no per-cell loss in synthesis


def test_one_useless_column_fails_the_worst_column_gate(tables):
    # A release faithful everywhere but in one column (what a noise-drowned column of a DP
    # release looks like): the mean over columns can pass, the worst column must not.
    train, hold, fresh = tables
    rel = fresh.copy()
    rel["job"] = "other"
    rep = audit(train, rel, hold, manifest=SYNTH, n_attacks=60)
    by = {t.name: t for t in rep.thresholds}
    worst = by["tvd_1way_column_max"]
    assert not worst.passed and worst.value > 0.3
    assert worst.drivers and worst.drivers[0] == "job"
    assert not rep.passed
    ok = audit(train, fresh, hold, manifest=SYNTH, n_attacks=60)
    assert {t.name: t for t in ok.thresholds}["tvd_1way_column_max"].passed


def test_suppressed_and_generalized_columns_count_as_lost_not_perfect(tables):
    train, hold, _ = tables
    rel = train.copy()
    rel["job"] = "*"  # fully suppressed
    rel["age"] = (train["age"] // 10 * 10).astype(str) + "-" + (train["age"] // 10 * 10 + 9).astype(str)
    rep = audit(train, rel, hold, quasi_identifiers=["sex", "city"], n_attacks=60)
    loss = rep.utility.information_loss.by_column()
    assert loss["job"].ncp == 1.0 and loss["job"].suppressed_share == 1.0
    # no manifest says how age was generalized: counted as lost, never as preserved
    assert loss["age"].status == "recoded" and loss["age"].ncp == 1.0
    assert loss["age"].source == "assumed"
    assert set(rep.utility.information_loss.lost) == {"age", "job"}
    by = {t.name: t for t in rep.thresholds}
    assert not by["information_loss_max"].passed
    assert set(by["information_loss_max"].drivers) == {"age", "job"}
    tvd = {t.column: t.tvd for t in rep.utility.chi2 + rep.utility.ks}
    assert tvd["job"] == pytest.approx(1.0)

    # with the manifest's record of the generalization, its exact NCP is used instead
    manifest = {
        "mode": "anonymize",
        "columns": {
            "age": {"action": "generalize", "level": 1, "information_loss": 0.12},
            "job": {"action": "keep"},
        },
    }
    rep = audit(train, rel, hold, manifest=manifest, quasi_identifiers=["sex", "city"], n_attacks=60)
    loss = rep.utility.information_loss.by_column()
    assert loss["age"].ncp == 0.12 and loss["age"].source == "manifest"
    assert "age" in rep.utility.excluded_columns  # labels are not compared as values
    html = rep.to_html()
    assert "Information loss per column" in html and "no information left" in html


def test_decisions_use_the_conservative_end_of_the_interval():
    limits = resolve_thresholds({"ml_efficacy_ratio_min": 0.8})
    checks, _ = evaluate(
        limits,
        {"singling_out_risk_max": 0.05, "linkability_risk_max": 0.05, "ml_efficacy_ratio_min": 0.9},
        {
            "singling_out_risk_max": [0.0, 0.14],  # the point passes, the upper end does not
            "linkability_risk_max": [0.0, 0.08],
            "ml_efficacy_ratio_min": [0.7, 1.1],  # a _min gate: the lower end decides
        },
    )
    by = {c.name: c for c in checks}
    assert not by["singling_out_risk_max"].passed
    assert by["singling_out_risk_max"].decided_on == 0.14
    assert by["singling_out_risk_max"].basis.startswith("upper end")
    assert by["linkability_risk_max"].passed
    assert not by["ml_efficacy_ratio_min"].passed and by["ml_efficacy_ratio_min"].decided_on == 0.7
    # a step that failed makes its gates fail, even default ones
    checks, skipped = evaluate(limits, {}, failed={"comparison": "no column can be compared"})
    by = {c.name: c for c in checks}
    assert not by["tvd_1way_max"].passed and "no column can be compared" in by["tvd_1way_max"].note
    assert "prosecutor_risk_max" in skipped  # not measured, and nothing failed: skipped


def test_default_gates_cover_risk_and_utility():
    defaults = {n: s for n, s in THRESHOLDS.items() if s.default is not None}
    assert {s.kind for s in defaults.values()} == {"risk", "utility"}
    assert {"tvd_1way_max", "propensity_auc_max", "information_loss_max"} <= set(defaults)


def test_the_summary_shows_the_worst_singling_out_and_drivers_of_failures(tables):
    train, hold, _ = tables
    rep = audit(train, train.copy(), hold, quasi_identifiers=["age", "sex", "city"], n_attacks=80)
    d = rep.to_dict()
    so = d["summary"]["worst_singling_out"]
    assert so["worst"] in ("univariate", "multivariate")
    assert so["univariate"]["risk"] is not None and so["multivariate"]["risk"] is not None
    worst = d["risk"]["singling_out"]["worst"]
    gate = next(t for t in d["thresholds"] if t["name"] == "singling_out_risk_max")
    assert gate["value"] == worst["risk"] and gate["interval"] == worst["ci"]
    assert gate["detail"] == f"worst form: {worst['mode']}"
    for t in d["thresholds"]:
        if not t["passed"]:
            assert t["fix"], t["name"]  # every failure says what would fix it
    reid = next(t for t in d["thresholds"] if t["name"] == "prosecutor_risk_max")
    assert not reid["passed"] and set(reid["drivers"]) <= {"age", "sex", "city"}
    assert reid["drivers"][0] == "age"  # the quasi-identifier with the most distinct values
    html = rep.to_html()
    assert "Driven by:" in html and "What would fix it:" in html
    assert "How a threshold is decided" in html and "upper end" in html
