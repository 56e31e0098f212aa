"""privsynth.audit (see DESIGN.md): re-identification and membership-inference risk, utility,
the audit report."""

import sys as _sys  # report helper: makes this package callable, see _CallableModule
import types as _types

# --- risk helper: re-identification risk, Article 29 attacks, membership inference ---
from privsynth.audit.attacks import AttackResult, inference, linkability, singling_out
from privsynth.audit.membership import (
    DPCeiling,
    MembershipResult,
    MIAttackResult,
    dp_ceiling,
    membership_inference,
)
from privsynth.audit.risk import (
    ReidentificationRisk,
    reidentification_risk,
    zayatz_population_uniques,
)

# --- end risk helper ---
# isort: split
# --- report helper: utility metrics, the audit and its report ---
from privsynth.audit.report import AuditReport
from privsynth.audit.run import audit
from privsynth.audit.thresholds import THRESHOLDS, ThresholdCheck
from privsynth.audit.utility import (
    ColumnTest,
    CorrelationDifference,
    MarginalTVD,
    MLEfficacyResult,
    PropensityResult,
    UtilityResult,
    chi_squared_tests,
    correlation_difference,
    ks_tests,
    marginal_tvd,
    ml_efficacy,
    propensity_score,
    utility,
)


class _CallableModule(_types.ModuleType):
    """`privsynth.audit` is both this package and the `audit()` function (DESIGN: `ps.audit(...)`):
    once the package is imported Python binds the name to the module, so the module calls audit.
    Kept because the public API needs both names (`ps.audit(...)`, `from privsynth.audit import
    ...`); `ps.release` needs no such hack since the release flow lives in `privsynth.pipeline`."""

    def __call__(self, *args, **kwargs):
        return audit(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
# --- end report helper ---

__all__ = [
    "AttackResult",
    "DPCeiling",
    "MIAttackResult",
    "MembershipResult",
    "ReidentificationRisk",
    "dp_ceiling",
    "inference",
    "linkability",
    "membership_inference",
    "reidentification_risk",
    "singling_out",
    "zayatz_population_uniques",
    # report helper
    "THRESHOLDS",
    "AuditReport",
    "ColumnTest",
    "CorrelationDifference",
    "MLEfficacyResult",
    "MarginalTVD",
    "PropensityResult",
    "ThresholdCheck",
    "UtilityResult",
    "audit",
    "chi_squared_tests",
    "correlation_difference",
    "ks_tests",
    "marginal_tvd",
    "ml_efficacy",
    "propensity_score",
    "utility",
]
