"""The anonymize plan run by Spark: each partition is transformed by `mapInPandas`.

The plan (hierarchies, the k-anonymity search, suppressed classes, keys) is decided once on the
driver from counts, exactly as for DuckDB; executors only apply it to their rows. Every Spark
batch first gets the dtypes the whole file has in pandas, so a value is transformed into the
same output as in memory. Output is a Parquet folder `release.parquet/` (Spark's part files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from privsynth.engine.paths import spark_paths
from privsynth.engine.source import TableSource
from privsynth.engine.spark_engine import backquote
from privsynth.errors import InputError
from privsynth.io import Schema, atomic_dir, file_sha256
from privsynth.pipeline.anonymize import plan_anonymize
from privsynth.pipeline.manifest import with_input_file
from privsynth.pipeline.plan import resolve_for
from privsynth.pipeline.readers import FileReader
from privsynth.pipeline.residual import SAMPLE_ROWS as RESIDUAL_ROWS
from privsynth.pipeline.write import DEFAULT_WRITE, WriteOptions, check_out_dir, write_manifest
from privsynth.policy import Policy


class _Normalizer:
    """The picklable part of a `FileReader`: target dtypes and the sampled schema."""

    def __init__(self, targets: dict[str, Any], schema: Schema, columns: list[str]):
        self.targets = targets
        self.schema = schema
        self.columns = columns

    def __call__(self, df: pd.DataFrame) -> pd.DataFrame:
        fake = FileReader.__new__(FileReader)
        fake._targets, fake._schema, fake.columns = self.targets, self.schema, self.columns
        return FileReader.normalize(fake, df, rows_are="a Spark batch")


class SparkFileReader:
    """A `FileReader` whose counts run in Spark: group sizes, row counts, per-id maxima.

    Types still come from the file itself (pyarrow schema, a DuckDB row sample), so the group
    keys Spark returns are converted to exactly the values a chunk holds in memory.
    """

    @staticmethod
    def wrap(reader: Any, spark: Any, path: Path) -> Any:
        from pyspark.sql import functions as F

        sdf = spark.read.parquet(*spark_paths(path))

        def group_sizes(columns):
            cols = list(columns)
            pdf = sdf.groupBy(*[F.col(backquote(c)) for c in cols]).count().toPandas()
            counts = pdf.pop("count").to_numpy().astype("int64")
            pdf.columns = cols
            return reader.normalize(pdf, rows_are="groups").reset_index(drop=True), counts

        def n_rows():
            return int(sdf.count())

        def max_rows_per_value(column):
            row = sdf.groupBy(F.col(backquote(column))).count().agg(F.max("count")).collect()[0][0]
            return int(row or 0)

        reader.group_sizes = group_sizes
        reader.n_rows = n_rows
        reader.max_rows_per_value = max_rows_per_value
        reader.distinct = lambda column: group_sizes([column])[0][column]
        return reader


def _spark_type(field: pa.Field):
    from pyspark.sql import types as T
    from pyspark.sql.pandas.types import from_arrow_type

    t = field.type
    if pa.types.is_null(t):
        return T.StringType()
    if pa.types.is_timestamp(t) and t.tz is None:
        return T.TimestampNTZType()  # naive in pandas: no session time-zone shift
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return T.StringType()
    return from_arrow_type(t)


def anonymize_spark(
    source: TableSource,
    policy: Policy,
    out_dir: str | os.PathLike[str],
    *,
    seed: int | None = None,
    key_file: str | os.PathLike[str] | None = None,
    findings: Any = None,
    options: WriteOptions = DEFAULT_WRITE,
) -> dict[str, Any]:
    """`anonymize_source` for a Spark source: plan on the driver, transform via `mapInPandas`."""
    from pyspark.sql import types as T

    path = source.path
    if path is None or not str(path).lower().endswith((".parquet", ".pq")):
        raise InputError("the spark release reads a Parquet file; convert CSV to Parquet first")
    # Executors must run the driver's interpreter (privsynth, pandas); only effective when
    # the session starts here.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = source.engine.spark
    # Counting for the plan (group sizes, row counts) runs in Spark; types come from the file.
    try:
        reader = SparkFileReader.wrap(FileReader(path), spark, Path(path))
    except Exception as exc:  # Spark's own errors carry pages of JVM detail
        if "TIMESTAMP(NANOS" in str(exc):
            raise InputError(
                f"{path}: Spark cannot read nanosecond timestamps; rewrite the file with "
                "microsecond timestamps (pyarrow: coerce_timestamps='us') or use --engine duckdb"
            ) from None
        raise
    resolved, _ = resolve_for(reader, policy, findings)
    plan = plan_anonymize(reader, resolved, seed=seed, key_file=key_file)
    if plan.statistical_noise:
        raise InputError(
            f"statistical noise on {plan.statistical_noise[0]!r} is drawn from one seeded stream "
            "in row order, which Spark partitions cannot share; use the duckdb or memory engine"
        )
    plan.check_residual(reader.sample(RESIDUAL_ROWS))
    norm = _Normalizer(reader.target_dtypes(), reader.schema, list(reader.columns))
    proto = plan.apply(reader.sample(200)).reset_index(drop=True)
    arrow = pa.Schema.from_pandas(proto, preserve_index=False)
    out_schema = T.StructType(
        [T.StructField(f.name, _spark_type(f), True) for f in arrow]
    )
    columns = list(reader.columns)

    def run(batches):
        for pdf in batches:
            pdf.columns = columns
            yield plan.apply(norm(pdf)).reset_index(drop=True)

    sdf = spark.read.parquet(*spark_paths(path))
    n_in = reader.n_rows()
    out = check_out_dir(out_dir, options, path)
    with atomic_dir(out, overwrite=options.overwrite) as tmp:
        result = sdf.mapInPandas(run, schema=out_schema)
        result.write.parquet(str(tmp / "release.parquet"))
        manifest = with_input_file(
            plan.manifest(n_in, n_in - plan.rows_removed),  # one row per input row kept
            path,
            file_sha256(path),
            file="release.parquet",
            engine="spark",
        )
        write_manifest(tmp, manifest)
    return manifest


__all__ = ["anonymize_spark"]
