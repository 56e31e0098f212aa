"""privsynth.synth (see DESIGN.md)."""

# --- graphical-model core (pgm helper) ---
from privsynth.synth.domain import Domain
from privsynth.synth.estimation import Measurement, estimate, estimate_total
from privsynth.synth.factor import Factor
from privsynth.synth.junction_tree import JunctionTree, build_junction_tree, junction_tree_size
from privsynth.synth.model import GraphicalModel

# --- end graphical-model core ---
