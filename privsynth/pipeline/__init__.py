"""The release flow, one module per stage:

plan (resolve the policy against the table, scanning when a rule needs it) -> anonymize (the
column transforms and the k-anonymity search, decided once) | synthesize (the DP synthesizer's
column plan and budget) -> write (one set of output helpers) -> manifest (what was done).
`run.release` and `run.release_source` chain them; `readers` and `spark` let the same plans run
on tables that engines hold. (`synthesize()` itself stays in `pipeline.synthesize`, so the
name `privsynth.pipeline.synthesize` is the module.)
"""

from privsynth.pipeline.manifest import Manifest
from privsynth.pipeline.run import Release, anonymize_source, release, release_source, write_release
from privsynth.pipeline.synthesize import SyntheticRelease, synthesize_source
from privsynth.pipeline.write import (
    synthetic_metadata,
    synthetic_readme,
    write_synthetic_readme,
    write_synthetic_release,
)

__all__ = [
    "Manifest",
    "Release",
    "SyntheticRelease",
    "anonymize_source",
    "release",
    "release_source",
    "synthesize_source",
    "synthetic_metadata",
    "synthetic_readme",
    "write_release",
    "write_synthetic_readme",
    "write_synthetic_release",
]
