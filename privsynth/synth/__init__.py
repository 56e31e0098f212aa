"""privsynth.synth (see DESIGN.md)."""

# --- graphical-model core (pgm helper) ---
from privsynth.synth.domain import Domain  # noqa: F401
from privsynth.synth.estimation import Measurement, estimate, estimate_total  # noqa: F401
from privsynth.synth.factor import Factor  # noqa: F401
from privsynth.synth.junction_tree import (  # noqa: F401
    JunctionTree,
    build_junction_tree,
    junction_tree_size,
)
from privsynth.synth.model import GraphicalModel  # noqa: F401

# --- end graphical-model core ---
