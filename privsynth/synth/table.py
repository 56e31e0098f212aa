"""`TableSynthesizer`: a fitted MST/AIM model with the encoder of a raw table.

The encoder maps raw values to the public domain's codes and back; the model samples codes.
Sample it, stream it in seeded chunks, save it and load it again without the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.errors import InputError
from privsynth.io import atomic_dir
from privsynth.synth.base import MarginalSynthesizer
from privsynth.synth.ledger import Ledger
from privsynth.synth.preprocess import Encoder

# Synthetic rows are sampled and decoded this many at a time, each chunk with a generator seeded
# from (seed, chunk number): fixed, so the rows do not depend on the engine or the writer.
SAMPLE_CHUNK_ROWS = 100_000


class TableSynthesizer:
    """A fitted synthesizer for raw tables: encoder + MST/AIM model. Sample, save, load."""

    def __init__(
        self,
        encoder: Encoder,
        synthesizer: MarginalSynthesizer,
        manifest: dict[str, Any],
        seed: int | None = None,
    ):
        self.encoder = encoder
        self.synthesizer = synthesizer
        self.manifest = manifest
        self._rng = np.random.default_rng(seed)

    @property
    def ledger(self) -> Ledger:
        return self.synthesizer.ledger_

    def sample(self, n: int | None = None, where: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Synthetic rows in the original column types; `where` uses raw values ({"income": ">50K"})."""
        codes = self.encoder.encode_where(where)
        raw = self.synthesizer.sample(n, where=codes)
        return self.encoder.decode(raw, self._rng)

    def other_possible(self) -> dict[str, bool]:
        """Per categorical column, whether "other" can be sampled (its model cell has mass).

        Decided once from the model so every streamed chunk decodes a column to one type.
        """
        syn = self.synthesizer
        comp = syn.compression_
        out = {}
        for c, k in self.encoder.codecs.items():
            if k.kind != "categorical":
                continue
            j = int(comp.maps[c][k.other_code])
            members = np.flatnonzero(comp.maps[c] == j)
            w = comp.weights.get(c)
            share = 1.0
            if len(members) > 1 and w is not None and w[members].sum() > 0:
                share = float(w[k.other_code])
            out[c] = bool(syn.model_.marginal((c,))[j] > 0 and share > 0)
        return out

    def sample_chunks(
        self, n: int, *, seed: int, chunk_rows: int | None = None
    ) -> Iterator[pd.DataFrame]:
        """`n` rows, `chunk_rows` at a time (never all at once), each chunk sampled and decoded
        with its own generator seeded from (`seed`, chunk number): the same rows whatever engine
        fitted the model, and whoever consumes the chunks."""
        chunk_rows = int(chunk_rows or SAMPLE_CHUNK_ROWS)
        other = self.other_possible()
        for k, start in enumerate(range(0, max(int(n), 1), chunk_rows)):
            size = min(chunk_rows, int(n) - start)
            rng = np.random.default_rng([int(seed), k])
            raw = self.synthesizer.sample(size, rng=rng)
            yield self.encoder.decode(raw, rng, other=other)

    def save(self, path: str | Path) -> Path:
        """Directory with the model, encoder and ledger: sample more later without the data."""
        path = Path(path)
        with atomic_dir(path, overwrite=True) as tmp:  # a previous save of ours is replaced
            tmp = Path(tmp)
            self.synthesizer.save(tmp / "synthesizer")
            (tmp / "encoder.json").write_text(
                json.dumps(self.encoder.to_dict(), indent=1, default=str)
            )
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=1, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path, seed: int | None = None) -> TableSynthesizer:
        path = Path(path)
        if not (path / "encoder.json").exists():
            raise InputError(f"{path} does not hold a saved table synthesizer (no encoder.json)")
        enc = Encoder.from_dict(json.loads((path / "encoder.json").read_text()))
        syn = MarginalSynthesizer.load(path / "synthesizer")
        manifest = json.loads((path / "manifest.json").read_text())
        return cls(enc, syn, manifest, seed)
