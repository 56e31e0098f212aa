"""privsynth.transform (see DESIGN.md)."""

from privsynth.transform.criteria import (
    Criterion,
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    RecursiveCLDiversity,
    TCloseness,
)
from privsynth.transform.encoding import read_arx_hierarchy
from privsynth.transform.kanon import KAnonResult, kanonymize
from privsynth.transform.loss import discernibility, ncp

__all__ = [
    "Criterion",
    "DistinctLDiversity",
    "EntropyLDiversity",
    "KAnonResult",
    "KAnonymity",
    "RecursiveCLDiversity",
    "TCloseness",
    "discernibility",
    "kanonymize",
    "ncp",
    "read_arx_hierarchy",
]
