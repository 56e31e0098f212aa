"""Encode a raw table to integer codes over a PUBLIC domain, and decode synthetic codes back.

Privacy rule 2: category lists, bounds and bin edges come from the policy (public) or from a DP
measurement charged to the ledger (key discovery, DP quantiles). No code path here derives a
domain from the data: `build_encoder` reads the data only through OpenDP measurements and the
counting engine, and `ColumnCodec` objects carry only public values. Values outside a public
category list fold into an "other" code; numeric values outside the public bounds are clipped;
missing values always have their own code.

Types are public too: each column's value type (integer, float, categorical, boolean, date,
datetime) and date format come from the policy, from what its domain implies, from the types a
DataFrame or Parquet file stores (part of its schema, like the header), or from the charged DP
typing step (`synth.dp_types`) — never from the values. Cells are read row by row under that
type (`engine.parse`): a cell that does not fit becomes missing. Numeric and date columns
without public bounds get DP bounds (`synth.dp_bounds`, charged) when the plan gives them a
budget.
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
from privsynth.engine.parse import CellParse, parse_series
from privsynth.errors import InputError
from privsynth.synth.dp_bounds import COARSE_SHARE, dp_range, grid_for, measure_range, refine_grid
from privsynth.synth.ledger import Ledger
from privsynth.synth.limits import check_synthesis_width
from privsynth.synth.measure import discover_keys, private_quantiles

# The formats an ISO datetime is read with (the first that fits a cell wins); ISO dates: one.
ISO_DATE_FORMATS = ("%Y-%m-%d",)
ISO_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d",
)
VALUE_TYPES = ("integer", "float", "categorical", "boolean", "date", "datetime")
DEFAULT_BINS = 32
DP_BOUNDS_BINS = 16

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


@dataclass(frozen=True)
class ColumnType:
    """A column's public value type and the date formats its text is read with (the first
    is how dates are written back; none: stored timestamps, written as they are)."""

    type: str
    formats: tuple[str, ...] = ()
    source: str = "policy"

    def __post_init__(self) -> None:
        if self.type not in VALUE_TYPES:
            raise InputError(f"unknown value type {self.type!r} (one of {', '.join(VALUE_TYPES)})")


@dataclass
class ColumnCodec:
    """Public description of one column's coding: kind, categories or bin edges, output type.

    kind: "categorical" (codes: categories..., other, missing) or "numeric" / "datetime"
    (codes: bins..., missing). `integer` keeps decoded numbers integral; `date_only` and
    `date_format` restore dates as dates in the input's format. `value_type` is the column's
    public type and `read_formats` the formats its dates are read with: together they say how
    a cell is read (`cell_parse`). `match` is how cells meet the categories: "exact" (stripped
    text, DP-discovered keys) or "lower" (a public list: case does not matter).
    """

    name: str
    kind: str
    categories: list[Any] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    integer: bool = False
    date_only: bool = False
    date_format: str | None = None
    source: str = "policy"  # where the domain came from: policy | key discovery | dp bounds
    value_type: str | None = None
    read_formats: list[str] = field(default_factory=list)
    match: str = "exact"
    # DP bounds: the public grid's cells between the bounds and their noisy mass; a value is
    # decoded inside its bin in proportion to them (post-processing), not uniformly
    sub_edges: list[float] = field(default_factory=list)
    sub_weights: list[float] = field(default_factory=list)

    def cell_parse(self) -> CellParse:
        """How one cell of this column is read before it is coded (row-local, public)."""
        vt = self.value_type
        if self.kind == "numeric":
            return CellParse("number")
        if self.kind == "datetime":
            fmts = tuple(self.read_formats) or ISO_DATETIME_FORMATS
            return CellParse("date", fmts)
        if vt in ("integer", "float"):
            return CellParse("number")
        if vt == "boolean":
            return CellParse("bool")
        return CellParse("lower" if self.match == "lower" else "text")

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
            lookup = {self.key(c): i for i, c in enumerate(self.categories)}
            nan_missing = dtype is not None and pd.api.types.is_float_dtype(dtype)
            return KeyCategories(
                tuple(lookup.items()),
                len(self.categories),
                typed=_typed_categories(lookup, dtype),
                nan_missing=nan_missing,
            )
        return Bins(self.edges, datetime=self.kind == "datetime")

    def key(self, category: Any) -> str:
        """The text a category is matched by (lower-cased for a public list)."""
        k = _key(category)
        return k.lower() if self.match == "lower" else k

    def encode(self, s: pd.Series) -> np.ndarray:
        """Integer codes for the raw values of this column.

        Each cell is read under the column's public type first (`cell_parse`, row-local), then
        coded by the engine encoder's own rule, so in-memory codes and engine codes cannot
        drift apart. Numeric values are binned by how many inner edges they reach: the same
        code as clipping to the public bounds first (integer edges make the last integer bin
        end at hi).
        """
        parsed = parse_series(s, self.cell_parse())
        return self.engine_encoder(parsed.dtype).encode(parsed)

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
        if self.sub_edges:
            lo, hi = self._sub_cells(b, miss, edges, rng)
        if self.integer:
            vals = lo + np.floor(rng.random(len(codes)) * (hi - lo))
            vals = np.clip(vals, edges[b], edges[b + 1] - 1)
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


    def _sub_cells(
        self, b: np.ndarray, miss: np.ndarray, edges: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the grid cell (clipped to its bin) the value is drawn in: chosen in
        proportion to the cell's noisy mass inside the bin (uniform over the bin when the bin
        holds no mass). A loop over bins, never rows."""
        lo, hi = edges[b].copy(), edges[b + 1].copy()
        se = np.asarray(self.sub_edges, dtype=np.float64)
        sw = np.clip(np.asarray(self.sub_weights, dtype=np.float64), 0, None)
        if len(se) < 2 or len(sw) != len(se) - 1:
            return lo, hi
        for j in np.unique(b[~miss]):
            rows = np.flatnonzero((b == j) & ~miss)
            a, z = edges[j], edges[j + 1]
            starts, ends = np.maximum(se[:-1], a), np.minimum(se[1:], z)
            width = se[1:] - se[:-1]
            inside = np.where((ends > starts) & (width > 0), (ends - starts) / np.where(width > 0, width, 1), 0)
            w = sw * inside
            if w.sum() <= 0:
                continue
            pick = rng.choice(len(w), size=len(rows), p=w / w.sum())
            lo[rows], hi[rows] = starts[pick], ends[pick]
        return lo, hi


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
    # columns a DP step left without a usable domain (no key above the discovery threshold,
    # no range above the noise): column -> why. Post-processing of DP outputs, so public.
    dropped: dict[str, str] = field(default_factory=dict)

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


def column_type(s: pd.Series | None, spec: Mapping[str, Any]) -> ColumnType | None:
    """A column's public type when nobody declared one: what its domain implies (categories or
    discovery: categorical; text bounds: dates; number bounds: integer when every bound is a
    whole number written without a point, else float), else the type its storage declares
    (a DataFrame's or Parquet file's dtype: part of the schema, like the header; for integer
    against float the stored type wins). None: unknown.
    """
    if "categories" in spec or spec.get("discover"):
        return ColumnType("categorical", source="policy domain")
    stored_number = s is not None and not pd.api.types.is_bool_dtype(s) and (
        pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s)
    )
    if stored_number:  # integer or float: the stored type says more than the bounds
        kind = "integer" if pd.api.types.is_integer_dtype(s) else "float"
        return ColumnType(kind, source="file schema")
    bounds = spec.get("bounds") or spec.get("edges")
    if bounds is not None and len(bounds) >= 2:
        if all(isinstance(b, str) for b in bounds):
            dated = all(len(b.strip()) <= 10 for b in bounds)
            if dated:
                return ColumnType("date", ISO_DATE_FORMATS, "policy domain")
            return ColumnType("datetime", ISO_DATETIME_FORMATS, "policy domain")
        if all(isinstance(b, int | np.integer) and not isinstance(b, bool) for b in bounds):
            return ColumnType("integer", source="policy domain")
        return ColumnType("float", source="policy domain")
    if s is None:
        return None
    if pd.api.types.is_bool_dtype(s):
        return ColumnType("boolean", source="file schema")
    if pd.api.types.is_integer_dtype(s):
        return ColumnType("integer", source="file schema")
    if pd.api.types.is_float_dtype(s):
        return ColumnType("float", source="file schema")
    if pd.api.types.is_datetime64_any_dtype(s):
        return ColumnType("datetime", (), "file schema")
    return None


def codec_parse(vt: ColumnType, spec: Mapping[str, Any]) -> CellParse:
    """How a cell of a column with public type `vt` and domain `spec` is read before it is
    coded: the `ColumnCodec.cell_parse` of the codec `build_encoder` will make (public)."""
    kind = _kind(vt, spec)
    if kind == "categorical":
        probe = ColumnCodec("", kind, value_type=vt.type,
                            match="lower" if "categories" in spec else "exact")
    else:
        probe = ColumnCodec("", kind, value_type=vt.type, **(
            _date_codec_fields(vt) if kind == "datetime" else {}))
    return probe.cell_parse()


def _kind(vt: ColumnType, spec: Mapping[str, Any]) -> str:
    if "categories" in spec or spec.get("discover") or vt.type in ("categorical", "boolean"):
        return "categorical"
    return "datetime" if vt.type in ("date", "datetime") else "numeric"


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


def _date_codec_fields(vt: ColumnType) -> dict[str, Any]:
    """How a date column is read and written back: the public formats (the first one writes)."""
    fmts = list(vt.formats)
    if not fmts:  # stored timestamps: read as they are, written as timestamps
        return {"date_only": vt.type == "date", "date_format": None, "read_formats": []}
    out_fmt = fmts[0]
    if vt.type == "datetime" and out_fmt == "%Y-%m-%d":
        out_fmt = "%Y-%m-%d %H:%M:%S"
    date_only = vt.type == "date" and not any(t in out_fmt for t in ("%H", "%M", "%S", "%I"))
    return {"date_only": date_only, "date_format": out_fmt, "read_formats": fmts}


@dataclass
class BudgetPlan:
    """rho set aside for preprocessing steps, per column (the pipeline decides the split).

    `bounds_rho` pays for DP bounds of a numeric or date column without public bounds; zero
    means such a column is refused (it needs public bounds).
    """

    discover_rho: float = 0.0
    discover_delta: float = 0.0
    quantile_rho: float = 0.0
    bounds_rho: float = 0.0
    rows: float | None = None  # the row count (public or DP) DP bounds compare with


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

    def __init__(self, engine: CountingEngine, data: Any, parsed: bool = False):
        self.engine = engine
        self.data = data
        self.parsed = parsed  # the rows are already read under their public types

    def key_counts(self, column: str, parse: CellParse | None = None) -> dict[str, int]:
        """Rows per distinct category key of `column` (missing values left out)."""
        if parse is not None and not self.parsed and isinstance(self.data, pd.DataFrame):
            view = pd.DataFrame({column: parse_series(self.data[column], parse)})
            return self.engine.key_counts(view, column)
        return self.engine.key_counts(self.data, column)

    def histogram(
        self, column: str, bins: Bins, parse: CellParse | None = None, *, missing: bool = False
    ) -> np.ndarray:
        """Rows per bin of `bins` (values outside clamp to the end bins; the missing cell last
        when `missing`, else left out)."""
        data = self.data
        if parse is not None and not self.parsed and isinstance(data, pd.DataFrame):
            data = pd.DataFrame({column: parse_series(data[column], parse)})
        counts = self.engine.marginal(data, [column], [bins.size], {column: bins})
        return np.asarray(counts)[: bins.size if missing else bins.n_bins]


def build_encoder(
    df: pd.DataFrame | None,
    specs: Mapping[str, Any],
    *,
    types: Mapping[str, ColumnType] | None = None,
    ledger: Ledger | None = None,
    plan: BudgetPlan | None = None,
    sensitivity: int = 1,
    counts: PrivateCounts | None = None,
) -> Encoder:
    """Codecs for the columns in `specs` (column -> policy `domain` block, or None).

    `types` gives each column's public value type (and date formats); a column it leaves out
    takes the type its domain implies or its storage declares (`column_type`; `df` is read for
    its dtypes only). Public parts come straight from the specs; key discovery, DP-quantile
    binning and DP bounds run OpenDP measurements charged to `ledger` with the per-column
    budgets in `plan`. `counts` counts the private rows (default: the in-memory engine over
    `df`, for tables held in memory). A column a DP step leaves without a usable domain is
    left out and listed in `Encoder.dropped`.
    """
    check_synthesis_width(len(specs))  # before a column's budget is spent on discovery
    plan = plan or BudgetPlan()
    types = dict(types or {})
    if counts is None:
        if df is None:
            raise InputError("build_encoder needs the rows (df) or a PrivateCounts")
        counts = PrivateCounts(MemoryEngine(), df)
    codecs: dict[str, ColumnCodec] = {}
    dropped: dict[str, str] = {}
    for col, raw_spec in specs.items():
        if df is not None and col not in df.columns:
            raise InputError(f"column {col!r} is in the policy but not in the data")
        spec = _spec_dict(raw_spec)
        vt = types.get(col) or column_type(df[col] if df is not None else None, spec)
        if vt is None:
            raise InputError(
                f"column {col!r} has no public type: declare type: in the policy (integer, "
                "float, categorical, boolean, date, datetime) or give it a domain; "
                + _CATS_HINT.format(col=col)
            )
        kind = _kind(vt, spec)
        if kind == "categorical":
            codec = _categorical_codec(col, vt, spec, ledger, plan, sensitivity, counts)
        else:
            codec = _numeric_codec(col, vt, spec, kind, ledger, plan, sensitivity, counts)
        if isinstance(codec, str):
            dropped[col] = codec
        else:
            codecs[col] = codec
    return Encoder(codecs, dropped)


def _typed_keys(keys: list[str], vt: ColumnType) -> list[Any]:
    """Discovered keys as values of the column's public type (so integers decode as Int64)."""
    if vt.type == "integer" and all(_canonical_int(k) for k in keys):
        return [int(k) for k in keys]
    if vt.type == "boolean" and all(k in ("true", "false") for k in keys):
        return [k == "true" for k in keys]
    return keys


def _categorical_codec(col, vt, spec, ledger, plan, sensitivity, counts) -> ColumnCodec | str:
    if "categories" in spec:
        cats = list(spec["categories"])
        if not cats:
            raise InputError(f"column {col!r}: the public category list is empty")
        codec = ColumnCodec(col, "categorical", categories=[_py(c) for c in cats],
                            value_type=vt.type, match="lower")
        keys = [codec.key(c) for c in codec.categories]
        if len(set(keys)) != len(keys):
            raise InputError(
                f"column {col!r}: two public categories are the same once case is ignored"
            )
        return codec
    if vt.type == "boolean" and not spec.get("discover"):
        return ColumnCodec(col, "categorical", categories=[False, True], value_type="boolean")
    if spec.get("discover"):
        if ledger is None or plan.discover_rho <= 0:
            raise InputError(f"column {col!r}: key discovery needs a privacy budget")
        codec = ColumnCodec(col, "categorical", value_type=vt.type, source="key discovery")
        # Count each distinct value in the engine (a private intermediate, only fed to OpenDP).
        kept = discover_keys(
            counts.key_counts(col, codec.cell_parse()),
            ledger=ledger,
            rho=plan.discover_rho,
            delta=plan.discover_delta,
            sensitivity=sensitivity,
            threshold=spec.get("threshold"),
            what=f"key discovery for {col!r}",
        )
        if not kept:
            return (
                "DP key discovery kept no value (every value is rarer than its threshold at "
                "this budget): give public categories, or coarsen the column"
            )
        codec.categories = _typed_keys(sorted(kept), vt)
        return codec
    raise InputError(f"column {col!r} has no public categories; " + _CATS_HINT.format(col=col))


def _edges_codec(col: str, vt: ColumnType, spec: dict, kind: str) -> ColumnCodec:
    """Bins from the policy's public `edges`: [e0, e1), [e1, e2), ..., [e_k-1, e_k] (last closed)."""
    edges = [_parse_bound(e, kind, col) for e in spec["edges"]]
    if len(edges) < 2 or any(not a < b for a, b in zip(edges, edges[1:], strict=False)):
        raise InputError(f"column {col!r}: edges must be at least two increasing values")
    integer = kind == "numeric" and vt.type == "integer"
    extra = _date_codec_fields(vt) if kind == "datetime" else {}
    codec = ColumnCodec(col, kind, integer=integer, value_type=vt.type, **extra)
    if integer:
        # integer bins hold [edges[i], edges[i+1] - 1]; the last edge is inclusive, so + 1
        inner = [math.ceil(e) for e in edges[:-1]] + [math.floor(edges[-1]) + 1]
        if any(not a < b for a, b in zip(inner, inner[1:], strict=False)):
            raise InputError(f"column {col!r}: integer edges must leave an integer in every bin")
        edges = [float(e) for e in inner]
    codec.edges = edges
    codec.source = "public edges"
    return codec


def _numeric_codec(col, vt, spec, kind, ledger, plan, sensitivity, counts) -> ColumnCodec | str:
    if spec.get("edges") is not None:
        return _edges_codec(col, vt, spec, kind)
    bounds = spec.get("bounds")
    integer = kind == "numeric" and vt.type == "integer"
    extra = _date_codec_fields(vt) if kind == "datetime" else {}
    codec = ColumnCodec(col, kind, integer=integer, value_type=vt.type, **extra)
    if bounds is None:
        if plan.bounds_rho > 0 and ledger is not None:
            return _dp_bounds_codec(codec, spec, ledger, plan, sensitivity, counts)
        raise InputError(f"column {col!r} needs public bounds; " + _BOUNDS_HINT.format(col=col))
    if len(bounds) != 2:
        raise InputError(f"column {col!r} needs public bounds; " + _BOUNDS_HINT.format(col=col))
    lo, hi = (_parse_bound(b, kind, col) for b in bounds)
    if not lo < hi:
        raise InputError(f"column {col!r}: bounds must satisfy lo < hi (got {bounds!r})")
    bins = int(spec.get("bins", DEFAULT_BINS))
    if bins < 1:
        raise InputError(f"column {col!r}: bins must be >= 1")
    binning = spec.get("binning", "equal_width")
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
    fine = Bins([float(e) for e in grid], datetime=kind == "datetime")
    hist = counts.histogram(col, fine, codec.cell_parse())
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


def _dp_bounds_codec(codec, spec, ledger, plan, sensitivity, counts) -> ColumnCodec | str:
    """Bounds and bins from a noisy histogram over the public grid (`synth.dp_bounds`)."""
    bins = int(spec.get("bins") or DP_BOUNDS_BINS)
    dated = codec.kind == "datetime"
    grid = grid_for(codec.kind)
    hist = counts.histogram(codec.name, Bins(grid, datetime=dated), codec.cell_parse(),
                            missing=True)
    noisy, sigma = measure_range(
        hist, ledger=ledger, rho=plan.bounds_rho * COARSE_SHARE, sensitivity=sensitivity,
        column=codec.name, step="DP bounds, coarse grid",
    )
    found = dp_range(noisy, sigma, grid, bins=bins, integer=codec.integer, rows=plan.rows)
    if found is None:
        return (
            "DP bounds found no range holding values above the noise at this budget: give "
            "public bounds"
        )
    # second pass: equal cells between the first pass's bounds (public from now on)
    fine = refine_grid(found.lo, found.hi, integer=codec.integer)
    hist = counts.histogram(codec.name, Bins(fine, datetime=dated), codec.cell_parse(),
                            missing=True)
    noisy, sigma = measure_range(
        hist, ledger=ledger, rho=plan.bounds_rho * (1 - COARSE_SHARE), sensitivity=sensitivity,
        column=codec.name, step="DP bounds, fine grid",
    )
    found = dp_range(noisy, sigma, fine, bins=bins, integer=codec.integer, rows=plan.rows) or found
    codec.edges = list(found.edges)
    codec.sub_edges = list(found.cell_edges)
    codec.sub_weights = list(found.cell_weights)
    codec.source = "dp bounds (charged)"
    return codec


__all__ = [
    "BudgetPlan",
    "ColumnCodec",
    "ColumnType",
    "Encoder",
    "PrivateCounts",
    "build_encoder",
    "codec_parse",
    "column_type",
    "needs_budget",
    "OTHER",
]
