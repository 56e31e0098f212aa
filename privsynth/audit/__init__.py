"""privsynth.audit (see DESIGN.md): re-identification and membership-inference risk, utility,
the audit report."""

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
]
