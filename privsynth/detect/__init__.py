"""privsynth.detect (see DESIGN.md)."""
