"""privsynth.audit (see DESIGN.md)."""
