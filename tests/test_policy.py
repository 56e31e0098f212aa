"""Policy models, YAML errors with file:line field, resolution, drafting, schema, built-ins."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from policy_helpers import example_findings

from privsynth.errors import InputError, PolicyError
from privsynth.policy import (
    Action,
    builtin_policies,
    draft_policy,
    dump_policy,
    load_policy,
    parse_policy,
    policy_json_schema,
    resolve,
)

REPO = Path(__file__).resolve().parents[1]
BUILTINS = [
    "dp-synthetic",
    "gdpr-pseudonymise",
    "hipaa-safe-harbor",
    "k-anonymity",
    "k-anonymity-generic",
]


def _err(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as exc:
        load_policy(path)
    return str(exc.value)


# ------------------------------------------------------------------------------ line-precise errors
def test_error_names_file_line_and_field_for_bad_list_item(tmp_path):
    text = (
        "name: t\n"
        "columns:\n"
        "  ssn: {action: drop}\n"
        "  zip:\n"
        "    action: generalize\n"
        "    hierarchy:\n"
        "      type: dates\n"
        "      levels: [month, year]\n"
        "  code:\n"
        "    action: generalize\n"
        "    hierarchy:\n"
        "      type: prefix\n"
        "      lengths: [3, two]\n"
    )
    msg = _err(tmp_path, text)
    assert msg.startswith(f"{tmp_path / 'policy.yaml'}:13 columns.code.hierarchy.lengths:"), msg
    assert "expected a list of integers" in msg


def test_error_unknown_field_suggests(tmp_path):
    msg = _err(tmp_path, "name: t\ncolumns:\n  ssn:\n    acton: drop\n")
    assert ":4 columns.ssn.acton: unknown field (did you mean 'action'?)" in msg


def test_error_bad_enum_value(tmp_path):
    msg = _err(tmp_path, "name: t\nunmatched: ignore\n")
    assert ":2 unmatched: expected one of" in msg and "'ignore'" in msg


def test_error_missing_name(tmp_path):
    msg = _err(tmp_path, "description: x\ncolumns: {}\n")
    assert "policy.yaml:1 name: required field missing" in msg


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("name: t\nrelease:\n  mode: synthesize\n  epsilon: 0\n", 2, "release", "epsilon must be > 0"),
        ("name: t\nrelease:\n  mode: synthesize\n  epsilon: 1\n  delta: 1\n", 2, "release", "delta"),
        ("name: t\nrelease:\n  mode: synthesize\n", 2, "release", "needs an epsilon"),
        ("name: t\nprivacy:\n  k: 1\n", 3, "privacy.k", "greater than or equal to 2"),
        ("name: t\nprivacy:\n  k: 5\n  max_suppression: 1.0\n", 4, "privacy.max_suppression", "less than 1"),
        ("name: t\nprivacy:\n  k: 5\n  l: 2\n", 2, "privacy", "sensitive"),
        (
            "name: t\ncolumns:\n  a: {action: drop}\n  h:\n    action: noise\n    epsilon: 1\n",
            4,
            "columns.h",
            "needs bounds",
        ),
        (
            "name: t\ncolumns:\n  a:\n    action: drop\n    key_env: X\n",
            3,
            "columns.a",
            "key_env does not apply to action drop",
        ),
        (
            "name: t\nrules:\n  - match: {name: '('}\n    action: drop\n",
            3,
            "rules.0.match.name",
            "regular expression",
        ),
        (
            "name: t\ncolumns:\n  z: {action: generalize, hierarchy: {type: prefix, lengths: [3]}, level: 5}\n",
            3,
            "columns.z",
            "level 5 is beyond",
        ),
        (
            "name: t\nrelease: {mode: synthesize, epsilon: 1}\ncolumns:\n  x: {action: keep}\n"
            "  y: {action: redact}\n",
            5,
            "columns.y",
            "not available in mode synthesize",
        ),
    ],
)
def test_cross_field_errors_are_located(tmp_path, text, line, field, words):
    msg = _err(tmp_path, text)
    assert f"policy.yaml:{line} {field}: " in msg, msg
    assert words in msg, msg


def test_duplicate_keys_and_bad_yaml(tmp_path):
    msg = _err(tmp_path, "name: t\ncolumns:\n  ssn: {action: drop}\n  ssn: {action: keep}\n")
    assert "policy.yaml:4 ssn: duplicate key (first given on line 3)" in msg
    msg = _err(tmp_path, "name: t\nssn: 1\nssn: 2\n")
    assert ":3 ssn: duplicate key (first given on line 2)" in msg
    msg = _err(tmp_path, "name: t\ncolumns: [\n")
    assert "invalid YAML" in msg and "policy.yaml:" in msg


def test_missing_policy_names_builtins(tmp_path):
    with pytest.raises(PolicyError, match="built-in policies: .*hipaa-safe-harbor"):
        load_policy(tmp_path / "nope.yaml")


# ------------------------------------------------------------------------------------- built-ins
def test_builtins_load_by_name_and_match_documented_copies():
    assert builtin_policies() == BUILTINS
    for name in BUILTINS:
        pol = load_policy(name)
        assert pol.name == name
        documented = (REPO / "policies" / f"{name}.yaml").read_text()
        assert documented == Path(pol.source).read_text(), f"policies/{name}.yaml differs"
        assert parse_policy(dump_policy(pol)).model_dump() == pol.model_dump()


def test_json_schema_is_current():
    committed = json.loads((REPO / "policies" / "policy.schema.json").read_text())
    assert committed == json.loads(json.dumps(policy_json_schema())), (
        "regenerate with: python -m privsynth.policy policies/policy.schema.json"
    )
    assert "columns" in committed["properties"] and "rules" in committed["properties"]


def test_hipaa_zip3_list_shipped():
    from privsynth.transform import hipaa_zip3_restricted

    assert hipaa_zip3_restricted() == [
        "036", "059", "063", "102", "203", "556", "692", "790", "821",
        "823", "830", "831", "878", "879", "884", "890", "893",
    ]  # fmt: skip


# --------------------------------------------------------------------------------------- resolve
_DF = pd.DataFrame({"ssn": ["1"], "email": ["a@b.c"], "phone": ["1"], "age": [3], "misc": ["x"]})


def test_resolve_order_entries_rules_unmatched():
    pol = parse_policy(
        "name: t\nunmatched: keep\ncolumns:\n  email: {action: redact}\n"
        "rules:\n  - match: {class: direct}\n    action: drop\n"
        "  - match: {name: '(?i)phone|email'}\n    action: mask\n"
    )
    findings = example_findings(_DF.columns)
    res = resolve(pol, _DF, findings)
    assert res["email"].kind is Action.REDACT and res["email"].source == "columns.email"
    assert res["ssn"].kind is Action.DROP and res["ssn"].source == "rules.0"
    assert res["phone"].kind is Action.DROP  # the first matching rule wins
    assert res["misc"].kind is Action.KEEP and res["misc"].source == "unmatched"


def test_resolve_unmatched_error_names_column():
    pol = parse_policy("name: t\ncolumns:\n  ssn: {action: drop}\n")
    with pytest.raises(InputError, match="column 'email' is not covered by policy 't'"):
        resolve(pol, _DF)


def test_resolve_entry_for_absent_column():
    pol = parse_policy("name: t\nunmatched: keep\ncolumns:\n  salary: {action: drop}\n")
    with pytest.raises(InputError, match="names column 'salary', which the table does not have"):
        resolve(pol, _DF)


def test_resolve_entity_rule_needs_findings_only_when_reached():
    pol = parse_policy(
        "name: t\nunmatched: drop\nrules:\n  - match: {name: '.'}\n    action: keep\n"
        "  - match: {entity: PERSON}\n    action: drop\n"
    )
    assert resolve(pol, _DF)["misc"].kind is Action.KEEP
    pol2 = parse_policy("name: t\nrules:\n  - match: {entity: PERSON}\n    action: drop\n")
    with pytest.raises(InputError, match="scan the table first"):
        resolve(pol2, _DF)


# ----------------------------------------------------------------------------------------- draft
def test_draft_policy_loads_and_explains(tmp_path):
    findings = example_findings(["patient_id", "email", "zip", "age", "birth_date", "sex", "note",
                                 "occupation", "odd: name"])  # fmt: skip
    text = draft_policy(findings)
    path = tmp_path / "draft.yaml"
    path.write_text(text)
    pol = load_policy(path)
    assert pol.columns["email"].action is Action.DROP
    assert pol.columns["patient_id"].action is Action.PSEUDONYMIZE
    assert pol.columns["zip"].hierarchy.type == "prefix"
    assert set(pol.privacy.quasi_identifiers) == {"zip", "age", "birth_date", "sex"}
    assert pol.columns["note"].action is Action.DROP
    assert "# direct identifier; entity EMAIL_ADDRESS; confidence 0.90" in text
    assert text.count("# ") >= len(findings)


def test_draft_caps_search_and_keeps_classic_quasi_identifiers():
    from privsynth.detect.draft import MAX_DRAFT_QIS
    from privsynth.detect.findings import ColumnClass, ColumnFinding

    extra = [
        ColumnFinding(name=f"q{i}", cls=ColumnClass.QUASI, confidence=0.99) for i in range(10)
    ]
    findings = extra + example_findings(["zip", "age", "sex", "city", "state"])
    pol = parse_policy(draft_policy(findings))
    qis = pol.privacy.quasi_identifiers
    assert len(qis) == MAX_DRAFT_QIS
    assert {"zip", "age", "sex"} <= set(qis)
    assert pol.columns["city"].action is Action.DROP  # below state level, too fine to keep


def test_quasi_identifiers_from_scan_skip_transformed_columns():
    df = pd.DataFrame({"zip": ["02139"], "age": [30], "phone": ["555"], "sex": ["F"]})
    findings = example_findings(df.columns)
    findings[2].cls = findings[0].cls  # phone classed quasi, but masked by the policy
    pol = parse_policy(
        "name: t\nunmatched: keep\nprivacy: {k: 2}\ncolumns:\n  phone: {action: mask}\n"
        "  sex: {action: drop}\n"
    )
    assert resolve(pol, df, findings).quasi_identifiers() == ["zip", "age"]
    with pytest.raises(InputError, match="scan the table first"):
        resolve(pol, df)
