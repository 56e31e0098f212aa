"""privsynth: detect PII, anonymize or synthesize with differential privacy, audit the release.

The public API is re-exported here lazily, so `import privsynth` stays fast and the CLI does
not pay for presidio or OpenDP until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "read_table": "privsynth.io",
    "load_table": "privsynth.io",
    "write_table": "privsynth.io",
    "infer_schema": "privsynth.io",
    "kanonymize": "privsynth.transform",
    "KAnonResult": "privsynth.transform",
    "InputError": "privsynth.errors",
    "PrivsynthError": "privsynth.errors",
    "scan": "privsynth.detect",
    "ScanResult": "privsynth.detect",
    "example_table": "privsynth.datasets",
    "example_split": "privsynth.datasets",
    "example_path": "privsynth.datasets",
    "get_engine": "privsynth.engine",
    "run_demo": "privsynth.demo",
    "load_policy": "privsynth.policy",
    "dump_policy": "privsynth.policy",
    "draft_policy": "privsynth.policy",
    "resolve": "privsynth.policy",
    "Policy": "privsynth.policy",
    "policy_json_schema": "privsynth.policy",
    "release": "privsynth.pipeline.run",
    "Release": "privsynth.pipeline.run",
    "write_release": "privsynth.pipeline.run",
    "anonymize_source": "privsynth.pipeline.run",
    "Manifest": "privsynth.pipeline.manifest",
    "PolicyError": "privsynth.errors",
    "MissingKeyError": "privsynth.errors",
    "audit": "privsynth.audit",
    "AuditReport": "privsynth.audit",
    "BudgetExceededError": "privsynth.errors",
    "MST": "privsynth.synth",
    "AIM": "privsynth.synth",
    "Ledger": "privsynth.synth",
    "synthesize": "privsynth.pipeline.synthesize",
    "synthesize_source": "privsynth.pipeline.synthesize",
    "SyntheticRelease": "privsynth.pipeline.synthesize",
}
_SUBMODULES = {
    "io", "detect", "policy", "transform", "synth", "pipeline", "audit", "engine", "datasets"
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"privsynth.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'privsynth' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)


__all__ = sorted(_EXPORTS)  # noqa: PLE0605
