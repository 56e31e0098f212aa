"""privsynth.synth (see DESIGN.md)."""
