"""privsynth.transform: masking, noise, generalization hierarchies, the k-anonymity search."""

from privsynth.transform.criteria import (
    Criterion,
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    RecursiveCLDiversity,
    TCloseness,
)
from privsynth.transform.hierarchy import (
    build_hierarchy,
    dates_hierarchy,
    default_hierarchy,
    flat_hierarchy,
    generalize,
    hierarchy_input,
    hipaa_zip3_restricted,
    intervals_hierarchy,
    prefix_hierarchy,
    read_arx_hierarchy,
    topcode_hierarchy,
    value_strings,
)
from privsynth.transform.kanon import KAnonResult, kanonymize
from privsynth.transform.loss import discernibility, ncp
from privsynth.transform.masking import (
    faker_pseudonym,
    format_preserving,
    hmac_pseudonym,
    load_key,
    partial_mask,
    redact,
    shift_dates,
)
from privsynth.transform.noise import NoiseResult, dp_noise, statistical_noise

__all__ = [
    "Criterion",
    "DistinctLDiversity",
    "EntropyLDiversity",
    "KAnonResult",
    "KAnonymity",
    "NoiseResult",
    "RecursiveCLDiversity",
    "TCloseness",
    "build_hierarchy",
    "dates_hierarchy",
    "default_hierarchy",
    "discernibility",
    "dp_noise",
    "faker_pseudonym",
    "flat_hierarchy",
    "format_preserving",
    "generalize",
    "hierarchy_input",
    "hipaa_zip3_restricted",
    "hmac_pseudonym",
    "intervals_hierarchy",
    "kanonymize",
    "load_key",
    "ncp",
    "partial_mask",
    "prefix_hierarchy",
    "read_arx_hierarchy",
    "redact",
    "shift_dates",
    "statistical_noise",
    "topcode_hierarchy",
    "value_strings",
]
