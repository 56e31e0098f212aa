"""privsynth.synth (see DESIGN.md)."""

import importlib

# --- graphical-model core (pgm helper) ---
# --- end graphical-model core ---
# --- synthesizers, accounting, policy route (synth helper) ---
from privsynth.synth.aim import AIM  # noqa: F401, E402
from privsynth.synth.domain import Domain  # noqa: F401
from privsynth.synth.estimation import Measurement, estimate, estimate_total  # noqa: F401
from privsynth.synth.factor import Factor  # noqa: F401
from privsynth.synth.junction_tree import (  # noqa: F401
    JunctionTree,
    build_junction_tree,
    junction_tree_size,
)
from privsynth.synth.ledger import Ledger, LedgerEntry  # noqa: F401, E402
from privsynth.synth.model import GraphicalModel  # noqa: F401
from privsynth.synth.mst import MST  # noqa: F401, E402
from privsynth.synth.preprocess import Encoder  # noqa: F401, E402
from privsynth.synth.table import TableSynthesizer  # noqa: F401

# --- end synthesizers ---

# The policy route moved to `privsynth.pipeline` (the release flow, above this library). These
# names stay reachable here, resolved on first use, because the README and user code call them
# from `privsynth.synth`; nothing inside this package uses them.
_PIPELINE_NAMES = {
    "SyntheticRelease": "privsynth.pipeline.synthesize",
    "synthesize": "privsynth.pipeline.synthesize",
    "synthesize_source": "privsynth.pipeline.synthesize",
    "synthetic_metadata": "privsynth.pipeline.write",
    "synthetic_readme": "privsynth.pipeline.write",
    "write_synthetic_readme": "privsynth.pipeline.write",
    "write_synthetic_release": "privsynth.pipeline.write",
}


def __getattr__(name: str):
    if name in _PIPELINE_NAMES:
        return getattr(importlib.import_module(_PIPELINE_NAMES[name]), name)
    raise AttributeError(f"module 'privsynth.synth' has no attribute {name!r}")
