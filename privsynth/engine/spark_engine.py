"""Counting in Spark (optional extra `privsynth[spark]`): the same counts, on a cluster.

Codes are computed with column expressions from the public encoders (the rule of
`encoding.py`); all marginals of one call come from one pass that groups the rows by all the
coded columns, summed into marginals on the driver (or, with too many groups, each row emits
one cell per clique and Spark's partial aggregation sums them before the shuffle). Only counts reach the
driver, plus one class label per row for equivalence classes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privsynth.engine import base
from privsynth.engine.base import ColumnCounts, EquivalenceClasses, marginals_from_groups
from privsynth.engine.encoding import Bins, Categories, Encoder, KeyCategories
from privsynth.engine.paths import check_flat_parquet, spark_paths
from privsynth.errors import InputError
from privsynth.settings import env_int, env_size

_RID = "__ps_rid"


def backquote(name: str) -> str:
    """Backquote a column name so dots, dashes and spaces are taken literally."""
    return "`" + str(name).replace("`", "``") + "`"


def default_session(master: str = "local[2]", app_name: str = "privsynth"):
    """A SparkSession tuned for counting on one machine: few shuffle partitions, no UI."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "the spark engine needs pyspark: pip install 'privsynth[spark]'"
        ) from None
    # Python workers (mapInPandas, UDFs) must run the driver's interpreter, which has privsynth
    # and pandas; read only when this call starts the session.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(env_int("PRIVSYNTH_SPARK_PARTITIONS", 4, minimum=1)))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", env_size("PRIVSYNTH_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _nan(sdf, name: str):
    """Column expression: true where a floating column holds NaN (false for other types)."""
    from pyspark.sql import functions as F

    if dict(sdf.dtypes)[name] in ("float", "double"):
        return F.coalesce(F.isnan(F.col(name)), F.lit(False))
    return F.lit(False)

_JAVA_CODES = {
    "%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%y": "yy",
    "%b": "MMM", "%B": "MMMM", "%f": "SSSSSS", "%%": "%",
}  # fmt: skip


def java_format(fmt: str) -> str:
    """A Spark datetime pattern for a strptime format (the codes privsynth's schema uses)."""
    out, i = [], 0
    while i < len(fmt):
        code = fmt[i : i + 2]
        if code in _JAVA_CODES:
            out.append(_JAVA_CODES[code])
            i += 2
        elif fmt[i] == "%":
            raise InputError(f"date format {fmt!r}: {code} has no Spark equivalent")
        elif fmt[i].isalpha():
            out.append("'" + fmt[i] + "'")
            i += 1
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _edges_reached(x, inner: Sequence[float]):
    """How many of the sorted `inner` edges x reaches (x >= edge): a sum of comparisons for a
    few edges, a binary search of nested CASEs for many (a sum of hundreds of terms makes
    Spark's generated code too large to compile quickly)."""
    from pyspark.sql import functions as F

    if len(inner) <= 16:
        reached = F.lit(0).cast("long")
        for e in inner:
            reached = reached + (x >= F.lit(e)).cast("long")
        return reached

    def search(lo: int, hi: int):
        if lo == hi:
            return F.lit(lo).cast("long")
        mid = (lo + hi) // 2
        return F.when(x >= F.lit(inner[mid]), search(mid + 1, hi)).otherwise(search(lo, mid))

    return search(0, len(inner))


class SparkEngine(base.EngineBase):
    """Counts with a SparkSession (passed in, or created for `master`, default local[2]).

    `data` may be a pandas DataFrame, a Parquet or CSV path, or a Spark DataFrame.
    """

    name = "spark"

    def __init__(self, spark: Any = None, master: str = "local[2]"):
        self._spark = spark
        self.master = master

    @property
    def spark(self):
        if self._spark is None:
            self._spark = default_session(self.master)
        return self._spark

    # ------------------------------------------------------------------------- sources
    def _frame(self, data: Any, columns: Sequence[str], *, rowid: bool = False):
        """A Spark DataFrame with `columns` renamed to c0.. (and a row number if asked)."""
        from pyspark.sql import DataFrame as SparkFrame
        from pyspark.sql import functions as F

        cols = list(columns)
        if isinstance(data, pd.DataFrame):
            missing = [c for c in cols if c not in data.columns]
            if missing:
                raise InputError(f"column {missing[0]!r} is not in the data")
            pdf = data[cols].copy()
            pdf.columns = [f"c{i}" for i in range(len(cols))]
            if rowid:
                pdf[_RID] = np.arange(len(pdf), dtype=np.int64)
            return self.spark.createDataFrame(pdf)
        if isinstance(data, str | os.PathLike):
            # Literal paths (privsynth.engine.paths): Hadoop would expand {a,b}, [1], * and ?.
            path = Path(data)
            if not path.exists():
                raise InputError(f"{path}: no such file")
            if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
                check_flat_parquet(path)
                sdf = self.spark.read.parquet(*spark_paths(path))
            else:
                sdf = self.spark.read.csv(spark_paths(path), header=True, inferSchema=True)
        elif isinstance(data, SparkFrame):
            sdf = data
        else:
            raise InputError(f"the spark engine cannot read a {type(data).__name__}")
        missing = [c for c in cols if c not in sdf.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is not in the data")
        sdf = sdf.select(*[F.col(backquote(c)).alias(f"c{i}") for i, c in enumerate(cols)])
        if rowid:
            # zipWithIndex numbers rows in partition order, i.e. file order for one file.
            schema = sdf.schema.add(_RID, "long")
            sdf = sdf.rdd.zipWithIndex().map(lambda p: (*p[0], p[1])).toDF(schema)
        return sdf

    @staticmethod
    def _code(col, size: int, encoder: Encoder | None):
        from pyspark.sql import functions as F

        if isinstance(encoder, Categories):
            other = F.lit(len(encoder.values)).cast("long")
            if not encoder.values:
                return other
            # One hash lookup in a literal map: a long CASE chain per column makes Spark's
            # generated code too large and it falls back to interpreting every row.
            lookup = F.create_map(
                *[x for i, v in enumerate(encoder.values) for x in (F.lit(v), F.lit(i))]
            )
            hit = F.when(col.isNull(), F.lit(None)).otherwise(F.try_element_at(lookup, col))
            return F.coalesce(hit.cast("long"), other)
        if isinstance(encoder, KeyCategories):
            return SparkEngine._key_categories(col, encoder)
        if isinstance(encoder, Bins):
            x = col.try_cast("double") if hasattr(col, "try_cast") else col.cast("double")
            if encoder.datetime:
                ts = col
                if encoder.date_format:
                    ts = F.try_to_timestamp(col.cast("string"), F.lit(java_format(encoder.date_format)))
                # nanoseconds since 1970 as float64, as numpy computes them (Spark keeps µs)
                x = (F.unix_micros(ts.cast("timestamp")) * F.lit(1000)).cast("double")
            reached = _edges_reached(x, encoder.inner)
            return F.when(x.isNull() | F.isnan(x), F.lit(encoder.n_bins)).otherwise(reached)
        return col.cast("long")

    @staticmethod
    def _key_categories(col, encoder: KeyCategories):
        from pyspark.sql import functions as F

        missing = col.isNull()
        if encoder.nan_missing:
            missing = missing | F.isnan(col.cast("double"))
        other = F.lit(encoder.other_code).cast("long")
        if not encoder.typed:
            return F.when(missing, F.lit(encoder.missing_code).cast("long")).otherwise(other)
        first = encoder.typed[0][0]
        if isinstance(first, str):
            key, lit = col.cast("string"), str
        elif isinstance(first, bool | np.bool_):
            key, lit = col.cast("boolean"), bool
        elif isinstance(first, int | np.integer):
            key, lit = col.cast("long"), int
        elif isinstance(first, float | np.floating):
            key, lit = col.cast("double"), float
        else:  # timestamps
            key, lit = col.cast("timestamp"), lambda v: pd.Timestamp(v).to_pydatetime()
        lookup = F.create_map(
            *[x for v, code in encoder.typed for x in (F.lit(lit(v)), F.lit(code))]
        )
        hit = F.try_element_at(lookup, key).cast("long")
        return F.when(missing, F.lit(encoder.missing_code).cast("long")).otherwise(
            F.coalesce(hit, other)
        )

    def grouped(
        self,
        data: Any,
        columns: Sequence[str],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        from pyspark.sql import functions as F

        _, used, encoders = self._prepare([tuple(columns)], domain, encoders)
        sdf = self._frame(data, used)
        name = {c: f"c{i}" for i, c in enumerate(used)}
        raw = [c for c in used if c not in encoders]
        if raw:
            self._check_codes(sdf, raw, name, domain)
        codes = sdf.select(
            *[self._code(F.col(name[c]), domain[c], encoders.get(c)).alias(name[c]) for c in used]
        )
        groups = codes.groupBy(*[name[c] for c in used]).count().limit(base.MAX_GROUPS + 1)
        groups = groups.toPandas()
        if len(groups) > base.MAX_GROUPS:
            return None
        return (
            {c: groups[name[c]].to_numpy(dtype=np.int64) for c in used},
            groups["count"].to_numpy(dtype=np.int64),
        )

    def key_counts(self, data: Any, column: str) -> dict[str, int]:
        from pyspark.sql import functions as F

        sdf = self._frame(data, [column]).where(F.col("c0").isNotNull())
        res = sdf.groupBy("c0").count().toPandas()
        return base.counts_by_key(res["c0"], res["count"])

    # ----------------------------------------------------------------------- marginals
    def marginals(
        self,
        data: Any,
        cliques: Sequence[Sequence[str]],
        domain: Mapping[str, int],
        encoders: Mapping[str, Encoder] | None = None,
    ) -> list[np.ndarray]:
        from pyspark.sql import functions as F

        cliques, used, encoders = self._prepare(cliques, domain, encoders)
        used = sorted(used)
        sdf = self._frame(data, used)
        name = {c: f"c{i}" for i, c in enumerate(used)}
        raw = [c for c in used if c not in encoders]
        if raw:
            self._check_codes(sdf, raw, name, domain)
        codes = sdf.select(
            *[self._code(F.col(name[c]), domain[c], encoders.get(c)).alias(name[c]) for c in used]
        )
        if used:
            groups = (
                codes.groupBy(*[name[c] for c in used]).count().limit(base.MAX_GROUPS + 1).toPandas()
            )
            if len(groups) <= base.MAX_GROUPS:
                group_codes = {c: groups[name[c]].to_numpy(dtype=np.int64) for c in used}
                return marginals_from_groups(
                    group_codes, groups["count"].to_numpy(), cliques, domain
                )
        out: list[np.ndarray | None] = [None] * len(cliques)
        nonempty = [i for i, cl in enumerate(cliques) if cl]
        if len(nonempty) < len(cliques):
            total = codes.count()
            for i, cl in enumerate(cliques):
                if not cl:
                    out[i] = np.array(float(total))
        if nonempty:
            cells = []
            for i in nonempty:
                flat, stride = F.lit(0).cast("long"), 1
                for c in reversed(cliques[i]):
                    flat = flat + F.col(name[c]) * F.lit(stride)
                    stride *= int(domain[c])
                cells.append(F.struct(F.lit(i).alias("q"), flat.alias("cell")))
            rows = (
                codes.select(F.explode(F.array(*cells)).alias("x"))
                .groupBy("x.q", "x.cell")
                .count()
                .collect()
            )
            arrays = {i: np.zeros(int(np.prod([domain[c] for c in cliques[i]]))) for i in nonempty}
            for r in rows:
                arrays[r["q"]][r["cell"]] = float(r["count"])
            for i in nonempty:
                out[i] = arrays[i].reshape(tuple(int(domain[c]) for c in cliques[i]))
        return out  # type: ignore[return-value]

    @staticmethod
    def _check_codes(sdf, cols, name, domain) -> None:
        from pyspark.sql import functions as F

        aggs = []
        for c in cols:
            col = F.col(name[c])
            aggs += [F.min(col), F.max(col), F.count(F.lit(1)) - F.count(col)]
        row = sdf.agg(*aggs).collect()[0]
        for j, c in enumerate(cols):
            lo, hi, nulls = row[3 * j], row[3 * j + 1], row[3 * j + 2]
            if nulls:
                raise InputError(f"column {c!r} has missing values; encode them as a code first")
            if lo is not None and (lo < 0 or hi >= domain[c]):
                # no values in the message: a code's value is a fact about the private data
                raise InputError(f"column {c!r} has a value outside its domain 0..{domain[c] - 1}")

    # --------------------------------------------------------------- equivalence classes
    def equivalence_classes(self, data: Any, columns: Sequence[str]) -> EquivalenceClasses:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        cols = list(columns)
        sdf = self._frame(data, cols, rowid=True)
        if not cols:
            n = sdf.count()
            return EquivalenceClasses(
                np.zeros(n, dtype=np.int64), np.array([n]), pd.DataFrame(index=[0])
            )
        ks = [f"c{i}" for i in range(len(cols))]
        sdf = sdf.cache()
        try:
            classes = (
                sdf.groupBy(*ks)
                .agg(F.count(F.lit(1)).alias("__ps_size"), F.min(_RID).alias("__ps_first"))
                .withColumn("__ps_label", F.row_number().over(Window.orderBy("__ps_first")) - 1)
                .cache()
            )
            info = classes.select("__ps_label", "__ps_size", "__ps_first", *ks).toPandas()
            info = info.sort_values("__ps_label").reset_index(drop=True)
            k = classes.select(*[F.col(c).alias(f"k{c}") for c in ks], "__ps_label")
            cond = [F.col(c).eqNullSafe(F.col(f"k{c}")) for c in ks]
            pairs = sdf.join(F.broadcast(k) if len(info) < 1_000_000 else k, cond).select(
                _RID, "__ps_label"
            )
            pairs = pairs.toPandas()
            classes.unpersist()
        finally:
            sdf.unpersist()
        n = len(pairs)
        labels = np.empty(n, dtype=np.int64)
        labels[pairs[_RID].to_numpy(dtype=np.int64)] = pairs["__ps_label"].to_numpy(dtype=np.int64)
        if isinstance(data, pd.DataFrame):
            keys = data.iloc[info["__ps_first"].to_numpy(dtype=np.int64)][cols]
            keys = keys.reset_index(drop=True)
        else:
            keys = info[ks].set_axis(cols, axis=1)
        return EquivalenceClasses(labels, info["__ps_size"].to_numpy(dtype=np.int64), keys)

    # ------------------------------------------------------------------ column statistics
    def column_stats(self, data: Any, columns: Sequence[str]) -> dict[str, ColumnCounts]:
        from pyspark.sql import functions as F

        cols = list(dict.fromkeys(columns))
        if not cols:
            return {}
        sdf = self._frame(data, cols)
        aggs = [F.count(F.lit(1))]
        for i, _ in enumerate(cols):
            c = F.col(f"c{i}")
            # NaN is a value to Spark but missing to pandas: count it as missing.
            ok = F.when(~_nan(sdf, f"c{i}"), c)
            aggs += [F.countDistinct(ok), F.count(F.lit(1)) - F.count(ok)]
        row = sdf.agg(*aggs).collect()[0]
        n = int(row[0])
        return {
            c: ColumnCounts(n, int(row[1 + 2 * j]), int(row[2 + 2 * j])) for j, c in enumerate(cols)
        }

    # ------------------------------------------------------------------- value samples
    def sample_values(self, data: Any, column: str, n: int, *, seed: int = 0) -> pd.Series:
        from pyspark.sql import functions as F

        sdf = self._frame(data, [column]).where(F.col("c0").isNotNull())
        top = (
            sdf.groupBy("c0")
            .count()
            .orderBy(F.col("count").desc(), F.col("c0").asc())
            .limit(int(n))
            .toPandas()["c0"]
        )
        if len(top) >= n:
            return top.rename(column).reset_index(drop=True)
        total = sdf.count()
        want = int(n) - len(top)
        frac = min(1.0, 2.0 * want / max(total, 1))
        rest = sdf.sample(fraction=frac, seed=int(seed)).limit(want).toPandas()["c0"]
        return pd.concat([top, rest], ignore_index=True).rename(column)
