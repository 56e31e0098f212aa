"""privsynth.policy (see DESIGN.md)."""
