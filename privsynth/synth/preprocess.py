"""Encode a raw table to integer codes over a PUBLIC domain, and decode synthetic codes back.

Privacy rule 2: category lists, bounds and bin edges come from the policy (public) or from a DP
measurement charged to the ledger (key discovery, DP quantiles). No code path here derives a
domain from the data: `build_encoder` reads the data only through OpenDP measurements and the
counting engine, and `ColumnCodec` objects carry only public values. Values outside a public
category list fold into an "other" code; numeric values outside the public bounds are clipped;
missing values always have their own code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from privsynth.engine import Bins, CountingEngine, KeyCategories, MemoryEngine
from privsynth.engine.encoding import category_key
from privsynth.errors import InputError
from privsynth.synth.ledger import Ledger
from privsynth.synth.limits import check_synthesis_width
from privsynth.synth.measure import discover_keys, private_quantiles

OTHER = "other"
_BOUNDS_HINT = "add to the policy: columns: {{{col}: {{action: keep, domain: {{bounds: [lo, hi], bins: 32}}}}}}"
_CATS_HINT = (
    "add to the policy: columns: {{{col}: {{action: keep, domain: {{categories: [...]}}}}}} "
    "(a public list) or domain: {{discover: true}} (DP key discovery, charged to the budget)"
)


def _py(v: Any) -> Any:
    """A JSON-friendly Python scalar."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _spec_dict(spec: Any) -> dict[str, Any]:
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return {k: v for k, v in spec.items() if v is not None}
    if hasattr(spec, "model_dump"):
        return {k: v for k, v in spec.model_dump().items() if v is not None}
    return {k: v for k, v in vars(spec).items() if v is not None and not k.startswith("_")}


@dataclass
class ColumnCodec:
    """Public description of one column's coding: kind, categories or bin edges, output type.

    kind: "categorical" (codes: categories..., other, missing) or "numeric" / "datetime"
    (codes: bins..., missing). `integer` keeps decoded numbers integral; `date_only` and
    `date_format` restore dates as dates in the input's format.
    """

    name: str
    kind: str
    categories: list[Any] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    integer: bool = False
    date_only: bool = False
    date_format: str | None = None
    source: str = "policy"  # where the domain came from: policy | key discovery | dp quantiles

    @property
    def size(self) -> int:
        if self.kind == "categorical":
            return len(self.categories) + 2
        return len(self.edges) - 1 + 1

    @property
    def missing_code(self) -> int:
        return self.size - 1

    @property
    def other_code(self) -> int:
        return len(self.categories)

    # -- encoding ----------------------------------------------------------------------------
    def engine_encoder(self, dtype: Any = None) -> KeyCategories | Bins:
        """This coding as a counting-engine encoder, so every engine codes rows in place.

        Categories keep their `other` and `missing` codes and match by text key; `dtype` (the
        column's pandas dtype) gives the typed values a SQL engine compares with. Bins are the
        bin edges: values below / above the public bounds land in the first / last bin (the
        clip), missing values in the last code; dates bin by nanoseconds since 1970.
        """
        if self.kind == "categorical":
            lookup = {_key(c): i for i, c in enumerate(self.categories)}
            nan_missing = dtype is not None and pd.api.types.is_float_dtype(dtype)
            return KeyCategories(
                tuple(lookup.items()),
                len(self.categories),
                typed=_typed_categories(lookup, dtype),
                nan_missing=nan_missing,
            )
        return Bins(
            self.edges,
            datetime=self.kind == "datetime",
            date_format=self.date_format if self.kind == "datetime" else None,
        )

    def encode(self, s: pd.Series) -> np.ndarray:
        """Integer codes for the raw values of this column.

        The engine encoder's own rule, so in-memory codes and engine codes cannot drift apart.
        Numeric values are binned by how many inner edges they reach: the same code as clipping
        to the public bounds first (integer edges make the last integer bin end at hi).
        """
        return self.engine_encoder(s.dtype).encode(s)

    def encode_values(self, values: Any) -> list[int]:
        """Codes for user-given raw values (conditional sampling); InputError if not in the domain."""
        vals = list(values) if isinstance(values, list | tuple | set) else [values]
        codes = self.encode(pd.Series(vals, dtype=object if self.kind == "categorical" else None))
        if self.kind == "categorical":
            for v, c in zip(vals, codes, strict=True):
                if c == self.other_code and str(v) != OTHER:
                    raise InputError(
                        f"value {v!r} is not in the public categories of column {self.name!r}"
                    )
        return sorted({int(c) for c in codes})

    # -- decoding (post-processing: numpy RNG allowed) ---------------------------------------
    def decode(
        self, codes: np.ndarray, rng: np.random.Generator, *, other: bool | None = None
    ) -> pd.Series:
        """Raw values for codes (post-processing). Boolean / integer category lists decode to
        typed columns unless "other" appears; `other` fixes that choice up front (streamed
        chunks must all have one type), None decides from these codes."""
        codes = np.asarray(codes, dtype=np.int64)
        miss = codes == self.missing_code
        if self.kind == "categorical":
            labels = np.array([*self.categories, OTHER, None], dtype=object)
            out = pd.Series(labels[codes], name=self.name)
            has_other = bool((codes == self.other_code).any()) if other is None else other
            if self.categories and all(isinstance(c, bool) for c in self.categories) and not has_other:
                return out.astype("boolean")
            if (
                all(
                    isinstance(c, int | np.integer) and not isinstance(c, bool)
                    for c in self.categories
                )
                and not has_other
            ):
                return out.astype("Int64")
            types = {type(c) for c in self.categories} | ({str} if has_other else set())
            if len(types) > 1:  # one type per column, or Parquet cannot hold it: text
                return out.map(lambda v: None if v is None else str(v)).astype(object)
            return out
        edges = np.asarray(self.edges, dtype=np.float64)
        b = np.clip(codes, 0, len(edges) - 2)
        lo, hi = edges[b], edges[b + 1]
        if self.integer:
            vals = lo + np.floor(rng.random(len(codes)) * (hi - lo))
            vals = np.minimum(vals, hi - 1)
        else:
            vals = lo + rng.random(len(codes)) * (hi - lo)
        if self.kind == "datetime":
            vals_ns = np.where(miss, 0, vals).astype("int64")
            ts = pd.Series(pd.to_datetime(vals_ns), name=self.name)
            if self.date_only:
                ts = ts.dt.floor("D")
            ts[miss] = pd.NaT
            if self.date_format:
                return ts.dt.strftime(self.date_format).where(~miss, None)
            return ts
        if self.integer:
            return pd.Series(
                pd.array(np.where(miss, 0, vals).astype(np.int64), dtype="Int64"), name=self.name
            ).mask(miss)
        return pd.Series(np.where(miss, np.nan, vals), name=self.name)


_key = category_key  # category matching key: values compare by their text


def _typed_categories(lookup: Mapping[str, int], dtype: Any) -> tuple[tuple[Any, int], ...]:
    """(value of the column's type, code) for each category key that a value of `dtype` can have.

    A value v matches key k when category_key(v) == k; for a typed column that holds for at
    most one value per key, found here from the key alone (public), so SQL can compare values.
    """
    out: list[tuple[Any, int]] = []
    if dtype is None or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return tuple(lookup.items())
    if pd.api.types.is_bool_dtype(dtype):
        return tuple((k == "true", c) for k, c in lookup.items() if k in ("true", "false"))
    if pd.api.types.is_integer_dtype(dtype):
        return tuple((int(k), c) for k, c in lookup.items() if _canonical_int(k))
    if pd.api.types.is_float_dtype(dtype):
        for k, c in lookup.items():
            if _canonical_int(k):
                if float(int(k)) == int(k):
                    out.append((float(int(k)), c))
                continue
            try:
                v = float(k)
            except ValueError:
                continue
            if not math.isnan(v) and not float(v).is_integer() and str(v) == k:
                out.append((v, c))
        return tuple(out)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            return ()
        for k, c in lookup.items():
            try:
                ts = pd.Timestamp(k)
            except (ValueError, TypeError):
                continue
            if ts is not pd.NaT and ts.tzinfo is None and str(ts) == k:
                out.append((ts, c))
        return tuple(out)
    return tuple(lookup.items())  # other types compare as text


def _canonical_int(k: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", k)) and str(int(k)) == k


@dataclass
class Encoder:
    """All columns' codecs: encode a raw table to codes, decode codes to a raw-looking table."""

    codecs: dict[str, ColumnCodec]

    @property
    def columns(self) -> list[str]:
        return list(self.codecs)

    @property
    def domain(self) -> dict[str, int]:
        return {c: k.size for c, k in self.codecs.items()}

    def encode(self, df: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.codecs if c not in df.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is not in the data")
        return pd.DataFrame({c: k.encode(df[c]) for c, k in self.codecs.items()}, index=df.index)

    def decode(
        self,
        codes: pd.DataFrame,
        rng: np.random.Generator,
        *,
        other: Mapping[str, bool] | None = None,
    ) -> pd.DataFrame:
        other = other or {}
        return pd.DataFrame(
            {c: k.decode(codes[c].to_numpy(), rng, other=other.get(c)) for c, k in self.codecs.items()}
        )

    def encode_where(self, where: Mapping[str, Any] | None) -> dict[str, list[int]] | None:
        if not where:
            return None
        out = {}
        for col, val in where.items():
            if col not in self.codecs:
                raise InputError(f"cannot condition on {col!r}: not a synthesized column")
            out[col] = self.codecs[col].encode_values(val)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            c: {**asdict(k), "categories": [_py(v) for v in k.categories]}
            for c, k in self.codecs.items()
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Encoder:
        return cls({c: ColumnCodec(**v) for c, v in d.items()})


# -- building an encoder from public specs (+ charged DP measurements) --------------------------


def _column_kind(s: pd.Series, spec: dict[str, Any]) -> str:
    if "categories" in spec or spec.get("discover"):
        return "categorical"
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    bounds = spec.get("bounds") or spec.get("edges")
    if bounds is not None and len(bounds) >= 2 and all(isinstance(b, str) for b in bounds):
        return "datetime"
    if bounds is not None and len(bounds) >= 2:
        return "numeric"
    return "categorical"


def _parse_bound(v: Any, kind: str, col: str) -> float:
    if kind == "datetime":
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError):
            raise InputError(
                f"column {col!r}: bound {v!r} is not a date (use ISO, e.g. 2020-01-31)"
            ) from None
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        return float(ts.value)
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise InputError(f"column {col!r}: bound {v!r} is not a number") from None
    if not math.isfinite(out):
        raise InputError(f"column {col!r}: bounds must be finite")
    return out


def _date_format(s: pd.Series) -> tuple[str | None, bool]:
    """The text format of a date column (schema, like its type) and whether it holds dates only."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return None, False
    first = s.dropna()
    if first.empty:
        return "%Y-%m-%d", True
    from pandas.tseries.api import guess_datetime_format

    sample = first.astype(str).iloc[:1000]
    best, best_bad = None, len(sample) + 1
    for dayfirst in (False, True):
        fmt = guess_datetime_format(sample.iloc[0], dayfirst=dayfirst)
        if fmt is None:
            continue
        bad = int(pd.to_datetime(sample, format=fmt, errors="coerce").isna().sum())
        if bad < best_bad:
            best, best_bad = fmt, bad
    fmt = best
    if fmt is None:
        return None, False
    return fmt, not any(t in fmt for t in ("%H", "%M", "%S", "%I"))


@dataclass
class BudgetPlan:
    """rho set aside for preprocessing steps, per column (release.py decides the split)."""

    discover_rho: float = 0.0
    discover_delta: float = 0.0
    quantile_rho: float = 0.0


def needs_budget(specs: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Columns that will need key discovery and DP-quantile binning."""
    disc, quant = [], []
    for col, spec in specs.items():
        d = _spec_dict(spec)
        if d.get("discover"):
            disc.append(col)
        elif d.get("binning") == "dp_quantile":
            quant.append(col)
    return disc, quant


class PrivateCounts:
    """The private histograms preprocessing needs, counted by an engine over the (bounded) rows.

    The counts are private intermediates: they only ever go into an OpenDP measurement.
    """

    def __init__(self, engine: CountingEngine, data: Any):
        self.engine = engine
        self.data = data

    def key_counts(self, column: str) -> dict[str, int]:
        """Rows per distinct category key of `column` (missing values left out)."""
        return self.engine.key_counts(self.data, column)

    def histogram(self, column: str, bins: Bins) -> np.ndarray:
        """Rows per bin of `bins` (values outside clamp to the end bins; missing left out)."""
        counts = self.engine.marginal(self.data, [column], [bins.size], {column: bins})
        return np.asarray(counts)[: bins.n_bins]


def build_encoder(
    df: pd.DataFrame,
    specs: Mapping[str, Any],
    *,
    ledger: Ledger | None = None,
    plan: BudgetPlan | None = None,
    sensitivity: int = 1,
    counts: PrivateCounts | None = None,
) -> Encoder:
    """Codecs for the columns in `specs` (column -> policy `domain` block, or None).

    Public parts come straight from the specs; key discovery and DP-quantile binning run OpenDP
    measurements charged to `ledger` with the per-column budgets in `plan`. `df` gives the
    columns' types (a row sample is enough); `counts` counts the private rows (default: the
    in-memory engine over `df`, for tables held in memory).
    """
    check_synthesis_width(len(specs))  # before a column's budget is spent on discovery
    plan = plan or BudgetPlan()
    counts = counts or PrivateCounts(MemoryEngine(), df)
    codecs: dict[str, ColumnCodec] = {}
    for col, raw_spec in specs.items():
        if col not in df.columns:
            raise InputError(f"column {col!r} is in the policy but not in the data")
        spec = _spec_dict(raw_spec)
        s = df[col]
        kind = _column_kind(s, spec)
        if kind == "categorical":
            codecs[col] = _categorical_codec(col, s, spec, ledger, plan, sensitivity, counts)
        else:
            codecs[col] = _numeric_codec(col, s, spec, kind, ledger, plan, sensitivity, counts)
    return Encoder(codecs)


def _categorical_codec(col, s, spec, ledger, plan, sensitivity, counts) -> ColumnCodec:
    if "categories" in spec:
        cats = list(spec["categories"])
        if not cats:
            raise InputError(f"column {col!r}: the public category list is empty")
        return ColumnCodec(col, "categorical", categories=[_py(c) for c in cats])
    if pd.api.types.is_bool_dtype(s):
        return ColumnCodec(col, "categorical", categories=[False, True])
    if spec.get("discover"):
        if ledger is None or plan.discover_rho <= 0:
            raise InputError(f"column {col!r}: key discovery needs a privacy budget")
        # Count each distinct value in the engine (a private intermediate, only fed to OpenDP).
        kept = discover_keys(
            counts.key_counts(col),
            ledger=ledger,
            rho=plan.discover_rho,
            delta=plan.discover_delta,
            sensitivity=sensitivity,
            threshold=spec.get("threshold"),
            what=f"key discovery for {col!r}",
        )
        return ColumnCodec(col, "categorical", categories=sorted(kept), source="key discovery")
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        raise InputError(
            f"column {col!r} is numeric but has no public bounds; " + _BOUNDS_HINT.format(col=col)
        )
    raise InputError(f"column {col!r} has no public categories; " + _CATS_HINT.format(col=col))


def _edges_codec(col: str, s: pd.Series, spec: dict, kind: str) -> ColumnCodec:
    """Bins from the policy's public `edges`: [e0, e1), [e1, e2), ..., [e_k-1, e_k] (last closed)."""
    edges = [_parse_bound(e, kind, col) for e in spec["edges"]]
    if len(edges) < 2 or any(not a < b for a, b in zip(edges, edges[1:], strict=False)):
        raise InputError(f"column {col!r}: edges must be at least two increasing values")
    integer = kind == "numeric" and pd.api.types.is_integer_dtype(s)
    date_format, date_only = _date_format(s) if kind == "datetime" else (None, False)
    if kind == "datetime" and date_format is None:
        date_only = all(isinstance(e, str) and len(e) <= 10 for e in spec["edges"])
    codec = ColumnCodec(col, kind, integer=integer, date_only=date_only, date_format=date_format)
    if integer:
        # integer bins hold [edges[i], edges[i+1] - 1]; the last edge is inclusive, so + 1
        inner = [math.ceil(e) for e in edges[:-1]] + [math.floor(edges[-1]) + 1]
        if any(not a < b for a, b in zip(inner, inner[1:], strict=False)):
            raise InputError(f"column {col!r}: integer edges must leave an integer in every bin")
        edges = [float(e) for e in inner]
    codec.edges = edges
    codec.source = "public edges"
    return codec


def _numeric_codec(col, s, spec, kind, ledger, plan, sensitivity, counts) -> ColumnCodec:
    if spec.get("edges") is not None:
        return _edges_codec(col, s, spec, kind)
    bounds = spec.get("bounds")
    if bounds is None or len(bounds) != 2:
        raise InputError(f"column {col!r} needs public bounds; " + _BOUNDS_HINT.format(col=col))
    lo, hi = (_parse_bound(b, kind, col) for b in bounds)
    if not lo < hi:
        raise InputError(f"column {col!r}: bounds must satisfy lo < hi (got {bounds!r})")
    bins = int(spec.get("bins", 32))
    if bins < 1:
        raise InputError(f"column {col!r}: bins must be >= 1")
    integer = kind == "numeric" and pd.api.types.is_integer_dtype(s)
    date_format, date_only = (None, False)
    if kind == "datetime":
        date_format, date_only = _date_format(s)
        if date_format is None and all(isinstance(b, str) and len(b) <= 10 for b in bounds):
            date_only = True
    binning = spec.get("binning", "equal_width")
    codec = ColumnCodec(col, kind, integer=integer, date_only=date_only, date_format=date_format)
    if integer:
        # integer bins hold the integers [edges[i], edges[i+1] - 1]; edges[-1] = hi + 1
        lo, hi = math.ceil(lo), math.floor(hi)
        n_int = int(hi - lo + 1)
        if n_int < 1:
            raise InputError(f"column {col!r}: no integer lies within the bounds {bounds!r}")
        bins = min(bins, n_int)
    if binning == "equal_width":
        if integer:
            codec.edges = [float(lo + (i * n_int) // bins) for i in range(bins + 1)]
        else:
            codec.edges = [float(e) for e in np.linspace(lo, hi, bins + 1)]
        return codec
    if binning != "dp_quantile":
        raise InputError(
            f"column {col!r}: binning must be equal_width or dp_quantile (got {binning!r})"
        )
    if ledger is None or plan.quantile_rho <= 0:
        raise InputError(f"column {col!r}: DP-quantile binning needs a privacy budget")
    grid = np.linspace(lo, hi, 257)
    fine = ColumnCodec(col, kind, edges=[float(e) for e in grid], date_format=date_format)
    hist = counts.histogram(col, fine.engine_encoder())
    cands = (grid[:-1] + grid[1:]) / 2
    qs = private_quantiles(
        hist,
        cands,
        [i / bins for i in range(1, bins)],
        ledger=ledger,
        rho=plan.quantile_rho,
        sensitivity=sensitivity,
        what=f"bin edges for {col!r}",
    )
    edges = np.unique(np.clip([lo, *qs, hi], lo, hi))
    if integer:
        edges = np.unique(np.concatenate([[lo], np.ceil(edges[1:-1]), [hi + 1]]))
    codec.edges = [float(e) for e in edges]
    codec.source = "dp quantiles"
    return codec


__all__ = [
    "BudgetPlan",
    "ColumnCodec",
    "Encoder",
    "PrivateCounts",
    "build_encoder",
    "needs_budget",
    "OTHER",
]
