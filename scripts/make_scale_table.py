"""Write an N-row Adult-like Parquet table for the scale benchmarks (no model needed).

Rows are resampled with replacement from the raw Adult census, so joint distributions stay
realistic; numeric columns get a small seeded jitter so the table is not 48,842 rows repeated.
Written in row groups of `--chunk` rows, so memory stays bounded whatever N is.

    python scripts/make_scale_table.py --rows 10000000 --out /tmp/adult-10m.parquet
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "adult-raw" / "adult.csv"
CATEGORICAL = [
    "workclass", "education", "marital-status", "occupation", "relationship", "race", "sex",
    "native-country", "income",
]  # fmt: skip
COLUMNS = [
    "age", "workclass", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
]  # fmt: skip
NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]


def _jitter(chunk: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(chunk)
    age = chunk["age"].to_numpy() + rng.integers(-2, 3, n)
    hours = chunk["hours-per-week"].to_numpy() + rng.integers(-3, 4, n)
    scale = rng.uniform(0.9, 1.1, n)
    return chunk.assign(
        age=np.clip(age, 17, 90),
        **{
            "hours-per-week": np.clip(hours, 1, 99),
            "capital-gain": np.round(chunk["capital-gain"].to_numpy() * scale).astype(np.int64),
            "capital-loss": np.round(chunk["capital-loss"].to_numpy() * scale).astype(np.int64),
        },
    )


def write_scale_table(
    out: Path, rows: int, source: Path = DEFAULT_SOURCE, seed: int = 0, chunk: int = 1_000_000
) -> Path:
    """Write `rows` resampled, jittered Adult rows to the Parquet file `out`; return it."""
    adult = pd.read_csv(source, keep_default_na=False)
    adult = adult[COLUMNS]
    for c in NUMERIC:
        adult[c] = adult[c].astype(np.int64)
    for c in CATEGORICAL:
        adult[c] = adult[c].astype(str)
    schema = pa.Schema.from_pandas(adult.iloc[:0], preserve_index=False)
    rng = np.random.default_rng(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            part = adult.iloc[rng.integers(0, len(adult), n)].reset_index(drop=True)
            part = _jitter(part, rng)
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
            done += n
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"make_scale_table: {args.source}: no such file (pass --source)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    write_scale_table(args.out, args.rows, args.source, args.seed, args.chunk)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out}: {args.rows:,} rows, {size:.0f} MB in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
