"""privsynth.transform (see DESIGN.md)."""
