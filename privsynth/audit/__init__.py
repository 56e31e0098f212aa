"""privsynth.audit (see DESIGN.md)."""

# report helper: utility metrics, the audit and its report
from privsynth.audit.report import AuditReport, audit
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

__all__ = [
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
