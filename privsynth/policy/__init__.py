"""The policy file: pydantic models, YAML load/dump with line-precise errors, JSON Schema,
built-in policies, column resolution (entries, rules, unmatched) and drafting from a scan."""

from privsynth.detect.draft import draft_policy
from privsynth.policy.load import (
    builtin_policies,
    dump_policy,
    load_policy,
    parse_policy,
    policy_json_schema,
    policy_sha256,
    write_json_schema,
)
from privsynth.policy.models import (
    Action,
    ColumnAction,
    ColumnPolicy,
    Domain,
    Match,
    Policy,
    Privacy,
    ReleaseSettings,
    Rule,
)
from privsynth.policy.resolve import ResolvedColumn, ResolvedPolicy, needs_findings, resolve

__all__ = [
    "Action",
    "ColumnAction",
    "ColumnPolicy",
    "Domain",
    "Match",
    "Policy",
    "Privacy",
    "ReleaseSettings",
    "ResolvedColumn",
    "ResolvedPolicy",
    "Rule",
    "builtin_policies",
    "draft_policy",
    "dump_policy",
    "load_policy",
    "needs_findings",
    "parse_policy",
    "policy_json_schema",
    "policy_sha256",
    "resolve",
    "write_json_schema",
]
