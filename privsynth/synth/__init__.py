"""privsynth.synth (see DESIGN.md)."""

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
from privsynth.synth.release import (  # noqa: F401, E402
    SyntheticRelease,
    TableSynthesizer,
    synthesize,
    synthesize_source,
    synthetic_metadata,
    synthetic_readme,
    write_synthetic_readme,
    write_synthetic_release,
)

# --- end synthesizers ---
